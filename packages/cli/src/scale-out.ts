import { JiqConfigError } from '@jiq/core';
import {
  DEFAULT_CLUSTER_PREFIX,
  GrpcConnector,
  NatsConnector,
  startNatsDispatcherServer,
  validateClusterPrefix,
  type Connector,
  type Logger,
} from '@jiq/shared';
import { Option, type Command } from 'commander';
import { parseChoice, parsePositiveInt } from './options';

/** The raw scale-out flags (each also read from a JIQ_* environment variable, for compose). */
export interface RawScaleOutFlags {
  transport?: string;
  nats?: string;
  redis?: string;
  cluster?: string;
  membershipTtlMs?: number;
  metricsIntervalMs?: number;
}

export interface ScaleOut {
  transport: 'grpc' | 'nats';
  natsUrl: string | undefined;
  redisUrl: string | undefined;
  prefix: string;
  membershipTtlMs: number;
  /** With --redis: each process publishes its counters this often. */
  metricsIntervalMs?: number;
}

/** Adds --transport, --nats, --redis, --cluster, --membership-ttl-ms, --metrics-interval-ms (+ JIQ_* env fallbacks). */
export function addScaleOutFlags(cmd: Command, o: { transport?: boolean } = {}): Command {
  if (o.transport !== false) {
    cmd.addOption(
      new Option('--transport <name>', 'grpc | nats').env('JIQ_TRANSPORT').argParser(parseChoice('--transport', ['grpc', 'nats'] as const)).default('grpc'),
    );
  }
  return cmd
    .addOption(new Option('--nats <url>', 'NATS server URL (with --transport nats)').env('JIQ_NATS_URL'))
    .addOption(new Option('--redis <url>', 'Redis URL: membership (and metrics)').env('JIQ_REDIS_URL'))
    .addOption(new Option('--cluster <prefix>', 'cluster prefix of NATS subjects and Redis keys').env('JIQ_CLUSTER').default(DEFAULT_CLUSTER_PREFIX))
    .addOption(
      new Option('--membership-ttl-ms <ms>', 'a member that stops heartbeating expires after this')
        .env('JIQ_MEMBERSHIP_TTL_MS')
        .argParser(parsePositiveInt('--membership-ttl-ms'))
        .default(3000),
    )
    .addOption(
      new Option('--metrics-interval-ms <ms>', 'with --redis: publish this process\'s counters this often')
        .env('JIQ_METRICS_INTERVAL_MS')
        .argParser(parsePositiveInt('--metrics-interval-ms'))
        .default(1000),
    );
}

export function resolveScaleOut(f: RawScaleOutFlags): ScaleOut {
  const transport = parseChoice('--transport', ['grpc', 'nats'] as const)(f.transport ?? 'grpc');
  if (transport === 'nats' && !f.nats) throw new JiqConfigError('--nats', 'is required with --transport nats (or set JIQ_NATS_URL)');
  if (f.nats !== undefined && !/^(nats|tls|ws|wss):\/\/|^[^\s/]+:\d+/.test(f.nats)) {
    throw new JiqConfigError('--nats', 'must be a URL like nats://host:4222', f.nats);
  }
  if (f.redis !== undefined && !/^rediss?:\/\//.test(f.redis)) throw new JiqConfigError('--redis', 'must be a URL like redis://host:6379', f.redis);
  return {
    transport,
    natsUrl: f.nats,
    redisUrl: f.redis,
    prefix: validateClusterPrefix(f.cluster ?? DEFAULT_CLUSTER_PREFIX),
    membershipTtlMs: f.membershipTtlMs ?? 3000,
    metricsIntervalMs: f.metricsIntervalMs ?? 1000,
  };
}

/** A connector for the chosen transport (NATS: fails within ~4 s if unreachable). */
export async function createConnector(s: ScaleOut, name: string, log?: Logger, o: { keepaliveMs?: number } = {}): Promise<Connector> {
  if (s.transport === 'grpc') return new GrpcConnector(undefined, o.keepaliveMs);
  return NatsConnector.connect({ url: s.natsUrl!, prefix: s.prefix, name, log });
}

/** The dispatcher's transport factory for --transport nats (gRPC is the dispatcher's default). */
export function natsDispatcherTransport(s: ScaleOut, log?: Logger) {
  return (handlers: Parameters<typeof startNatsDispatcherServer>[0], o: { id: string }) =>
    startNatsDispatcherServer(handlers, { url: s.natsUrl!, prefix: s.prefix, id: o.id, log });
}

/** Redis membership options, when --redis is given. */
export function membershipOf(s: ScaleOut): { redisUrl: string; prefix: string; ttlMs: number; metricsIntervalMs?: number } | undefined {
  return s.redisUrl ? { redisUrl: s.redisUrl, prefix: s.prefix, ttlMs: s.membershipTtlMs, metricsIntervalMs: s.metricsIntervalMs } : undefined;
}
