// The shared service helper itself: servers started from binaries on non-default loopback
// ports, real clients talking to them, kill → the port refuses connections, restart → back on
// the same port, stop → the process is gone and its files removed.
import { existsSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { Redis } from 'ioredis';
import { connect as natsConnect, StringCodec } from 'nats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canConnect, freePorts, RESERVED_PORTS } from './helpers/ports';
import {
  getService,
  isControllable,
  requireService,
  ServiceUnavailableError,
  stopAllServices,
  type ServiceHandle,
  type ServiceName,
} from './helpers/services';

/** Temp dirs the helper created for `name` (jiq-nats-*, jiq-redis-*). */
function tempDirs(name: ServiceName): Set<string> {
  return new Set(readdirSync(tmpdir()).filter((d) => d.startsWith(`jiq-${name}-`)));
}

/** Whether a process with this pid exists (signal 0 probes without signalling). */
function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Pids of processes listening on `port`, from /proc (Linux), to check the process is gone. */
function listenerPids(port: number): number[] {
  const hex = port.toString(16).toUpperCase().padStart(4, '0');
  const inodes = new Set<string>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    if (!existsSync(table)) continue;
    for (const line of readFileLines(table).slice(1)) {
      const cols = line.trim().split(/\s+/);
      // local_address is col 1 (ip:port), st col 3 (0A = LISTEN), inode col 9.
      if (cols[1]?.endsWith(`:${hex}`) && cols[3] === '0A' && cols[9]) inodes.add(cols[9]);
    }
  }
  if (inodes.size === 0) return [];
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      for (const fd of readdirSync(`/proc/${entry}/fd`)) {
        const m = /^socket:\[(\d+)\]$/.exec(readLink(`/proc/${entry}/fd/${fd}`));
        if (m && inodes.has(m[1]!)) pids.push(Number(entry));
      }
    } catch {
      // not ours to read, or gone
    }
  }
  return pids;
}

function readFileLines(path: string): string[] {
  return readFileSync(path, 'utf8').split('\n');
}
function readLink(path: string): string {
  try {
    return readlinkSync(path);
  } catch {
    return '';
  }
}

async function natsRoundTrip(url: string): Promise<string> {
  const nc = await natsConnect({ servers: url, reconnect: false, timeout: 5_000 });
  try {
    const sc = StringCodec();
    const sub = nc.subscribe('jiq.test.echo', { max: 1 });
    void (async () => {
      for await (const m of sub) m.respond(sc.encode(`echo:${sc.decode(m.data)}`));
    })();
    const reply = await nc.request('jiq.test.echo', sc.encode('ping'), { timeout: 5_000 });
    return sc.decode(reply.data);
  } finally {
    await nc.close();
  }
}

async function redisRoundTrip(url: string, value: string): Promise<string | null> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => null });
  redis.on('error', () => undefined); // connect() rejects with the same error
  try {
    await redis.connect();
    await redis.set('jiq:test:key', value);
    return await redis.get('jiq:test:key');
  } finally {
    redis.disconnect();
  }
}

describe('ports helper', () => {
  it('hands out distinct free loopback ports, never the shared services', async () => {
    const ports = await freePorts(5);
    expect(new Set(ports).size).toBe(5);
    for (const p of ports) {
      expect(RESERVED_PORTS.has(p)).toBe(false);
      expect(await canConnect(p)).toBe(false);
    }
  });
});

describe.each(['nats', 'redis'] as const)('%s from the binary on PATH', (name) => {
  let svc: ServiceHandle | null = null;
  const before = tempDirs(name);

  beforeAll(async () => {
    svc = await requireService(name, { control: true });
  });
  afterAll(async () => {
    await svc?.stop();
  });

  it('starts on a free non-default loopback port, and a real client talks to it', async (ctx) => {
    if (!svc) return ctx.skip();
    if (svc.source !== 'binary') return ctx.skip(`${name} comes from ${svc.source}, not a binary`);
    expect(svc.host).toBe('127.0.0.1');
    expect(svc.port).not.toBe(name === 'nats' ? 4222 : 6379);
    expect(RESERVED_PORTS.has(svc.port)).toBe(false);
    expect(svc.url).toBe(`${name}://127.0.0.1:${svc.port}`);
    if (name === 'nats') {
      expect(await natsRoundTrip(svc.url)).toBe('echo:ping');
      // JetStream is on (-js): the account info request answers.
      const nc = await natsConnect({ servers: svc.url, reconnect: false });
      try {
        const jsm = await nc.jetstreamManager();
        const info = await jsm.getAccountInfo();
        expect(info.limits).toBeDefined();
      } finally {
        await nc.close();
      }
    } else {
      expect(await redisRoundTrip(svc.url, 'hello')).toBe('hello');
      // Persistence is off (--save "" --appendonly no).
      const redis = new Redis(svc.url, { maxRetriesPerRequest: 1 });
      try {
        expect(await redis.config('GET', 'save')).toEqual(['save', '']);
        expect(await redis.config('GET', 'appendonly')).toEqual(['appendonly', 'no']);
      } finally {
        redis.disconnect();
      }
    }
    // Exactly one process (the server) listens on the port.
    expect(listenerPids(svc.port)).toHaveLength(1);
  });

  it('kill makes the port refuse connections; restart brings it back on the same port', async (ctx) => {
    if (!svc) return ctx.skip();
    if (!isControllable(svc)) return ctx.skip(`${name} from ${svc.source} cannot be killed`);
    const port = svc.port;
    const [pid] = listenerPids(port);
    expect(pid).toBeDefined();

    await svc.kill();
    expect(await canConnect(port)).toBe(false);
    expect(pidAlive(pid!)).toBe(false);
    if (name === 'redis') await expect(redisRoundTrip(svc.url, 'x')).rejects.toThrow();
    else await expect(natsRoundTrip(svc.url)).rejects.toThrow();

    await svc.restart();
    expect(svc.port).toBe(port);
    expect(await canConnect(port)).toBe(true);
    const [newPid] = listenerPids(port);
    expect(newPid).toBeDefined();
    expect(newPid).not.toBe(pid);
    if (name === 'redis') expect(await redisRoundTrip(svc.url, 'after restart')).toBe('after restart');
    else expect(await natsRoundTrip(svc.url)).toBe('echo:ping');

    // A restart of a running server (graceful stop, start) also keeps the port.
    await svc.restart();
    expect(await canConnect(port)).toBe(true);
  });

  it('stop ends the process, frees the port and removes its temp dir; stop is idempotent', async (ctx) => {
    if (!svc) return ctx.skip();
    if (svc.source !== 'binary') return ctx.skip(`${name} comes from ${svc.source}, not a binary`);
    const port = svc.port;
    const [pid] = listenerPids(port);
    expect(pid).toBeDefined();
    const mine = [...tempDirs(name)].filter((d) => !before.has(d));
    expect(mine.length).toBeGreaterThanOrEqual(1);

    await svc.stop();
    await svc.stop();
    expect(pidAlive(pid!)).toBe(false);
    expect(await canConnect(port)).toBe(false);
    expect(listenerPids(port)).toEqual([]);
    const left = [...tempDirs(name)].filter((d) => mine.includes(d));
    expect(left).toEqual([]);
    if (isControllable(svc)) await expect(svc.restart()).rejects.toThrow(/stopped/);
  });
});

