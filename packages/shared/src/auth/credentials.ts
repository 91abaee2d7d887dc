import type { ErrorCode } from '@jiq/core';

/** Who opens a stream or asks for stats, as a transport saw it. */
export interface PresentedCredentials {
  readonly role: 'worker' | 'client' | 'stats';
  /** The auth token the peer presented (gRPC metadata, or a NATS open/stats message). */
  readonly token: string | undefined;
  /** Address or session, for logs. */
  readonly peer: string;
}

/** Why a stream or call is refused. */
export interface AuthRefusal {
  readonly code: ErrorCode.UNAUTHENTICATED | ErrorCode.PERMISSION_DENIED;
  readonly message: string;
}

/** Decides, at stream setup, whether a peer may talk to a dispatcher; undefined = allowed. */
export type Authorizer = (credentials: PresentedCredentials) => AuthRefusal | undefined;

/** gRPC metadata key carrying the token ("authorization: Bearer <token>"). */
export const AUTH_METADATA_KEY = 'authorization';
const BEARER = 'Bearer ';

export function bearer(token: string): string {
  return `${BEARER}${token}`;
}

/** The token inside an "authorization" value, or undefined. */
export function tokenFromBearer(value: unknown): string | undefined {
  return typeof value === 'string' && value.startsWith(BEARER) ? value.slice(BEARER.length) : undefined;
}
