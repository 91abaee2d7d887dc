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
  /**
   * The four 32-bit state words a, b, c, d, as int32 in a typed array. Not as class fields:
   * TypeScript's ES2022 output declares fields before the constructor assigns them, so V8 first
   * sees `undefined` there and keeps them tagged; a word outside the 31-bit small-integer range
   * is then boxed on the heap at every draw (measured: 4x slower, 16 bytes per draw).
   */
  private readonly state = new Int32Array(4);

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
    const st = this.state;
    for (let i = 0; i < 4; i++) st[i] = mix();
    // The first outputs of a freshly seeded sfc32 are weakly mixed; discard them.
    for (let i = 0; i < 12; i++) this.nextUint32();
  }

  nextUint32(): number {
    const st = this.state;
    const a = st[0]!;
    const b = st[1]!;
    const c = st[2]!;
    const d = st[3]!;
    const t = (((a + b) | 0) + d) | 0;
    st[3] = (d + 1) | 0;
    st[0] = b ^ (b >>> 9);
    st[1] = (c + (c << 3)) | 0;
    st[2] = (((c << 21) | (c >>> 11)) + t) | 0;
    return t >>> 0;
  }

  next(): number {
    return this.nextUint32() / 4294967296;
  }

  /**
   * Exponential with rate 1 by the ziggurat method (Marsaglia & Tsang 2000, 256 layers): about
   * 99% of draws cost one 32-bit output, a table lookup and a multiply — no logarithm. The
   * layer comes from the low 8 bits and the value from the high 24, so they are independent.
   */
  nextExp(): number {
    // The common case only, so that it stays small enough to be inlined into a simulator's
    // hot loop (V8 inlines up to a cumulative bytecode budget); the rest in expSlow.
    const j = this.nextUint32();
    const i = j & 255;
    const u = j >>> 8;
    if (u < ZIG_K[i]!) return u * ZIG_W[i]!;
    // The unary + keeps this function's result a raw double: merging the fast path with a call's
    // (tagged) result would box every draw on the heap where this is inlined.
    return +this.expSlow(j);
  }

  /** nextExp past a rejected fast path for the 32-bit output j: the same draws as one loop. */
  private expSlow(j: number): number {
    for (;;) {
      const i = j & 255;
      const u = j >>> 8;
      if (u < ZIG_K[i]!) return u * ZIG_W[i]!;
      if (i === 0) return ZIG_R - Math.log(1 - this.next()); // the tail beyond R, by memorylessness
      const x = u * ZIG_W[i]!;
      if (ZIG_F[i]! + this.next() * (ZIG_F[i - 1]! - ZIG_F[i]!) < Math.exp(-x)) return x;
      j = this.nextUint32();
    }
  }
}

// Ziggurat tables for the exponential (Marsaglia & Tsang's zigset, values on 24 bits).
const ZIG_R = 7.697117470131487;
const ZIG_K = new Uint32Array(256);
const ZIG_W = new Float64Array(256);
const ZIG_F = new Float64Array(256);
{
  const m = 16777216;
  const v = 3.949659822581572e-3;
  let de = ZIG_R;
  let te = de;
  const q = v / Math.exp(-de);
  ZIG_K[0] = Math.floor((de / q) * m);
  ZIG_K[1] = 0;
  ZIG_W[0] = q / m;
  ZIG_W[255] = de / m;
  ZIG_F[0] = 1;
  ZIG_F[255] = Math.exp(-de);
  for (let i = 254; i >= 1; i--) {
    de = -Math.log(v / de + Math.exp(-de));
    ZIG_K[i + 1] = Math.floor((de / te) * m);
    te = de;
    ZIG_F[i] = Math.exp(-de);
    ZIG_W[i] = de / m;
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
