// Public API of @jiq/shared: the protocol, the pure policy core, job sizes, PRNG, metrics,
// errors, logging and transports. Everything else in this package is internal.
export { codecs, DispatcherService, ErrorCode } from './gen/jiq';
export type {
  Assign,
  Codec,
  DispatchInfo,
  DispatcherHello,
  DispatcherMessage,
  DispatcherStats,
  Job,
  JobDone,
  JobError,
  MessageInit,
  MethodDescriptor,
  PlaceToken,
  ProbeReply,
  ProbeRequest,
  StatsRequest,
  SubmitReply,
  SubmitRequest,
  Token,
  WithdrawToken,
  WorkerHello,
  WorkerLeave,
  WorkerMessage,
} from './gen/jiq';

export { JiqConfigError, JiqError, JiqJobError, JiqTimeoutError, JiqUnavailableError } from './errors/errors';

export { createPrng, deriveSeed, sampleExp, sampleIndex, sampleNormal, Sfc32 } from './random/prng';
export type { Prng } from './random/prng';

export type { JobSizeDistribution } from './jobs/job-size';
export {
  erlang,
  exponential,
  hyperexponential,
  JOB_SPEC_SYNTAX,
  parseJobSpec,
  phaseTypeDistribution,
} from './jobs/parse-job-spec';
export type { ParseJobSpecOptions } from './jobs/parse-job-spec';
export { makePhaseTypeSampler, phaseTypeMoments, solveLinear, validatePhaseType } from './jobs/phase-type';
export type { PhaseType } from './jobs/phase-type';

export { TokenQueue } from './policy/token-queue';
export { tokenSelections } from './policy/token-selection';
export type { TokenSelection } from './policy/token-selection';
export { pickShortest, probeModes, sampleDistinct, sampleWithReplacement, SqdPlacement } from './policy/placement';
export type { ProbeMode } from './policy/placement';
export { fallbacks } from './policy/fallback';
export type { FallbackContext, FallbackPolicy } from './policy/fallback';
export { PolicyRegistry } from './policy/registry';

export { IQueueMeter } from './metrics/iqueue-meter';
export { meanCi95, Samples, tQuantile975 } from './metrics/summary';

export { createLogger, LOG_LEVELS } from './logger';
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
export type { GrpcServerOptions } from './transport/grpc';
export { NatsConnector, startNatsDispatcherServer } from './transport/nats';
export type { NatsDispatcherServer, NatsServerCounters, NatsTransportOptions } from './transport/nats';
export { DEFAULT_CLUSTER_PREFIX, subjects as natsSubjects, validateClusterPrefix } from './transport/nats-subjects';
export { connectRedis } from './membership/redis-connection';
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
