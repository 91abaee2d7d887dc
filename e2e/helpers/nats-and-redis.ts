import { afterAll, beforeAll, beforeEach } from 'vitest';
import { requireService, type ServiceHandle } from './services';

/**
 * Registers, in the calling describe block, hooks that get a NATS and a Redis server (see
 * services.ts), skip every test of the block when either is unavailable (a failure under
 * JIQ_REQUIRE_SERVICES=1), and stop them after the block. Call it before the block's own
 * hooks: afterAll hooks run in reverse order, so the servers outlive the block's processes.
 */
export function useNatsAndRedis(): { readonly nats: ServiceHandle; readonly redis: ServiceHandle } {
  let nats: ServiceHandle | null = null;
  let redis: ServiceHandle | null = null;
  beforeAll(async () => {
    [nats, redis] = await Promise.all([requireService('nats'), requireService('redis')]);
  });
  beforeEach((ctx) => {
    if (!nats || !redis) ctx.skip();
  });
  afterAll(async () => {
    await Promise.all([nats?.stop(), redis?.stop()]);
  });
  return {
    get nats() {
      if (!nats) throw new Error('NATS is not available (the test should have been skipped)');
      return nats;
    },
    get redis() {
      if (!redis) throw new Error('Redis is not available (the test should have been skipped)');
      return redis;
    },
  };
}
