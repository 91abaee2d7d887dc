import {
  createPrng,
  ErrorCode,
  JiqConfigError,
  JiqJobError,
  JiqUnavailableError,
  type Prng,
} from '@jiq/core';
import {
  silentLogger,
  ExponentialBackoff,
  GrpcConnector,
  validateLinkSecurity,
  type BackoffPolicy,
  type Connector,
  type DispatchInfo,
  type Job,
  type Logger,
  type MessageInit,
  type SubmitChannel,
  type SubmitReply,
  type TlsClientConfig,
} from '@jiq/shared';

export interface JiqClientOptions {
  /** Dispatcher addresses; jobs are spread uniformly over the live ones. */
  dispatchers: string[];
  /** The shared secret presented to dispatchers (default gRPC connector). */
  auth?: { token: string };
  /** Connect over TLS (default gRPC connector). */
  tls?: TlsClientConfig;
  /** A ready transport (then auth and tls belong to it). */
  connector?: Connector;
  /** Each dispatcher must answer within this at connect. Default 5000 ms. */
  connectTimeoutMs?: number;
  /** Payloads above this are refused locally. Default 4 MiB (match the dispatchers'). */
  maxPayloadBytes?: number;
  seed?: number;
  backoff?: BackoffPolicy;
  /** Where jiq logs (pino). Default: silent. */
  logger?: Logger;
  /**
   * Jobs in flight at once (sent and not answered, or waiting to be resent). Default 10000.
   * Beyond it `submit` waits for room (`whenFull: 'wait'`, the default) or fails at once with
   * a RESOURCE_EXHAUSTED JiqJobError (`'fail'`).
   */
  maxInFlight?: number;
  whenFull?: 'wait' | 'fail';
  /** Dispatchers a retried job may try in all (see SubmitOptions.retry). Default 3. */
  maxAttempts?: number;
  /**
   * A job with no reply this long after it was sent is resent (when retry is allowed) or fails
   * with DEADLINE_EXCEEDED ("may or may not have run"). For transports that can lose a message
   * (NATS during a broker restart); set it above the dispatchers' job timeout x attempts.
   * Default 0 = never.
   */
  answerTimeoutMs?: number;
  /**
   * Every dispatcher is pinged this often on its stream (default 250 ms; 0 = no pings). One that
   * has answered nothing for `unresponsiveAfterMs` (default 1000) gets no new jobs until it
   * answers again: a hung dispatcher (SIGSTOP, a stalled host) is avoided within about a
   * second. Its jobs in flight stay with it until the transport declares it lost (gRPC
   * keepalive, NATS session timeout), then are resent or failed as `retry` says.
   */
  pingIntervalMs?: number;
  unresponsiveAfterMs?: number;
}

export interface SubmitOptions {
  /** Job id (default: generated, unique per client). */
  id?: string;
  /** Size hint in units of the mean job size (synthetic workers serve size x mean-service-ms). */
  size?: number;
  /** A dispatcher runs a key at most once while it remembers it. */
  idempotencyKey?: string;
  /** Absolute deadline (epoch ms); the dispatcher refuses the job once it has passed. */
  deadlineMs?: number;
  /** Counted in q0/response measurements (default true; load generators clear it in warm-up). */
  measure?: boolean;
  /**
   * A worker must answer within this once the job is assigned, else the dispatcher re-dispatches
   * it and then fails it with DEADLINE_EXCEEDED. Default: the dispatcher's --job-timeout-ms.
   */
  timeoutMs?: number;
  /**
   * If the dispatcher is lost with this job in flight, resend it to another dispatcher
   * (at-least-once: it may then run twice). Default: true when an idempotency key is given.
   * A job a dispatcher refused before running it (draining) is always resent.
   */
  retry?: boolean;
}

