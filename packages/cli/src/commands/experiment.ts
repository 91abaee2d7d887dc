import { ARRIVAL_PROCESSES, type ArrivalProcess } from '@jiq/client';
import { dispatchPolicy, DISPATCH_POLICIES, JiqConfigError, JOB_SPEC_SYNTAX, TOKEN_SELECTIONS, type DispatchPolicyName, type TokenSelectionName } from '@jiq/core';
import { SPEEDS_SYNTAX } from '@jiq/sim';
import { createLogger } from '@jiq/shared';
import { Option, type Command } from 'commander';
import { addDashboardFlags, openDashboard } from '../dashboard/dashboard-flag';
import { DELAY_LAWS, type DelayLawName } from '../experiment/measured-delays';
import { ensureWritableDir, writeReport } from '../experiment/report';
import { experimentProgress } from '../experiment/progress';
import { PRESETS, presetPoints, type PaperValue } from '../experiment/presets';
import { runPoint, validatePoint } from '../experiment/run-point';
import { configLabel, expandSweep, parseChoiceList, parseNumberList, parseWithdrawList } from '../experiment/sweep';
import { renderTable } from '../experiment/table';
import type { ExperimentPoint, ExperimentResult, ExperimentRow, ExperimentSettings } from '../experiment/types';
import { parseChoice, parseNonNegativeInt, parseNumber, parsePositiveInt } from '../options';
import { printResult } from '../output';

interface ExperimentFlags {
  workers?: number;
  n?: number;
  dispatchers?: number;
  m?: number;
  r?: number[];
  lambda?: number[];
  policy?: DispatchPolicyName[];
  d?: number[];
  speeds?: string[];
  withdraw?: boolean | string;
  select?: TokenSelectionName[];
  probe: 'distinct' | 'replace';
  jobs: string;
  meanServiceMs: number;
  slots: number;
  duration: number;
  warmup?: number;
  seed: number;
  arrivals: ArrivalProcess;
  transport: string;
  childLogLevel: string;
  simHorizon?: number;
  simReps: number;
  delayLaw: DelayLawName;
  preset?: string;
  out?: string;
  json: boolean;
  dashboardPort?: number;
  dashboardHost?: string;
}

const SWEEP_FLAGS = ['lambda', 'd', 'r', 'select', 'withdraw', 'workers', 'n', 'dispatchers', 'm', 'jobs', 'probe', 'policy', 'speeds'] as const;

/** `--speeds` may be repeated (a spec holds commas): each one a point; `none` is all speeds 1. */
function collectSpeeds(value: string, previous: string[] | undefined): string[] {
  if (value.trim() === '') throw new JiqConfigError('--speeds', `must be a speeds spec (${SPEEDS_SYNTAX}) or none`, value);
  return [...(previous ?? []), value.trim()];
}

/** A sweep flag that no policy of the sweep uses is refused, not ignored. */
function refuseUnused(flags: ExperimentFlags, cmd: Command, policies: DispatchPolicyName[]): void {
  const defs = policies.map((p) => dispatchPolicy(p));
  const given = (k: string): boolean => cmd.getOptionValueSource(k) === 'cli';
  const list = policies.join(',');
  if (!defs.some((d) => d.tokens)) {
    for (const k of ['select', 'withdraw', 'probe'] as const) {
      if (given(k)) throw new JiqConfigError(`--${k}`, `applies to the token policies (jiq, jiq-pod); --policy ${list} has none`);
    }
  }
  if (given('d') && !defs.some((d) => d.tokens || d.pickerD === 'd')) {
    throw new JiqConfigError('--d', `applies to jiq, jiq-pod and jsq-d; --policy ${list} uses none of them`);
  }
}

