import type { Prng } from '../random/prng';
import { PolicyRegistry } from './registry';

/** distinct: d different dispatchers; replace: d independent draws (may repeat). */
export type ProbeMode = 'distinct' | 'replace';

export const probeModes = new PolicyRegistry<(m: number, d: number, rng: Prng, out: Int32Array) => void>('probe');

/** Fills out[0..d) with d distinct dispatcher indices in [0, m), uniformly over d-subsets. */
export function sampleDistinct(m: number, d: number, rng: Prng, out: Int32Array): void {
  if (d > m) throw new RangeError(`cannot probe ${d} distinct dispatchers out of ${m}`);
  if (2 * d <= m) {
    // Rejection: cheap when d is small against m.
    for (let i = 0; i < d; i++) {
      let x: number;
      let dup: boolean;
      do {
        x = Math.floor(rng.next() * m);
        dup = false;
        for (let j = 0; j < i; j++) {
          if (out[j] === x) {
            dup = true;
            break;
          }
        }
      } while (dup);
      out[i] = x;
    }
    return;
  }
  // Floyd's algorithm: exactly d draws, uniform over subsets.
  let k = 0;
  for (let j = m - d; j < m; j++) {
    const t = Math.floor(rng.next() * (j + 1));
    let seen = false;
    for (let i = 0; i < k; i++) {
      if (out[i] === t) {
        seen = true;
        break;
      }
    }
    out[k++] = seen ? j : t;
  }
}

/** Fills out[0..d) with d independent uniform dispatcher indices in [0, m). */
export function sampleWithReplacement(m: number, d: number, rng: Prng, out: Int32Array): void {
  for (let i = 0; i < d; i++) out[i] = Math.floor(rng.next() * m);
}

probeModes.register('distinct', sampleDistinct);
probeModes.register('replace', sampleWithReplacement);

/**
 * Index (into `lengths[0..count)`) of the shortest entry, ties broken uniformly at random
 * (reservoir sampling over the tied minima).
 */
export function pickShortest(lengths: ArrayLike<number>, count: number, rng: Prng): number {
  let best = 0;
  let bestLen = lengths[0]!;
  let ties = 1;
  for (let i = 1; i < count; i++) {
    const l = lengths[i]!;
    if (l < bestLen) {
      best = i;
      bestLen = l;
      ties = 1;
    } else if (l === bestLen) {
      ties++;
      if (rng.next() * ties < 1) best = i;
    }
  }
  return best;
}

/**
 * JIQ-SQ(d) placement: probe d dispatchers and place the token at the one with the shortest
 * I-queue. d = 1 is JIQ-Random. Reuses its scratch buffers; allocation-free per call.
 */
export class SqdPlacement {
  readonly probes: Int32Array;
  private readonly lengths: Float64Array;
  private readonly sample: (m: number, d: number, rng: Prng, out: Int32Array) => void;

  constructor(
    readonly d: number,
    readonly probe: ProbeMode = 'distinct',
  ) {
    if (!Number.isInteger(d) || d < 1) throw new RangeError(`d must be an integer >= 1 (got ${d})`);
    const sample = probeModes.get(probe);
    if (!sample) throw new RangeError(`unknown probe mode "${probe}" (expected ${probeModes.names().join(' | ')})`);
    this.sample = sample;
    this.probes = new Int32Array(d);
    this.lengths = new Float64Array(d);
  }

  /** Draws the d dispatchers to probe into `this.probes` (for asynchronous probing). */
  sampleProbes(m: number, rng: Prng): Int32Array {
    this.sample(m, this.d, rng, this.probes);
    return this.probes;
  }

  /**
   * The dispatcher to place the token at, given the I-queue lengths of the probed ones
   * (`lengths[i]` of `probes[i]`): the shortest, ties at random. The worker calls it once its
   * probes have answered; `choose` calls it at once.
   */
  pick<T>(probes: ArrayLike<T>, lengths: ArrayLike<number>, rng: Prng): T {
    return probes[pickShortest(lengths, this.d, rng)]!;
  }

  /** Probes synchronously through `lengthOf` and returns the chosen dispatcher. */
  choose(m: number, rng: Prng, lengthOf: (dispatcher: number) => number): number {
    // d = 1 reads no length: the same single draw as sampleProbes, without the lookup.
    if (this.d === 1) return Math.floor(rng.next() * m);
    this.sample(m, this.d, rng, this.probes);
    for (let i = 0; i < this.d; i++) this.lengths[i] = lengthOf(this.probes[i]!);
    return this.pick(this.probes, this.lengths, rng);
  }
}
