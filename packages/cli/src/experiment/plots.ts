import { dispatchPolicy } from '@jiq/core';
import { jobLawText } from './job-law';
import { solvePoint } from './model-point';
import type { ExperimentPoint, ExperimentRow } from './types';

// The experiment plots as Vega-Lite specs, rendered headless to SVG by Vega (no browser, no
// canvas) and to PNG by resvg (png.ts). Vega-Lite is kept over hand-drawn SVG or a DOM-bound
// library (Observable Plot, Chart.js need a document or a canvas): its grammar gives every
// encoding a legend of its own, so "colour = configuration" and "shape = source" are two
// legends that cannot disagree with the marks.

/** The sources a plot compares: the shape legend's entries (tests look for them). */
export const LAYERS = {
  cluster: 'cluster',
  sim: 'simulator',
  simDelayed: 'simulator with delays',
  model: 'model',
} as const;
type Layer = (typeof LAYERS)[keyof typeof LAYERS];

/** The shape of each source; the model is a curve, so its legend symbol is a stroke. */
const SHAPES: Record<Layer, string> = {
  [LAYERS.cluster]: 'diamond',
  [LAYERS.sim]: 'circle',
  [LAYERS.simDelayed]: 'triangle-up',
  [LAYERS.model]: 'stroke',
};

/** The CDF plot's line styles (its strokeDash legend). */
export const CDF_LINES = {
  cluster: 'cluster (measured)',
  law: 'law P(R ≤ x) = 1 − exp(−(1 − λ·q0)·x)',
} as const;

/**
 * Marks of one λ are spread sideways (λ units) so that no CI bar hides another: the sources of
 * a configuration LAYER_DODGE apart, the configurations CONFIG_DODGE apart.
 */
const LAYER_DODGE = 0.004;
const CONFIG_DODGE = 0.014;
const DODGE_OF: Record<Layer, number> = { [LAYERS.sim]: -LAYER_DODGE, [LAYERS.cluster]: 0, [LAYERS.simDelayed]: LAYER_DODGE, [LAYERS.model]: 0 };
const configDodge = (i: number, k: number): number => (i - (k - 1) / 2) * CONFIG_DODGE;
const dodgeNote = (k: number): string =>
  `marks at one λ are spread sideways (at most ±${fmt(configDodge(k - 1, k) + LAYER_DODGE)}) so that no bar hides another`;

type Datum = Record<string, string | number | null>;
type Spec = Record<string, unknown>;

const LAMBDA_GRID = Array.from({ length: 19 }, (_, i) => Math.round((0.05 + 0.05 * i) * 100) / 100);
const num = (v: number | null | undefined): v is number => typeof v === 'number' && Number.isFinite(v);
const fmt = (v: number, digits = 3): string => String(Number(v.toFixed(digits)));

/** Fields of a configuration that vary across the rows (the rest go to the caption). */
interface Varying {
  n: boolean;
  jobs: boolean;
  probe: boolean;
  policy: boolean;
  speeds: boolean;
}

function varying(rows: ExperimentRow[]): Varying {
  const distinct = (f: (p: ExperimentPoint) => unknown): boolean => new Set(rows.map((r) => f(r.params))).size > 1;
  return {
    n: distinct((p) => p.n), jobs: distinct((p) => p.jobs), probe: distinct((p) => p.probe),
    policy: distinct((p) => p.policy), speeds: distinct((p) => p.speeds),
  };
}

/**
 * The colour legend's label of a configuration: the dispatch policy (when not plain jiq or when
 * it varies), r, d where the policy uses it, and the token rule (withdraw, or no-withdraw with
 * its selection) for token policies; n, jobs and speeds only when they vary.
 */
function configName(p: ExperimentPoint, v: Varying, withTokenRule = true): string {
  const def = dispatchPolicy(p.policy);
  const parts = [
    ...(v.policy || p.policy !== 'jiq' ? [p.policy] : []),
    ...(v.n ? [`n=${p.n}`] : []),
    `r=${fmt(p.n / p.m)}`,
    ...(def.tokens || def.pickerD === 'd' ? [`d=${p.d}`] : []),
    ...(def.tokens ? [withTokenRule ? (p.withdraw ? 'withdraw' : `no-withdraw ${p.select.toUpperCase()}`) : p.select.toUpperCase()] : []),
    ...(def.tokens && (v.probe || p.probe !== 'distinct') ? [`probe=${p.probe}`] : []),
    ...(v.jobs ? [p.jobs] : []),
    ...(v.speeds ? [`speeds=${p.speeds ?? '1'}`] : []),
  ];
  return parts.join(' ');
}

