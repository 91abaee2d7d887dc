// NATS and Redis for integration and e2e tests — the repo's one shared helper for external
// services (DESIGN.md, "Real components and how they start"). A test gets a server in this order:
//
//   1. NATS_URL / REDIS_URL, if set: used as is (source 'env'). No stop/kill control: a test
//      that must kill or restart the server asks for { control: true } and is skipped.
//   2. a nats-server / redis-server binary on PATH (or NATS_SERVER_BIN / REDIS_SERVER_BIN),
//      started here on a free loopback port (source 'binary'), with kill (SIGKILL) and restart
//      on the same port for fault tests. The machine's shared servers (4222, 6379) are never
//      used, stopped or flushed.
//   3. Docker through testcontainers, when a Docker engine answers (source 'container').
//   4. otherwise none: requireService() prints a loud reason and returns null so the test can
//      skip — unless JIQ_REQUIRE_SERVICES=1 (CI), where a missing service is a failure.
//
// JIQ_SERVICE_SOURCES=env,binary (a comma list of env|binary|container) restricts the sources,
// e.g. to keep Docker out of a run.
//
// Typical use:
//
//   let nats: ServiceHandle | null = null;
//   beforeAll(async () => { nats = await requireService('nats'); });
//   afterAll(async () => { await nats?.stop(); });
//   it('talks to NATS', async (ctx) => { if (!nats) return ctx.skip(); ... nats.url ... });
//
// Every server started here is stopped by stop(), by stopAllServices(), and on exit of the
// test process (also on SIGINT/SIGTERM); a watchdog kills it within a second or two if the test
// process dies hard (SIGKILL).
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import type { StartedTestContainer } from 'testcontainers';
import { freePort, LOOPBACK, RESERVED_PORTS, sleep, waitForPortClosed } from './ports';

export type ServiceName = 'nats' | 'redis';
export type ServiceSource = 'env' | 'binary' | 'container';

export interface ServiceHandle {
  readonly name: ServiceName;
  /** nats://host:port or redis://host:port (for 'env': the variable's value, as given). */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  readonly source: ServiceSource;
  /** The server's OS pid, when this process started it as a binary (benchmarks read its CPU time). */
  readonly pid?: number;
  /** Stops the server and removes its files; idempotent. A no-op for 'env' services. */
  stop(): Promise<void>;
  /**
   * Starts the server again on the same host and port (stopping it gracefully first if it is
   * running) and resolves once it accepts connections. Absent for 'env' services.
   */
  restart?(): Promise<void>;
  /** SIGKILL: resolves once the port refuses connections. Absent for 'env' services. */
  kill?(): Promise<void>;
}

/** A service the test started itself and may kill and restart. */
export interface ControllableService extends ServiceHandle {
  restart(): Promise<void>;
  kill(): Promise<void>;
}

export interface ServiceOptions {
  /** The test kills or restarts the server: NATS_URL / REDIS_URL (no control) will not do. */
  control?: boolean;
  /** How long a start or restart may take before it fails (default 20 s; containers 120 s). */
  startTimeoutMs?: number;
  /**
   * Extra server arguments (e.g. a NATS config with users, or Redis --requirepass), given the
   * server's temp dir. Only a server started here has them: NATS_URL / REDIS_URL and
   * containers will not do (like `control`).
   */
  extraArgs?: (dir: string) => string[];
}

/** The test needs a server it starts and configures itself. */
function needsOwnServer(o: ServiceOptions): boolean {
  return o.control === true || o.extraArgs !== undefined;
}

/** No server could be provided; `reasons` says what each source answered. */
export class ServiceUnavailableError extends Error {
  constructor(
    readonly service: ServiceName,
    readonly reasons: readonly string[],
  ) {
    super(`no ${service} server for this test: ${reasons.join('; ')}`);
    this.name = 'ServiceUnavailableError';
  }
}

export function isControllable(s: ServiceHandle): s is ControllableService {
  return typeof s.kill === 'function' && typeof s.restart === 'function';
}

