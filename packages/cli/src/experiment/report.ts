import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { JiqConfigError } from '@jiq/core';
import { plotSpecs, renderSvg } from './plots';
import { svgToPng } from './png';
import type { PaperValue } from './presets';
import { markdownTable } from './table';
import type { ExperimentResult, ExperimentRow } from './types';

/** Creates DIR if needed and proves it writable, before any process starts. */
export function ensureWritableDir(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true });
    const probe = join(dir, `.jiq-write-test-${process.pid}`);
    writeFileSync(probe, '');
    rmSync(probe);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    throw new JiqConfigError('--out', `must be a writable directory (${code})`, dir);
  }
}

const f = (x: number | null | undefined, digits = 4): string => (x === null || x === undefined || !Number.isFinite(x) ? 'n/a' : x.toFixed(digits));

function paperTable(rows: ExperimentRow[], paper: (PaperValue | null)[]): string {
  const lines = [
    '| setting | jobs | q0 cluster (n=50) | q0 sim (n=50) | q0 paper sim (n=50) | q0 model | E[R] cluster | E[R] sim | E[R] paper sim (n=50) | E[R] model |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  rows.forEach((r, i) => {
    const p = paper[i];
    if (!p) return;
    const P = r.params;
    lines.push(
      `| λ=${P.lambda} r=${P.r} d=${P.d} ${P.withdraw ? 'withdraw' : P.select.toUpperCase()} probe=${P.probe} | ${P.jobs} | ${f(r.cluster.q0)} | ${f(r.sim.q0)} ± ${f(r.sim.q0Ci95)} | ${f(p.q0)} | ${f(r.model?.q0)} | ${f(r.cluster.meanResponse)} | ${f(r.sim.meanResponse)} ± ${f(r.sim.meanResponseCi95)} | ${f(p.meanResponse)} | ${f(r.model?.meanResponse)} |`,
    );
  });
  return lines.length > 2 ? lines.join('\n') : '';
}

/** Writes results.json, summary.md and the plots (SVG, and a PNG of each); returns the file names. */
export async function writeReport(dir: string, result: ExperimentResult, command: string, paper?: (PaperValue | null)[]): Promise<string[]> {
  const files: string[] = [];
  const plots = plotSpecs(result.rows);
  for (const p of plots) {
    const svg = await renderSvg(p.spec);
    const png = p.file.replace(/\.svg$/, '.png');
    writeFileSync(join(dir, p.file), svg);
    writeFileSync(join(dir, png), svgToPng(svg));
    files.push(p.file, png);
  }
  const md = [
    '# jiq experiment',
    '',
    '```',
    command,
    '```',
    '',
    `Generated ${new Date().toISOString()}. q0: fraction of arrivals that find their dispatcher's I-queue empty; E[R]: mean`,
    'sojourn at the server in units of the mean job size (the cluster normalises by the measured mean service time).',
    'Simulator: same n and m, 95% confidence intervals; "sim+delays" (simDelayed in results.json) runs it with the message',
    'delays the cluster measured (hopMs / measured mean service time; probe one way = round trip / 2), "sim" with none.',
    'Model: the mean-field limit (n → ∞) at r = n/m.',
    '',
    markdownTable(result.rows),
    '',
  ];
  const paperMd = paper ? paperTable(result.rows, paper) : '';
  if (paperMd) md.push('## Against the paper (Van Houdt, n = 50 simulation values)', '', paperMd, '');
  const missing = result.rows.filter((r) => r.model === null);
  if (missing.length > 0) md.push(...missing.map((r) => `- model n/a for ${r.params.label} λ=${r.params.lambda}: ${r.modelNote ?? ''}`), '');
  md.push('## Plots', '', ...plots.map((p) => `![${p.file}](${p.file})`), '');
  writeFileSync(join(dir, 'summary.md'), md.join('\n'));
  files.push('summary.md');
  files.push('results.json');
  writeFileSync(join(dir, 'results.json'), `${JSON.stringify({ ...result, files }, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2)}\n`);
  return files;
}
