import { spawnJiq, type JiqChild } from '@jiq/cli';
import type { JiqClient } from '@jiq/client';
import { ErrorCode, JiqJobError } from '@jiq/core';
import type { Connector, DispatcherStats } from '@jiq/shared';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sleep } from './ports';

/** The chaos handler module (records every finished run). */
export const CHAOS_HANDLER = join(__dirname, 'chaos-handler.mjs');

/** What a chaos run saw, job by job. */
export interface ChaosCounts {
  submitted: number;
  completed: number;
  failedByCode: Record<string, number>;
  /** Submits still unsettled when the run ended. */
  unanswered: number;
  /** Jobs not completed (failed or unanswered): lost to the caller. */
  lost: number;
  /** Completed jobs whose id no worker recorded: a result from nowhere. */
  phantom: number;
  /** Jobs the workers finished more than once, and the runs beyond the first. */
  ranTwice: number;
  extraRuns: number;
  /** Re-dispatches counted by the dispatchers (worker lost or timed out) and resends by the client. */
  redispatched: number;
  resent: number;
  lateResults: number;
  timedOut: number;
  strayReplies: number;
  faults: string[];
}

/** A fault at a time offset from the start of the load. */
export interface Fault {
  atMs: number;
  name: string;
  run(): Promise<void>;
}

/** Sums a dispatcher counter over restarts: a counter that went down restarted from 0. */
class CounterSampler {
  private readonly last = new Map<string, Record<string, number>>();
  private readonly total = new Map<string, Record<string, number>>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly connector: Connector,
    private readonly addresses: () => string[],
    private readonly keys: readonly (keyof DispatcherStats)[],
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.sample(), 250);
  }

  async sample(): Promise<void> {
    await Promise.all(this.addresses().map(async (a) => {
      let s: DispatcherStats;
      try {
        s = await this.connector.stats(a, {}, 500);
      } catch {
        return;
      }
      const last = this.last.get(a) ?? {};
      const total = this.total.get(a) ?? {};
      for (const k of this.keys) {
        const v = Number(s[k] ?? 0);
        if (v < (last[k] ?? 0)) total[k] = (total[k] ?? 0) + last[k]!;
        last[k] = v;
      }
      this.last.set(a, last);
      this.total.set(a, total);
    }));
  }

  async stop(): Promise<Record<string, number>> {
    clearInterval(this.timer);
    await this.sample();
    const out: Record<string, number> = {};
    for (const k of this.keys) {
      out[k] = 0;
      for (const [a, last] of this.last) out[k] += (last[k] ?? 0) + (this.total.get(a)?.[k] ?? 0);
    }
    return out;
  }
}

/**
 * Submits `jobs` jobs at a steady `ratePerSecond` (each with an idempotency key, so the client
 * may resend it after losing a dispatcher) while `faults` run at their offsets, then waits up
 * to `answerWaitMs` for the last replies and counts, from the replies and the workers' records.
 */
export async function runChaos(o: {
  client: JiqClient;
  connector: Connector;
  dispatchers: () => string[];
  jobs: number;
  ratePerSecond: number;
  jobMs: number;
  faults: Fault[];
  answerWaitMs: number;
  runLog: string;
  idPrefix: string;
}): Promise<ChaosCounts> {
  const sampler = new CounterSampler(o.connector, o.dispatchers, ['redispatched', 'lateResults', 'timedOut']);
  sampler.start();
  const settled = new Map<string, 'ok' | string>();
  const t0 = performance.now();
  // Each fault starts on time, whatever the others take (a restart may take seconds on a busy machine).
  const faultsDone = Promise.all(o.faults.map(async (f) => {
    await sleep(Math.max(0, t0 + f.atMs - performance.now()));
    const started = Math.round(performance.now() - t0);
    await f.run();
    return `${f.name} @${started}ms (done @${Math.round(performance.now() - t0)}ms)`;
  }));
  const pending: Promise<void>[] = [];
  for (let i = 0; i < o.jobs; i++) {
    const wait = t0 + (i * 1000) / o.ratePerSecond - performance.now();
    if (wait > 1) await sleep(wait);
    const id = `${o.idPrefix}-${i}`;
    pending.push(o.client.submit(String(o.jobMs), { id, idempotencyKey: id }).then(
      () => void settled.set(id, 'ok'),
      (e: unknown) => void settled.set(id, e instanceof JiqJobError ? (ErrorCode[e.code] ?? String(e.code)) : (e as Error).name),
    ));
  }
  const faults = await faultsDone;
  await Promise.race([Promise.all(pending), sleep(o.answerWaitMs)]);
  const counters = await sampler.stop();

  const runs = new Map<string, number>();
  if (existsSync(o.runLog)) {
    for (const line of readFileSync(o.runLog, 'utf8').split('\n')) {
      const id = line.split(' ')[1];
      if (id?.startsWith(`${o.idPrefix}-`)) runs.set(id, (runs.get(id) ?? 0) + 1);
    }
  }
  const failedByCode: Record<string, number> = {};
  let completed = 0;
  let phantom = 0;
  for (const [id, outcome] of settled) {
    if (outcome === 'ok') {
      completed++;
      if (!runs.has(id)) phantom++;
    } else failedByCode[outcome] = (failedByCode[outcome] ?? 0) + 1;
  }
  let ranTwice = 0;
  let extraRuns = 0;
  for (const n of runs.values()) {
    if (n > 1) {
      ranTwice++;
      extraRuns += n - 1;
    }
  }
  return {
    submitted: o.jobs,
    completed,
    failedByCode,
    unanswered: o.jobs - settled.size,
    lost: o.jobs - completed,
    phantom,
    ranTwice,
    extraRuns,
    redispatched: counters.redispatched ?? 0,
    resent: o.client.counters.resent,
    lateResults: counters.lateResults ?? 0,
    timedOut: counters.timedOut ?? 0,
    strayReplies: o.client.counters.strayReplies,
    faults,
  };
}

/** SIGSTOP now, SIGCONT after `ms` (in the background). */
export function freeze(child: JiqChild, ms: number): void {
  child.child.kill('SIGSTOP');
  setTimeout(() => child.child.kill('SIGCONT'), ms).unref();
}

/** kill -9 and wait for the exit. */
export async function kill9(child: JiqChild): Promise<void> {
  if (child.child.exitCode !== null || child.child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.child.once('exit', () => r()));
  child.child.kill('SIGKILL');
  await exited;
}

/** Spawns a jiq process for the chaos suite (logs on stderr only with JIQ_TEST_LOGS). */
export function spawnChaos(args: string[], env: NodeJS.ProcessEnv = {}): Promise<JiqChild> {
  return spawnJiq(args, {
    timeoutMs: 60_000,
    env,
    onStderr: (l) => {
      if (process.env.JIQ_TEST_LOGS) process.stderr.write(`${l}\n`);
    },
  });
}
