import { readFileSync } from 'node:fs';
import type { ArrivalProcess } from '@jiq/client';
import { JiqConfigError, parseJobSpec, type JobSizeDistribution, type ProbeMode } from '@jiq/core';

/** The flags shared by `jiq cluster`, `jiq load` and `jiq experiment`, validated together. */
export interface ClusterParams {
  dispatchers: number;
  workers: number;
  slots: number;
  lambda: number;
  d: number;
  withdraw: boolean;
  select: 'fcfs' | 'lcfs';
  probe: ProbeMode;
  multiToken: boolean;
  jobs: JobSizeDistribution;
  meanServiceMs: number;
  durationSec: number;
  warmupSec: number;
  seed: number;
  transport: string;
  arrivals: ArrivalProcess;
}

export interface RawClusterFlags {
  dispatchers: number;
  workers: number;
  slots?: number;
  lambda: number;
  d: number;
  withdraw?: boolean;
  select?: 'fcfs' | 'lcfs';
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

export function validateClusterFlags(f: RawClusterFlags): ClusterParams {
  if (!(f.lambda > 0)) throw new JiqConfigError('--lambda', 'must be > 0', f.lambda);
  if (f.lambda >= 1 && !f.allowOverload) {
    throw new JiqConfigError('--lambda', 'must be < 1 (the load per server; pass --allow-overload to exceed it)', f.lambda);
  }
  if (!Number.isInteger(f.d) || f.d < 1) throw new JiqConfigError('--d', 'must be an integer >= 1', f.d);
  if (f.d > f.dispatchers) {
    throw new JiqConfigError('--d', `must be <= --dispatchers (${f.dispatchers})`, f.d);
  }
  const meanServiceMs = f.meanServiceMs ?? 50;
  if (!(meanServiceMs > 0)) throw new JiqConfigError('--mean-service-ms', 'must be > 0', meanServiceMs);
  const durationSec = f.duration ?? 20;
  if (!(durationSec > 0)) throw new JiqConfigError('--duration', 'must be > 0 seconds', durationSec);
  const warmupSec = f.warmup ?? Math.min(durationSec * 0.15, 15);
  if (!(warmupSec >= 0 && warmupSec < durationSec)) {
    throw new JiqConfigError('--warmup', `must be in [0, --duration) seconds`, warmupSec);
  }
  if (f.multiToken && f.withdraw !== false) {
    throw new JiqConfigError('--multi-token', 'is a no-withdrawal variant; add --no-withdraw');
  }
  return {
    dispatchers: f.dispatchers,
    workers: f.workers,
    slots: f.slots ?? 1,
    lambda: f.lambda,
    d: f.d,
    withdraw: f.withdraw ?? true,
    select: f.select ?? 'fcfs',
    probe: f.probe ?? 'distinct',
    multiToken: f.multiToken ?? false,
    jobs: parseJobSpec(f.jobs ?? 'exp', { field: '--jobs', readFile: (path: string): string => readFileSync(path, 'utf8') }),
    meanServiceMs,
    durationSec,
    warmupSec,
    seed: f.seed ?? 1,
    transport: f.transport ?? 'grpc',
    arrivals: f.arrivals ?? 'fixed-count',
  };
}

/** Total arrival rate (jobs/s) for load λ per server: λ·n / mean service time. */
export function totalRatePerSecond(p: Pick<ClusterParams, 'lambda' | 'workers' | 'slots' | 'meanServiceMs'>): number {
  return (p.lambda * p.workers * p.slots * 1000) / p.meanServiceMs;
}
