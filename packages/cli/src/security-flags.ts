import { JiqConfigError } from '@jiq/core';
import {
  AuthSecret,
  readSecretFile,
  readTlsClientFiles,
  readTlsServerFiles,
  type TlsClientConfig,
  type TlsServerConfig,
} from '@jiq/shared';
import { Option, type Command } from 'commander';

/**
 * Auth and TLS flags of the long-running commands. Secrets come from files or the environment,
 * never from argv (which any local user can read with ps).
 */
export interface RawSecurityFlags {
  authTokenFile?: string;
  workerTokenFile?: string;
  clientTokenFile?: string;
  tlsCert?: string;
  tlsKey?: string;
  tlsClientCa?: string;
  tlsCa?: string;
  tlsClientCert?: string;
  tlsClientKey?: string;
}

/** The environment variable holding the shared secret itself (what `jiq cluster` gives its children). */
export const AUTH_TOKEN_ENV = 'JIQ_AUTH_TOKEN';

const tokenFileOption = (): Option =>
  new Option('--auth-token-file <file>', `file holding the shared secret workers and clients present (or set ${AUTH_TOKEN_ENV} to the secret itself)`)
    .env('JIQ_AUTH_TOKEN_FILE');

/** --auth-token-file alone (`jiq cluster`: without it, each run makes a fresh secret). */
export function addAuthTokenFlag(cmd: Command): Command {
  return cmd.addOption(tokenFileOption());
}

/** --auth-token-file, --worker-token-file, --client-token-file, --tls-cert, --tls-key, --tls-client-ca. */
export function addDispatcherSecurityFlags(cmd: Command): Command {
  return cmd
    .addOption(tokenFileOption())
    .addOption(new Option('--worker-token-file <file>', 'a separate secret for workers').env('JIQ_WORKER_TOKEN_FILE'))
    .addOption(new Option('--client-token-file <file>', 'a separate secret for clients and stats callers').env('JIQ_CLIENT_TOKEN_FILE'))
    .addOption(new Option('--tls-cert <file>', 'serve gRPC over TLS with this certificate (PEM)').env('JIQ_TLS_CERT'))
    .addOption(new Option('--tls-key <file>', 'private key of --tls-cert (PEM)').env('JIQ_TLS_KEY'))
    .addOption(new Option('--tls-client-ca <file>', 'mTLS: require client certificates signed by this CA').env('JIQ_TLS_CLIENT_CA'));
}

/** --auth-token-file, --tls-ca, --tls-client-cert, --tls-client-key (workers, load, cluster runner). */
export function addPeerSecurityFlags(cmd: Command): Command {
  return cmd
    .addOption(tokenFileOption())
    .addOption(new Option('--tls-ca <file>', 'connect to dispatchers over TLS, trusting this CA (PEM)').env('JIQ_TLS_CA'))
    .addOption(new Option('--tls-client-cert <file>', 'mTLS: this process\'s certificate (PEM)').env('JIQ_TLS_CLIENT_CERT'))
    .addOption(new Option('--tls-client-key <file>', 'mTLS: private key of --tls-client-cert (PEM)').env('JIQ_TLS_CLIENT_KEY'));
}

function secretFrom(file: string | undefined, field: string): string | undefined {
  if (file === undefined || file === '') return undefined;
  const secret = readSecretFile(file, field);
  AuthSecret.of(secret, field);
  return secret;
}

/** The shared secret from --auth-token-file, else JIQ_AUTH_TOKEN, else none. */
export function sharedToken(f: RawSecurityFlags, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const fromFile = secretFrom(f.authTokenFile, '--auth-token-file');
  if (fromFile !== undefined) return fromFile;
  const fromEnv = env[AUTH_TOKEN_ENV]?.trim();
  if (fromEnv === undefined || fromEnv === '') return undefined;
  AuthSecret.of(fromEnv, AUTH_TOKEN_ENV);
  return fromEnv;
}

export interface DispatcherSecurity {
  auth?: { token?: string; workerToken?: string; clientToken?: string };
  tls?: TlsServerConfig;
}

export function resolveDispatcherSecurity(f: RawSecurityFlags, transport: 'grpc' | 'nats'): DispatcherSecurity {
  const token = sharedToken(f);
  const workerToken = secretFrom(f.workerTokenFile, '--worker-token-file');
  const clientToken = secretFrom(f.clientTokenFile, '--client-token-file');
  const tls = readTlsServerFiles({ certFile: f.tlsCert, keyFile: f.tlsKey, clientCaFile: f.tlsClientCa });
  if (tls && transport === 'nats') {
    throw new JiqConfigError('--tls-cert', 'applies to gRPC; over NATS, TLS is between each process and the NATS server (--nats-tls-ca)');
  }
  const any = token !== undefined || workerToken !== undefined || clientToken !== undefined;
  return { ...(any ? { auth: { token, workerToken, clientToken } } : {}), ...(tls ? { tls } : {}) };
}

export interface PeerSecurity {
  authToken?: string;
  tls?: TlsClientConfig;
}

export function resolvePeerSecurity(f: RawSecurityFlags, transport: 'grpc' | 'nats'): PeerSecurity {
  const authToken = sharedToken(f);
  const tls = readTlsClientFiles({ caFile: f.tlsCa, certFile: f.tlsClientCert, keyFile: f.tlsClientKey });
  if (tls && transport === 'nats') {
    throw new JiqConfigError(f.tlsCa ? '--tls-ca' : '--tls-client-cert', 'applies to gRPC; over NATS use --nats-tls-ca (TLS to the NATS server)');
  }
  return { ...(authToken !== undefined ? { authToken } : {}), ...(tls ? { tls } : {}) };
}
