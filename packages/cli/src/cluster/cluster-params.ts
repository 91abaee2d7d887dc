import { readFileSync } from 'node:fs';
import type { ArrivalProcess } from '@jiq/client';
import {
  flagField,
  JiqConfigError,
  parseJobSpec,
  resolvePolicyConfig,
  type DispatchPolicyName,
  type JobSizeDistribution,
  type ProbeMode,
  type TokenSelectionName,
} from '@jiq/core';
import { parseSpeeds } from '@jiq/sim';

/** The flags shared by `jiq cluster`, `jiq load` and `jiq experiment`, validated together. */
export interface ClusterParams {
  dispatchers: number;
  workers: number;
  slots: number;
  policy: DispatchPolicyName;
  usesTokens: boolean;
  lambda: number;
  d: number;
  fallbackD: number;
  withdraw: boolean;
  select: TokenSelectionName;
  probe: ProbeMode;
  multiToken: boolean;
  /** Speed of each server (worker i, slot k is i·slots + k), or null: all 1. */
  speeds: number[] | null;
  speedsSpec: string | null;
  jobs: JobSizeDistribution;
  meanServiceMs: number;
  durationSec: number;
  warmupSec: number;
  seed: number;
  transport: string;
  arrivals: ArrivalProcess;
}

export interface RawClusterFlags {
  dispatchers?: number;
  m?: number;
  workers?: number;
  n?: number;
  slots?: number;
  policy?: string;
  lambda: number;
  d?: number;
  fallbackD?: number;
  speeds?: string;
  withdraw?: boolean;
  select?: string;
  probe?: ProbeMode;
  multiToken?: boolean;
  jobs?: string;
  meanServiceMs?: number;
  duration?: number;
  warmup?: number;
  seed?: number;
  allowOverload?: boolean;
  transport?: string;
  arrivals?: ArrivalProcess;
}

/** `--n`/`--m` are the simulator's names of `--workers`/`--dispatchers`: one value, either name. */
function either(long: string, a: number | undefined, short: string, b: number | undefined, def: number | undefined): number {
  if (a !== undefined && b !== undefined && a !== b) throw new JiqConfigError(short, `disagrees with ${long} ${a}; give one of them`, b);
  const v = a ?? b ?? def;
  if (v === undefined) throw new JiqConfigError(long, 'is required');
  return v;
}

export function validateClusterFlags(f: RawClusterFlags, defaults: { dispatchers?: number; workers?: number } = {}): ClusterParams {
  const dispatchers = either('--dispatchers', f.dispatchers, '--m', f.m, defaults.dispatchers);
  const workers = either('--workers', f.workers, '--n', f.n, defaults.workers);
  const slots = f.slots ?? 1;
  if (!(f.lambda > 0)) throw new JiqConfigError('--lambda', 'must be > 0', f.lambda);
  if (f.lambda >= 1 && !f.allowOverload) {
    throw new JiqConfigError('--lambda', 'must be < 1 (the load per server; pass --allow-overload to exceed it)', f.lambda);
  }
  if (f.multiToken && f.withdraw === true) {
    throw new JiqConfigError('--multi-token', 'is a no-withdrawal variant; drop --withdraw');
  }
  // The one policy validation of @jiq/core (the simulator's): --d > --dispatchers needs --probe replace.
  const policy = resolvePolicyConfig(
    { policy: f.policy, d: f.d, probe: f.probe, select: f.select, withdraw: f.withdraw, fallbackD: f.fallbackD, tokens: f.multiToken ? 'multi' : 'one' },
    { n: workers * slots, m: dispatchers },
    flagField,
  );
  const seed = f.seed ?? 1;
  const speeds = f.speeds === undefined ? null : speedsOf(f.speeds, workers * slots, seed);
  const meanServiceMs = f.meanServiceMs ?? 50;
  if (!(meanServiceMs > 0)) throw new JiqConfigError('--mean-service-ms', 'must be > 0', meanServiceMs);
  const durationSec = f.duration ?? 20;
  if (!(durationSec > 0)) throw new JiqConfigError('--duration', 'must be > 0 seconds', durationSec);
  const warmupSec = f.warmup ?? Math.min(durationSec * 0.15, 15);
  if (!(warmupSec >= 0 && warmupSec < durationSec)) {
    throw new JiqConfigError('--warmup', `must be in [0, --duration) seconds`, warmupSec);
  }
  return {
    dispatchers,
    workers,
    slots,
    policy: policy.policy,
    usesTokens: policy.usesTokens,
    lambda: f.lambda,
    d: policy.d,
    fallbackD: policy.fallbackD,
    withdraw: policy.withdraw,
    select: policy.select,
    probe: policy.probe,
    multiToken: policy.tokens === 'multi',
    speeds,
    speedsSpec: f.speeds ?? null,
    jobs: parseJobSpec(f.jobs ?? 'exp', { field: '--jobs', readFile: (path: string): string => readFileSync(path, 'utf8') }),
    meanServiceMs,
    durationSec,
    warmupSec,
    seed,
    transport: f.transport ?? 'grpc',
    arrivals: f.arrivals ?? 'fixed-count',
  };
}

/**
 * Total arrival rate (jobs/s) for load λ per server: λ·Σ speeds / mean service time (λ·n with
 * equal speeds), so that λ is the load of the whole system, as in the simulator.
 */
export function totalRatePerSecond(p: Pick<ClusterParams, 'lambda' | 'workers' | 'slots' | 'meanServiceMs' | 'speeds'>): number {
  const capacity = p.speeds ? p.speeds.reduce((a, v) => a + v, 0) : p.workers * p.slots;
  return (p.lambda * capacity * 1000) / p.meanServiceMs;
}

/** The simulator's --speeds syntax and draw (same seed, same speeds), errors naming the flag. */
function speedsOf(spec: string, servers: number, seed: number): number[] {
  try {
    return Array.from(parseSpeeds(spec, servers, seed));
  } catch (err) {
    if (err instanceof JiqConfigError) throw new JiqConfigError('--speeds', err.rule, err.value, { cause: err });
    throw err;
  }
}
