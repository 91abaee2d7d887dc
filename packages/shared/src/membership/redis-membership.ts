import type Redis from 'ioredis';
import type { Logger } from '../logger';

export type MemberRole = 'dispatcher' | 'worker';

/**
 * Cluster membership in Redis. Layout (P = cluster prefix):
 *
 *   P:members:dispatcher   ZSET  member = dispatcher address (the id over NATS, host:port over gRPC),
 *                                 score = expiry time (epoch ms)
 *   P:members:worker       ZSET  member = worker id, score = expiry time
 *
 * A member re-adds itself every ttl/3 with score now + ttl; readers take the members whose
 * score is in the future (and prune the rest). A graceful leave removes the member at once;
 * a dead member (kill -9) expires within the TTL. The expiry is in the score, not a key TTL,
 * so one ZRANGEBYSCORE gives the live set.
 *
 * Redis outages: a member re-registers as soon as its connection is ready again (a restarted,
 * empty Redis is refilled within a round trip), and a watcher reports a member as left only
 * after it has been missing from successful polls for a grace period (the TTL), so neither an
 * empty Redis nor stale scores after an outage drop healthy members; while Redis is
 * unreachable polls fail and the last known set stays in force.
 */
export function membersKey(prefix: string, role: MemberRole): string {
  return `${prefix}:members:${role}`;
}

export class MembershipRegistration {
  private timer: NodeJS.Timeout | undefined;
  private left = false;
  private readonly onReady = (): void => {
    this.beat().catch((err: unknown) => this.log?.warn({ err: (err as Error).message }, 'membership re-registration failed'));
  };

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly role: MemberRole,
    readonly member: string,
    private readonly ttlMs: number,
    private readonly log?: Logger,
  ) {}

  /** Registers now (awaited) and keeps the registration alive. */
  async start(): Promise<void> {
    await this.beat();
    this.timer = setInterval(() => {
      this.beat().catch((err: unknown) => this.log?.warn({ err: (err as Error).message }, 'membership heartbeat failed'));
    }, Math.max(50, Math.floor(this.ttlMs / 3)));
    this.timer.unref();
    this.redis.on('ready', this.onReady);
  }

  private async beat(): Promise<void> {
    if (this.left) return;
    await this.redis.zadd(membersKey(this.prefix, this.role), Date.now() + this.ttlMs, this.member);
  }

  /** Graceful leave: removed at once. */
  async leave(): Promise<void> {
    this.left = true;
    clearInterval(this.timer);
    this.redis.off('ready', this.onReady);
    await this.redis.zrem(membersKey(this.prefix, this.role), this.member).catch(() => undefined);
  }
}

/** The live members of a role, now. */
export async function liveMembers(redis: Redis, prefix: string, role: MemberRole): Promise<string[]> {
  const key = membersKey(prefix, role);
  const now = Date.now();
  const [, live] = await Promise.all([redis.zremrangebyscore(key, '-inf', now), redis.zrangebyscore(key, now, '+inf')]);
  return live;
}

/**
 * Polls the live members of a role and reports joins and leaves (first call: every live
 * member joins). Poll errors are logged; the last known set stays in force meanwhile.
 */
export class MembershipWatcher {
  private known = new Set<string>();
  /** Known members absent from the latest polls, and since when (Date.now()). */
  private readonly missingSince = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private polling = false;

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly role: MemberRole,
    private readonly intervalMs: number,
    private readonly onChange: (joined: string[], left: string[]) => void,
    private readonly log?: Logger,
    /** A member missing for this long has left (0: at once). Use the membership TTL. */
    private readonly graceMs = 0,
  ) {}

  async start(): Promise<void> {
    await this.poll();
    this.timer = setInterval(() => void this.pollSafe(), this.intervalMs);
    this.timer.unref();
  }

  get members(): string[] {
    return [...this.known];
  }

  private async pollSafe(): Promise<void> {
    try {
      await this.poll();
    } catch (err) {
      this.log?.warn({ err: (err as Error).message, role: this.role }, 'membership poll failed');
    }
  }

  private async poll(): Promise<void> {
    if (this.polling) return;
    this.polling = true;
    try {
      const live = new Set(await liveMembers(this.redis, this.prefix, this.role));
      const now = Date.now();
      const joined = [...live].filter((m) => !this.known.has(m));
      const left: string[] = [];
      for (const m of this.known) {
        if (live.has(m)) {
          this.missingSince.delete(m);
          continue;
        }
        const since = this.missingSince.get(m) ?? now;
        this.missingSince.set(m, since);
        if (now - since >= this.graceMs) left.push(m);
      }
      for (const m of joined) this.known.add(m);
      for (const m of left) {
        this.known.delete(m);
        this.missingSince.delete(m);
      }
      if (joined.length > 0 || left.length > 0) this.onChange(joined, left);
    } finally {
      this.polling = false;
    }
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
