import { createPrng } from '@jiq/core';
import { describe, expect, it } from 'vitest';
import { arrivalSchedule } from '../src/index';

function drain(s: { next(): number }): number[] {
  const out: number[] = [];
  for (let t = s.next(); t !== Infinity; t = s.next()) out.push(t);
  return out;
}

describe('arrival schedules', () => {
  it('fixed-count: exactly round(rate x duration) sorted arrivals inside the window', () => {
    const times = drain(arrivalSchedule('fixed-count', 0.32, 70_000, createPrng(3)));
    expect(times).toHaveLength(22_400);
    for (let i = 1; i < times.length; i++) expect(times[i]!).toBeGreaterThanOrEqual(times[i - 1]!);
    expect(times[0]!).toBeGreaterThanOrEqual(0);
    expect(times.at(-1)!).toBeLessThan(70_000);
  });

  it('fixed-count: gaps are exponential-like (mean 1/rate, SCV ~1) and counts per second Poisson-like', () => {
    const rate = 0.5; // per ms
    const times = drain(arrivalSchedule('fixed-count', rate, 200_000, createPrng(11)));
    const gaps = times.slice(1).map((t, i) => t - times[i]!);
    const mean = gaps.reduce((a, g) => a + g, 0) / gaps.length;
    const scv = gaps.reduce((a, g) => a + (g - mean) ** 2, 0) / gaps.length / mean ** 2;
    expect(mean).toBeCloseTo(1 / rate, 2);
    expect(scv).toBeGreaterThan(0.97);
    expect(scv).toBeLessThan(1.03);
    // Counts in 1 s bins: mean 500, variance ~500 (Poisson), not ~0 (a regular grid would pass the mean).
    const bins = new Array<number>(200).fill(0);
    for (const t of times) bins[Math.floor(t / 1000)]!++;
    const bm = bins.reduce((a, b) => a + b, 0) / bins.length;
    const bv = bins.reduce((a, b) => a + (b - bm) ** 2, 0) / (bins.length - 1);
    expect(bm).toBe(500);
    expect(bv / bm).toBeGreaterThan(0.75);
    expect(bv / bm).toBeLessThan(1.25);
  });

  it('poisson: the count itself fluctuates across seeds with variance ~ its mean', () => {
    const counts = Array.from({ length: 60 }, (_, s) => drain(arrivalSchedule('poisson', 0.1, 10_000, createPrng(100 + s))).length);
    const m = counts.reduce((a, b) => a + b, 0) / counts.length;
    const v = counts.reduce((a, b) => a + (b - m) ** 2, 0) / (counts.length - 1);
    expect(Math.abs(m - 1000)).toBeLessThan(15);
    expect(v / m).toBeGreaterThan(0.5);
    expect(v / m).toBeLessThan(1.6);
    expect(new Set(counts).size).toBeGreaterThan(20);
  });
});
