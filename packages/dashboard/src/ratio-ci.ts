import { tQuantile975 } from '@jiq/core';

/**
 * The 95% CI half-width of a ratio q = Σe / Σa from k batches (e_i, a_i) — here q0 from the
 * empty arrivals and arrivals of each poll interval. Arrivals in neighbouring intervals are
 * correlated through the I-queue, so batches of one poll (~1 s, dozens of busy periods of a
 * token) are a compromise; the delta-method variance of the ratio estimator is
 * Σ(e_i − q·a_i)² / (k(k−1)·ā²). Null with fewer than two non-empty batches.
 */
export function ratioCi95(batches: readonly { e: number; a: number }[]): number | null {
  const used = batches.filter((b) => b.a > 0);
  const k = used.length;
  if (k < 2) return null;
  let e = 0;
  let a = 0;
  for (const b of used) {
    e += b.e;
    a += b.a;
  }
  const q = e / a;
  const meanA = a / k;
  let s = 0;
  for (const b of used) s += (b.e - q * b.a) ** 2;
  return tQuantile975(k - 1) * Math.sqrt(s / (k * (k - 1) * meanA * meanA));
}
