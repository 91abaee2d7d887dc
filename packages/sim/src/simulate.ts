import { createPrng, deriveSeed, meanCi95 } from '@jiq/core';
import { Cluster } from './cluster';
import { describeDelays, type Hop } from './delays';
import { runDelayed, type DelayStats } from './engine-delays';
import { runEvents } from './engine-events';
import { runMarkov, type EngineStats } from './engine-markov';
import { Measurement } from './measurement';
import { resolveOptions, usesTokens, type SimConfig, type SimOptions } from './options';
import { ResponseHistogram } from './response-histogram';

/** The result of `simulate`: JSON-ready (non-finite numbers are null). */
export interface SimResult {
  policy: string;
  n: number;
  m: number;
  r: number;
  lambda: number;
  d: number;
  withdraw: boolean;
  select: string;
  probe: string;
  tokens: string;
  jobSizes: string;
  speeds: string | null;
  horizon: number;
  warmup: number;
  reps: number;
  seed: number;
  engine: 'markov' | 'events' | 'delays';
  /** How the 95% CIs were formed: across replications, or batch means within one. */
  ciMethod: 'replications' | 'batch-means';
  /** Fraction of measured arrivals that found their dispatcher's I-queue empty (null without tokens). */
  q0: number | null;
  q0Ci95: number | null;
  /** Time-average fraction of empty I-queues (equal to q0 by PASTA). */
  q0TimeAverage: number | null;
  /** Mean sojourn time at the server, in units of the mean job size. */
  meanResponse: number | null;
  meanResponseCi95: number | null;
  /** Fraction of jobs that found their server busy. */
  pWait: number | null;
  pWaitCi95: number | null;
  p50: number | null;
  p90: number | null;
  p99: number | null;
  /** Fraction of jobs assigned by a token (null without tokens). */
  byTokenFraction: number | null;
  /**
   * Time-average tokens per I-queue; the distribution of tokens per I-queue (fraction holding
   * k = 0, 1, ... tokens) as seen by arrivals, which by PASTA is the time-average one.
   */
  meanTokensPerIQueue: number | null;
  tokensPerIQueue: number[] | null;
  /** Time-average fraction of busy servers (λ in the long run, with equal speeds). */
  utilization: number;
  /** Races in the measured period: jobs sent by token to a busy server; tokens withdrawn. */
  tokenToBusy: number;
  withdrawals: number;
  /**
   * With message delays only: the delays per hop (kind and mean, in units of the mean job
   * size); jobs by token that arrived after their token was withdrawn (the worker's
   * raceWithdrawn); withdrawals that reached the dispatcher after the token was used
   * (staleWithdrawals). `tokenToBusy` is then the worker's raceBusy.
   */
  delays?: Record<Hop, { kind: string; mean: number; source?: string }>;
  raceWithdrawn?: number;
  staleWithdrawals?: number;
  /** Measured jobs (arrivals after the warm-up, all replications). */
  jobs: number;
  /** Every simulated job, warm-up included. */
  jobsSimulated: number;
  events: number;
  /**
   * Wall-clock figures (simulated jobs and events, warm-up included, per wall second), absent
   * with timing: false, when the result is a function of the options and the seed only.
   */
  jobsPerSecond?: number;
  eventsPerSecond?: number;
  wallSeconds?: number;
}

interface Replication {
  meas: Measurement;
  stats: EngineStats | DelayStats;
  cluster: Cluster;
}

/** Runs one replication k of the configuration. */
function replicate(cfg: SimConfig, k: number): Replication {
  const rng = createPrng(deriveSeed(cfg.seed, k));
  const cluster = new Cluster(cfg, rng);
  const meas = new Measurement(cfg.warmup * cfg.horizon, cfg.horizon, cfg.batches);
  let speedSum = cfg.n;
  if (cfg.speeds) {
    speedSum = 0;
    for (const v of cfg.speeds) speedSum += v;
  }
  const arrivalRate = cfg.lambda * speedSum;
  const stats =
    cfg.engine === 'markov'
      ? runMarkov(cluster, meas, rng, cfg.jobs.phaseType!, arrivalRate, cfg.m)
      : cfg.delays
        ? runDelayed(cluster, meas, rng, cfg.jobs, cfg.speeds, arrivalRate, cfg.m, cfg.delays)
        : runEvents(cluster, meas, rng, cfg.jobs, cfg.speeds, arrivalRate, cfg.m);
  return { meas, stats, cluster };
}

const sum = (a: Float64Array): number => a.reduce((s, x) => s + x, 0);
const ratio = (a: number, b: number): number => (b > 0 ? a / b : NaN);
const orNull = (x: number): number | null => (Number.isFinite(x) ? x : null);

