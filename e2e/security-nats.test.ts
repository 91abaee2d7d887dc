// Issue 11 over NATS, with a real nats-server started with the minimal config of
// docs/security.md: one user per cluster, allowed only its cluster's subjects ("<prefix>.>"),
// and no anonymous access. jiq with the cluster's credentials works; a connection without
// credentials is refused; another cluster's user can neither read this cluster's payloads nor
// forge its replies; a session opened without the jiq token is refused.
import { spawnJiq, type JiqChild } from '@jiq/cli';
import { JiqClient } from '@jiq/client';
import { ErrorCode, JiqRefusedError } from '@jiq/core';
import { createLogger, NatsConnector } from '@jiq/shared';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect, Events, type NatsConnection } from 'nats';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runJiq } from './helpers/jiq-processes';
import { requireService, type ServiceHandle } from './helpers/services';

const TOKEN = 'nats-cluster-token-0123456789abcdef';
const PROD_PASS = 'prod-password-0123456789';
const OTHER_PASS = 'other-password-0123456789';
const silent = createLogger('security-nats-test', 'silent');

/** The minimal per-cluster config of docs/security.md (two clusters, "prod" and "other"). */
export const NATS_CONFIG = `
authorization {
  users = [
    { user: "prod",  password: "${PROD_PASS}",  permissions: { publish: ["prod.>"],  subscribe: ["prod.>"] } }
    { user: "other", password: "${OTHER_PASS}", permissions: { publish: ["other.>"], subscribe: ["other.>"] } }
  ]
}
`;

let nats: ServiceHandle | null = null;
let dispatcher: JiqChild | undefined;
let worker: JiqChild | undefined;
const CHILD_ENV = { JIQ_AUTH_TOKEN: TOKEN, JIQ_AUTH_TOKEN_FILE: '', JIQ_NATS_PASS: PROD_PASS };

function prodArgs(): string[] {
  return ['--transport', 'nats', '--nats', nats!.url, '--cluster', 'prod', '--nats-user', 'prod', '--log-level', 'warn'];
}

beforeAll(async () => {
  nats = await requireService('nats', {
    extraArgs: (dir) => {
      const file = join(dir, 'jiq-nats.conf');
      writeFileSync(file, NATS_CONFIG);
      return ['-c', file];
    },
  });
  if (!nats) return;
  dispatcher = await spawnJiq(['dispatcher', '--id', 'dprod', ...prodArgs()], { timeoutMs: 20_000, env: CHILD_ENV });
  worker = await spawnJiq(['worker', '--dispatchers', 'dprod', '--id', 'wprod', '--mean-service-ms', '5', ...prodArgs()],
    { timeoutMs: 20_000, env: CHILD_ENV });
});

beforeEach((ctx) => {
  if (!nats) ctx.skip();
});

afterAll(async () => {
  await worker?.stop(5_000);
  await dispatcher?.stop(5_000);
  await nats?.stop();
});

function prodConnector(authToken: string | undefined): Promise<NatsConnector> {
  return NatsConnector.connect({ url: nats!.url, prefix: 'prod', credentials: { user: 'prod', pass: PROD_PASS }, authToken, log: silent });
}

/** Every async error (permission violations) the server reports on a connection. */
function collectErrors(nc: NatsConnection): string[] {
  const errors: string[] = [];
  void (async () => {
    for await (const s of nc.status()) if (s.type === Events.Error) errors.push(String(s.data));
  })().catch(() => undefined);
  return errors;
}

