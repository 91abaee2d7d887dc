// Issue 11, Redis: AUTH through the URL (password, and an ACL user with a password) against a
// real redis-server started with --requirepass. Without or with wrong credentials every jiq
// process fails at start with UNAUTHENTICATED and never prints the password; with them,
// membership works end to end (a worker finds the dispatcher through Redis and serves a job).
import { spawnJiq, type JiqChild } from '@jiq/cli';
import { JiqClient } from '@jiq/client';
import { ErrorCode, JiqRefusedError } from '@jiq/core';
import { connectRedis, createLogger } from '@jiq/shared';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runJiq } from './helpers/jiq-processes';
import { requireService, type ServiceHandle } from './helpers/services';

const PASS = 'redis-default-password-0123';
const ALICE_PASS = 'alice-password-0123456789';
const silent = createLogger('security-redis-test', 'silent');

let redis: ServiceHandle | null = null;
const children: JiqChild[] = [];

function url(userinfo: string): string {
  return `redis://${userinfo}@${redis!.host}:${redis!.port}`;
}

beforeAll(async () => {
  redis = await requireService('redis', {
    extraArgs: () => ['--requirepass', PASS, '--user', 'alice', 'on', `>${ALICE_PASS}`, '~*', '&*', '+@all'],
  });
});

beforeEach((ctx) => {
  if (!redis) ctx.skip();
});

afterAll(async () => {
  await Promise.all(children.map((c) => c.stop(5_000)));
  await redis?.stop();
});

async function refusal(u: string): Promise<JiqRefusedError> {
  const err = await connectRedis(u, { connectTimeoutMs: 4_000 }).then((r) => {
    r.disconnect();
    return undefined;
  }, (e: unknown) => e);
  expect(err).toBeInstanceOf(JiqRefusedError);
  return err as JiqRefusedError;
}

describe('Redis AUTH from the URL (redis-server --requirepass, plus an ACL user)', () => {
  it('refuses no password and a wrong one with UNAUTHENTICATED, without echoing the password', async () => {
    const none = await refusal(`redis://${redis!.host}:${redis!.port}`);
    expect(none.code).toBe(ErrorCode.UNAUTHENTICATED);
    expect(none.message).toMatch(/NOAUTH/);
    const wrong = await refusal(url(':not-the-password-123'));
    expect(wrong.message).toMatch(/WRONGPASS|invalid/i);
    expect(wrong.message).not.toContain('not-the-password-123');
    expect(wrong.message).toContain(':***@');
    const wrongUser = await refusal(url(`alice:${PASS}`));
    expect(wrongUser.message).not.toContain(PASS);
  });

  it('connects with the password, and with the ACL user', async () => {
    for (const u of [url(`:${PASS}`), url(`alice:${ALICE_PASS}`)]) {
      const r = await connectRedis(u);
      expect(await r.ping()).toBe('PONG');
      r.disconnect();
    }
  });

  it('jiq stats without the password: exit 1, UNAUTHENTICATED, the password never printed', async () => {
    const r = await runJiq(['stats', '--json'], 30_000, { JIQ_REDIS_URL: url(':wrong-password-4567') });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('UNAUTHENTICATED: Redis at redis://:***@');
    expect(r.stderr).not.toContain('wrong-password-4567');
  });

  it('membership through an authenticated Redis: a worker finds the dispatcher and serves a job', async () => {
    // The URL with the password goes by environment, not argv.
    const env = { JIQ_REDIS_URL: url(`alice:${ALICE_PASS}`), JIQ_AUTH_TOKEN: '', JIQ_AUTH_TOKEN_FILE: '' };
    const d = await spawnJiq(['dispatcher', '--port', '0', '--id', 'd-redis', '--cluster', 'sec', '--log-level', 'warn'], { timeoutMs: 20_000, env });
    children.push(d);
    const w = await spawnJiq(['worker', '--id', 'w-redis', '--cluster', 'sec', '--mean-service-ms', '5', '--log-level', 'warn'], { timeoutMs: 20_000, env });
    children.push(w);
    const client = new JiqClient({ dispatchers: [d.ready.address!], logger: silent });
    try {
      // The worker learns the dispatcher from Redis; wait until it has joined.
      let reply;
      for (let i = 0; i < 100 && !reply; i++) {
        reply = await client.submit('via redis').catch(() => undefined);
        if (!reply) await new Promise((res) => setTimeout(res, 200));
      }
      expect(reply?.info.workerId).toBe('w-redis');
    } finally {
      await client.close();
    }
  });
});
