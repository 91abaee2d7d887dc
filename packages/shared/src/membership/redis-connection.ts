import type Redis from 'ioredis';
import { ErrorCode, JiqRefusedError, JiqUnavailableError } from '@jiq/core';
import { redactUrl } from '../auth/redact';
import { readPem } from '../auth/tls-files';
import type { Logger } from '../logger';
import { loadOptional } from '../optional-dependency';
import { ExponentialBackoff } from '../transport/backoff';

export interface RedisConnectOptions {
  connectTimeoutMs?: number;
  log?: Logger;
  /** With rediss:// URLs: the CA of the server's certificate (PEM file; default: system roots). */
  tlsCaFile?: string;
}

/** Redis refusing the password (or requiring one) at start: ioredis reports it as a reply error. */
const AUTH_REFUSED = /NOAUTH|WRONGPASS|invalid password|invalid username-password/i;

/**
 * Connects to Redis: a JiqUnavailableError within connectTimeoutMs (default 4 s) if it is
 * unreachable at start (JiqRefusedError if it refuses the credentials), then reconnects with
 * exponential backoff. AUTH takes the user and password from the URL
 * (redis://user:password@host:port); rediss:// connects over TLS.
 */
export async function connectRedis(url: string, o: RedisConnectOptions = {}): Promise<Redis> {
  const timeoutMs = o.connectTimeoutMs ?? 4_000;
  const backoff = new ExponentialBackoff(100, 5_000);
  const tls = url.startsWith('rediss://') && o.tlsCaFile !== undefined ? { tls: { ca: readPem(o.tlsCaFile, '--redis-tls-ca') } } : {};
  const { Redis: RedisClient } = await loadOptional('ioredis', () => import('ioredis'));
  const redis = new RedisClient(url, {
    ...tls,
    lazyConnect: true,
    connectTimeout: timeoutMs,
    maxRetriesPerRequest: 2,
    enableAutoPipelining: true,
    retryStrategy: (times) => backoff.delayMs(times),
  });
  let errors = 0;
  // A refused AUTH arrives here; connect() itself only says "Connection is closed".
  let lastError: Error | undefined;
  redis.on('error', (err: Error) => {
    lastError = err;
    if (errors++ % 20 === 0) o.log?.warn({ err: err.message }, 'Redis connection error');
  });
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      // PING, so that a refused AUTH fails here, not on the first real command.
      redis.connect().then(() => redis.ping()),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
  } catch (err) {
    redis.disconnect();
    const safe = redactUrl(url);
    const authError = [err as Error, lastError].find((e) => e !== undefined && AUTH_REFUSED.test(e.message));
    if (authError) {
      throw new JiqRefusedError(ErrorCode.UNAUTHENTICATED, `Redis at ${safe} refused the credentials: ${authError.message} (put them in the URL: redis://user:password@host:port)`, safe, { cause: authError });
    }
    throw new JiqUnavailableError(`Redis unreachable at ${safe}: ${(err as Error).message}`, safe, { cause: err });
  } finally {
    clearTimeout(timer);
  }
  return redis;
}
