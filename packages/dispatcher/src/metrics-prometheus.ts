import { ErrorCode } from '@jiq/core';
import {
  createMetricsRegistry,
  monotonicTotal,
  promClient,
  scrapedCounter as counter,
  scrapedGauge as gauge,
  type MetricsRegistry,
} from '@jiq/shared';
import type { DispatcherCore } from './dispatcher-core';

/** Seconds; dispatch overhead is a few hops (0.1–10 ms), sojourn and response follow job sizes. */
const OVERHEAD_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25];
const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

type CounterName = keyof DispatcherCore['counters'];

/** Prometheus counters read off DispatcherCore.counters at scrape time (the hot path pays nothing). */
const CORE_COUNTERS: readonly [name: string, help: string, key: CounterName][] = [
  ['jiq_dispatcher_tokens_placed_total', 'Tokens placed in this I-queue by idle servers', 'tokensPlaced'],
  ['jiq_dispatcher_tokens_used_total', 'Jobs sent by popping a token', 'tokensUsed'],
  ['jiq_dispatcher_tokens_withdrawn_total', 'Tokens withdrawn by servers that got work elsewhere', 'tokensWithdrawn'],
  ['jiq_dispatcher_stale_withdrawals_total', 'Withdrawals that arrived after the token was used (race)', 'staleWithdrawals'],
  ['jiq_dispatcher_fallbacks_total', 'Jobs sent by the fallback policy (empty I-queue)', 'fallbacks'],
  ['jiq_dispatcher_completed_total', 'Jobs a worker completed successfully', 'completed'],
  ['jiq_dispatcher_redispatched_total', 'Jobs re-dispatched after their worker was lost', 'redispatched'],
  ['jiq_dispatcher_handed_back_total', 'Jobs a stopping worker handed back unstarted (routed again at once)', 'handedBack'],
  ['jiq_dispatcher_race_busy_total', 'Jobs sent by token to a server that was busy on arrival (race)', 'raceBusy'],
  ['jiq_dispatcher_race_withdrawn_total', 'Jobs sent by a token the server had already withdrawn (race)', 'raceWithdrawn'],
  ['jiq_dispatcher_malformed_total', 'Malformed messages dropped', 'malformed'],
];

/** Error codes as Prometheus label values: the names of the wire enum. */
const CODE_NAMES = Object.entries(ErrorCode).filter(([, v]) => typeof v === 'number') as [string, number][];

/**
 * A Prometheus registry for one dispatcher. Counters and gauges are read from the core when
 * scraped; the three histograms and the failures-by-code counter are fed by the core's observer
 * hook (set here), since a distribution cannot be rebuilt from totals.
 */
export async function dispatcherMetrics(core: DispatcherCore, id: string): Promise<MetricsRegistry> {
  const registry = await createMetricsRegistry({ dispatcher: id });
  const { Counter, Histogram } = promClient();
  const registers = [registry];

  counter(registry, 'jiq_dispatcher_arrivals_total', 'Jobs that arrived (first dispatch attempts)', () => core.lifetime.arrivals);
  counter(
    registry,
    'jiq_dispatcher_empty_arrivals_total',
    'Arrivals that found the I-queue empty; q0 = rate(empty_arrivals) / rate(arrivals)',
    () => core.lifetime.emptyArrivals,
  );
  for (const [name, help, key] of CORE_COUNTERS) counter(registry, name, help, monotonicTotal(() => core.counters[key]));

  const failures = new Counter({
    name: 'jiq_dispatcher_failures_total',
    help: 'Jobs refused or failed, by error code',
    labelNames: ['code'],
    registers,
  });
  // Every code present from the start, so rate() has a zero to start from.
  for (const [name] of CODE_NAMES) failures.labels({ code: name }).inc(0);

  gauge(registry, 'jiq_dispatcher_iqueue_length', 'Tokens in this I-queue now', () => core.tokens.length);
  gauge(registry, 'jiq_dispatcher_in_flight', 'Jobs accepted and not yet replied to', () => core.inFlightCount);
  gauge(registry, 'jiq_dispatcher_workers', 'Worker processes connected', () => core.registry.workerCount);
  gauge(registry, 'jiq_dispatcher_servers', 'Live servers (worker slots)', () => core.registry.liveCount);

  const overhead = new Histogram({
    name: 'jiq_dispatcher_dispatch_overhead_seconds',
    help: 'Response time at the dispatcher minus the sojourn time at the worker: hops and queuing in jiq itself',
    buckets: OVERHEAD_BUCKETS,
    registers,
  });
  const sojourn = new Histogram({
    name: 'jiq_dispatcher_sojourn_seconds',
    help: 'Time a job spent at its worker (queue + service), as the worker reports it',
    buckets: LATENCY_BUCKETS,
    registers,
  });
  const response = new Histogram({
    name: 'jiq_dispatcher_response_seconds',
    help: 'From the submit arriving at the dispatcher to the reply leaving it (client latency less one network round trip)',
    buckets: LATENCY_BUCKETS,
    registers,
  });
  core.observer = {
    completed(responseMs, sojournMs) {
      response.observe(responseMs / 1000);
      sojourn.observe(sojournMs / 1000);
      overhead.observe(Math.max(0, responseMs - sojournMs) / 1000);
    },
    failed(code) {
      failures.labels({ code: ErrorCode[code] ?? String(code) }).inc();
    },
  };
  return registry;
}
