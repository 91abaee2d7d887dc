import { spawnJiq, type JiqChild } from '@jiq/cli';
import { JiqClient } from '@jiq/client';
import { connectRedis, createLogger, liveMembers, NatsConnector, type DispatcherStats } from '@jiq/shared';
import { connect as natsConnect } from 'nats';
import { afterEach, describe, expect, it } from 'vitest';
import { runJiq } from './helpers/jiq-processes';
import { expectExactlyOnce, expectOneTokenPerServerAtRest, sampleMaxTotalTokens, submitMany } from './helpers/load-invariants';
import { freePort } from './helpers/ports';
import { useNatsAndRedis } from './helpers/nats-and-redis';

const quiet = createLogger('test', 'silent');
let prefixSeq = 0;

/** Real dispatcher and worker processes over NATS, members in Redis (workers get no --dispatchers). */
class NatsCluster {
  readonly prefix = `t${process.pid}x${prefixSeq++}`;
  readonly dispatchers: JiqChild[] = [];
  readonly workers: JiqChild[] = [];
  connector!: NatsConnector;
  constructor(readonly nats: string, readonly redis: string, readonly ttlMs = 1500) {}
  private common(): string[] {
    return ['--transport', 'nats', '--nats', this.nats, '--redis', this.redis, '--cluster', this.prefix,
      '--membership-ttl-ms', String(this.ttlMs), '--log-level', 'warn'];
  }
  async start(): Promise<void> {
    this.connector = await NatsConnector.connect({ url: this.nats, prefix: this.prefix });
  }
  get addresses(): string[] {
    return this.dispatchers.map((d) => d.ready.address!);
  }
  async addDispatcher(): Promise<JiqChild> {
    const c = await spawnJiq(['dispatcher', '--id', `d${this.dispatchers.length}`, ...this.common()], { timeoutMs: 20_000, onStderr: (l) => { if (process.env.JIQ_TEST_LOGS) process.stderr.write(`${l}\n`); } });
    this.dispatchers.push(c);
    return c;
  }
  private workerSeq = 0;
  async addWorker(args: string[] = []): Promise<JiqChild> {
    const c = await spawnJiq(['worker', '--id', `w${this.workerSeq++}`, ...this.common(), ...args], { timeoutMs: 20_000, onStderr: (l) => { if (process.env.JIQ_TEST_LOGS) process.stderr.write(`${l}\n`); } });
    this.workers.push(c);
    return c;
  }
  stats(includeTokens = false): Promise<DispatcherStats[]> {
    return Promise.all(this.addresses.map((a) => this.connector.stats(a, { includeTokens }, 5_000)));
  }
  async waitFor(predicate: (s: DispatcherStats[]) => boolean, timeoutMs = 15_000, includeTokens = false): Promise<DispatcherStats[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const s = await this.stats(includeTokens);
      if (predicate(s) || Date.now() > deadline) return s;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  async stop(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.stop(5_000)));
    await Promise.all(this.dispatchers.map((d) => d.stop(5_000)));
    await this.connector?.close();
  }
}

