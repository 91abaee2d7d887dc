import { describe, expect, it } from 'vitest';
import { jobLawText } from '../src/experiment/job-law';
import { CDF_LINES, LAYERS, plotSpecs, renderSvg } from '../src/experiment/plots';
import { svgToPng } from '../src/experiment/png';
import type { ExperimentRow } from '../src/experiment/types';
import { row } from './plot-rows';

/** Each legend of a Vega SVG: its title and its entries' labels, in order. */
function legends(svg: string): { title: string; labels: string[] }[] {
  return svg
    .split('class="mark-group role-legend"')
    .slice(1)
    .map((chunk) => ({
      title: /role-legend-title"[^>]*><text[^>]*>([^<]*)<\/text>/.exec(chunk)?.[1] ?? '',
      labels: [...chunk.matchAll(/role-legend-label"[^>]*><text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]!),
    }));
}

/** The rules (CI bars) Vega drew, by their accessible labels. */
const ciBars = (svg: string): string[] => [...svg.matchAll(/<line aria-label="([^"]*)" role="graphics-symbol" aria-roledescription="rule mark"/g)].map((m) => m[1]!);
const subtitle = (svg: string): string => /aria-roledescription="subtitle" aria-label="Subtitle text '([^']*)'/.exec(svg)?.[1] ?? '';

// Two d × withdraw on/off × two λ: four configurations, eight points, every source present.
const rows: ExperimentRow[] = [];
for (const withdraw of [true, false]) {
  for (const d of [1, 2]) {
    for (const lambda of [0.5, 0.8]) rows.push(row({ lambda, d, m: 4, withdraw, select: 'lcfs', q0: 0.4 - 0.3 * lambda + d * 0.02, meanResponse: 1 + 0.3 * lambda }));
  }
}
const CONFIGS = ['r=5 d=1 withdraw', 'r=5 d=2 withdraw', 'r=5 d=1 no-withdraw LCFS', 'r=5 d=2 no-withdraw LCFS'];
const SOURCES = [LAYERS.cluster, LAYERS.sim, LAYERS.simDelayed, LAYERS.model];

describe('experiment plots you can read', () => {
  const specs = plotSpecs(rows);
  const svgOf = async (file: string): Promise<string> => renderSvg(specs.find((p) => p.file === file)!.spec);

  it('q0 and E[R] vs λ: one colour entry per configuration, one shape entry per source, a caption, CI bars', async () => {
    for (const file of ['q0-vs-lambda.svg', 'response-vs-lambda.svg']) {
      const svg = await svgOf(file);
      expect(legends(svg), file).toEqual([
        { title: 'configuration', labels: CONFIGS },
        { title: 'source', labels: SOURCES },
      ]);
      expect(subtitle(svg)).toContain('n = 20 servers, m = 4 dispatchers; exponential job sizes (mean 1)');
      expect(subtitle(svg)).toContain('a size-1 job takes 200 ms, 70 s per point');
      // Eight points × three sources with a CI each: 24 bars, each in its configuration.
      const bars = ciBars(svg);
      expect(bars).toHaveLength(24);
      for (const c of CONFIGS) expect(bars.filter((b) => b.endsWith(`configuration: ${c}`))).toHaveLength(6);
    }
  }, 60_000);

  it('the shapes of the marks are the legend\'s: cluster diamond, simulator circle, with delays triangle, model a stroke', () => {
    const q0 = specs[0]!.spec as { layer: { mark: { type: string }; encoding?: { shape?: { scale: { domain: string[]; range: string[] } } } }[] };
    const points = q0.layer.find((l) => l.mark.type === 'point')!;
    const scale = points.encoding!.shape!.scale;
    expect(Object.fromEntries(scale.domain.map((d, i) => [d, scale.range[i]]))).toEqual({
      cluster: 'diamond', simulator: 'circle', 'simulator with delays': 'triangle-up', model: 'stroke',
    });
    // The model is drawn as a line, never as points.
    expect(q0.layer.find((l) => l.mark.type === 'line')).toBeDefined();
  });

  it('the CDF plot labels each point with its law written out', async () => {
    const svg = await svgOf('response-cdf.svg');
    const [points, lines] = legends(svg);
    expect(points!.title).toBe('point and its law');
    expect(points!.labels).toHaveLength(rows.length);
    // λ = 0.8, d = 1, withdraw: q0 (model) = 0.4 − 0.24 + 0.02 − 0.002 = 0.178, rate 1 − 0.8 · 0.178.
    expect(points!.labels).toContain('r=5 d=1 withdraw λ=0.8: 1 − exp(−0.858·x), q0 = 0.178 (model)');
    for (const l of points!.labels) expect(l).toMatch(/^r=5 d=[12] (withdraw|no-withdraw LCFS) λ=0\.[58]: 1 − exp\(−0\.\d+·x\), q0 = 0\.\d+ \(model\)$/);
    expect(lines).toEqual({ title: 'line', labels: [CDF_LINES.cluster, CDF_LINES.law] });
    expect(subtitle(svg)).toContain('n = 20 servers, m = 4 dispatchers; exponential job sizes (mean 1)');
  }, 60_000);

  it('the Fig. 5 ratio: one entry per no-withdraw configuration, every source, CI bars on the ratios', async () => {
    const svg = await svgOf('fig5-ratio.svg');
    expect(legends(svg)).toEqual([
      { title: 'configuration (no-withdraw selection / withdraw)', labels: ['r=5 d=1 LCFS / withdraw', 'r=5 d=2 LCFS / withdraw'] },
      { title: 'source', labels: SOURCES },
    ]);
    expect(ciBars(svg)).toHaveLength(2 * 2 * 3);
  }, 60_000);

  it('leaves the model out of the shape legend when no point has a model value', async () => {
    const noModel = rows.slice(0, 2).map((r) => ({ ...r, model: null, params: { ...r.params, d: 3, m: 20 } }));
    const svg = await renderSvg(plotSpecs(noModel)[0]!.spec);
    expect(legends(svg)).toEqual([
      { title: 'configuration', labels: ['r=1 d=3 withdraw'] },
      { title: 'source', labels: [LAYERS.cluster, LAYERS.sim, LAYERS.simDelayed] },
    ]);
  }, 60_000);

  it('labels by dispatch policy when it varies, with d only where the policy uses it', async () => {
    const mixed = [
      ...rows.slice(0, 2),
      ...rows.slice(0, 2).map((r) => ({ ...r, model: null, params: { ...r.params, policy: 'jsq-d' as const } })),
      ...rows.slice(0, 2).map((r) => ({ ...r, model: null, params: { ...r.params, policy: 'random' as const } })),
    ];
    const svg = await renderSvg(plotSpecs(mixed)[0]!.spec);
    expect(legends(svg)[0]).toEqual({ title: 'configuration', labels: ['jiq r=5 d=1 withdraw', 'jsq-d r=5 d=1', 'random r=5'] });
  }, 60_000);

  it('writes a PNG of a plot', async () => {
    const png = svgToPng(await svgOf('fig5-ratio.svg'));
    expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
    expect(png.length).toBeGreaterThan(10_000);
  }, 60_000);
});

describe('job laws written out for captions', () => {
  it.each([
    ['exp', 'exponential job sizes (mean 1)'],
    ['det', 'deterministic job sizes (all 1)'],
    ['hyperexp:4:0.5', 'hyperexponential job sizes (mean 1, SCV 4, F 0.5)'],
    ['erlang:3', 'Erlang-3 job sizes (mean 1, SCV 1/3)'],
    ['lognormal:2', 'lognormal job sizes (mean 1, SCV 2)'],
    ['pareto:2.5', 'Pareto job sizes (mean 1, α 2.5)'],
  ])('%s', (spec, text) => expect(jobLawText(spec)).toBe(text));
});
