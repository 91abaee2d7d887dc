/**
 * A seeded pseudo-random generator. sfc32 (Chris Doty-Humphrey's Small Fast Counter): 128-bit
 * state, passes PractRand to large sizes, and runs in a handful of 32-bit integer ops, which is
 * what the simulator's hot loop needs. Seeds are expanded with splitmix32 so that nearby seeds
 * give unrelated streams.
 */
export interface Prng {
  /** Uniform in [0, 1), 32 bits of resolution. */
  next(): number;
}

export class Sfc32 implements Prng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number) {
    let s = seed >>> 0;
    // splitmix32 expansion of the seed into the four state words.
    const mix = (): number => {
      s = (s + 0x9e3779b9) | 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x21f0aaad);
      z = Math.imul(z ^ (z >>> 15), 0x735a2d97);
      return (z ^ (z >>> 15)) >>> 0;
    };
    this.a = mix();
    this.b = mix();
    this.c = mix();
    this.d = mix();
    // The first outputs of a freshly seeded sfc32 are weakly mixed; discard them.
    for (let i = 0; i < 12; i++) this.nextUint32();
  }

  nextUint32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  next(): number {
    return this.nextUint32() / 4294967296;
  }
}

export function createPrng(seed: number): Sfc32 {
  return new Sfc32(seed);
}

/** A seed for a sub-stream (replication k, process i, ...) derived from a base seed. */
export function deriveSeed(base: number, ...path: number[]): number {
  let h = (base ^ 0x85ebca6b) >>> 0;
  for (const p of path) {
    h = Math.imul(h ^ (p + 0x9e3779b9 + (h << 6) + (h >>> 2)), 0xc2b2ae35) >>> 0;
    h = (h ^ (h >>> 16)) >>> 0;
  }
  return h;
}

/** Exponential with the given rate. */
export function sampleExp(rng: Prng, rate = 1): number {
  return -Math.log(1 - rng.next()) / rate;
}

/** Uniform integer in [0, n). */
export function sampleIndex(rng: Prng, n: number): number {
  return Math.floor(rng.next() * n);
}

/** Standard normal (Box–Muller; one of the pair is dropped to keep the generator stateless). */
export function sampleNormal(rng: Prng): number {
  const u = 1 - rng.next();
  const v = rng.next();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}
