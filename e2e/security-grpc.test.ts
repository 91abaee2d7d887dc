// Issue 11, item 1 on gRPC, with real processes: a dispatcher serving TLS and requiring the
// shared secret refuses wrong, missing or plaintext peers with a message naming the cause, serves
// the right ones, and refuses the rogue scenarios of the issue (a worker without the token, a
// worker impersonating a live worker id, a Stats reset without the token, too many slots).
import { runCluster, spawnJiq, validateClusterFlags, type JiqChild } from '@jiq/cli';
import { JiqClient } from '@jiq/client';
import { ErrorCode, JiqRefusedError } from '@jiq/core';
import { createLogger, GrpcConnector, readTlsClientFiles } from '@jiq/shared';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runJiq } from './helpers/jiq-processes';
import { makeTestCerts, type TestCerts } from './helpers/test-certs';

const TOKEN = 'right-token-0123456789abcdef0123456789';
const WRONG = 'wrong-token-0123456789abcdef0123456789';
// The test process's own environment must not lend anyone a token.
const CLEAN_ENV = { JIQ_AUTH_TOKEN: '', JIQ_AUTH_TOKEN_FILE: '', JIQ_LOG_LEVEL: 'warn' };
const silent = createLogger('security-test', 'silent');

let certs: TestCerts;
let dir: string;
let tokenFile: string;
let wrongFile: string;
let dispatcher: JiqChild;
let worker: JiqChild;
let address: string;

function spawnEnv(): NodeJS.ProcessEnv {
  return { ...process.env, ...CLEAN_ENV };
}

function clientTls() {
  return readTlsClientFiles({ caFile: certs.caFile })!;
}

beforeAll(async () => {
  certs = makeTestCerts();
  dir = mkdtempSync(join(tmpdir(), 'jiq-security-'));
  tokenFile = join(dir, 'token');
  wrongFile = join(dir, 'wrong');
  writeFileSync(tokenFile, `${TOKEN}\n`, { mode: 0o600 });
  writeFileSync(wrongFile, `${WRONG}\n`, { mode: 0o600 });
  dispatcher = await spawnJiq(
    ['dispatcher', '--port', '0', '--id', 'd-sec', '--log-level', 'warn',
      '--tls-cert', certs.serverCertFile, '--tls-key', certs.serverKeyFile, '--auth-token-file', tokenFile],
    { timeoutMs: 20_000, env: spawnEnv() },
  );
  address = dispatcher.ready.address!;
  worker = await spawnJiq(
    ['worker', '--dispatchers', address, '--id', 'w-legit', '--slots', '2', '--mean-service-ms', '5', '--log-level', 'warn',
      '--tls-ca', certs.caFile, '--auth-token-file', tokenFile],
    { timeoutMs: 20_000, env: spawnEnv() },
  );
});

afterAll(async () => {
  await worker?.stop(5_000);
  await dispatcher?.stop(5_000);
  certs?.remove();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function loadArgs(extra: string[]): string[] {
  return ['load', '--dispatchers', address, '--workers', '1', '--slots', '2', '--lambda', '0.3', '--mean-service-ms', '5',
    '--duration', '1', '--warmup', '0', '--json', ...extra];
}

describe('jiq load against a TLS dispatcher that requires the token', () => {
  it('is served with the right token and CA', async () => {
    const r = await runJiq(loadArgs(['--tls-ca', certs.caFile, '--auth-token-file', tokenFile]), 60_000, CLEAN_ENV);
    expect(r.stderr).not.toContain('error');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { submitted: number; completed: number };
    expect(out.submitted).toBeGreaterThan(0);
    expect(out.completed).toBe(out.submitted);
  });

  it('is served with the token from JIQ_AUTH_TOKEN', async () => {
    const r = await runJiq(loadArgs(['--tls-ca', certs.caFile]), 60_000, { ...CLEAN_ENV, JIQ_AUTH_TOKEN: TOKEN });
    expect(r.code).toBe(0);
  });

  it('with the wrong token: exit 1, UNAUTHENTICATED, "wrong auth token", no job sent', async () => {
    const r = await runJiq(loadArgs(['--tls-ca', certs.caFile, '--auth-token-file', wrongFile]), 60_000, CLEAN_ENV);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`UNAUTHENTICATED: dispatcher ${address} refused the client stream: wrong auth token`);
    expect(r.stdout).toBe('');
  });

  it('without a token: exit 1, naming the missing token and the flag', async () => {
    const r = await runJiq(loadArgs(['--tls-ca', certs.caFile]), 60_000, CLEAN_ENV);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('no auth token presented');
    expect(r.stderr).toContain('--auth-token-file');
  });

  it('without TLS: exit 1, pointing at --tls-ca', async () => {
    const r = await runJiq(loadArgs(['--auth-token-file', tokenFile]), 60_000, CLEAN_ENV);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`dispatcher ${address} did not answer`);
    expect(r.stderr).toContain('if it serves TLS, pass --tls-ca');
  });

  it('trusting another CA: exit 1 (the dispatcher is not who it claims)', async () => {
    const r = await runJiq(loadArgs(['--tls-ca', certs.otherCaFile, '--auth-token-file', tokenFile]), 60_000, CLEAN_ENV);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('--tls-ca trusts');
  });

  it('a too short token file is bad input (exit 2) naming the flag', async () => {
    const short = join(dir, 'short');
    writeFileSync(short, 'abc\n');
    const r = await runJiq(loadArgs(['--tls-ca', certs.caFile, '--auth-token-file', short]), 60_000, CLEAN_ENV);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--auth-token-file: must be at least 16 characters');
  });
});

