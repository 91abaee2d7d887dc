import { readFileSync } from 'node:fs';
import type { ConnectionOptions, credsAuthenticator, nkeyAuthenticator } from 'nats';
import { JiqConfigError } from '@jiq/core';
import { readSecretFile } from '../auth/auth-token';
import { readPem } from '../auth/tls-files';

/**
 * How jiq proves itself to a NATS server, in the nats client's own terms: at most one of
 * user/password, token, nkey seed or a .creds file (JWT + seed), and TLS (CA to check the
 * server; certificate and key when the server verifies clients). Files are read at start, so
 * a missing file is a config error naming its flag, not a failed connection later.
 */
export interface NatsCredentials {
  user?: string;
  pass?: string;
  tokenFile?: string;
  nkeySeedFile?: string;
  credsFile?: string;
  tlsCaFile?: string;
  tlsCertFile?: string;
  tlsKeyFile?: string;
}

/** The authenticators of the nats module (loaded lazily: an optional dependency). */
interface NatsAuthenticators {
  credsAuthenticator: typeof credsAuthenticator;
  nkeyAuthenticator: typeof nkeyAuthenticator;
}

/** The nats.js connection options for `c` (empty: an anonymous plaintext connection). */
export function natsAuthOptions(c: NatsCredentials | undefined, nats: NatsAuthenticators): Partial<ConnectionOptions> {
  if (!c) return {};
  const methods = [
    c.user !== undefined || c.pass !== undefined ? '--nats-user/--nats-pass' : undefined,
    c.tokenFile !== undefined ? '--nats-token-file' : undefined,
    c.nkeySeedFile !== undefined ? '--nats-nkey-seed-file' : undefined,
    c.credsFile !== undefined ? '--nats-creds' : undefined,
  ].filter((m): m is string => m !== undefined);
  if (methods.length > 1) throw new JiqConfigError(methods[1]!, `give one NATS credential, not ${methods.join(' and ')}`);
  const out: Partial<ConnectionOptions> = {};
  if (c.user !== undefined || c.pass !== undefined) {
    if (!c.user) throw new JiqConfigError('--nats-user', 'is required with --nats-pass');
    if (!c.pass) throw new JiqConfigError('--nats-pass', 'is required with --nats-user (or set JIQ_NATS_PASS)');
    out.user = c.user;
    out.pass = c.pass;
  }
  if (c.tokenFile !== undefined) out.token = readSecretFile(c.tokenFile, '--nats-token-file');
  if (c.nkeySeedFile !== undefined) out.authenticator = nats.nkeyAuthenticator(new TextEncoder().encode(readSecretFile(c.nkeySeedFile, '--nats-nkey-seed-file')));
  if (c.credsFile !== undefined) {
    let creds: Uint8Array;
    try {
      creds = readFileSync(c.credsFile);
    } catch (err) {
      throw new JiqConfigError('--nats-creds', `cannot read the file: ${(err as Error).message}`, c.credsFile, { cause: err });
    }
    if (!new TextDecoder().decode(creds).includes('BEGIN NATS USER JWT')) {
      throw new JiqConfigError('--nats-creds', 'must be a NATS .creds file (a user JWT and its nkey seed)', c.credsFile);
    }
    out.authenticator = nats.credsAuthenticator(creds);
  }
  if (Boolean(c.tlsCertFile) !== Boolean(c.tlsKeyFile)) {
    throw new JiqConfigError(c.tlsCertFile ? '--nats-tls-key' : '--nats-tls-cert', '--nats-tls-cert and --nats-tls-key go together');
  }
  if (c.tlsCaFile || c.tlsCertFile) {
    out.tls = {
      ...(c.tlsCaFile ? { ca: readPem(c.tlsCaFile, '--nats-tls-ca').toString('utf8') } : {}),
      ...(c.tlsCertFile && c.tlsKeyFile
        ? { cert: readPem(c.tlsCertFile, '--nats-tls-cert').toString('utf8'), key: readPem(c.tlsKeyFile, '--nats-tls-key').toString('utf8') }
        : {}),
    };
  }
  return out;
}