/** Discrete-event simulation of the dispatch system; see SimOptions. */
export function simulate(options: SimOptions): SimResult {
  const cfg = resolveOptions(options);
  const wallStart = process.hrtime.bigint();
  const reps: Replication[] = [];
  for (let k = 0; k < cfg.reps; k++) {
    reps.push(replicate(cfg, k));
    options.onReplication?.(k + 1, cfg.reps);
  }
  const wallSeconds = Number(process.hrtime.bigint() - wallStart) / 1e9;

  // Units of the CI: replications, or the batches of the single replication.
  const units: { arr: number; empty: number; wait: number; rSum: number; rCount: number }[] = [];
  if (cfg.reps > 1) {
    for (const { meas } of reps) {
      units.push({
        arr: sum(meas.arrivals),
        empty: sum(meas.emptyArrivals),
        wait: sum(meas.waits),
        rSum: sum(meas.responseSum),
        rCount: sum(meas.responseCount),
      });
    }
  } else {
    const meas = reps[0]!.meas;
    for (let b = 0; b < cfg.batches; b++) {
      units.push({
        arr: meas.arrivals[b]!,
        empty: meas.emptyArrivals[b]!,
        wait: meas.waits[b]!,
        rSum: meas.responseSum[b]!,
        rCount: meas.responseCount[b]!,
      });
    }
  }
  const ci = (f: (u: (typeof units)[number]) => number): number => meanCi95(units.map(f)).ci95;

  let arrivals = 0;
  let empty = 0;
  let waits = 0;
  let byToken = 0;
  let rSum = 0;
  let rCount = 0;
  let events = 0;
  let jobsSimulated = 0;
  let tokenToBusy = 0;
  let withdrawals = 0;
  let raceWithdrawn = 0;
  let staleWithdrawals = 0;
  let busyArea = 0;
  const hist = new ResponseHistogram();
  let tokenArea = 0;
  let emptyArea = 0;
  let seen = new Float64Array(0);
  for (const { meas, stats, cluster } of reps) {
    arrivals += sum(meas.arrivals);
    empty += sum(meas.emptyArrivals);
    waits += sum(meas.waits);
    byToken += sum(meas.byToken);
    rSum += sum(meas.responseSum);
    rCount += sum(meas.responseCount);
    events += stats.events;
    jobsSimulated += cluster.routed;
    tokenToBusy += cluster.tokenToBusy - stats.tokenToBusyAtStart;
    withdrawals += cluster.withdrawals - stats.withdrawalsAtStart;
    if ('raceWithdrawn' in stats) {
      raceWithdrawn += stats.raceWithdrawn - stats.raceWithdrawnAtStart;
      staleWithdrawals += stats.staleWithdrawals - stats.staleWithdrawalsAtStart;
    }
    busyArea += cluster.busyArea;
    hist.merge(meas.histogram);
    tokenArea += cluster.tokenArea;
    emptyArea += cluster.emptyArea;
    if (meas.queueSeen.length > seen.length) {
      const grown = new Float64Array(meas.queueSeen.length);
      grown.set(seen);
      seen = grown;
    }
    meas.queueSeen.forEach((c, L) => (seen[L]! += c));
  }

  const tokens = usesTokens(cfg.policy);
  let tokensPerIQueue: number[] | null = null;
  let meanTokens: number | null = null;
  let q0Time: number | null = null;
  if (tokens) {
    const window = (1 - cfg.warmup) * cfg.horizon * cfg.reps;
    meanTokens = tokenArea / (cfg.m * window);
    q0Time = emptyArea / (cfg.m * window);
    const total = sum(seen);
    let top = 0;
    for (let L = 0; L < seen.length; L++) if (seen[L]! > 0) top = L;
    tokensPerIQueue = total > 0 ? Array.from(seen.subarray(0, top + 1), (c) => c / total) : null;
  }

  const result: SimResult = {
    policy: cfg.policy,
    n: cfg.n,
    m: cfg.m,
    r: cfg.r,
    lambda: cfg.lambda,
    d: cfg.d,
    withdraw: cfg.withdraw,
    select: cfg.select,
    probe: cfg.probe,
    tokens: cfg.tokens,
    jobSizes: cfg.jobs.spec,
    speeds: cfg.speedsSpec,
    horizon: cfg.horizon,
    warmup: cfg.warmup,
    reps: cfg.reps,
    seed: cfg.seed,
    engine: cfg.engine,
    ciMethod: cfg.reps > 1 ? 'replications' : 'batch-means',
    q0: tokens ? orNull(ratio(empty, arrivals)) : null,
    q0Ci95: tokens ? orNull(ci((u) => ratio(u.empty, u.arr))) : null,
    q0TimeAverage: q0Time,
    meanResponse: orNull(ratio(rSum, rCount)),
    meanResponseCi95: orNull(ci((u) => ratio(u.rSum, u.rCount))),
    pWait: orNull(ratio(waits, arrivals)),
    pWaitCi95: orNull(ci((u) => ratio(u.wait, u.arr))),
    p50: orNull(hist.percentile(0.5)),
    p90: orNull(hist.percentile(0.9)),
    p99: orNull(hist.percentile(0.99)),
    byTokenFraction: tokens ? orNull(ratio(byToken, arrivals)) : null,
    meanTokensPerIQueue: meanTokens,
    tokensPerIQueue,
    utilization: busyArea / (cfg.n * (1 - cfg.warmup) * cfg.horizon * cfg.reps),
    tokenToBusy,
    withdrawals,
    jobs: arrivals,
    jobsSimulated,
    events,
  };
  if (cfg.delays) {
    result.delays = describeDelays(cfg.delays);
    result.raceWithdrawn = raceWithdrawn;
    result.staleWithdrawals = staleWithdrawals;
  }
  if (cfg.timing) {
    result.wallSeconds = wallSeconds;
    result.jobsPerSecond = jobsSimulated / wallSeconds;
    result.eventsPerSecond = events / wallSeconds;
  }
  return result;
}
