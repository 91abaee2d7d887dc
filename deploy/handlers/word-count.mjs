// An example job handler for `jiq worker --handler` (compose.yaml's `handler-worker` service).
// It receives the same context as startWorker({ handler }): { id, payload, size, slot, workerId },
// and returns the result (a string is sent as UTF-8; bytes as they are). Throwing fails the job
// with HANDLER_FAILED and the error's message.
import { Buffer } from 'node:buffer';

export default async function countWords({ payload, workerId }) {
  const text = Buffer.from(payload).toString('utf8');
  const words = text.split(/\s+/).filter((w) => w !== '').length;
  return JSON.stringify({ words, bytes: payload.length, by: workerId });
}
