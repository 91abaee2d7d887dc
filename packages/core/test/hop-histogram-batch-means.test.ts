import { describe, expect, it } from 'vitest';
import { batchMeansCi95, createPrng, HopHistogram, meanCi95, Samples, sampleExp, stationarityCheck } from '../src/index';

describe('HopHistogram', () => {
  it('quantiles of merged histograms match exact percentiles within one bucket (~12%)', () => {
    const rng = createPrng(11);
    const a = new HopHistogram();
    const b = new HopHistogram();
    const exact = new Samples();
    for (let i = 0; i < 20_000; i++) {
      // Log-normal-ish spread from µs to tens of ms, as hops are.
      const x = 0.3 * Math.exp(2 * (rng.next() - 0.5) * 3);
      (i % 2 === 0 ? a : b).add(x);
      exact.add(x);
    }
    const merged = new HopHistogram();
    merged.merge(a.toData());
    merged.merge(b.toData());
    expect(merged.count).toBe(20_000);
    expect(merged.summary().mean).toBeCloseTo(exact.mean(), 9);
    for (const p of [0.01, 0.5, 0.9, 0.99]) {
      const q = merged.quantile(p);
      expect(Math.abs(Math.log(q / exact.percentile(p)))).toBeLessThan(Math.log(10 ** (1 / 20)));
    }
  });

  it('keeps negatives (clock skew) and zeros in the lowest bucket, and empties to NaN', () => {
    const h = new HopHistogram();
    expect(h.summary().p50).toBeNaN();
    h.add(-0.2);
    h.add(0);
    h.add(Number.NaN);
    expect(h.count).toBe(2);
    expect(h.quantile(1)).toBeLessThan(0.0012);
    expect(h.toData().counts).toEqual([2]);
  });
});

describe('batch means', () => {
  /** AR(1) with mean 1: strongly correlated, like a queue's successive responses. */
  function ar1(n: number, phi: number, seed: number): Float64Array {
    const rng = createPrng(seed);
    const xs = new Float64Array(n);
    let x = 0;
    for (let i = 0; i < n; i++) {
      x = phi * x + (sampleExp(rng) - 1);
      xs[i] = 1 + x;
    }
    return xs;
  }

  it('covers the true mean of a correlated series about 95% of the time, where the iid interval does not', () => {
    let batchCovers = 0;
    let naiveCovers = 0;
    const reps = 200;
    for (let r = 0; r < reps; r++) {
      const xs = ar1(20_000, 0.95, 100 + r);
      const bm = batchMeansCi95(xs);
      const naive = meanCi95(xs);
      if (Math.abs(bm.mean - 1) <= bm.ci95) batchCovers++;
      if (Math.abs(naive.mean - 1) <= naive.ci95) naiveCovers++;
    }
    // Binomial(200, 0.95) stays above 0.88 with overwhelming probability.
    expect(batchCovers / reps).toBeGreaterThan(0.88);
    // Correlation makes the iid half-width ~6x too small: it covers far less often.
    expect(naiveCovers / reps).toBeLessThan(0.5);
  });

  it('half-widths shrink like 1/sqrt(length) with more data', () => {
    const short = batchMeansCi95(ar1(10_000, 0.9, 7)).ci95;
    const long = batchMeansCi95(ar1(160_000, 0.9, 7)).ci95;
    expect(short).toBeGreaterThan(0);
    // Ideal ratio 1/4; the half-width's own sampling error with 20 batches is ~16%.
    expect(long / short).toBeGreaterThan(0.15);
    expect(long / short).toBeLessThan(0.4);
  });

  it('flags a series whose second half drifts away from its first, not a stationary one', () => {
    const stationary = ar1(20_000, 0.9, 3);
    expect(stationarityCheck(stationary).stationary).toBe(true);
    // A queue still filling up: the level climbs over the window.
    const warming = Float64Array.from(ar1(20_000, 0.9, 3), (x, i) => x + (i / 20_000) * 2);
    const c = stationarityCheck(warming);
    expect(c.stationary).toBe(false);
    expect(c.secondHalf).toBeGreaterThan(c.firstHalf);
  });
});
