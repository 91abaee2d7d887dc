import { bisectProbability } from './bisect';

/**
 * The approximation of Lu et al. (Section 2): q̂_1 solves
 *   q̂_1/(1 − q̂_1) = (1 − λ)r                       (d = 1)
 *   Σ_{i≥1} q̂_1^((d^i − 1)/(d − 1)) = (1 − λ)r      (d > 1),
 * and the servers are M/G/1 queues at load λ·q0 with q0 = 1 − q̂_1. Solved in q0 (so that a
 * q0 far below 1e-16 keeps its digits), by bisection to floating-point resolution.
 */
export function luQ0(lambda: number, r: number, d: number): number {
  const target = (1 - lambda) * r;
  if (d === 1) return 1 / (1 + target);
  // mean I-queue length Σ_i q̂_1^(e_i) with e_i = 1 + d + … + d^(i−1), as a function of q0
  const meanLength = (q0: number): number => {
    const logQ1 = Math.log1p(-q0);
    let sum = 0;
    let e = 1;
    for (let i = 1; i < 10_000; i++) {
      const term = Math.exp(e * logQ1);
      sum += term;
      if (term < 1e-18 * sum || term === 0) break;
      e = e * d + 1;
    }
    return sum;
  };
  // meanLength decreases in q0
  const b = bisectProbability(0, 1, (q0) => meanLength(q0) > target);
  return b.lo + (b.hi - b.lo) / 2;
}
