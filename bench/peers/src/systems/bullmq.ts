// BullMQ as its users run it for request/response: Queue.add from the bench, a Worker process
// with a no-op processor at a given concurrency, the result back through QueueEvents.
import { Queue, QueueEvents } from 'bullmq';
import type { SystemName } from '../options';
import { spawnChild } from '../processes';
import { expectPayload, withBroker, type RunningSystem, type SystemContext } from './system';

interface Waiter {
  resolve(replyBytes: number): void;
  reject(err: Error): void;
}

export async function startBullmq(ctx: SystemContext, concurrency: 1 | 10 | 50): Promise<RunningSystem> {
  const name: SystemName = `bullmq-c${concurrency}`;
  const queueName = `bench-${name}`;
  const connection = { host: ctx.redisHost, port: ctx.redisPort };
  const queue = new Queue(queueName, { connection });
  const events = new QueueEvents(queueName, { connection });
  await Promise.all([queue.waitUntilReady(), events.waitUntilReady()]);
  const worker = await spawnChild('bullmq-worker', [ctx.redisHost, String(ctx.redisPort), queueName, String(concurrency)]);
  const pending = new Map<string, Waiter>();
  events.on('completed', ({ jobId, returnvalue }) => {
    const w = pending.get(jobId);
    pending.delete(jobId);
    // The processor returns the job's data: its payload must come back.
    const p = (returnvalue as { p?: unknown } | null)?.p;
    w?.resolve(typeof p === 'string' ? p.length : -1);
  });
  events.on('failed', ({ jobId, failedReason }) => {
    const w = pending.get(jobId);
    pending.delete(jobId);
    w?.reject(new Error(`${name} job ${jobId} failed: ${failedReason}`));
  });
  // JSON job data of about the payload's size (BullMQ stores job data as JSON).
  const data = { p: ctx.payload.toString('latin1') };
  let seq = 0;
  return {
    name,
    pids: withBroker({ client: process.pid, worker: worker.pid }, ctx.redisPid),
    call: () =>
      new Promise<number>((resolve, reject) => {
        // Our own id, registered before add() so that a fast completion finds its waiter.
        const jobId = `j${++seq}`;
        pending.set(jobId, { resolve, reject });
        queue.add('job', data, { jobId, removeOnComplete: true, removeOnFail: true }).catch((err: Error) => {
          pending.delete(jobId);
          reject(err);
        });
      }).then((replyBytes) => expectPayload(name, ctx.payload.length, replyBytes)),
    stop: async () => {
      await worker.stop();
      await events.close();
      await queue.close();
    },
  };
}
