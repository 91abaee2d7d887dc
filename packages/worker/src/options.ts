import { JiqConfigError, probeModes, type ProbeMode } from '@jiq/core';
import { validateLinkSecurity, type BackoffPolicy, type Connector, type Logger, type TlsClientConfig } from '@jiq/shared';

/** What a handler gets for one job. */
export interface JobContext {
  readonly id: string;
  readonly payload: Uint8Array;
  /** Size hint in units of the mean job size (0 if none). */
  readonly size: number;
  readonly slot: number;
  readonly workerId: string;
}

/** Runs one job; the returned bytes (or string, UTF-8) are the result. Throwing fails the job. */
export type JobHandler = (job: JobContext) => Promise<Uint8Array | string | void> | Uint8Array | string | void;

export type TokenMode = 'one' | 'multi';

export interface WorkerMembershipOptions {
  redisUrl: string;
  /** Cluster prefix of the Redis keys. */
  prefix: string;
  /** A member that stops heartbeating expires after this. Default 3000 ms. */
  ttlMs?: number;
  /** The worker's counters are published to Redis this often. Default 1000 ms. */
  metricsIntervalMs?: number;
  /** With a rediss:// URL: the CA of the Redis server's certificate (PEM file). */
  redisTlsCaFile?: string;
}

export interface WorkerOptions {
  /** Dispatcher addresses (host:port for gRPC, dispatcher ids for NATS); may be empty with `membership`. */
  dispatchers: string[];
  /** Redis membership: register this worker, and learn the live dispatchers (joins and leaves). */
  membership?: WorkerMembershipOptions;
  id?: string;
  /** Servers hosted by this process, each FIFO with one job in service and its own token. Default 1. */
  slots?: number;
  /** Dispatchers probed by an idle server (JIQ-SQ(d)); 1 = JIQ-Random. Default 1. */
  d?: number;
  /** Probe d distinct dispatchers, or d draws with replacement. Default "distinct". */
  probe?: ProbeMode;
  /** Withdraw a held token when a job comes from elsewhere. Default true. */
  withdraw?: boolean;
  /**
   * "one": at most one outstanding token per server (the paper's model). "multi": place a
   * token on every idle transition, even with one outstanding. Default "one".
   */
  tokens?: TokenMode;
  /** User job handler. Without one, jobs are synthetic: served for size x meanServiceMs. */
  handler?: JobHandler;
  /** Synthetic service time of a size-1 job, in ms. Default 50. */
  meanServiceMs?: number;
  /** Relative speed of this worker's servers (synthetic jobs run size x mean / speed). Default 1. */
  speed?: number;
  seed?: number;
  /** Each dispatcher must answer within this at start. Default 5000 ms. */
  connectTimeoutMs?: number;
  /** A probe unanswered after this counts as an infinitely long I-queue. Default 1000 ms. */
  probeTimeoutMs?: number;
  /** How long close() waits for running and queued jobs. Default 30000 ms. */
  drainTimeoutMs?: number;
  backoff?: BackoffPolicy;
  /** The shared secret presented to dispatchers (gRPC; over NATS give it to NatsConnector.connect). */
  auth?: { token: string };
  /** Connect to dispatchers over TLS (gRPC). */
  tls?: TlsClientConfig;
  /** A ready transport (then auth and tls belong to it). Default: gRPC with `auth` and `tls`. */
  connector?: Connector;
  /** Where jiq logs (pino). Default: silent. */
  logger?: Logger;
  /** Serve GET /metrics (Prometheus), /healthz and /readyz. Off by default. */
  metrics?: { port: number; /** Default 127.0.0.1. */ host?: string };
}

function integer(field: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new JiqConfigError(field, `must be an integer in [${min}, ${max}]`, value);
  }
  return value;
}

function positive(field: string, value: number): number {
  if (!(Number.isFinite(value) && value > 0)) throw new JiqConfigError(field, 'must be a finite number > 0', value);
  return value;
}

export function validateWorkerOptions(o: WorkerOptions): void {
  if (!Array.isArray(o.dispatchers) || (o.dispatchers.length === 0 && !o.membership)) {
    throw new JiqConfigError('dispatchers', 'at least one dispatcher address is required', o.dispatchers);
  }
  if (new Set(o.dispatchers).size !== o.dispatchers.length) {
    throw new JiqConfigError('dispatchers', 'addresses must be distinct', o.dispatchers);
  }
  integer('slots', o.slots ?? 1, 1, 1024);
  const d = integer('d', o.d ?? 1, 1, 1_000_000);
  const probe = o.probe ?? 'distinct';
  if (!probeModes.get(probe)) throw new JiqConfigError('probe', `must be one of ${probeModes.names().join(' | ')}`, probe);
  if (probe === 'distinct' && d > o.dispatchers.length && !o.membership) {
    throw new JiqConfigError('d', `must be <= the number of dispatchers (${o.dispatchers.length}) when probing distinct dispatchers`, d);
  }
  if (o.tokens !== undefined && o.tokens !== 'one' && o.tokens !== 'multi') {
    throw new JiqConfigError('tokens', 'must be "one" or "multi"', o.tokens);
  }
  if (o.tokens === 'multi' && (o.withdraw ?? true)) {
    throw new JiqConfigError('tokens', '"multi" is a no-withdrawal variant; set withdraw: false', o.tokens);
  }
  positive('meanServiceMs', o.meanServiceMs ?? 50);
  positive('speed', o.speed ?? 1);
  positive('connectTimeoutMs', o.connectTimeoutMs ?? 5_000);
  positive('probeTimeoutMs', o.probeTimeoutMs ?? 1_000);
  if (o.handler !== undefined && typeof o.handler !== 'function') {
    throw new JiqConfigError('handler', 'must be a function', typeof o.handler);
  }
  if (o.seed !== undefined) integer('seed', o.seed, 0, 2 ** 32 - 1);
  if (o.metrics !== undefined) integer('metrics.port', o.metrics.port, 0, 65535);
  validateLinkSecurity(o);
}

