import type { ClusterMetricsSummary } from '@jiq/shared';

/** Per-second rates between two reads of the published counters, and q0 of the arrivals in between. */
export interface WatchRates {
  /** Seconds between the two publications the rates are taken over. */
  overSec: number;
  arrivals: number;
  jobs: number;
  tokensPlaced: number;
  tokensUsed: number;
  tokensWithdrawn: number;
  races: number;
  /** Fraction of the interval's arrivals that found an empty I-queue (null: none arrived). */
  q0Interval: number | null;
}

const COUNTERS = ['arrivals', 'emptyArrivals', 'measuredJobs', 'tokensPlaced', 'tokensUsed', 'tokensWithdrawn', 'raceBusy', 'raceWithdrawn'] as const;
type Counter = (typeof COUNTERS)[number];

/**
 * Rates over the time between the two newest publications (`at`), not between our reads: the
 * processes publish on their own interval, and dividing by our poll interval would show 0 and
 * then twice the rate. Null when nothing new was published, or a counter went back (a process
 * restarted or reset its counters: the difference means nothing).
 */
export function watchRates(prev: ClusterMetricsSummary, cur: ClusterMetricsSummary): WatchRates | null {
  const overSec = (cur.at - prev.at) / 1000;
  if (!(overSec > 0) || prev.at === 0) return null;
  const delta = (k: Counter): number => cur[k] - prev[k];
  if (COUNTERS.some((k) => delta(k) < 0)) return null;
  const arrivals = delta('arrivals');
  return {
    overSec,
    arrivals: arrivals / overSec,
    jobs: delta('measuredJobs') / overSec,
    tokensPlaced: delta('tokensPlaced') / overSec,
    tokensUsed: delta('tokensUsed') / overSec,
    tokensWithdrawn: delta('tokensWithdrawn') / overSec,
    races: (delta('raceBusy') + delta('raceWithdrawn')) / overSec,
    q0Interval: arrivals > 0 ? delta('emptyArrivals') / arrivals : null,
  };
}
