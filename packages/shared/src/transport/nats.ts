import type { Msg, NatsError } from 'nats';
import { codecs, type DispatcherMessage, type DispatcherStats, type MessageInit, type StatsRequest, type SubmitReply, type SubmitRequest, type WorkerMessage } from '../gen/jiq';
import { ErrorCode, JiqRefusedError, JiqTimeoutError, JiqUnavailableError } from '@jiq/core';
import type { Authorizer } from '../auth/credentials';
import type { Logger } from '../logger';
import { loadOptional } from '../optional-dependency';
import type { BackoffPolicy } from './backoff';
import type { Connector, DispatcherHandlers, DispatcherLinkChannel, DispatcherServer, SubmitChannel } from './channel';
import { connectNats, newSessionId, type JiqNatsConnection, type NatsConnectionCounters } from './nats-connection';
import type { NatsCredentials } from './nats-credentials';
import { NatsSessionChannel, type SessionCounters } from './nats-session';
import { DEFAULT_CLUSTER_PREFIX, isValidDispatcherAddress, subjects, type SessionKind } from './nats-subjects';

export interface NatsTransportOptions {
  url: string;
  /** Cluster prefix (one subject token). Default "jiq". */
  prefix?: string;
  /** Session heartbeat period. Default 1000 ms. */
  heartbeatMs?: number;
  /** A session with no traffic for this long is closed. Default 3 x heartbeatMs. */
  sessionTimeoutMs?: number;
  backoff?: BackoffPolicy;
  log?: Logger;
  /** Credentials and TLS for the NATS server. */
  credentials?: NatsCredentials;
}

const EMPTY = new Uint8Array(0);

/** Header of a Stats reply the dispatcher refused (no DispatcherStats can say why). */
const REFUSED_HEADER = 'Jiq-Refused';

/** Request/reply inboxes under the cluster prefix, so "<prefix>.>" is all a cluster's NATS user needs. */
function inboxPrefixOf(prefix: string): string {
  return `${prefix}._INBOX`;
}

/** What a NATS dispatcher server counts besides the protocol (exposed for tests and logs). */
export interface NatsServerCounters extends SessionCounters, NatsConnectionCounters {
  sessions: number;
  unknownSession: number;
}

export interface NatsDispatcherServer extends DispatcherServer {
  readonly counters: Readonly<NatsServerCounters>;
}

type ServerSession = NatsSessionChannel<WorkerMessage, DispatcherMessage> | NatsSessionChannel<SubmitRequest, SubmitReply>;

