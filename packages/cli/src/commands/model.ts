import { POLICIES, solveModel, type ModelPolicy, type ModelResult } from '@jiq/model';
import type { Command } from 'commander';
import { parseChoice, parseNumber } from '../options';
import { printResult } from '../output';

interface ModelFlags {
  policy: ModelPolicy;
  lambda: number;
  r?: number;
  d: number;
  jobs: string;
  json?: boolean;
}

/** `jiq model`: the mean-field model (q0, E[R], distributions) of JIQ-SQ(d). */
export function registerModelCommand(program: Command): void {
  program
    .command('model')
    .description('mean-field model of JIQ-SQ(d): q0 and mean response time (Van Houdt)')
    .requiredOption('--policy <policy>', `${POLICIES.join(' | ')}`, parseChoice('--policy', POLICIES))
    .requiredOption('--lambda <L>', 'arrival rate per server, in (0, 1)', parseNumber('--lambda'))
    .option('--r <R>', 'servers per dispatcher, n/m > 0 (not needed for random)', parseNumber('--r'))
    .option('--d <D>', 'dispatchers probed by an idle server (integer >= 1)', parseNumber('--d'), 1)
    .option('--jobs <SPEC>', 'job sizes: exp | det | hyperexp:SCV:F[:alt] | erlang:K | ph:FILE.json | ...', 'exp')
    .option('--json', 'print one JSON object on stdout')
    .action((flags: ModelFlags) => {
      const result = solveModel({
        policy: flags.policy,
        lambda: flags.lambda,
        ...(flags.r === undefined ? {} : { r: flags.r }),
        d: flags.d,
        jobs: flags.jobs,
      });
      printResult(result, flags.json === true, () => formatText(result));
    });
}

function formatText(r: ModelResult): string {
  const lines = [
    `policy ${r.policy}  lambda ${r.lambda}  r ${r.r}  d ${r.d}  jobs ${r.jobs} (SCV ${fmt(r.scv)})`,
    `q0             ${fmt(r.q0)}`,
    `mean response  ${fmt(r.meanResponse)}`,
    `P(wait > 0)    ${fmt(r.pWait)}`,
    `by token       ${fmt(r.byToken)}`,
  ];
  if (r.tokens) lines.push(`tokens/I-queue ${fmt(r.tokens.mean)}`);
  if (r.responseTime) {
    const p = Object.entries(r.responseTime.percentiles)
      .map(([k, v]) => `${k} ${fmt(v)}`)
      .join('  ');
    lines.push(`response time  exponential, rate ${fmt(r.responseTime.rate)}: ${p}`);
  }
  return lines.join('\n');
}

function fmt(x: number): string {
  return Number.isInteger(x) ? String(x) : x.toPrecision(6);
}
