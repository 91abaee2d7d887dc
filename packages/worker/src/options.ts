import { JiqConfigError, resolvePolicyConfig, type ProbeMode, type TokenRule } from '@jiq/core';
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
  /**
   * The cluster's dispatch policy (see `jiq policies`): the worker places tokens only for the
   * token policies (jiq, jiq-pod). Default "jiq".
   */
  policy?: string;
  /** Dispatchers probed by an idle server (JIQ-SQ(d)); 1 = JIQ-Random. Default 1. */
  d?: number;
  /** Probe d distinct dispatchers, or d draws with replacement. Default "distinct". */
  probe?: ProbeMode;
  /** Withdraw a held token when a job comes from elsewhere. Default false (as the simulator). */
  withdraw?: boolean;
  /**
   * "one": at most one outstanding token per server (the paper's model). "multi": place a
   * token on every idle transition, even with one outstanding. Default "one".
   */
  tokens?: TokenRule;
  /** User job handler. Without one, jobs are synthetic: served for size x meanServiceMs. */
  handler?: JobHandler;
  /** Synthetic service time of a size-1 job, in ms. Default 50. */
  meanServiceMs?: number;
  /**
   * Relative speed of this worker's servers (synthetic jobs run size x mean / speed): one
   * number for every slot, or one per slot (cycled). Default 1.
   */
  speed?: number | readonly number[];
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
  integer('d', o.d ?? 1, 1, 1_000_000);
  if (o.tokens !== undefined && typeof o.tokens !== 'string') throw new JiqConfigError('tokens', 'must be "one" or "multi"', o.tokens);
  // The one policy validation of @jiq/core (the simulator's and the CLI's).
  resolvePolicyConfig(
    { policy: o.policy, d: o.d, probe: o.probe, tokens: o.tokens, withdraw: o.withdraw },
    { m: o.membership ? undefined : o.dispatchers.length },
  );
  positive('meanServiceMs', o.meanServiceMs ?? 50);
  const speeds = typeof o.speed === 'number' || o.speed === undefined ? [o.speed ?? 1] : o.speed;
  if (!Array.isArray(speeds) || speeds.length === 0) throw new JiqConfigError('speed', 'must be a number > 0 or a non-empty list of them', o.speed);
  for (const v of speeds) positive('speed', v);
  positive('connectTimeoutMs', o.connectTimeoutMs ?? 5_000);
  positive('probeTimeoutMs', o.probeTimeoutMs ?? 1_000);
  if (o.handler !== undefined && typeof o.handler !== 'function') {
    throw new JiqConfigError('handler', 'must be a function', typeof o.handler);
  }
  if (o.seed !== undefined) integer('seed', o.seed, 0, 2 ** 32 - 1);
  if (o.metrics !== undefined) integer('metrics.port', o.metrics.port, 0, 65535);
  validateLinkSecurity(o);
}

/** The speed of each of `slots` slots: one number for all, or a list cycled over them. */
export function slotSpeeds(speed: number | readonly number[] | undefined, slots: number): number[] {
  const list = typeof speed === 'number' || speed === undefined ? [speed ?? 1] : speed;
  return Array.from({ length: slots }, (_, i) => list[i % list.length]!);
}
