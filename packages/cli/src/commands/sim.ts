import { JiqConfigError, JOB_SPEC_SYNTAX } from '@jiq/core';
import { DELAYS_SYNTAX, SIM_POLICIES, simulate, SPEEDS_SYNTAX, TOKEN_RULES, TOKEN_SELECTIONS, ENGINES, type SimResult } from '@jiq/sim';
import { Option, type Command } from 'commander';
import { parseChoice, parseNumber, parsePositiveInt } from '../options';
import { printResult } from '../output';

interface SimFlags {
  policy: (typeof SIM_POLICIES)[number];
  n?: number;
  m?: number;
  r?: number;
  lambda?: number;
  d?: number;
  withdraw?: boolean;
  select: (typeof TOKEN_SELECTIONS)[number];
  probe: 'distinct' | 'replace';
  tokens: (typeof TOKEN_RULES)[number];
  fallbackD: number;
  jobs: string;
  speeds?: string;
  delays?: string;
  horizon?: number;
  reps: number;
  warmup: number;
  seed: number;
  batches: number;
  engine: (typeof ENGINES)[number];
  deterministic: boolean;
  json: boolean;
}

function parseSeed(raw: string): number {
  const v = Number(raw);
  if (raw.trim() === '' || !Number.isInteger(v) || v < 0 || v > 0xffffffff) {
    throw new JiqConfigError('--seed', 'must be an integer in [0, 2^32)', raw);
  }
  return v;
}

const fmt = (x: number | null, digits = 4): string => (x === null ? 'n/a' : x.toFixed(digits));
const pm = (x: number | null, ci: number | null, digits = 4): string =>
  x === null ? 'n/a' : ci === null ? fmt(x, digits) : `${fmt(x, digits)} ± ${fmt(ci, digits)}`;

function text(r: SimResult): string {
  const lines = [
    `jiq sim: ${r.policy} n=${r.n} m=${r.m} (r=${r.r}) λ=${r.lambda} d=${r.d}` +
      (r.policy.startsWith('jiq') ? ` ${r.withdraw ? 'withdraw' : 'no-withdraw'} ${r.select} probe=${r.probe} tokens=${r.tokens}` : '') +
      ` jobs=${r.jobSizes}${r.speeds ? ` speeds=${r.speeds}` : ''}`,
    `  horizon ${r.horizon} × ${r.reps} rep(s), warm-up ${r.warmup.toFixed(3)}, seed ${r.seed}, ${r.engine} engine, CI by ${r.ciMethod}`,
    `  q0            ${pm(r.q0, r.q0Ci95)}   (time average ${fmt(r.q0TimeAverage)})`,
    `  E[R]          ${pm(r.meanResponse, r.meanResponseCi95)}`,
    `  P(wait > 0)   ${pm(r.pWait, r.pWaitCi95)}`,
    `  R p50/p90/p99 ${fmt(r.p50, 3)} / ${fmt(r.p90, 3)} / ${fmt(r.p99, 3)}`,
  ];
  if (r.tokensPerIQueue) {
    const dist = r.tokensPerIQueue
      .slice(0, 8)
      .map((p, k) => `${k}:${p.toFixed(3)}`)
      .join(' ');
    lines.push(`  tokens/I-queue mean ${fmt(r.meanTokensPerIQueue)}  [${dist}${r.tokensPerIQueue.length > 8 ? ' …' : ''}]`);
    lines.push(`  by token ${fmt(r.byTokenFraction)}, token→busy ${r.tokenToBusy}, withdrawals ${r.withdrawals}`);
    if (r.delays) {
      const hops = Object.entries(r.delays)
        .map(([hop, l]) => `${hop} ${l.kind === 'const' ? '' : `${l.kind}:`}${fmt(l.mean)}`)
        .join(', ');
      lines.push(`  delays ${hops}; races: withdrawn token used ${r.raceWithdrawn}, stale withdrawals ${r.staleWithdrawals}`);
    }
  }
  lines.push(
    `  ${r.jobs} measured jobs, ${r.jobsSimulated} simulated, ${r.events} events` +
      (r.jobsPerSecond !== undefined
        ? `; ${(r.jobsPerSecond / 1e6).toFixed(2)} M jobs/s, ${((r.eventsPerSecond ?? 0) / 1e6).toFixed(2)} M events/s, ${(r.wallSeconds ?? 0).toFixed(1)} s`
        : ''),
  );
  return lines.join('\n');
}

