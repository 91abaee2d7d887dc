import { JiqConfigError } from '../errors/errors';
import type { Prng } from '../random/prng';

/**
 * A phase-type distribution (α, T): α is the initial probability vector over the transient
 * phases (its deficit 1 − Σα is an atom at zero), T the sub-generator. The exit rates are
 * t = −T·1.
 */
export interface PhaseType {
  readonly alpha: readonly number[];
  readonly T: readonly (readonly number[])[];
}

/** Solves A x = b by Gaussian elimination with partial pivoting (small dense systems). */
export function solveLinear(A: readonly (readonly number[])[], b: readonly number[]): number[] {
  const n = b.length;
  const M = A.map((row, i) => [...row, b[i] ?? 0]);
  for (let col = 0; col < n; col++) {
    let pivot = col;
    for (let r = col + 1; r < n; r++) {
      if (Math.abs(M[r]![col]!) > Math.abs(M[pivot]![col]!)) pivot = r;
    }
    if (Math.abs(M[pivot]![col]!) < 1e-300) throw new Error('singular matrix');
    [M[col], M[pivot]] = [M[pivot]!, M[col]!];
    const p = M[col]!;
    for (let r = col + 1; r < n; r++) {
      const row = M[r]!;
      const f = row[col]! / p[col]!;
      if (f === 0) continue;
      for (let c = col; c <= n; c++) row[c] = row[c]! - f * p[c]!;
    }
  }
  const x = new Array<number>(n).fill(0);
  for (let r = n - 1; r >= 0; r--) {
    const row = M[r]!;
    let s = row[n]!;
    for (let c = r + 1; c < n; c++) s -= row[c]! * x[c]!;
    x[r] = s / row[r]!;
  }
  return x;
}

/** k-th moment E[X^k] = k! α (−T)^{−k} 1, for k = 1, 2. */
export function phaseTypeMoments(ph: PhaseType): { mean: number; secondMoment: number } {
  const n = ph.alpha.length;
  const negT = ph.T.map((row) => row.map((v) => -v));
  const ones = new Array<number>(n).fill(1);
  const m1 = solveLinear(negT, ones); // (−T)^{−1} 1
  const m2 = solveLinear(negT, m1); // (−T)^{−2} 1
  let mean = 0;
  let second = 0;
  for (let i = 0; i < n; i++) {
    mean += ph.alpha[i]! * m1[i]!;
    second += 2 * ph.alpha[i]! * m2[i]!;
  }
  return { mean, secondMoment: second };
}

/** Checks shape and signs; throws JiqConfigError naming `field`. */
export function validatePhaseType(value: unknown, field: string): PhaseType {
  const obj = value as { alpha?: unknown; T?: unknown } | null;
  if (!obj || typeof obj !== 'object' || !Array.isArray(obj.alpha) || !Array.isArray(obj.T)) {
    throw new JiqConfigError(field, 'a phase-type needs {"alpha": number[], "T": number[][]}');
  }
  const alpha = obj.alpha as unknown[];
  const T = obj.T as unknown[];
  const n = alpha.length;
  if (n === 0) throw new JiqConfigError(field, 'alpha must have at least one phase');
  if (!alpha.every((a) => typeof a === 'number' && Number.isFinite(a) && a >= 0)) {
    throw new JiqConfigError(field, 'alpha entries must be finite numbers >= 0', alpha);
  }
  const alphaSum = (alpha as number[]).reduce((s, a) => s + a, 0);
  if (alphaSum > 1 + 1e-9 || alphaSum <= 0) {
    throw new JiqConfigError(field, 'alpha must sum to a value in (0, 1]', alphaSum);
  }
  if (T.length !== n || !T.every((row) => Array.isArray(row) && row.length === n)) {
    throw new JiqConfigError(field, `T must be a ${n}x${n} matrix (alpha has ${n} phases)`);
  }
  const rows = T as number[][];
  for (let i = 0; i < n; i++) {
    let rowSum = 0;
    for (let j = 0; j < n; j++) {
      const v = rows[i]![j]!;
      if (typeof v !== 'number' || !Number.isFinite(v)) {
        throw new JiqConfigError(field, `T[${i}][${j}] must be a finite number`, v);
      }
      if (i === j ? v >= 0 : v < 0) {
        throw new JiqConfigError(field, i === j ? `T[${i}][${i}] must be < 0` : `T[${i}][${j}] must be >= 0`, v);
      }
      rowSum += v;
    }
    if (rowSum > 1e-9) throw new JiqConfigError(field, `row ${i} of T must sum to <= 0 (exit rate >= 0)`, rowSum);
  }
  return { alpha: alpha as number[], T: rows };
}

/** Samples a phase-type variate by walking its Markov chain until absorption. */
export function makePhaseTypeSampler(ph: PhaseType): (rng: Prng) => number {
  const n = ph.alpha.length;
  const rate = ph.T.map((row, i) => -row[i]!);
  // Cumulative jump probabilities per phase: to phase j (j < n) or absorption (index n).
  const cum = ph.T.map((row, i) => {
    const out = new Float64Array(n + 1);
    let acc = 0;
    for (let j = 0; j < n; j++) {
      if (j !== i) acc += row[j]! / rate[i]!;
      out[j] = acc;
    }
    out[n] = 1;
    return out;
  });
  const alphaCum = new Float64Array(n);
  let acc = 0;
  for (let i = 0; i < n; i++) {
    acc += ph.alpha[i]!;
    alphaCum[i] = acc;
  }
  return (rng) => {
    let u = rng.next();
    let phase = 0;
    while (phase < n && u >= alphaCum[phase]!) phase++;
    let x = 0;
    while (phase < n) {
      x += -Math.log(1 - rng.next()) / rate[phase]!;
      const row = cum[phase]!;
      u = rng.next();
      let next = 0;
      while (next < n && u >= row[next]!) next++;
      phase = next;
    }
    return x;
  };
}
