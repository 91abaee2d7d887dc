import type { NatsConnection } from 'nats';
import type { MessageInit } from '../gen/jiq';
import { JiqTimeoutError } from '@jiq/core';
import type { Channel } from './channel';

export interface SessionCounters {
  malformed: number;
  dropped: number;
}

export interface SessionConfig<In, Out> {
  readonly nc: NatsConnection;
  readonly peer: string;
  /** Where this side publishes its messages, heartbeats and bye. */
  readonly dataSubject: string;
  readonly pingSubject: string;
  readonly byeSubject: string;
  readonly decode: (bytes: Uint8Array) => In;
  readonly encode: (message: MessageInit<Out>) => Uint8Array;
  readonly heartbeatMs: number;
  /** No message or heartbeat from the peer for this long closes the session. */
  readonly timeoutMs: number;
  readonly counters: SessionCounters;
  readonly onFinish?: () => void;
  /**
   * False while this side's broker connection is down: the session timeout does not run then
   * (the peer cannot be heard), so a broker restart does not end healthy sessions.
   */
  readonly linkUp?: () => boolean;
}

const EMPTY = new Uint8Array(0);

/** One side of a session over NATS subjects, seen as a Channel. */
export class NatsSessionChannel<In, Out> implements Channel<In, Out> {
  private closed = false;
  private closeError: Error | undefined;
  private readonly messageListeners: ((m: In) => void)[] = [];
  private closeListeners: ((error?: Error) => void)[] = [];
  private lastSeen = performance.now();
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly cfg: SessionConfig<In, Out>) {
    this.timer = setInterval(() => this.tick(), cfg.heartbeatMs);
    this.timer.unref();
  }

  get peer(): string {
    return this.cfg.peer;
  }

  /** Bytes received on the session's data subject. Undecodable bytes are counted and dropped. */
  deliver(bytes: Uint8Array): void {
    if (this.closed) return;
    this.lastSeen = performance.now();
    let message: In;
    try {
      message = this.cfg.decode(bytes);
    } catch {
      this.cfg.counters.malformed++;
      return;
    }
    for (const l of this.messageListeners) l(message);
  }

  /** A heartbeat from the peer. */
  touch(): void {
    this.lastSeen = performance.now();
  }

  /** The peer said bye. */
  remoteClosed(): void {
    this.finish();
  }

  send(message: MessageInit<Out>): boolean {
    if (this.closed || this.cfg.nc.isClosed()) return false;
    try {
      this.cfg.nc.publish(this.cfg.dataSubject, this.cfg.encode(message));
      return true;
    } catch {
      this.cfg.counters.dropped++;
      return false;
    }
  }

  onMessage(listener: (message: In) => void): void {
    this.messageListeners.push(listener);
  }

  onClose(listener: (error?: Error) => void): void {
    if (this.closed) listener(this.closeError);
    else this.closeListeners.push(listener);
  }

  close(): void {
    if (this.closed) return;
    this.publish(this.cfg.byeSubject);
    this.finish();
  }

  /** Closes without telling the peer (the connection is going away). */
  abort(error?: Error): void {
    this.finish(error);
  }

  private tick(): void {
    if (this.cfg.linkUp && !this.cfg.linkUp()) {
      this.lastSeen = performance.now();
      return;
    }
    if (performance.now() - this.lastSeen > this.cfg.timeoutMs) {
      this.finish(new JiqTimeoutError(`session with ${this.cfg.peer} timed out (no heartbeat for ${this.cfg.timeoutMs} ms)`, this.cfg.timeoutMs));
      return;
    }
    this.publish(this.cfg.pingSubject);
  }

  private publish(subject: string): void {
    if (this.cfg.nc.isClosed()) return;
    try {
      this.cfg.nc.publish(subject, EMPTY);
    } catch {
      // connection closing
    }
  }

  private finish(error?: Error): void {
    if (this.closed) return;
    this.closed = true;
    this.closeError = error;
    clearInterval(this.timer);
    this.cfg.onFinish?.();
    const ls = this.closeListeners;
    this.closeListeners = [];
    for (const l of ls) l(error);
  }
}
