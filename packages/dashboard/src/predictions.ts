import { Worker } from 'node:worker_threads';
import { join } from 'node:path';
import { solveModel } from '@jiq/model';
import type { SimOptions } from '@jiq/sim';
import type { Predictions, RunParams } from './state';

/** Arrivals the dashboard's simulator run takes: ~0.3 s of one core, CI half-width ~0.01 on q0. */
const SIM_ARRIVALS = 3e5;

const finite = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const message = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/** The mean-field model at the running parameters (milliseconds; one definition with `jiq model`). */
export function modelPrediction(p: RunParams): Pick<Predictions, 'modelQ0' | 'modelMeanResponse' | 'modelNote'> {
  try {
    const out = solveModel({ policy: p.withdraw ? 'withdraw' : p.select, lambda: p.lambda, r: p.n / p.m, d: p.d, jobs: p.jobs });
    return { modelQ0: finite(out.q0), modelMeanResponse: finite(out.meanResponse) };
  } catch (err) {
    return { modelQ0: null, modelMeanResponse: null, modelNote: message(err) };
  }
}

/** The simulator at the same n, m and policy as the cluster. */
export function simOptionsFor(p: RunParams, seed = 1): SimOptions {
  return {
    policy: 'jiq', n: p.n, m: p.m, lambda: p.lambda, d: p.d, withdraw: p.withdraw, select: p.select, probe: p.probe,
    jobs: p.jobs, horizon: SIM_ARRIVALS / (p.lambda * p.n), reps: 1, seed,
  };
}

type SimPart = Pick<Predictions, 'simQ0' | 'simQ0Ci95' | 'simMeanResponse' | 'simNote'>;

/** One simulation's figures, or why it failed. */
export interface SimFigures {
  q0: number | null;
  q0Ci95: number | null;
  meanResponse: number | null;
  error?: string;
}

/**
 * Runs the simulator in a worker thread: `simulate` is synchronous, and on the cluster's own
 * event loop it would stall the load generator (and so distort the very run it predicts).
 */
export function simulateInThread(options: SimOptions): Promise<SimFigures> {
  return new Promise((resolve) => {
    const worker = new Worker(join(__dirname, 'sim-thread.js'), { workerData: options });
    worker.once('message', (r: { q0: unknown; q0Ci95: unknown; meanResponse: unknown } | { error: string }) => {
      if ('error' in r) resolve({ q0: null, q0Ci95: null, meanResponse: null, error: r.error });
      else resolve({ q0: finite(r.q0), q0Ci95: finite(r.q0Ci95), meanResponse: finite(r.meanResponse) });
    });
    worker.once('error', (err) => resolve({ q0: null, q0Ci95: null, meanResponse: null, error: message(err) }));
  });
}

/** The zero-delay simulator at the same n, m and policy as the cluster. */
export async function simPrediction(p: RunParams): Promise<SimPart> {
  const r = await simulateInThread(simOptionsFor(p));
  return { simQ0: r.q0, simQ0Ci95: r.q0Ci95, simMeanResponse: r.meanResponse, ...(r.error !== undefined ? { simNote: r.error } : {}) };
}
