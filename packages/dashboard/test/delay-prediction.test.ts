import { codecs, type DispatcherStats, type MessageInit } from '@jiq/shared';
import { describe, expect, it } from 'vitest';
import { delayedInput, delayedSimOptions, MIN_ASSIGN_HOPS } from '../src/delay-prediction';
import type { RunParams } from '../src/state';

function stats(id: string, o: MessageInit<DispatcherStats>): DispatcherStats {
  return codecs.DispatcherStats.decode(codecs.DispatcherStats.encode({ ...o, dispatcherId: id }));
}
const hist = (count: number, sumMs: number): { count: number; sumMs: number; counts: number[] } => ({ count, sumMs, counts: [count] });
const P: RunParams = { n: 6, m: 2, lambda: 0.5, d: 2, withdraw: true, select: 'fcfs', probe: 'distinct', jobs: 'exp' };

describe('the dashboard\'s delay-aware prediction input', () => {
  it('is each hop\'s mean over both dispatchers in units of the measured service time, probe one way, λ stretched', () => {
    const s = [
      stats('d0', { hops: { assign: hist(150, 150), place: hist(100, 300), probeRtt: hist(50, 200), withdraw: hist(10, 20) } }),
      stats('d1', { hops: { assign: hist(150, 450), place: hist(100, 100), probeRtt: hist(50, 0) } }),
    ];
    // Measured 120 ms for a nominal 100 ms: the servers carried λ = 0.5 × 1.2.
    const input = delayedInput(P, s, 120, 100);
    expect(input).toEqual({ lambda: 0.6, meanServiceMs: 120, assign: 2 / 120, place: 2 / 120, probe: 1 / 120, withdraw: 2 / 120 });
    const o = delayedSimOptions(P, input as Exclude<typeof input, string>);
    expect(o.lambda).toBeCloseTo(0.6, 12);
    expect(o.delays).toEqual({ place: `exp:${2 / 120}`, probe: `exp:${1 / 120}`, assign: `exp:${2 / 120}`, withdraw: `exp:${2 / 120}` });
    expect([o.n, o.m, o.d, o.withdraw]).toEqual([6, 2, 2, true]);
  });

  it('says why there is none: no service times, too few hops, an overloaded server', () => {
    const enough = [stats('d0', { hops: { assign: hist(MIN_ASSIGN_HOPS, MIN_ASSIGN_HOPS) } })];
    expect(delayedInput(P, enough, null, 100)).toMatch(/needs measured service times/);
    expect(delayedInput(P, [stats('d0', { hops: { assign: hist(MIN_ASSIGN_HOPS - 1, 1) } })], 100, 100)).toMatch(/measuring hop delays \(199\/200/);
    expect(delayedInput(P, enough, 250, 100)).toMatch(/λ = 1\.250 >= 1/);
    // Without a nominal service time, λ is taken as given.
    expect(delayedInput(P, enough, 250, undefined)).toMatchObject({ lambda: 0.5 });
  });
});
