import { ErrorCode } from '@jiq/core';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { dispatcherCore, ScriptedClient, ScriptedWorker, settle } from './memory-peers';

// DispatcherCore over in-memory channels (the Channel contract, through the wire codecs) and
// vitest's fake clock: the protocol cases the e2e runs only meet by chance.

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('DispatcherCore: tokens', () => {
  it('a job uses the token (with its epoch); a withdrawal that crossed it is counted stale, not applied', async () => {
    const core = dispatcherCore({ policy: 'jiq' });
    const w = new ScriptedWorker(core, 'w0');
    const client = new ScriptedClient(core);
    await settle();
    w.place(0, 5);
    await settle();
    expect(core.tokens.length).toBe(1);
    client.submit();
    // The worker withdraws epoch 5 while the job holding it is on its way.
    w.withdraw(0, 5);
    await settle();
    expect(w.assigns).toHaveLength(1);
    expect(w.assigns[0]).toMatchObject({ byToken: true, epoch: 5, slot: 0 });
    expect(core.counters).toMatchObject({ tokensUsed: 1, tokensWithdrawn: 0, staleWithdrawals: 1, fallbacks: 0 });
    // The job found a token: not an empty-I-queue arrival.
    expect(core.meter.snapshot()).toMatchObject({ arrivals: 1, emptyArrivals: 0 });
  });

  it('a token whose job reached a busy server is reported back as a race and counted', async () => {
    const core = dispatcherCore({ policy: 'jiq' });
    const w = new ScriptedWorker(core, 'w0');
    const client = new ScriptedClient(core);
    await settle();
    w.place(0, 1);
    await settle();
    const id = client.submit();
    await settle();
    w.finish(w.assigns[0]!, { raceBusy: true });
    await settle();
    expect(core.counters.raceBusy).toBe(1);
    expect(client.reply(id)).toMatchObject({ ok: true, info: { byToken: true, raceBusy: true, workerId: 'w0' } });
  });

  it('a withdrawal removes a held token: the next job finds the I-queue empty and falls back', async () => {
    const core = dispatcherCore({ policy: 'jiq' });
    const w = new ScriptedWorker(core, 'w0');
    const client = new ScriptedClient(core);
    await settle();
    w.place(0, 3);
    w.withdraw(0, 3);
    await settle();
    client.submit();
    await settle();
    expect(w.assigns[0]).toMatchObject({ byToken: false });
    expect(core.counters).toMatchObject({ tokensWithdrawn: 1, fallbacks: 1 });
    expect(core.meter.snapshot()).toMatchObject({ arrivals: 1, emptyArrivals: 1 });
  });

  it('a token-less policy ignores tokens a worker places', async () => {
    const core = dispatcherCore({ policy: 'random' });
    const w = new ScriptedWorker(core, 'w0');
    await settle();
    w.place(0, 1);
    await settle();
    expect(core.tokens.length).toBe(0);
  });
});

describe('DispatcherCore: worker loss', () => {
  it('re-dispatches the lost job to another worker, then fails it with WORKER_LOST after maxAttempts', async () => {
    const core = dispatcherCore({ policy: 'jiq' }, { maxAttempts: 2 });
    const a = new ScriptedWorker(core, 'a');
    const b = new ScriptedWorker(core, 'b');
    const client = new ScriptedClient(core);
    await settle();
    const id = client.submit();
    await settle();
    const [first, second] = a.assigns.length === 1 ? [a, b] : [b, a];
    expect(first.assigns).toHaveLength(1);
    first.channel.close();
    await settle();
    expect(second.assigns).toHaveLength(1);
    expect(core.counters.redispatched).toBe(1);
    expect(client.reply(id)).toBeUndefined();
    second.channel.close();
    await settle();
    expect(client.reply(id)).toMatchObject({ ok: false, error: { code: ErrorCode.WORKER_LOST } });
    expect(core.inFlightCount).toBe(0);
  });

  it('drops the tokens of a lost worker', async () => {
    const core = dispatcherCore({ policy: 'jiq' });
    const w = new ScriptedWorker(core, 'w0', undefined, 3);
    await settle();
    w.place(0, 1);
    w.place(2, 1);
    await settle();
    expect(core.tokens.length).toBe(2);
    w.channel.close();
    await settle();
    expect(core.tokens.length).toBe(0);
    expect(core.registry.liveCount).toBe(0);
  });
});

