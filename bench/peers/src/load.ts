// The two load shapes: a closed loop (N jobs always in flight) and an open loop (a fixed rate,
// whatever the replies do). Both warm up unmeasured, then measure a window: jobs completed in
// it, their latencies, and the CPU time of every process of the system over it.
import { perJob, snapshot } from './proc-cpu';
import type { RunningSystem } from './systems/system';

export interface Measurement {
  /** Jobs completed in the measured window. */
  readonly jobs: number;
  readonly windowMs: number;
  readonly latenciesMs: number[];
  readonly cpuMsPerJob: Record<string, number | null>;
}

/** A system stopped answering: the bench fails instead of hanging. */
export class BenchStalledError extends Error {
  constructor(
    readonly system: string,
    readonly outstanding: number,
    readonly waitedMs: number,
  ) {
    super(`${system}: ${outstanding} job(s) still unanswered ${waitedMs} ms after the window closed`);
    this.name = 'BenchStalledError';
  }
}

const DRAIN_TIMEOUT_MS = 30_000;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

type Phase = 'warmup' | 'measure' | 'drain';

class Window {
  phase: Phase = 'warmup';
  jobs = 0;
  readonly latenciesMs: number[] = [];
  private startedAt = 0;
  private cpuBefore: Record<string, number | null> = {};

  constructor(private readonly system: RunningSystem) {}

  open(): void {
    this.cpuBefore = snapshot(this.system.pids);
    this.startedAt = performance.now();
    this.phase = 'measure';
  }

  close(): Measurement {
    const cpuAfter = snapshot(this.system.pids);
    const windowMs = performance.now() - this.startedAt;
    this.phase = 'drain';
    return { jobs: this.jobs, windowMs, latenciesMs: this.latenciesMs, cpuMsPerJob: perJob(this.cpuBefore, cpuAfter, this.jobs) };
  }

  /** Counts a job that completed now, sent at sentAt. */
  completed(sentAt: number): void {
    if (this.phase !== 'measure') return;
    this.jobs++;
    this.latenciesMs.push(performance.now() - sentAt);
  }
}

async function drain(system: RunningSystem, work: Promise<unknown>, outstanding: () => number): Promise<void> {
  const timeout = sleep(DRAIN_TIMEOUT_MS).then(() => 'timeout' as const);
  if ((await Promise.race([work, timeout])) === 'timeout') throw new BenchStalledError(system.name, outstanding(), DRAIN_TIMEOUT_MS);
}

/** `inFlight` loops, each sending its next job when its last one is back. */
export async function closedLoop(system: RunningSystem, inFlight: number, warmupMs: number, windowMs: number): Promise<Measurement> {
  const w = new Window(system);
  let outstanding = 0;
  let failure: unknown;
  const loop = async (): Promise<void> => {
    while (w.phase !== 'drain' && failure === undefined) {
      const sentAt = performance.now();
      outstanding++;
      try {
        await system.call();
      } finally {
        outstanding--;
      }
      w.completed(sentAt);
    }
  };
  const loops = Promise.all(
    Array.from({ length: inFlight }, () =>
      loop().catch((err: unknown) => {
        failure ??= err;
      }),
    ),
  );
  await sleep(warmupMs);
  w.open();
  await sleep(windowMs);
  // A window with no completion says nothing (a stall on a loaded machine): hold it open until
  // one job is back, so jobs/s and latency come from a real, longer window.
  const deadline = performance.now() + DRAIN_TIMEOUT_MS;
  while (w.jobs === 0 && failure === undefined) {
    if (performance.now() > deadline) throw new BenchStalledError(system.name, outstanding, DRAIN_TIMEOUT_MS);
    await sleep(5);
  }
  const m = w.close();
  await drain(system, loops, () => outstanding);
  if (failure !== undefined) throw failure;
  return m;
}

/** Sends at `ratePerSec` on a fixed schedule (evenly spaced), not waiting for replies. */
export async function openLoop(system: RunningSystem, ratePerSec: number, warmupMs: number, windowMs: number): Promise<Measurement> {
  const w = new Window(system);
  const gapMs = 1_000 / ratePerSec;
  const replies: Promise<void>[] = [];
  let outstanding = 0;
  let failure: unknown;
  const t0 = performance.now();
  const openAt = t0 + warmupMs;
  const closeAt = openAt + windowMs;
  for (let k = 0; ; k++) {
    const due = t0 + k * gapMs;
    if (w.phase === 'warmup' && due >= openAt) w.open();
    if (due >= closeAt) break;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    const sentAt = performance.now();
    outstanding++;
    replies.push(
      system.call().then(
        () => {
          outstanding--;
          w.completed(sentAt);
        },
        (err: unknown) => {
          outstanding--;
          failure ??= err;
        },
      ),
    );
    if (failure !== undefined) break;
  }
  const remaining = closeAt - performance.now();
  if (remaining > 0) await sleep(remaining);
  const m = w.close();
  await drain(system, Promise.all(replies), () => outstanding);
  if (failure !== undefined) throw failure;
  return m;
}
