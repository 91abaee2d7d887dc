import {
  createMetricsRegistry,
  scrapedCounter as counter,
  scrapedGauge as gauge,
  type MetricsRegistry,
} from '@jiq/shared';
import type { WorkerCore } from './worker-core';

/** A Prometheus registry for one worker process, read off WorkerCore when scraped. */
export async function workerMetrics(core: WorkerCore, id: string, slots: number): Promise<MetricsRegistry> {
  const registry = await createMetricsRegistry({ worker: id });
  const c = core.counters;
  counter(registry, 'jiq_worker_jobs_total', 'Jobs this worker finished (succeeded or failed)', () => c.jobs);
  counter(registry, 'jiq_worker_jobs_failed_total', 'Jobs whose handler threw (HANDLER_FAILED)', () => c.failed);
  counter(registry, 'jiq_worker_tokens_placed_total', 'Tokens this worker placed at dispatchers', () => c.tokensPlaced);
  counter(registry, 'jiq_worker_tokens_withdrawn_total', 'Tokens this worker withdrew', () => c.tokensWithdrawn);
  counter(registry, 'jiq_worker_race_busy_total', 'Jobs that came by token while the slot was busy', () => c.raceBusy);
  counter(registry, 'jiq_worker_race_withdrawn_total', 'Jobs that came by a token already withdrawn', () => c.raceWithdrawn);
  counter(registry, 'jiq_worker_dropped_total', 'Queued jobs dropped because their dispatcher was lost (it re-dispatches them)', () => c.dropped);
  counter(registry, 'jiq_worker_handed_back_total', 'Jobs handed back unstarted while stopping (the dispatcher routed them again)', () => c.handedBack);
  counter(registry, 'jiq_worker_malformed_total', 'Malformed messages dropped', () => c.malformed);
  gauge(registry, 'jiq_worker_queue_length', 'Jobs at this worker: waiting in its slots\' queues plus in service', () => {
    const o = core.occupancy();
    return o.queued + o.busy;
  });
  gauge(registry, 'jiq_worker_busy_slots', 'Slots serving a job now', () => core.occupancy().busy);
  gauge(registry, 'jiq_worker_slots', 'Slots (servers) in this process', () => slots);
  gauge(registry, 'jiq_worker_dispatchers', 'Dispatchers this worker is connected to', () => core.readyDispatchers);
  return registry;
}
