import { readFileSync } from 'node:fs';
import {
  choiceOf,
  DISPATCH_POLICIES,
  dispatchPolicy,
  JiqConfigError,
  positiveInteger,
  parseJobSpec,
  resolvePolicyConfig,
  TOKEN_RULES,
  TOKEN_SELECTIONS,
  type DispatchPolicyName,
  type JobSizeDistribution,
  type ProbeMode,
  type TokenRule,
  type TokenSelectionName,
} from '@jiq/core';
import { allZero, parseDelays, type DelayLaws, type DelaysOption } from './delays';
import { parseSpeeds } from './speeds';

/**
 * Dispatch policies: the registry of @jiq/core (`jiq` is JIQ-SQ(d), d = 1: JIQ-Random, with a
 * random fallback; `jiq-pod` JIQ with a power-of-d fallback; the rest need no tokens).
 */
export type SimPolicy = Exclude<DispatchPolicyName, 'jsq-d-stale'>;
/** The registered policies the simulator runs (jsq-d-stale is the cluster's piggybacked-length variant of jsq-d). */
export const SIM_POLICIES = DISPATCH_POLICIES.filter((p): p is SimPolicy => dispatchPolicy(p).engines.includes('sim'));
export { TOKEN_RULES, TOKEN_SELECTIONS };
export type { TokenRule, TokenSelectionName };

/** `auto`: the Markov-chain engine for phase-type sizes on equal servers, else the event heap. */
export const ENGINES = ['auto', 'markov', 'events'] as const;
export type EngineName = (typeof ENGINES)[number];

export interface SimOptions {
  policy?: SimPolicy;
  /** Servers. */
  n: number;
  /** Dispatchers; or give r = n/m. */
  m?: number;
  r?: number;
  /** Arrival rate per server (the load when servers have mean speed 1). */
  lambda: number;
  /** Probes per token placement (jiq, jiq-pod), or per job (jsq-d). Default 1 (jiq), 2 (jsq-d). */
  d?: number;
  /** Servers withdraw their token when another dispatcher gives them work. Default false. */
  withdraw?: boolean;
  select?: TokenSelectionName;
  probe?: ProbeMode;
  tokens?: TokenRule;
  /** d of the power-of-d fallback of jiq-pod (default 2). */
  fallbackD?: number;
  /** A job-size spec (see @jiq/core parseJobSpec) or a parsed law. Default "exp". */
  jobs?: string | JobSizeDistribution;
  /** Server speeds: a list cycled over the servers, or a spec (see parseSpeeds). Default all 1. */
  speeds?: string | readonly number[];
  /** Length of each replication in time units (mean job size 1). Default 10^7/m (the paper); 10^8/n without tokens. */
  horizon?: number;
  /** Independent replications (default 1: CIs from batch means). */
  reps?: number;
  /** Fraction of each replication discarded as warm-up, in [0, 1). Default 1/3. */
  warmup?: number;
  seed?: number;
  /** Batches per replication for batch-means CIs when reps = 1 (default 20). */
  batches?: number;
  engine?: EngineName;
  /**
   * Message delays per hop in units of the mean job size (see delays.ts): a spec
   * "place=X,probe=X,assign=X,withdraw=X" (X a constant, exp:MEAN or file:PATH) or an object.
   * Missing hops are 0; all 0 (the default) runs the zero-delay engines. Token policies only.
   */
  delays?: DelaysOption;
  /** Include wall-clock figures (jobsPerSecond, ...). Default true; false for byte-identical output. */
  timing?: boolean;
  /** Called after each replication (progress). */
  onReplication?: (done: number, total: number) => void;
}

export interface SimConfig {
  policy: SimPolicy;
  n: number;
  m: number;
  r: number;
  lambda: number;
  d: number;
  withdraw: boolean;
  select: TokenSelectionName;
  probe: ProbeMode;
  tokens: TokenRule;
  fallbackD: number;
  jobs: JobSizeDistribution;
  speeds: Float64Array | null;
  speedsSpec: string | null;
  horizon: number;
  reps: number;
  warmup: number;
  seed: number;
  batches: number;
  engine: 'markov' | 'events' | 'delays';
  /** Message delays; null when every hop is 0 (the zero-delay engines run). */
  delays: DelayLaws | null;
  timing: boolean;
}

export function usesTokens(policy: SimPolicy): boolean {
  return dispatchPolicy(policy).tokens;
}

const oneOf = choiceOf;
const positiveInt = positiveInteger;

