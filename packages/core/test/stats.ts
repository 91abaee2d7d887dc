// Test-only statistics helpers: chi-square goodness of fit against a uniform law, and
// moment estimates. Not a test file itself (vitest only picks up *.test.ts).

/**
 * Upper 0.1% points of the chi-square distribution (p = 0.001), keyed by degrees of freedom.
 * Values from the inverse CDF (scipy.stats.chi2.ppf(0.999, df)).
 */
export const CHI2_CRIT_P001: Readonly<Record<number, number>> = {
  1: 10.828,
  2: 13.816,
  3: 16.266,
  4: 18.467,
  6: 22.458,
  7: 24.322,
  9: 27.877,
  14: 36.123,
  19: 43.82,
  24: 51.179,
  34: 65.247,
  48: 84.037,
  99: 148.23,
  124: 178.408,
};

export function chi2Critical(df: number): number {
  const v = CHI2_CRIT_P001[df];
  if (v === undefined) throw new Error(`no chi-square critical value tabulated for df = ${df}`);
  return v;
}

/** Pearson's chi-square statistic of observed counts against equal expected counts. */
export function chiSquareUniform(counts: ArrayLike<number>): number {
  const k = counts.length;
  let total = 0;
  for (let i = 0; i < k; i++) total += counts[i]!;
  const expected = total / k;
  let x2 = 0;
  for (let i = 0; i < k; i++) x2 += (counts[i]! - expected) ** 2 / expected;
  return x2;
}

/** Pearson's chi-square statistic of observed counts against given probabilities. */
export function chiSquare(counts: ArrayLike<number>, probs: ArrayLike<number>): number {
  let total = 0;
  for (let i = 0; i < counts.length; i++) total += counts[i]!;
  let x2 = 0;
  for (let i = 0; i < counts.length; i++) {
    const e = total * probs[i]!;
    x2 += (counts[i]! - e) ** 2 / e;
  }
  return x2;
}

/** Sample mean and squared coefficient of variation of n draws. */
export function meanScv(n: number, draw: () => number): { mean: number; scv: number } {
  let s1 = 0;
  let s2 = 0;
  for (let i = 0; i < n; i++) {
    const x = draw();
    s1 += x;
    s2 += x * x;
  }
  const mean = s1 / n;
  const variance = s2 / n - mean * mean;
  return { mean, scv: variance / (mean * mean) };
}

/** Binomial coefficient (small arguments). */
export function choose(n: number, k: number): number {
  let r = 1;
  for (let i = 1; i <= k; i++) r = (r * (n - k + i)) / i;
  return Math.round(r);
}

/** Rank of a sorted d-subset of {0..m-1} in colexicographic order, in [0, C(m, d)). */
export function subsetRank(sorted: readonly number[]): number {
  let r = 0;
  for (let i = 0; i < sorted.length; i++) r += choose(sorted[i]!, i + 1);
  return r;
}