/** JIQ_REQUIRE_SERVICES=1 (set by CI): a missing service fails the test instead of skipping it. */
export function servicesRequired(): boolean {
  const v = process.env.JIQ_REQUIRE_SERVICES;
  return v !== undefined && v !== '' && v !== '0' && v.toLowerCase() !== 'false';
}

/** The sources JIQ_SERVICE_SOURCES allows (all three when unset). */
export function allowedSources(): ReadonlySet<ServiceSource> {
  const raw = process.env.JIQ_SERVICE_SOURCES?.trim();
  const all: ServiceSource[] = ['env', 'binary', 'container'];
  if (!raw) return new Set(all);
  const picked = raw.split(',').map((x) => x.trim()).filter((x) => x !== '');
  const unknown = picked.filter((x) => !all.includes(x as ServiceSource));
  if (unknown.length > 0) {
    throw new Error(`JIQ_SERVICE_SOURCES: unknown source(s) ${unknown.join(', ')} (expected ${all.join(', ')})`);
  }
  return new Set(picked as ServiceSource[]);
}

export const getNats = (options: ServiceOptions = {}): Promise<ServiceHandle> => getService('nats', options);
export const getRedis = (options: ServiceOptions = {}): Promise<ServiceHandle> => getService('redis', options);

/**
 * A server for `name`, from the first source that has one. Each call to the binary or container
 * source starts a new server, owned by the caller (stop it in afterAll). Throws
 * ServiceUnavailableError when no source can provide one.
 */
export async function getService(name: ServiceName, options: ServiceOptions = {}): Promise<ServiceHandle> {
  const spec = SPECS[name];
  const reasons: string[] = [];
  const sources = allowedSources();
  const disabled = (source: ServiceSource): string => `the ${source} source is disabled by JIQ_SERVICE_SOURCES`;

  const envUrl = sources.has('env') ? process.env[spec.envVar]?.trim() : undefined;
  if (envUrl) {
    if (!needsOwnServer(options)) return envService(name, envUrl);
    // The external server cannot be killed or configured from here, and the user chose it on purpose.
    throw new ServiceUnavailableError(name, [
      `${spec.envVar} is set, and this test needs to kill/restart or configure the server, which it cannot do to an ` +
        `external one (unset ${spec.envVar} to let the test start its own ${spec.binary})`,
    ]);
  }
  reasons.push(sources.has('env') ? `${spec.envVar} is not set` : disabled('env'));

  if (sources.has('binary')) {
    const binary = findBinary(spec);
    if (binary) return startBinary(name, binary, options);
    reasons.push(`no ${spec.binary} on PATH (nor ${spec.binEnvVar})`);
  } else reasons.push(disabled('binary'));

  if (options.extraArgs !== undefined) reasons.push('a container cannot take this test\'s server arguments');
  else if (sources.has('container')) {
    const docker = await dockerAvailable();
    if (docker.ok) return startContainer(name, options);
    reasons.push(`no Docker engine for testcontainers (${docker.reason})`);
  } else reasons.push(disabled('container'));

  throw new ServiceUnavailableError(name, reasons);
}

/**
 * For vitest: a server, or null with a loud reason printed so the test can call ctx.skip() —
 * except under JIQ_REQUIRE_SERVICES=1, where a missing binary/Docker throws (the test fails).
 * A test that needs { control: true } while NATS_URL/REDIS_URL is set is always skipped (the
 * user chose an external server on purpose), with the reason printed.
 */
export async function requireService(name: ServiceName, options: ServiceOptions = {}): Promise<ServiceHandle | null> {
  try {
    return await getService(name, options);
  } catch (err) {
    if (!(err instanceof ServiceUnavailableError)) throw err;
    const external =
      needsOwnServer(options) && allowedSources().has('env') && Boolean(process.env[SPECS[name].envVar]?.trim());
    if (servicesRequired() && !external) {
      throw new Error(`${err.message} — and JIQ_REQUIRE_SERVICES=1, so this is a failure, not a skip`, { cause: err });
    }
    const banner = '*'.repeat(78);
    console.warn(`\n${banner}\n*** SKIPPING: ${err.message}\n${banner}\n`);
    return null;
  }
}

