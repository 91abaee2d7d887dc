import { SqdPlacement } from '@jiq/core';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { settle, startTestWorker } from './memory-dispatchers';

// WorkerCore over in-memory channels (the Channel contract, through the wire codecs) against
// scripted dispatchers, with vitest's fake clock: the protocol cases e2e runs meet only by chance.

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.restoreAllMocks();
  vi.useRealTimers();
});

/** Runs the fake clock forward and lets the messages it caused be delivered. */
async function advance(ms: number): Promise<void> {
  await vi.advanceTimersByTimeAsync(ms);
  await settle();
}

describe('WorkerCore: tokens and races', () => {
  it('a job crossing its withdrawal: the token is withdrawn when work comes from elsewhere, and the job that used it is reported raceWithdrawn', async () => {
    const { core, dispatchers } = await startTestWorker({ m: 2, d: 1, withdraw: true });
    const holder = dispatchers.find((d) => d.places.length === 1)!;
    const other = dispatchers.find((d) => d !== holder)!;
    expect(holder.places[0]!.token).toMatchObject({ workerId: 'w0', slot: 0, epoch: 1 });
    // Work from the other dispatcher: the slot withdraws its token at once.
    other.assign(0);
    await settle();
    expect(holder.withdrawals.map((w) => w.token?.epoch)).toEqual([1]);
    // Meanwhile the holder had already used the token: the job and the withdrawal crossed.
    holder.assign(0, { byToken: true, epoch: 1 });
    await settle();
    expect(core.counters).toMatchObject({ tokensPlaced: 1, tokensWithdrawn: 1, raceWithdrawn: 1, raceBusy: 1 });
    await advance(1_000);
    const crossed = holder.done.find((d) => d.ticket === 1)!;
    expect(crossed).toMatchObject({ ok: true, raceWithdrawn: true, raceBusy: true });
    expect(other.done[0]).toMatchObject({ ok: true, raceWithdrawn: false, raceBusy: false });
  });

  it('a token used while its server is busy queues the job FIFO and reports raceBusy (no withdrawals)', async () => {
    const { core, dispatchers } = await startTestWorker({ m: 2, d: 1 });
    const holder = dispatchers.find((d) => d.places.length === 1)!;
    const other = dispatchers.find((d) => d !== holder)!;
    other.assign(0);
    await settle();
    // Without withdrawals the token stays out; the one-token rule places no second one.
    expect(holder.withdrawals).toHaveLength(0);
    holder.assign(0, { byToken: true, epoch: 1 });
    await settle();
    expect(core.occupancy()).toEqual({ queued: 1, busy: 1 });
    expect(core.counters.raceBusy).toBe(1);
    await advance(100);
    expect(other.done).toHaveLength(1);
    expect(holder.done).toHaveLength(0);
    await advance(200);
    expect(holder.done[0]).toMatchObject({ raceBusy: true, raceWithdrawn: false });
    // Idle again with no token out: exactly one new token (epoch 2).
    const epochs = dispatchers.flatMap((d) => d.places.map((p) => p.token!.epoch)).sort();
    expect(epochs).toEqual([1, 2]);
    expect(core.outstandingTokens()).toHaveLength(1);
  });

  it('a token the worker never placed (stale epoch) is neither a withdrawal race nor a busy race on an idle slot', async () => {
    const { core, dispatchers } = await startTestWorker({ m: 1, d: 1 });
    dispatchers[0]!.assign(0, { byToken: true, epoch: 99 });
    await settle();
    expect(core.counters).toMatchObject({ raceBusy: 0, raceWithdrawn: 0 });
  });
});

describe('WorkerCore: SQ(d) placement', () => {
  it('probes d dispatchers and places at the shortest I-queue, through @jiq/core SqdPlacement', async () => {
    const sample = vi.spyOn(SqdPlacement.prototype, 'sampleProbes');
    const pick = vi.spyOn(SqdPlacement.prototype, 'pick');
    const { dispatchers } = await startTestWorker({ m: 3, d: 3, seed: 3 });
    expect(sample).toHaveBeenCalled();
    expect(pick).toHaveBeenCalled();
    // Before: every I-queue 0, ties at random. Now make d1 the only short one.
    dispatchers[0]!.iqueueLength = 4;
    dispatchers[1]!.iqueueLength = 0;
    dispatchers[2]!.iqueueLength = 7;
    const placedAt = new Map(dispatchers.map((d) => [d.address, 0]));
    for (let i = 0; i < 6; i++) {
      const holder = dispatchers.find((d) => d.places.length > 0 && d.places.at(-1)!.token!.epoch === i + 1)!;
      holder.assign(0, { byToken: true, epoch: i + 1 });
      await settle();
      await advance(1_000);
      const next = dispatchers.find((d) => d.places.some((p) => p.token!.epoch === i + 2))!;
      placedAt.set(next.address, placedAt.get(next.address)! + 1);
      // Every placement probed all three (distinct) and measured its round trip.
      expect(next.places.find((p) => p.token!.epoch === i + 2)!.probeRttMs).toBeGreaterThan(0);
    }
    expect(Object.fromEntries(placedAt)).toEqual({ d0: 0, d1: 6, d2: 0 });
    expect(dispatchers.map((d) => d.probesAsked)).toEqual([7, 7, 7]);
  });

  it('ties between equally short I-queues go to each of them (uniformly at random, not the first)', async () => {
    const { dispatchers } = await startTestWorker({ m: 2, d: 2, slots: 8, seed: 5 });
    // 8 slots place once each at start, all queues answer 0.
    const counts = dispatchers.map((d) => d.places.length);
    expect(counts[0]! + counts[1]!).toBe(8);
    expect(Math.min(...counts)).toBeGreaterThan(0);
  });
});

describe('WorkerCore: probe timeouts', () => {
  it('a dispatcher that does not answer within probeTimeoutMs counts as an infinitely long I-queue', async () => {
    const { core, dispatchers } = await startTestWorker({ m: 2, d: 2, probeTimeoutMs: 300, seed: 2 });
    // Both answered at start (length 0): the token went to one of them.
    expect(core.counters.tokensPlaced).toBe(1);
    const first = dispatchers.find((d) => d.places.length === 1)!;
    const frozen = dispatchers.find((d) => d !== first)!;
    frozen.iqueueLength = undefined;
    first.iqueueLength = 50;
    first.assign(0, { byToken: true, epoch: 1 });
    await advance(100);
    // The job is done and the slot probes again: one answer (50), one silence.
    expect(core.counters.tokensPlaced).toBe(1);
    await advance(299);
    expect(core.counters.tokensPlaced).toBe(1);
    await advance(1);
    // At the timeout the silent one is infinitely long: the long but answering queue wins.
    expect(core.counters.tokensPlaced).toBe(2);
    expect(first.places.at(-1)!.token!.epoch).toBe(2);
    expect(frozen.places).toHaveLength(0);
  });

  it('when no dispatcher answers, the token still goes to one of them (ties among infinitely long queues at random)', async () => {
    const { core, dispatchers } = await startTestWorker({ m: 2, d: 2, probeTimeoutMs: 300 });
    const holder = dispatchers.find((d) => d.places.length === 1)!;
    for (const d of dispatchers) d.iqueueLength = undefined;
    holder.assign(0, { byToken: true, epoch: 1 });
    await advance(100);
    await advance(300);
    // Both silent: both infinitely long; the placement still picks one (ties at random), so the
    // server does not vanish from every I-queue because probes were lost.
    expect(core.counters.tokensPlaced).toBe(2);
    expect(core.outstandingTokens()).toHaveLength(1);
  });
});
