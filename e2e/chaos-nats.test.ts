import type { JiqChild } from '@jiq/cli';
import { JiqClient } from '@jiq/client';
import { createLogger, NatsConnector } from '@jiq/shared';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHAOS_HANDLER, freeze, kill9, runChaos, spawnChaos, type Fault } from './helpers/chaos';
import { isControllable, requireService, type ControllableService } from './helpers/services';

// Chaos on real processes over NATS, members in Redis: a worker killed (-9) and one frozen,
// nats-server restarted, a dispatcher killed and restarted (same id), one frozen, one stopped
// gracefully, Redis restarted empty, all during load. Every job carries an idempotency key
// (docs/guarantees.md): every submit answered, none lost, extra runs only where counted.

const quiet = createLogger('test', 'silent');

describe('chaos over NATS (real processes, real nats-server and Redis)', () => {
  let nats: ControllableService | null = null;
  let redis: ControllableService | null = null;
  let dir = '';
  const dispatchers: JiqChild[] = [];
  const workers: JiqChild[] = [];
  beforeAll(async () => {
    const [n, r] = await Promise.all([requireService('nats', { control: true }), requireService('redis', { control: true })]);
    nats = n && isControllable(n) ? n : null;
    redis = r && isControllable(r) ? r : null;
    dir = mkdtempSync(join(tmpdir(), 'jiq-chaos-nats-'));
  });
  afterAll(async () => {
    for (const p of [...workers, ...dispatchers]) p.child.kill('SIGCONT');
    await Promise.all([...workers, ...dispatchers].map((p) => p.stop(3_000)));
    await Promise.all([nats?.stop(), redis?.stop()]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('kill -9 / SIGSTOP of workers and dispatchers, nats-server and Redis restarted, a graceful stop: 0 unanswered, 0 lost, duplicates counted', async (ctx) => {
    if (!nats || !redis) return ctx.skip();
    const prefix = `chaos${process.pid}`;
    const runLog = join(dir, 'runs.log');
    const common = ['--transport', 'nats', '--nats', nats.url, '--redis', redis.url, '--cluster', prefix, '--membership-ttl-ms', '3000', '--log-level', 'error'];
    const dispatcher = (i: number): Promise<JiqChild> => spawnChaos(['dispatcher', '--id', `d${i}`, '--job-timeout-ms', '3000', '--max-attempts', '10', '--drain-timeout-ms', '5000', ...common]);
    const worker = (i: number): Promise<JiqChild> => spawnChaos(['worker', '--id', `w${i}`, '--slots', '2', '--handler', CHAOS_HANDLER, ...common], { JIQ_CHAOS_LOG: runLog });
    for (let i = 0; i < 3; i++) dispatchers.push(await dispatcher(i));
    for (let i = 0; i < 5; i++) workers.push(await worker(i));
    const addresses = ['d0', 'd1', 'd2'];
    const connector = await NatsConnector.connect({ url: nats.url, prefix });
    // Workers find the dispatchers in Redis: wait until each dispatcher has all five.
    for (let t = 0; t < 200; t++) {
      const s = await Promise.all(addresses.map((a) => connector.stats(a, {}, 2_000).catch(() => undefined)));
      if (s.every((x) => x?.workers === 5)) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const restartWorker = async (i: number): Promise<void> => {
      workers[i] = await worker(i);
    };
    const restartDispatcher = async (i: number): Promise<void> => {
      dispatchers[i] = await dispatcher(i);
    };
    const faults: Fault[] = [
      { atMs: 1_500, name: 'kill -9 w0', run: () => kill9(workers[0]!) },
      { atMs: 2_500, name: 'restart w0', run: () => restartWorker(0) },
      { atMs: 4_000, name: 'restart nats-server', run: () => nats!.restart() },
      { atMs: 8_000, name: 'kill -9 d0', run: () => kill9(dispatchers[0]!) },
      { atMs: 10_000, name: 'restart d0', run: () => restartDispatcher(0) },
      { atMs: 12_500, name: 'SIGSTOP w1 for 5 s', run: async () => freeze(workers[1]!, 5_000) },
      { atMs: 16_000, name: 'SIGSTOP d1 for 4 s', run: async () => freeze(dispatchers[1]!, 4_000) },
      { atMs: 20_000, name: 'restart Redis (empty)', run: () => redis!.restart() },
      { atMs: 22_000, name: 'SIGTERM d2 (drain)', run: () => dispatchers[2]!.stop(10_000) },
      { atMs: 24_000, name: 'restart d2', run: () => restartDispatcher(2) },
    ];
    const client = new JiqClient({ dispatchers: addresses, connector, logger: quiet, seed: 13, maxAttempts: 5, answerTimeoutMs: 15_000 });
    try {
      await client.connect();
      const counts = await runChaos({
        client, connector, dispatchers: () => addresses, jobs: 1_500, ratePerSecond: 60, jobMs: 20,
        faults, answerWaitMs: 40_000, runLog, idPrefix: 'n',
      });
      console.log(`chaos nats: ${JSON.stringify(counts)}`);
      expect(counts.faults).toHaveLength(faults.length);
      expect(counts.unanswered).toBe(0);
      expect(counts.failedByCode).toEqual({});
      expect(counts.lost).toBe(0);
      expect(counts.phantom).toBe(0);
      expect(counts.extraRuns).toBeLessThanOrEqual(counts.redispatched + counts.resent);
      expect(counts.resent).toBeGreaterThan(0);
    } finally {
      await client.close(1_000);
      await connector.close();
    }
  }, 200_000);
});
