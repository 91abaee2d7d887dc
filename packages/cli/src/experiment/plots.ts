import { solvePoint } from './model-point';
import type { ExperimentPoint, ExperimentRow } from './types';

/** Series names of the plots (legend labels; tests look for them). */
export const SERIES = {
  model: 'model',
  sim: 'simulator',
  cluster: 'cluster',
  law: 'model law exp(1−λq0)',
  lawSim: 'exp(1−λq0), q0 from sim',
} as const;

type Datum = Record<string, string | number | null>;
type Spec = Record<string, unknown>;

const LAMBDA_GRID = Array.from({ length: 19 }, (_, i) => Math.round((0.05 + 0.05 * i) * 100) / 100);

function configKey(p: ExperimentPoint): string {
  return JSON.stringify([p.n, p.m, p.d, p.withdraw, p.select, p.probe, p.jobs]);
}

function groups(rows: ExperimentRow[]): ExperimentRow[][] {
  const byKey = new Map<string, ExperimentRow[]>();
  for (const r of rows) {
    const k = configKey(r.params);
    byKey.set(k, [...(byKey.get(k) ?? []), r]);
  }
  return [...byKey.values()];
}

function layered(title: string, x: string, y: string, layers: Spec[], yZero = false): Spec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title,
    width: 520,
    height: 320,
    background: 'white',
    encoding: {
      x: { field: 'x', type: 'quantitative', title: x },
      y: { field: 'y', type: 'quantitative', title: y, scale: { zero: yZero } },
      color: { field: 'series', type: 'nominal', title: 'series', legend: { labelLimit: 400 } },
    },
    layer: layers.filter((l) => ((l.data as { values: Datum[] }).values.length > 0)),
  };
}

const line = (values: Datum[], dash = false): Spec => ({
  data: { values },
  mark: { type: 'line', ...(dash ? { strokeDash: [6, 3] } : {}) },
  encoding: { detail: { field: 'config', type: 'nominal' } },
});
const points = (values: Datum[], shape: string): Spec => ({
  data: { values },
  mark: { type: 'point', filled: true, size: 60, shape },
  encoding: { tooltip: [{ field: 'config' }, { field: 'y', type: 'quantitative' }] },
});
const errorBars = (values: Datum[]): Spec => ({
  data: { values },
  mark: { type: 'rule' },
  encoding: { y: { field: 'lo', type: 'quantitative' }, y2: { field: 'hi' } },
});

/** A metric against λ: model curve, simulator points with 95% CI bars, cluster points. */
function vsLambda(rows: ExperimentRow[], metric: 'q0' | 'meanResponse', title: string, yTitle: string): Spec {
  const model: Datum[] = [];
  const sim: Datum[] = [];
  const cluster: Datum[] = [];
  for (const g of groups(rows)) {
    const first = g[0]!;
    const config = first.params.label;
    if (g.some((r) => r.model !== null)) {
      const lambdas = [...new Set([...LAMBDA_GRID, ...g.map((r) => r.params.lambda)])].sort((a, b) => a - b);
      for (const lambda of lambdas) {
        const v = solvePoint({ ...first.params, lambda }).model?.[metric];
        if (typeof v === 'number' && Number.isFinite(v)) model.push({ x: lambda, y: v, series: SERIES.model, config });
      }
    }
    for (const r of g) {
      const s = r.sim[metric];
      const ci = metric === 'q0' ? r.sim.q0Ci95 : r.sim.meanResponseCi95;
      if (s !== null) sim.push({ x: r.params.lambda, y: s, lo: s - (ci ?? 0), hi: s + (ci ?? 0), series: SERIES.sim, config });
      const c = r.cluster[metric];
      if (Number.isFinite(c)) cluster.push({ x: r.params.lambda, y: c, series: SERIES.cluster, config });
    }
  }
  return layered(title, 'λ (load per server)', yTitle, [line(model), errorBars(sim), points(sim, 'circle'), points(cluster, 'diamond')]);
}

