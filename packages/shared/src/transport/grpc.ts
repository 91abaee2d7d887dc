import * as grpc from '@grpc/grpc-js';
import { DispatcherService, type Codec, type MessageInit, type MethodDescriptor } from '../gen/jiq';
import type { DispatcherMessage, DispatcherStats, StatsRequest, SubmitReply, SubmitRequest, WorkerMessage } from '../gen/jiq';
import { JiqTimeoutError, JiqUnavailableError } from '@jiq/core';
import { TurnBatcher } from './turn-batcher';
import type {
  Channel,
  Connector,
  DispatcherHandlers,
  DispatcherLinkChannel,
  DispatcherServer,
  SubmitChannel,
} from './channel';

/** Room for the protocol envelope around the largest payload. */
const ENVELOPE_BYTES = 64 * 1024;

function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function serializer<T>(codec: Codec<T>): (value: T) => Buffer {
  return (value) => toBuffer(codec.encode(value as MessageInit<T>));
}

function methodDefinition<Req, Res>(m: MethodDescriptor<Req, Res>, name: string): grpc.MethodDefinition<Req, Res> {
  return {
    path: m.path,
    requestStream: m.requestStream,
    responseStream: m.responseStream,
    requestSerialize: serializer(m.request),
    requestDeserialize: (b: Buffer) => m.request.decode(b),
    responseSerialize: serializer(m.response),
    responseDeserialize: (b: Buffer) => m.response.decode(b),
    originalName: name,
  };
}

/** grpc-js service definition generated from proto/jiq.proto's Dispatcher service. */
export const dispatcherServiceDefinition = {
  Submit: methodDefinition(DispatcherService.submit, 'submit'),
  Connect: methodDefinition(DispatcherService.connect, 'connect'),
  Stats: methodDefinition(DispatcherService.stats, 'stats'),
  SubmitBatched: methodDefinition(DispatcherService.submitBatched, 'submitBatched'),
  ConnectBatched: methodDefinition(DispatcherService.connectBatched, 'connectBatched'),
} satisfies grpc.ServiceDefinition;

type AnyDuplex = grpc.ServerDuplexStream<unknown, unknown> | grpc.ClientDuplexStream<unknown, unknown>;

/** A batched stream carries `{ messages: [...] }`: what one turn sent, in order. */
interface Batch<T> {
  messages: T[];
}

/**
 * A gRPC bidi stream seen as a Channel. Batched: sends are gathered per event-loop turn into
 * one stream message (see TurnBatcher) and received batches are delivered one message at a
 * time, in order, so protocol code sees the same channel either way.
 */
class StreamChannel<In, Out> implements Channel<In, Out> {
  private closed = false;
  private closeListeners: ((error?: Error) => void)[] = [];
  private closeError: Error | undefined;
  private readonly batcher: TurnBatcher<MessageInit<Out>> | undefined;

  constructor(
    private readonly stream: AnyDuplex,
    readonly peer: string,
    private readonly isClient: boolean,
    private readonly batched = false,
  ) {
    if (batched) this.batcher = new TurnBatcher((messages) => this.write({ messages }));
    const finish = (error?: Error): void => {
      if (this.closed) return;
      this.closed = true;
      this.closeError = error;
      for (const l of this.closeListeners) l(error);
      this.closeListeners = [];
    };
    stream.on('error', (err: Error) => finish(err));
    stream.on('end', () => {
      // The peer half-closed: finish our half too.
      if (!this.isClient) this.safeEnd();
      finish();
    });
    stream.on('close', () => finish());
    if (!isClient) (stream as grpc.ServerDuplexStream<In, Out>).on('cancelled', () => finish(new Error('cancelled by peer')));
  }

  send(message: MessageInit<Out>): boolean {
    if (this.closed) return false;
    if (this.batcher) {
      this.batcher.push(message);
      return true;
    }
    return this.write(message);
  }

  private write(frame: unknown): boolean {
    if (this.closed) return false;
    try {
      this.stream.write(frame);
      return true;
    } catch {
      return false;
    }
  }

  onMessage(listener: (message: In) => void): void {
    if (this.batched) {
      this.stream.on('data', (batch: Batch<In>) => {
        for (const m of batch.messages) listener(m);
      });
    } else this.stream.on('data', listener);
  }