/** Stops every server this process started (for afterAll hooks that want a clean slate). */
export async function stopAllServices(): Promise<void> {
  await Promise.all([...live].map((s) => s.stop()));
}

// ---------------------------------------------------------------------------------------------

interface Spec {
  readonly scheme: string;
  readonly envVar: string;
  readonly binary: string;
  readonly binEnvVar: string;
  readonly defaultPort: number;
  readonly args: (port: number, dir: string) => string[];
  readonly image: string;
  readonly imageEnvVar: string;
  readonly containerPort: number;
  readonly containerCommand: string[];
  readonly readyLog: RegExp;
  /** Resolves true when the server at host:port speaks its protocol. */
  readonly ready: (host: string, port: number) => Promise<boolean>;
}

const SPECS: Record<ServiceName, Spec> = {
  nats: {
    scheme: 'nats',
    envVar: 'NATS_URL',
    binary: 'nats-server',
    binEnvVar: 'NATS_SERVER_BIN',
    defaultPort: 4222,
    args: (port, dir) => ['-a', LOOPBACK, '-p', String(port), '-js', '-sd', join(dir, 'jetstream')],
    image: 'nats:2.10-alpine',
    imageEnvVar: 'JIQ_NATS_IMAGE',
    containerPort: 4222,
    // Options only: both the scratch and the alpine images run nats-server with them.
    containerCommand: ['-js', '-sd', '/tmp/jetstream'],
    readyLog: /Server is ready/,
    // A NATS server greets every client with an INFO line.
    ready: (host, port) => exchange(host, port, null, (line) => line.startsWith('INFO ')),
  },
  redis: {
    scheme: 'redis',
    envVar: 'REDIS_URL',
    binary: 'redis-server',
    binEnvVar: 'REDIS_SERVER_BIN',
    defaultPort: 6379,
    args: (port, dir) => [
      '--bind',
      LOOPBACK,
      '--port',
      String(port),
      '--save',
      '',
      '--appendonly',
      'no',
      '--dir',
      dir,
      '--daemonize',
      'no',
    ],
    image: 'redis:7-alpine',
    imageEnvVar: 'JIQ_REDIS_IMAGE',
    containerPort: 6379,
    containerCommand: ['redis-server', '--save', '', '--appendonly', 'no'],
    readyLog: /Ready to accept connections/,
    // A server with --requirepass answers NOAUTH: it is up, and refusing as configured.
    ready: (host, port) => exchange(host, port, 'PING\r\n', (line) => line === '+PONG' || line.startsWith('-NOAUTH')),
  },
};

/** Connects, optionally sends `send`, and tests the first line the server answers. */
function exchange(host: string, port: number, send: string | null, ok: (line: string) => boolean): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    let buffer = '';
    const done = (result: boolean): void => {
      clearTimeout(timer);
      socket.removeAllListeners();
      socket.on('error', () => undefined);
      socket.destroy();
      resolve(result);
    };
    const timer = setTimeout(() => done(false), 1_000);
    socket.setEncoding('utf8');
    socket.once('connect', () => {
      if (send !== null) socket.write(send);
    });
    socket.on('data', (chunk: string) => {
      buffer += chunk;
      const end = buffer.indexOf('\r\n');
      if (end >= 0) done(ok(buffer.slice(0, end)));
      else if (buffer.length > 64 * 1024) done(false);
    });
    socket.once('error', () => done(false));
    socket.once('close', () => done(false));
  });
}

async function waitReady(spec: Spec, host: string, port: number, timeoutMs: number, alive: () => string | null): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const dead = alive();
    if (dead !== null) throw new Error(dead);
    if (await spec.ready(host, port)) return;
    if (Date.now() > deadline) throw new Error(`${spec.binary} on ${host}:${port} not ready within ${timeoutMs} ms`);
    await sleep(50);
  }
}

// --- 1. environment ----------------------------------------------------------------------------

