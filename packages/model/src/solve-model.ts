import { luQ0 } from './lu';
import { exponentialPercentiles, pkMeanResponse, withdrawQueueLength } from './mg1';
import { solveNoWithdraw } from './no-withdraw/solve';
import { noWithdrawTokenDistribution } from './no-withdraw/token-model';
import { validateInput, type ModelInput, type ModelPolicy, type ValidInput } from './validate';
import { withdrawQ0, withdrawTokenDistribution } from './withdraw';

/** What {@link solveModel} returns: plain, JSON-ready, every number finite. */
export interface ModelResult {
  policy: ModelPolicy;
  lambda: number;
  r: number;
  d: number;
  /** Normalised job-size spec and its squared coefficient of variation. */
  jobs: string;
  scv: number;
  /** Probability that an arriving job finds its dispatcher without tokens (= 1 for random). */
  q0: number;
  /** Mean response time (waiting + service), in units of the mean job size. */
  meanResponse: number;
  meanWait: number;
  /** P(a job waits), i.e. it is sent to a busy server. */
  pWait: number;
  /** Fraction of jobs sent by token, 1 − q0. */
  byToken: number;
  /** Mean number of jobs at a server (λ·E[R], Little). */
  meanJobs: number;
  /** Tokens per I-queue: the mean and P(k tokens), k = 0, 1, … (the last entry holds the tail). */
  tokens?: { mean: number; distribution: number[] };
  /** P(k jobs at a server), k = 0, 1, …, cut where the remaining mass is below 1e-12. */
  queueLength?: number[];
  /** The response-time law where it is known in closed form (exponential job sizes). */
  responseTime?: { law: 'exponential'; rate: number; percentiles: Record<string, number> };
  solver: Record<string, number | string | boolean>;
}

/**
 * The mean-field model of JIQ-SQ(d) of Van Houdt (Sections 2–4 and 6):
 *  - withdraw: Algorithm 1 for q0, recursion (7) for the tokens, Theorems 1/4 for the queue
 *    length, and the M/G/1 law at load λq0 for the response time;
 *  - fcfs / lcfs: the no-withdrawal fixed point of Sections 6.3–6.4;
 *  - lu: the approximation of Lu et al. (Section 2);
 *  - random: an M/G/1 queue at load λ.
 * Throws JiqConfigError naming the parameter for bad input.
 */
export function solveModel(input: ModelInput): ModelResult {
  const v = validateInput(input);
  let result: ModelResult;
  switch (v.policy) {
    case 'withdraw':
      result = solveWithdraw(v);
      break;
    case 'fcfs':
    case 'lcfs':
      result = solveNoWithdrawPolicy(v, v.policy);
      break;
    case 'lu':
      result = solveLu(v);
      break;
    case 'random':
      result = solveRandom(v);
      break;
  }
  assertFinite(result, 'result');
  return result;
}

function base(v: ValidInput, q0: number, meanResponse: number, pWait: number): ModelResult {
  return {
    policy: v.policy,
    lambda: v.lambda,
    r: v.r,
    d: v.d,
    jobs: v.jobs.spec,
    scv: v.jobs.scv,
    q0,
    meanResponse,
    meanWait: meanResponse - 1,
    pWait,
    byToken: 1 - q0,
    meanJobs: v.lambda * meanResponse,
    solver: {},
  };
}

function exponentialLaw(v: ValidInput, rho: number): ModelResult['responseTime'] {
  if (v.jobs.kind !== 'exp') return undefined;
  return { law: 'exponential', rate: 1 - rho, percentiles: exponentialPercentiles(1 - rho) };
}

function tokenSummary(distribution: number[]): { mean: number; distribution: number[] } {
  return { mean: distribution.reduce((s, p, k) => s + k * p, 0), distribution };
}

function trimDistribution(p: ArrayLike<number>, tol = 1e-12): number[] {
  const out: number[] = [];
  let cum = 0;
  for (let i = 0; i < p.length; i++) {
    out.push(p[i]!);
    cum += p[i]!;
    if (1 - cum < tol) break;
  }
  return out;
}

function solveWithdraw(v: ValidInput): ModelResult {
  const w = withdrawQ0(v.lambda, v.r, v.d);
  const rho = v.lambda * w.q0;
  const res = base(v, w.q0, pkMeanResponse(rho, v.secondMoment), rho);
  res.tokens = tokenSummary(withdrawTokenDistribution(v.lambda, v.r, v.d, w.q0));
  if (v.ph) res.queueLength = withdrawQueueLength(v.ph, v.lambda, w.q0);
  const law = exponentialLaw(v, rho);
  if (law) res.responseTime = law;
  res.solver = {
    method: 'algorithm-1',
    k: w.k,
    recursionRuns: w.evaluations,
    stop: w.stop,
    q0Lower: w.lower,
    q0Upper: w.upper,
  };
  return res;
}

function solveNoWithdrawPolicy(v: ValidInput, select: 'fcfs' | 'lcfs'): ModelResult {
  const ph = v.ph!;
  // the with-withdrawal q0 is a good starting point (and cheap)
  const guess = withdrawQ0(v.lambda, v.r, v.d).q0;
  const s = solveNoWithdraw({ select, lambda: v.lambda, r: v.r, d: v.d, ph, guess });
  const meanResponse = s.chain.meanJobs / v.lambda;
  const res = base(v, s.q0, meanResponse, Math.min(1, s.chain.busyArrivalRate / v.lambda));
  res.tokens = tokenSummary(noWithdrawTokenDistribution(v.d, s.q0));
  res.queueLength = trimDistribution(s.chain.expandQueueLength ? s.chain.expandQueueLength() : s.chain.queueLength);
  res.solver = {
    method: s.tokens.collapsed ? 'server-chain (token life exponential, d = 1 FCFS)' : 'server-chain',
    chainMethod: s.chain.method,
    qbdIterations: s.chain.iterations,
    chainSolves: s.evaluations,
    positions: s.tokens.K,
    queueTruncation: s.chain.truncated ? s.B : 'none (matrix-geometric in the jobs)',
    idle: s.chain.idle,
    tokenUseRate: s.chain.tokenUseRate,
    q0Lower: s.bracket[0],
    q0Upper: s.bracket[1],
  };
  return res;
}

function solveLu(v: ValidInput): ModelResult {
  const q0 = luQ0(v.lambda, v.r, v.d);
  const rho = v.lambda * q0;
  const res = base(v, q0, pkMeanResponse(rho, v.secondMoment), rho);
  res.tokens = tokenSummary(noWithdrawTokenDistribution(v.d, q0));
  const law = exponentialLaw(v, rho);
  if (law) res.responseTime = law;
  res.solver = { method: 'lu-et-al' };
  return res;
}

function solveRandom(v: ValidInput): ModelResult {
  const res = base(v, 1, pkMeanResponse(v.lambda, v.secondMoment), v.lambda);
  if (v.ph) res.queueLength = withdrawQueueLength(v.ph, v.lambda, 1);
  const law = exponentialLaw(v, v.lambda);
  if (law) res.responseTime = law;
  res.solver = { method: 'm/g/1' };
  return res;
}

/** The solver never hands out NaN or ±Infinity: a non-finite number is a bug, not a result. */
export function assertFinite(value: unknown, path: string): void {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`model: ${path} is ${value} (internal error)`);
  } else if (Array.isArray(value)) {
    value.forEach((x, i) => assertFinite(x, `${path}[${i}]`));
  } else if (value && typeof value === 'object') {
    for (const [k, x] of Object.entries(value)) assertFinite(x, `${path}.${k}`);
  }
}
