import {
  codecs,
  type Codec,
  type DispatcherMessage,
  type DispatcherStats,
  type MessageInit,
  type StatsRequest,
  type SubmitReply,
  type SubmitRequest,
  type WorkerMessage,
} from '../gen/jiq';
import { JiqUnavailableError } from '@jiq/core';
import type { Channel, Connector, DispatcherHandlers, DispatcherLinkChannel, SubmitChannel } from './channel';

type Listener<T> = (message: T) => void;

/** One end of an in-process channel; `deliver` is the other end's inbox. */
class MemoryEnd<In, Out> implements Channel<In, Out> {
  other!: MemoryEnd<Out, In>;
  private readonly listeners: Listener<In>[] = [];
  private readonly closeListeners: ((error?: Error) => void)[] = [];
  private closed = false;

  constructor(
    readonly peer: string,
    private readonly codec: Codec<Out>,
  ) {}

  send(message: MessageInit<Out>): boolean {
    if (this.closed) return false;
    // Through the wire codec, like gRPC and NATS: the receiver gets a decoded message with the
    // protocol's defaults, and a message the schema cannot carry fails here.
    const decoded = this.codec.decode(this.codec.encode(message));
    const target = this.other;
    queueMicrotask(() => target.deliver(decoded));
    return true;
  }

  deliver(message: In): void {
    if (this.closed) return;
    for (const l of this.listeners) l(message);
  }

  onMessage(listener: (message: In) => void): void {
    this.listeners.push(listener);
  }

  onClose(listener: (error?: Error) => void): void {
    this.closeListeners.push(listener);
  }

  close(error?: Error): void {
    if (this.closed) return;
    // Messages already sent are delivered first (an ordered stream), then both ends close.
    queueMicrotask(() => {
      this.end(error);
      this.other.end(error);
    });
  }

  end(error?: Error): void {
    if (this.closed) return;
    this.closed = true;
    for (const l of this.closeListeners) l(error);
  }
}

/**
 * A pair of connected in-process channels: ordered, asynchronous (each message is delivered
 * in a microtask) and passed through the wire codecs. The second implementation of the
 * Channel contract beside gRPC and NATS, for protocol tests without sockets.
 */
export function memoryChannelPair<A, B>(
  codecA: Codec<A>,
  codecB: Codec<B>,
  peers: { a: string; b: string } = { a: 'memory-a', b: 'memory-b' },
): [Channel<B, A>, Channel<A, B>] {
  const a = new MemoryEnd<B, A>(peers.b, codecA);
  const b = new MemoryEnd<A, B>(peers.a, codecB);
  a.other = b;
  b.other = a;
  return [a, b];
}

/** A Connector to dispatchers served in this process (by address), over memory channels. */
export class MemoryConnector implements Connector {
  readonly name = 'memory';
  private readonly served = new Map<string, DispatcherHandlers>();

  /** Serves `handlers` at `address` (a test's dispatcher). */
  serve(address: string, handlers: DispatcherHandlers): void {
    this.served.set(address, handlers);
  }

  unserve(address: string): void {
    this.served.delete(address);
  }

  private handlers(address: string): DispatcherHandlers {
    const h = this.served.get(address);
    if (!h) throw new JiqUnavailableError(`no dispatcher served at ${address}`);
    return h;
  }

  connectWorker(address: string): Promise<DispatcherLinkChannel> {
    try {
      const h = this.handlers(address);
      const [worker, dispatcher] = memoryChannelPair<WorkerMessage, DispatcherMessage>(codecs.WorkerMessage, codecs.DispatcherMessage, {
        a: 'memory-worker',
        b: address,
      });
      h.onWorker(dispatcher);
      return Promise.resolve(worker);
    } catch (err) {
      return Promise.reject(err as Error);
    }
  }

  connectClient(address: string): Promise<SubmitChannel> {
    try {
      const h = this.handlers(address);
      const [client, dispatcher] = memoryChannelPair<SubmitRequest, SubmitReply>(codecs.SubmitRequest, codecs.SubmitReply, {
        a: 'memory-client',
        b: address,
      });
      h.onClient(dispatcher);
      return Promise.resolve(client);
    } catch (err) {
      return Promise.reject(err as Error);
    }
  }

  async stats(address: string, request: MessageInit<StatsRequest>): Promise<DispatcherStats> {
    const full = codecs.StatsRequest.decode(codecs.StatsRequest.encode(request));
    const out = this.handlers(address).stats(full);
    return codecs.DispatcherStats.decode(codecs.DispatcherStats.encode(out as MessageInit<DispatcherStats>));
  }

  close(): Promise<void> {
    this.served.clear();
    return Promise.resolve();
  }
}
