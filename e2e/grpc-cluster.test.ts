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