/** Validates options and fills defaults. Throws JiqConfigError naming the option. */
export function resolveOptions(o: SimOptions): SimConfig {
  // The policy itself is checked by the one validation of @jiq/core, below, once n and m are known.
  const policy = oneOf('policy', o.policy, SIM_POLICIES, 'jiq');
  const n = positiveInt('n', o.n);
  let m: number;
  if (o.m !== undefined && o.r !== undefined) {
    m = positiveInt('m', o.m);
    if (Math.abs(n / m - o.r) > 1e-9) throw new JiqConfigError('r', `must equal n/m = ${n}/${m} when both are given`, o.r);
  } else if (o.m !== undefined) {
    m = positiveInt('m', o.m);
  } else if (o.r !== undefined) {
    if (!(Number.isFinite(o.r) && o.r > 0)) throw new JiqConfigError('r', 'must be a number > 0', o.r);
    m = n / o.r;
    if (!Number.isInteger(m) || m < 1) {
      throw new JiqConfigError('r', `n = ${n} is not divisible by r (n/r = ${m}); give m instead`, o.r);
    }
  } else {
    m = usesTokens(policy) ? -1 : 1;
    if (m < 0) throw new JiqConfigError('m', 'give the number of dispatchers m, or r = n/m');
  }
  const lambda = o.lambda;
  if (!(typeof lambda === 'number' && lambda > 0 && lambda < 1)) {
    throw new JiqConfigError('lambda', 'must be a number in (0, 1) (the load per server)', lambda);
  }
  const { d, withdraw, select, probe, tokens, fallbackD } = resolvePolicyConfig(o, { n, m });
  const jobs =
    o.jobs === undefined ? parseJobSpec('exp') : typeof o.jobs === 'string' ? parseJobSpec(o.jobs, { field: 'jobs', readFile: (path: string): string => readFileSync(path, 'utf8') }) : o.jobs;
  const seed = o.seed ?? 1;
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
    throw new JiqConfigError('seed', 'must be an integer in [0, 2^32)', seed);
  }
  const speedsSpec = o.speeds === undefined ? null : typeof o.speeds === 'string' ? o.speeds : o.speeds.join(',');
  const speeds = o.speeds === undefined ? null : parseSpeeds(o.speeds, n, seed);
  // The paper's 10^7/m for the token policies (about λ·r·10^7 jobs); as if r = 10 for the others.
  const horizon = o.horizon ?? (usesTokens(policy) ? 1e7 / m : 1e8 / n);
  if (!(typeof horizon === 'number' && Number.isFinite(horizon) && horizon > 0)) {
    throw new JiqConfigError('horizon', 'must be a finite number > 0', horizon);
  }
  const reps = positiveInt('reps', o.reps ?? 1);
  const warmup = o.warmup ?? 1 / 3;
  if (!(typeof warmup === 'number' && warmup >= 0 && warmup < 1)) {
    throw new JiqConfigError('warmup', 'must be a fraction in [0, 1)', warmup);
  }
  const batches = positiveInt('batches', o.batches ?? 20);
  if (batches < 2) throw new JiqConfigError('batches', 'must be >= 2', batches);
  const engineName = oneOf('engine', o.engine, ENGINES, 'auto');
  const markovOk = jobs.phaseType !== undefined && speeds === null;
  if (engineName === 'markov' && !markovOk) {
    throw new JiqConfigError('engine', 'the Markov engine needs phase-type job sizes and equal server speeds', engineName);
  }
  const laws = o.delays === undefined ? null : parseDelays(o.delays, (path: string): string => readFileSync(path, 'utf8'));
  const delays = laws && !allZero(laws) ? laws : null;
  if (delays && !usesTokens(policy)) {
    throw new JiqConfigError('delays', `message delays apply to the token policies (jiq, jiq-pod), not ${policy}`, policy);
  }
  if (delays && engineName === 'markov') {
    throw new JiqConfigError('engine', 'messages in flight need the event engine (use --engine auto or events)', engineName);
  }
  const engine = delays ? 'delays' : engineName === 'events' || !markovOk ? 'events' : 'markov';
  return {
    policy,
    n,
    m,
    r: n / m,
    lambda,
    d,
    withdraw,
    select,
    probe,
    tokens,
    fallbackD,
    jobs,
    speeds,
    speedsSpec,
    horizon,
    reps,
    warmup,
    seed,
    batches,
    engine,
    delays,
    timing: o.timing ?? true,
  };
}
