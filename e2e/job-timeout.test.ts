import { JiqClient } from '@jiq/client';
import { ErrorCode, JiqJobError } from '@jiq/core';
import { startDispatcher, type DispatcherHandle, type DispatcherOptions } from '@jiq/dispatcher';
import { createLogger } from '@jiq/shared';
import { startWorker, type WorkerOptions } from '@jiq/worker';
import { afterEach, describe, expect, it } from 'vitest';

// No job held hostage, bounded and fenced: real dispatchers, workers and clients over gRPC in
// this process (the embedding API), with handlers that hang, stall or are slow on purpose.

const logger = createLogger('test', 'silent');
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const never = (): Promise<string> => new Promise<string>(() => undefined);

describe('job timeouts, fencing and bounds (embedded, real gRPC)', () => {
  const handles: { close(): Promise<void> }[] = [];
  afterEach(async () => {
    for (const h of handles.reverse()) await h.close();
    handles.length = 0;
  });

  async function dispatcher(o: DispatcherOptions): Promise<DispatcherHandle> {
    const d = await startDispatcher({ port: 0, logger, drainTimeoutMs: 2_000, ...o });
    handles.push(d);
    return d;
  }
  async function worker(d: DispatcherHandle[], o: Partial<WorkerOptions>): Promise<void> {
    const w = await startWorker({ dispatchers: d.map((x) => x.address), logger, drainTimeoutMs: 200, ...o });
    handles.push(w);
  }
  function client(d: DispatcherHandle[], o: Partial<ConstructorParameters<typeof JiqClient>[0]> = {}): JiqClient {
    const c = new JiqClient({ dispatchers: d.map((x) => x.address), logger, seed: 5, ...o });
    handles.push({ close: () => c.close(1_000) });
    return c;
  }
  async function waitStats(d: DispatcherHandle, ok: (s: ReturnType<DispatcherHandle['stats']>) => boolean): Promise<ReturnType<DispatcherHandle['stats']>> {
    for (let i = 0; i < 200; i++) {
      const s = d.stats();
      if (ok(s)) return s;
      await sleep(25);
    }
    return d.stats();
  }

  it('a worker that accepts jobs and never answers holds none of them: re-dispatched, every submit answered, the worker dropped', async () => {
    const d = await dispatcher({ jobTimeoutMs: 300, maxAttempts: 3, maxWorkerTimeouts: 2, seed: 1 });
    await worker([d], { id: 'hung', handler: never });
    await worker([d], { id: 'good', handler: async ({ id }) => `done ${id}` });
    const c = client([d]);
    const results = await Promise.allSettled(Array.from({ length: 30 }, (_, i) => c.submit(`j${i}`, { id: `j${i}` })));
    const ok = results.filter((r) => r.status === 'fulfilled');
    expect(ok).toHaveLength(30);
    for (const r of ok) expect(r.value.info.workerId).toBe('good');
    const s = d.stats();
    expect(s.timedOut).toBeGreaterThan(0);
    // Re-dispatched: after each timeout, and the jobs still on the hung worker when it was dropped.
    expect(s.redispatched).toBeGreaterThanOrEqual(s.timedOut ?? 0);
    expect(s.workersDropped).toBeGreaterThanOrEqual(1);
    // The re-dispatched jobs say so.
    expect(ok.some((r) => r.value.info.attempts === 2)).toBe(true);
  });

  it('with only a hung worker every submit fails with DEADLINE_EXCEEDED after its attempts (per-job timeout wins)', async () => {
    const d = await dispatcher({ jobTimeoutMs: 60_000, maxAttempts: 2, maxWorkerTimeouts: 100 });
    await worker([d], { id: 'hung', handler: never });
    const c = client([d]);
    const results = await Promise.allSettled(Array.from({ length: 5 }, (_, i) => c.submit(`j${i}`, { timeoutMs: 150 })));
    for (const r of results) {
      expect(r.status).toBe('rejected');
      const err = (r as PromiseRejectedResult).reason as JiqJobError;
      expect(err).toBeInstanceOf(JiqJobError);
      expect(err.code).toBe(ErrorCode.DEADLINE_EXCEEDED);
      expect(err.message).toContain('2 attempt(s)');
    }
    expect(d.stats().timedOut).toBe(10);
  });

  it('a job taken from a stalled worker is fenced: its late result is dropped and counted, the client gets one reply', async () => {
    const d = await dispatcher({ jobTimeoutMs: 300, maxAttempts: 3 });
    let slowRuns = 0;
    await worker([d], { id: 'slow', handler: async () => { slowRuns++; await sleep(700); return 'slow'; } });
    const c = client([d]);
    const pending = c.submit('x', { id: 'fenced-job' });
    await sleep(50);
    await worker([d], { id: 'fast', handler: async () => 'fast' });
    const r = await pending;
    expect(Buffer.from(r.result).toString()).toBe('fast');
    expect(r.info.attempts).toBe(2);
    const s = await waitStats(d, (x) => (x.lateResults ?? 0) > 0);
    expect(slowRuns).toBe(1);
    expect(s.lateResults).toBe(1);
    expect(s.timedOut).toBe(1);
    expect(s.completed).toBe(1);
    expect(c.counters.strayReplies).toBe(0);
  });

  it('client maxInFlight: fail fast with RESOURCE_EXHAUSTED, or wait for room', async () => {
    const d = await dispatcher({});
    await worker([d], { handler: async () => { await sleep(100); return 'ok'; }, slots: 4 });
    const failing = client([d], { maxInFlight: 2, whenFull: 'fail' });
    const r1 = await Promise.allSettled([failing.submit('a'), failing.submit('b'), failing.submit('c')]);
    expect(r1.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'rejected']);
    expect(((r1[2] as PromiseRejectedResult).reason as JiqJobError).code).toBe(ErrorCode.RESOURCE_EXHAUSTED);
    expect(failing.counters.refusedFull).toBe(1);
    const waiting = client([d], { maxInFlight: 2, whenFull: 'wait' });
    await waiting.connect();
    const submits = [waiting.submit('a'), waiting.submit('b'), waiting.submit('c')];
    await sleep(30);
    expect(waiting.inFlight).toBe(2);
    const r2 = await Promise.allSettled(submits);
    expect(r2.every((r) => r.status === 'fulfilled')).toBe(true);
  });

  it('dispatcher maxInFlight refuses the excess with RESOURCE_EXHAUSTED before running it', async () => {
    const d = await dispatcher({ maxInFlight: 2 });
    let runs = 0;
    await worker([d], { handler: async () => { runs++; await sleep(100); return 'ok'; }, slots: 4 });
    const c = client([d]);
    const r = await Promise.allSettled(Array.from({ length: 5 }, (_, i) => c.submit(`j${i}`)));
    expect(r.filter((x) => x.status === 'fulfilled')).toHaveLength(2);
    for (const x of r.filter((y) => y.status === 'rejected')) {
      expect(((x as PromiseRejectedResult).reason as JiqJobError).code).toBe(ErrorCode.RESOURCE_EXHAUSTED);
    }
    expect(runs).toBe(2);
    expect(d.stats().exhausted).toBe(3);
  });

  it('a draining dispatcher tells clients to go elsewhere: no job fails while another dispatcher serves', async () => {
    const d1 = await dispatcher({ id: 'drains' });
    const d2 = await dispatcher({ id: 'stays' });
    await worker([d1, d2], { handler: async () => { await sleep(20); return 'ok'; }, slots: 4 });
    const c = client([d1, d2]);
    await c.connect();
    // Both streams are open at both dispatchers (a reply came back on each).
    while (new Set((await Promise.all(Array.from({ length: 8 }, () => c.submit('warm')))).map((x) => x.info.dispatcherId)).size < 2);
    const before = Array.from({ length: 20 }, (_, i) => c.submit(`a${i}`));
    const closing = d1.close();
    const after = Array.from({ length: 40 }, (_, i) => c.submit(`b${i}`));
    const r = await Promise.allSettled([...before, ...after]);
    expect(r.filter((x) => x.status === 'rejected').map((x) => String((x as PromiseRejectedResult).reason))).toEqual([]);
    await closing;
    expect(c.counters.drainNotices).toBe(1);
    for (const x of r.slice(20)) expect((x as PromiseFulfilledResult<{ info: { dispatcherId: string } }>).value.info.dispatcherId).toBe("stays");
  });
});
