import { runCluster, validateClusterFlags, type ClusterResult } from '@jiq/cli';
import { createLogger } from '@jiq/shared';
import { beforeAll, describe, expect, it } from 'vitest';

const quiet = createLogger('test', 'silent');

/**
 * `jiq cluster` measures its own message delays and the uncertainty of its figures: 2
 * dispatchers, 6 workers, d = 2 with withdrawals (every hop kind occurs), 25 ms jobs at
 * λ = 0.6 — about 1,700 jobs in 12 s, light enough to stay unsaturated on a busy 2-core machine.
 */
describe('cluster measures: hop delays, token invisible share, batch-means intervals', () => {
  let r: ClusterResult;
  beforeAll(async () => {
    const p = validateClusterFlags({ dispatchers: 2, workers: 6, lambda: 0.6, d: 2, withdraw: true, meanServiceMs: 25, duration: 12, warmup: 2, seed: 7 });
    r = await runCluster(p, { log: quiet });
  }, 120_000);

  it('reports every hop with count, mean, p50, p99 in ms, ordered and positive', () => {
    for (const hop of ['probeRtt', 'place', 'assign', 'withdraw', 'done'] as const) {
      const h = r.hopMs[hop];
      expect(h.count, hop).toBeGreaterThan(0);
      expect(h.mean, hop).toBeGreaterThan(0);
      expect(h.p50, hop).toBeGreaterThan(0);
      expect(h.p99, hop).toBeGreaterThanOrEqual(h.p50);
    }
    // Every measured job made one assign and one done hop.
    expect(r.hopMs.assign.count).toBe(r.hopMs.done.count);
    expect(r.hopMs.assign.count).toBeGreaterThan(0.9 * r.jobs * (10 / 12));
  });

  it('hop delays add up to less than the dispatch overhead the client sees (which contains them)', () => {
    // overhead = submit hop + dispatcher + assign + done + dispatcher + reply hop, averaged over the same jobs:
    // a unit error (s vs ms) or a wrong clock would break this.
    expect(r.hopMs.assign.mean + r.hopMs.done.mean).toBeLessThan(r.dispatchOverheadMs);
    // A probe round trip is two hops through a dispatcher: longer than half a one-way hop.
    expect(r.hopMs.probeRtt.mean).toBeGreaterThan(0.5 * Math.min(r.hopMs.place.mean, r.hopMs.done.mean));
  });

  it('reports the share of idle time the tokens spent in flight, a fraction', () => {
    expect(r.tokenInvisibleShare).toBeGreaterThan(0);
    expect(r.tokenInvisibleShare).toBeLessThan(1);
    expect(r.warnings.some((w) => w.includes('in flight'))).toBe(r.tokenInvisibleShare > 0.05);
  });

  it('gives q0 and E[R] with positive, finite batch-means half-widths narrower than the figures', () => {
    expect(r.q0Ci95).toBeGreaterThan(0);
    expect(r.q0Ci95).toBeLessThan(Math.max(r.q0, 1 - r.q0));
    expect(r.meanResponseCi95).toBeGreaterThan(0);
    expect(r.meanResponseCi95).toBeLessThan(r.meanResponse);
    // The client-side q0 behind the interval is the dispatchers' q0 (a job not sent by token found it empty).
    expect(Math.abs(1 - r.byTokenShare - r.q0)).toBeLessThan(0.01);
    for (const k of ['q0', 'meanResponse'] as const) expect(Number.isFinite(r.stationarity[k].drift)).toBe(true);
  });
});
