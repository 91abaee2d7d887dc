import { ResponseHistogram } from './response-histogram';

/**
 * What one replication measures over [start, end) (after the warm-up): per batch of equal
 * length, the arrivals, those that found their dispatcher's I-queue empty (q0), had to wait
 * (P(wait > 0)) or went by token, and the response times of the jobs that arrived in it.
 * Batches give batch-means confidence intervals when there is a single replication.
 */
export class Measurement {
  readonly arrivals: Float64Array;
  readonly emptyArrivals: Float64Array;
  readonly waits: Float64Array;
  readonly byToken: Float64Array;
  readonly responseSum: Float64Array;
  readonly responseCount: Float64Array;
  readonly histogram = new ResponseHistogram();
  /** queueSeen[L]: measured arrivals that found L tokens at their dispatcher (PASTA: the time-average distribution). */
  queueSeen = new Float64Array(64);
  private readonly invBatch: number;
  private readonly last: number;
  /** The batch of the latest arrival (-1 in the warm-up), and the time it ends. */
  private current = -1;
  // Initialised here, not only in the constructor: a number field that V8 first sees as
  // undefined stays tagged, and each later double written to it is boxed.
  private batchEnd = 0;

  constructor(
    readonly start: number,
    readonly end: number,
    readonly batches: number,
  ) {
    this.arrivals = new Float64Array(batches);
    this.emptyArrivals = new Float64Array(batches);
    this.waits = new Float64Array(batches);
    this.byToken = new Float64Array(batches);
    this.responseSum = new Float64Array(batches);
    this.responseCount = new Float64Array(batches);
    this.invBatch = batches / (end - start);
    this.last = batches - 1;
    this.batchEnd = start;
  }

  private batch(t: number): number {
    const b = ((t - this.start) * this.invBatch) | 0;
    return b > this.last ? this.last : b;
  }

  /**
   * A job arrived at time t (ignored during the warm-up). Arrivals come in time order, so the
   * batch is advanced only when t passes its end, instead of being computed for every job.
   */
  arrival(t: number, foundEmpty: boolean, waited: boolean, byToken: boolean, foundLength: number): void {
    if (t >= this.batchEnd) this.advance(t);
    const b = this.current;
    if (b < 0) return;
    if (foundLength >= this.queueSeen.length) this.growSeen(foundLength);
    this.queueSeen[foundLength]!++;
    this.arrivals[b]!++;
    if (foundEmpty) this.emptyArrivals[b]!++;
    if (waited) this.waits[b]!++;
    if (byToken) this.byToken[b]!++;
  }

  /** Moves the arrival batch to the one holding t (t >= start). */
  private advance(t: number): void {
    const b = this.batch(t);
    this.current = b;
    this.batchEnd = b === this.last ? Infinity : this.start + (b + 1) / this.invBatch;
  }

  /** A job that arrived at its dispatcher at `arrival` found its server busy (delay engine: known only when it gets there). */
  wait(arrival: number): void {
    if (arrival < this.start) return;
    this.waits[this.batch(arrival)]!++;
  }

  /** The response time of a job that arrived at `arrival` (ignored for warm-up arrivals). */
  response(arrival: number, r: number): void {
    if (arrival < this.start) return;
    const b = this.batch(arrival);
    this.responseSum[b]! += r;
    this.responseCount[b]!++;
    this.histogram.add(r);
  }

  private growSeen(length: number): void {
    let c = this.queueSeen.length * 2;
    while (c <= length) c *= 2;
    const seen = new Float64Array(c);
    seen.set(this.queueSeen);
    this.queueSeen = seen;
  }
}
