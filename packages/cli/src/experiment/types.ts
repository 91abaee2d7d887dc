import type { ArrivalProcess } from '@jiq/client';
import type { DispatchPolicyName, TokenSelectionName } from '@jiq/core';
import type { RunParams } from '@jiq/dashboard';
import type { SimResult } from '@jiq/sim';
import type { ClusterResult } from '../cluster/run-cluster';
import type { DelayLawName, MeasuredDelays } from './measured-delays';

/**
 * One point of an experiment: the policy and system parameters that vary in a sweep (n servers
 * are worker processes with one slot each). The dashboard's point (RunParams) plus the dispatch
 * policy and the servers' speeds, with the policy names of @jiq/core (`jiq policies`).
 */
export interface ExperimentPoint extends Omit<RunParams, 'select'> {
  /** Dispatch policy (default jiq); d, select, withdraw and probe are those of resolvePolicyConfig. */
  policy: DispatchPolicyName;
  select: TokenSelectionName;
  /** Server speeds in the simulator's syntax (`classes:1@0.5,3@0.5`), or null: all 1. */
  speeds: string | null;
}

/** Settings shared by every point of an experiment. */
export interface ExperimentSettings {
  meanServiceMs: number;
  /** Servers per worker process (n/slots processes); default 1: one process per server. */
  slots?: number;
  durationSec: number;
  warmupSec?: number;
  seed: number;
  /** The cluster's arrival process (see @jiq/client arrival-schedule). */
  arrivals: ArrivalProcess;
  transport: string;
  childLogLevel: string;
  /** Simulator horizon per point (time units, mean job size 1); undefined: ~2·10^6 arrivals. */
  simHorizon?: number;
  simReps: number;
  /** How simDelayed draws each hop around the measured mean (see docs/delays.md). */
  delayLaw: DelayLawName;
}

/**
 * The simulator at the same point with the message delays the cluster measured (what the
 * system should produce including its measured hop delays); `sim` is the zero-delay limit.
 */
export interface SimDelayedEntry {
  q0: number | null;
  q0Ci95: number | null;
  meanResponse: number | null;
  meanResponseCi95: number | null;
  /** The load simulated: achieved λ × measured / nominal mean service time (null figures when >= 1: overloaded). */
  lambda: number;
  delays: MeasuredDelays;
}

export interface ModelEntry {
  policy: string;
  q0: number | null;
  meanResponse: number | null;
  [key: string]: unknown;
}

export interface RelativeErrors {
  q0ClusterVsSim: number | null;
  q0ClusterVsModel: number | null;
  q0SimVsModel: number | null;
  meanResponseClusterVsSim: number | null;
  meanResponseClusterVsModel: number | null;
  meanResponseSimVsModel: number | null;
  q0ClusterVsSimDelayed: number | null;
  meanResponseClusterVsSimDelayed: number | null;
}

export interface ExperimentRow {
  params: ExperimentPoint & {
    r: number;
    label: string;
    modelPolicy: string;
    meanServiceMs: number;
    durationSec: number;
    seed: number;
    arrivals: ArrivalProcess;
  };
  cluster: ClusterResult;
  sim: SimResult;
  simDelayed: SimDelayedEntry;
  model: ModelEntry | null;
  /** Why model is null, where it is. */
  modelNote?: string;
  relErr: RelativeErrors;
}

export interface ExperimentResult {
  rows: ExperimentRow[];
  preset?: string;
  /** Files written under --out. */
  files?: string[];
}