/** Serves one dispatcher over NATS; its address is its id. */
export async function startNatsDispatcherServer(
  handlers: DispatcherHandlers,
  o: NatsTransportOptions & { id: string; authorize?: Authorizer },
): Promise<NatsDispatcherServer> {
  const prefix = o.prefix ?? DEFAULT_CLUSTER_PREFIX;
  const heartbeatMs = o.heartbeatMs ?? 1_000;
  const timeoutMs = o.sessionTimeoutMs ?? heartbeatMs * 3;
  const conn = await connectNats({
    url: o.url, name: `jiq-dispatcher-${o.id}`, backoff: o.backoff, log: o.log, credentials: o.credentials, inboxPrefix: inboxPrefixOf(prefix),
  });
  const nc = conn.nc;
  const authorize = o.authorize;
  const { headers: natsHeaders } = await loadOptional('nats', () => import('nats'));
  const sessions = new Map<string, ServerSession>();
  const counts = { malformed: 0, dropped: 0, sessions: 0, unknownSession: 0 };
  let lastWarn = 0;
  const malformed = (why: string, subject: string): void => {
    counts.malformed++;
    const now = performance.now();
    if (now - lastWarn > 5_000) {
      lastWarn = now;
      o.log?.warn({ subject, why, malformed: counts.malformed }, 'dropped a malformed NATS message');
    }
  };
  const open = (kind: SessionKind, session: string): ServerSession => {
    const base = {
      nc,
      peer: `nats:${session}`,
      dataSubject: subjects.toPeer(prefix, session, 'm'),
      pingSubject: subjects.toPeer(prefix, session, 'ping'),
      byeSubject: subjects.toPeer(prefix, session, 'bye'),
      heartbeatMs,
      timeoutMs,
      counters: counts,
      linkUp: conn.up,
      onFinish: () => sessions.delete(session),
    };
    counts.sessions++;
    if (kind === 'w') {
      const ch = new NatsSessionChannel<WorkerMessage, DispatcherMessage>({
        ...base,
        decode: (b) => codecs.WorkerMessage.decode(b),
        encode: (m) => codecs.DispatcherMessage.encode(m),
      });
      sessions.set(session, ch);
      handlers.onWorker(ch);
      return ch;
    }
    const ch = new NatsSessionChannel<SubmitRequest, SubmitReply>({
      ...base,
      decode: (b) => codecs.SubmitRequest.decode(b),
      encode: (m) => codecs.SubmitReply.encode(m),
    });
    sessions.set(session, ch);
    handlers.onClient(ch);
    return ch;
  };
  const onMessage = (msg: Msg): void => {
    // P.d.<id>.stats | P.d.<id>.<w|c>.<session>.<op>
    const parts = msg.subject.split('.');
    if (parts.length === 4 && parts[3] === 'stats') {
      let req: StatsRequest;
      try {
        req = codecs.StatsRequest.decode(msg.data);
      } catch {
        malformed('undecodable StatsRequest', msg.subject);
        return;
      }
      const refusal = authorize?.({ role: 'stats', token: req.authToken, peer: 'nats:stats' });
      if (refusal) {
        const h = natsHeaders();
        h.set(REFUSED_HEADER, refusal.message);
        msg.respond(EMPTY, { headers: h });
        return;
      }
      try {
        msg.respond(codecs.DispatcherStats.encode(handlers.stats(req) as MessageInit<DispatcherStats>));
      } catch (err) {
        o.log?.warn({ err: (err as Error).message }, 'stats failed');
      }
      return;
    }
    const kind = parts[3];
    const session = parts[4];
    const op = parts[5];
    if (parts.length !== 6 || (kind !== 'w' && kind !== 'c') || session === undefined) {
      malformed('unknown subject', msg.subject);
      return;
    }
    const existing = sessions.get(session);
    switch (op) {
      case 'open': {
        if (!existing) {
          let token: string;
          try {
            token = codecs.SessionOpen.decode(msg.data).authToken;
          } catch {
            malformed('undecodable SessionOpen', msg.subject);
            return;
          }
          // The session is admitted here, once; its data subject is dropped until it is.
          const refusal = authorize?.({ role: kind === 'w' ? 'worker' : 'client', token, peer: `nats:${session}` });
          if (refusal) {
            if (msg.reply) msg.respond(codecs.SessionOpenReply.encode({ error: refusal }));
            return;
          }
          open(kind, session);
        }
        if (msg.reply) msg.respond(EMPTY);
        return;
      }
      case 'm':
        if (existing) existing.deliver(msg.data);
        else {
          counts.unknownSession++;
          // The peer talks to a session this dispatcher does not know (it restarted): end it.
          nc.publish(subjects.toPeer(prefix, session, 'bye'), EMPTY);
        }
        return;
      case 'ping':
        if (existing) existing.touch();
        else nc.publish(subjects.toPeer(prefix, session, 'bye'), EMPTY);
        return;
      case 'bye':
        existing?.remoteClosed();
        return;
      default:
        malformed('unknown operation', msg.subject);
    }
  };
  const sub = nc.subscribe(subjects.dispatcherAll(prefix, o.id), {
    callback: (err: NatsError | null, msg: Msg) => {
      if (err) {
        o.log?.warn({ err: err.message }, 'NATS subscription error');
        return;
      }
      try {
        onMessage(msg);
      } catch (e) {
        malformed(`handler threw: ${(e as Error).message}`, msg.subject);
      }
    },
  });
  await nc.flush();
  return {
    address: o.id,
    get counters() {
      return { ...counts, ...conn.counters };
    },
    brokerUp: () => conn.up(),
    close: async () => {
      for (const s of [...sessions.values()]) s.close();
      sub.unsubscribe();
      await conn.close();
    },
  };
}

/** Connects workers, clients and the cluster runner to dispatchers over NATS. */
export class NatsConnector implements Connector {
  readonly name = 'nats';
  readonly counters: SessionCounters = { malformed: 0, dropped: 0 };
  private readonly prefix: string;
  private readonly heartbeatMs: number;
  private readonly timeoutMs: number;
  private readonly authToken: string;

  private constructor(
    private readonly conn: JiqNatsConnection,
    o: NatsTransportOptions & { authToken?: string },
  ) {
    this.authToken = o.authToken ?? '';
    this.prefix = o.prefix ?? DEFAULT_CLUSTER_PREFIX;
    this.heartbeatMs = o.heartbeatMs ?? 1_000;
    this.timeoutMs = o.sessionTimeoutMs ?? this.heartbeatMs * 3;
  }

