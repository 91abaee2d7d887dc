import { spawnJiq, type JiqChild } from '@jiq/cli';
import { GrpcConnector, type DispatcherStats } from '@jiq/shared';
import { spawn } from 'node:child_process';
import { join } from 'node:path';

export const JIQ_BIN = join(__dirname, '..', '..', 'packages', 'cli', 'dist', 'bin.js');

/** A cluster of real dispatcher and worker processes on loopback, for tests. */
export class TestCluster {
  readonly dispatchers: JiqChild[] = [];
  readonly workers: JiqChild[] = [];
  readonly connector = new GrpcConnector();

  get addresses(): string[] {
    return this.dispatchers.map((d) => d.ready.address!);
  }

  private dispatcherSeq = 0;

  async addDispatcher(args: string[] = []): Promise<JiqChild> {
    const c = await spawnJiq(['dispatcher', '--port', '0', '--id', `d${this.dispatcherSeq++}`, '--log-level', 'warn', ...args], {
      timeoutMs: 20_000,
    });
    this.dispatchers.push(c);
    return c;
  }

  private workerSeq = 0;

  async addWorker(args: string[] = []): Promise<JiqChild> {
    const id = `w${this.workerSeq++}`;
    const c = await spawnJiq(
      ['worker', '--dispatchers', this.addresses.join(','), '--id', id, '--log-level', 'warn', ...args],
      { timeoutMs: 20_000 },
    );
    this.workers.push(c);
    return c;
  }

  stats(includeTokens = false): Promise<DispatcherStats[]> {
    return Promise.all(this.addresses.map((a) => this.connector.stats(a, { includeTokens }, 5_000)));
  }

  /** Polls until `predicate` holds for the dispatchers' stats, or throws after timeoutMs. */
  async waitFor(predicate: (s: DispatcherStats[]) => boolean, timeoutMs = 10_000, includeTokens = false): Promise<DispatcherStats[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const s = await this.stats(includeTokens);
      if (predicate(s)) return s;
      if (Date.now() > deadline) return s;
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  async stop(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.stop(5_000)));
    await Promise.all(this.dispatchers.map((d) => d.stop(5_000)));
    await this.connector.close();
  }
}

export interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Runs `jiq <args>` to completion. */
export function runJiq(args: string[], timeoutMs = 60_000, env?: NodeJS.ProcessEnv): Promise<CliRun> {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [JIQ_BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, ms: Date.now() - started });
    });
  });
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
