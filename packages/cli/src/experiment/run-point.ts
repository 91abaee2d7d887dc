import type { LoadProgress } from '@jiq/client';
import { dispatchPolicy, JiqConfigError, type DispatchPolicyName } from '@jiq/core';
import type { DashboardHandle } from '@jiq/dashboard';
import type { Logger } from '@jiq/shared';
import { resolveOptions, simulate, type SimOptions, type SimPolicy, type SimResult } from '@jiq/sim';
import { validateClusterFlags, type ClusterParams } from '../cluster/cluster-params';
import { runCluster, type ClusterResult } from '../cluster/run-cluster';
import { delaysFromCluster, delaysOption } from './measured-delays';
import { modelPolicy, solvePoint } from './model-point';
import { configLabel } from './sweep';
import type { ExperimentPoint, ExperimentRow, ExperimentSettings, RelativeErrors, SimDelayedEntry } from './types';

/** Arrivals the simulator runs per point by default (CI half-widths well under 0.01 on q0). */
const SIM_ARRIVALS = 2e6;

/** The cluster parameters of a point; throws JiqConfigError naming the flag. */
export function clusterParams(p: ExperimentPoint, s: ExperimentSettings): ClusterParams {
  const slots = s.slots ?? 1;
  if (!Number.isInteger(p.n / slots)) throw new JiqConfigError('--slots', `must divide n = ${p.n} (n/slots worker processes)`, slots);
  return validateClusterFlags({
    dispatchers: p.m,
    workers: p.n / slots,
    slots,
    policy: p.policy,
    lambda: p.lambda,
    d: p.d,
    ...(p.speeds !== null ? { speeds: p.speeds } : {}),
    withdraw: p.withdraw,
    select: p.select,
    probe: p.probe,
    jobs: p.jobs,
    meanServiceMs: s.meanServiceMs,
    duration: s.durationSec,
    warmup: s.warmupSec,
    seed: s.seed,
    transport: s.transport,
    arrivals: s.arrivals,
  });
}

/**
 * The policy the simulator runs for a point: its own, or for a cluster-only variant
 * (jsq-d-stale) the policy it varies on exact lengths — the limit it is measured against.
 */
export function simPolicy(policy: DispatchPolicyName): SimPolicy {
  const def = dispatchPolicy(policy);
  return (def.engines.includes('sim') ? policy : def.variantOf ?? policy) as SimPolicy;
}

/** The simulator options of a point: the same n, m and policy as the cluster. */
export function simOptions(p: ExperimentPoint, s: ExperimentSettings): SimOptions {
  return {
    policy: simPolicy(p.policy),
    n: p.n,
    m: p.m,
    lambda: p.lambda,
    d: p.d,
    withdraw: p.withdraw,
    select: p.select,
    probe: p.probe,
    jobs: p.jobs,
    ...(p.speeds !== null ? { speeds: p.speeds } : {}),
    horizon: s.simHorizon ?? SIM_ARRIVALS / (p.lambda * p.n),
    reps: s.simReps,
    seed: s.seed,
  };
}

/** Validates a point for all three engines before anything starts. */
export function validatePoint(p: ExperimentPoint, s: ExperimentSettings): void {
  clusterParams(p, s);
  resolveOptions(simOptions(p, s));
}

function rel(x: number | null | undefined, ref: number | null | undefined): number | null {
  if (x === null || x === undefined || ref === null || ref === undefined || !Number.isFinite(x) || !Number.isFinite(ref) || ref === 0) return null;
  return (x - ref) / ref;
}

/**
 * The load the cluster's servers actually carried: the achieved arrival rate times the measured
 * mean service time (a loaded host stretches service past --mean-service-ms), per server.
 */
export function effectiveLambda(p: ExperimentPoint, s: ExperimentSettings, cluster: Pick<ClusterResult, 'achievedLambda' | 'meanServiceMs'>): number {
  const stretch = cluster.meanServiceMs / s.meanServiceMs;
  const lambda = cluster.achievedLambda * stretch;
  return Number.isFinite(lambda) && lambda > 0 ? lambda : p.lambda;
}

/**
 * The simulator at the point with the hop delays the cluster measured and the load its servers
 * carried (same seed and horizon as `sim`); null figures when that load is >= 1.
 */
export function simulateDelayed(
  p: ExperimentPoint,
  s: ExperimentSettings,
  cluster: Pick<ClusterResult, 'hopMs' | 'meanServiceMs' | 'achievedLambda'>,
): SimDelayedEntry {
  const delays = delaysFromCluster(cluster, s.delayLaw);
  const lambda = effectiveLambda(p, s, cluster);
  if (!(lambda < 1)) return { q0: null, q0Ci95: null, meanResponse: null, meanResponseCi95: null, lambda, delays };
  // The simulator carries messages for the token policies; a token-less policy's only hop is
  // its probe round trip, which delays the job before it joins a queue but not the queue.
  const usesTokens = dispatchPolicy(p.policy).tokens;
  const r = simulate({ ...simOptions(p, s), lambda, ...(usesTokens ? { delays: delaysOption(delays) } : {}) });
  return { q0: r.q0, q0Ci95: r.q0Ci95, meanResponse: r.meanResponse, meanResponseCi95: r.meanResponseCi95, lambda, delays };
}

export interface PointHooks {
  log: Logger;
  signal?: AbortSignal;
  onPhase?: (text: string) => void;
  onProgress?: (p: LoadProgress) => void;
  /** The live dashboard (--dashboard-port): it follows the running point. */
  dashboard?: DashboardHandle;
}

/** Runs one point: the real cluster, then the simulator and the model at the same parameters. */
export async function runPoint(p: ExperimentPoint, s: ExperimentSettings, hooks: PointHooks): Promise<ExperimentRow> {
  const cluster = await runCluster(clusterParams(p, s), {
    log: hooks.log,
    childLogLevel: s.childLogLevel,
    signal: hooks.signal,
    onPhase: hooks.onPhase,
    onProgress: hooks.onProgress,
    dashboard: hooks.dashboard,
  });
  hooks.onPhase?.('simulating');
  const sim: SimResult = simulate(simOptions(p, s));
  hooks.onPhase?.('simulating with the measured delays');
  // Hops and service stretch against the nominal job (with speeds the mean service depends on the policy).
  const simDelayed = simulateDelayed(p, s, { ...cluster, meanServiceMs: cluster.nominalServiceMs });
  const { model, note } = solvePoint(p);
  const relErr: RelativeErrors = {
    q0ClusterVsSim: rel(cluster.q0, sim.q0),
    q0ClusterVsModel: rel(cluster.q0, model?.q0),
    q0SimVsModel: rel(sim.q0, model?.q0),
    meanResponseClusterVsSim: rel(cluster.meanResponse, sim.meanResponse),
    meanResponseClusterVsModel: rel(cluster.meanResponse, model?.meanResponse),
    meanResponseSimVsModel: rel(sim.meanResponse, model?.meanResponse),
    q0ClusterVsSimDelayed: rel(cluster.q0, simDelayed.q0),
    meanResponseClusterVsSimDelayed: rel(cluster.meanResponse, simDelayed.meanResponse),
  };
  return {
    params: {
      ...p,
      r: p.n / p.m,
      label: configLabel(p),
      modelPolicy: modelPolicy(p),
      meanServiceMs: s.meanServiceMs,
      durationSec: s.durationSec,
      seed: s.seed,
      arrivals: s.arrivals,
    },
    cluster,
    sim,
    simDelayed,
    model,
    ...(note !== undefined ? { modelNote: note } : {}),
    relErr,
  };
}
