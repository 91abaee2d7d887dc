// Public API of @jiq/dispatcher.
export { startDispatcher } from './start-dispatcher';
export type { DispatcherHandle } from './start-dispatcher';
export type { DispatcherAuthOptions } from './auth-guard';
export type {
  DispatcherMembershipOptions,
  DispatcherOptions,
  DispatcherTransportFactory,
  DispatchPolicyName,
  MetricsEndpointOptions,
  TokenSelectionName,
} from './options';
export { DispatcherCore } from './dispatcher-core';
export { dispatcherMetrics } from './metrics-prometheus';
export type { DispatcherCoreConfig, DispatcherObserver } from './dispatcher-core';
