import { readFileSync } from 'node:fs';
import { JiqConfigError, parseJobSpec, type JobSizeDistribution, type PhaseType } from '@jiq/core';

export const POLICIES = ['withdraw', 'fcfs', 'lcfs', 'lu', 'random'] as const;
export type ModelPolicy = (typeof POLICIES)[number];

/** Input of {@link solveModel}; flag names are used in error messages. */
export interface ModelInput {
  policy: ModelPolicy;
  /** Arrival rate per server, in (0, 1). */
  lambda: number;
  /** Servers per dispatcher, r = n/m > 0 (not needed for `random`). */
  r?: number;
  /** Dispatchers probed by an idle server, an integer >= 1 (default 1). */
  d?: number;
  /** A job-size spec (exp, det, hyperexp:SCV:F[:alt], erlang:K, ph:FILE.json, ...) or a parsed law. Default exp. */
  jobs?: string | JobSizeDistribution;
}

export interface ValidInput {
  policy: ModelPolicy;
  lambda: number;
  r: number;
  d: number;
  jobs: JobSizeDistribution;
  /** E[X²] (mean 1). */
  secondMoment: number;
  /** (α, T) with α summing to 1, where the law is phase-type. */
  ph?: PhaseType;
}

/** Checks the input and names the parameter and the rule it broke (JiqConfigError). */
export function validateInput(input: ModelInput): ValidInput {
  const { policy } = input;
  if (!(POLICIES as readonly string[]).includes(policy)) {
    throw new JiqConfigError('--policy', `must be one of ${POLICIES.join(' | ')}`, policy);
  }
  const lambda = input.lambda;
  if (typeof lambda !== 'number' || !(lambda > 0 && lambda < 1)) {
    throw new JiqConfigError('--lambda', 'must be in (0, 1) (arrival rate per server; mean job size is 1)', lambda);
  }
  let r = input.r;
  if (r === undefined && policy === 'random') r = 1;
  if (r === undefined) throw new JiqConfigError('--r', `is required for policy ${policy}`);
  if (typeof r !== 'number' || !Number.isFinite(r) || !(r > 0)) {
    throw new JiqConfigError('--r', 'must be a finite number > 0 (servers per dispatcher, n/m)', r);
  }
  const d = input.d ?? 1;
  if (typeof d !== 'number' || !Number.isInteger(d) || d < 1) {
    throw new JiqConfigError('--d', 'must be an integer >= 1', d);
  }
  const jobs = typeof input.jobs === 'string' || input.jobs === undefined ? parseJobSpec(input.jobs ?? 'exp', { readFile: (path: string): string => readFileSync(path, 'utf8') }) : input.jobs;
  if (Math.abs(jobs.mean - 1) > 1e-6) {
    throw new JiqConfigError('--jobs', 'the job-size law must have mean 1', jobs.mean);
  }
  const secondMoment = jobs.scv + 1;
  if (!Number.isFinite(secondMoment)) {
    throw new JiqConfigError('--jobs', 'the mean response time needs a finite second moment (finite SCV)', jobs.spec);
  }
  let ph: PhaseType | undefined;
  if (jobs.phaseType) {
    const alphaSum = jobs.phaseType.alpha.reduce((s, a) => s + a, 0);
    if (Math.abs(alphaSum - 1) > 1e-9) {
      throw new JiqConfigError('--jobs', 'the model needs a phase-type alpha that sums to 1 (no atom at zero)', alphaSum);
    }
    ph = jobs.phaseType;
  }
  if ((policy === 'fcfs' || policy === 'lcfs') && !ph) {
    throw new JiqConfigError(
      '--jobs',
      `policy ${policy} needs a phase-type job size (exp, hyperexp:SCV:F, erlang:K, ph:FILE.json)`,
      jobs.spec,
    );
  }
  return { policy, lambda, r, d, jobs, secondMoment, ...(ph ? { ph } : {}) };
}
