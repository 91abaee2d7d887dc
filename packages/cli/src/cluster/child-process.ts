import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { JiqTimeoutError, JiqUnavailableError } from '@jiq/core';

export interface ReadyLine {
  event: 'ready';
  role: string;
  id: string;
  address?: string;
  pid: number;
  /** host:port of /metrics, /healthz and /readyz, with --metrics-port. */
  metrics?: string;
}

export interface JiqChild {
  readonly child: ChildProcess;
  readonly ready: ReadyLine;
  /** SIGTERM (graceful drain), SIGKILL after graceMs. Resolves when the process has exited. */
  stop(graceMs?: number): Promise<void>;
  kill(): void;
}

const BIN = join(__dirname, '..', 'bin.js');

/**
 * Spawns `jiq <args> --json --exit-with-parent` as a separate OS process and waits for its
 * ready line on stdout. Its stdin stays open: if this process dies, the child sees EOF and exits.
 */
export function spawnJiq(args: string[], options: { timeoutMs: number; env?: NodeJS.ProcessEnv; onStderr?: (line: string) => void }): Promise<JiqChild> {
  // JIQ_CHILD_NODE_ARGS passes Node flags to every child (e.g. "--cpu-prof --cpu-prof-dir=prof").
  const nodeArgs = (process.env.JIQ_CHILD_NODE_ARGS ?? '').split(/\s+/).filter((a) => a !== '');
  const child = spawn(process.execPath, [...nodeArgs, BIN, ...args, '--json', '--exit-with-parent'], {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, ...options.env },
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stderrTail: string[] = [];
  createInterface({ input: child.stderr! }).on('line', (line) => {
    stderrTail.push(line);
    if (stderrTail.length > 20) stderrTail.shift();
    options.onStderr?.(line);
  });
  const stop = async (graceMs = 10_000): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new JiqTimeoutError(`jiq ${args[0]} did not become ready within ${options.timeoutMs} ms\n${stderrTail.join('\n')}`, options.timeoutMs));
    }, options.timeoutMs);
    const lines = createInterface({ input: child.stdout! });
    lines.once('line', (line) => {
      clearTimeout(timer);
      try {
        const ready = JSON.parse(line) as ReadyLine;
        resolve({ child, ready, stop, kill: () => child.kill('SIGKILL') });
      } catch (err) {
        child.kill('SIGKILL');
        reject(new JiqUnavailableError(`jiq ${args[0]} printed an unexpected first line: ${line}`, undefined, { cause: err }));
      }
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new JiqUnavailableError(`jiq ${args[0]} exited (${signal ?? code}) before it was ready:\n${stderrTail.join('\n')}`));
    });
  });
}
