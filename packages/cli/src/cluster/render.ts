import Table from 'cli-table3';
import { HOPS } from './hop-delays';
import type { ClusterResult } from './run-cluster';

const f = (x: number, digits = 4): string => (Number.isFinite(x) ? x.toFixed(digits) : 'n/a');

/** The human-readable summary of a cluster run. */
export function renderClusterResult(r: ClusterResult): string {
  const t = new Table({ head: ['measure', 'value'], style: { head: [] } });
  const p = r.params;
  t.push(
    ['setup', `m=${p.dispatchers} dispatchers, n=${Number(p.workers) * Number(p.slots)} servers, d=${p.d}, ${p.withdraw ? 'withdraw' : `no-withdraw ${p.select}`}, jobs=${p.jobs}`],
    ['q0 (arrivals finding an empty I-queue)', `${f(r.q0)} ± ${f(r.q0Ci95)}`],
    ['q0 (time-average)', f(r.q0Time)],
    ['mean response / mean service', `${f(r.meanResponse)} ± ${f(r.meanResponseCi95)}`],
    ['response p50 / p90 / p99', `${f(r.responseP50, 3)} / ${f(r.responseP90, 3)} / ${f(r.responseP99, 3)}`],
    ['P(wait > 0)', f(r.pWait)],
    ['jobs submitted / completed / failed / lost', `${r.jobs} / ${r.completed} / ${r.failed} / ${r.lost}`],
    ['lambda target / achieved', `${f(r.targetLambda, 3)} / ${f(r.achievedLambda, 3)}`],
    ['share of jobs sent by token', f(r.byTokenShare)],
    ['tokens per I-queue (time-average)', f(r.tokensPerQueue, 3)],
    ['races: token to busy server / job after withdrawal / stale withdrawals', `${r.raceBusy} / ${r.raceWithdrawn} / ${r.staleWithdrawals}`],
    ['mean service (ms) / client latency (ms) / dispatch overhead (ms)', `${f(r.meanServiceMs, 2)} / ${f(r.meanLatencyMs, 2)} / ${f(r.dispatchOverheadMs, 2)}`],
    ...HOPS.map((h) => [`hop ${h} (ms): mean / p50 / p99`, `${f(r.hopMs[h].mean, 3)} / ${f(r.hopMs[h].p50, 3)} / ${f(r.hopMs[h].p99, 3)}`]),
    ['token invisible share (in flight / idle time)', f(r.tokenInvisibleShare)],
    ['load-generator lag behind schedule: mean / max (ms), share > 2 ms', `${f(r.meanLagMs, 2)} / ${f(r.maxLagMs, 1)} / ${f(r.lateShare, 4)}`],
  );
  return t.toString();
}
