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
  type BackoffPolicy,
  type Connector,
  type DispatchInfo,
  type Logger,
  type SubmitChannel,
  type SubmitReply,
} from '@jiq/shared';

export interface JiqClientOptions {
  /** Dispatcher addresses; jobs are spread uniformly over the live ones. */
  dispatchers: string[];
  connector?: Connector;
  /** Each dispatcher must answer within this at connect. Default 5000 ms. */
  connectTimeoutMs?: number;
  /** Payloads above this are refused locally. Default 4 MiB (match the dispatchers'). */
  maxPayloadBytes?: number;
  seed?: number;
  backoff?: BackoffPolicy;
  /** Where jiq logs (pino). Default: silent. */
  logger?: Logger;
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
}

export interface SubmitResult {
  readonly jobId: string;
  readonly result: Uint8Array;
  readonly info: DispatchInfo;
  /** Client-side latency: submit to reply, in ms. */
  readonly latencyMs: number;
}

interface Pending {
  readonly jobId: string;
  readonly sentAt: number;
  resolve(r: SubmitResult): void;
  reject(e: Error): void;
}

interface Conn {
  readonly address: string;
  channel: SubmitChannel | undefined;
  readonly pending: Map<number, Pending>;
  nextId: number;
}

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

  constructor(options: JiqClientOptions) {
    if (!Array.isArray(options.dispatchers) || options.dispatchers.length === 0) {
      throw new JiqConfigError('dispatchers', 'at least one dispatcher address is required', options.dispatchers);
    }
    this.conns = options.dispatchers.map((address) => ({ address, channel: undefined, pending: new Map(), nextId: 1 }));
    this.ownConnector = options.connector === undefined;
    this.connector = options.connector ?? new GrpcConnector(options.maxPayloadBytes);
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

  get inFlight(): number {
    let n = 0;
    for (const c of this.conns) n += c.pending.size;
    return n;
  }

  private async open(conn: Conn): Promise<void> {
    const channel = await this.connector.connectClient(conn.address, this.connectTimeoutMs);
    if (this.closed) {
      channel.close();
      return;
    }
    conn.channel = channel;
    channel.onMessage((reply) => this.onReply(conn, reply));
    channel.onClose((err) => this.lost(conn, channel, err));
    this.live.push(conn);
  }

  private onReply(conn: Conn, reply: SubmitReply): void {
    const p = conn.pending.get(reply.requestId);
    if (!p) return;
    conn.pending.delete(reply.requestId);
    if (reply.ok) {
      p.resolve({ jobId: p.jobId, result: reply.result, info: reply.info ?? EMPTY_INFO, latencyMs: performance.now() - p.sentAt });
    } else {
      const code = reply.error?.code ?? ErrorCode.ERROR_CODE_UNSPECIFIED;
      p.reject(new JiqJobError(code, reply.error?.message ?? 'failed', p.jobId));
    }
    if (this.drainWaiters.length > 0 && this.inFlight === 0) this.notifyDrained();
  }

  private lost(conn: Conn, channel: SubmitChannel, err?: Error): void {
    if (conn.channel !== channel) return;
    conn.channel = undefined;
    this.live = this.live.filter((c) => c !== conn);
    for (const [, p] of conn.pending) {
      p.reject(new JiqUnavailableError(`dispatcher ${conn.address} was lost with job ${p.jobId} in flight (it may or may not have run)`, conn.address, { cause: err }));
    }
    conn.pending.clear();
    if (this.drainWaiters.length > 0 && this.inFlight === 0) this.notifyDrained();
    if (this.closed) return;
    this.log.warn({ dispatcher: conn.address, err: err?.message }, 'lost dispatcher; failing over');
    void this.reconnect(conn);
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
    const n = this.live.length;
    if (n === 0) return Promise.reject(new JiqUnavailableError('no dispatcher is reachable'));
    const conn = this.live[Math.floor(this.rng.next() * n)]!;
    const jobId = options.id ?? `${this.clientId}-${++this.seq}`;
    const requestId = conn.nextId;
    conn.nextId = (requestId + 1) >>> 0 || 1;
    return new Promise<SubmitResult>((resolve, reject) => {
      conn.pending.set(requestId, { jobId, sentAt: performance.now(), resolve, reject });
      conn.channel!.send({
        requestId,
        job: {
          id: jobId,
          payload,
          size: options.size ?? 0,
          idempotencyKey: options.idempotencyKey ?? '',
          deadlineMs: options.deadlineMs ?? 0,
          measure: options.measure ?? true,
        },
      });
    });
  }

  /** Waits for in-flight jobs (up to timeoutMs), then closes the streams. */
  async close(timeoutMs = 30_000): Promise<void> {
    if (this.closed) return;
    if (this.inFlight > 0) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, timeoutMs);
        this.drainWaiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    this.closed = true;
    for (const c of this.conns) c.channel?.close();
    if (this.ownConnector) await this.connector.close();
  }

  private notifyDrained(): void {
    const ws = this.drainWaiters;
    this.drainWaiters = [];
    for (const w of ws) w();
  }
}
