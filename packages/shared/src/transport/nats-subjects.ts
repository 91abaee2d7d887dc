import { JiqConfigError } from '@jiq/core';

/**
 * The NATS subject layout of jiq. Every subject starts with the cluster prefix P (one token,
 * default "jiq"), so several clusters can share one NATS server.
 *
 *   P.d.<dispatcherId>.w.<session>.open   request/reply: a worker opens a session (control)
 *   P.d.<dispatcherId>.w.<session>.m      a WorkerMessage of that session (hot path, publish)
 *   P.d.<dispatcherId>.c.<session>.open   request/reply: a client opens a session
 *   P.d.<dispatcherId>.c.<session>.m      a SubmitRequest of that session
 *   P.d.<dispatcherId>.{w,c}.<session>.ping | .bye   session heartbeat / close (empty payload)
 *   P.d.<dispatcherId>.stats              request/reply: StatsRequest → DispatcherStats
 *   P.s.<session>.m                       dispatcher → peer: DispatcherMessage or SubmitReply
 *   P.s.<session>.ping | .bye             heartbeat / close towards the peer
 *
 * A session is the NATS equivalent of one gRPC bidi stream: ordered (one publisher, one
 * subscriber), with correlation ids inside the protobuf messages, closed by "bye" or by
 * missing heartbeats.
 */
export const DEFAULT_CLUSTER_PREFIX = 'jiq';

const TOKEN = /^[A-Za-z0-9_-]{1,128}$/;

export function validateClusterPrefix(prefix: string, field = '--cluster'): string {
  if (!TOKEN.test(prefix)) throw new JiqConfigError(field, 'must be 1-128 characters of A-Z a-z 0-9 _ -', prefix);
  return prefix;
}

export type SessionKind = 'w' | 'c';
export type SessionOp = 'open' | 'm' | 'ping' | 'bye';

export const subjects = {
  dispatcherAll: (p: string, dispatcherId: string): string => `${p}.d.${dispatcherId}.>`,
  toDispatcher: (p: string, dispatcherId: string, kind: SessionKind, session: string, op: SessionOp): string =>
    `${p}.d.${dispatcherId}.${kind}.${session}.${op}`,
  stats: (p: string, dispatcherId: string): string => `${p}.d.${dispatcherId}.stats`,
  peerAll: (p: string, session: string): string => `${p}.s.${session}.>`,
  toPeer: (p: string, session: string, op: Exclude<SessionOp, 'open'>): string => `${p}.s.${session}.${op}`,
};

export function isValidDispatcherAddress(address: string): boolean {
  return TOKEN.test(address);
}
