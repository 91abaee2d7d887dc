import { JiqConfigError } from '../errors/errors';
import { sampleNormal, type Prng } from '../random/prng';
import type { JobSizeDistribution } from './job-size';
import { makePhaseTypeSampler, phaseTypeMoments, validatePhaseType, type PhaseType } from './phase-type';

export const JOB_SPEC_SYNTAX =
  'exp | det | hyperexp:SCV:F[:alt] | erlang:K | lognormal:SCV | pareto:ALPHA | ph:FILE.json | trace:FILE';

export interface ParseJobSpecOptions {
  /** The field named in errors (a flag or option name). */
  field?: string;
  /** Reads ph:/trace: files. The core does no I/O, so the caller (an engine or the CLI) passes one. */
  readFile?: (path: string) => string;
  /** Tolerance on the mean of a phase-type file (it must be 1). */
  meanTolerance?: number;
}

/**
 * The one parser of job-size specs, shared by the model, the simulator and the cluster.
 * Every law has mean 1.
 */
export function parseJobSpec(spec: string, options: ParseJobSpecOptions = {}): JobSizeDistribution {
  const field = options.field ?? '--jobs';
  const readFile =
    options.readFile ??
    ((): string => {
      throw new JiqConfigError(field, 'ph: and trace: specs read a file: this caller gave no file reader', spec);
    });
  const trimmed = spec.trim();
  const [kind, ...args] = trimmed.split(':');
  const num = (i: number, name: string): number => {
    const raw = args[i];
    const v = raw === undefined || raw.trim() === '' ? NaN : Number(raw);
    if (!Number.isFinite(v)) throw new JiqConfigError(field, `${kind}: ${name} must be a number`, trimmed);
    return v;
  };
  const arity = (min: number, max: number): void => {
    if (args.length < min || args.length > max) {
      throw new JiqConfigError(field, `expected ${JOB_SPEC_SYNTAX}`, trimmed);
    }
  };
  switch (kind) {
    case 'exp':
      arity(0, 0);
      return exponential();
    case 'det':
      arity(0, 0);
      return { spec: 'det', kind: 'det', mean: 1, scv: 0, sample: () => 1 };
    case 'hyperexp': {
      arity(2, 3);
      if (args[2] !== undefined && args[2] !== 'alt') {
        throw new JiqConfigError(field, 'the optional 4th part of hyperexp must be "alt"', trimmed);
      }
      return hyperexponential(num(0, 'SCV'), num(1, 'F'), args[2] === 'alt', field);
    }
    case 'erlang': {
      arity(1, 1);
      const k = num(0, 'K');
      if (!Number.isInteger(k) || k < 1) throw new JiqConfigError(field, 'erlang:K needs an integer K >= 1', trimmed);
      return erlang(k);
    }
    case 'lognormal': {
      arity(1, 1);
      const scv = num(0, 'SCV');
      if (scv <= 0) throw new JiqConfigError(field, 'lognormal:SCV needs SCV > 0', trimmed);
      const s2 = Math.log(1 + scv);
      const sigma = Math.sqrt(s2);
      const mu = -s2 / 2;
      return {
        spec: `lognormal:${scv}`,
        kind: 'lognormal',
        mean: 1,
        scv,
        sample: (rng: Prng) => Math.exp(mu + sigma * sampleNormal(rng)),
      };
    }
    case 'pareto': {
      arity(1, 1);
      const alpha = num(0, 'ALPHA');
      if (alpha <= 1) throw new JiqConfigError(field, 'pareto:ALPHA needs ALPHA > 1 (finite mean)', trimmed);
      const xm = (alpha - 1) / alpha;
      return {
        spec: `pareto:${alpha}`,
        kind: 'pareto',
        mean: 1,
        scv: alpha > 2 ? 1 / (alpha * (alpha - 2)) : Infinity,
        sample: (rng: Prng) => xm / Math.pow(1 - rng.next(), 1 / alpha),
      };
    }
    case 'ph': {
      const file = args.join(':');
      if (file.trim() === '') throw new JiqConfigError(field, 'ph:FILE.json needs a file', trimmed);
      let parsed: unknown;
      try {
        parsed = JSON.parse(readFile(file));
      } catch (err) {
        throw new JiqConfigError(field, `cannot read phase-type file ${file}: ${(err as Error).message}`, undefined, {
          cause: err,
        });
      }
      return phaseTypeDistribution(validatePhaseType(parsed, field), `ph:${file}`, field, options.meanTolerance);
    }
    case 'trace': {
      const file = args.join(':');
      if (file.trim() === '') throw new JiqConfigError(field, 'trace:FILE needs a file', trimmed);
      let text: string;
      try {
        text = readFile(file);
      } catch (err) {
        throw new JiqConfigError(field, `cannot read trace file ${file}: ${(err as Error).message}`, undefined, {
          cause: err,
        });
      }
      const values = text
        .split(/[\s,]+/)
        .filter((s) => s !== '')
        .map(Number);
      if (values.length === 0 || !values.every((v) => Number.isFinite(v) && v >= 0)) {
        throw new JiqConfigError(field, `trace file ${file} must hold non-negative numbers`);
      }
      const total = values.reduce((s, v) => s + v, 0);
      if (total <= 0) throw new JiqConfigError(field, `trace file ${file} must have a positive mean`);
      const scaled = Float64Array.from(values, (v) => (v * values.length) / total);
      const m2 = scaled.reduce((s, v) => s + v * v, 0) / scaled.length;
      return {
        spec: `trace:${file}`,
        kind: 'trace',
        mean: 1,
        scv: m2 - 1,
        sample: (rng: Prng) => scaled[Math.floor(rng.next() * scaled.length)]!,
      };
    }
    default:
      throw new JiqConfigError(field, `unknown job-size spec; expected ${JOB_SPEC_SYNTAX}`, trimmed);
  }
}

