import { randomBytes } from 'node:crypto';
import type { NatsConnection, NatsError } from 'nats';
import { ErrorCode, JiqRefusedError, JiqUnavailableError } from '@jiq/core';
import { redactUrl } from '../auth/redact';
import type { Logger } from '../logger';
import { loadOptional } from '../optional-dependency';
import { ExponentialBackoff, type BackoffPolicy } from './backoff';
import { natsAuthOptions, type NatsCredentials } from './nats-credentials';

export interface NatsConnectOptions {
  /** nats://host:port (comma-separated for several servers). */
  url: string;
  /** Connection name shown by the server. */
  name: string;
  /** The first connection must succeed within this (refused attempts retried inside it). Default 3000 ms. */
  connectTimeoutMs?: number;
  backoff?: BackoffPolicy;
  log?: Logger;
  /** Credentials and TLS for the NATS server (default: anonymous, plaintext). */
  credentials?: NatsCredentials;
  /**
   * Subject prefix of request/reply inboxes. jiq puts them under its cluster prefix
   * ("<prefix>._INBOX") so that a NATS user allowed only "<prefix>.>" can make requests.
   */
  inboxPrefix?: string;
}

/** Counters of connection-level trouble, reported in logs and stats. */
export interface NatsConnectionCounters {
  disconnects: number;
  reconnects: number;
  slowConsumer: number;
  asyncErrors: number;
  /** Publishes or subscriptions the server's permissions refused (a misconfigured cluster user). */
  permissionViolations: number;
}

export interface JiqNatsConnection {
  readonly nc: NatsConnection;
  readonly counters: NatsConnectionCounters;
  /** False while the connection to the broker is down (between Disconnect and Reconnect). */
  readonly up: () => boolean;
  close(): Promise<void>;
}

/**
 * Connects to NATS: fails (JiqUnavailableError) if the server stays unreachable for the connect
 * timeout at start (refused attempts are retried with backoff inside it),
 * then reconnects forever with exponential backoff. Slow-consumer and other async errors
 * from the server are counted and logged.
 */
export async function connectNats(o: NatsConnectOptions): Promise<JiqNatsConnection> {
  // Capped at 1 s: both ends of a session are back within about a second of a restarted
  // broker, well inside the session timeout (which does not run while the link is down).
  const backoff = o.backoff ?? new ExponentialBackoff(100, 1_000);
  let attempt = 0;
  const nats = await loadOptional('nats', () => import('nats'));
  const { connect, Events } = nats;
  const auth = natsAuthOptions(o.credentials, nats);
  const connectTimeoutMs = o.connectTimeoutMs ?? 3_000;
  const deadline = Date.now() + connectTimeoutMs;
  const url = redactUrl(o.url);
  let nc: NatsConnection | undefined;
  // A broker that refuses connections for a moment (restarting, still starting) is retried
  // within the connect timeout: a worker started during a broker restart must join, not exit.
  // Only a broker that keeps refusing for the whole window is an error; bad credentials, TLS
  // failures and timeouts are one at once.
  for (let tries = 1; nc === undefined; tries++) {
    try {
      nc = await connect({
        ...auth,
        ...(o.inboxPrefix !== undefined ? { inboxPrefix: o.inboxPrefix } : {}),
        servers: o.url.split(',').map((s) => s.trim()),
        name: o.name,
        timeout: Math.max(100, deadline - Date.now()),
        reconnect: true,
        maxReconnectAttempts: -1,
        reconnectDelayHandler: () => backoff.delayMs(++attempt),
        pingInterval: 5_000,
        maxPingOut: 3,
      });
    } catch (err) {
      if ((err as NatsError).code === nats.ErrorCode.AuthorizationViolation) {
        const given = o.credentials ? 'the NATS credentials given were refused' : 'the server requires credentials (--nats-creds, --nats-user/--nats-pass, --nats-token-file or --nats-nkey-seed-file)';
        throw new JiqRefusedError(ErrorCode.UNAUTHENTICATED, `NATS at ${url}: ${(err as Error).message}: ${given}`, url, { cause: err });
      }
      const refused = (err as NatsError).code === nats.ErrorCode.ConnectionRefused;
      const wait = refused ? Math.min(backoff.delayMs(tries), deadline - Date.now()) : 0;
      if (wait <= 0) {
        throw new JiqUnavailableError(`NATS unreachable at ${url} for ${connectTimeoutMs} ms (${tries} attempts): ${(err as Error).message}`, url, { cause: err });
      }
      await new Promise((r) => setTimeout(r, wait));
    }
  }
  const counters: NatsConnectionCounters = { disconnects: 0, reconnects: 0, slowConsumer: 0, asyncErrors: 0, permissionViolations: 0 };
  let up = true;
  void (async () => {
    for await (const s of nc.status()) {
      const data = String(s.data);
      if (s.type === Events.Disconnect) {
        counters.disconnects++;
        up = false;
        o.log?.warn({ server: data }, 'NATS disconnected; reconnecting with backoff');
      } else if (s.type === Events.Reconnect) {
        counters.reconnects++;
        up = true;
        attempt = 0;
        o.log?.info({ server: data }, 'NATS reconnected');
      } else if (s.type === Events.Error) {
        if (/slow consumer/i.test(data)) counters.slowConsumer++;
        else if (/permissions violation/i.test(data)) counters.permissionViolations++;
        else counters.asyncErrors++;
        o.log?.warn({ error: data, slowConsumer: counters.slowConsumer }, 'NATS async error');
      }
    }
  })().catch(() => undefined);
  return {
    nc,
    counters,
    up: () => up && !nc.isClosed(),
    close: async () => {
      if (nc.isClosed()) return;
      await nc.drain().catch(() => nc.close());
    },
  };
}

/** A session id: one NATS token, unique with overwhelming probability. */
export function newSessionId(): string {
  return randomBytes(12).toString('base64url');
}
