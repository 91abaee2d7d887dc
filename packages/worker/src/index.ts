// Public API of @jiq/worker.
export { startWorker } from './start-worker';
export { loadHandler } from './load-handler';
export type { WorkerHandle } from './start-worker';
export type { JobContext, JobHandler, WorkerMembershipOptions, WorkerOptions } from './options';
export type { WorkerCounters } from './worker-core';
