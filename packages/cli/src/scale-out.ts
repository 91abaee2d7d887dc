import { JiqConfigError } from '@jiq/core';
import {
  DEFAULT_CLUSTER_PREFIX,
  GrpcConnector,
  NatsConnector,
  readSecretFile,
  startNatsDispatcherServer,
  validateClusterPrefix,
  type Authorizer,
  type Connector,
  type Logger,
  type NatsCredentials,
} from '@jiq/shared';
import { Option, type Command } from 'commander';
import { parseChoice, parsePositiveInt } from './options';
import type { PeerSecurity } from './security-flags';

/** The raw scale-out flags (each also read from a JIQ_* environment variable, for compose). */
export interface RawScaleOutFlags {
  transport?: string;
  nats?: string;
  redis?: string;
  cluster?: string;
  membershipTtlMs?: number;
  metricsIntervalMs?: number;
  natsCreds?: string;
  natsUser?: string;
  natsPass?: string;
  natsPassFile?: string;
  natsTokenFile?: string;
  natsNkeySeedFile?: string;
  natsTlsCa?: string;
  natsTlsCert?: string;
  natsTlsKey?: string;
  redisTlsCa?: string;
  redisPasswordFile?: string;
}

export interface ScaleOut {
  transport: 'grpc' | 'nats';
  natsUrl: string | undefined;
  redisUrl: string | undefined;
  prefix: string;
  membershipTtlMs: number;
  /** With --redis: each process publishes its counters this often. */
  metricsIntervalMs?: number;
  /** How this process proves itself to the NATS server (and checks it, over TLS). */
  natsCredentials?: NatsCredentials;
  /** With a rediss:// URL: the CA of the Redis server's certificate. */
  redisTlsCaFile?: string;
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
    )
    // Credentials for NATS and Redis (docs/security.md). Passwords come from files or the environment.
    .addOption(new Option('--nats-creds <file>', 'NATS .creds file (user JWT + nkey seed)').env('JIQ_NATS_CREDS'))
    .addOption(new Option('--nats-user <user>', 'NATS user (password from JIQ_NATS_PASS)').env('JIQ_NATS_USER'))
    .addOption(new Option('--nats-pass <password>', 'NATS password (prefer the JIQ_NATS_PASS environment variable: argv is visible to ps)').env('JIQ_NATS_PASS'))
    .addOption(new Option('--nats-pass-file <file>', 'file holding the NATS password of --nats-user (a Docker secret)').env('JIQ_NATS_PASS_FILE'))
    .addOption(new Option('--nats-token-file <file>', 'file holding a NATS token').env('JIQ_NATS_TOKEN_FILE'))
    .addOption(new Option('--nats-nkey-seed-file <file>', 'file holding a NATS nkey seed (SU...)').env('JIQ_NATS_NKEY_SEED_FILE'))
    .addOption(new Option('--nats-tls-ca <file>', 'connect to NATS over TLS, trusting this CA (PEM)').env('JIQ_NATS_TLS_CA'))
    .addOption(new Option('--nats-tls-cert <file>', 'client certificate for a NATS server that verifies clients').env('JIQ_NATS_TLS_CERT'))
    .addOption(new Option('--nats-tls-key <file>', 'private key of --nats-tls-cert').env('JIQ_NATS_TLS_KEY'))
    .addOption(new Option('--redis-password-file <file>', 'file holding the Redis password (requirepass), put into the --redis URL').env('JIQ_REDIS_PASSWORD_FILE'))
    .addOption(new Option('--redis-tls-ca <file>', 'with a rediss:// URL: the CA of the Redis server (AUTH goes in the URL: rediss://user:pass@host:port)').env('JIQ_REDIS_TLS_CA'));
}

function natsCredentialsOf(f: RawScaleOutFlags): NatsCredentials | undefined {
  // An empty environment variable (JIQ_NATS_PASS=) counts as unset.
  const given = (v: string | undefined): string | undefined => (v === '' ? undefined : v);
  const passFile = given(f.natsPassFile);
  if (passFile !== undefined && given(f.natsPass) !== undefined) throw new JiqConfigError('--nats-pass-file', 'give the NATS password once: --nats-pass-file or JIQ_NATS_PASS, not both');
  const pass = passFile !== undefined ? readSecretFile(passFile, '--nats-pass-file') : given(f.natsPass);
  const c: NatsCredentials = {
    user: given(f.natsUser), pass, tokenFile: given(f.natsTokenFile), nkeySeedFile: given(f.natsNkeySeedFile),
    credsFile: given(f.natsCreds), tlsCaFile: given(f.natsTlsCa), tlsCertFile: given(f.natsTlsCert), tlsKeyFile: given(f.natsTlsKey),
  };
  return Object.values(c).some((v) => v !== undefined) ? c : undefined;
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
    redisUrl: withRedisPassword(f.redis, f.redisPasswordFile),
    prefix: validateClusterPrefix(f.cluster ?? DEFAULT_CLUSTER_PREFIX),
    membershipTtlMs: f.membershipTtlMs ?? 3000,
    metricsIntervalMs: f.metricsIntervalMs ?? 1000,
    natsCredentials: natsCredentialsOf(f),
    redisTlsCaFile: f.redisTlsCa,
  };
}

/**
 * The --redis URL with the password of --redis-password-file put in (as requirepass expects:
 * redis[s]://:password@host:port, or user:password@ when the URL names a user).
 */
export function withRedisPassword(url: string | undefined, file: string | undefined): string | undefined {
  if (file === undefined || file === '') return url;
  if (url === undefined) throw new JiqConfigError('--redis-password-file', 'needs --redis (or JIQ_REDIS_URL)');
  const parsed = new URL(url);
  if (parsed.password !== '') throw new JiqConfigError('--redis-password-file', 'the --redis URL already holds a password; give it once');
  parsed.password = readSecretFile(file, '--redis-password-file');
  return parsed.toString().replace(/\/$/, '');
}

/** A connector for the chosen transport (NATS: fails within ~4 s if unreachable), presenting `security`. */
export async function createConnector(s: ScaleOut, name: string, log?: Logger, o: PeerSecurity & { keepaliveMs?: number } = {}): Promise<Connector> {
  if (s.transport === 'grpc') return new GrpcConnector({ tls: o.tls, authToken: o.authToken, keepaliveMs: o.keepaliveMs });
  return NatsConnector.connect({ url: s.natsUrl!, prefix: s.prefix, name, log, credentials: s.natsCredentials, authToken: o.authToken });
}

/** The dispatcher's transport factory for --transport nats (gRPC is the dispatcher's default). */
export function natsDispatcherTransport(s: ScaleOut, log?: Logger) {
  return (handlers: Parameters<typeof startNatsDispatcherServer>[0], o: { id: string; authorize?: Authorizer }) =>
    startNatsDispatcherServer(handlers, { url: s.natsUrl!, prefix: s.prefix, id: o.id, log, credentials: s.natsCredentials, authorize: o.authorize });
}

/** Redis membership options, when --redis is given. */
export function membershipOf(s: ScaleOut): { redisUrl: string; prefix: string; ttlMs: number; metricsIntervalMs?: number; redisTlsCaFile?: string } | undefined {
  return s.redisUrl
    ? { redisUrl: s.redisUrl, prefix: s.prefix, ttlMs: s.membershipTtlMs, metricsIntervalMs: s.metricsIntervalMs, redisTlsCaFile: s.redisTlsCaFile }
    : undefined;
}
