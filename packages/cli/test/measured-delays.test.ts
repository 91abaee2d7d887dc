import { describe, expect, it } from 'vitest';
import { delaysFromCluster, delaysOption } from '../src/experiment/measured-delays';
import { simulateDelayed } from '../src/experiment/run-point';
import type { ExperimentPoint, ExperimentSettings } from '../src/experiment/types';

// The experiment's simDelayed: the cluster's hop delays (ms) become simulator delays in units of
// the mean job size (hop mean / measured mean service time; a probe one way is half its round
// trip); hops never taken are 0.

const hop = (mean: number | null, count: number) => ({ mean: mean as number, p50: mean as number, p99: mean as number, count });
const cluster = {
  meanServiceMs: 20,
  achievedLambda: 0.7,
  hopMs: { probeRtt: hop(1.2, 900), place: hop(0.5, 1000), assign: hop(0.8, 3000), withdraw: hop(null, 0), done: hop(0.4, 3000) },
};

describe('delays measured on the cluster, in job units', () => {
  it('divides each hop by the mean service time, halves the probe round trip, zeroes hops never taken', () => {
    const d = delaysFromCluster(cluster, 'exp');
    expect(d.place).toBeCloseTo(0.025, 12);
    expect(d.probe).toBeCloseTo(0.03, 12);
    expect(d.assign).toBeCloseTo(0.04, 12);
    expect(d.withdraw).toBe(0);
    expect(delaysOption(d)).toEqual({ place: `exp:${d.place}`, probe: `exp:${d.probe}`, assign: `exp:${d.assign}`, withdraw: 'exp:0' });
    expect(delaysOption(delaysFromCluster(cluster, 'const'))).toMatchObject({ assign: String(d.assign) });
  });

  it('simDelayed is the simulator with those delays: above the zero-delay q0 at the issue point', () => {
    const p: ExperimentPoint = { policy: 'jiq', speeds: null, n: 12, m: 3, lambda: 0.7, d: 2, withdraw: false, select: 'lcfs', probe: 'distinct', jobs: 'exp' };
    const s = { meanServiceMs: 20, seed: 3, simHorizon: 20_000, simReps: 1, delayLaw: 'const' } as ExperimentSettings;
    const delayed = simulateDelayed(p, s, cluster);
    const zero = simulateDelayed(p, s, { ...cluster, meanServiceMs: Number.POSITIVE_INFINITY });
    expect(zero.delays).toMatchObject({ place: 0, probe: 0, assign: 0, withdraw: 0 });
    expect(zero.lambda).toBe(0.7);
    expect(delayed.lambda).toBeCloseTo(0.7, 12);
    // Service stretched by a loaded host: the servers carried more load, and the simulator runs it.
    expect(simulateDelayed(p, s, { ...cluster, meanServiceMs: 22 }).lambda).toBeCloseTo(0.77, 12);
    const overloaded = simulateDelayed(p, s, { ...cluster, meanServiceMs: 40 });
    expect(overloaded.lambda).toBeCloseTo(1.4, 12);
    expect(overloaded.q0).toBeNull();
    expect(delayed.delays.law).toBe('const');
    expect(delayed.q0! - zero.q0! - 2 * (delayed.q0Ci95! + zero.q0Ci95!)).toBeGreaterThan(0);
  });
});