describe('rogue workers are refused', () => {
  it('a worker with the wrong token is refused and exits 1', async () => {
    const r = await runJiq(['worker', '--dispatchers', address, '--id', 'w-rogue', '--slots', '64', '--log-level', 'silent',
      '--tls-ca', certs.caFile, '--auth-token-file', wrongFile], 30_000, CLEAN_ENV);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('UNAUTHENTICATED');
    expect(r.stderr).toContain('refused the worker stream: wrong auth token');
  });

  it('a rogue worker without the token gets no jobs: every job of a load runs on the legitimate worker', async () => {
    // The rogue stays connected at the TLS level, trying to open worker streams.
    const rogue = new GrpcConnector({ tls: clientTls() });
    const refused = await rogue.connectWorker(address, 5_000).then(() => undefined, (e: unknown) => e);
    expect(refused).toBeInstanceOf(JiqRefusedError);
    expect((refused as JiqRefusedError).code).toBe(ErrorCode.UNAUTHENTICATED);
    const client = new JiqClient({ dispatchers: [address], auth: { token: TOKEN }, tls: clientTls(), logger: silent, seed: 7 });
    try {
      const replies = await Promise.all(Array.from({ length: 40 }, (_, i) => client.submit(`job ${i}`)));
      expect(new Set(replies.map((r) => r.info.workerId))).toEqual(new Set(['w-legit']));
    } finally {
      await client.close();
      await rogue.close();
    }
  });

  it('a second hello with a live worker id from another connection is refused, not obeyed', async () => {
    const r = await runJiq(['worker', '--dispatchers', address, '--id', 'w-legit', '--slots', '8',
      '--log-level', 'silent', '--tls-ca', certs.caFile, '--auth-token-file', tokenFile], 30_000, CLEAN_ENV);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('PERMISSION_DENIED');
    expect(r.stderr).toContain('worker id w-legit is bound to another live connection');
    // The real worker kept its connection, its 2 slots, and its jobs.
    const stats = new GrpcConnector({ tls: clientTls(), authToken: TOKEN });
    const client = new JiqClient({ dispatchers: [address], auth: { token: TOKEN }, tls: clientTls(), logger: silent, seed: 8 });
    try {
      const s = await stats.stats(address, {}, 5_000);
      expect(s.workers).toBe(1);
      expect(s.servers).toBe(2);
      const replies = await Promise.all(Array.from({ length: 20 }, (_, i) => client.submit(`after ${i}`)));
      expect(replies.every((x) => x.info.workerId === 'w-legit')).toBe(true);
    } finally {
      await client.close();
      await stats.close();
    }
  });

  it('a worker announcing more slots than --max-slots-per-worker is refused, the limit shown', async () => {
    const r = await runJiq(['worker', '--dispatchers', address, '--id', 'w-greedy', '--slots', '1024', '--log-level', 'silent',
      '--tls-ca', certs.caFile, '--auth-token-file', tokenFile], 30_000, CLEAN_ENV);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('hello.slots: must be in [1, 64] (--max-slots-per-worker; got 1024)');
  });
});

describe('Stats requires the token', () => {
  it('a Stats reset without (or with a wrong) token is refused and resets nothing', async () => {
    const admin = new GrpcConnector({ tls: clientTls(), authToken: TOKEN });
    const anonymous = new GrpcConnector({ tls: clientTls() });
    const wrong = new GrpcConnector({ tls: clientTls(), authToken: WRONG });
    try {
      const before = await admin.stats(address, {}, 5_000);
      expect(before.completed).toBeGreaterThan(0);
      for (const c of [anonymous, wrong]) {
        const err = await c.stats(address, { reset: true, includeTokens: true }, 5_000).then(() => undefined, (e: unknown) => e);
        expect(err).toBeInstanceOf(JiqRefusedError);
        expect((err as Error).message).toContain('refused the stats call');
      }
      const after = await admin.stats(address, {}, 5_000);
      expect(after.completed).toBeGreaterThanOrEqual(before.completed);
    } finally {
      await Promise.all([admin.close(), anonymous.close(), wrong.close()]);
    }
  });
});

