import { JiqClient } from '@jiq/client';
import { startDispatcher, type DispatcherHandle } from '@jiq/dispatcher';
import { ErrorCode, JiqJobError } from '@jiq/core';
import { createLogger } from '@jiq/shared';
import { startWorker, type WorkerHandle } from '@jiq/worker';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

const logger = createLogger('test', 'silent');

describe('embedded API: startDispatcher, startWorker({ handler }), JiqClient', () => {
  const handles: { close(): Promise<void> }[] = [];
  afterEach(async () => {
    for (const h of handles.reverse()) await h.close();
    handles.length = 0;
  });

  async function cluster(handler: Parameters<typeof startWorker>[0]['handler'], workers = 2): Promise<{ d: DispatcherHandle; ws: WorkerHandle[]; client: JiqClient }> {
    const d = await startDispatcher({ port: 0, logger });
    handles.push(d);
    const ws: WorkerHandle[] = [];
    for (let i = 0; i < workers; i++) {
      const w = await startWorker({ dispatchers: [d.address], handler, logger, id: `emb${i}` });
      handles.push(w);
      ws.push(w);
    }
    const client = new JiqClient({ dispatchers: [d.address], logger });
    handles.push(client);
    return { d, ws, client };
  }

  it('runs the handler and returns its result; a throwing handler gives JiqJobError HANDLER_FAILED', async () => {
    const { client } = await cluster(async ({ payload }) => {
      const text = Buffer.from(payload).toString('utf8');
      if (text === 'boom') throw new Error('handler exploded');
      return `ok:${text}`;
    });
    const r = await client.submit('abc');
    expect(Buffer.from(r.result).toString()).toBe('ok:abc');
    expect(r.info.byToken).toBe(true);
    const err = await client.submit('boom').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(JiqJobError);
    expect((err as JiqJobError).code).toBe(ErrorCode.HANDLER_FAILED);
    expect((err as JiqJobError).message).toContain('handler exploded');
  });

  it('an idempotency key runs the job once, concurrent and repeated submits share the reply', async () => {
    let runs = 0;
    const { client } = await cluster(async () => {
      runs++;
      await new Promise((r) => setTimeout(r, 50));
      return `run ${runs}`;
    });
    const [a, b] = await Promise.all([client.submit('x', { idempotencyKey: 'k1' }), client.submit('x', { idempotencyKey: 'k1' })]);
    const c = await client.submit('x', { idempotencyKey: 'k1' });
    expect(runs).toBe(1);
    for (const r of [a, b, c]) expect(Buffer.from(r.result).toString()).toBe('run 1');
  });

  it('worker close() drains: a running job completes before the worker leaves', async () => {
    const { client, ws } = await cluster(async () => {
      await new Promise((r) => setTimeout(r, 300));
      return 'slow done';
    }, 1);
    const pending = client.submit('slow');
    await new Promise((r) => setTimeout(r, 50));
    await ws[0]!.close();
    expect(Buffer.from((await pending).result).toString()).toBe('slow done');
  });

  it('a dispatcher with no live worker answers UNAVAILABLE after its wait, not never', async () => {
    const d = await startDispatcher({ port: 0, logger, noWorkerWaitMs: 200 });
    handles.push(d);
    const client = new JiqClient({ dispatchers: [d.address], logger });
    handles.push(client);
    const err = await client.submit('x').catch((e: unknown) => e);
    expect((err as JiqJobError).code).toBe(ErrorCode.UNAVAILABLE);
  });

  it('bad options name the option and the rule', async () => {
    // A JavaScript caller is not type-checked: the run-time check still names the option.
    await expect(startDispatcher({ select: 'random' as 'fcfs', logger })).rejects.toThrow('select: must be one of fcfs | lcfs | fastest');
    await expect(startWorker({ dispatchers: [], logger })).rejects.toThrow('dispatchers: at least one dispatcher address is required');
    await expect(startWorker({ dispatchers: ['127.0.0.1:1'], d: 2, logger })).rejects.toThrow('d: cannot probe 2 distinct dispatchers out of m = 1 (use probe replace)');
    expect(() => new JiqClient({ dispatchers: [] })).toThrow('dispatchers: at least one');
  });

  it('the README example runs as written', () => {
    const r = spawnSync(process.execPath, [join(__dirname, '..', 'examples', 'embedded.js')], {
      encoding: 'utf8',
      env: { ...process.env, JIQ_LOG_LEVEL: 'warn' },
      timeout: 30_000,
    });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^HELLO, JIQ \(by token on worker-/);
    expect(r.stdout).toContain('JiqConfigError: payload: must not be empty');
  });
});
