import { JiqClient } from '@jiq/client';
import type { SubmitResult } from '@jiq/client';
import { createLogger, createPrng, sampleExp, type DispatcherStats } from '@jiq/shared';
import { afterEach, describe, expect, it } from 'vitest';
import { TestCluster } from './helpers/jiq-processes';

const quiet = createLogger('test', 'silent');
const JOBS = 5_000;
const WORKERS = 8;

/** Submits `count` jobs as an open-loop Poisson stream at `ratePerSecond`; returns every reply. */
async function submitMany(client: JiqClient, count: number, ratePerSecond: number): Promise<{ replies: Map<string, number>; results: SubmitResult[]; errors: unknown[] }> {
  const rng = createPrng(7);
  const replies = new Map<string, number>();
  const results: SubmitResult[] = [];
  const errors: unknown[] = [];
  const pending: Promise<void>[] = [];
  const t0 = performance.now();
  let due = t0;
  for (let i = 0; i < count; i++) {
    due += sampleExp(rng, ratePerSecond / 1000);
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    const id = `job-${i}`;
    pending.push(
      client.submit('x', { id, size: sampleExp(rng) }).then(
        (r) => {
          replies.set(r.jobId, (replies.get(r.jobId) ?? 0) + 1);
          results.push(r);
        },
        (e: unknown) => {
          replies.set(id, (replies.get(id) ?? 0) + 1);
          errors.push(e);
        },
      ),
    );
  }
  await Promise.all(pending);
  return { replies, results, errors };
}

function tokenHolders(stats: DispatcherStats[]): Map<string, number> {
  const holders = new Map<string, number>();
  for (const s of stats) for (const t of s.tokens) holders.set(`${t.workerId}/${t.slot}`, (holders.get(`${t.workerId}/${t.slot}`) ?? 0) + 1);
  return holders;
}

const allWorkers = Array.from({ length: WORKERS }, (_, i) => `w${i}/0`).sort();

describe('gRPC cluster on real processes: 2 dispatchers, 8 workers, 5,000 jobs', () => {
  let cluster: TestCluster | undefined;
  afterEach(async () => {
    await cluster?.stop();
    cluster = undefined;
  });

  it.each([
    ['withdraw', ['--withdraw', '--d', '2']],
    ['no-withdraw', ['--no-withdraw', '--d', '2']],
  ])('every submit gets exactly one reply, nothing lost or run twice, token invariants hold (%s)', async (mode, workerArgs) => {
    cluster = new TestCluster();
    await cluster.addDispatcher();
    await cluster.addDispatcher();
    // Mean service 10 ms at load 0.8: 640 jobs/s over 8 servers, about 8 s of load (gentle on 2 cores).
    await Promise.all(Array.from({ length: WORKERS }, () => cluster!.addWorker([...workerArgs, '--mean-service-ms', '10'])));
    await cluster.waitFor((s) => s.every((x) => x.workers === WORKERS));

    const client = new JiqClient({ dispatchers: cluster.addresses, logger: quiet, seed: 3 });
    await client.connect();
    let maxTotalTokens = 0;
    const sampler = setInterval(() => {
      void cluster!.stats().then((s) => {
        maxTotalTokens = Math.max(maxTotalTokens, s.reduce((a, x) => a + x.queueLength, 0));
      }, () => undefined);
    }, 20);
    const { replies, results, errors } = await submitMany(client, JOBS, (0.8 * WORKERS * 1000) / 10);
    clearInterval(sampler);
    await client.close();

    expect(errors).toEqual([]);
    expect(replies.size).toBe(JOBS);
    expect([...replies.values()].every((n) => n === 1)).toBe(true);
    expect(results.every((r) => r.info.attempts === 1)).toBe(true);
    const byToken = results.filter((r) => r.info.byToken).length;
    expect(byToken).toBeGreaterThan(0);
    expect(byToken).toBeLessThan(JOBS);

    // Quiescent: every server idle. Each holds exactly one token, at exactly one dispatcher:
    // with withdrawals because every job withdrew the token held elsewhere; without, because
    // an idle server places a token only when it has none outstanding.
    const s = await cluster.waitFor((x) => x.reduce((a, y) => a + y.queueLength + y.inFlight, 0) === WORKERS, 10_000, true);
    const completed = s.reduce((a, x) => a + x.completed, 0);
    expect(completed).toBe(JOBS); // no job ran twice
    expect(s.every((x) => x.inFlight === 0)).toBe(true);
    const holders = tokenHolders(s);
    expect([...holders.keys()].sort()).toEqual(allWorkers);
    expect([...holders.values()].every((n) => n === 1)).toBe(true);
    expect(maxTotalTokens).toBeLessThanOrEqual(WORKERS);
    if (mode === 'withdraw') {
      expect(s.reduce((a, x) => a + x.tokensWithdrawn, 0)).toBeGreaterThan(0);
    } else {
      expect(s.reduce((a, x) => a + x.tokensWithdrawn, 0)).toBe(0);
    }
  });

  it('the multi-token variant breaks the one-token rule (so the checks above can fail)', async () => {
    cluster = new TestCluster();
    await cluster.addDispatcher();
    await cluster.addDispatcher();
    await Promise.all(Array.from({ length: 4 }, () => cluster!.addWorker(['--no-withdraw', '--multi-token', '--mean-service-ms', '4'])));
    await cluster.waitFor((s) => s.every((x) => x.workers === 4));
    const client = new JiqClient({ dispatchers: cluster.addresses, logger: quiet, seed: 5 });
    await client.connect();
    let maxPerServer = 0;
    const sampler = setInterval(() => {
      void cluster!.stats(true).then((s) => {
        maxPerServer = Math.max(maxPerServer, ...tokenHolders(s).values());
      }, () => undefined);
    }, 10);
    await submitMany(client, 1_000, (0.5 * 4 * 1000) / 4);
    clearInterval(sampler);
    await client.close();
    // A server that got a fallback job while its token sat elsewhere places a second one.
    expect(maxPerServer).toBeGreaterThan(1);
  });
});

describe('token selection on real processes', () => {
  let cluster: TestCluster | undefined;
  afterEach(async () => {
    await cluster?.stop();
    cluster = undefined;
  });

  it.each([
    ['fcfs', 'w0'],
    ['lcfs', 'w2'],
  ])('%s: with tokens placed by w0, w1, w2 in that order, the job goes to %s', async (select, expected) => {
    cluster = new TestCluster();
    await cluster.addDispatcher(['--select', select]);
    for (let i = 0; i < 3; i++) {
      await cluster.addWorker();
      const s = await cluster.waitFor((x) => x[0]!.queueLength === i + 1);
      expect(s[0]!.queueLength).toBe(i + 1);
    }
    const s = await cluster.stats(true);
    expect(s[0]!.tokens.map((t) => t.workerId)).toEqual(['w0', 'w1', 'w2']);
    const client = new JiqClient({ dispatchers: cluster.addresses, logger: quiet });
    const r = await client.submit('job', { size: 0.01 });
    await client.close();
    expect(r.info.byToken).toBe(true);
    expect(r.info.workerId).toBe(expected);
  });
});
