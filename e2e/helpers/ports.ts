// Loopback port helpers for tests: free ports from a port-0 probe, and waiting for a port to
// accept (or refuse) connections.
import { connect, createServer, type Server } from 'node:net';

export const LOOPBACK = '127.0.0.1';

/**
 * Ports the machine's shared services use (NATS 4222, Redis 6379, ...). A test must never bind,
 * stop or flush these; the helpers below never hand them out.
 */
export const RESERVED_PORTS: ReadonlySet<number> = new Set([4222, 6222, 8222, 6379, 6380, 5432, 3306, 5672, 1883]);

function listen(server: Server, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      if (address === null || typeof address === 'string') reject(new Error('no TCP address from a port-0 probe'));
      else resolve(address.port);
    });
  });
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

/**
 * `count` distinct free TCP ports on `host`, from port-0 probes held open together (so they are
 * distinct). There is a window between the probe closing and the caller binding; callers that
 * spawn a server should retry on "address in use".
 */
export async function freePorts(count: number, host = LOOPBACK): Promise<number[]> {
  const servers: Server[] = [];
  const ports: number[] = [];
  try {
    while (ports.length < count) {
      const server = createServer();
      servers.push(server);
      const port = await listen(server, host);
      if (!RESERVED_PORTS.has(port)) ports.push(port);
    }
  } finally {
    await Promise.all(servers.map(close));
  }
  return ports;
}

/** One free TCP port on `host` (see freePorts). */
export async function freePort(host = LOOPBACK): Promise<number> {
  const [port] = await freePorts(1, host);
  return port!;
}

/** Whether a TCP connection to host:port succeeds within `timeoutMs`. */
export function canConnect(port: number, host = LOOPBACK, timeoutMs = 1_000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host });
    const done = (ok: boolean): void => {
      clearTimeout(timer);
      socket.removeAllListeners();
      socket.on('error', () => undefined);
      socket.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits until host:port accepts connections; throws after `timeoutMs`. */
export async function waitForPort(port: number, host = LOOPBACK, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await canConnect(port, host, 500))) {
    if (Date.now() > deadline) throw new Error(`${host}:${port} did not accept connections within ${timeoutMs} ms`);
    await sleep(50);
  }
}

/** Waits until host:port refuses connections; throws after `timeoutMs`. */
export async function waitForPortClosed(port: number, host = LOOPBACK, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (await canConnect(port, host, 500)) {
    if (Date.now() > deadline) throw new Error(`${host}:${port} still accepts connections after ${timeoutMs} ms`);
    await sleep(50);
  }
}
