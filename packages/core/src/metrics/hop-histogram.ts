/**
 * Message hop delays in ms, kept as a log-bucketed histogram so that histograms from several
 * processes merge by adding counts (an exact sample store would have to ship every sample).
 * Buckets are BUCKETS_PER_DECADE per factor of 10 from FIRST_EDGE_MS: a quantile is off by at
 * most half a bucket (~6%), far below the spread of the delays it describes.
 */
const FIRST_EDGE_MS = 0.001;
const BUCKETS_PER_DECADE = 20;
/** 0.001 ms .. 100 s; bucket 0 also takes everything below (including clock-skew negatives). */
const BUCKETS = 8 * BUCKETS_PER_DECADE;

/** What a histogram serialises to (the protocol's HopHistogram). */
export interface HopHistogramData {
  count: number;
  sumMs: number;
  /** Per bucket; trailing zero buckets may be left out. */
  counts: number[];
}

/** mean / p50 / p99 of one hop, in ms (NaN when nothing was measured). */
export interface HopSummary {
  mean: number;
  p50: number;
  p99: number;
}

function bucketOf(ms: number): number {
  if (!(ms > FIRST_EDGE_MS)) return 0;
  const b = Math.floor(Math.log10(ms / FIRST_EDGE_MS) * BUCKETS_PER_DECADE);
  return Math.min(BUCKETS - 1, b);
}

/** Lower edge of bucket b in ms. */
function edge(b: number): number {
  return FIRST_EDGE_MS * 10 ** (b / BUCKETS_PER_DECADE);
}

export class HopHistogram {
  private readonly buckets = new Float64Array(BUCKETS);
  private n = 0;
  private sum = 0;

  get count(): number {
    return this.n;
  }

  add(ms: number): void {
    if (!Number.isFinite(ms)) return;
    const x = Math.max(0, ms);
    this.buckets[bucketOf(x)]!++;
    this.n++;
    this.sum += x;
  }

  /** Adds another histogram's counts (e.g. from another dispatcher). */
  merge(d: HopHistogramData | null | undefined): void {
    if (!d) return;
    const len = Math.min(BUCKETS, d.counts.length);
    for (let b = 0; b < len; b++) this.buckets[b]! += d.counts[b]!;
    this.n += d.count;
    this.sum += d.sumMs;
  }

  reset(): void {
    this.buckets.fill(0);
    this.n = 0;
    this.sum = 0;
  }

  toData(): HopHistogramData {
    let last = BUCKETS - 1;
    while (last >= 0 && this.buckets[last] === 0) last--;
    return { count: this.n, sumMs: this.sum, counts: Array.from(this.buckets.subarray(0, last + 1)) };
  }

  /** p in [0, 1]: geometric interpolation inside the bucket holding the p-quantile. */
  quantile(p: number): number {
    if (this.n === 0) return NaN;
    const target = p * this.n;
    let acc = 0;
    for (let b = 0; b < BUCKETS; b++) {
      const c = this.buckets[b]!;
      if (c > 0 && acc + c >= target) {
        const f = Math.min(1, Math.max(0, (target - acc) / c));
        return b === 0 ? edge(1) * f : edge(b) * (edge(b + 1) / edge(b)) ** f;
      }
      acc += c;
    }
    return edge(BUCKETS);
  }

  summary(): HopSummary {
    return { mean: this.n > 0 ? this.sum / this.n : NaN, p50: this.quantile(0.5), p99: this.quantile(0.99) };
  }
}
