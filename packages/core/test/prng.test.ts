import { describe, expect, it } from 'vitest';
import { createPrng, deriveSeed, sampleExp, sampleIndex, sampleNormal, Sfc32 } from '../src/index';
import { chi2Critical, chiSquareUniform } from './stats';

function stream(seed: number, n: number): number[] {
  const rng = createPrng(seed);
  return Array.from({ length: n }, () => rng.next());
}

describe('PRNG (sfc32)', () => {
  it('same seed, same stream', () => {
    expect(stream(12345, 1000)).toEqual(stream(12345, 1000));
    const a = new Sfc32(7);
    const b = createPrng(7);
    for (let i = 0; i < 1000; i++) expect(a.nextUint32()).toBe(b.nextUint32());
  });

  it('reproduces the reference stream (splitmix32 seeding, 12 discarded outputs, then sfc32)', () => {
    // Computed independently (a Python transcription of splitmix32 + sfc32). Every seeded
    // experiment depends on this stream: if it must change, change these values on purpose.
    const golden: [number, number[]][] = [
      [0, [548183886, 1097162541, 2219297441, 1664216021]],
      [1, [1130556604, 2591592147, 3014952990, 960850752]],
      [42, [3825871779, 1851418855, 1383259262, 890322987]],
      [0xdeadbeef, [3923707769, 1152713806, 2428647379, 2225741545]],
    ];
    for (const [seed, want] of golden) {
      const rng = createPrng(seed);
      expect(want.map(() => rng.nextUint32())).toEqual(want);
      const again = createPrng(seed);
      expect(again.next()).toBe(want[0]! / 2 ** 32);
    }
  });

  it('different seeds, different streams (also for adjacent seeds and seeds equal mod 2^32)', () => {
    const base = stream(1, 100);
    for (const seed of [0, 2, 3, 1 + 2 ** 31, 0xffffffff]) {
      const other = stream(seed, 100);
      const same = other.filter((x, i) => x === base[i]).length;
      expect(same).toBe(0);
    }
    // Seeds are taken modulo 2^32.
    expect(stream(2 ** 32 + 5, 20)).toEqual(stream(5, 20));
  });

  it('adjacent seeds give uncorrelated streams', () => {
    const n = 100_000;
    const a = stream(100, n);
    const b = stream(101, n);
    let sab = 0;
    let sa = 0;
    let sb = 0;
    let saa = 0;
    let sbb = 0;
    for (let i = 0; i < n; i++) {
      sa += a[i]!;
      sb += b[i]!;
      sab += a[i]! * b[i]!;
      saa += a[i]! ** 2;
      sbb += b[i]! ** 2;
    }
    const cov = sab / n - (sa / n) * (sb / n);
    const corr = cov / Math.sqrt((saa / n - (sa / n) ** 2) * (sbb / n - (sb / n) ** 2));
    expect(Math.abs(corr)).toBeLessThan(4 / Math.sqrt(n));
  });

  it('next() is in [0, 1) and uniform (chi-square over 100 bins, and over pairs)', () => {
    const rng = createPrng(2024);
    const bins = new Float64Array(100);
    const pairs = new Float64Array(100);
    let min = 1;
    let max = 0;
    for (let i = 0; i < 500_000; i++) {
      const x = rng.next();
      const y = rng.next();
      min = Math.min(min, x, y);
      max = Math.max(max, x, y);
      bins[Math.floor(x * 100)]!++;
      bins[Math.floor(y * 100)]!++;
      pairs[Math.floor(x * 10) * 10 + Math.floor(y * 10)]!++;
    }
    expect(min).toBeGreaterThanOrEqual(0);
    expect(max).toBeLessThan(1);
    expect(chiSquareUniform(bins)).toBeLessThan(chi2Critical(99));
    expect(chiSquareUniform(pairs)).toBeLessThan(chi2Critical(99));
  });

  it('nextUint32 gives 32-bit unsigned integers with balanced bits', () => {
    const rng = createPrng(99);
    const ones = new Float64Array(32);
    const n = 100_000;
    let bad = 0;
    for (let i = 0; i < n; i++) {
      const u = rng.nextUint32();
      if (!(Number.isInteger(u) && u >= 0 && u < 2 ** 32)) bad++;
      for (let b = 0; b < 32; b++) if ((u >>> b) & 1) ones[b]!++;
    }
    expect(bad).toBe(0);
    // Each bit is set with probability 1/2: |ones − n/2| < 5·sqrt(n)/2.
    for (let b = 0; b < 32; b++) expect(Math.abs(ones[b]! - n / 2)).toBeLessThan(5 * Math.sqrt(n) / 2);
  });

  it('deriveSeed is deterministic and separates paths', () => {
    expect(deriveSeed(1, 2, 3)).toBe(deriveSeed(1, 2, 3));
    const seen = new Set<number>();
    for (let base = 0; base < 4; base++) {
      seen.add(deriveSeed(base));
      for (let i = 0; i < 20; i++) {
        seen.add(deriveSeed(base, i));
        for (let j = 0; j < 20; j++) seen.add(deriveSeed(base, i, j));
      }
    }
    expect(seen.size).toBe(4 * (1 + 20 + 400));
    expect(deriveSeed(1, 2, 3)).not.toBe(deriveSeed(1, 3, 2));
    for (const s of seen) expect(Number.isInteger(s) && s >= 0 && s < 2 ** 32).toBe(true);
  });

  it('sampleExp has mean 1/rate; sampleIndex is uniform in [0, n); sampleNormal is N(0, 1)', () => {
    const rng = createPrng(55);
    const n = 200_000;
    let e = 0;
    for (let i = 0; i < n; i++) e += sampleExp(rng, 4);
    expect(Math.abs(e / n - 0.25)).toBeLessThan(0.005);

    const idx = new Float64Array(7);
    let bad = 0;
    for (let i = 0; i < n; i++) {
      const k = sampleIndex(rng, 7);
      if (!Number.isInteger(k) || k < 0 || k >= 7) bad++;
      else idx[k]!++;
    }
    expect(bad).toBe(0);
    expect(chiSquareUniform(idx)).toBeLessThan(chi2Critical(6));

    let s1 = 0;
    let s2 = 0;
    let within1 = 0;
    for (let i = 0; i < n; i++) {
      const z = sampleNormal(rng);
      s1 += z;
      s2 += z * z;
      if (Math.abs(z) < 1) within1++;
    }
    expect(Math.abs(s1 / n)).toBeLessThan(0.01);
    expect(Math.abs(s2 / n - 1)).toBeLessThan(0.015);
    expect(Math.abs(within1 / n - 0.682689)).toBeLessThan(0.005);
  });
});