function envService(name: ServiceName, url: string): ServiceHandle {
  const spec = SPECS[name];
  // NATS_URL may list several servers ("nats://a:4222,nats://b:4222"); host/port are the first's.
  const first = url.split(',')[0]!.trim();
  const parsed = new URL(first.includes('://') ? first : `${spec.scheme}://${first}`);
  const host = parsed.hostname.replace(/^\[(.*)\]$/, '$1') || LOOPBACK;
  const port = parsed.port ? Number(parsed.port) : spec.defaultPort;
  return { name, url, host, port, source: 'env', stop: () => Promise.resolve() };
}

// --- 2. a binary on PATH -------------------------------------------------------------------------

function findBinary(spec: Spec): string | null {
  const isExecutable = (p: string): boolean => {
    try {
      accessSync(p, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  };
  const explicit = process.env[spec.binEnvVar]?.trim();
  if (explicit) return isExecutable(explicit) ? explicit : null;
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir === '') continue;
    const candidate = join(dir, spec.binary);
    if (isExecutable(candidate)) return candidate;
  }
  return null;
}

/**
 * Runs the server under a tiny sh supervisor: it reports the server's pid, and a watchdog kills
 * the server and removes its temp dir if this (the test) process disappears without cleaning
 * up — e.g. SIGKILLed by a test-runner timeout, when no exit handler can run.
 */
const SUPERVISOR = [
  '"$@" &',
  'srv=$!',
  'echo "jiq-service-pid $srv"',
  '( while kill -0 "$JIQ_SERVICE_PARENT" 2>/dev/null; do sleep 1; done; kill -9 "$srv" 2>/dev/null;',
  '  case "$JIQ_SERVICE_DIR" in */jiq-nats-*|*/jiq-redis-*) sleep 0.2; rm -rf "$JIQ_SERVICE_DIR" ;; esac',
  ') </dev/null >/dev/null 2>&1 &',
  'watchdog=$!',
  "trap 'kill -9 \"$srv\" 2>/dev/null' TERM INT HUP",
  'wait "$srv"',
  'code=$?',
  'kill "$watchdog" 2>/dev/null',
  'exit $code',
].join('\n');

const live = new Set<{ stop(): Promise<void>; killNow(): void }>();
let exitHooksInstalled = false;

function installExitHooks(): void {
  if (exitHooksInstalled) return;
  exitHooksInstalled = true;
  process.once('exit', () => {
    for (const s of live) s.killNow();
  });
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    const onSignal = (): void => {
      for (const s of live) s.killNow();
      // If nobody else handles the signal, keep its default meaning: terminate.
      if (process.listenerCount(signal) === 1) {
        process.removeListener(signal, onSignal);
        process.kill(process.pid, signal);
      }
    };
    process.on(signal, onSignal);
  }
}

class BinaryService implements ControllableService {
  readonly source = 'binary' as const;
  readonly host = LOOPBACK;
  readonly url: string;
  private supervisor: ChildProcess | null = null;
  private serverPid = 0;
  private exited: Promise<void> = Promise.resolve();
  private stopped = false;
  private readonly log: string[] = [];

  private constructor(
    readonly name: ServiceName,
    private readonly spec: Spec,
    private readonly binary: string,
    readonly port: number,
    private readonly dir: string,
    private readonly timeoutMs: number,
    private readonly extraArgs: string[] = [],
  ) {
    this.url = `${spec.scheme}://${LOOPBACK}:${port}`;
  }

  /** Starts on a fresh free port; retries with another port if the probed one was taken. */
  static async create(name: ServiceName, binary: string, options: ServiceOptions): Promise<BinaryService> {
    const spec = SPECS[name];
    const timeoutMs = options.startTimeoutMs ?? 20_000;
    let lastError: unknown;
    for (let attempt = 0; attempt < 3; attempt++) {
      const port = await freePort();
      if (RESERVED_PORTS.has(port)) continue; // never the machine's shared services
      const dir = mkdtempSync(join(tmpdir(), `jiq-${name}-`));
      const service = new BinaryService(name, spec, binary, port, dir, timeoutMs, options.extraArgs?.(dir));
      try {
        await service.launch();
        return service;
      } catch (err) {
        lastError = err;
        await service.stop();
      }
    }
    throw lastError instanceof Error ? lastError : new Error(String(lastError));
  }