describe('NATS with per-cluster users (nats-server -c, the config of docs/security.md)', () => {
  it('refuses a connection without credentials, and jiq says which flags give them (exit 1)', async () => {
    await expect(connect({ servers: nats!.url, timeout: 3_000 })).rejects.toThrow(/Authorization Violation/i);
    const r = await runJiq(['worker', '--transport', 'nats', '--nats', nats!.url, '--cluster', 'prod', '--dispatchers', 'dprod',
      '--log-level', 'silent'], 30_000, { JIQ_AUTH_TOKEN: TOKEN, JIQ_NATS_PASS: '' });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('UNAUTHENTICATED');
    expect(r.stderr).toContain('--nats-creds, --nats-user/--nats-pass');
  });

  it('serves jiq with the cluster\'s credentials and token', async () => {
    const connector = await prodConnector(TOKEN);
    const client = new JiqClient({ dispatchers: ['dprod'], connector, logger: silent, seed: 3 });
    try {
      const replies = await Promise.all(Array.from({ length: 30 }, (_, i) => client.submit(`p${i}`)));
      expect(replies.every((r) => r.info.workerId === 'wprod')).toBe(true);
      const stats = await connector.stats('dprod', {}, 5_000);
      expect(stats.workers).toBe(1);
    } finally {
      await client.close();
      await connector.close();
    }
  });

  it('refuses a session (and Stats) without the jiq token, even with the NATS credentials', async () => {
    const connector = await prodConnector(undefined);
    try {
      const err = await connector.connectClient('dprod', 5_000).then(() => undefined, (e: unknown) => e);
      expect(err).toBeInstanceOf(JiqRefusedError);
      expect((err as JiqRefusedError).code).toBe(ErrorCode.UNAUTHENTICATED);
      expect((err as Error).message).toContain('refused the client session: no auth token presented');
      const worker = await connector.connectWorker('dprod', 5_000).then(() => undefined, (e: unknown) => e);
      expect(worker).toBeInstanceOf(JiqRefusedError);
      await expect(connector.stats('dprod', { reset: true }, 5_000)).rejects.toThrow(/refused the stats call/);
    } finally {
      await connector.close();
    }
  });

  it('another cluster\'s user reads no payload of this cluster and cannot forge its replies', async () => {
    const spy = await connect({ servers: nats!.url, user: 'other', pass: OTHER_PASS, timeout: 3_000 });
    const spyErrors = collectErrors(spy);
    let read = 0;
    const subErrors: string[] = [];
    spy.subscribe('prod.>', { callback: (err) => (err ? subErrors.push(err.message) : read++) });
    spy.subscribe('>', { callback: (err) => (err ? subErrors.push(err.message) : read++) });
    await spy.flush();
    // A connection of the cluster itself watches what reaches the peers' subjects.
    const observer = await connect({ servers: nats!.url, user: 'prod', pass: PROD_PASS, timeout: 3_000 });
    let forged = 0;
    observer.subscribe('prod.>', { callback: (_err, msg) => (msg.subject.includes('guess') ? forged++ : undefined) });
    await observer.flush();
    const connector = await prodConnector(TOKEN);
    const client = new JiqClient({ dispatchers: ['dprod'], connector, logger: silent, seed: 4 });
    try {
      // Forged replies to guessed session ids, and a forged stats reset.
      for (let i = 0; i < 50; i++) spy.publish(`prod.s.guess${i}.m`, new Uint8Array([8, 1, 18, 1, 120, 24, 1]));
      spy.publish('prod.d.dprod.stats', new Uint8Array([8, 1]));
      await spy.flush();
      const replies = await Promise.all(Array.from({ length: 30 }, (_, i) => client.submit(`q${i}`)));
      expect(replies.every((r) => r.info.workerId === 'wprod' && r.info.dispatcherId === 'dprod')).toBe(true);
      await spy.flush();
      await observer.flush();
      expect(read).toBe(0);
      expect(forged).toBe(0);
      // The server refused the subscriptions and the publishes (permission violations).
      expect(subErrors.join('\n')).toMatch(/Permissions Violation for Subscription to "prod\.>"/i);
      expect(spyErrors.length).toBeGreaterThan(0);
      expect(spyErrors.every((e) => /PERMISSIONS_VIOLATION|Permissions Violation/i.test(e))).toBe(true);
      // The dispatcher still has its worker and its counters, none reset by the spy.
      const stats = await connector.stats('dprod', {}, 5_000);
      expect(stats.workers).toBe(1);
      expect(stats.completed).toBeGreaterThanOrEqual(30);
    } finally {
      await client.close();
      await connector.close();
      await observer.close();
      await spy.close();
    }
  });
});