  onClose(listener: (error?: Error) => void): void {
    if (this.closed) listener(this.closeError);
    else this.closeListeners.push(listener);
  }

  close(): void {
    if (this.closed) return;
    this.safeEnd();
    if (this.isClient) {
      // A client that ends its half still waits for the server's end; cancel after a grace period.
      const timer = setTimeout(() => (this.stream as grpc.ClientDuplexStream<Out, In>).cancel(), 2_000);
      timer.unref();
    }
  }

  private safeEnd(): void {
    // What this turn sent goes before the end.
    this.batcher?.flush();
    try {
      this.stream.end();
    } catch {
      // already ended
    }
  }
}

export interface GrpcServerOptions {
  host: string;
  port: number;
  /** Largest accepted message; the dispatcher itself enforces the payload limit. */
  maxMessageBytes: number;
}

/** Serves the Dispatcher service; resolves once bound (port 0 picks a free port). */
export function startGrpcDispatcherServer(handlers: DispatcherHandlers, options: GrpcServerOptions): Promise<DispatcherServer> {
  const server = new grpc.Server({
    // Just above the payload limit (room for the envelope), so a job slightly too large is
    // refused by the dispatcher with INVALID_ARGUMENT for that job alone, while a stream that
    // announces a larger message is cut at once instead of buffering it (memory bound).
    'grpc.max_receive_message_length': options.maxMessageBytes + ENVELOPE_BYTES,
    'grpc.max_send_message_length': -1,
    'grpc.keepalive_time_ms': 10_000,
    'grpc.keepalive_timeout_ms': 5_000,
    'grpc.keepalive_permit_without_calls': 1,
    'grpc.http2.min_ping_interval_without_data_ms': 5_000,
    // Bounds: streams per connection (a client or worker uses one per dispatcher), and a
    // connection with no stream for a minute is closed.
    'grpc.max_concurrent_streams': 1_000,
    'grpc.max_connection_idle_ms': 60_000,
  });
  const submit: grpc.handleBidiStreamingCall<SubmitRequest, SubmitReply> = (call) =>
    handlers.onClient(new StreamChannel<SubmitRequest, SubmitReply>(call, call.getPeer(), false));
  const connect: grpc.handleBidiStreamingCall<WorkerMessage, DispatcherMessage> = (call) =>
    handlers.onWorker(new StreamChannel<WorkerMessage, DispatcherMessage>(call, call.getPeer(), false));
  const submitBatched: grpc.handleBidiStreamingCall<unknown, unknown> = (call) =>
    handlers.onClient(new StreamChannel<SubmitRequest, SubmitReply>(call, call.getPeer(), false, true));
  const connectBatched: grpc.handleBidiStreamingCall<unknown, unknown> = (call) =>
    handlers.onWorker(new StreamChannel<WorkerMessage, DispatcherMessage>(call, call.getPeer(), false, true));
  server.addService(dispatcherServiceDefinition, {
    Submit: submit as grpc.UntypedHandleCall,
    Connect: connect as grpc.UntypedHandleCall,
    SubmitBatched: submitBatched as grpc.UntypedHandleCall,
    ConnectBatched: connectBatched as grpc.UntypedHandleCall,
    Stats: (call: grpc.ServerUnaryCall<StatsRequest, DispatcherStats>, callback: grpc.sendUnaryData<DispatcherStats>) => {
      try {
        callback(null, handlers.stats(call.request) as DispatcherStats);
      } catch (err) {
        callback({ code: grpc.status.INTERNAL, details: (err as Error).message });
      }
    },
  });
  return new Promise((resolve, reject) => {
    server.bindAsync(`${options.host}:${options.port}`, grpc.ServerCredentials.createInsecure(), (err, port) => {
      if (err) {
        reject(new JiqUnavailableError(`cannot listen on ${options.host}:${options.port}: ${err.message}`, undefined, { cause: err }));
        return;
      }
      resolve({
        address: `${options.host}:${port}`,
        close: () =>
          new Promise<void>((res) => {
            const force = setTimeout(() => {
              server.forceShutdown();
              res();
            }, 3_000);
            force.unref();
            server.tryShutdown(() => {
              clearTimeout(force);
              res();
            });
          }),
      });
    });
  });
}