/** Response-time CDF on the cluster against the exponential law with rate 1 − λq0 (exp jobs). */
function responseCdf(rows: ExperimentRow[]): Spec | null {
  const cluster: Datum[] = [];
  const law: Datum[] = [];
  for (const r of rows) {
    const cdf = r.cluster.responseCdf;
    if (!cdf || cdf.length === 0) continue;
    const config = `${r.params.label} λ=${r.params.lambda}`;
    for (const pt of cdf) cluster.push({ x: pt.x, y: pt.p, series: SERIES.cluster, config });
    if (r.params.jobs !== 'exp') continue;
    const q0 = r.model?.q0 ?? r.sim.q0;
    if (q0 === null || q0 === undefined) continue;
    const series = r.model?.q0 !== null && r.model?.q0 !== undefined ? SERIES.law : SERIES.lawSim;
    const rate = 1 - r.params.lambda * q0;
    const xMax = Math.max(...cdf.map((p) => p.x));
    for (let i = 0; i <= 100; i++) {
      const x = (xMax * i) / 100;
      law.push({ x, y: 1 - Math.exp(-rate * x), series, config });
    }
  }
  if (cluster.length === 0) return null;
  return layered('Response-time CDF: cluster vs model', 'response time R (units of the mean job size)', 'P(R ≤ x)', [line(cluster), line(law, true)], true);
}

/** The paper's Fig. 5: E[R] without withdrawals / E[R] with withdrawals, against λ. */
function fig5Ratio(rows: ExperimentRow[]): Spec | null {
  const pairKey = (p: ExperimentPoint): string => JSON.stringify([p.n, p.m, p.d, p.probe, p.jobs, p.lambda]);
  const withW = new Map<string, ExperimentRow>();
  for (const r of rows) if (r.params.withdraw) withW.set(pairKey(r.params), r);
  const sim: Datum[] = [];
  const cluster: Datum[] = [];
  const model: Datum[] = [];
  const configs = new Map<string, ExperimentPoint>();
  for (const r of rows) {
    if (r.params.withdraw) continue;
    const w = withW.get(pairKey(r.params));
    if (!w) continue;
    const config = `n=${r.params.n} r=${r.params.r} d=${r.params.d} ${r.params.select.toUpperCase()}${r.params.jobs === 'exp' ? '' : ` ${r.params.jobs}`}`;
    configs.set(config, r.params);
    if (r.sim.meanResponse !== null && w.sim.meanResponse !== null) sim.push({ x: r.params.lambda, y: r.sim.meanResponse / w.sim.meanResponse, series: SERIES.sim, config });
    cluster.push({ x: r.params.lambda, y: r.cluster.meanResponse / w.cluster.meanResponse, series: SERIES.cluster, config });
  }
  for (const [config, p] of configs) {
    for (const lambda of LAMBDA_GRID) {
      const without = solvePoint({ ...p, lambda, withdraw: false }).model?.meanResponse;
      const withdrawn = solvePoint({ ...p, lambda, withdraw: true }).model?.meanResponse;
      if (typeof without === 'number' && typeof withdrawn === 'number' && withdrawn > 0) model.push({ x: lambda, y: without / withdrawn, series: SERIES.model, config });
    }
  }
  if (cluster.length === 0) return null;
  return layered('E[R] without / with withdrawals (paper Fig. 5)', 'λ (load per server)', 'ratio of mean response times', [line(model), points(sim, 'circle'), points(cluster, 'diamond')]);
}

export interface PlotSpec {
  file: string;
  spec: Spec;
}

/** The plots of a report; those that need data the rows lack are left out. */
export function plotSpecs(rows: ExperimentRow[]): PlotSpec[] {
  const out: PlotSpec[] = [
    { file: 'q0-vs-lambda.svg', spec: vsLambda(rows, 'q0', 'q0 (arrivals finding an empty I-queue) vs λ', 'q0') },
    { file: 'response-vs-lambda.svg', spec: vsLambda(rows, 'meanResponse', 'Mean response time vs λ', 'E[R] (units of the mean job size)') },
  ];
  const cdf = responseCdf(rows);
  if (cdf) out.push({ file: 'response-cdf.svg', spec: cdf });
  const ratio = fig5Ratio(rows);
  if (ratio) out.push({ file: 'fig5-ratio.svg', spec: ratio });
  return out;
}

/** Renders a Vega-Lite spec to SVG headless (no browser, no canvas). */
export async function renderSvg(spec: Spec): Promise<string> {
  const vega = await import('vega');
  const vl = await import('vega-lite');
  const compiled = vl.compile(spec as unknown as Parameters<typeof vl.compile>[0]).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