function points(flags: ExperimentFlags, cmd: Command): { points: ExperimentPoint[]; paper?: (PaperValue | null)[] } {
  if (flags.preset !== undefined) {
    const given = SWEEP_FLAGS.filter((k) => cmd.getOptionValueSource(k) === 'cli');
    if (given.length > 0) {
      throw new JiqConfigError('--preset', `fixes the points; drop --${given.join(', --')}`, flags.preset);
    }
    return presetPoints(flags.preset);
  }
  if (flags.workers !== undefined && flags.n !== undefined && flags.workers !== flags.n) {
    throw new JiqConfigError('--n', `disagrees with --workers ${flags.workers}; give one of them`, flags.n);
  }
  if (flags.dispatchers !== undefined && flags.m !== undefined && flags.dispatchers !== flags.m) {
    throw new JiqConfigError('--m', `disagrees with --dispatchers ${flags.dispatchers}; give one of them`, flags.m);
  }
  if (flags.lambda === undefined) throw new JiqConfigError('--lambda', 'is required (a value or a comma list) unless --preset is given');
  const policy = flags.policy ?? ['jiq'];
  refuseUnused(flags, cmd, policy);
  return {
    points: expandSweep({
      n: flags.workers ?? flags.n ?? 20,
      m: flags.dispatchers ?? flags.m,
      r: flags.r,
      lambda: flags.lambda,
      policy,
      d: flags.d,
      speeds: (flags.speeds ?? ['none']).map((v) => (v === 'none' ? null : v)),
      select: flags.select ?? ['fcfs'],
      withdraw: parseWithdrawList(flags.withdraw),
      probe: flags.probe,
      jobs: flags.jobs,
    }),
  };
}

