import * as grpc from '@grpc/grpc-js';
import { DispatcherService, type Codec, type MessageInit, type MethodDescriptor } from '../gen/jiq';
import type { DispatcherMessage, DispatcherStats, StatsRequest, SubmitReply, SubmitRequest, WorkerMessage } from '../gen/jiq';
import { ErrorCode, JiqRefusedError, JiqTimeoutError, JiqUnavailableError } from '@jiq/core';
import { AUTH_METADATA_KEY, bearer, tokenFromBearer, type AuthRefusal, type Authorizer, type PresentedCredentials } from '../auth/credentials';
import type { TlsClientConfig, TlsServerConfig } from '../auth/tls-files';
import { listenNoDelay, type NoDelayListener } from './no-delay-listener';
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
  /** Serve over TLS (and require client certificates when it has a clientCa). Default: plaintext. */
  tls?: TlsServerConfig;
  /** Decides at stream setup (and per Stats call) whether the peer may talk; default: everyone. */
  authorize?: Authorizer;
}

const REFUSAL_STATUS: Record<AuthRefusal['code'], grpc.status> = {
  [ErrorCode.UNAUTHENTICATED]: grpc.status.UNAUTHENTICATED,
  [ErrorCode.PERMISSION_DENIED]: grpc.status.PERMISSION_DENIED,
};

function credentialsOf(call: { metadata: grpc.Metadata; getPeer(): string }, role: PresentedCredentials['role']): PresentedCredentials {
  return { role, token: tokenFromBearer(call.metadata.get(AUTH_METADATA_KEY)[0]), peer: call.getPeer() };
}

function serverCredentials(tls: TlsServerConfig | undefined): grpc.ServerCredentials {
  if (!tls) return grpc.ServerCredentials.createInsecure();
  return grpc.ServerCredentials.createSsl(tls.clientCa ?? null, [{ private_key: tls.key, cert_chain: tls.cert }], tls.clientCa !== undefined);
}

/**
 * Runs the authorizer on a new stream: refuses it with the gRPC status of the refusal, or
 * accepts it by sending the response headers, which the connecting side waits for.
 */
function admit(
  call: grpc.ServerDuplexStream<unknown, unknown>,
  role: 'worker' | 'client',
  authorize: Authorizer | undefined,
): boolean {
  const refusal = authorize?.(credentialsOf(call, role));
  if (refusal) {
    call.emit('error', { code: REFUSAL_STATUS[refusal.code], details: refusal.message, metadata: new grpc.Metadata() });
    return false;
  }
  call.sendMetadata(new grpc.Metadata());
  return true;
}

/** Serves the Dispatcher service; resolves once bound (port 0 picks a free port). */
export async function startGrpcDispatcherServer(handlers: DispatcherHandlers, options: GrpcServerOptions): Promise<DispatcherServer> {
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
  const authorize = options.authorize;
  // Every stream is admitted (token checked) before the protocol sees it; see admit().
  const serve = <In, Out>(role: 'worker' | 'client', batched: boolean, handle: (channel: StreamChannel<In, Out>) => void): grpc.handleBidiStreamingCall<unknown, unknown> =>
    (call) => {
      if (admit(call, role, authorize)) handle(new StreamChannel<In, Out>(call as never, call.getPeer(), false, batched));
    };
  const submit = serve<SubmitRequest, SubmitReply>('client', false, (ch) => handlers.onClient(ch));
  const connect = serve<WorkerMessage, DispatcherMessage>('worker', false, (ch) => handlers.onWorker(ch));
  const submitBatched = serve<SubmitRequest, SubmitReply>('client', true, (ch) => handlers.onClient(ch));
  const connectBatched = serve<WorkerMessage, DispatcherMessage>('worker', true, (ch) => handlers.onWorker(ch));
  server.addService(dispatcherServiceDefinition, {
    Submit: submit as grpc.UntypedHandleCall,
    Connect: connect as grpc.UntypedHandleCall,
    SubmitBatched: submitBatched as grpc.UntypedHandleCall,
    ConnectBatched: connectBatched as grpc.UntypedHandleCall,
    Stats: (call: grpc.ServerUnaryCall<StatsRequest, DispatcherStats>, callback: grpc.sendUnaryData<DispatcherStats>) => {
      const refusal = authorize?.(credentialsOf(call, 'stats'));
      if (refusal) {
        callback({ code: REFUSAL_STATUS[refusal.code], details: refusal.message });
        return;
      }
      try {
        callback(null, handlers.stats(call.request) as DispatcherStats);
      } catch (err) {
        callback({ code: grpc.status.INTERNAL, details: (err as Error).message });
      }
    },
  });
  const injector = server.createConnectionInjector(serverCredentials(options.tls));
  let listener: NoDelayListener;
  try {
    listener = await listenNoDelay(options.host, options.port, (socket) => injector.injectConnection(socket));
  } catch (err) {
    server.forceShutdown();
    throw new JiqUnavailableError(`cannot listen on ${options.host}:${options.port}: ${(err as Error).message}`, undefined, { cause: err });
  }
  return {
    address: `${options.host}:${listener.port}`,
    close: async () => {
      listener.stopAccepting();
      await new Promise<void>((res) => {
        const force = setTimeout(() => {
          server.forceShutdown();
          res();
        }, 3_000);
        force.unref();
        server.tryShutdown(() => {
          clearTimeout(force);
          res();
        });
      });
      listener.destroyRemaining();
    },
  };
}

