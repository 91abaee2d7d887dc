import {
  connectRedis,
  MembershipRegistration,
  MembershipWatcher,
  MetricsPublisher,
  type Logger,
} from '@jiq/shared';
import type { DispatcherMembershipOptions } from './options';

export interface DispatcherMembership {
  /** Registers the dispatcher's address (after it serves). */
  register(address: string): Promise<void>;
  /** Leaves at once (graceful close) and disconnects. */
  close(): Promise<void>;
}

/** The dispatcher's counters for the Redis metrics (published under its id). */
export interface DispatcherMetricsSource {
  id: string;
  read: () => Record<string, number>;
}

/**
 * Connects to Redis (fails fast if unreachable) and watches the live workers: a worker that
 * leaves or expires is dropped by `dropWorker` (its tokens go, its jobs are re-dispatched).
 * Once registered, the dispatcher's counters are published every metricsIntervalMs.
 */
export async function joinMembership(
  o: DispatcherMembershipOptions,
  dropWorker: (workerId: string) => void,
  log: Logger,
  metrics?: DispatcherMetricsSource,
): Promise<DispatcherMembership> {
  const redis = await connectRedis(o.redisUrl, { log, tlsCaFile: o.redisTlsCaFile });
  const ttlMs = o.ttlMs ?? 3_000;
  const watcher = new MembershipWatcher(redis, o.prefix, 'worker', Math.max(100, Math.min(500, ttlMs / 4)), (_joined, left) => {
    for (const w of left) {
      log.info({ workerId: w }, 'worker left the membership; dropping it');
      dropWorker(w);
    }
  }, log, ttlMs);
  await watcher.start();
  let registration: MembershipRegistration | undefined;
  let publisher: MetricsPublisher | undefined;
  return {
    register: async (address) => {
      registration = new MembershipRegistration(redis, o.prefix, 'dispatcher', address, ttlMs, log);
      await registration.start();
      if (metrics) {
        publisher = new MetricsPublisher(redis, { prefix: o.prefix, role: 'dispatcher', id: metrics.id, read: metrics.read, intervalMs: o.metricsIntervalMs, log });
        await publisher.start();
      }
    },
    close: async () => {
      watcher.stop();
      await publisher?.stop({ final: true });
      await registration?.leave();
      redis.disconnect();
    },
  };
}
