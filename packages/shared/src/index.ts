// Public API of @jiq/shared: the edges around the pure core (@jiq/core) — the generated protocol,
// the gRPC and NATS transports, Redis membership and metrics, logging. Everything else in this
// package is internal.
export { codecs, DispatcherService } from './gen/jiq';
export type {
  Assign,
  Codec,
  DispatchInfo,
  DispatcherHello,
  DispatcherMessage,
  DispatcherStats,
  HopDelays,
  HopHistogram as HopHistogramMessage,
  Job,
  JobDone,
  JobError,
  MessageInit,
  MethodDescriptor,
  PlaceToken,
  ProbeReply,
  ProbeRequest,
  SlotLoad,
  ProbeServers,
  ServerLengths,
  StatsRequest,
  SubmitReply,
  SubmitRequest,
  Token,
  WithdrawToken,
  WorkerHello,
  WorkerLeave,
  WorkerMessage,
} from './gen/jiq';

export { createLogger, LOG_LEVELS, silentLogger } from './logger';
export { startOpsServer } from './http-ops-server';
export type { OpsServer, OpsServerOptions, Readiness } from './http-ops-server';
export {
  createMetricsRegistry,
  exposition,
  monotonicTotal,
  promClient,
  scrapedCounter,
  scrapedGauge,
} from './metrics-prometheus';
export type { MetricsRegistry } from './metrics-prometheus';
export type { Logger, LogLevel } from './logger';

export type {
  Channel,
  ClientChannel,
  Connector,
  DispatcherHandlers,
  DispatcherLinkChannel,
  DispatcherServer,
  SubmitChannel,
  WorkerChannel,
} from './transport/channel';
export { ExponentialBackoff } from './transport/backoff';
export type { BackoffPolicy } from './transport/backoff';
export { GrpcConnector, startGrpcDispatcherServer } from './transport/grpc';
export { MemoryConnector, memoryChannelPair } from './transport/memory';
export type { GrpcConnectorOptions, GrpcServerOptions } from './transport/grpc';
export { AuthSecret, generateAuthToken, readSecretFile } from './auth/auth-token';
export type { AuthRefusal, Authorizer, PresentedCredentials } from './auth/credentials';
export { validateLinkSecurity } from './auth/link-security';
export { readTlsClientFiles, readTlsServerFiles } from './auth/tls-files';
export type { TlsClientConfig, TlsClientFiles, TlsServerConfig, TlsServerFiles } from './auth/tls-files';
export { NatsConnector, startNatsDispatcherServer } from './transport/nats';
export type { NatsDispatcherServer, NatsServerCounters, NatsTransportOptions } from './transport/nats';
export type { NatsCredentials } from './transport/nats-credentials';
export { redactUrl } from './auth/redact';
export { DEFAULT_CLUSTER_PREFIX, subjects as natsSubjects, validateClusterPrefix } from './transport/nats-subjects';
export { connectRedis } from './membership/redis-connection';
export type { RedisConnectOptions } from './membership/redis-connection';
export { liveMembers, MembershipRegistration, MembershipWatcher, membersKey } from './membership/redis-membership';
export type { MemberRole } from './membership/redis-membership';
export { metricsIndexKey, metricsKey, runKey, runsKey } from './redis-metrics/keys';
export type { MetricsRole } from './redis-metrics/keys';
export { MetricsPublisher } from './redis-metrics/metrics-publisher';
export type { MetricsPublisherOptions } from './redis-metrics/metrics-publisher';
export { readClusterMetrics } from './redis-metrics/read-metrics';
export type { ClusterMetrics, PublishedMetrics } from './redis-metrics/read-metrics';
export { summariseClusterMetrics } from './redis-metrics/summarise-metrics';
export type { ClusterMetricsSummary } from './redis-metrics/summarise-metrics';
export { listRuns, loadRun, newRunId, storeRun } from './redis-metrics/run-store';
export { clockOffsetMs, hopClockMs } from './hop-clock';
