import { connectRedis, MembershipRegistration, MembershipWatcher, type Logger } from '@jiq/shared';
import type { WorkerMembershipOptions } from './options';

export interface WorkerMembership {
  /** Dispatcher addresses live now. */
  readonly dispatchers: string[];
  /** Starts following joins and leaves (after the core exists). */
  follow(onChange: (joined: string[], left: string[]) => void): void;
  register(workerId: string): Promise<void>;
  close(): Promise<void>;
}

/** Connects to Redis (fails fast if unreachable) and reads the live dispatchers. */
export async function joinWorkerMembership(o: WorkerMembershipOptions, log: Logger): Promise<WorkerMembership> {
  const redis = await connectRedis(o.redisUrl, { log });
  const ttlMs = o.ttlMs ?? 3_000;
  let listener: ((joined: string[], left: string[]) => void) | undefined;
  const watcher = new MembershipWatcher(redis, o.prefix, 'dispatcher', Math.max(100, Math.min(500, ttlMs / 4)), (j, l) => listener?.(j, l), log);
  try {
    await watcher.start();
  } catch (err) {
    redis.disconnect();
    throw err;
  }
  let registration: MembershipRegistration | undefined;
  return {
    get dispatchers() {
      return watcher.members;
    },
    follow: (onChange) => {
      listener = onChange;
    },
    register: async (workerId) => {
      registration = new MembershipRegistration(redis, o.prefix, 'worker', workerId, ttlMs, log);
      await registration.start();
    },
    close: async () => {
      watcher.stop();
      await registration?.leave();
      redis.disconnect();
    },
  };
}