export interface SubmitResult {
  readonly jobId: string;
  readonly result: Uint8Array;
  readonly info: DispatchInfo;
  /** Client-side latency: submit to reply, in ms. */
  readonly latencyMs: number;
  /** Dispatchers the job was sent to (1 unless a dispatcher was lost or drained under it). */
  readonly attempts: number;
}

/** What a client saw go wrong, and what it did about it. */
export interface ClientCounters {
  /** Jobs resent to another dispatcher after a loss or a drain refusal. */
  resent: number;
  /** Replies whose request id was not in flight (must stay 0: a reply is delivered once). */
  strayReplies: number;
  /** Dispatchers that said they are draining. */
  drainNotices: number;
  /** Submits refused at once because maxInFlight was reached (whenFull: 'fail'). */
  refusedFull: number;
  /** Jobs with no reply within answerTimeoutMs (resent or failed). */
  unanswered: number;
  /** Times a dispatcher went unanswering (no reply nor pong for unresponsiveAfterMs) and was avoided. */
  unresponsive: number;
  /** Times an avoided dispatcher answered again and was used again. */
  responsiveAgain: number;
}

interface Pending {
  readonly job: MessageInit<Job>;
  readonly sentAt: number;
  /** When this attempt was put on a stream. */
  lastSentAt: number;
  readonly retry: boolean;
  attempts: number;
  resolve(r: SubmitResult): void;
  reject(e: Error): void;
}

interface Conn {
  readonly address: string;
  channel: SubmitChannel | undefined;
  readonly pending: Map<number, Pending>;
  nextId: number;
  /** It said it is draining: no new jobs until it reconnects. */
  draining: boolean;
  /** When anything last arrived on its stream (a reply, a notice, a pong). */
  lastHeardAt: number;
  /** Nothing heard for unresponsiveAfterMs: connected, but no new jobs until it answers. */
  unresponsive: boolean;
}

const CLIENT_KEEPALIVE_MS = 1_000;

const EMPTY_INFO: DispatchInfo = {
  byToken: false,
  workerId: '',
  slot: 0,
  sojournMs: 0,
  serviceMs: 0,
  raceBusy: false,
  attempts: 0,
  dispatcherId: '',
};

/**
 * Submits jobs to a jiq cluster over one long-lived stream per dispatcher. Each job goes to a
 * uniformly random live dispatcher (the model's arrival process); a lost dispatcher is
 * reconnected in the background and skipped meanwhile.
 */
export class JiqClient {
  private readonly conns: Conn[];
  private live: Conn[] = [];
  private readonly connector: Connector;
  private readonly ownConnector: boolean;
  private readonly rng: Prng;
  private readonly backoff: BackoffPolicy;
  private readonly log: Logger;
  private readonly connectTimeoutMs: number;
  private readonly maxPayloadBytes: number;
  private readonly clientId = `c${process.pid.toString(36)}${Math.random().toString(36).slice(2, 7)}`;
  private seq = 0;
  private connecting: Promise<void> | undefined;
  private closed = false;
  private drainWaiters: (() => void)[] = [];
  private readonly maxInFlight: number;
  private readonly whenFull: 'wait' | 'fail';
  private readonly maxAttempts: number;
  /** Jobs to resend once a dispatcher is reachable again. */
  private orphans: Pending[] = [];
  private orphanTimer: NodeJS.Timeout | undefined;
  /** Submits waiting for room under maxInFlight. */
  private blocked: (() => void)[] = [];
  private sentCount = 0;
  readonly counters: ClientCounters = { resent: 0, strayReplies: 0, drainNotices: 0, refusedFull: 0, unanswered: 0, unresponsive: 0, responsiveAgain: 0 };
  private readonly pingIntervalMs: number;
  private readonly unresponsiveAfterMs: number;
  private pinger: DispatcherPinger | undefined;
  private readonly answerTimeoutMs: number;
  private answerSweep: NodeJS.Timeout | undefined;