const DispatcherClient = grpc.makeGenericClientConstructor(dispatcherServiceDefinition, 'Dispatcher');
type DispatcherClientInstance = InstanceType<typeof DispatcherClient> & {
  Submit(metadata: grpc.Metadata): grpc.ClientDuplexStream<unknown, unknown>;
  Connect(metadata: grpc.Metadata): grpc.ClientDuplexStream<unknown, unknown>;
  SubmitBatched(metadata: grpc.Metadata): grpc.ClientDuplexStream<unknown, unknown>;
  ConnectBatched(metadata: grpc.Metadata): grpc.ClientDuplexStream<unknown, unknown>;
  Stats(
    req: MessageInit<StatsRequest>,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    cb: (err: grpc.ServiceError | null, res?: DispatcherStats) => void,
  ): grpc.ClientUnaryCall;
};

export interface GrpcConnectorOptions {
  /** Largest payload expected in replies. Default 4 MiB. */
  maxMessageBytes?: number;
  /** Connect over TLS, checking the dispatcher against this CA (and presenting a client certificate for mTLS). */
  tls?: TlsClientConfig;
  /** The shared secret presented on every stream and Stats call. */
  authToken?: string;
  /** Ping period of the connection (see the constructor). Default 10000 ms. */
  keepaliveMs?: number;
}

/** A refused stream or call as a typed error naming the dispatcher and the cause. */
function refusedOrUnavailable(err: grpc.ServiceError, address: string, what: string): Error {
  if (err.code === grpc.status.UNAUTHENTICATED || err.code === grpc.status.PERMISSION_DENIED) {
    const code = err.code === grpc.status.UNAUTHENTICATED ? ErrorCode.UNAUTHENTICATED : ErrorCode.PERMISSION_DENIED;
    return new JiqRefusedError(code, `dispatcher ${address} refused the ${what}: ${err.details}`, address, { cause: err });
  }
  return new JiqUnavailableError(`${what} to ${address} failed: ${err.details || err.message}`, address, { cause: err });
}

/** Connects to dispatchers over gRPC; one HTTP/2 connection per address, shared by streams. */
export class GrpcConnector implements Connector {
  readonly name = 'grpc';
  private readonly clients = new Map<string, DispatcherClientInstance>();
  private readonly maxMessageBytes: number;
  private readonly keepaliveMs: number;
  private readonly channelCredentials: grpc.ChannelCredentials;
  private readonly authToken: string | undefined;
  private readonly secure: boolean;