function configKey(p: ExperimentPoint): string {
  return JSON.stringify([p.policy, p.n, p.m, p.d, p.withdraw, p.select, p.probe, p.jobs, p.speeds]);
}

function groups(rows: ExperimentRow[]): ExperimentRow[][] {
  const byKey = new Map<string, ExperimentRow[]>();
  for (const r of rows) {
    const k = configKey(r.params);
    byKey.set(k, [...(byKey.get(k) ?? []), r]);
  }
  return [...byKey.values()];
}

const list = (values: number[]): string => [...new Set(values)].sort((a, b) => a - b).map((v) => fmt(v)).join(', ');

/** The caption: n, m, the job law and how the cluster was driven; then what the marks mean. */
export function caption(rows: ExperimentRow[], extra: string[] = []): string[] {
  const p = rows.map((r) => r.params);
  const first = p[0]!;
  const jobs = [...new Set(p.map((x) => x.jobs))].map(jobLawText).join('; ');
  const speeds = [...new Set(p.map((x) => x.speeds))];
  const speedText = speeds.length === 1 && speeds[0] === null ? '' : `; server speeds ${speeds.map((x) => x ?? 'all 1').join(' | ')}`;
  return [
    `n = ${list(p.map((x) => x.n))} servers, m = ${list(p.map((x) => x.m))} dispatchers; ${jobs}${speedText}`,
    `cluster: ${first.arrivals === 'poisson' ? 'Poisson' : 'fixed-count Poisson'} arrivals, a size-1 job takes ${fmt(first.meanServiceMs)} ms, ${fmt(first.durationSec)} s per point, seed ${first.seed}`,
    ...extra,
  ];
}

interface Axes {
  title: string;
  subtitle: string[];
  x: string;
  y: string;
  yZero?: boolean;
}

function legendConfig(): Spec {
  return { labelLimit: 0, titleLimit: 0, symbolStrokeWidth: 1.5, orient: 'right' };
}

/** A plot: colour = configuration (or point), shape = source; each layer adds its own marks. */
function layered(a: Axes, colorTitle: string, colorDomain: string[], layers: Spec[]): Spec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: a.title, subtitle: a.subtitle, anchor: 'start', subtitleFontSize: 11, subtitleColor: '#333' },
    width: 520,
    height: 320,
    background: 'white',
    padding: 10,
    encoding: {
      x: { field: 'x', type: 'quantitative', title: a.x, scale: { zero: false } },
      y: { field: 'y', type: 'quantitative', title: a.y, scale: { zero: a.yZero ?? false } },
      // Squares in the colour legend: a circle there would read as the simulator's shape.
      color: { field: 'config', type: 'nominal', title: colorTitle, scale: { domain: colorDomain }, legend: { ...legendConfig(), symbolType: 'square' } },
    },
    layer: layers.filter((l) => ((l.data as { values: Datum[] }).values.length > 0)),
    config: { legend: { labelFontSize: 11, titleFontSize: 11 }, axis: { labelFontSize: 11, titleFontSize: 12 } },
  };
}

const shapeEncoding = (layers: Layer[]): Spec => ({
  shape: {
    field: 'layer',
    type: 'nominal',
    title: 'source',
    scale: { domain: layers, range: layers.map((l) => SHAPES[l]) },
    legend: { ...legendConfig(), symbolStrokeColor: '#333', symbolFillColor: '#666' },
  },
});

const curve = (values: Datum[]): Spec => ({
  data: { values },
  mark: { type: 'line', strokeWidth: 1.5 },
  encoding: { detail: { field: 'config', type: 'nominal' } },
});
const marks = (values: Datum[], layers: Layer[]): Spec => ({
  data: { values },
  mark: { type: 'point', filled: true, size: 70, opacity: 0.95 },
  encoding: {
    ...shapeEncoding(layers),
    tooltip: [{ field: 'config' }, { field: 'layer' }, { field: 'lambda', title: 'λ' }, { field: 'y', type: 'quantitative' }, { field: 'ci', title: '95% CI ±' }],
  },
});
/** 95% CI bars: one rule per mark that has a CI, in the mark's colour. */
const ciBars = (values: Datum[]): Spec => ({
  data: { values: values.filter((v) => num(v.lo as number | null) && num(v.hi as number | null)) },
  mark: { type: 'rule', strokeWidth: 1.2 },
  encoding: { y: { field: 'lo', type: 'quantitative' }, y2: { field: 'hi' } },
});