  private async launch(): Promise<void> {
    installExitHooks();
    const child = spawn('/bin/sh', ['-c', SUPERVISOR, 'jiq-service', this.binary, ...this.spec.args(this.port, this.dir), ...this.extraArgs], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, JIQ_SERVICE_PARENT: String(process.pid), JIQ_SERVICE_DIR: this.dir },
    });
    this.supervisor = child;
    this.serverPid = 0;
    live.add(this);
    let exitNote: string | null = null;
    this.exited = new Promise<void>((resolve) => {
      child.once('exit', (code, signal) => {
        exitNote = `${this.spec.binary} exited (${signal ?? `code ${code}`}) before accepting connections`;
        resolve();
      });
      child.once('error', (err) => {
        exitNote = `cannot run ${this.binary}: ${err.message}`;
        resolve();
      });
    });
    let pidLine: (pid: number) => void = () => undefined;
    const gotPid = new Promise<number>((resolve) => (pidLine = resolve));
    const record = (chunk: Buffer): void => {
      for (const line of chunk.toString('utf8').split('\n')) {
        const m = /^jiq-service-pid (\d+)/.exec(line);
        if (m) pidLine(Number(m[1]));
        else if (line.trim() !== '') this.log.push(line);
      }
      if (this.log.length > 200) this.log.splice(0, this.log.length - 200);
    };
    child.stdout?.on('data', record);
    child.stderr?.on('data', record);
    this.serverPid = await Promise.race([gotPid, this.exited.then(() => 0)]);
    try {
      await waitReady(this.spec, this.host, this.port, this.timeoutMs, () =>
        exitNote === null ? null : `${exitNote}; last output:\n${this.logTail()}`,
      );
    } catch (err) {
      throw new Error(`${this.spec.binary} on port ${this.port}: ${(err as Error).message}`, { cause: err });
    }
  }

  get pid(): number | undefined {
    return this.serverPid > 0 ? this.serverPid : undefined;
  }

  private logTail(): string {
    return this.log.slice(-15).join('\n');
  }

  private running(): boolean {
    return this.supervisor !== null && this.supervisor.exitCode === null && this.supervisor.signalCode === null;
  }

  private signal(sig: NodeJS.Signals): void {
    for (const pid of [this.serverPid, this.supervisor?.pid ?? 0]) {
      if (pid > 0) {
        try {
          process.kill(pid, sig);
        } catch {
          // already gone
        }
      }
    }
  }

  /** Synchronous last-resort cleanup (process exit). */
  killNow(): void {
    if (this.running()) this.signal('SIGKILL');
    rmSync(this.dir, { recursive: true, force: true });
  }

  async kill(): Promise<void> {
    if (this.stopped) throw new Error(`${this.name} on port ${this.port} was stopped`);
    if (this.running()) {
      // The server only: the supervisor then exits with it (a crash, as a fault test wants).
      let signalled = false;
      if (this.serverPid > 0) {
        try {
          process.kill(this.serverPid, 'SIGKILL');
          signalled = true;
        } catch {
          // already gone
        }
      }
      if (!signalled) this.signal('SIGKILL');
      await this.exited;
    }
    await waitForPortClosed(this.port, this.host, 5_000);
  }

  private async terminate(): Promise<void> {
    if (!this.running()) return;
    if (this.serverPid > 0) {
      try {
        process.kill(this.serverPid, 'SIGTERM');
      } catch {
        // already gone
      }
    } else this.signal('SIGKILL');
    const graceful = await Promise.race([this.exited.then(() => true), sleep(5_000).then(() => false)]);
    if (!graceful) {
      this.signal('SIGKILL');
      await this.exited;
    }
  }

  async restart(): Promise<void> {
    if (this.stopped) throw new Error(`${this.name} on port ${this.port} was stopped`);
    await this.terminate();
    // The port may linger for a moment; a few attempts cover it. Same port, same store dir.
    let lastError: unknown;
    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        await this.launch();
        return;
      } catch (err) {
        lastError = err;
        await this.terminate();
        await sleep(200);
      }
    }
    throw lastError instanceof Error ? lastError : new Error(String(lastError));
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    try {
      await this.terminate();
    } finally {
      live.delete(this);
      rmSync(this.dir, { recursive: true, force: true });
    }
  }
}