describe('DispatcherCore: idempotency', () => {
  it('one run for every submit of a key while it runs, every waiter answered; later submits get the remembered reply', async () => {
    const core = dispatcherCore();
    const w = new ScriptedWorker(core, 'w0');
    const c1 = new ScriptedClient(core);
    const c2 = new ScriptedClient(core);
    await settle();
    const r1 = c1.submit({ idempotencyKey: 'k' });
    const r2 = c2.submit({ idempotencyKey: 'k' });
    await settle();
    expect(w.assigns).toHaveLength(1);
    w.finish(w.assigns[0]!);
    await settle();
    expect(c1.reply(r1)).toMatchObject({ ok: true });
    expect(c2.reply(r2)).toMatchObject({ ok: true });
    const r3 = c1.submit({ idempotencyKey: 'k' });
    await settle();
    expect(w.assigns).toHaveLength(1);
    expect(Buffer.from(c1.reply(r3)!.result).toString()).toBe('ok');
  });
});

describe('DispatcherCore: parking', () => {
  it('holds a job until a first worker joins, then dispatches it', async () => {
    const core = dispatcherCore();
    const client = new ScriptedClient(core);
    const id = client.submit();
    await settle();
    expect(core.inFlightCount).toBe(1);
    await vi.advanceTimersByTimeAsync(500);
    const w = new ScriptedWorker(core, 'w0');
    await settle();
    expect(w.assigns).toHaveLength(1);
    w.finish(w.assigns[0]!);
    await settle();
    expect(client.reply(id)).toMatchObject({ ok: true });
  });

  it('fails a parked job with UNAVAILABLE once noWorkerWaitMs has passed', async () => {
    const core = dispatcherCore({}, { noWorkerWaitMs: 1_000 });
    const client = new ScriptedClient(core);
    const id = client.submit();
    await settle();
    await vi.advanceTimersByTimeAsync(900);
    expect(client.reply(id)).toBeUndefined();
    await vi.advanceTimersByTimeAsync(300);
    expect(client.reply(id)).toMatchObject({ ok: false, error: { code: ErrorCode.UNAVAILABLE } });
    expect(core.inFlightCount).toBe(0);
  });
});

