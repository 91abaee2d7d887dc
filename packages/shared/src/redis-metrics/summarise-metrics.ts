import type { ClusterMetrics } from './read-metrics';

export interface ClusterMetricsSummary {
  at: number;
  dispatchers: number;
  workers: number;
  arrivals: number;
  emptyArrivals: number;
  /** Fraction of measured arrivals that found their dispatcher's I-queue empty. */
  q0: number;
  /** Time-average fraction of time the I-queues were empty. */
  q0Time: number;
  /** Mean sojourn at the workers of measured jobs over their mean service time (as `jiq load`). */
  meanResponse: number;
  meanSojournMs: number;
  meanServiceMs: number;
  measuredJobs: number;
  tokensPlaced: number;
  tokensWithdrawn: number;
  tokensUsed: number;
  raceBusy: number;
  raceWithdrawn: number;
  malformed: number;
  perDispatcher: { id: string; queueLength: number; arrivals: number; q0: number; q0Time: number; workers: number }[];
}

/** Cluster-wide figures from the published counters (pure). */
export function summariseClusterMetrics(m: ClusterMetrics): ClusterMetricsSummary {
  const sum = (list: ClusterMetrics['dispatchers'], k: string): number => list.reduce((a, x) => a + (x.values[k] ?? 0), 0);
  const d = m.dispatchers;
  const w = m.workers;
  const arrivals = sum(d, 'arrivals');
  const windowMs = sum(d, 'windowMs');
  const measuredJobs = sum(w, 'measuredJobs');
  const sojourn = sum(w, 'sojournMsSum');
  const service = sum(w, 'serviceMsSum');
  return {
    at: Math.max(0, ...d.map((x) => x.at), ...w.map((x) => x.at)),
    dispatchers: d.length,
    workers: w.length,
    arrivals,
    emptyArrivals: sum(d, 'emptyArrivals'),
    q0: arrivals > 0 ? sum(d, 'emptyArrivals') / arrivals : NaN,
    q0Time: windowMs > 0 ? sum(d, 'emptyTimeMs') / windowMs : NaN,
    meanResponse: service > 0 ? sojourn / service : NaN,
    meanSojournMs: measuredJobs > 0 ? sojourn / measuredJobs : NaN,
    meanServiceMs: measuredJobs > 0 ? service / measuredJobs : NaN,
    measuredJobs,
    tokensPlaced: sum(d, 'tokensPlaced'),
    tokensWithdrawn: sum(d, 'tokensWithdrawn'),
    tokensUsed: sum(d, 'tokensUsed'),
    raceBusy: sum(d, 'raceBusy'),
    raceWithdrawn: sum(d, 'raceWithdrawn'),
    malformed: sum(d, 'malformed') + sum(w, 'malformed'),
    perDispatcher: d.map((x) => {
      const a = x.values.arrivals ?? 0;
      const win = x.values.windowMs ?? 0;
      return {
        id: x.id,
        queueLength: x.values.queueLength ?? 0,
        arrivals: a,
        q0: a > 0 ? (x.values.emptyArrivals ?? 0) / a : NaN,
        q0Time: win > 0 ? (x.values.emptyTimeMs ?? 0) / win : NaN,
        workers: x.values.workers ?? 0,
      };
    }),
  };
}