describe('NATS transport + Redis membership on real processes and servers', () => {
  const services = useNatsAndRedis();
  let cluster: NatsCluster | undefined;
  afterEach(async () => {
    await cluster?.stop();
    cluster = undefined;
  });

  it.each([
    ['withdraw', ['--withdraw', '--d', '2']],
    ['no-withdraw', ['--no-withdraw', '--d', '2']],
  ])('exactly one reply per submit, nothing lost or run twice, token invariants hold (%s)', async (mode, workerArgs) => {
    const WORKERS = 6;
    const JOBS = 1_000;
    cluster = new NatsCluster(services.nats.url, services.redis.url);
    await cluster.start();
    await cluster.addDispatcher();
    await cluster.addDispatcher();
    await Promise.all(Array.from({ length: WORKERS }, () => cluster!.addWorker([...workerArgs, '--mean-service-ms', '10'])));
    await cluster.waitFor((s) => s.every((x) => x.workers === WORKERS));
    const client = new JiqClient({ dispatchers: cluster.addresses, connector: cluster.connector, logger: quiet, seed: 3 });
    await client.connect();
    const sampler = sampleMaxTotalTokens(() => cluster!.stats());
    const outcome = await submitMany(client, JOBS, (0.7 * WORKERS * 1000) / 10, { seed: 11 });
    const maxTotalTokens = sampler.stop();
    await client.close();
    expectExactlyOnce(outcome, JOBS);
    const s = await cluster.waitFor((x) => x.reduce((a, y) => a + y.queueLength + y.inFlight, 0) === WORKERS, 10_000, true);
    expectOneTokenPerServerAtRest(s, WORKERS, JOBS, mode === 'withdraw');
    expect(maxTotalTokens).toBeLessThanOrEqual(WORKERS);
  });

  it('kill -9 of a worker: gone from Redis within TTL + 1 s, never assigned afterwards; a new worker receives jobs', async () => {
    const ttl = 1500;
    cluster = new NatsCluster(services.nats.url, services.redis.url, ttl);
    await cluster.start();
    await cluster.addDispatcher();
    await cluster.addDispatcher();
    for (let i = 0; i < 4; i++) await cluster.addWorker(['--mean-service-ms', '10']);
    await cluster.waitFor((s) => s.every((x) => x.workers === 4));
    const r = await connectRedis(services.redis.url);
    try {
      expect((await liveMembers(r, cluster.prefix, 'worker')).sort()).toEqual(['w0', 'w1', 'w2', 'w3']);
      expect((await liveMembers(r, cluster.prefix, 'dispatcher')).sort()).toEqual(['d0', 'd1']);
      const client = new JiqClient({ dispatchers: cluster.addresses, connector: cluster.connector, logger: quiet, seed: 5 });
      await client.connect();
      const before = submitMany(client, 400, 200, { seed: 11, idPrefix: 'before' }); // ~2 s of load at λ = 0.5
      await new Promise((res) => setTimeout(res, 500));
      cluster.workers[0]!.child.kill('SIGKILL');
      const killedAt = Date.now();
      for (;;) {
        if (!(await liveMembers(r, cluster.prefix, 'worker')).includes('w0')) break;
        expect(Date.now() - killedAt).toBeLessThan(ttl + 1000);
        await new Promise((res) => setTimeout(res, 50));
      }
      const first = await before;
      // Jobs in flight at w0 were re-dispatched: still exactly one reply each, none lost.
      expect(first.errors).toEqual([]);
      expect(first.replies.size).toBe(400);
      await cluster.waitFor((s) => s.every((x) => x.workers === 3), 5_000);
      const after = await submitMany(client, 200, 200, { seed: 11, idPrefix: 'after' });
      expect(after.errors).toEqual([]);
      expect(after.results.some((x) => x.info.workerId === 'w0')).toBe(false);
      await cluster.addWorker(['--mean-service-ms', '10']); // w4
      await cluster.waitFor((s) => s.every((x) => x.workers === 4));
      const joined = await submitMany(client, 300, 300, { seed: 11, idPrefix: 'joined' });
      expect(joined.errors).toEqual([]);
      expect(joined.results.some((x) => x.info.workerId === 'w4')).toBe(true);
      await client.close();
    } finally {
      r.disconnect();
    }
  });

  it('garbage bytes and wrong message types on jiq subjects are dropped; the cluster keeps serving', async () => {
    cluster = new NatsCluster(services.nats.url, services.redis.url);
    await cluster.start();
    await cluster.addDispatcher();
    await cluster.addWorker(['--mean-service-ms', '2']);
    const [before] = await cluster.waitFor((s) => s.every((x) => x.workers === 1));
    const nc = await natsConnect({ servers: services.nats.url });
    const p = cluster.prefix;
    const garbage = new Uint8Array([0xff, 0xff, 0xff, 0x0f, 0x12, 0x99, 0x01]);
    for (const subject of [`${p}.d.d0.w.s1.open`, `${p}.d.d0.w.s1.m`, `${p}.d.d0.c.s2.m`, `${p}.d.d0.stats`, `${p}.d.d0.x`, `${p}.d.d0.w.s3.zz`, `${p}.d.d0.c.s1.m`]) {
      nc.publish(subject, garbage);
    }
    // A session opened properly, then fed garbage and a message of the wrong type.
    await nc.request(`${p}.d.d0.w.bad.open`, new Uint8Array(0), { timeout: 2_000 });
    nc.publish(`${p}.d.d0.w.bad.m`, garbage);
    nc.publish(`${p}.d.d0.w.bad.m`, new TextEncoder().encode('not protobuf at all'));
    // Garbage towards the worker's sessions too.
    nc.publish(`${p}.s.nosuchsession.m`, garbage);
    await nc.flush();
    await nc.close();
    await new Promise((res) => setTimeout(res, 300));
    for (const c of [...cluster.dispatchers, ...cluster.workers]) expect(c.child.exitCode).toBeNull();
    // Counted (transport: undecodable, unknown subject or operation; core: wrong type), not just dropped.
    const [after] = await cluster.stats();
    expect(after!.malformed).toBeGreaterThanOrEqual(before!.malformed + 4);
    const client = new JiqClient({ dispatchers: cluster.addresses, connector: cluster.connector, logger: quiet });
    const res = await client.submit('ok', { size: 0.1 });
    expect(res.info.workerId).toBe('w0');
    await client.close();
  });

  it('NATS or Redis unreachable at start: a clear error after a bounded retry window and a non-zero exit', async () => {
    const closed = await freePort();
    const runs = await Promise.all([
      runJiq(['dispatcher', '--transport', 'nats', '--nats', `nats://127.0.0.1:${closed}`, '--json'], 15_000),
      runJiq(['worker', '--transport', 'nats', '--nats', `nats://127.0.0.1:${closed}`, '--dispatchers', 'd0', '--json'], 15_000),
      runJiq(['dispatcher', '--port', '0', '--redis', `redis://127.0.0.1:${closed}`, '--json'], 15_000),
      runJiq(['worker', '--redis', `redis://127.0.0.1:${closed}`, '--json'], 15_000),
    ]);
    for (const [i, run] of runs.entries()) {
      expect(run.code, run.stderr).not.toBe(0);
      expect(run.code).not.toBeNull();
      // Not hanging (the bound is loose: process start-up on a loaded machine takes seconds); the
      // window itself is the 3 s the NATS message names (a broker restarting is retried inside it).
      expect(run.ms).toBeLessThan(12_000);
      expect(run.stderr).toMatch(i < 2 ? /NATS unreachable at nats:\/\/127\.0\.0\.1:\d+ for 3000 ms/ : /Redis unreachable at redis:\/\/127\.0\.0\.1/);
    }
  });
});
