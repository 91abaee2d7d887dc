import type Redis from 'ioredis';
import type { Logger } from '../logger';
import { metricsIndexKey, metricsKey, type MetricsRole } from './keys';

export interface MetricsPublisherOptions {
  prefix: string;
  role: MetricsRole;
  id: string;
  /** Reads the counters to publish (called at every publish; must be cheap and synchronous). */
  read: () => Record<string, number>;
  /** Default 1000 ms. */
  intervalMs?: number;
  /** Lifetime of a publication; default 3 x intervalMs + 2 s. */
  ttlMs?: number;
  log?: Logger;
}

/**
 * Publishes one process's counters to Redis every intervalMs: one pipelined HSET + PEXPIRE +
 * index ZADD. I/O only; the counters come from the process's pure core through `read`.
 * A failed publish is logged and retried at the next tick (at most one in flight).
 */
export class MetricsPublisher {
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> | undefined;
  private failures = 0;
  readonly intervalMs: number;
  readonly ttlMs: number;

  constructor(private readonly redis: Redis, private readonly o: MetricsPublisherOptions) {
    this.intervalMs = o.intervalMs ?? 1_000;
    this.ttlMs = o.ttlMs ?? 3 * this.intervalMs + 2_000;
  }

  /** Publishes now (awaited) and then periodically. */
  async start(): Promise<void> {
    await this.publish();
    this.timer = setInterval(() => void this.tick(), this.intervalMs);
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    if (this.inFlight) return;
    this.inFlight = this.publish().then(
      () => {
        this.failures = 0;
      },
      (err: unknown) => {
        if (this.failures++ % 10 === 0) this.o.log?.warn({ err: (err as Error).message }, 'metrics publish failed');
      },
    );
    await this.inFlight;
    this.inFlight = undefined;
  }

  async publish(): Promise<void> {
    const fields: Record<string, string> = { at: String(Date.now()) };
    for (const [k, v] of Object.entries(this.o.read())) fields[k] = String(v);
    const key = metricsKey(this.o.prefix, this.o.role, this.o.id);
    const results = await this.redis
      .multi()
      .hset(key, fields)
      .pexpire(key, this.ttlMs)
      .zadd(metricsIndexKey(this.o.prefix, this.o.role), Date.now() + this.ttlMs, this.o.id)
      .exec();
    const failed = results?.find(([err]) => err);
    if (failed?.[0]) throw failed[0];
  }

  /** Stops; with `final`, publishes the last counters first (they stay readable for ttlMs). */
  async stop(o: { final?: boolean } = {}): Promise<void> {
    clearInterval(this.timer);
    await this.inFlight;
    if (o.final) await this.publish().catch(() => undefined);
  }
}
