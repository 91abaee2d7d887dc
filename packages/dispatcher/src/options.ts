import { JiqConfigError, resolvePolicyConfig, type DispatchPolicyName, type PolicyConfig, type TokenSelectionName } from '@jiq/core';
import { type Authorizer, type DispatcherHandlers, type DispatcherServer, type Logger, type TlsServerConfig } from '@jiq/shared';
import type { DispatcherAuthOptions } from './auth-guard';

/** The policy names of @jiq/core's registries (checked against them at start). */
export type { DispatchPolicyName, TokenSelectionName };

/** Starts serving a dispatcher over some transport (gRPC by default; NATS plugs in here). */
export type DispatcherTransportFactory = (
  handlers: DispatcherHandlers,
  options: {
    id: string;
    host: string;
    port: number;
    maxMessageBytes: number;
    /** Admission of streams and Stats calls; undefined when auth is off. */
    authorize?: Authorizer;
  },
) => Promise<DispatcherServer>;

export interface DispatcherOptions {
  /** Unique id (default: "dispatcher-<pid>-<random>"). */
  id?: string;
  /** Interface to listen on (gRPC). Default 127.0.0.1. */
  host?: string;
  /** Port (gRPC); 0 picks a free one. Default 0. */
  port?: number;
  /**
   * Dispatch policy, by the simulator's names: jiq | jiq-pod | random | round-robin | jsq |
   * jsq-d | jfsq (see `jiq policies`). Default "jiq".
   */
  policy?: DispatchPolicyName;
  /** Token selection (token policies): "fcfs" (oldest), "lcfs" (newest), "fastest". Default "fcfs". */
  select?: TokenSelectionName;
  /** Servers probed per job by jsq-d (default 2). */
  d?: number;
  /** Servers probed by jiq-pod's fallback when the I-queue is empty (default 2). */
  fallbackD?: number;
  /** A server probe unanswered after this counts as an infinitely long queue. Default 1000 ms. */
  probeTimeoutMs?: number;
  /** Payloads above this are refused with INVALID_ARGUMENT. Default 4 MiB. */
  maxPayloadBytes?: number;
  /** Seed of the dispatcher's random choices (fallback, ties). Default: random. */
  seed?: number;
  /** Dispatch attempts per job when workers are lost mid-job. Default 3. */
  maxAttempts?: number;
  /** How long a job may wait for a first live worker before UNAVAILABLE. Default 5000 ms. */
  noWorkerWaitMs?: number;
  /** Replies of completed idempotent jobs kept for deduplication. Default 10000. */
  idempotencyCacheSize?: number;
  /** How long close() waits for in-flight jobs. Default 30000 ms. */
  drainTimeoutMs?: number;
  /** Largest `slots` a worker may announce in its hello. Default 64. */
  maxSlotsPerWorker?: number;
  /** Shared secrets workers and clients must present (default: none, everyone is served). */
  auth?: DispatcherAuthOptions;
  /** Serve gRPC over TLS (mTLS with a clientCa). Default: plaintext. */
  tls?: TlsServerConfig;
  /**
   * A worker must answer an assignment within this, else the job is re-dispatched (within
   * maxAttempts) and then fails with DEADLINE_EXCEEDED; 0 = never. A job's own timeoutMs wins.
   * Default 60000 ms.
   */
  jobTimeoutMs?: number;
  /** A worker that times out this many jobs in a row is dropped. Default 3. */
  maxWorkerTimeouts?: number;
  /** Jobs assigned or waiting at once; beyond, RESOURCE_EXHAUSTED. Default 100000. */
  maxInFlight?: number;
  /** Jobs waiting for a first live worker at once; beyond, RESOURCE_EXHAUSTED. Default 10000. */
  maxParked?: number;
  /** Client and worker streams at once; beyond, new ones are closed. Default 10000. */
  maxStreams?: number;
  /** Where jiq logs (pino). Default: silent. */
  logger?: Logger;
  transport?: DispatcherTransportFactory;
  /** Serve GET /metrics (Prometheus), /healthz and /readyz on this port (0 = a free one). Off by default. */
  metrics?: MetricsEndpointOptions;
  /** Redis membership: register this dispatcher, and drop workers that leave or expire. */
  membership?: DispatcherMembershipOptions;
}