describe('DispatcherCore: policies that read queue lengths', () => {
  it('JSQ probes every server and sends the job to the shortest; a second job sent meanwhile is counted', async () => {
    const core = dispatcherCore({ policy: 'jsq' });
    const ws = [new ScriptedWorker(core, 'a', [3]), new ScriptedWorker(core, 'b', [0]), new ScriptedWorker(core, 'c', [1])];
    const client = new ScriptedClient(core);
    await settle();
    client.submit();
    client.submit();
    await settle();
    expect(ws.map((w) => w.probes)).toEqual([2, 2, 2]);
    // Both probes were asked before either job left: the answers say b = 0 for both, but the
    // first job's assignment to b is added to the second's view, which then picks c (1 < 0 + 1 is false: a tie, at random).
    expect(ws[1]!.assigns.length).toBeGreaterThanOrEqual(1);
    expect(ws[0]!.assigns).toHaveLength(0);
    expect(ws[1]!.assigns.length + ws[2]!.assigns.length).toBe(2);
    expect(core.counters.fallbacks).toBe(2);
  });

  it('JSQ(d) asks at most d servers per job and sends it to the shortest of those it asked', async () => {
    const core = dispatcherCore({ policy: 'jsq-d', d: 2 });
    const ws = Array.from({ length: 5 }, (_, i) => new ScriptedWorker(core, `w${i}`, [i]));
    const client = new ScriptedClient(core);
    await settle();
    const wrong: string[] = [];
    let asked = 0;
    for (let k = 0; k < 60; k++) {
      const probesBefore = ws.map((w) => w.probes);
      const assignsBefore = ws.map((w) => w.assigns.length);
      client.submit();
      await settle();
      const probed = ws.flatMap((w, i) => (w.probes > probesBefore[i]! ? [i] : []));
      const chosen = ws.findIndex((w, i) => w.assigns.length > assignsBefore[i]!);
      asked += probed.length;
      if (!(probed.length >= 1 && probed.length <= 2 && probed.includes(chosen) && chosen === Math.min(...probed))) {
        wrong.push(`asked ${probed.join(',')}, chose ${chosen}`);
      }
    }
    expect(wrong).toEqual([]);
    expect(core.probes.counters.rounds).toBe(60);
    expect(core.probes.counters.messages).toBe(asked);
    // Two independent draws out of 5 coincide 1 time in 5: most rounds ask two workers.
    expect(asked).toBeGreaterThan(100);
  });

  it('a probe unanswered within probeTimeoutMs counts as an infinite queue: the job goes to the server that answered', async () => {
    const core = dispatcherCore({ policy: 'jsq' }, { probeTimeoutMs: 500 });
    const silent = new ScriptedWorker(core, 'silent', undefined);
    const busy = new ScriptedWorker(core, 'busy', [7]);
    const client = new ScriptedClient(core);
    await settle();
    client.submit();
    await settle();
    expect(busy.assigns).toHaveLength(0);
    expect(core.inFlightCount).toBe(1);
    await vi.advanceTimersByTimeAsync(499);
    expect(busy.assigns).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(2);
    expect(busy.assigns).toHaveLength(1);
    expect(silent.assigns).toHaveLength(0);
    expect(core.probes.counters.timeouts).toBe(1);
  });

  it('JIQ-Pod probes only when the I-queue is empty', async () => {
    const core = dispatcherCore({ policy: 'jiq-pod', fallbackD: 2 });
    const a = new ScriptedWorker(core, 'a', [0]);
    const b = new ScriptedWorker(core, 'b', [5]);
    const client = new ScriptedClient(core);
    await settle();
    a.place(0, 1);
    await settle();
    client.submit();
    await settle();
    expect(a.probes + b.probes).toBe(0);
    expect(a.assigns[0]).toMatchObject({ byToken: true });
    client.submit();
    await settle();
    expect(a.probes + b.probes).toBeGreaterThan(0);
    expect(a.assigns.length + b.assigns.length).toBe(2);
  });

  it('JSQ(d)-stale routes on the lengths piggybacked on results plus its own sends: no probe, no wait', async () => {
    const core = dispatcherCore({ policy: 'jsq-d-stale', d: 2 });
    const ws = Array.from({ length: 4 }, (_, i) => new ScriptedWorker(core, `w${i}`, [0]));
    const client = new ScriptedClient(core);
    await settle();
    // One job each way: every worker gets jobs while nothing is known (all 0 + jobs sent).
    for (let k = 0; k < 8; k++) client.submit();
    await settle();
    expect(ws.map((w) => w.probes)).toEqual([0, 0, 0, 0]);
    expect(core.probes.counters.rounds).toBe(0);
    expect(core.inFlightCount).toBe(8);
    // w0 reports a long queue on its results; the others report they emptied.
    ws.forEach((w, i) => w.assigns.forEach((a) => w.finish(a, { queueLength: i === 0 ? 20 : 0 })));
    await settle();
    const before = ws.map((w) => w.assigns.length);
    for (let k = 0; k < 30; k++) client.submit();
    await settle();
    const got = ws.map((w, i) => w.assigns.length - before[i]!);
    // w0 (20 known) loses every comparison against a server with fewer than 20 known: it gets a
    // job only when both draws are w0 (1 in 16), while the others share the rest by their counts.
    expect(got[0]).toBeLessThanOrEqual(5);
    expect(got.slice(1).every((g) => g >= 6)).toBe(true);
    expect(ws.map((w) => w.probes)).toEqual([0, 0, 0, 0]);
  });

  it('JFSQ prefers the fastest of the shortest servers (speeds from the worker hello)', async () => {
    const core = dispatcherCore({ policy: 'jfsq' });
    const slow = new ScriptedWorker(core, 'slow', [0], 1, [1]);
    const fast = new ScriptedWorker(core, 'fast', [0], 1, [4]);
    const client = new ScriptedClient(core);
    await settle();
    client.submit();
    await settle();
    expect(fast.assigns).toHaveLength(1);
    expect(slow.assigns).toHaveLength(0);
  });
});
