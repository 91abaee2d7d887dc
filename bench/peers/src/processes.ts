// Every process the bench starts is registered here, so that a normal end, an error and Ctrl-C
// all stop them. Children also exit by themselves when the bench's stdin pipe to them closes.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

export interface Stoppable {
  /** Graceful stop; resolves when the process is gone. */
  stop(): Promise<void>;
  /** Synchronous last resort (signal handlers, process exit). */
  killNow(): void;
}

const live = new Set<Stoppable>();

export function track<T extends Stoppable>(s: T): T {
  live.add(s);
  return s;
}

/** Stops everything, last started first (clients before their servers, brokers last). */
export async function stopAll(): Promise<void> {
  const all = [...live].reverse();
  live.clear();
  for (const s of all) {
    try {
      await s.stop();
    } catch (err) {
      process.stderr.write(`bench:peers: while stopping: ${(err as Error).message}\n`);
    }
  }
}

export function killAllNow(): void {
  for (const s of live) s.killNow();
  live.clear();
}

/** A child the bench spawned, ready (it printed its ready line). */
export interface BenchChild extends Stoppable {
  readonly pid: number;
  readonly ready: Record<string, unknown>;
}

/** Stops `child` with SIGTERM, then SIGKILL after graceMs; resolves on exit. */
export async function stopChild(child: ChildProcess, graceMs = 5_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

/**
 * Runs one of this bench's child scripts (`children/<name>.js`) on this Node, waits for its
 * ready line, and forwards its stderr with a prefix.
 */
export function spawnChild(name: string, args: readonly string[], timeoutMs = 20_000): Promise<BenchChild> {
  const child = spawn(process.execPath, [join(__dirname, 'children', `${name}.js`), ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  const handle: BenchChild = {
    pid: child.pid ?? 0,
    ready: {},
    stop: () => stopChild(child),
    killNow: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
  track(handle);
  createInterface({ input: child.stderr! }).on('line', (line) => process.stderr.write(`[${name}] ${line}\n`));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      handle.killNow();
      reject(new Error(`bench child ${name} was not ready within ${timeoutMs} ms`));
    }, timeoutMs);
    createInterface({ input: child.stdout! }).once('line', (line) => {
      clearTimeout(timer);
      try {
        resolve({ ...handle, ready: JSON.parse(line) as Record<string, unknown> });
      } catch (err) {
        handle.killNow();
        reject(new Error(`bench child ${name} printed an unexpected first line: ${line}`, { cause: err }));
      }
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`bench child ${name} exited (${signal ?? `code ${code}`}) before it was ready`));
    });
  });
}