  constructor(options: JiqClientOptions) {
    if (!Array.isArray(options.dispatchers) || options.dispatchers.length === 0) {
      throw new JiqConfigError('dispatchers', 'at least one dispatcher address is required', options.dispatchers);
    }
    this.conns = options.dispatchers.map((address) => ({
      address, channel: undefined, pending: new Map(), nextId: 1, draining: false, lastHeardAt: 0, unresponsive: false,
    }));
    this.pingIntervalMs = options.pingIntervalMs ?? 250;
    this.unresponsiveAfterMs = options.unresponsiveAfterMs ?? 1_000;
    if (!(this.pingIntervalMs >= 0) || !Number.isFinite(this.pingIntervalMs)) {
      throw new JiqConfigError('pingIntervalMs', 'must be a finite number >= 0', options.pingIntervalMs);
    }
    if (!(this.unresponsiveAfterMs > this.pingIntervalMs) || !Number.isFinite(this.unresponsiveAfterMs)) {
      throw new JiqConfigError('unresponsiveAfterMs', 'must be a finite number above pingIntervalMs', options.unresponsiveAfterMs);
    }
    this.maxInFlight = options.maxInFlight ?? 10_000;
    if (!Number.isInteger(this.maxInFlight) || this.maxInFlight < 1) {
      throw new JiqConfigError('maxInFlight', 'must be an integer >= 1', options.maxInFlight);
    }
    this.whenFull = options.whenFull ?? 'wait';
    if (this.whenFull !== 'wait' && this.whenFull !== 'fail') throw new JiqConfigError('whenFull', "must be 'wait' or 'fail'", options.whenFull);
    this.answerTimeoutMs = options.answerTimeoutMs ?? 0;
    if (!(this.answerTimeoutMs >= 0) || !Number.isFinite(this.answerTimeoutMs)) {
      throw new JiqConfigError('answerTimeoutMs', 'must be a finite number >= 0', options.answerTimeoutMs);
    }
    this.maxAttempts = options.maxAttempts ?? 3;
    if (!Number.isInteger(this.maxAttempts) || this.maxAttempts < 1) {
      throw new JiqConfigError('maxAttempts', 'must be an integer >= 1', options.maxAttempts);
    }
    this.ownConnector = options.connector === undefined;
    validateLinkSecurity(options);
    // Fast keepalives: a dispatcher that stops answering is dropped within about 2-3 s.
    this.connector = options.connector ?? new GrpcConnector({
      maxMessageBytes: options.maxPayloadBytes, tls: options.tls, authToken: options.auth?.token, keepaliveMs: CLIENT_KEEPALIVE_MS,
    });
    this.rng = createPrng(options.seed ?? Math.floor(Math.random() * 2 ** 32));
    this.backoff = options.backoff ?? new ExponentialBackoff();
    this.log = options.logger ?? silentLogger();
    this.connectTimeoutMs = options.connectTimeoutMs ?? 5_000;
    this.maxPayloadBytes = options.maxPayloadBytes ?? 4 * 1024 * 1024;
  }

  /** Connects to every dispatcher; rejects if any does not answer within connectTimeoutMs. */
  connect(): Promise<void> {
    this.connecting ??= Promise.all(this.conns.map((c) => this.open(c))).then(() => undefined);
    return this.connecting;
  }

  /** Jobs sent and not yet answered (including those waiting to be resent). */
  get inFlight(): number {
    return this.sentCount;
  }

  private async open(conn: Conn): Promise<void> {
    const channel = await this.connector.connectClient(conn.address, this.connectTimeoutMs);
    if (this.closed) {
      channel.close();
      return;
    }
    conn.channel = channel;
    conn.draining = false;
    conn.unresponsive = false;
    conn.lastHeardAt = performance.now();
    channel.onMessage((reply) => this.onReply(conn, reply));
    channel.onClose((err) => this.lost(conn, channel, err));
    this.live.push(conn);
    if (this.pingIntervalMs > 0) this.pinger ??= new DispatcherPinger(this.pingIntervalMs, (stalled) => this.pingAll(stalled));
    this.resendOrphans();
  }

