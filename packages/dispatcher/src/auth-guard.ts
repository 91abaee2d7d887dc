import { ErrorCode } from '@jiq/core';
import { AuthSecret, type AuthRefusal, type Authorizer, type PresentedCredentials } from '@jiq/shared';

/** Shared secrets a dispatcher requires; without any, every peer is served (loopback default). */
export interface DispatcherAuthOptions {
  /** The cluster's shared secret: accepted from workers, clients and Stats callers. */
  token?: string;
  /** A separate secret for workers (then `token`, if set, no longer admits workers). */
  workerToken?: string;
  /** A separate secret for clients and Stats callers (then `token`, if set, no longer admits them). */
  clientToken?: string;
}

/**
 * The dispatcher's admission rule, run by the transport when a stream opens and on every Stats
 * call: a worker must present the worker secret, a client the client secret, a Stats caller
 * either (Stats lists worker ids and tokens, and can reset the counters). Undefined when no
 * secret is configured.
 */
export function createAuthGuard(o: DispatcherAuthOptions | undefined): Authorizer | undefined {
  if (!o || (o.token === undefined && o.workerToken === undefined && o.clientToken === undefined)) return undefined;
  const shared = o.token !== undefined ? AuthSecret.of(o.token, 'auth.token') : undefined;
  const worker = o.workerToken !== undefined ? AuthSecret.of(o.workerToken, 'auth.workerToken') : shared;
  const client = o.clientToken !== undefined ? AuthSecret.of(o.clientToken, 'auth.clientToken') : shared;
  const accepted: Record<PresentedCredentials['role'], AuthSecret[]> = {
    worker: worker ? [worker] : [],
    client: client ? [client] : [],
    stats: [worker, client].filter((s): s is AuthSecret => s !== undefined),
  };
  return (c: PresentedCredentials): AuthRefusal | undefined => {
    const secrets = accepted[c.role];
    if (secrets.length === 0) {
      return { code: ErrorCode.UNAUTHENTICATED, message: `this dispatcher admits no ${c.role} (no ${c.role} token configured)` };
    }
    if (c.token === undefined || c.token === '') {
      return { code: ErrorCode.UNAUTHENTICATED, message: `no auth token presented; this dispatcher requires one (--auth-token-file or JIQ_AUTH_TOKEN)` };
    }
    // Check every secret, so the time taken does not say which role's secret was close.
    let ok = false;
    for (const s of secrets) ok = s.matches(c.token) || ok;
    return ok ? undefined : { code: ErrorCode.UNAUTHENTICATED, message: 'wrong auth token' };
  };
}