  /**
   * Fails with JiqUnavailableError within ~4 s if NATS is unreachable (JiqRefusedError if it
   * refuses the credentials). `authToken` is the jiq secret presented to dispatchers.
   */
  static async connect(o: NatsTransportOptions & { name?: string; authToken?: string }): Promise<NatsConnector> {
    const prefix = o.prefix ?? DEFAULT_CLUSTER_PREFIX;
    const conn = await connectNats({
      url: o.url, name: o.name ?? `jiq-${process.pid}`, backoff: o.backoff, log: o.log, credentials: o.credentials, inboxPrefix: inboxPrefixOf(prefix),
    });
    return new NatsConnector(conn, o);
  }

  get connectionCounters(): Readonly<NatsConnectionCounters> {
    return this.conn.counters;
  }

  brokerUp(): boolean {
    return this.conn.up();
  }

  private async openSession<In, Out>(
    address: string,
    kind: SessionKind,
    timeoutMs: number,
    decode: (b: Uint8Array) => In,
    encode: (m: MessageInit<Out>) => Uint8Array,
  ): Promise<NatsSessionChannel<In, Out>> {
    if (!isValidDispatcherAddress(address)) throw new JiqUnavailableError(`not a NATS dispatcher id: ${address}`, address);
    const nc = this.conn.nc;
    const session = newSessionId();
    const p = this.prefix;
    const sub = nc.subscribe(subjects.peerAll(p, session));
    const channel = new NatsSessionChannel<In, Out>({
      nc,
      peer: address,
      dataSubject: subjects.toDispatcher(p, address, kind, session, 'm'),
      pingSubject: subjects.toDispatcher(p, address, kind, session, 'ping'),
      byeSubject: subjects.toDispatcher(p, address, kind, session, 'bye'),
      decode,
      encode,
      heartbeatMs: this.heartbeatMs,
      timeoutMs: this.timeoutMs,
      counters: this.counters,
      linkUp: this.conn.up,
      onFinish: () => sub.unsubscribe(),
    });
    const mPrefix = `${p}.s.${session}.`;
    void (async () => {
      for await (const msg of sub) {
        const op = msg.subject.slice(mPrefix.length);
        if (op === 'm') channel.deliver(msg.data);
        else if (op === 'ping') channel.touch();
        else if (op === 'bye') channel.remoteClosed();
        else this.counters.malformed++;
      }
    })().catch(() => undefined);
    let reply: Uint8Array;
    try {
      const open = codecs.SessionOpen.encode({ authToken: this.authToken });
      reply = (await nc.request(subjects.toDispatcher(p, address, kind, session, 'open'), open, { timeout: timeoutMs })).data;
    } catch (err) {
      channel.abort();
      const code = (err as NatsError).code;
      // nats' ErrorCode.Timeout, as a literal: the module is loaded lazily (optional dependency).
      if (code === 'TIMEOUT') {
        throw new JiqTimeoutError(`dispatcher ${address} did not answer over NATS within ${timeoutMs} ms`, timeoutMs, { cause: err });
      }
      throw new JiqUnavailableError(`dispatcher ${address} is not reachable over NATS: ${(err as Error).message}`, address, { cause: err });
    }
    const refused = reply.length > 0 ? codecs.SessionOpenReply.decode(reply).error : null;
    if (refused) {
      channel.abort();
      const what = kind === 'w' ? 'worker' : 'client';
      throw new JiqRefusedError(refused.code, `dispatcher ${address} refused the ${what} session: ${refused.message}`, address);
    }
    return channel;
  }

  connectWorker(address: string, timeoutMs: number): Promise<DispatcherLinkChannel> {
    return this.openSession<DispatcherMessage, WorkerMessage>(
      address, 'w', timeoutMs, (b) => codecs.DispatcherMessage.decode(b), (m) => codecs.WorkerMessage.encode(m));
  }

  connectClient(address: string, timeoutMs: number): Promise<SubmitChannel> {
    return this.openSession<SubmitReply, SubmitRequest>(
      address, 'c', timeoutMs, (b) => codecs.SubmitReply.decode(b), (m) => codecs.SubmitRequest.encode(m));
  }

  async stats(address: string, request: MessageInit<StatsRequest>, timeoutMs: number): Promise<DispatcherStats> {
    let reply;
    try {
      reply = await this.conn.nc.request(subjects.stats(this.prefix, address), codecs.StatsRequest.encode({ ...request, authToken: this.authToken }), { timeout: timeoutMs });
    } catch (err) {
      throw new JiqUnavailableError(`stats from ${address} over NATS failed: ${(err as Error).message}`, address, { cause: err });
    }
    const refused = reply.headers?.get(REFUSED_HEADER);
    if (refused) throw new JiqRefusedError(ErrorCode.UNAUTHENTICATED, `dispatcher ${address} refused the stats call: ${refused}`, address);
    return codecs.DispatcherStats.decode(reply.data);
  }

  async close(): Promise<void> {
    await this.conn.close();
  }
}