function mark(layer: Layer, lambda: number, y: number | null, ci: number | null | undefined, config: string, dodge: number): Datum | null {
  if (!num(y)) return null;
  const hasCi = num(ci) && ci > 0;
  return { x: lambda + dodge + DODGE_OF[layer], lambda, y, lo: hasCi ? y - ci : null, hi: hasCi ? y + ci : null, ci: hasCi ? ci : null, layer, config };
}

/** A metric against λ: model curve, cluster / simulator / simulator-with-delays marks with 95% CI bars. */
function vsLambda(rows: ExperimentRow[], metric: 'q0' | 'meanResponse', title: string, yTitle: string): Spec {
  const v = varying(rows);
  const model: Datum[] = [];
  const points: Datum[] = [];
  const configs: string[] = [];
  const ci = metric === 'q0' ? ('q0Ci95' as const) : ('meanResponseCi95' as const);
  const all = groups(rows);
  for (const [i, g] of all.entries()) {
    const dodge = configDodge(i, all.length);
    const first = g[0]!;
    const config = configName(first.params, v);
    configs.push(config);
    if (g.some((r) => r.model !== null)) {
      const lambdas = [...new Set([...LAMBDA_GRID, ...g.map((r) => r.params.lambda)])].sort((a, b) => a - b);
      for (const lambda of lambdas) {
        const y = solvePoint({ ...first.params, lambda }).model?.[metric];
        if (num(y)) model.push({ x: lambda, y, layer: LAYERS.model, config });
      }
    }
    for (const r of g) {
      const lambda = r.params.lambda;
      for (const d of [
        mark(LAYERS.cluster, lambda, r.cluster[metric], r.cluster[ci], config, dodge),
        mark(LAYERS.sim, lambda, r.sim[metric], r.sim[ci], config, dodge),
        mark(LAYERS.simDelayed, lambda, r.simDelayed[metric], r.simDelayed[ci], config, dodge),
      ]) {
        if (d) points.push(d);
      }
    }
  }
  const layers = presentLayers(points, model);
  return layered(
    {
      title,
      subtitle: caption(rows, [
        'model: the mean-field limit (n → ∞) at r = n/m; simulator: the same n and m, no message delays;',
        'simulator with delays: with the hop delays and the load this cluster measured; bars: 95% CI;',
        dodgeNote(all.length),
      ]),
      x: 'λ (load per server)',
      y: yTitle,
    },
    'configuration',
    configs,
    [curve(model), ciBars(points), marks(points, layers)],
  );
}

/** The sources present, in legend order; the model's stroke is in the shape legend only when its curve is drawn. */
function presentLayers(points: Datum[], model: Datum[]): Layer[] {
  const present = new Set(points.map((p) => p.layer));
  const out = [LAYERS.cluster, LAYERS.sim, LAYERS.simDelayed].filter((l) => present.has(l)) as Layer[];
  return model.length > 0 ? [...out, LAYERS.model] : out;
}

/** Response-time CDF on the cluster, one colour per point, against the law 1 − exp(−(1 − λq0)x) for exp jobs. */
function responseCdf(rows: ExperimentRow[]): Spec | null {
  const v = varying(rows);
  const values: Datum[] = [];
  const points: string[] = [];
  for (const r of rows) {
    const cdf = r.cluster.responseCdf;
    if (!cdf || cdf.length === 0) continue;
    const base = `${configName(r.params, v)} λ=${r.params.lambda}`;
    const modelQ0 = r.model?.q0;
    const q0 = num(modelQ0) ? modelQ0 : r.sim.q0;
    // The law is JIQ's (a server is idle or serves an M/M/1 queue fed at rate λq0): jiq, exp jobs, equal speeds.
    const withLaw = r.params.policy === 'jiq' && r.params.jobs === 'exp' && r.params.speeds === null && num(q0);
    const rate = withLaw ? 1 - r.params.lambda * q0 : NaN;
    // The legend entry carries the law written out for this point, so no tooltip is needed.
    const config = withLaw
      ? `${base}: 1 − exp(−${fmt(rate)}·x), q0 = ${fmt(q0, 4)} (${num(modelQ0) ? 'model' : 'simulator'})`
      : `${base} (no law for this point)`;
    points.push(config);
    for (const pt of cdf) values.push({ x: pt.x, y: pt.p, line: CDF_LINES.cluster, config });
    if (!withLaw) continue;
    const xMax = Math.max(...cdf.map((p) => p.x));
    for (let i = 0; i <= 100; i++) {
      const x = (xMax * i) / 100;
      values.push({ x, y: 1 - Math.exp(-rate * x), line: CDF_LINES.law, config });
    }
  }
  if (values.length === 0) return null;
  const lines = [CDF_LINES.cluster, ...(values.some((d) => d.line === CDF_LINES.law) ? [CDF_LINES.law] : [])];
  return layered(
    {
      title: 'Response-time CDF: cluster vs the mean-field law',
      subtitle: caption(rows, [
        'solid: the cluster\'s measured response times; dashed: the mean-field law for exponential jobs,',
        'q0 from the model (else the simulator); each legend entry writes out its point\'s law',
      ]),
      x: 'response time R (units of the mean job size)',
      y: 'P(R ≤ x)',
      yZero: true,
    },
    'point and its law',
    points,
    [
      {
        data: { values },
        mark: { type: 'line', strokeWidth: 1.5 },
        encoding: {
          detail: { field: 'line', type: 'nominal' },
          strokeDash: { field: 'line', type: 'nominal', title: 'line', scale: { domain: lines, range: [[1, 0], [6, 3]] }, legend: { ...legendConfig(), symbolStrokeColor: '#333' } },
        },
      },
    ],
  );
}

