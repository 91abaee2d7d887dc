// Issue 11, TLS to the brokers with real servers: nats-server --tls (a certificate from a CA made
// at test time) and redis-server --tls-port (this redis-server build has TLS). jiq trusts the CA
// with --nats-tls-ca / --redis-tls-ca and is served; without the CA, or trusting another one, it
// cannot connect (exit 1, naming the cause); plaintext to a TLS port fails.
import { spawnJiq, type JiqChild } from '@jiq/cli';
import { JiqClient } from '@jiq/client';
import { createLogger } from '@jiq/shared';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runJiq } from './helpers/jiq-processes';
import { freePort } from './helpers/ports';
import { requireService, type ServiceHandle } from './helpers/services';
import { makeTestCerts, type TestCerts } from './helpers/test-certs';

const TOKEN = 'tls-brokers-token-0123456789abcdef';
const REDIS_PASS = 'redis-tls-password-0123456789';
const silent = createLogger('security-tls-brokers-test', 'silent');
// The test process's own environment lends nothing.
const BASE_ENV = { JIQ_AUTH_TOKEN: TOKEN, JIQ_AUTH_TOKEN_FILE: '', JIQ_NATS_PASS: '', JIQ_LOG_LEVEL: 'warn' };

let certs: TestCerts;
beforeAll(() => {
  certs = makeTestCerts();
});
afterAll(() => certs?.remove());

describe('NATS over TLS (nats-server --tls --tlscert --tlskey)', () => {
  let nats: ServiceHandle | null = null;
  const children: JiqChild[] = [];
  const natsArgs = (): string[] => ['--transport', 'nats', '--nats', nats!.url, '--cluster', 'tlsn'];

  beforeAll(async () => {
    nats = await requireService('nats', { extraArgs: () => ['--tls', '--tlscert', certs.serverCertFile, '--tlskey', certs.serverKeyFile] });
    if (!nats) return;
    children.push(await spawnJiq(['dispatcher', '--id', 'dtls', ...natsArgs(), '--nats-tls-ca', certs.caFile, '--log-level', 'warn'], { timeoutMs: 20_000, env: BASE_ENV }));
    children.push(await spawnJiq(['worker', '--dispatchers', 'dtls', '--id', 'wtls', '--mean-service-ms', '5', ...natsArgs(), '--nats-tls-ca', certs.caFile, '--log-level', 'warn'],
      { timeoutMs: 20_000, env: BASE_ENV }));
  });
  beforeEach((ctx) => {
    if (!nats) ctx.skip();
  });
  afterAll(async () => {
    for (const c of children.reverse()) await c.stop(5_000);
    await nats?.stop();
  });

  it('serves jiq load trusting the CA: every job completes', async () => {
    const r = await runJiq(['load', '--dispatchers', 'dtls', '--workers', '1', '--lambda', '0.3', '--mean-service-ms', '5', '--duration', '1', '--json',
      ...natsArgs(), '--nats-tls-ca', certs.caFile], 60_000, BASE_ENV);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { submitted: number; completed: number };
    expect(out.submitted).toBeGreaterThan(0);
    expect(out.completed).toBe(out.submitted);
  });

  it('without the CA, or trusting another CA, nothing connects: exit 1 naming the certificate', async () => {
    for (const extra of [[], ['--nats-tls-ca', certs.otherCaFile]]) {
      const r = await runJiq(['worker', '--dispatchers', 'dtls', '--id', 'w-untrusting', ...natsArgs(), ...extra], 30_000, BASE_ENV);
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr).toMatch(/NATS unreachable at .*(certificate|self.signed|issuer)/i);
    }
  });
});

describe('Redis over TLS (redis-server --tls-port) with a password: rediss://', () => {
  let redis: ServiceHandle | null = null;
  let tlsPort = 0;
  let passFile = '';
  const children: JiqChild[] = [];
  const rediss = (): string => `rediss://127.0.0.1:${tlsPort}`;

  beforeAll(async () => {
    tlsPort = await freePort();
    redis = await requireService('redis', {
      extraArgs: (dir) => {
        passFile = join(dir, 'redis-password');
        writeFileSync(passFile, `${REDIS_PASS}\n`, { mode: 0o600 });
        // The plaintext loopback port stays for the helper's readiness check (it answers NOAUTH).
        return ['--requirepass', REDIS_PASS, '--tls-port', String(tlsPort), '--tls-cert-file', certs.serverCertFile, '--tls-key-file', certs.serverKeyFile,
          '--tls-ca-cert-file', certs.caFile, '--tls-auth-clients', 'no'];
      },
    });
  });
  beforeEach((ctx) => {
    if (!redis) ctx.skip();
  });
  afterAll(async () => {
    for (const c of children.reverse()) await c.stop(5_000);
    await redis?.stop();
  });

  it('membership over rediss:// with the CA and the password file: a worker finds the dispatcher and serves jobs', async () => {
    const env = { ...BASE_ENV, JIQ_REDIS_URL: rediss(), JIQ_REDIS_PASSWORD_FILE: passFile, JIQ_REDIS_TLS_CA: certs.caFile };
    const d = await spawnJiq(['dispatcher', '--port', '0', '--id', 'd-rediss', '--cluster', 'tlsr', '--log-level', 'warn'], { timeoutMs: 20_000, env });
    children.push(d);
    const w = await spawnJiq(['worker', '--id', 'w-rediss', '--cluster', 'tlsr', '--mean-service-ms', '5', '--log-level', 'warn'], { timeoutMs: 20_000, env });
    children.push(w);
    const client = new JiqClient({ dispatchers: [d.ready.address!], auth: { token: TOKEN }, logger: silent });
    try {
      let reply;
      for (let i = 0; i < 100 && !reply; i++) {
        reply = await client.submit('via rediss').catch(() => undefined);
        if (!reply) await new Promise((res) => setTimeout(res, 200));
      }
      expect(reply?.info.workerId).toBe('w-rediss');
    } finally {
      await client.close();
    }
    // The members are in that Redis: jiq stats reads them over TLS.
    const stats = await runJiq(['stats', '--cluster', 'tlsr', '--json'], 30_000, env);
    expect(stats.code, stats.stderr).toBe(0);
    expect(stats.stdout).toContain('d-rediss');
  });

  it('without the CA, trusting another CA, or in plaintext to the TLS port: exit 1, the password never printed', async () => {
    const cases: Record<string, string>[] = [
      { JIQ_REDIS_URL: rediss(), JIQ_REDIS_PASSWORD_FILE: passFile },
      { JIQ_REDIS_URL: rediss(), JIQ_REDIS_PASSWORD_FILE: passFile, JIQ_REDIS_TLS_CA: certs.otherCaFile },
      { JIQ_REDIS_URL: `redis://127.0.0.1:${tlsPort}`, JIQ_REDIS_PASSWORD_FILE: passFile },
    ];
    for (const extra of cases) {
      const r = await runJiq(['stats', '--cluster', 'tlsr', '--json'], 30_000, { ...BASE_ENV, JIQ_REDIS_TLS_CA: '', ...extra });
      expect(r.code, `${JSON.stringify(extra)}: ${r.stderr}`).toBe(1);
      expect(r.stderr).toMatch(/Redis unreachable at redis/);
      expect(r.stderr).not.toContain(REDIS_PASS);
    }
  });
});