async function startBinary(name: ServiceName, binary: string, options: ServiceOptions): Promise<ServiceHandle> {
  return BinaryService.create(name, binary, options);
}

// --- 3. Docker through testcontainers ---------------------------------------------------------

let dockerCheck: Promise<{ ok: true } | { ok: false; reason: string }> | null = null;

/** Whether testcontainers finds a Docker engine that answers (checked once per process). */
function dockerAvailable(): Promise<{ ok: true } | { ok: false; reason: string }> {
  dockerCheck ??= (async () => {
    try {
      const { getContainerRuntimeClient } = await import('testcontainers');
      const client = await Promise.race([
        getContainerRuntimeClient(),
        new Promise<never>((_, reject) => {
          // unref: a pending timer must not keep the test process alive.
          setTimeout(() => reject(new Error('no answer within 30 s')), 30_000).unref();
        }),
      ]);
      return client ? { ok: true as const } : { ok: false as const, reason: 'no container runtime' };
    } catch (err) {
      return { ok: false as const, reason: (err as Error).message };
    }
  })();
  return dockerCheck;
}

class ContainerService implements ControllableService {
  readonly source = 'container' as const;
  readonly url: string;
  private stopped = false;

  constructor(
    readonly name: ServiceName,
    private readonly spec: Spec,
    private readonly container: StartedTestContainer,
    readonly host: string,
    readonly port: number,
    private readonly timeoutMs: number,
  ) {
    const h = host.includes(':') ? `[${host}]` : host;
    this.url = `${spec.scheme}://${h}:${port}`;
  }

  killNow(): void {
    // Nothing synchronous to do: testcontainers' reaper (Ryuk) removes the container when this
    // process goes away.
  }

  async kill(): Promise<void> {
    if (this.stopped) throw new Error(`${this.name} container was stopped`);
    const { getContainerRuntimeClient } = await import('testcontainers');
    const client = await getContainerRuntimeClient();
    try {
      await client.container.getById(this.container.getId()).kill({ signal: 'SIGKILL' });
    } catch (err) {
      // Already stopped is fine; anything else is not.
      if (!/is not running|409/.test((err as Error).message)) throw err;
    }
    await waitForPortClosed(this.port, this.host, 10_000);
  }

  async restart(): Promise<void> {
    if (this.stopped) throw new Error(`${this.name} container was stopped`);
    // docker restart keeps the fixed host-port binding chosen at creation, so the port stays.
    await this.container.restart({ timeout: 5 });
    await waitReady(this.spec, this.host, this.port, this.timeoutMs, () => null);
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    live.delete(this);
    try {
      await this.container.stop({ timeout: 5 });
    } catch {
      // Already gone (killed and reaped, or removed by hand).
    }
  }
}

async function startContainer(name: ServiceName, options: ServiceOptions): Promise<ServiceHandle> {
  const spec = SPECS[name];
  const { GenericContainer, Wait } = await import('testcontainers');
  const timeoutMs = options.startTimeoutMs ?? 120_000;
  const image = process.env[spec.imageEnvVar]?.trim() || spec.image;
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    // A fixed host port (probed here) so that restart() comes back on the same port.
    const hostPort = await freePort();
    try {
      const container = await new GenericContainer(image)
        .withCommand(spec.containerCommand)
        .withExposedPorts({ container: spec.containerPort, host: hostPort })
        .withWaitStrategy(Wait.forLogMessage(spec.readyLog))
        .withStartupTimeout(timeoutMs)
        .start();
      const service = new ContainerService(name, spec, container, container.getHost(), container.getMappedPort(spec.containerPort), timeoutMs);
      live.add(service);
      await waitReady(spec, service.host, service.port, timeoutMs, () => null);
      return service;
    } catch (err) {
      lastError = err;
    }
  }
  throw new Error(`cannot start ${image} through testcontainers: ${(lastError as Error).message}`, { cause: lastError });
}
