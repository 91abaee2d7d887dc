import { createPrng, deriveSeed, JiqConfigError } from '@jiq/core';

export const SPEEDS_SYNTAX = 'S1,S2,... (cycled over the servers) | uniform:A:B | classes:S1@F1,S2@F2,...';

/**
 * Server speeds (service rate multipliers; a job of size x takes x/speed at that server).
 * - "1,1,4": a list cycled over servers 0..n-1;
 * - "uniform:A:B": i.i.d. uniform on [A, B], drawn from the seed;
 * - "classes:1@0.75,4@0.25": speed classes with fractions (rounded; the rest go to the last).
 */
export function parseSpeeds(spec: string | readonly number[], n: number, seed: number): Float64Array {
  const field = 'speeds';
  const out = new Float64Array(n);
  const positive = (v: number, raw: unknown): number => {
    if (!(Number.isFinite(v) && v > 0)) throw new JiqConfigError(field, 'speeds must be finite numbers > 0', raw);
    return v;
  };
  if (typeof spec !== 'string') {
    if (spec.length === 0) throw new JiqConfigError(field, `expected ${SPEEDS_SYNTAX}`, spec);
    for (let s = 0; s < n; s++) out[s] = positive(spec[s % spec.length]!, spec);
    return out;
  }
  const text = spec.trim();
  if (text.startsWith('uniform:')) {
    const [a, b] = text.slice('uniform:'.length).split(':').map(Number);
    if (a === undefined || b === undefined || !(a > 0) || !(b >= a) || !Number.isFinite(b)) {
      throw new JiqConfigError(field, 'uniform:A:B needs 0 < A <= B', text);
    }
    const rng = createPrng(deriveSeed(seed, 0x5eed5));
    for (let s = 0; s < n; s++) out[s] = a + (b - a) * rng.next();
    return out;
  }
  if (text.startsWith('classes:')) {
    const parts = text.slice('classes:'.length).split(',');
    const classes = parts.map((p) => {
      const [v, f] = p.split('@').map(Number);
      if (v === undefined || f === undefined || !(f > 0 && f <= 1)) {
        throw new JiqConfigError(field, 'classes:S@F,... needs fractions F in (0, 1]', text);
      }
      return { speed: positive(v, text), fraction: f };
    });
    const total = classes.reduce((acc, c) => acc + c.fraction, 0);
    if (Math.abs(total - 1) > 1e-9) throw new JiqConfigError(field, 'class fractions must sum to 1', total);
    let s = 0;
    classes.forEach((c, i) => {
      const count = i === classes.length - 1 ? n - s : Math.round(c.fraction * n);
      for (let k = 0; k < count && s < n; k++) out[s++] = c.speed;
    });
    return out;
  }
  const values = text.split(',').map((x) => (x.trim() === '' ? NaN : Number(x)));
  if (values.length === 0) throw new JiqConfigError(field, `expected ${SPEEDS_SYNTAX}`, text);
  for (const v of values) positive(v, text);
  for (let s = 0; s < n; s++) out[s] = values[s % values.length]!;
  return out;
}