  /** Connected dispatchers, answering or not (what a give-up watchdog asks). */
  get connectedDispatchers(): number {
    return this.conns.filter((c) => c.channel !== undefined).length;
  }

  /**
   * One ping round: a dispatcher silent for unresponsiveAfterMs stops getting new jobs. `stalled`:
   * this process's own timer ran late (a GC pause, a busy loop), so silence proves nothing now.
   */
  private pingAll(stalled = false): void {
    const now = performance.now();
    for (const conn of this.conns) {
      if (!conn.channel) continue;
      if (stalled) conn.lastHeardAt = Math.max(conn.lastHeardAt, now - this.pingIntervalMs);
      else if (!conn.unresponsive && now - conn.lastHeardAt > this.unresponsiveAfterMs) this.unresponsiveNow(conn, now);
      conn.channel.send({ requestId: 0 });
    }
  }

  private unresponsiveNow(conn: Conn, now: number): void {
    conn.unresponsive = true;
    this.counters.unresponsive++;
    this.live = this.live.filter((c) => c !== conn);
    this.log.warn({ dispatcher: conn.address, silentMs: Math.round(now - conn.lastHeardAt), inFlight: conn.pending.size },
      'dispatcher stopped answering; sending new jobs elsewhere');
  }

  private onReply(conn: Conn, reply: SubmitReply): void {
    conn.lastHeardAt = performance.now();
    if (conn.unresponsive) {
      conn.unresponsive = false;
      if (!conn.draining && conn.channel) {
        this.counters.responsiveAgain++;
        this.live.push(conn);
        this.log.info({ dispatcher: conn.address }, 'dispatcher answers again');
      }
    }
    if (reply.draining && !conn.draining) this.drainingNotice(conn);
    if (reply.requestId === 0) return;
    const p = conn.pending.get(reply.requestId);
    if (!p) {
      this.counters.strayReplies++;
      return;
    }
    conn.pending.delete(reply.requestId);
    const code = reply.error?.code ?? ErrorCode.ERROR_CODE_UNSPECIFIED;
    // Refused before any worker had it (the dispatcher is draining or has no worker): safe to resend.
    if (!reply.ok && reply.notRun && code === ErrorCode.UNAVAILABLE && p.attempts < this.maxAttempts && this.live.length > 0) {
      this.resend(p);
      return;
    }
    if (reply.ok) {
      p.resolve({ jobId: p.job.id!, result: reply.result, info: reply.info ?? EMPTY_INFO, latencyMs: performance.now() - p.sentAt, attempts: p.attempts });
    } else {
      p.reject(new JiqJobError(code, reply.error?.message ?? 'failed', p.job.id!));
    }
    this.answered();
  }

  /** A job left the client (answered or failed): room for a blocked submit, or the drain is done. */
  private answered(): void {
    this.sentCount--;
    const next = this.blocked.shift();
    if (next) next();
    else if (this.drainWaiters.length > 0 && this.sentCount === 0) this.notifyDrained();
  }

  private drainingNotice(conn: Conn): void {
    conn.draining = true;
    this.counters.drainNotices++;
    this.live = this.live.filter((c) => c !== conn);
    this.log.info({ dispatcher: conn.address }, 'dispatcher is draining; sending new jobs elsewhere');
  }

  private lost(conn: Conn, channel: SubmitChannel, err?: Error): void {
    if (conn.channel !== channel) return;
    conn.channel = undefined;
    conn.unresponsive = false;
    this.live = this.live.filter((c) => c !== conn);
    const pending = [...conn.pending.values()];
    conn.pending.clear();
    // HTTP/2 REFUSED_STREAM: the server processed nothing on the stream (it was shutting down).
    const notRun = err !== undefined && /Stream refused by server/i.test(err.message);
    for (const p of pending) {
      if ((p.retry || notRun) && p.attempts < this.maxAttempts && !this.closed) this.resend(p);
      else {
        p.reject(new JiqUnavailableError(`dispatcher ${conn.address} was lost with job ${p.job.id} in flight (it may or may not have run)`, conn.address, { cause: err }));
        this.answered();
      }
    }
    if (this.closed) return;
    if (!conn.draining) this.log.warn({ dispatcher: conn.address, err: err?.message }, 'lost dispatcher; failing over');
    void this.reconnect(conn);
  }

