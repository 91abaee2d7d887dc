import { bisectProbability } from './bisect';

/**
 * JIQ-SQ(d) with token withdrawals (Sections 3–4): q0 by Algorithm 1 and the token
 * distribution q̂ by recursion (7).
 *
 * Recursion (7), q̂_{k+1} = q̂_k − (q̂_{k−1}^d − q̂_k^d)(1 − λq0)/(1 + k·q0/r), is evaluated in
 * difference form with q_k = q̂_k − q̂_{k+1} (the probability of exactly k tokens):
 *   q_0 = q0,  q_k = q_{k−1} · S_d(q̂_{k−1}, q̂_k) · (1 − λq0)/(1 + k·q0/r),
 * where S_d(a, b) = (a^d − b^d)/(a − b) = Σ_{i<d} a^i b^(d−1−i). This is the same recursion
 * (for d = 1 it is the product formula of the remark after Theorem 2), but it keeps full
 * relative precision when q0 is tiny — where q̂_1 = 1 − q0 rounds to 1 — so the bisection runs
 * on q0 = 1 − q̂_1 instead of on q̂_1: ξ_k becomes the lower bound 1 − ξ_k and ψ_k the upper
 * bound 1 − ψ_k of q0.
 */

/** S_d(a, b) = (a^d − b^d)/(a − b) for a > 0 and 0 ≤ b ≤ a, with δ = (a − b)/a given exactly. */
export function powerDifferenceQuotient(a: number, delta: number, d: number): number {
  if (d === 1) return 1;
  const ad1 = Math.pow(a, d - 1);
  if (delta <= 0) return d * ad1;
  if (delta >= 1) return ad1;
  return (ad1 * -Math.expm1(d * Math.log1p(-delta))) / delta;
}

interface Params {
  lambda: number;
  r: number;
  d: number;
}

/**
 * Runs recursion (7) for k = 1..kMax and calls visit(k, q̂_k, sum_{s≤k} q̂_s); stops early when
 * visit returns false or q̂_k ≤ 0 (the value is still visited).
 */
function runRecursion(q0: number, p: Params, kMax: number, visit: (k: number, qhat: number, sum: number, qPrev: number) => boolean): void {
  const c0 = 1 - p.lambda * q0;
  let qPrev = q0; // q_{k−1}
  let qhatPrev = 1; // q̂_{k−1}
  let qhat = 1 - q0; // q̂_k
  let sum = 0;
  for (let k = 1; k <= kMax; k++) {
    sum += qhat;
    if (!visit(k, qhat, sum, qPrev) || !(qhat > 0)) return;
    // q_k from q_{k−1}: δ = (q̂_{k−1} − q̂_k)/q̂_{k−1} = q_{k−1}/q̂_{k−1}
    const qk = qPrev * powerDifferenceQuotient(qhatPrev, qPrev / qhatPrev, p.d) * (c0 / (1 + (k * q0) / p.r));
    qhatPrev = qhat;
    qhat -= qk;
    qPrev = qk;
  }
}

function partialSum(q0: number, p: Params, k: number): number {
  let out = 0;
  runRecursion(q0, p, k, (s, _q, sum) => {
    out = sum;
    return s < k;
  });
  return out;
}

function qhatAt(q0: number, p: Params, k: number): number {
  let out = 1;
  runRecursion(q0, p, k, (s, q) => {
    out = q;
    return s < k;
  });
  return out;
}

export interface WithdrawQ0 {
  q0: number;
  /** Final bracket [1 − ξ_k, 1 − ψ_k] of q0. */
  lower: number;
  upper: number;
  /** Last k of Algorithm 1. */
  k: number;
  /** Recursion runs (bisection steps) used. */
  evaluations: number;
  /** Why the loop stopped. */
  stop: 'tolerance' | 'bounds-stopped-moving' | 'k-limit';
}

/**
 * Algorithm 1: q0 of JIQ-SQ(d) with withdrawals. Two departures from the paper's listing,
 * both keeping its bounds valid: (a) the bounds are on q0 (see above), and the stopping test
 * is relative, upper − lower < relTol·upper, plus a stop when the lower bound no longer moves
 * for two successive k (in floating point the width test may never fire: when q0 is tiny,
 * 1 − ψ_k creeps down for thousands of k while 1 − ξ_k is already exact); (b) k grows geometrically (k ← ⌈1.5k⌉) rather
 * than by one: ξ_k and ψ_k bracket the fixed point for every k, so skipping values of k only
 * saves work (d = 1 with large r needs k in the hundreds).
 */
export function withdrawQ0(lambda: number, r: number, d: number, relTol = 1e-14, kLimit = 1_000_000): WithdrawQ0 {
  const p = { lambda, r, d };
  const target = (1 - lambda) * r;
  let k = Math.max(1, Math.floor(target));
  let evaluations = 0;
  // lower bound 1 − ξ_k: the sum of q̂_1..q̂_k reaches (1 − λ)r for every q0 below it
  let b = bisectProbability(0, 1, (q0) => partialSum(q0, p, k) >= target);
  evaluations += b.evaluations;
  let lower = b.lo;
  // upper bound 1 − ψ_k: q̂_k > 0 below it
  b = bisectProbability(lower, 1, (q0) => qhatAt(q0, p, k) > 0);
  evaluations += b.evaluations;
  let upper = b.hi;
  let stop: WithdrawQ0['stop'] = 'k-limit';
  let still = 0;
  while (k < kLimit) {
    if (upper - lower < relTol * upper) {
      stop = 'tolerance';
      break;
    }
    k = Math.min(kLimit, Math.max(k + 1, Math.ceil(1.5 * k)));
    const kk = k;
    const bl = bisectProbability(lower, upper, (q0) => partialSum(q0, p, kk) >= target);
    const bu = bisectProbability(bl.lo, upper, (q0) => qhatAt(q0, p, kk) > 0);
    evaluations += bl.evaluations + bu.evaluations;
    // The lower bound 1 − ξ_k settles first; ψ_k can creep for a long time when q0 is tiny
    // (q̂_k stays a hair above 0), so "stopped moving" watches the lower bound.
    const moved = bl.lo > lower * (1 + 1e-15);
    lower = bl.lo;
    upper = bu.hi;
    still = moved ? 0 : still + 1;
    if (still >= 2) {
      stop = 'bounds-stopped-moving';
      break;
    }
  }
  // as in Algorithm 1, q0 := 1 − ξ_k
  return { q0: lower, lower, upper, k, evaluations, stop };
}

/**
 * The token distribution of a dispatcher, q_k = P(exactly k tokens) = q̂_k − q̂_{k+1}, from
 * recursion (7) at the given q0, until q̂_k drops below tol.
 */
export function withdrawTokenDistribution(lambda: number, r: number, d: number, q0: number, tol = 1e-15, kMax = 100_000): number[] {
  const out: number[] = [];
  let tail = 1;
  runRecursion(q0, { lambda, r, d }, kMax, (_k, qhat, _sum, qPrev) => {
    out.push(qPrev);
    tail = Math.max(qhat, 0);
    return qhat >= tol;
  });
  // the remainder q̂_K sits on the last index
  out.push(tail);
  while (out.length > 1 && out[out.length - 1]! === 0) out.pop();
  return out;
}
