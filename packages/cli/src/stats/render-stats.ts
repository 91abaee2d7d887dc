import type { ClusterMetricsSummary } from '@jiq/shared';

const f = (x: number, digits = 3): string => (Number.isFinite(x) ? x.toFixed(digits) : '-');

/** The text form of `jiq stats`. */
export function renderStats(s: ClusterMetricsSummary & { cluster: string }, runs?: string[]): string {
  const lines = [
    `cluster ${s.cluster}: ${s.dispatchers} dispatchers, ${s.workers} workers publishing${s.at > 0 ? ` (latest ${new Date(s.at).toISOString()})` : ''}`,
    `q0 ${f(s.q0)} by arrivals (${s.emptyArrivals}/${s.arrivals}), ${f(s.q0Time)} time-average`,
    `mean response ${f(s.meanResponse)} x mean service (${f(s.meanSojournMs, 1)} ms over ${s.measuredJobs} measured jobs)`,
    `tokens placed ${s.tokensPlaced}, used ${s.tokensUsed}, withdrawn ${s.tokensWithdrawn}; races busy ${s.raceBusy}, withdrawn ${s.raceWithdrawn}; malformed ${s.malformed}`,
    `I-queue lengths: ${s.perDispatcher.map((d) => `${d.id} ${d.queueLength}`).join(', ') || '-'}`,
  ];
  if (runs) lines.push(`runs: ${runs.join(', ') || '-'}`);
  return lines.join('\n');
}
