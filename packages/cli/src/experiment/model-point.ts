import { dispatchPolicy } from '@jiq/core';
import * as jiqModel from '@jiq/model';
import type { ExperimentPoint, ModelEntry } from './types';

type Solver = (input: { policy: string; lambda: number; r: number; d: number; jobs: string }) => Record<string, unknown>;

/**
 * The mean-field solver of @jiq/model, looked up at run time so this command builds while the
 * model package is being finished (its public API is expected to export `solveModel`).
 */
function solver(): Solver | null {
  const ns = jiqModel as unknown as Record<string, unknown>;
  const f = ns.solveModel ?? ns.solve;
  return typeof f === 'function' ? (f as Solver) : null;
}

export function modelAvailable(): boolean {
  return solver() !== null;
}

/** The model policy of a point: withdraw with withdrawals, else the token selection. */
export function modelPolicy(p: Pick<ExperimentPoint, 'withdraw' | 'select'>): string {
  return p.withdraw ? 'withdraw' : p.select;
}

/** Why the mean-field model has nothing to say about a point, or null when it has. */
function noModel(p: Pick<ExperimentPoint, 'policy' | 'speeds' | 'select'>): string | null {
  if (!dispatchPolicy(p.policy).engines.includes('model')) return `the mean-field model covers jiq only (see jiq policies), not ${p.policy}`;
  if (p.speeds !== null) return 'the mean-field model assumes equal server speeds';
  if (p.select === 'fastest') return 'the mean-field model has no fastest token selection';
  return null;
}

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** The model at a point (r = n/m), or null with the reason when no model exists for it. */
export function solvePoint(p: Pick<ExperimentPoint, 'policy' | 'speeds' | 'withdraw' | 'select' | 'lambda' | 'n' | 'm' | 'd' | 'jobs'>): { model: ModelEntry | null; note?: string } {
  const why = noModel(p);
  if (why !== null) return { model: null, note: why };
  const solve = solver();
  const policy = modelPolicy(p);
  if (!solve) return { model: null, note: '@jiq/model exports no solveModel yet' };
  try {
    const out = solve({ policy, lambda: p.lambda, r: p.n / p.m, d: p.d, jobs: p.jobs });
    return { model: { ...out, policy, q0: num(out.q0), meanResponse: num(out.meanResponse) } };
  } catch (err) {
    return { model: null, note: err instanceof Error ? err.message : String(err) };
  }
}
