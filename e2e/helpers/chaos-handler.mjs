// A `jiq worker --handler` module for the chaos suite: sleeps for the number of ms in the
// payload, then records "<workerId> <jobId>" in $JIQ_CHAOS_LOG (one line per finished run; lines
// are short and appended with O_APPEND, so processes sharing the file do not interleave).
import { Buffer } from 'node:buffer';
import { appendFileSync } from 'node:fs';
import process from 'node:process';
import { setTimeout as sleep } from 'node:timers/promises';

const log = process.env.JIQ_CHAOS_LOG;
if (!log) throw new Error('JIQ_CHAOS_LOG: required (the file that records finished runs)');

export default async function handler({ id, workerId, payload }) {
  const ms = Number(Buffer.from(payload).toString('utf8'));
  await sleep(Number.isFinite(ms) ? ms : 20);
  appendFileSync(log, `${workerId} ${id}\n`);
  return id;
}
