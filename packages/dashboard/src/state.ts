// The JSON the dashboard serves at GET /api/state and pushes as server-sent events.
import type { ProbeMode } from '@jiq/core';

/** The parameters of the running point, when the dashboard knows them (cluster, experiment, or flags). */
export interface RunParams {
  /** Servers (worker slots). */
  n: number;
  /** Dispatchers. */
  m: number;
  lambda: number;
  d: number;
  withdraw: boolean;
  select: 'fcfs' | 'lcfs';
  probe: ProbeMode;
  /** Job-size spec (one parser for every engine: exp, det, hyperexp:SCV:F, ...). */
  jobs: string;
}

export interface TokenView {
  workerId: string;
  slot: number;
  epoch: number;
}

export interface DispatcherView {
  id: string;
  address: string;
  /** Tokens held now. */
  iqueueLength: number;
  /** Oldest first. */
  tokens: TokenView[];
  arrivals: number;
  q0: number | null;
  q0Time: number | null;
  workers: number;
  inFlight: number;
  /** Set when the last Stats call failed (the other fields are from the last good read). */
  error?: string;
}

export interface SlotView {
  slot: number;
  /** At least one job assigned and not yet done (in service, queued, or travelling). */
  busy: boolean;
  /** Jobs assigned by every dispatcher and not yet done. */
  queueLength: number;
  /** Dispatchers holding this slot's token (more than one only with withdrawals' races or multi-token). */
  tokenAt: string[];
  assigned: number;
  byToken: number;
  /** Jobs that came by token while the slot was busy. */
  raceBusy: number;
}

export interface WorkerView {
  id: string;
  slots: SlotView[];
}

/** Response times from the load generator of this process (cluster / experiment only). */
export interface ResponseView {
  /** Replies in the last interval. */
  samples: number;
  /** Sojourn at the worker in units of the measured mean service time. */
  p50: number | null;
  p90: number | null;
  p99: number | null;
  meanResponse: number | null;
  /** Client latency minus worker sojourn, ms. */
  dispatchOverheadMs: number | null;
}

export interface Predictions {
  modelQ0: number | null;
  modelMeanResponse: number | null;
  /** Why the model has no value here, if it has none. */
  modelNote?: string;
  simQ0: number | null;
  simQ0Ci95: number | null;
  simMeanResponse: number | null;
  simNote?: string;
  /**
   * The delay-aware prediction: the simulator at the same n, m with the hop delays this cluster
   * measured and the load its servers carried (as `jiq experiment`'s simDelayed). Null until
   * enough hops were measured; refreshed while the run goes on.
   */
  simDelayedQ0: number | null;
  simDelayedQ0Ci95: number | null;
  simDelayedMeanResponse: number | null;
  /** What it ran with, when it ran. */
  simDelayedInput?: DelayedInput;
  /** Why there is no delay-aware prediction (yet). */
  simDelayedNote?: string;
}

/** The delay-aware prediction's input: hop means in units of the measured mean service time. */
export interface DelayedInput {
  /** The load simulated: λ × measured / nominal mean service time. */
  lambda: number;
  meanServiceMs: number;
  place: number;
  /** One way: half the measured probe round trip. */
  probe: number;
  assign: number;
  withdraw: number;
}

/** Time series over the last minutes, one entry per poll (t in epoch seconds, for uPlot). */
export interface History {
  t: number[];
  /** Cumulative q0 since the counters' last reset, with its 95% CI bounds. */
  q0: (number | null)[];
  q0Lo: (number | null)[];
  q0Hi: (number | null)[];
  q0Time: (number | null)[];
  /** q0 of the arrivals within each interval alone. */
  q0Interval: (number | null)[];
  throughput: (number | null)[];
  byTokenShare: (number | null)[];
  p50: (number | null)[];
  p90: (number | null)[];
  p99: (number | null)[];
  dispatchOverheadMs: (number | null)[];
  /** I-queue length per dispatcher id. */
  iqueue: Record<string, (number | null)[]>;
}

export interface DashboardState {
  /** Epoch ms of the last poll. */
  at: number;
  /** Polls so far. */
  polls: number;
  params: RunParams | null;
  dispatchers: DispatcherView[];
  workers: WorkerView[];
  /** Fraction of measured arrivals that found their dispatcher's I-queue empty (all dispatchers). */
  q0: number | null;
  /** Half-width of q0's 95% CI (ratio estimator over the poll intervals as batches). */
  q0Ci95: number | null;
  /** Time-average fraction of empty I-queues. */
  q0Time: number | null;
  modelQ0: number | null;
  predictions: Predictions | null;
  /** Completed jobs per second over the last interval. */
  throughput: number | null;
  /** Share of dispatched jobs that went by token (cumulative). */
  byTokenShare: number | null;
  races: { busy: number; withdrawn: number; staleWithdrawals: number };
  response: ResponseView | null;
  history: History;
}