/** Ratio a/b with a 95% CI half-width from the two (independent) half-widths, to first order. */
function ratio(a: number | null, aCi: number | null | undefined, b: number | null, bCi: number | null | undefined): { y: number | null; ci: number | null } {
  if (!num(a) || !num(b) || b <= 0) return { y: null, ci: null };
  const y = a / b;
  const ci = num(aCi) && num(bCi) && a > 0 ? y * Math.hypot(aCi / a, bCi / b) : null;
  return { y, ci };
}

/** The paper's Fig. 5: E[R] without withdrawals / E[R] with withdrawals, against λ. */
function fig5Ratio(rows: ExperimentRow[]): Spec | null {
  const v = varying(rows);
  const pairKey = (p: ExperimentPoint): string => JSON.stringify([p.policy, p.n, p.m, p.d, p.probe, p.jobs, p.speeds, p.lambda]);
  const withW = new Map<string, ExperimentRow>();
  for (const r of rows) if (r.params.withdraw) withW.set(pairKey(r.params), r);
  const points: Datum[] = [];
  const model: Datum[] = [];
  const configs = new Map<string, ExperimentPoint>();
  const pairs = rows.filter((r) => !r.params.withdraw && withW.has(pairKey(r.params)));
  // Without withdrawals, over with: the policy is the pair, so the label names the selection only.
  const nameOf = (p: ExperimentPoint): string => `${configName(p, v, false)} / withdraw`;
  const names = [...new Set(pairs.map((r) => nameOf(r.params)))];
  for (const r of pairs) {
    const w = withW.get(pairKey(r.params))!;
    const config = nameOf(r.params);
    const dodge = configDodge(names.indexOf(config), names.length);
    configs.set(config, r.params);
    const lambda = r.params.lambda;
    const c = ratio(r.cluster.meanResponse, r.cluster.meanResponseCi95, w.cluster.meanResponse, w.cluster.meanResponseCi95);
    const s = ratio(r.sim.meanResponse, r.sim.meanResponseCi95, w.sim.meanResponse, w.sim.meanResponseCi95);
    const sd = ratio(r.simDelayed.meanResponse, r.simDelayed.meanResponseCi95, w.simDelayed.meanResponse, w.simDelayed.meanResponseCi95);
    for (const d of [mark(LAYERS.cluster, lambda, c.y, c.ci, config, dodge), mark(LAYERS.sim, lambda, s.y, s.ci, config, dodge), mark(LAYERS.simDelayed, lambda, sd.y, sd.ci, config, dodge)]) {
      if (d) points.push(d);
    }
  }
  for (const [config, p] of configs) {
    for (const lambda of LAMBDA_GRID) {
      const without = solvePoint({ ...p, lambda, withdraw: false }).model?.meanResponse;
      const withdrawn = solvePoint({ ...p, lambda, withdraw: true }).model?.meanResponse;
      if (num(without) && num(withdrawn) && withdrawn > 0) model.push({ x: lambda, y: without / withdrawn, layer: LAYERS.model, config });
    }
  }
  if (points.length === 0) return null;
  return layered(
    {
      title: 'E[R] without / with withdrawals (paper Fig. 5)',
      subtitle: caption(rows, ['bars: 95% CI of the ratio (first order, the two runs independent);', dodgeNote(names.length)]),
      x: 'λ (load per server)',
      y: 'ratio of mean response times',
    },
    'configuration (no-withdraw selection / withdraw)',
    [...configs.keys()],
    [curve(model), ciBars(points), marks(points, presentLayers(points, model))],
  );
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
  const ratioPlot = fig5Ratio(rows);
  if (ratioPlot) out.push({ file: 'fig5-ratio.svg', spec: ratioPlot });
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
