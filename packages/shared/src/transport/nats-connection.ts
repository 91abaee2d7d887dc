import { randomBytes } from 'node:crypto';
import type { NatsConnection } from 'nats';
import { JiqUnavailableError } from '@jiq/core';
import type { Logger } from '../logger';
import { loadOptional } from '../optional-dependency';
import { ExponentialBackoff, type BackoffPolicy } from './backoff';

export interface NatsConnectOptions {
  /** nats://host:port (comma-separated for several servers). */
  url: string;
  /** Connection name shown by the server. */
  name: string;
  /** The first connection must succeed within this. Default 4000 ms (errors well inside 5 s). */
  connectTimeoutMs?: number;
  backoff?: BackoffPolicy;
  log?: Logger;
}

/** Counters of connection-level trouble, reported in logs and stats. */
export interface NatsConnectionCounters {
  disconnects: number;
  reconnects: number;
  slowConsumer: number;
  asyncErrors: number;
}

export interface JiqNatsConnection {
  readonly nc: NatsConnection;
  readonly counters: NatsConnectionCounters;
  /** False while the connection to the broker is down (between Disconnect and Reconnect). */
  readonly up: () => boolean;
  close(): Promise<void>;
}

/**
 * Connects to NATS: fails fast (JiqUnavailableError) if the server is unreachable at start,
 * then reconnects forever with exponential backoff. Slow-consumer and other async errors
 * from the server are counted and logged.
 */
export async function connectNats(o: NatsConnectOptions): Promise<JiqNatsConnection> {
  // Capped at 1 s: both ends of a session are back within about a second of a restarted
  // broker, well inside the session timeout (which does not run while the link is down).
  const backoff = o.backoff ?? new ExponentialBackoff(100, 1_000);
  let attempt = 0;
  const { connect, Events } = await loadOptional('nats', () => import('nats'));
  let nc: NatsConnection;
  try {
    nc = await connect({
      servers: o.url.split(',').map((s) => s.trim()),
      name: o.name,
      timeout: o.connectTimeoutMs ?? 4_000,
      reconnect: true,
      maxReconnectAttempts: -1,
      reconnectDelayHandler: () => backoff.delayMs(++attempt),
      pingInterval: 5_000,
      maxPingOut: 3,
    });
  } catch (err) {
    throw new JiqUnavailableError(`NATS unreachable at ${o.url}: ${(err as Error).message}`, o.url, { cause: err });
  }
  const counters: NatsConnectionCounters = { disconnects: 0, reconnects: 0, slowConsumer: 0, asyncErrors: 0 };
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
