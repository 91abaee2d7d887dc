// Public API of @jiq/client.
export { JiqClient } from './jiq-client';
export type { ClientCounters, JiqClientOptions, SubmitOptions, SubmitResult } from './jiq-client';
export { runLoad } from './load-generator';
export type { LoadOptions, LoadProgress, LoadResult } from './load-generator';
export { ARRIVAL_PROCESSES, arrivalSchedule } from './arrival-schedule';
export type { ArrivalProcess, ArrivalSchedule } from './arrival-schedule';
