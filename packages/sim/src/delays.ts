import { JiqConfigError, type Sfc32 } from '@jiq/core';

/**
 * Message delays of the four hops of the protocol, in units of the mean job size (the cluster's
 * hop time in ms divided by its mean service time in ms):
 * - `place`: a token travels from the idle server to the dispatcher it chose;
 * - `probe`: a probe travels to a dispatcher, and its answer travels back (each way);
 * - `assign`: a job travels from its dispatcher to its server;
 * - `withdraw`: a withdrawal travels from the server to the dispatcher holding its token.
 */
export const HOPS = ['place', 'probe', 'assign', 'withdraw'] as const;
export type Hop = (typeof HOPS)[number];

export const DELAYS_SYNTAX = 'place=X,probe=X,assign=X,withdraw=X with X a constant, exp:MEAN or file:PATH (one sample a line)';

/** One hop's delay law: a constant, an exponential, or an empirical sample (resampled). */
export type DelayLaw =
  | { readonly kind: 'const'; readonly mean: number }
  | { readonly kind: 'exp'; readonly mean: number }
  | { readonly kind: 'empirical'; readonly mean: number; readonly samples: Float64Array; readonly source: string };

export type DelayLaws = Readonly<Record<Hop, DelayLaw>>;

/** Options form: a spec string, or per hop a constant, a hop spec ("exp:0.02", "file:p.txt") or a law. */
export type DelaysOption = string | Partial<Record<Hop, number | string | DelayLaw>>;

const FIELD = 'delays';
const ZERO: DelayLaw = { kind: 'const', mean: 0 };

function nonNegative(raw: string, hop: string): number {
  const v = raw.trim() === '' ? NaN : Number(raw);
  if (!(Number.isFinite(v) && v >= 0)) throw new JiqConfigError(FIELD, `${hop}: a delay must be a finite number >= 0 (got "${raw}")`, raw);
  return v;
}

/** Parses one hop's value: "0.02", "exp:0.02", "file:PATH". */
export function parseDelayLaw(hop: string, spec: string, readFile?: (path: string) => string): DelayLaw {
  const text = spec.trim();
  if (text.startsWith('exp:')) {
    const mean = nonNegative(text.slice(4), hop);
    return mean === 0 ? ZERO : { kind: 'exp', mean };
  }
  if (text.startsWith('file:')) {
    const path = text.slice(5);
    if (!readFile) throw new JiqConfigError(FIELD, `${hop}: file: samples need a file reader`, spec);
    let body: string;
    try {
      body = readFile(path);
    } catch (err) {
      throw new JiqConfigError(FIELD, `${hop}: cannot read the sample file ${path}`, spec, { cause: err });
    }
    const lines = body.split(/\r?\n/).filter((l) => l.trim() !== '' && !l.trim().startsWith('#'));
    if (lines.length === 0) throw new JiqConfigError(FIELD, `${hop}: the sample file ${path} holds no numbers`, spec);
    if (lines.length > 10_000_000) throw new JiqConfigError(FIELD, `${hop}: the sample file ${path} holds more than 10^7 samples`, spec);
    const samples = Float64Array.from(lines, (l, i) => {
      const v = Number(l.trim());
      if (!(Number.isFinite(v) && v >= 0)) {
        throw new JiqConfigError(FIELD, `${hop}: line ${i + 1} of ${path} is not a finite number >= 0`, l);
      }
      return v;
    });
    const mean = samples.reduce((a, b) => a + b, 0) / samples.length;
    return mean === 0 ? ZERO : { kind: 'empirical', mean, samples, source: path };
  }
  return { kind: 'const', mean: nonNegative(text, hop) };
}

/** Parses and validates the delays option; missing hops are 0. */
export function parseDelays(option: DelaysOption, readFile?: (path: string) => string): DelayLaws {
  const laws: Record<Hop, DelayLaw> = { place: ZERO, probe: ZERO, assign: ZERO, withdraw: ZERO };
  const seen = new Set<string>();
  const set = (hop: string, value: number | string | DelayLaw): void => {
    if (!(HOPS as readonly string[]).includes(hop)) {
      throw new JiqConfigError(FIELD, `unknown hop "${hop}" (expected ${HOPS.join(', ')})`, hop);
    }
    if (seen.has(hop)) throw new JiqConfigError(FIELD, `hop "${hop}" is given twice`, hop);
    seen.add(hop);
    laws[hop as Hop] =
      typeof value === 'number'
        ? { kind: 'const', mean: nonNegative(String(value), hop) }
        : typeof value === 'string'
          ? parseDelayLaw(hop, value, readFile)
          : checkedLaw(hop, value);
  };
  if (typeof option === 'string') {
    if (option.trim() === '') throw new JiqConfigError(FIELD, `expected ${DELAYS_SYNTAX}`, option);
    for (const part of option.split(',')) {
      const eq = part.indexOf('=');
      if (eq < 0) throw new JiqConfigError(FIELD, `"${part}" is not hop=value (${DELAYS_SYNTAX})`, option);
      set(part.slice(0, eq).trim(), part.slice(eq + 1));
    }
  } else if (option !== null && typeof option === 'object') {
    for (const [hop, value] of Object.entries(option)) if (value !== undefined) set(hop, value);
  } else {
    throw new JiqConfigError(FIELD, `expected ${DELAYS_SYNTAX}`, option);
  }
  return laws;
}

function checkedLaw(hop: string, law: DelayLaw): DelayLaw {
  if (!(Number.isFinite(law.mean) && law.mean >= 0)) throw new JiqConfigError(FIELD, `${hop}: mean must be a finite number >= 0`, law.mean);
  if (law.kind === 'empirical' && law.samples.length === 0) throw new JiqConfigError(FIELD, `${hop}: empty sample`, law.source);
  return law;
}

/** True when every hop is the constant 0: the simulator then runs its zero-delay engines. */
export function allZero(laws: DelayLaws): boolean {
  return HOPS.every((h) => laws[h].kind === 'const' && laws[h].mean === 0);
}

/** A sampler of one hop's delay; a constant draws nothing from the stream. */
export function delaySampler(law: DelayLaw, rng: Sfc32): () => number {
  switch (law.kind) {
    case 'const': {
      const v = law.mean;
      return () => v;
    }
    case 'exp': {
      const mean = law.mean;
      return () => mean * rng.nextExp();
    }
    case 'empirical': {
      const xs = law.samples;
      const k = xs.length;
      return () => xs[Math.floor(rng.next() * k)]!;
    }
  }
}

/** The JSON form of the delays: per hop its kind and mean (and sample source). */
export function describeDelays(laws: DelayLaws): Record<Hop, { kind: string; mean: number; source?: string }> {
  const out = {} as Record<Hop, { kind: string; mean: number; source?: string }>;
  for (const h of HOPS) {
    const l = laws[h];
    out[h] = l.kind === 'empirical' ? { kind: l.kind, mean: l.mean, source: l.source } : { kind: l.kind, mean: l.mean };
  }
  return out;
}
