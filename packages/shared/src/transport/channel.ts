import type {
  DispatcherMessage,
  DispatcherStats,
  MessageInit,
  StatsRequest,
  SubmitReply,
  SubmitRequest,
  WorkerMessage,
} from '../gen/jiq';

/**
 * One long-lived, ordered, bidirectional message channel: a gRPC bidi stream, or a session
 * over NATS subjects. Protocol code (dispatcher, worker, client) sees only this.
 */
export interface Channel<In, Out> {
  /** Human-readable peer (address or subject) for logs. */
  readonly peer: string;
  /** Queues a message; false once the channel is closed. */
  send(message: MessageInit<Out>): boolean;
  onMessage(listener: (message: In) => void): void;
  /** Called once, when either side closes or the connection fails (with the error). */
  onClose(listener: (error?: Error) => void): void;
  close(): void;
}

/** The dispatcher's side of a worker connection. */
export type WorkerChannel = Channel<WorkerMessage, DispatcherMessage>;
/** The dispatcher's side of a client connection. */
export type ClientChannel = Channel<SubmitRequest, SubmitReply>;
/** A worker's side of its connection to one dispatcher. */
export type DispatcherLinkChannel = Channel<DispatcherMessage, WorkerMessage>;
/** A client's side of its connection to one dispatcher. */
export type SubmitChannel = Channel<SubmitReply, SubmitRequest>;

/** What a dispatcher serves, whatever the transport. */
export interface DispatcherHandlers {
  onWorker(channel: WorkerChannel): void;
  onClient(channel: ClientChannel): void;
  stats(request: StatsRequest): DispatcherStats | MessageInit<DispatcherStats>;
}

/** The serving side of a transport, owned by a dispatcher process. */
export interface DispatcherServer {
  /** Where peers reach this dispatcher (host:port for gRPC, the dispatcher id for NATS). */
  readonly address: string;
  /** False while the link to the broker (NATS) is down; absent on transports without one (gRPC). */
  brokerUp?(): boolean;
  close(): Promise<void>;
}

/** The connecting side of a transport, used by workers, clients and the cluster runner. */
export interface Connector {
  readonly name: string;
  /** Resolves once the dispatcher answers; rejects with JiqUnavailableError/JiqTimeoutError. */
  connectWorker(address: string, timeoutMs: number): Promise<DispatcherLinkChannel>;
  connectClient(address: string, timeoutMs: number): Promise<SubmitChannel>;
  stats(address: string, request: MessageInit<StatsRequest>, timeoutMs: number): Promise<DispatcherStats>;
  /** False while the link to the broker (NATS) is down; absent on transports without one (gRPC). */
  brokerUp?(): boolean;
  close(): Promise<void>;
}