  /**
   * keepaliveMs: the connection is pinged this often and dropped when a ping is not answered
   * within twice that, so a dispatcher that stops answering (hung, SIGSTOP, network cut) is
   * noticed within a few keepalive periods, not only when its TCP connection closes; its
   * streams then fail and the caller goes elsewhere (grpc-js servers do not police ping rates).
   * Clients use 1000 ms (JiqClient's default connector); workers, whose jobs the dispatcher
   * times out anyway, keep the gentler default.
   */
  constructor(o: GrpcConnectorOptions = {}) {
    this.secure = o.tls !== undefined;
    this.maxMessageBytes = o.maxMessageBytes ?? 4 * 1024 * 1024;
    this.keepaliveMs = o.keepaliveMs ?? 10_000;
    this.channelCredentials = o.tls
      ? grpc.credentials.createSsl(o.tls.ca ?? null, o.tls.key ?? null, o.tls.cert ?? null)
      : grpc.credentials.createInsecure();
    this.authToken = o.authToken;
  }

  private metadata(): grpc.Metadata {
    const m = new grpc.Metadata();
    if (this.authToken !== undefined) m.set(AUTH_METADATA_KEY, bearer(this.authToken));
    return m;
  }

  private client(address: string): DispatcherClientInstance {
    let c = this.clients.get(address);
    if (!c) {
      c = new DispatcherClient(address, this.channelCredentials, {
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
          // A TLS mismatch looks the same as silence from here: name both causes.
          const hint = this.secure
            ? ' (is it serving TLS with a certificate --tls-ca trusts, for this host name?)'
            : ' (if it serves TLS, pass --tls-ca)';
          reject(new JiqTimeoutError(`dispatcher ${address} did not answer within ${timeoutMs} ms${hint}`, timeoutMs, { cause: err }));
        } else resolve(c);
      });
    });
  }

  /**
   * Opens a stream and waits for the dispatcher's response headers, so a refused token or
   * identity fails the connect itself (with JiqRefusedError) instead of the first job.
   */
  private async open(address: string, timeoutMs: number, start: (c: DispatcherClientInstance) => grpc.ClientDuplexStream<unknown, unknown>, what: string) {
    const c = await this.ready(address, timeoutMs);
    const stream = start(c);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        cleanup();
        stream.on('error', () => undefined); // the cancellation's own error
        stream.cancel();
        reject(new JiqTimeoutError(`dispatcher ${address} did not accept the ${what} within ${timeoutMs} ms`, timeoutMs));
      }, timeoutMs);
      const onMetadata = (): void => {
        cleanup();
        resolve();
      };
      const onError = (err: grpc.ServiceError): void => {
        cleanup();
        reject(refusedOrUnavailable(err, address, what));
      };
      const cleanup = (): void => {
        clearTimeout(timer);
        stream.off('metadata', onMetadata);
        stream.off('error', onError);
      };
      stream.on('metadata', onMetadata);
      stream.on('error', onError);
    });
    return stream;
  }

  async connectWorker(address: string, timeoutMs: number): Promise<DispatcherLinkChannel> {
    const stream = await this.open(address, timeoutMs, (c) => c.ConnectBatched(this.metadata()), 'worker stream');
    return new StreamChannel(stream as never, address, true, true);
  }

  async connectClient(address: string, timeoutMs: number): Promise<SubmitChannel> {
    const stream = await this.open(address, timeoutMs, (c) => c.SubmitBatched(this.metadata()), 'client stream');
    return new StreamChannel(stream as never, address, true, true);
  }

  async stats(address: string, request: MessageInit<StatsRequest>, timeoutMs: number): Promise<DispatcherStats> {
    const c = await this.ready(address, timeoutMs);
    return new Promise((resolve, reject) => {
      c.Stats(request, this.metadata(), { deadline: Date.now() + timeoutMs }, (err, res) => {
        if (err) reject(refusedOrUnavailable(err, address, 'stats call'));
        else if (!res) reject(new JiqUnavailableError(`stats from ${address} failed: empty reply`, address));
        else resolve(res);
      });
    });
  }

  async close(): Promise<void> {
    for (const c of this.clients.values()) c.close();
    this.clients.clear();
  }
}
