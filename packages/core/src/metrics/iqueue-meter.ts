/**
 * Measures q0 at one dispatcher both ways the design asks for: the fraction of measured
 * arrivals that found the I-queue empty, and the time-average fraction of time it was empty
 * (equal by PASTA). The time window runs from the first to the last measured arrival, so
 * warm-up and drain are excluded. Also integrates the I-queue length (mean tokens held).
 */
export class IQueueMeter {
  arrivals = 0;
  emptyArrivals = 0;
  private length = 0;
  private lastT = 0;
  private started = false;
  private windowStart = 0;
  private emptyAcc = 0;
  private tokenAcc = 0;
  private snapT = 0;
  private snapEmpty = 0;
  private snapTokens = 0;

  constructor(private readonly now: () => number) {}

  /** True from the first measured arrival on (warm-up excluded). */
  get measuring(): boolean {
    return this.started;
  }

  /** Call before the queue changes length, with the new length. */
  setLength(length: number): void {
    this.advance(this.now());
    this.length = length;
  }

  /** A job arrived; `queueLength` is the I-queue length it found. */
  arrival(queueLength: number, measured: boolean): void {
    const t = this.now();
    this.advance(t);
    this.length = queueLength;
    if (!measured) return;
    if (!this.started) {
      this.started = true;
      this.windowStart = t;
      this.lastT = t;
    }
    this.arrivals++;
    if (queueLength === 0) this.emptyArrivals++;
    this.snapT = t;
    this.snapEmpty = this.emptyAcc;
    this.snapTokens = this.tokenAcc;
  }

  snapshot(): { arrivals: number; emptyArrivals: number; emptyTimeMs: number; windowMs: number; tokenTimeMs: number } {
    return {
      arrivals: this.arrivals,
      emptyArrivals: this.emptyArrivals,
      emptyTimeMs: this.snapEmpty,
      windowMs: this.started ? this.snapT - this.windowStart : 0,
      tokenTimeMs: this.snapTokens,
    };
  }

  reset(): void {
    this.arrivals = 0;
    this.emptyArrivals = 0;
    this.started = false;
    this.emptyAcc = 0;
    this.tokenAcc = 0;
    this.snapT = 0;
    this.snapEmpty = 0;
    this.snapTokens = 0;
  }

  private advance(t: number): void {
    if (this.started) {
      const dt = t - this.lastT;
      if (this.length === 0) this.emptyAcc += dt;
      this.tokenAcc += this.length * dt;
    }
    this.lastT = t;
  }
}