export function exponential(): JobSizeDistribution {
  return {
    spec: 'exp',
    kind: 'exp',
    mean: 1,
    scv: 1,
    phaseType: { alpha: [1], T: [[-1]] },
    sample: (rng: Prng) => -Math.log(1 - rng.next()),
  };
}

export function erlang(k: number): JobSizeDistribution {
  const T = Array.from({ length: k }, (_, i) =>
    Array.from({ length: k }, (_, j) => (i === j ? -k : j === i + 1 ? k : 0)),
  );
  return {
    spec: `erlang:${k}`,
    kind: 'erlang',
    mean: 1,
    scv: 1 / k,
    phaseType: { alpha: Array.from({ length: k }, (_, i) => (i === 0 ? 1 : 0)), T },
    sample: (rng: Prng) => {
      let x = 0;
      for (let i = 0; i < k; i++) x -= Math.log(1 - rng.next());
      return x / k;
    },
  };
}

/**
 * Order-2 hyperexponential with mean 1, squared coefficient of variation `scv` and
 * f = p/μ1 (the share of the mean carried by phase 1; balanced means at f = 1/2), as in the
 * paper. With c = (SCV + 1)/2 the moment equations give c·p² + (1 − 2f − c)·p + f² = 0; the
 * larger root is the default, `alt` picks the other. Then μ1 = p/f and μ2 = (1 − p)/(1 − f).
 * The discriminant factors as (c − 1)(c − (1 − 2f)²), which is >= 0 whenever SCV >= 1 and
 * 0 < f < 1 (and exactly 0 at SCV = 1, the exponential law): it is computed in that form so
 * that rounding cannot make it negative. The smaller root is taken as f²/(c·p₊) (product of
 * the roots) to avoid cancellation.
 */
export function hyperexponential(scv: number, f: number, alt = false, field = '--jobs'): JobSizeDistribution {
  const spec = `hyperexp:${scv}:${f}${alt ? ':alt' : ''}`;
  if (!(scv >= 1)) throw new JiqConfigError(field, 'hyperexp needs SCV >= 1', spec);
  if (!(f > 0 && f < 1)) throw new JiqConfigError(field, 'hyperexp needs 0 < F < 1', spec);
  const c = (scv + 1) / 2;
  const negB = c + 2 * f - 1; // −b > 0 since c >= 1 and f > 0
  const disc = (c - 1) * (c - (1 - 2 * f) ** 2);
  if (!(disc >= 0)) {
    throw new JiqConfigError(field, `no hyperexponential has SCV ${scv} with f = ${f} (the moment equations have no real root)`, spec);
  }
  const pLarge = (negB + Math.sqrt(disc)) / (2 * c);
  const p = alt ? (f * f) / (c * pLarge) : pLarge;
  if (!(p > 0 && p < 1)) {
    throw new JiqConfigError(field, `no hyperexponential has SCV ${scv} with f = ${f} (root p = ${p} is not in (0, 1))`, spec);
  }
  const mu1 = p / f;
  const mu2 = (1 - p) / (1 - f);
  return {
    spec,
    kind: 'hyperexp',
    mean: 1,
    scv,
    hyperexp: { p, mu1, mu2 },
    phaseType: {
      alpha: [p, 1 - p],
      T: [
        [-mu1, 0],
        [0, -mu2],
      ],
    },
    sample: (rng: Prng) => -Math.log(1 - rng.next()) / (rng.next() < p ? mu1 : mu2),
  };
}

export function phaseTypeDistribution(
  ph: PhaseType,
  spec: string,
  field = '--jobs',
  meanTolerance = 1e-6,
): JobSizeDistribution {
  let moments: { mean: number; secondMoment: number };
  try {
    moments = phaseTypeMoments(ph);
  } catch (err) {
    throw new JiqConfigError(field, 'the phase-type sub-generator T must be invertible', spec, { cause: err });
  }
  if (!(Math.abs(moments.mean - 1) <= meanTolerance)) {
    throw new JiqConfigError(field, `a phase-type job size must have mean 1 (tolerance ${meanTolerance})`, moments.mean);
  }
  return {
    spec,
    kind: 'ph',
    mean: 1,
    scv: moments.secondMoment / (moments.mean * moments.mean) - 1,
    phaseType: ph,
    sample: makePhaseTypeSampler(ph),
  };
}
