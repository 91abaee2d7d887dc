// A BullMQ worker with a no-op processor (returns the job's data) at a given concurrency.
// argv: <redis host> <redis port> <queue name> <concurrency>
import { Worker } from 'bullmq';
import { announceReady, exitWithParent, failed } from './child-lifecycle';

async function main(): Promise<void> {
  const [host, port, queue, concurrency] = process.argv.slice(2);
  if (!host || !port || !queue || !concurrency) throw new Error('usage: bullmq-worker <host> <port> <queue> <concurrency>');
  const worker = new Worker(queue, async (job) => job.data as unknown, {
    connection: { host, port: Number(port) },
    concurrency: Number(concurrency),
  });
  worker.on('error', (err) => process.stderr.write(`bullmq worker: ${err.message}\n`));
  await worker.waitUntilReady();
  announceReady({ queue, concurrency: Number(concurrency) });
  exitWithParent(() => worker.close());
}

main().catch(failed);