/** `jiq experiment`: the real cluster, the simulator (same n, m) and the model side by side. */
export function registerExperimentCommand(program: Command): void {
  addDashboardFlags(program
    .command('experiment'))
    .description('run the real cluster, the simulator (same n, m) and the mean-field model at each point of a sweep; print one table, write a report')
    .option('--workers <n>', 'servers: worker processes (default 20; presets: 50)', parsePositiveInt('--workers'))
    .option('--n <N>', 'same as --workers', parsePositiveInt('--n'))
    .option('--dispatchers <m>', 'dispatcher processes (default 4 unless --r is given)', parsePositiveInt('--dispatchers'))
    .option('--m <M>', 'same as --dispatchers', parsePositiveInt('--m'))
    .option('--r <list>', 'servers per dispatcher n/m; a comma list sweeps', parseNumberList('--r', (v) => (v > 0 ? null : 'must be > 0')))
    .option('--lambda <list>', 'load per server in (0, 1); a comma list sweeps', parseNumberList('--lambda', (v) => (v > 0 && v < 1 ? null : 'must be in (0, 1)')))
    .option('--policy <list>', `dispatch policies (see jiq policies): ${DISPATCH_POLICIES.join(' | ')}; a comma list sweeps`, parseChoiceList('--policy', DISPATCH_POLICIES))
    .option('--speeds <spec>', `server speeds (${SPEEDS_SYNTAX}) or none; repeat the flag to sweep`, collectSpeeds)
    .option('--d <list>', 'dispatchers probed by an idle server (jiq, jiq-pod), servers probed per job (jsq-d, default 2); a comma list sweeps', parseNumberList('--d', (v) => (Number.isInteger(v) && v >= 1 ? null : 'must be an integer >= 1')))
    .option('--withdraw [list]', 'withdraw tokens (default off); --withdraw on,off sweeps')
    .option('--no-withdraw', 'never withdraw tokens')
    .option('--select <list>', `token selection ${TOKEN_SELECTIONS.join(' | ')}; a comma list sweeps`, parseChoiceList('--select', TOKEN_SELECTIONS))
    .option('--probe <mode>', 'distinct | replace', parseChoice('--probe', ['distinct', 'replace'] as const), 'distinct')
    .option('--jobs <spec>', `job sizes (mean 1): ${JOB_SPEC_SYNTAX}`, 'exp')
    .option('--mean-service-ms <ms>', 'cluster: service time of a size-1 job', parseNumber('--mean-service-ms'), 50)
    .option('--slots <k>', 'cluster: servers per worker process (n/k processes; default 1)', parsePositiveInt('--slots'), 1)
    .option('--duration <sec>', 'cluster: load duration per point, seconds', parseNumber('--duration'), 20)
    .option('--warmup <sec>', 'cluster: unmeasured start of the load (default 15% of --duration)', parseNumber('--warmup'))
    .option('--seed <s>', 'seed of every random choice (cluster and simulator)', parseNonNegativeInt('--seed'), 1)
    .option('--arrivals <process>', 'cluster arrivals: fixed-count (Poisson conditioned on its count, default) | poisson', parseChoice('--arrivals', ARRIVAL_PROCESSES), 'fixed-count')
    .option('--transport <name>', 'grpc only here (for NATS run jiq cluster --transport nats --nats URL)', parseChoice('--transport', ['grpc', 'nats'] as const), 'grpc')
    .option('--child-log-level <level>', 'log level of the spawned processes', 'warn')
    .option('--sim-horizon <T>', 'simulator horizon per point (default: about 2·10^6 arrivals)', parseNumber('--sim-horizon'))
    .option('--delay-law <law>', `how simDelayed draws each hop around the measured mean: ${DELAY_LAWS.join(' | ')}`, parseChoice('--delay-law', DELAY_LAWS), 'exp')
    .option('--sim-reps <K>', 'simulator replications (1: batch-means CIs)', parsePositiveInt('--sim-reps'), 1)
    .addOption(new Option('--preset <name>', `replay the paper at n = 50: ${PRESETS.join(' | ')}`))
    .option('--out <dir>', 'write results.json, summary.md and SVG plots here')
    .option('--json', 'print one JSON object {"rows": [...]}', false)
    .action(async (flags: ExperimentFlags, cmd: Command) => {
      // Everything is validated before the first process starts.
      const { points: pts, paper } = points(flags, cmd);
      if (flags.transport !== 'grpc') throw new JiqConfigError('--transport', 'jiq experiment runs the gRPC cluster here', flags.transport);
      const settings: ExperimentSettings = {
        meanServiceMs: flags.meanServiceMs,
        slots: flags.slots,
        durationSec: flags.duration,
        warmupSec: flags.warmup,
        seed: flags.seed,
        arrivals: flags.arrivals,
        transport: flags.transport,
        childLogLevel: flags.childLogLevel,
        simHorizon: flags.simHorizon,
        simReps: flags.simReps,
        delayLaw: flags.delayLaw,
      };
      for (const p of pts) validatePoint(p, settings);
      if (flags.out !== undefined) ensureWritableDir(flags.out);

      const log = createLogger('jiq-experiment', process.env.JIQ_LOG_LEVEL ?? 'warn');
      const dashboard = await openDashboard(flags, log);
      const progress = experimentProgress(pts.length, flags.json);
      const controller = new AbortController();
      const onSignal = (): void => {
        progress.stop();
        process.stderr.write('jiq: interrupted; stopping every process\n');
        controller.abort();
      };
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      const rows: ExperimentRow[] = [];
      try {
        for (const [i, p] of pts.entries()) {
          const label = `λ=${p.lambda} ${configLabel(p)}`;
          if (process.stderr.isTTY !== true) progress.line(`point ${i + 1}/${pts.length}: ${label}`);
          progress.point(i, 0, label);
          rows.push(
            await runPoint(p, settings, {
              log,
              dashboard,
              signal: controller.signal,
              onProgress: (pr) => progress.point(i, (0.9 * pr.elapsedMs) / pr.durationMs, `${label} · ${pr.submitted} jobs`),
            }),
          );
          progress.point(i, 1, label);
          if (controller.signal.aborted) break;
        }
      } finally {
        progress.stop();
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
        await dashboard?.close();
      }
      if (controller.signal.aborted) {
        process.exitCode = 130;
        return;
      }
      const result: ExperimentResult = { rows, ...(flags.preset !== undefined ? { preset: flags.preset } : {}) };
      if (flags.out !== undefined) {
        result.files = await writeReport(flags.out, result, `jiq ${process.argv.slice(2).join(' ')}`, paper);
      }
      printResult(result, flags.json, () => renderTable(rows) + (result.files ? `\nreport: ${flags.out} (${result.files.join(', ')})` : ''));
    });
}