describe('several servers and the source order', () => {
  it('each call starts its own server; stopAllServices stops them all', async (ctx) => {
    if (process.env.NATS_URL || process.env.REDIS_URL) return ctx.skip('NATS_URL/REDIS_URL set: no servers are started');
    const a = await requireService('redis');
    const b = await requireService('redis');
    const c = await requireService('nats');
    if (!a || !b || !c) return ctx.skip();
    expect(new Set([a.port, b.port, c.port]).size).toBe(3);
    await stopAllServices();
    for (const s of [a, b, c]) expect(await canConnect(s.port)).toBe(false);
  });

  it('NATS_URL / REDIS_URL come first and have no kill control; { control: true } refuses them', async () => {
    const saved = { nats: process.env.NATS_URL, redis: process.env.REDIS_URL, req: process.env.JIQ_REQUIRE_SERVICES };
    // An unused port: nothing is contacted, the helper only parses the URL.
    const [port] = await freePorts(1);
    try {
      process.env.NATS_URL = `nats://localhost:${port},nats://other:4223`;
      process.env.REDIS_URL = `redis://127.0.0.1:${port}/2`;
      const nats = await getService('nats');
      expect(nats).toMatchObject({ source: 'env', host: 'localhost', port, url: process.env.NATS_URL });
      expect(isControllable(nats)).toBe(false);
      expect(nats.kill).toBeUndefined();
      await nats.stop(); // a no-op
      const redis = await getService('redis');
      expect(redis).toMatchObject({ source: 'env', host: '127.0.0.1', port, url: `redis://127.0.0.1:${port}/2` });

      await expect(getService('redis', { control: true })).rejects.toBeInstanceOf(ServiceUnavailableError);
      // A fault test is skipped (null), even under JIQ_REQUIRE_SERVICES=1: the user chose the server.
      process.env.JIQ_REQUIRE_SERVICES = '1';
      expect(await requireService('nats', { control: true })).toBeNull();

      process.env.NATS_URL = 'localhost';
      expect(await getService('nats')).toMatchObject({ host: 'localhost', port: 4222 });
    } finally {
      restoreEnv('NATS_URL', saved.nats);
      restoreEnv('REDIS_URL', saved.redis);
      restoreEnv('JIQ_REQUIRE_SERVICES', saved.req);
    }
  });

  it('with no env, no binary and no Docker: skip (null) normally, a failure under JIQ_REQUIRE_SERVICES=1', async () => {
    const saved = {
      path: process.env.PATH,
      nats: process.env.NATS_URL,
      bin: process.env.NATS_SERVER_BIN,
      req: process.env.JIQ_REQUIRE_SERVICES,
      sources: process.env.JIQ_SERVICE_SOURCES,
    };
    try {
      delete process.env.NATS_URL;
      delete process.env.NATS_SERVER_BIN;
      process.env.PATH = '/nonexistent';
      // Docker off, so that the result is the same on machines that have it.
      process.env.JIQ_SERVICE_SOURCES = 'env,binary';
      delete process.env.JIQ_REQUIRE_SERVICES;
      let err: unknown;
      try {
        await getService('nats');
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(ServiceUnavailableError);
      const reasons = (err as ServiceUnavailableError).reasons.join('\n');
      expect(reasons).toMatch(/NATS_URL is not set/);
      expect(reasons).toMatch(/no nats-server on PATH/);
      expect(reasons).toMatch(/container source is disabled/);

      expect(await requireService('nats')).toBeNull();
      process.env.JIQ_REQUIRE_SERVICES = '1';
      await expect(requireService('nats')).rejects.toThrow(/JIQ_REQUIRE_SERVICES=1/);
    } finally {
      restoreEnv('PATH', saved.path);
      restoreEnv('NATS_URL', saved.nats);
      restoreEnv('NATS_SERVER_BIN', saved.bin);
      restoreEnv('JIQ_REQUIRE_SERVICES', saved.req);
      restoreEnv('JIQ_SERVICE_SOURCES', saved.sources);
    }
  });
});

function restoreEnv(key: string, value: string | undefined): void {
  if (value === undefined) delete process.env[key];
  else process.env[key] = value;
}
