import { readFileSync } from 'node:fs';
import { JiqConfigError } from '@jiq/core';

/** A dispatcher's TLS identity, and the CA its clients' certificates must chain to (mTLS). */
export interface TlsServerConfig {
  readonly cert: Buffer;
  readonly key: Buffer;
  /** With it, every peer must present a certificate signed by this CA. */
  readonly clientCa?: Buffer;
}

/** How a worker, client or load generator checks the dispatcher (and, for mTLS, proves itself). */
export interface TlsClientConfig {
  /** CA of the dispatcher's certificate. Undefined: the system's trusted roots. */
  readonly ca?: Buffer;
  readonly cert?: Buffer;
  readonly key?: Buffer;
}

export interface TlsServerFiles {
  certFile?: string;
  keyFile?: string;
  clientCaFile?: string;
}

export interface TlsClientFiles {
  caFile?: string;
  certFile?: string;
  keyFile?: string;
}

/** Flag names for error messages (library callers get option names). */
const SERVER_FIELDS = { cert: '--tls-cert', key: '--tls-key', clientCa: '--tls-client-ca' };
const CLIENT_FIELDS = { ca: '--tls-ca', cert: '--tls-client-cert', key: '--tls-client-key' };

export function readPem(path: string, field: string): Buffer {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (err) {
    throw new JiqConfigError(field, `cannot read the file: ${(err as Error).message}`, path, { cause: err });
  }
  if (!bytes.toString('latin1').includes('-----BEGIN ')) throw new JiqConfigError(field, 'must be a PEM file (-----BEGIN ...)', path);
  return bytes;
}

/** TLS for a dispatcher from --tls-cert/--tls-key[/--tls-client-ca]; undefined when none is given. */
export function readTlsServerFiles(f: TlsServerFiles): TlsServerConfig | undefined {
  if (!f.certFile && !f.keyFile) {
    if (f.clientCaFile) throw new JiqConfigError(SERVER_FIELDS.clientCa, `needs ${SERVER_FIELDS.cert} and ${SERVER_FIELDS.key} (mTLS runs over TLS)`);
    return undefined;
  }
  if (!f.certFile) throw new JiqConfigError(SERVER_FIELDS.cert, `is required with ${SERVER_FIELDS.key}`);
  if (!f.keyFile) throw new JiqConfigError(SERVER_FIELDS.key, `is required with ${SERVER_FIELDS.cert}`);
  return {
    cert: readPem(f.certFile, SERVER_FIELDS.cert),
    key: readPem(f.keyFile, SERVER_FIELDS.key),
    ...(f.clientCaFile ? { clientCa: readPem(f.clientCaFile, SERVER_FIELDS.clientCa) } : {}),
  };
}

/** TLS towards dispatchers from --tls-ca[/--tls-client-cert/--tls-client-key]; undefined when none is given. */
export function readTlsClientFiles(f: TlsClientFiles): TlsClientConfig | undefined {
  if (Boolean(f.certFile) !== Boolean(f.keyFile)) {
    throw new JiqConfigError(f.certFile ? CLIENT_FIELDS.key : CLIENT_FIELDS.cert, `${CLIENT_FIELDS.cert} and ${CLIENT_FIELDS.key} go together`);
  }
  if (!f.caFile && !f.certFile) return undefined;
  return {
    ...(f.caFile ? { ca: readPem(f.caFile, CLIENT_FIELDS.ca) } : {}),
    ...(f.certFile && f.keyFile ? { cert: readPem(f.certFile, CLIENT_FIELDS.cert), key: readPem(f.keyFile, CLIENT_FIELDS.key) } : {}),
  };
}