/** `jiq sim`: the discrete-event simulator (packages/sim). */
export function registerSimCommand(program: Command): void {
  program
    .command('sim')
    .description('Simulate JIQ-SQ(d) (with or without withdrawals) and baseline policies; prints q0, E[R] and more with 95% CIs')
    .addOption(new Option('--policy <policy>', 'dispatch policy').choices(SIM_POLICIES).default('jiq'))
    .option('--n <N>', 'number of servers', parsePositiveInt('--n'))
    .option('--m <M>', 'number of dispatchers', parsePositiveInt('--m'))
    .option('--r <R>', 'servers per dispatcher, n/m (n must be divisible by r)', parseNumber('--r'))
    .option('--lambda <L>', 'arrival rate per server (load), in (0, 1)', parseNumber('--lambda'))
    .option('--d <D>', 'dispatchers probed per token (jiq), servers probed per job (jsq-d)', parsePositiveInt('--d'))
    .option('--withdraw', 'servers withdraw their token when another dispatcher gives them work')
    .option('--no-withdraw', 'tokens are not withdrawn (default)')
    .option('--select <sel>', `token selection: ${TOKEN_SELECTIONS.join(' | ')}`, parseChoice('--select', TOKEN_SELECTIONS), 'fcfs')
    .option('--probe <mode>', 'probe distinct dispatchers or draw with replacement', parseChoice('--probe', ['distinct', 'replace'] as const), 'distinct')
    .option('--tokens <rule>', 'one outstanding token per server (paper) or multi-token (one per idle transition)', parseChoice('--tokens', TOKEN_RULES), 'one')
    .option('--fallback-d <D>', 'd of the power-of-d fallback of jiq-pod', parsePositiveInt('--fallback-d'), 2)
    .option('--jobs <spec>', `job sizes (mean 1): ${JOB_SPEC_SYNTAX}`, 'exp')
    .option('--speeds <spec>', `server speeds: ${SPEEDS_SYNTAX}`)
    .option('--delays <spec>', `message delays per hop, in units of the mean job size: ${DELAYS_SYNTAX}; missing hops 0`)
    .option('--horizon <T>', 'length of each replication (default 10^7/m as the paper; 10^8/n without tokens)', parseNumber('--horizon'))
    .option('--reps <K>', 'independent replications (1: CIs from batch means)', parseNumber('--reps'), 1)
    .addOption(
      new Option('--warmup <F>', 'warm-up fraction of each replication, in [0, 1)').argParser(parseNumber('--warmup')).default(1 / 3, '1/3'),
    )
    .option('--seed <S>', 'random seed', parseSeed, 1)
    .option('--batches <B>', 'batches for batch-means CIs', parsePositiveInt('--batches'), 20)
    .addOption(new Option('--engine <engine>', 'simulation engine').choices(ENGINES).default('auto'))
    .option('--deterministic', 'omit wall-clock figures (jobsPerSecond, ...): same seed, byte-identical output', false)
    .option('--json', 'print one JSON object', false)
    .action((flags: SimFlags) => {
      if (flags.n === undefined) throw new JiqConfigError('--n', 'is required');
      if (flags.lambda === undefined) throw new JiqConfigError('--lambda', 'is required');
      // Every dispatcher gets r = n/m servers' worth of arrivals: the model needs an integer r.
      if (flags.m !== undefined && flags.n % flags.m !== 0) {
        throw new JiqConfigError('--m', `must divide --n (${flags.n}): r = n/m servers per dispatcher must be an integer`, flags.m);
      }
      let result: SimResult;
      try {
        result = simulate({
          policy: flags.policy,
          n: flags.n,
          m: flags.m,
          r: flags.r,
          lambda: flags.lambda,
          d: flags.d,
          withdraw: flags.withdraw,
          select: flags.select,
          probe: flags.probe,
          tokens: flags.tokens,
          fallbackD: flags.fallbackD,
          jobs: flags.jobs,
          speeds: flags.speeds,
          delays: flags.delays,
          horizon: flags.horizon,
          reps: flags.reps,
          warmup: flags.warmup,
          seed: flags.seed,
          batches: flags.batches,
          engine: flags.engine,
          timing: !flags.deterministic,
          onReplication: flags.json || flags.reps < 2 ? undefined : (k, total) => process.stderr.write(`replication ${k}/${total}\n`),
        });
      } catch (err) {
        throw asFlagError(err);
      }
      printResult(result, flags.json, () => text(result));
    });
}

/** The simulator names its options (`fallbackD`); the command names its flags (`--fallback-d`). */
function asFlagError(err: unknown): unknown {
  if (!(err instanceof JiqConfigError) || err.field.startsWith('--')) return err;
  const flag = `--${err.field.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
  return new JiqConfigError(flag, err.rule, err.value, { cause: err });
}