describe('mTLS: --tls-client-ca', () => {
  let mtls: JiqChild;
  beforeAll(async () => {
    mtls = await spawnJiq(
      ['dispatcher', '--port', '0', '--id', 'd-mtls', '--log-level', 'warn', '--tls-cert', certs.serverCertFile,
        '--tls-key', certs.serverKeyFile, '--tls-client-ca', certs.caFile, '--auth-token-file', tokenFile],
      { timeoutMs: 20_000, env: spawnEnv() },
    );
  });
  afterAll(async () => {
    await mtls?.stop(5_000);
  });

  it('serves a worker and a client with certificates from the CA, and no one else', async () => {
    const a = mtls.ready.address!;
    const noCert = new JiqClient({ dispatchers: [a], auth: { token: TOKEN }, tls: clientTls(), connectTimeoutMs: 1_500, logger: silent });
    await expect(noCert.connect()).rejects.toThrow(/did not answer/);
    await noCert.close(0);
    const stranger = new JiqClient({
      dispatchers: [a], auth: { token: TOKEN }, connectTimeoutMs: 1_500, logger: silent,
      tls: readTlsClientFiles({ caFile: certs.caFile, certFile: certs.strangerCertFile, keyFile: certs.strangerKeyFile })!,
    });
    await expect(stranger.connect()).rejects.toThrow(/did not answer/);
    await stranger.close(0);

    const w = await spawnJiq(['worker', '--dispatchers', a, '--id', 'w-mtls', '--mean-service-ms', '5', '--log-level', 'warn',
      '--tls-ca', certs.caFile, '--tls-client-cert', certs.clientCertFile, '--tls-client-key', certs.clientKeyFile,
      '--auth-token-file', tokenFile], { timeoutMs: 20_000, env: spawnEnv() });
    const tls = readTlsClientFiles({ caFile: certs.caFile, certFile: certs.clientCertFile, keyFile: certs.clientKeyFile })!;
    const client = new JiqClient({ dispatchers: [a], auth: { token: TOKEN }, tls, logger: silent });
    try {
      const r = await client.submit('over mTLS');
      expect(r.info.workerId).toBe('w-mtls');
    } finally {
      await client.close();
      await w.stop(5_000);
    }
  });
});

describe('jiq cluster --tls', () => {
  it('runs the measured cluster over TLS with the run\'s token: every job completes, and the dispatchers refuse plaintext', async () => {
    const p = validateClusterFlags({ dispatchers: 2, workers: 2, lambda: 0.3, duration: 2, warmup: 0.5, meanServiceMs: 10, seed: 3 }, {});
    let plaintextError: unknown;
    let address = '';
    const result = await runCluster(p, {
      log: silent,
      tls: true,
      env: CLEAN_ENV,
      afterLoad: async (cluster) => {
        address = cluster.dispatcherAddresses[0]!;
        // The run's own connector talks TLS; a plaintext one (with no CA) is not answered.
        expect((await cluster.stats()).every((s) => s.workers === 2)).toBe(true);
        const plain = new GrpcConnector({ authToken: TOKEN });
        plaintextError = await plain.stats(address, {}, 1_500).then(() => undefined, (err: unknown) => err);
        await plain.close();
      },
    });
    expect(result.params.tls).toBe(true);
    expect(result.jobs).toBeGreaterThan(0);
    expect(result.completed).toBe(result.jobs);
    expect(result.failed + result.lost).toBe(0);
    expect(address).toMatch(/:\d+$/);
    expect(plaintextError).toBeInstanceOf(Error);
  }, 90_000);

  it('over NATS, --tls is refused naming the flag', async () => {
    const run = await runJiq(['cluster', '--transport', 'nats', '--nats', 'nats://127.0.0.1:1', '--tls', '--lambda', '0.5', '--duration', '1'], 20_000, CLEAN_ENV);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--tls');
  });
});

describe('jiq dashboard against a TLS dispatcher that requires the token', () => {
  interface State { dispatchers: { id: string; error?: string; workers: number }[]; polls: number }
  async function dashboardState(extra: string[]): Promise<State | null> {
    const d = await spawnJiq(['dashboard', '--dispatchers', address, '--port', '0', '--interval-ms', '200', ...extra], { timeoutMs: 20_000, env: spawnEnv() });
    try {
      // A few polls: Stats answered (or refused) every 200 ms.
      for (let i = 0; i < 50; i++) {
        const state = (await (await fetch(new URL('/api/state', (d.ready as { url?: string }).url!))).json()) as State;
        if (state.polls >= 3) return state;
        await new Promise((r) => setTimeout(r, 100));
      }
      return null;
    } finally {
      await d.stop(5_000);
    }
  }

  it('shows the dispatcher with --tls-ca and --auth-token-file; without the token it shows the refusal and no figures', async () => {
    const served = await dashboardState(['--tls-ca', certs.caFile, '--auth-token-file', tokenFile]);
    expect(served?.dispatchers.map((x) => [x.id, x.error, x.workers])).toEqual([['d-sec', undefined, 1]]);
    const refused = await dashboardState(['--tls-ca', certs.caFile]);
    expect(refused?.dispatchers).toHaveLength(1);
    expect(refused!.dispatchers[0]!.error).toMatch(/^UNAUTHENTICATED: .*refused the stats call: no auth token presented/);
    expect(refused!.dispatchers[0]!.workers).toBe(0);
  });
});
