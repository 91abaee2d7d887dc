import type { DelaysOption } from '@jiq/sim';
import type { ClusterResult } from '../cluster/run-cluster';

/** How the simulator draws each hop's delay around the mean the cluster measured. */
export const DELAY_LAWS = ['exp', 'const'] as const;
export type DelayLawName = (typeof DELAY_LAWS)[number];

/** The delays the simulator runs with, in units of the mean job size, and where they came from. */
export interface MeasuredDelays {
  law: DelayLawName;
  place: number;
  probe: number;
  assign: number;
  withdraw: number;
  /** The cluster's measured mean service time the hops were divided by. */
  meanServiceMs: number;
}

const perJob = (ms: number | undefined, meanServiceMs: number): number => (ms !== undefined && Number.isFinite(ms) && ms > 0 ? ms / meanServiceMs : 0);

/**
 * The cluster's measured hop delays as simulator delays: each hop's mean in ms over the
 * measured mean service time in ms; a probe's one-way delay is half its round trip. A hop the
 * cluster never took (no withdrawals, d = 1: no probes) is 0.
 */
export function delaysFromCluster(cluster: Pick<ClusterResult, 'hopMs' | 'meanServiceMs'>, law: DelayLawName): MeasuredDelays {
  const ms = cluster.meanServiceMs;
  const h = cluster.hopMs;
  if (!(Number.isFinite(ms) && ms > 0)) return { law, place: 0, probe: 0, assign: 0, withdraw: 0, meanServiceMs: ms };
  return {
    law,
    place: perJob(h.place.mean, ms),
    probe: perJob(h.probeRtt.mean / 2, ms),
    assign: perJob(h.assign.mean, ms),
    withdraw: perJob(h.withdraw.mean, ms),
    meanServiceMs: ms,
  };
}

/** The simulator's `delays` option for these delays. */
export function delaysOption(d: MeasuredDelays): DelaysOption {
  const v = (x: number): string => (d.law === 'exp' ? `exp:${x}` : String(x));
  return { place: v(d.place), probe: v(d.probe), assign: v(d.assign), withdraw: v(d.withdraw) };
}
