import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { execFileSync } from 'node:child_process';

/**
 * NATS and Redis for the scale-out tests: NATS_URL / REDIS_URL if set, else nats-server /
 * redis-server from PATH on a free loopback port (never the machine's shared 4222/6379).
 * Without either: `skipReason` says why, and under JIQ_REQUIRE_SERVICES=1 that is a failure.
 * (A stop-gap until the shared e2e/helpers/services.ts lands; same order minus testcontainers.)
 */
export interface LocalService {
  url: string;
  stop(): Promise<void>;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

function onPath(bin: string): boolean {
  try {
    execFileSync('which', [bin], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export function servicesSkipReason(): string | undefined {
  const missing = [
    !process.env.NATS_URL && !onPath('nats-server') ? 'nats-server (or NATS_URL)' : undefined,
    !process.env.REDIS_URL && !onPath('redis-server') ? 'redis-server (or REDIS_URL)' : undefined,
  ].filter(Boolean);
  if (missing.length === 0) return undefined;
  const reason = `SKIPPING scale-out tests: ${missing.join(', ')} not available`;
  if (process.env.JIQ_REQUIRE_SERVICES === '1') throw new Error(`${reason} and JIQ_REQUIRE_SERVICES=1`);
  process.stderr.write(`\n*** ${reason} ***\n\n`);
  return reason;
}

async function waitPort(port: number, child: ChildProcess): Promise<void> {
  const { connect } = await import('node:net');
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`service exited with ${child.exitCode}`);
    const ok = await new Promise<boolean>((resolve) => {
      const sock = connect(port, '127.0.0.1');
      sock.once('connect', () => {
        sock.destroy();
        resolve(true);
      });
      sock.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`service on port ${port} did not start`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function local(bin: string, args: (port: number) => string[], scheme: string): Promise<LocalService> {
  return (async () => {
    const port = await freePort();
    const child = spawn(bin, args(port), { stdio: 'ignore' });
    await waitPort(port, child);
    return {
      url: `${scheme}://127.0.0.1:${port}`,
      stop: async () => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGKILL');
        await exited;
      },
    };
  })();
}

export function startNats(): Promise<LocalService> {
  if (process.env.NATS_URL) return Promise.resolve({ url: process.env.NATS_URL, stop: async () => undefined });
  return local('nats-server', (p) => ['-a', '127.0.0.1', '-p', String(p)], 'nats');
}

export function startRedis(): Promise<LocalService> {
  if (process.env.REDIS_URL) return Promise.resolve({ url: process.env.REDIS_URL, stop: async () => undefined });
  return local('redis-server', (p) => ['--bind', '127.0.0.1', '--port', String(p), '--save', '', '--appendonly', 'no'], 'redis');
}
