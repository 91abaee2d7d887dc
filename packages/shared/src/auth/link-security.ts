import { JiqConfigError } from '@jiq/core';

/**
 * The embedding API's `auth` and `tls` options configure the default gRPC connector; a caller
 * who passes its own connector configures it there (it makes the connections).
 */
export function validateLinkSecurity(o: { connector?: unknown; auth?: { token: string }; tls?: unknown }): void {
  if (o.connector !== undefined && (o.auth !== undefined || o.tls !== undefined)) {
    throw new JiqConfigError(o.auth !== undefined ? 'auth' : 'tls', 'configure the connector you pass instead (it makes the connections)');
  }
  if (o.auth !== undefined && (typeof o.auth.token !== 'string' || o.auth.token === '')) {
    throw new JiqConfigError('auth.token', 'must be a non-empty string');
  }
}