export interface MetricsEndpointOptions {
  port: number;
  /** Default: the dispatcher's own `host`. */
  host?: string;
}

export interface DispatcherMembershipOptions {
  redisUrl: string;
  /** Cluster prefix of the Redis keys. */
  prefix: string;
  /** A member that stops heartbeating expires after this. Default 3000 ms. */
  ttlMs?: number;
  /** The dispatcher's counters are published to Redis this often. Default 1000 ms. */
  metricsIntervalMs?: number;
  /** With a rediss:// URL: the CA of the Redis server's certificate (PEM file). */
  redisTlsCaFile?: string;
}

type OptionalParts = 'logger' | 'transport' | 'membership' | 'metrics' | 'auth' | 'tls';
export type ResolvedDispatcherOptions = Required<Omit<DispatcherOptions, OptionalParts | 'policy' | 'select' | 'd' | 'fallbackD'>> &
  Pick<DispatcherOptions, OptionalParts> & { policy: PolicyConfig };

function integer(field: string, value: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new JiqConfigError(field, `must be an integer in [${min}, ${max}]`, value);
  }
  return value;
}

export function resolveDispatcherOptions(o: DispatcherOptions): ResolvedDispatcherOptions {
  if ((o as { fallback?: unknown }).fallback !== undefined) {
    throw new JiqConfigError('fallback', 'was replaced by policy: "jiq" (random fallback) or "jiq-pod" (power of d)', (o as { fallback?: unknown }).fallback);
  }
  // The dispatcher's part of the policy; the workers' part (d, probe, withdraw) is theirs.
  const policy = resolvePolicyConfig({ policy: o.policy, select: o.select, d: o.d, fallbackD: o.fallbackD });
  const id = o.id ?? `dispatcher-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  if (id === '' || id.length > 256 || /[\s*>.]/.test(id)) {
    throw new JiqConfigError('id', 'must be 1-256 characters without whitespace, ".", "*" or ">"', id);
  }
  return {
    id,
    host: o.host ?? '127.0.0.1',
    port: integer('port', o.port ?? 0, 0, 65535),
    policy,
    probeTimeoutMs: integer('probeTimeoutMs', o.probeTimeoutMs ?? 1_000, 1),
    maxPayloadBytes: integer('maxPayloadBytes', o.maxPayloadBytes ?? 4 * 1024 * 1024, 1, 512 * 1024 * 1024),
    seed: integer('seed', o.seed ?? Math.floor(Math.random() * 2 ** 32), 0, 2 ** 32 - 1),
    maxAttempts: integer('maxAttempts', o.maxAttempts ?? 3, 1, 100),
    noWorkerWaitMs: integer('noWorkerWaitMs', o.noWorkerWaitMs ?? 5_000, 0),
    idempotencyCacheSize: integer('idempotencyCacheSize', o.idempotencyCacheSize ?? 10_000, 0),
    drainTimeoutMs: integer('drainTimeoutMs', o.drainTimeoutMs ?? 30_000, 0),
    maxSlotsPerWorker: integer('maxSlotsPerWorker', o.maxSlotsPerWorker ?? 64, 1, 1_000_000),
    auth: o.auth,
    tls: o.tls,
    jobTimeoutMs: integer('jobTimeoutMs', o.jobTimeoutMs ?? 60_000, 0, 2 ** 31 - 1),
    maxWorkerTimeouts: integer('maxWorkerTimeouts', o.maxWorkerTimeouts ?? 3, 1, 1_000_000),
    maxInFlight: integer('maxInFlight', o.maxInFlight ?? 100_000, 1),
    maxParked: integer('maxParked', o.maxParked ?? 10_000, 0),
    maxStreams: integer('maxStreams', o.maxStreams ?? 10_000, 1),
    logger: o.logger,
    transport: o.transport,
    membership: o.membership,
    metrics: o.metrics && { ...o.metrics, port: integer('metrics.port', o.metrics.port, 0, 65535) },
  };
}
