import type Redis from 'ioredis';
import { JiqUnavailableError } from '@jiq/core';
import type { Logger } from '../logger';
import { loadOptional } from '../optional-dependency';
import { ExponentialBackoff } from '../transport/backoff';

/**
 * Connects to Redis: a JiqUnavailableError within connectTimeoutMs (default 4 s) if it is
 * unreachable at start, then reconnects with exponential backoff.
 */
export async function connectRedis(url: string, o: { connectTimeoutMs?: number; log?: Logger } = {}): Promise<Redis> {
  const timeoutMs = o.connectTimeoutMs ?? 4_000;
  const backoff = new ExponentialBackoff(100, 5_000);
  const { Redis: RedisClient } = await loadOptional('ioredis', () => import('ioredis'));
  const redis = new RedisClient(url, {
    lazyConnect: true,
    connectTimeout: timeoutMs,
    maxRetriesPerRequest: 2,
    enableAutoPipelining: true,
    retryStrategy: (times) => backoff.delayMs(times),
  });
  let errors = 0;
  redis.on('error', (err: Error) => {
    if (errors++ % 20 === 0) o.log?.warn({ err: err.message }, 'Redis connection error');
  });
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      redis.connect(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
  } catch (err) {
    redis.disconnect();
    throw new JiqUnavailableError(`Redis unreachable at ${url}: ${(err as Error).message}`, url, { cause: err });
  } finally {
    clearTimeout(timer);
  }
  return redis;
}
