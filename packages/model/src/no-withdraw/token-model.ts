/**
 * Without withdrawals a server has at most one outstanding token (Section 6). At the fixed
 * point the token's journey through an I-queue does not depend on its server's queue: it is
 * a Markov chain on positions 1..K, and the server sees only its position. This module builds
 * that chain from q0 (Sections 6.3–6.4):
 *   - tokens per I-queue: q̂_j = (1 − q0)^((d^j − 1)/(d − 1)), i.e. (1 − q0)^j for d = 1;
 *   - FCFS: placed at position j with probability q̂_{j−1}^d − q̂_j^d (first row of C), moves
 *     forward at rate λr (an arrival at its dispatcher uses the head token), used at rate λr
 *     from position 1;
 *   - LCFS: placed at position 1 (C̃), pushed back from j to j+1 at rate λ(1 − q0)r·q̂_j^(d−1)
 *     (the extra terms of B̃0 and Ã0), forward and used at rate λr.
 * Positions are truncated at K, the first index with q̂_K^d < 1e-20 (the paper's ε), and the
 * placement mass beyond K is put on K.
 *
 * FCFS with d = 1 places at a geometric(q0) position and moves at constant rate λr, so the
 * token's life is exponential with rate λ·r·q0: the whole position chain collapses to one
 * state. That is exact (no truncation) and is what makes d = 1 fast; `collapse: false` keeps
 * the paper's chain (used in tests to check the two agree).
 */
export interface TokenChain {
  /** Number of positions. */
  K: number;
  /** Rate at which the token leaves position 1 by being used. */
  use: number;
  /** Rate of moving forward from position j ≥ 2 to j − 1. */
  forward: number;
  /** push[j − 1]: rate of being pushed back from j to j + 1 (j = 1..K−1); zeros for FCFS. */
  push: Float64Array;
  /** place[j − 1]: probability that a new token is placed at position j. */
  place: Float64Array;
  collapsed: boolean;
}

export const TOKEN_EPSILON = 1e-20;

/** log q̂_j = e_j·log(1 − q0) with e_j = 1 + d + … + d^(j−1). */
export function logQhat(j: number, d: number, q0: number): number {
  const e = d === 1 ? j : (Math.pow(d, j) - 1) / (d - 1);
  return e * Math.log1p(-q0);
}

/** q_k = P(k tokens at a dispatcher) = q̂_k − q̂_{k+1}, until q̂ drops below tol. */
export function noWithdrawTokenDistribution(d: number, q0: number, tol = 1e-15, kMax = 100_000): number[] {
  const out: number[] = [];
  for (let k = 0; k < kMax; k++) {
    const a = logQhat(k, d, q0);
    const b = logQhat(k + 1, d, q0);
    out.push(Math.exp(a) * -Math.expm1(b - a));
    if (Math.exp(b) < tol) {
      out.push(Math.exp(b));
      break;
    }
  }
  return out;
}

/** Number of positions K: the first K ≥ 1 with q̂_K^d < ε. */
export function positionsNeeded(d: number, q0: number, eps = TOKEN_EPSILON, kMax = 10_000_000): number {
  const logEps = Math.log(eps);
  let K = 1;
  while (K < kMax && d * logQhat(K, d, q0) >= logEps) K++;
  return K;
}

export function buildTokenChain(
  select: 'fcfs' | 'lcfs',
  lambda: number,
  r: number,
  d: number,
  q0: number,
  options: { collapse?: boolean; eps?: number } = {},
): TokenChain {
  if (select === 'fcfs' && d === 1 && options.collapse !== false) {
    return {
      K: 1,
      use: lambda * r * q0,
      forward: 0,
      push: new Float64Array(0),
      place: Float64Array.of(1),
      collapsed: true,
    };
  }
  const K = positionsNeeded(d, q0, options.eps);
  const place = new Float64Array(K);
  const push = new Float64Array(Math.max(K - 1, 0));
  if (select === 'fcfs') {
    // q̂_{j−1}^d − q̂_j^d, computed as a difference of exponentials without cancellation
    for (let j = 1; j <= K; j++) {
      const a = d * logQhat(j - 1, d, q0);
      const b = d * logQhat(j, d, q0);
      place[j - 1] = j === K ? Math.exp(a) : Math.exp(a) * -Math.expm1(b - a);
    }
  } else {
    place[0] = 1;
    for (let j = 1; j < K; j++) push[j - 1] = lambda * (1 - q0) * r * Math.exp((d - 1) * logQhat(j, d, q0));
  }
  return { K, use: lambda * r, forward: lambda * r, push, place, collapsed: false };
}
