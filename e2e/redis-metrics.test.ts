import { spawnJiq, type JiqChild } from '@jiq/cli';
import {
  connectRedis,
  listRuns,
  loadRun,
  NatsConnector,
  type ClusterMetricsSummary,
  type DispatcherStats,
} from '@jiq/shared';
import { afterEach, describe, expect, it } from 'vitest';
import { runJiq } from './helpers/jiq-processes';
import { useNatsAndRedis } from './helpers/nats-and-redis';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

type StatsJson = ClusterMetricsSummary & { cluster: string; runs?: string[] };

describe('Redis metrics: every process publishes, jiq stats aggregates, jiq cluster stores its run', () => {
  const services = useNatsAndRedis();
  const children: JiqChild[] = [];
  afterEach(async () => {
    const list = children.splice(0);
    await Promise.all(list.filter((c) => c.ready.role === 'worker').map((c) => c.stop(5_000)));
    await Promise.all(list.filter((c) => c.ready.role === 'dispatcher').map((c) => c.stop(5_000)));
  });

  it('jiq stats --json agrees with the dispatchers\' own Stats and the load\'s measurements', async () => {
    const prefix = `m${process.pid}`;
    const WORKERS = 3;
    const common = ['--transport', 'nats', '--nats', services.nats.url, '--redis', services.redis.url, '--cluster', prefix, '--metrics-interval-ms', '200', '--log-level', 'warn'];
    for (const id of ['d0', 'd1']) children.push(await spawnJiq(['dispatcher', '--id', id, ...common], { timeoutMs: 20_000 }));
    children.push(...(await Promise.all(Array.from({ length: WORKERS }, (_, i) =>
      spawnJiq(['worker', '--id', `w${i}`, '--d', '2', '--mean-service-ms', '10', ...common], { timeoutMs: 20_000 })))));
    const connector = await NatsConnector.connect({ url: services.nats.url, prefix });
    try {
      const stats = (): Promise<DispatcherStats[]> => Promise.all(['d0', 'd1'].map((a) => connector.stats(a, {}, 5_000)));
      for (let t = Date.now(); (await stats()).some((s) => s.workers !== WORKERS); ) {
        expect(Date.now() - t).toBeLessThan(15_000);
        await sleep(50);
      }
      const load = await runJiq(['load', ...common.slice(0, 8), '--workers', String(WORKERS), '--lambda', '0.5', '--mean-service-ms', '10',
        '--duration', '4', '--warmup', '1', '--json'], 60_000);
      expect(load.code, load.stderr).toBe(0);
      const loaded = JSON.parse(load.stdout) as { submitted: number; completed: number; measured: number; meanResponse: number; meanSojournMs: number };
      expect(loaded.completed).toBe(loaded.submitted);

      // Quiescent: nothing in flight, every worker's token back at a dispatcher.
      let own = await stats();
      for (let t = Date.now(); own.some((s) => s.inFlight > 0) || own.reduce((a, s) => a + s.queueLength, 0) !== WORKERS; own = await stats()) {
        expect(Date.now() - t).toBeLessThan(10_000);
        await sleep(50);
      }
      // Published every 200 ms: wait for a publication that has seen the whole load.
      let published: StatsJson | undefined;
      for (let t = Date.now(); ; ) {
        const run = await runJiq(['stats', '--redis', services.redis.url, '--cluster', prefix, '--json'], 15_000);
        expect(run.code, run.stderr).toBe(0);
        published = JSON.parse(run.stdout) as StatsJson;
        const sum = (k: 'arrivals' | 'tokensPlaced') => own.reduce((a, s) => a + s[k], 0);
        if (published.arrivals === sum('arrivals') && published.tokensPlaced === sum('tokensPlaced') && published.measuredJobs === loaded.measured) break;
        expect(Date.now() - t, JSON.stringify(published)).toBeLessThan(10_000);
        await sleep(300);
      }
      own = await stats();
      const total = (f: (s: DispatcherStats) => number): number => own.reduce((a, s) => a + f(s), 0);
      expect(published.cluster).toBe(prefix);
      expect(published.dispatchers).toBe(2);
      expect(published.workers).toBe(WORKERS);
      expect(published.arrivals).toBe(total((s) => s.arrivals));
      expect(published.arrivals).toBe(loaded.measured);
      expect(published.emptyArrivals).toBe(total((s) => s.emptyArrivals));
      expect(published.q0).toBeCloseTo(total((s) => s.emptyArrivals) / total((s) => s.arrivals), 12);
      expect(published.q0Time).toBeCloseTo(total((s) => s.emptyTimeMs) / total((s) => s.windowMs), 9);
      expect(published.tokensUsed).toBe(total((s) => s.tokensUsed));
      expect(published.tokensWithdrawn).toBe(total((s) => s.tokensWithdrawn));
      expect(published.raceBusy).toBe(total((s) => s.raceBusy));
      expect(published.perDispatcher.map((d) => [d.id, d.queueLength, d.arrivals])).toEqual(own.map((s) => [s.dispatcherId, s.queueLength, s.arrivals]));
      // Workers publish the sojourn and service sums of the measured jobs: the same means as the load's.
      expect(published.meanSojournMs).toBeCloseTo(loaded.meanSojournMs, 6);
      expect(published.meanResponse).toBeCloseTo(loaded.meanResponse, 6);
    } finally {
      await connector.close();
    }
  });

  it('jiq cluster --redis stores its result under a run id; jiq stats --runs lists it', async () => {
    const prefix = `r${process.pid}`;
    const run = await runJiq(['cluster', '--dispatchers', '2', '--workers', '3', '--lambda', '0.5', '--mean-service-ms', '10',
      '--duration', '3', '--redis', services.redis.url, '--cluster', prefix, '--json'], 90_000);
    expect(run.code, run.stderr).toBe(0);
    const result = JSON.parse(run.stdout) as { runId: string; q0: number; jobs: number; lost: number };
    expect(result.runId).toMatch(/^\d{8}-\d{6}-[a-z0-9]+$/);
    expect(result.lost).toBe(0);
    const r = await connectRedis(services.redis.url);
    try {
      expect(await listRuns(r, prefix)).toEqual([result.runId]);
      const stored = await loadRun(r, prefix, result.runId);
      expect(stored?.runId).toBe(result.runId);
      expect((stored?.result as { q0: number; jobs: number }).jobs).toBe(result.jobs);
      expect((stored?.result as { q0: number }).q0).toBe(result.q0);
    } finally {
      r.disconnect();
    }
    const listed = await runJiq(['stats', '--redis', services.redis.url, '--cluster', prefix, '--runs', '--json'], 15_000);
    expect(listed.code, listed.stderr).toBe(0);
    expect((JSON.parse(listed.stdout) as StatsJson).runs).toEqual([result.runId]);
  });
});
