import type { JiqChild } from '@jiq/cli';
import { JiqClient } from '@jiq/client';
import { createLogger, GrpcConnector } from '@jiq/shared';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHAOS_HANDLER, freeze, kill9, runChaos, spawnChaos, type Fault } from './helpers/chaos';
import { freePorts } from './helpers/ports';
import { isControllable, requireService, type ControllableService } from './helpers/services';

// Chaos on real processes over gRPC, members in a real Redis: workers killed (-9) and frozen
// (SIGSTOP), a dispatcher killed and restarted, one frozen, one stopped gracefully, and Redis
// restarted empty, all during load. Every job carries an idempotency key, so the guarantees
// table (docs/guarantees.md) says: every submit answered, none lost, runs beyond the first only
// where a job was re-dispatched or resent (and those are counted).

const quiet = createLogger('test', 'silent');

describe('chaos over gRPC (real processes, real Redis)', () => {
  let redis: ControllableService | null = null;
  let dir = '';
  const dispatchers: JiqChild[] = [];
  const workers: JiqChild[] = [];
  beforeAll(async () => {
    const r = await requireService('redis', { control: true });
    redis = r && isControllable(r) ? r : null;
    dir = mkdtempSync(join(tmpdir(), 'jiq-chaos-grpc-'));
  });
  afterAll(async () => {
    for (const p of [...workers, ...dispatchers]) p.child.kill('SIGCONT');
    await Promise.all([...workers, ...dispatchers].map((p) => p.stop(3_000)));
    await redis?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('kill -9 / SIGSTOP of workers and dispatchers, a graceful stop, Redis restarted empty: 0 unanswered, 0 lost, duplicates counted', async (ctx) => {
    if (!redis) return ctx.skip();
    const prefix = `chaos${process.pid}`;
    const runLog = join(dir, 'runs.log');
    const ports = await freePorts(3);
    const addresses = ports.map((p) => `127.0.0.1:${p}`);
    const common = ['--redis', redis.url, '--cluster', prefix, '--membership-ttl-ms', '3000', '--log-level', 'error'];
    const dispatcher = (i: number): Promise<JiqChild> => spawnChaos(['dispatcher', '--id', `d${i}`, '--port', String(ports[i]), '--job-timeout-ms', '3000', '--max-attempts', '10', '--drain-timeout-ms', '5000', ...common]);
    const worker = (i: number): Promise<JiqChild> => spawnChaos(['worker', '--id', `w${i}`, '--dispatchers', addresses.join(','), '--slots', '2', '--handler', CHAOS_HANDLER, ...common], { JIQ_CHAOS_LOG: runLog });
    for (let i = 0; i < 3; i++) dispatchers.push(await dispatcher(i));
    for (let i = 0; i < 5; i++) workers.push(await worker(i));
    const restartWorker = async (i: number): Promise<void> => {
      workers[i] = await worker(i);
    };
    const restartDispatcher = async (i: number): Promise<void> => {
      dispatchers[i] = await dispatcher(i);
    };
    const faults: Fault[] = [
      { atMs: 1_500, name: 'kill -9 w0', run: () => kill9(workers[0]!) },
      { atMs: 2_500, name: 'restart w0', run: () => restartWorker(0) },
      { atMs: 3_500, name: 'SIGSTOP w1 for 5 s', run: async () => freeze(workers[1]!, 5_000) },
      { atMs: 7_500, name: 'kill -9 d0', run: () => kill9(dispatchers[0]!) },
      { atMs: 9_500, name: 'restart d0', run: () => restartDispatcher(0) },
      { atMs: 12_000, name: 'SIGSTOP d1 for 4 s', run: async () => freeze(dispatchers[1]!, 4_000) },
      { atMs: 16_500, name: 'restart Redis (empty)', run: () => redis!.restart() },
      { atMs: 19_000, name: 'kill -9 w2', run: () => kill9(workers[2]!) },
      { atMs: 20_000, name: 'restart w2', run: () => restartWorker(2) },
      { atMs: 21_000, name: 'SIGTERM d2 (drain)', run: () => dispatchers[2]!.stop(10_000) },
      { atMs: 23_000, name: 'restart d2', run: () => restartDispatcher(2) },
    ];
    const connector = new GrpcConnector();
    const client = new JiqClient({ dispatchers: addresses, logger: quiet, seed: 11, maxAttempts: 5, answerTimeoutMs: 20_000 });
    try {
      await client.connect();
      const counts = await runChaos({
        client, connector, dispatchers: () => addresses, jobs: 1_500, ratePerSecond: 60, jobMs: 20,
        faults, answerWaitMs: 30_000, runLog, idPrefix: 'g',
      });
      console.log(`chaos grpc: ${JSON.stringify(counts)}`);
      expect(counts.faults).toHaveLength(faults.length);
      expect(counts.unanswered).toBe(0);
      expect(counts.failedByCode).toEqual({});
      expect(counts.lost).toBe(0);
      expect(counts.phantom).toBe(0);
      // Runs beyond the first happen only to jobs re-dispatched (worker lost or timed out) or
      // resent (dispatcher lost), and are counted.
      expect(counts.extraRuns).toBeLessThanOrEqual(counts.redispatched + counts.resent);
      // The faults bit: a frozen worker's jobs timed out, the frozen dispatcher's were resent.
      expect(counts.timedOut).toBeGreaterThan(0);
      expect(counts.resent).toBeGreaterThan(0);
    } finally {
      await client.close(1_000);
      await connector.close();
    }
  }, 180_000);
});
