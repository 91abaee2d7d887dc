import { ErrorCode } from '@jiq/core';
import type { JobError, WorkerHello } from '@jiq/shared';
import type { ServerRegistry } from './server-registry';

const MAX_WORKER_ID_LENGTH = 256;

/**
 * Whether a worker's first message may open it a place in the registry. A worker id is bound
 * to the connection that first said hello with it: a second hello with a live worker's id, from
 * another connection, is refused (PERMISSION_DENIED) rather than obeyed, so a peer cannot take
 * over a worker's slots and the jobs sent to them. A restarted worker is admitted once its old
 * connection is gone (closed, or timed out by keepalives / session heartbeats).
 */
export function admitWorker(hello: WorkerHello | null | undefined, registry: ServerRegistry, maxSlotsPerWorker: number): JobError | undefined {
  if (!hello) return { code: ErrorCode.INVALID_ARGUMENT, message: 'a worker stream must start with a hello' };
  if (hello.workerId === '' || hello.workerId.length > MAX_WORKER_ID_LENGTH) {
    return { code: ErrorCode.INVALID_ARGUMENT, message: `hello.workerId: must be 1-${MAX_WORKER_ID_LENGTH} characters` };
  }
  if (hello.slots < 1 || hello.slots > maxSlotsPerWorker) {
    return { code: ErrorCode.INVALID_ARGUMENT, message: `hello.slots: must be in [1, ${maxSlotsPerWorker}] (--max-slots-per-worker; got ${hello.slots})` };
  }
  if (registry.worker(hello.workerId)) {
    return { code: ErrorCode.PERMISSION_DENIED, message: `worker id ${hello.workerId} is bound to another live connection` };
  }
  return undefined;
}
