import { createPrng } from '@jiq/core';
import { codecs, type DispatcherStats, type MessageInit } from '@jiq/shared';
import { describe, expect, it } from 'vitest';
import { ratioCi95, StateTracker } from '../src/index';

/** Stats as a dispatcher sends them: through the real codec, so every field has its default. */
function stats(id: string, o: MessageInit<DispatcherStats>): DispatcherStats {
  return codecs.DispatcherStats.decode(codecs.DispatcherStats.encode({ ...o, dispatcherId: id }));
}

describe('ratioCi95 (q0 from poll intervals as batches)', () => {
  it('is the binomial half-width when every arrival is independent (seeded, 2,000 batches)', () => {
    const rng = createPrng(7);
    const q = 0.3;
    const batches = Array.from({ length: 2000 }, () => {
      const a = 50;
      let e = 0;
      for (let i = 0; i < a; i++) if (rng.next() < q) e++;
      return { e, a };
    });
    const binomial = 1.96 * Math.sqrt((q * (1 - q)) / (2000 * 50));
    // The estimated variance of 2,000 batches is within ~5% of its expectation.
    expect(ratioCi95(batches)! / binomial).toBeGreaterThan(0.93);
    expect(ratioCi95(batches)! / binomial).toBeLessThan(1.07);
  });

  it('is zero when every batch has the same ratio, and null with fewer than two non-empty batches', () => {
    expect(ratioCi95([{ e: 1, a: 4 }, { e: 2, a: 8 }, { e: 0, a: 0 }])).toBe(0);
    expect(ratioCi95([{ e: 1, a: 4 }, { e: 0, a: 0 }])).toBeNull();
  });
});

describe('StateTracker', () => {
  it('sums the dispatchers, places each token at its holder and adds each server\'s jobs in flight over dispatchers', () => {
    const t = new StateTracker(10);
    const s = t.ingest({
      at: 1000,
      response: null,
      dispatchers: [
        {
          address: 'a:1',
          stats: stats('d0', {
            arrivals: 10, emptyArrivals: 4, emptyTimeMs: 300, windowMs: 1000, queueLength: 1, tokensUsed: 6, fallbacks: 4,
            tokens: [{ workerId: 'w1', slot: 0, epoch: 3 }],
            slots: [
              { workerId: 'w0', slot: 0, inFlight: 2, assigned: 7, byToken: 3, raceBusy: 1 },
              { workerId: 'w1', slot: 0, inFlight: 0, assigned: 3, byToken: 3, raceBusy: 0 },
            ],
          }),
        },
        {
          address: 'b:2',
          stats: stats('d1', {
            arrivals: 30, emptyArrivals: 6, emptyTimeMs: 100, windowMs: 1000, tokensUsed: 24, fallbacks: 6,
            slots: [
              { workerId: 'w0', slot: 0, inFlight: 1, assigned: 20, byToken: 18, raceBusy: 0 },
              { workerId: 'w1', slot: 0, inFlight: 0, assigned: 10, byToken: 6, raceBusy: 2 },
            ],
          }),
        },
        { address: 'c:3', error: 'deadline exceeded' },
      ],
    });
    expect(s.q0).toBe(10 / 40);
    expect(s.q0Time).toBe(400 / 2000);
    expect(s.byTokenShare).toBe(30 / 40);
    expect(s.dispatchers.map((d) => [d.id, d.iqueueLength, d.q0, d.error])).toEqual([
      ['d0', 1, 0.4, undefined],
      ['d1', 0, 0.2, undefined],
      ['c:3', 0, null, 'deadline exceeded'],
    ]);
    expect(s.workers).toEqual([
      { id: 'w0', slots: [{ slot: 0, busy: true, queueLength: 3, tokenAt: [], assigned: 27, byToken: 21, raceBusy: 1 }] },
      { id: 'w1', slots: [{ slot: 0, busy: false, queueLength: 0, tokenAt: ['d0'], assigned: 13, byToken: 9, raceBusy: 2 }] },
    ]);
  });

  it('draws no I-queue series under the address of a dispatcher that has not answered yet', () => {
    const t = new StateTracker(10);
    t.ingest({ at: 1000, response: null, dispatchers: [{ address: 'a:1', error: 'deadline exceeded' }] });
    const s = t.ingest({ at: 2000, response: null, dispatchers: [{ address: 'a:1', stats: stats('d0', { queueLength: 2 }) }] });
    expect(Object.keys(s.history.iqueue)).toEqual(['d0']);
    expect(s.history.iqueue.d0).toEqual([null, 2]);
  });

  it('measures throughput between polls, starts q0\'s batches afresh when counters are reset, and keeps a bounded history', () => {
    const t = new StateTracker(3);
    const poll = (at: number, arrivals: number, empty: number, completed: number) =>
      t.ingest({ at, response: null, dispatchers: [{ address: 'a:1', stats: stats('d0', { arrivals, emptyArrivals: empty, completed }) }] });
    poll(1000, 0, 0, 0);
    poll(2000, 100, 20, 90);
    expect(t.current.throughput).toBe(90);
    poll(3000, 200, 60, 290);
    expect(t.current.throughput).toBe(200);
    expect(t.current.q0Ci95).not.toBeNull();
    poll(4000, 10, 1, 5); // reset (jiq cluster resets the counters once the workers joined)
    expect(t.current.q0).toBe(0.1);
    expect(t.current.throughput).toBeNull();
    expect(t.current.q0Ci95).toBeNull(); // one batch since the reset
    expect(t.current.history.t).toEqual([2, 3, 4]);
    expect(t.current.history.q0Interval).toEqual([0.2, 0.4, 0.1]);
    expect(t.current.history.iqueue.d0).toHaveLength(3);
  });
});
