import { JiqClient } from '@jiq/client';
import { createLogger } from '@jiq/shared';
import { afterEach, describe, expect, it } from 'vitest';
import { TestCluster } from './helpers/jiq-processes';
import { expectExactlyOnce, expectOneTokenPerServerAtRest, sampleMaxTotalTokens, submitMany, tokenHolders } from './helpers/load-invariants';

const quiet = createLogger('test', 'silent');
const JOBS = 5_000;
const WORKERS = 8;

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
    const sampler = sampleMaxTotalTokens(() => cluster!.stats());
    const outcome = await submitMany(client, JOBS, (0.8 * WORKERS * 1000) / 10);
    const maxTotalTokens = sampler.stop();
    await client.close();

    expectExactlyOnce(outcome, JOBS);
    const s = await cluster.waitFor((x) => x.reduce((a, y) => a + y.queueLength + y.inFlight, 0) === WORKERS, 10_000, true);
    expectOneTokenPerServerAtRest(s, WORKERS, JOBS, mode === 'withdraw');
    expect(maxTotalTokens).toBeLessThanOrEqual(WORKERS);
  });

  /**
   * One worker (one slot, d = 1) and two dispatchers: its token sits at one of them (A). A job
   * submitted at the other (B) finds B's I-queue empty and goes to the worker by fallback, while
   * its token still sits at A. What the worker does then is the token rule under test; nothing
   * here depends on the machine's load, only on the order of messages on the streams.
   */
  async function tokenAtAThenJobFromB(workerArgs: string[]): Promise<{ cluster: TestCluster; a: number; b: number }> {
    const c = new TestCluster();
    await c.addDispatcher();
    await c.addDispatcher();
    await c.addWorker(['--d', '1', '--mean-service-ms', '20', ...workerArgs]);
    const s = await c.waitFor((x) => x.reduce((n, y) => n + y.queueLength, 0) === 1);
    const a = s.findIndex((x) => x.queueLength === 1);
    expect(a).toBeGreaterThanOrEqual(0);
    const b = 1 - a;
    const client = new JiqClient({ dispatchers: [c.addresses[b]!], logger: quiet });
    const r = await client.submit('job', { size: 1 });
    await client.close();
    expect(r.info.byToken).toBe(false);
    return { cluster: c, a, b };
  }

  it('with withdrawals, a job from the other dispatcher withdraws the token (and the server places a new one when idle)', async () => {
    const t = await tokenAtAThenJobFromB(['--withdraw']);
    cluster = t.cluster;
    const s = await cluster.waitFor((x) => x[t.a]!.tokensWithdrawn === 1 && x.reduce((n, y) => n + y.queueLength, 0) === 1, 10_000, true);
    expect(s[t.a]!.tokensWithdrawn).toBe(1);
    expect([...tokenHolders(s).values()]).toEqual([1]);
  });

  it('without withdrawals the token stays where it is; with --multi-token the server places a second one (so the one-token checks above can fail)', async () => {
    const one = await tokenAtAThenJobFromB(['--no-withdraw']);
    cluster = one.cluster;
    // The job is done (submit returned); the one-token rule keeps the token at A, withdraws nothing.
    let s = await cluster.stats(true);
    expect(s[one.a]!.tokensWithdrawn).toBe(0);
    expect(s[one.a]!.queueLength).toBe(1);
    expect(s.reduce((n, y) => n + y.tokensPlaced, 0)).toBe(1);
    await cluster.stop();

    const multi = await tokenAtAThenJobFromB(['--no-withdraw', '--multi-token']);
    cluster = multi.cluster;
    // Counted as placements: when d = 1 sends both to one dispatcher, the newer token replaces the
    // older one in its I-queue (TokenQueue.place keeps one entry per server), so lengths show one.
    s = await cluster.waitFor((x) => x.reduce((n, y) => n + y.tokensPlaced, 0) === 2, 10_000, true);
    expect(s.reduce((n, y) => n + y.tokensPlaced, 0)).toBe(2);
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