  /** Sends a job again, to a live dispatcher now or to the first one that comes back. */
  private resend(p: Pending): void {
    p.attempts++;
    this.counters.resent++;
    if (this.canTransmit()) this.transmit(p);
    else this.orphan(p);
  }

  /** No dispatcher is live: hold the job for one connect timeout, then answer UNAVAILABLE. */
  private orphan(p: Pending): void {
    this.orphans.push(p);
    this.orphanTimer ??= setTimeout(() => this.failOrphans(), this.connectTimeoutMs);
  }

  private resendOrphans(): void {
    if (this.orphans.length === 0 || this.live.length === 0) return;
    const list = this.orphans;
    this.orphans = [];
    clearTimeout(this.orphanTimer);
    this.orphanTimer = undefined;
    for (const p of list) this.transmit(p);
  }

  private failOrphans(): void {
    this.orphanTimer = undefined;
    const list = this.orphans;
    this.orphans = [];
    for (const p of list) {
      p.reject(new JiqUnavailableError(`no dispatcher reachable within ${this.connectTimeoutMs} ms to resend job ${p.job.id}`));
      this.answered();
    }
  }

  private async reconnect(conn: Conn): Promise<void> {
    for (let attempt = 1; !this.closed; attempt++) {
      await new Promise((r) => setTimeout(r, this.backoff.delayMs(attempt)));
      if (this.closed) return;
      try {
        await this.open(conn);
        return;
      } catch {
        // keep trying with backoff
      }
    }
  }

  /** Submits one job; resolves with its result when it has run, or rejects with a typed error. */
  async submit(payload: Uint8Array | string, options: SubmitOptions = {}): Promise<SubmitResult> {
    if (this.closed) throw new JiqUnavailableError('client is closed');
    const bytes = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload;
    if (bytes.length === 0) throw new JiqConfigError('payload', 'must not be empty');
    if (bytes.length > this.maxPayloadBytes) {
      throw new JiqConfigError('payload', `must be at most ${this.maxPayloadBytes} bytes`, bytes.length);
    }
    if (options.size !== undefined && !(Number.isFinite(options.size) && options.size >= 0)) {
      throw new JiqConfigError('size', 'must be a finite number >= 0', options.size);
    }
    if (this.live.length === 0) await this.connect();
    return this.send(bytes, options);
  }

  /** The synchronous part of submit, for load generators that must not await per job. */
  send(payload: Uint8Array, options: SubmitOptions): Promise<SubmitResult> {
    // With no dispatcher live right now (all restarting or lost), the job waits up to one
    // connect timeout for one to come back (see orphan), then fails UNAVAILABLE.
    if (this.closed) return Promise.reject(new JiqUnavailableError('client is closed'));
    const jobId = options.id ?? `${this.clientId}-${++this.seq}`;
    if (this.sentCount >= this.maxInFlight && this.whenFull === 'fail') {
      this.counters.refusedFull++;
      return Promise.reject(new JiqJobError(ErrorCode.RESOURCE_EXHAUSTED, `${this.maxInFlight} jobs already in flight (maxInFlight)`, jobId));
    }
    const job: MessageInit<Job> = {
      id: jobId,
      payload,
      size: options.size ?? 0,
      idempotencyKey: options.idempotencyKey ?? '',
      deadlineMs: options.deadlineMs ?? 0,
      measure: options.measure ?? true,
      timeoutMs: options.timeoutMs ?? 0,
    };
    const retry = options.retry ?? (options.idempotencyKey !== undefined && options.idempotencyKey !== '');
    return new Promise<SubmitResult>((resolve, reject) => {
      const now = performance.now();
      const p: Pending = { job, sentAt: now, lastSentAt: now, retry, attempts: 1, resolve, reject };
      const go = (): void => {
        if (this.closed) {
          reject(new JiqUnavailableError('client is closed'));
          return;
        }
        this.sentCount++;
        if (this.canTransmit()) this.transmit(p);
        else this.orphan(p);
      };
      if (this.sentCount >= this.maxInFlight) this.blocked.push(go);
      else go();
    });
  }

