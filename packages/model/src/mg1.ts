import type { PhaseType } from '@jiq/core';
import { inverse, scale, spectralRadiusNonneg, vecMul, zeros, type Mat } from './linalg';

/** Pollaczek–Khinchin mean response time of an M/G/1 queue with mean-1 jobs at load rho. */
export function pkMeanResponse(rho: number, secondMoment: number): number {
  return 1 + (rho * secondMoment) / (2 * (1 - rho));
}

/** Exit-rate vector t* = (−T)·1. */
export function exitRates(ph: PhaseType): Float64Array {
  return Float64Array.from(ph.T, (row) => -row.reduce((s, v) => s + v, 0));
}

/**
 * R = ν(νI − ν·1α − T)⁻¹ of an M/PH/1 queue with arrival rate ν (Theorem 4): its stationary
 * vectors satisfy s_k = s_1·R^(k−1).
 */
export function mph1R(ph: PhaseType, nu: number): Mat {
  const m = ph.alpha.length;
  const M = zeros(m, m);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < m; j++) {
      M.a[i * m + j] = (i === j ? nu : 0) - nu * ph.alpha[j]! - ph.T[i]![j]!;
    }
  }
  return scale(inverse(M), nu);
}

/** Decay rate (caudal characteristic) of the M/PH/1 queue-length distribution at arrival rate ν. */
export function mph1Decay(ph: PhaseType, nu: number): number {
  if (ph.alpha.length === 1) return nu / -ph.T[0]![0]!;
  return spectralRadiusNonneg(mph1R(ph, nu));
}

/**
 * Queue-length distribution of the servers under withdrawals (Theorems 1 and 4): s_0 = 1 − λ,
 * s_1 = (1 − λq0)·α·R/q0, s_k = s_1·R^(k−1), truncated once the remaining mass is below tol.
 */
export function withdrawQueueLength(ph: PhaseType, lambda: number, q0: number, tol = 1e-12, maxLen = 100_000): number[] {
  const nu = lambda * q0;
  const out = [1 - lambda];
  if (ph.alpha.length === 1) {
    // exponential: s_k = λ(1 − λq0)(λq0)^(k−1)
    let s = lambda * (1 - nu);
    let rest = lambda;
    while (out.length < maxLen && rest > tol) {
      out.push(s);
      rest -= s;
      s *= nu;
    }
    return out;
  }
  const R = mph1R(ph, nu);
  let v = scale({ rows: 1, cols: R.cols, a: vecMul(Float64Array.from(ph.alpha), R) }, (1 - nu) / q0).a;
  let rest = lambda;
  while (out.length < maxLen && rest > tol) {
    const s = v.reduce((a, b) => a + b, 0);
    out.push(s);
    rest -= s;
    v = vecMul(v, R);
  }
  return out;
}

/** Queue-length distribution of an M/G/1 queue for exponential jobs (geometric), for `random`. */
export function mm1QueueLength(rho: number, tol = 1e-12, maxLen = 100_000): number[] {
  const out: number[] = [];
  let p = 1 - rho;
  let rest = 1;
  while (out.length < maxLen && rest > tol) {
    out.push(p);
    rest -= p;
    p *= rho;
  }
  return out;
}

export const PERCENTILES = [0.5, 0.9, 0.95, 0.99, 0.999] as const;

/** Percentiles of an exponential response time with the given rate. */
export function exponentialPercentiles(rate: number): Record<string, number> {
  const out: Record<string, number> = {};
  for (const p of PERCENTILES) out[`p${Math.round(p * 1000) / 10}`] = -Math.log1p(-p) / rate;
  return out;
}
