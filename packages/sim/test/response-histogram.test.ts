import { createPrng } from '@jiq/core';
import { describe, expect, it } from 'vitest';
import { ResponseHistogram } from '../src/response-histogram';

describe('ResponseHistogram', () => {
  it('gives the percentiles of a sample within 0.4% of the exact order statistics', () => {
    const rng = createPrng(5);
    const h = new ResponseHistogram();
    const xs: number[] = [];
    // Exp(1) scaled over four decades of means, as responses at very different loads.
    for (let i = 0; i < 200_000; i++) {
      const x = -Math.log(1 - rng.next()) * 10 ** (Math.floor(i / 50_000) - 2);
      xs.push(x);
      h.add(x);
    }
    xs.sort((a, b) => a - b);
    for (const p of [0.01, 0.1, 0.25, 0.5, 0.9, 0.99, 0.999]) {
      const exact = xs[Math.ceil(p * xs.length) - 1]!;
      expect(Math.abs(h.percentile(p) / exact - 1)).toBeLessThan(0.004);
    }
  });

  it('keeps zero, tiny and huge values in its end bins', () => {
    const h = new ResponseHistogram();
    h.add(0);
    h.add(1e-12);
    h.add(1e15);
    expect(h.total).toBe(3);
    expect(h.percentile(0.5)).toBeLessThan(1e-9);
    expect(h.percentile(0.99)).toBeGreaterThan(1e11);
    expect(new ResponseHistogram().percentile(0.5)).toBeNaN();
  });
});
