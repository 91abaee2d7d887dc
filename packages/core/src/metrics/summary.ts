/** Growable sample store with exact percentiles (sorted on demand). */
export class Samples {
  private data = new Float64Array(1024);
  private n = 0;
  private sorted: Float64Array | null = null;
  private total = 0;

  add(x: number): void {
    if (this.n === this.data.length) {
      const bigger = new Float64Array(this.data.length * 2);
      bigger.set(this.data);
      this.data = bigger;
    }
    this.data[this.n++] = x;
    this.total += x;
    this.sorted = null;
  }

  get count(): number {
    return this.n;
  }

  get sum(): number {
    return this.total;
  }

  mean(): number {
    return this.n === 0 ? NaN : this.total / this.n;
  }

  /** p in [0, 1]; nearest-rank on the sorted samples. */
  percentile(p: number): number {
    if (this.n === 0) return NaN;
    if (!this.sorted) this.sorted = this.data.slice(0, this.n).sort();
    const idx = Math.min(this.n - 1, Math.max(0, Math.ceil(p * this.n) - 1));
    return this.sorted[idx]!;
  }

  values(): Float64Array {
    return this.data.slice(0, this.n);
  }
}

// Two-sided 95% Student-t quantiles for 1..30 degrees of freedom.
const T95 = [
  12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131, 2.12,
  2.11, 2.101, 2.093, 2.086, 2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042,
];

/** 97.5% quantile of Student's t with `df` degrees of freedom. */
export function tQuantile975(df: number): number {
  if (df < 1) return NaN;
  if (df <= 30) return T95[df - 1]!;
  return 1.96 + 2.4 / df; // close to the exact value for df > 30
}

/** Mean and half-width of the 95% confidence interval over independent replications. */
export function meanCi95(xs: ArrayLike<number>): { mean: number; ci95: number } {
  const n = xs.length;
  if (n === 0) return { mean: NaN, ci95: NaN };
  let s = 0;
  for (let i = 0; i < n; i++) s += xs[i]!;
  const mean = s / n;
  if (n === 1) return { mean, ci95: NaN };
  let v = 0;
  for (let i = 0; i < n; i++) v += (xs[i]! - mean) ** 2;
  const sd = Math.sqrt(v / (n - 1));
  return { mean, ci95: (tQuantile975(n - 1) * sd) / Math.sqrt(n) };
}
