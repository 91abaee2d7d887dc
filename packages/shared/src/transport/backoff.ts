/** How long to wait before reconnect attempt `attempt` (1-based). Swappable policy object. */
export interface BackoffPolicy {
  delayMs(attempt: number): number;
}

/** Exponential backoff with full jitter, capped. */
export class ExponentialBackoff implements BackoffPolicy {
  constructor(
    private readonly initialMs = 100,
    private readonly maxMs = 5_000,
    private readonly factor = 2,
    private readonly random: () => number = Math.random,
  ) {}

  delayMs(attempt: number): number {
    const cap = Math.min(this.maxMs, this.initialMs * this.factor ** Math.max(0, attempt - 1));
    return cap / 2 + (this.random() * cap) / 2;
  }
}