  /** A dispatcher to send to: a live one, else (all silent) a connected one rather than none. */
  private canTransmit(): boolean {
    return this.live.length > 0 || this.conns.some((c) => c.channel !== undefined && c.unresponsive && !c.draining);
  }

  /** Puts a job on the stream of a uniformly random live dispatcher (or, if none answers now, a connected one). */
  private transmit(p: Pending): void {
    const pool = this.live.length > 0 ? this.live : this.conns.filter((c) => c.channel !== undefined && c.unresponsive && !c.draining);
    const conn = pool[Math.floor(this.rng.next() * pool.length)]!;
    const requestId = conn.nextId;
    conn.nextId = (requestId + 1) >>> 0 || 1;
    conn.pending.set(requestId, p);
    p.lastSentAt = performance.now();
    conn.channel!.send({ requestId, job: p.job });
    if (this.answerTimeoutMs > 0 && !this.answerSweep) {
      this.answerSweep = setInterval(() => this.sweepUnanswered(), Math.max(50, Math.min(500, this.answerTimeoutMs / 4)));
      this.answerSweep.unref();
    }
  }

  /** One timer for all jobs: those without a reply for answerTimeoutMs are resent or failed. */
  private sweepUnanswered(): void {
    const limit = performance.now() - this.answerTimeoutMs;
    for (const conn of this.conns) {
      for (const [requestId, p] of conn.pending) {
        if (p.lastSentAt > limit) continue;
        conn.pending.delete(requestId);
        this.counters.unanswered++;
        if (p.retry && p.attempts < this.maxAttempts && !this.closed) this.resend(p);
        else {
          p.reject(new JiqJobError(ErrorCode.DEADLINE_EXCEEDED, `no answer from ${conn.address} within ${this.answerTimeoutMs} ms (it may or may not have run)`, p.job.id!));
          this.answered();
        }
      }
    }
  }

  /** Waits for in-flight jobs (up to timeoutMs), then closes the streams. */
  async close(timeoutMs = 30_000): Promise<void> {
    if (this.closed) return;
    if (this.sentCount > 0) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, timeoutMs);
        this.drainWaiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    this.closed = true;
    this.pinger?.stop();
    for (const go of this.blocked.splice(0)) go();
    this.failOrphans();
    clearTimeout(this.orphanTimer);
    clearInterval(this.answerSweep);
    for (const c of this.conns) c.channel?.close();
    if (this.ownConnector) await this.connector.close();
  }

  private notifyDrained(): void {
    const ws = this.drainWaiters;
    this.drainWaiters = [];
    for (const w of ws) w();
  }
}

/**
 * The client's one ping timer. It notices when it itself ran late (this process stalled): then
 * the dispatchers' silence is this process's, and no verdict is drawn from it.
 */
class DispatcherPinger {
  private readonly timer: NodeJS.Timeout;
  private last = performance.now();

  constructor(
    private readonly intervalMs: number,
    private readonly round: (stalled: boolean) => void,
  ) {
    this.timer = setInterval(() => this.tick(), intervalMs);
    this.timer.unref();
  }

  private tick(): void {
    const now = performance.now();
    const late = now - this.last - this.intervalMs;
    this.last = now;
    this.round(late > STALL_MS);
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

/** A timer this much late means this process stalled (a pause no dispatcher caused). */
const STALL_MS = 250;
