import type { ClusterMetricsSummary } from '@jiq/shared';
import type { WatchRates } from './watch-rates';

type Summary = ClusterMetricsSummary & { cluster: string };

const f = (x: number | null | undefined, digits = 3): string => (x !== null && x !== undefined && Number.isFinite(x) ? x.toFixed(digits) : '-');
const rate = (r: WatchRates | null, k: keyof Omit<WatchRates, 'overSec' | 'q0Interval'>): string => (r ? `${r[k].toFixed(1)}/s` : '-');

/** Bars for the I-queue lengths, so a draining queue is seen at a glance (capped at 40 cells). */
function bar(length: number, max: number): string {
  const cells = max > 40 ? Math.round((length / max) * 40) : length;
  return '█'.repeat(Math.max(0, cells));
}

/** The frame `jiq stats --watch` redraws in place on a terminal. */
export function renderWatchFrame(s: Summary, r: WatchRates | null, now: Date, intervalMs: number): string[] {
  const longest = Math.max(0, ...s.perDispatcher.map((d) => d.id.length));
  const maxQueue = Math.max(1, ...s.perDispatcher.map((d) => d.queueLength));
  const rows: [string, string, string][] = [
    ['arrivals', String(s.arrivals), rate(r, 'arrivals')],
    ['jobs done (measured)', String(s.measuredJobs), rate(r, 'jobs')],
    ['tokens placed', String(s.tokensPlaced), rate(r, 'tokensPlaced')],
    ['tokens used', String(s.tokensUsed), rate(r, 'tokensUsed')],
    ['tokens withdrawn', String(s.tokensWithdrawn), rate(r, 'tokensWithdrawn')],
    ['races (busy + withdrawn)', String(s.raceBusy + s.raceWithdrawn), rate(r, 'races')],
  ];
  return [
    `jiq stats --watch: cluster ${s.cluster}, ${s.dispatchers} dispatchers, ${s.workers} workers, ${now.toISOString().slice(11, 19)} UTC (every ${intervalMs} ms; Ctrl-C stops)`,
    `${'counter'.padEnd(26)}${'total'.padStart(12)}${'rate'.padStart(12)}`,
    ...rows.map(([name, total, perSec]) => `${name.padEnd(26)}${total.padStart(12)}${perSec.padStart(12)}`),
    `q0 ${f(s.q0)} since start, ${f(r?.q0Interval)} last ${r ? `${r.overSec.toFixed(1)} s` : 'interval'}, ${f(s.q0Time)} time-average; mean response ${f(s.meanResponse)} x mean service`,
    'I-queue lengths:',
    ...(s.perDispatcher.length > 0
      ? s.perDispatcher.map((d) => `  ${d.id.padEnd(longest)} ${String(d.queueLength).padStart(4)} ${bar(d.queueLength, maxQueue)}`)
      : ['  - (no dispatcher publishing)']),
  ];
}

/** One plain line per interval when stdout is not a terminal (a log or a pipe). */
export function renderWatchLine(s: Summary, r: WatchRates | null, now: Date): string {
  const queues = s.perDispatcher.map((d) => `${d.id}=${d.queueLength}`).join(',') || '-';
  return [
    now.toISOString(),
    `arrivals=${s.arrivals}`,
    `arrivals/s=${r ? r.arrivals.toFixed(1) : '-'}`,
    `jobs/s=${r ? r.jobs.toFixed(1) : '-'}`,
    `tokens_used/s=${r ? r.tokensUsed.toFixed(1) : '-'}`,
    `tokens_placed/s=${r ? r.tokensPlaced.toFixed(1) : '-'}`,
    `races/s=${r ? r.races.toFixed(1) : '-'}`,
    `q0=${f(s.q0)}`,
    `q0_interval=${f(r?.q0Interval)}`,
    `iqueues=${queues}`,
  ].join(' ');
}
