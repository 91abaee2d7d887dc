import { meanCi95 } from './summary';

/** Default number of batches: enough degrees of freedom for a usable t quantile, few enough
 * that batches stay long against the correlation time of a queue. */
export const DEFAULT_BATCHES = 20;

/** Means of `batches` contiguous, equal-count batches of an ordered series (NaN-free input). */
export function batchMeans(xs: ArrayLike<number>, batches = DEFAULT_BATCHES): number[] {
  const n = xs.length;
  const b = Math.min(batches, n);
  const out: number[] = [];
  for (let k = 0; k < b; k++) {
    const lo = Math.floor((k * n) / b);
    const hi = Math.floor(((k + 1) * n) / b);
    let s = 0;
    for (let i = lo; i < hi; i++) s += xs[i]!;
    out.push(s / (hi - lo));
  }
  return out;
}

/**
 * Mean and 95% half-width of a steady-state mean from one long, autocorrelated run, by the
 * method of batch means: consecutive batches are close to independent when each is much longer
 * than the correlation time, so the spread of their means gives the uncertainty.
 */
export function batchMeansCi95(xs: ArrayLike<number>, batches = DEFAULT_BATCHES): { mean: number; ci95: number } {
  const r = meanCi95(batchMeans(xs, batches));
  // The overall mean, not the mean of unequal batches.
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[i]!;
  return { mean: xs.length > 0 ? s / xs.length : NaN, ci95: r.ci95 };
}

/** Drift (in half-widths of the difference) above which the halves are taken to differ: 1.5
 * keeps false alarms on a stationary run near 1% instead of the 5% that 1 would give. */
const DRIFT_LIMIT = 1.5;

/** First half against second half of the window, each with its own batch-means interval. */
export interface StationarityCheck {
  firstHalf: number;
  secondHalf: number;
  /** |second - first| over the 95% half-width of their difference. */
  drift: number;
  stationary: boolean;
}

export function stationarityCheck(xs: ArrayLike<number>, batches = DEFAULT_BATCHES): StationarityCheck {
  const n = xs.length;
  const half = Math.floor(n / 2);
  const a = Array.prototype.slice.call(xs, 0, half) as number[];
  const b = Array.prototype.slice.call(xs, half) as number[];
  const per = Math.max(2, Math.floor(batches / 2));
  const ma = meanCi95(batchMeans(a, per));
  const mb = meanCi95(batchMeans(b, per));
  const width = Math.hypot(ma.ci95, mb.ci95);
  const diff = Math.abs(mb.mean - ma.mean);
  const drift = width > 0 ? diff / width : diff > 0 ? Infinity : 0;
  return { firstHalf: ma.mean, secondHalf: mb.mean, drift, stationary: Number.isFinite(drift) && drift <= DRIFT_LIMIT };
}


