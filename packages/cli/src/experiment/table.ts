import Table from 'cli-table3';
import type { ExperimentRow } from './types';

const f = (x: number | null | undefined, digits = 4): string => (x === null || x === undefined || !Number.isFinite(x) ? 'n/a' : x.toFixed(digits));
const pm = (x: number | null, ci: number | null): string => (x === null ? 'n/a' : `${f(x)} ± ${f(ci)}`);
const LEGEND =
  'sim+delays: the simulator with the hop delays the cluster measured (in units of the mean job size); sim: zero delay. ' +
  'err = relative error of the cluster against each; E[R] in units of the mean job size.';
const pct = (x: number | null): string => (x === null ? 'n/a' : `${(100 * x).toFixed(1)}%`);

export const TABLE_HEAD = [
  'point', 'λ', 'q0 cluster (95% CI)', 'q0 sim+delays', 'q0 sim', 'q0 model', 'err c/sim+d', 'err c/sim', 'err c/model',
  'E[R] cluster (95% CI)', 'E[R] sim+delays', 'E[R] sim', 'E[R] model', 'err c/sim+d', 'err c/sim', 'err c/model',
  'delays place/probe/assign/wd', 'λ achieved', 'by token', 'races busy/wd', 'overhead ms',
];

export function rowCells(r: ExperimentRow): string[] {
  const c = r.cluster;
  return [
    r.params.label, String(r.params.lambda),
    pm(c.q0, c.q0Ci95), pm(r.simDelayed.q0, r.simDelayed.q0Ci95), pm(r.sim.q0, r.sim.q0Ci95), f(r.model?.q0),
    pct(r.relErr.q0ClusterVsSimDelayed), pct(r.relErr.q0ClusterVsSim), pct(r.relErr.q0ClusterVsModel),
    pm(c.meanResponse, c.meanResponseCi95), pm(r.simDelayed.meanResponse, r.simDelayed.meanResponseCi95), pm(r.sim.meanResponse, r.sim.meanResponseCi95),
    f(r.model?.meanResponse), pct(r.relErr.meanResponseClusterVsSimDelayed), pct(r.relErr.meanResponseClusterVsSim), pct(r.relErr.meanResponseClusterVsModel),
    delaysCell(r), f(c.achievedLambda, 3), f(c.byTokenShare, 3), `${c.raceBusy}/${c.raceWithdrawn}`, f(c.dispatchOverheadMs, 2),
  ];
}

/** The simulator's delays per hop, in units of the mean job size (the law: const or exp). */
function delaysCell(r: ExperimentRow): string {
  const d = r.simDelayed.delays;
  return `${[d.place, d.probe, d.assign, d.withdraw].map((x) => f(x, 4)).join('/')} ${d.law}`;
}

/** The one table of `jiq experiment`: cluster, simulator and model side by side. */
export function renderTable(rows: ExperimentRow[]): string {
  const t = new Table({ head: TABLE_HEAD, style: { head: [] } });
  for (const r of rows) t.push(rowCells(r));
  const notes = rows.filter((r) => r.model === null).map((r) => `model n/a for ${r.params.label} λ=${r.params.lambda}: ${r.modelNote ?? 'no model for this policy'}`);
  return [t.toString(), LEGEND, ...notes].join('\n');
}

/** The same table in Markdown (summary.md). */
export function markdownTable(rows: ExperimentRow[]): string {
  const lines = [`| ${TABLE_HEAD.join(' | ')} |`, `|${TABLE_HEAD.map(() => ' --- ').join('|')}|`];
  for (const r of rows) lines.push(`| ${rowCells(r).join(' | ')} |`);
  lines.push('', LEGEND);
  return lines.join('\n');
}
