import {
  connectRedis,
  MembershipRegistration,
  MembershipWatcher,
  MetricsPublisher,
  type Logger,
} from '@jiq/shared';
import type { WorkerMembershipOptions } from './options';

export interface WorkerMembership {
  /** Dispatcher addresses live now. */
  readonly dispatchers: string[];
  /** Starts following joins and leaves (after the core exists). */
  follow(onChange: (joined: string[], left: string[]) => void): void;
  /** Registers, and publishes `readMetrics()` to Redis periodically when given. */
  register(workerId: string, readMetrics?: () => Record<string, number>): Promise<void>;
  close(): Promise<void>;
}

/** Connects to Redis (fails fast if unreachable) and reads the live dispatchers. */
export async function joinWorkerMembership(o: WorkerMembershipOptions, log: Logger): Promise<WorkerMembership> {
  const redis = await connectRedis(o.redisUrl, { log, tlsCaFile: o.redisTlsCaFile });
  const ttlMs = o.ttlMs ?? 3_000;
  let listener: ((joined: string[], left: string[]) => void) | undefined;
  const watcher = new MembershipWatcher(redis, o.prefix, 'dispatcher', Math.max(100, Math.min(500, ttlMs / 4)), (j, l) => listener?.(j, l), log, ttlMs);
  try {
    await watcher.start();
  } catch (err) {
    redis.disconnect();
    throw err;
  }
  let registration: MembershipRegistration | undefined;
  let publisher: MetricsPublisher | undefined;
  return {
    get dispatchers() {
      return watcher.members;
    },
    follow: (onChange) => {
      listener = onChange;
    },
    register: async (workerId, readMetrics) => {
      registration = new MembershipRegistration(redis, o.prefix, 'worker', workerId, ttlMs, log);
      await registration.start();
      if (readMetrics) {
        publisher = new MetricsPublisher(redis, { prefix: o.prefix, role: 'worker', id: workerId, read: readMetrics, intervalMs: o.metricsIntervalMs, log });
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
