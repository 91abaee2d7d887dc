import type { Prng } from '../random/prng';
import type { PhaseType } from './phase-type';

/** A job-size law with mean 1 (the cluster scales sizes by --mean-service-ms). */
export interface JobSizeDistribution {
  /** The spec it was parsed from, normalised (e.g. "hyperexp:10:0.5"). */
  readonly spec: string;
  readonly kind: 'exp' | 'det' | 'hyperexp' | 'erlang' | 'lognormal' | 'pareto' | 'ph' | 'trace';
  readonly mean: number;
  /** Squared coefficient of variation; Infinity where the variance is infinite. */
  readonly scv: number;
  /** A phase-type representation, where one exists (exp, erlang, hyperexp, ph). */
  readonly phaseType?: PhaseType;
  /** Order-2 hyperexponential parameters, for hyperexp specs. */
  readonly hyperexp?: { readonly p: number; readonly mu1: number; readonly mu2: number };
  sample(rng: Prng): number;
}