const DispatcherClient = grpc.makeGenericClientConstructor(dispatcherServiceDefinition, 'Dispatcher');
type DispatcherClientInstance = InstanceType<typeof DispatcherClient> & {
  Submit(): grpc.ClientDuplexStream<unknown, unknown>;
  Connect(): grpc.ClientDuplexStream<unknown, unknown>;
  SubmitBatched(): grpc.ClientDuplexStream<unknown, unknown>;
  ConnectBatched(): grpc.ClientDuplexStream<unknown, unknown>;
  Stats(
    req: MessageInit<StatsRequest>,
    options: grpc.CallOptions,
    cb: (err: grpc.ServiceError | null, res?: DispatcherStats) => void,
  ): grpc.ClientUnaryCall;
};

/** Connects to dispatchers over gRPC; one HTTP/2 connection per address, shared by streams. */
export class GrpcConnector implements Connector {
  readonly name = 'grpc';
  private readonly clients = new Map<string, DispatcherClientInstance>();

  /**
   * keepaliveMs: the connection is pinged this often and dropped when a ping is not answered
   * within twice that, so a dispatcher that stops answering (hung, SIGSTOP, network cut) is
   * noticed within a few keepalive periods, not only when its TCP connection closes; its
   * streams then fail and the caller goes elsewhere (grpc-js servers do not police ping rates).
   * Clients use 1000 ms (JiqClient's default connector); workers, whose jobs the dispatcher
   * times out anyway, keep the gentler default.
   */
  constructor(
    private readonly maxMessageBytes = 4 * 1024 * 1024,
    private readonly keepaliveMs = 10_000,
  ) {}

  private client(address: string): DispatcherClientInstance {
    let c = this.clients.get(address);
    if (!c) {
      c = new DispatcherClient(address, grpc.credentials.createInsecure(), {
        'grpc.max_receive_message_length': this.maxMessageBytes * 2 + ENVELOPE_BYTES,
        'grpc.max_send_message_length': -1,
        'grpc.keepalive_time_ms': this.keepaliveMs,
        'grpc.keepalive_timeout_ms': this.keepaliveMs * 2,
        'grpc.keepalive_permit_without_calls': 1,
        'grpc.initial_reconnect_backoff_ms': 100,
        'grpc.max_reconnect_backoff_ms': 2_000,
        // jiq has its own retry semantics (re-dispatch, idempotency keys); grpc-js's per-message
        // retry buffering costs CPU on every stream message.
        'grpc.enable_retries': 0,
      }) as DispatcherClientInstance;
      this.clients.set(address, c);
    }
    return c;
  }

  private ready(address: string, timeoutMs: number): Promise<DispatcherClientInstance> {
    const c = this.client(address);
    return new Promise((resolve, reject) => {
      c.waitForReady(Date.now() + timeoutMs, (err) => {
        if (err) {
          reject(new JiqTimeoutError(`dispatcher ${address} did not answer within ${timeoutMs} ms`, timeoutMs, { cause: err }));
        } else resolve(c);
      });
    });
  }

  async connectWorker(address: string, timeoutMs: number): Promise<DispatcherLinkChannel> {
    const c = await this.ready(address, timeoutMs);
    return new StreamChannel(c.ConnectBatched(), address, true, true);
  }

  async connectClient(address: string, timeoutMs: number): Promise<SubmitChannel> {
    const c = await this.ready(address, timeoutMs);
    return new StreamChannel(c.SubmitBatched(), address, true, true);
  }

  async stats(address: string, request: MessageInit<StatsRequest>, timeoutMs: number): Promise<DispatcherStats> {
    const c = await this.ready(address, timeoutMs);
    return new Promise((resolve, reject) => {
      c.Stats(request, { deadline: Date.now() + timeoutMs }, (err, res) => {
        if (err || !res) reject(new JiqUnavailableError(`stats from ${address} failed: ${err?.message ?? 'empty reply'}`, address, { cause: err }));
        else resolve(res);
      });
    });
  }

  async close(): Promise<void> {
    for (const c of this.clients.values()) c.close();
    this.clients.clear();
  }
}
