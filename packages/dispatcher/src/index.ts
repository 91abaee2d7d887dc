// Public API of @jiq/dispatcher.
export { startDispatcher } from './start-dispatcher';
export type { DispatcherHandle } from './start-dispatcher';
export type { DispatcherAuthOptions } from './auth-guard';
export type { DispatcherMembershipOptions, DispatcherOptions, DispatcherTransportFactory } from './options';
export { DispatcherCore } from './dispatcher-core';
export type { DispatcherCoreConfig } from './dispatcher-core';
