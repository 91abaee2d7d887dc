import { runCluster, validateClusterFlags, type ClusterResult } from '@jiq/cli';
import { createLogger } from '@jiq/shared';
import { beforeAll, describe, expect, it } from 'vitest';

const quiet = createLogger('test', 'silent');

/**
 * Issue 10's first acceptance check on real processes: `--policy random` makes n independent
 * M/M/1 queues, E[R] = 1/(1 − λ) and P(wait) = λ. 4 workers, 1 dispatcher, 60 ms jobs at
 * λ = 0.5 for 30 s: about 1,000 jobs, so the batch-means CI is some 10% of E[R]; jobs long
 * against the message delay, so the dispatch path does not distort the queues.
 */
describe('the random policy on the cluster is n independent M/M/1 queues', () => {
  let r: ClusterResult;
  const lambda = 0.5;
  beforeAll(async () => {
    const p = validateClusterFlags({ policy: 'random', dispatchers: 1, workers: 4, lambda, meanServiceMs: 60, duration: 30, warmup: 4, seed: 3 });
    r = await runCluster(p, { log: quiet });
  }, 150_000);

  it('E[R] = 1/(1 − λ) within the run\'s 95% CI (widened by 10% for the timers\' granularity)', () => {
    expect(r.failed + r.lost).toBe(0);
    const expected = 1 / (1 - lambda);
    expect(Math.abs(r.meanResponse - expected)).toBeLessThan(r.meanResponseCi95 + 0.1 * expected);
    // A JIQ-like policy would be far below (most jobs find an idle server): the check can fail.
    expect(r.meanResponse).toBeGreaterThan(1.4);
  });

  it('P(wait) = λ and no job went by token', () => {
    expect(Math.abs(r.pWait - lambda)).toBeLessThan(0.1);
    expect(r.byTokenShare).toBe(0);
  });
});
