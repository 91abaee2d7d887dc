import { describe, expect, it } from 'vitest';
import {
  createPrng,
  Candidates,
  serverPickers,
  pickShortest,
  probeModes,
  sampleDistinct,
  sampleWithReplacement,
  SqdPlacement,
  type Prng,
} from '../src/index';
import { chi2Critical, chiSquare, chiSquareUniform, choose, subsetRank } from './stats';

type Sampler = (m: number, d: number, rng: Prng, out: Int32Array) => void;

/** Counts how often each d-subset of {0..m-1} is drawn (by colex rank), checking distinctness. */
function subsetCounts(sample: Sampler, m: number, d: number, draws: number, seed: number): Float64Array {
  const rng = createPrng(seed);
  const out = new Int32Array(d);
  const counts = new Float64Array(choose(m, d));
  for (let i = 0; i < draws; i++) {
    sample(m, d, rng, out);
    const sorted = Array.from(out).sort((a, b) => a - b);
    for (let j = 0; j < d; j++) {
      const v = sorted[j]!;
      if (!(v >= 0 && v < m)) throw new Error(`index ${v} outside [0, ${m})`);
      if (j > 0 && v === sorted[j - 1]) throw new Error(`duplicate index ${v} in ${sorted.join(',')}`);
    }
    counts[subsetRank(sorted)]!++;
  }
  return counts;
}

/** Counts how often each ordered d-tuple over {0..m-1} is drawn. */
function tupleCounts(sample: Sampler, m: number, d: number, draws: number, seed: number): Float64Array {
  const rng = createPrng(seed);
  const out = new Int32Array(d);
  const counts = new Float64Array(m ** d);
  for (let i = 0; i < draws; i++) {
    sample(m, d, rng, out);
    let code = 0;
    for (let j = 0; j < d; j++) {
      const v = out[j]!;
      if (!(v >= 0 && v < m)) throw new Error(`index ${v} outside [0, ${m})`);
      code = code * m + v;
    }
    counts[code]!++;
  }
  return counts;
}

// Deliberately wrong samplers: the chi-square tests below must reject them.
/** Distinct by "take the next free index" on a collision: favours indices after runs. */
const linearProbing: Sampler = (m, d, rng, out) => {
  for (let i = 0; i < d; i++) {
    let x = Math.floor(rng.next() * m);
    while (out.subarray(0, i).includes(x)) x = (x + 1) % m;
    out[i] = x;
  }
};
/** Floyd's algorithm with the collision rule wrong (re-uses t + 1 instead of j). */
const brokenFloyd: Sampler = (m, d, rng, out) => {
  let k = 0;
  for (let j = m - d; j < m; j++) {
    const t = Math.floor(rng.next() * (j + 1));
    let x = t;
    while (out.subarray(0, k).includes(x)) x = (x + 1) % m;
    out[k++] = x;
  }
};
/** Rounding instead of flooring: the two end indices get half the weight. */
const roundingReplace: Sampler = (m, d, rng, out) => {
  for (let i = 0; i < d; i++) out[i] = Math.round(rng.next() * (m - 1));
};

describe('sampleDistinct', () => {
  const draws = 200_000;

  it('takes the rejection branch (2d <= m) and is uniform over d-subsets: m = 7, d = 3', () => {
    const counts = subsetCounts(sampleDistinct, 7, 3, draws, 11);
    expect(counts.length).toBe(35);
    expect(Math.min(...counts)).toBeGreaterThan(0);
    const x2 = chiSquareUniform(counts);
    expect(x2).toBeLessThan(chi2Critical(34));
  });

  it("takes Floyd's branch (2d > m) and is uniform over d-subsets: m = 7, d = 4", () => {
    const counts = subsetCounts(sampleDistinct, 7, 4, draws, 12);
    expect(counts.length).toBe(35);
    const x2 = chiSquareUniform(counts);
    expect(x2).toBeLessThan(chi2Critical(34));
  });

  it('is uniform at the branch boundary and at small sizes (m = 6, d = 3 rejection; m = 5, d = 3 Floyd; m = 5, d = 2)', () => {
    expect(chiSquareUniform(subsetCounts(sampleDistinct, 6, 3, draws, 13))).toBeLessThan(chi2Critical(19));
    expect(chiSquareUniform(subsetCounts(sampleDistinct, 5, 3, draws, 14))).toBeLessThan(chi2Critical(9));
    expect(chiSquareUniform(subsetCounts(sampleDistinct, 5, 2, draws, 15))).toBeLessThan(chi2Critical(9));
  });

  it('returns every index when d = m, and throws when d > m', () => {
    const rng = createPrng(1);
    const out = new Int32Array(6);
    for (let i = 0; i < 100; i++) {
      sampleDistinct(6, 6, rng, out);
      expect(Array.from(out).sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5]);
    }
    expect(() => sampleDistinct(3, 4, rng, new Int32Array(4))).toThrow(RangeError);
  });

  it('gives each index the marginal probability d/m (m = 10, d = 3 and d = 8)', () => {
    for (const [d, seed] of [
      [3, 16],
      [8, 17],
    ] as const) {
      const rng = createPrng(seed);
      const out = new Int32Array(d);
      const counts = new Float64Array(10);
      for (let i = 0; i < 100_000; i++) {
        sampleDistinct(10, d, rng, out);
        for (const v of out) counts[v]!++;
      }
      // Each draw contributes d distinct indices; every index expects 100,000·d/10 of them. The
      // indicators of one draw are negatively correlated: the covariance of the counts is
      // (m - d)/(m - 1) times the multinomial one, so the rescaled statistic is chi-square(m - 1).
      const x2 = (chiSquareUniform(counts) * (10 - 1)) / (10 - d);
      expect(x2).toBeLessThan(chi2Critical(9));
    }
  });

  it('the chi-square test rejects biased distinct samplers (so the tests above have power)', () => {
    const a = chiSquareUniform(subsetCounts(linearProbing, 7, 3, draws, 11));
    const b = chiSquareUniform(subsetCounts(brokenFloyd, 7, 4, draws, 12));
    expect(a).toBeGreaterThan(chi2Critical(34));
    expect(b).toBeGreaterThan(chi2Critical(34));
  });
});

describe('sampleWithReplacement', () => {
  it('is uniform over ordered d-tuples: m = 5, d = 3 (125 cells) and m = 10, d = 2 (100 cells)', () => {
    const a = tupleCounts(sampleWithReplacement, 5, 3, 250_000, 21);
    const b = tupleCounts(sampleWithReplacement, 10, 2, 200_000, 22);
    expect(chiSquareUniform(a)).toBeLessThan(chi2Critical(124));
    expect(chiSquareUniform(b)).toBeLessThan(chi2Critical(99));
    // With replacement, repeats occur at the rate 1 - (m-1)(m-2)/m^2 for d = 3.
    let repeats = 0;
    for (let x = 0; x < 5; x++)
      for (let y = 0; y < 5; y++)
        for (let z = 0; z < 5; z++) if (x === y || y === z || x === z) repeats += a[(x * 5 + y) * 5 + z]!;
    expect(repeats / 250_000).toBeCloseTo(1 - (5 * 4 * 3) / 125, 2);
  });

  it('the chi-square test rejects a biased sampler (rounding)', () => {
    expect(chiSquareUniform(tupleCounts(roundingReplace, 5, 3, 250_000, 21))).toBeGreaterThan(chi2Critical(124));
  });

  it('is registered as the "replace" probe mode, and sampleDistinct as "distinct"', () => {
    expect(probeModes.get('replace')).toBe(sampleWithReplacement);
    expect(probeModes.get('distinct')).toBe(sampleDistinct);
  });
});

describe('pickShortest', () => {
  it('returns the index of the unique minimum', () => {
    const rng = createPrng(3);
    expect(pickShortest([3, 1, 2], 3, rng)).toBe(1);
    expect(pickShortest([0, 1, 2], 3, rng)).toBe(0);
    expect(pickShortest([5, 4, 3, 2], 4, rng)).toBe(3);
    // Only the first `count` entries count.
    expect(pickShortest([5, 4, 3, 0], 3, rng)).toBe(2);
  });

  it('breaks ties uniformly among the tied minima, wherever they are', () => {
    const rng = createPrng(4);
    const lengths = [1, 0, 0, 2, 0, 0, 3];
    const counts = new Float64Array(lengths.length);
    for (let i = 0; i < 120_000; i++) counts[pickShortest(lengths, lengths.length, rng)]!++;
    expect(counts[0]).toBe(0);
    expect(counts[3]).toBe(0);
    expect(counts[6]).toBe(0);
    const tied = [counts[1]!, counts[2]!, counts[4]!, counts[5]!];
    const x2 = chiSquareUniform(tied);
    expect(x2).toBeLessThan(chi2Critical(3));
    // A coin-flip tie rule (replace on each tie with probability 1/2) would give 1/8, 1/8, 1/4, 1/2.
    expect(chiSquare(tied, [1 / 8, 1 / 8, 1 / 4, 1 / 2])).toBeGreaterThan(chi2Critical(3));
  });
});

describe('SqdPlacement', () => {
  it('validates d and the probe mode', () => {
    expect(() => new SqdPlacement(0)).toThrow(RangeError);
    expect(() => new SqdPlacement(1.5)).toThrow(RangeError);
    expect(() => new SqdPlacement(2, 'sideways' as 'distinct')).toThrow(/unknown probe mode/);
    expect(new SqdPlacement(2).probe).toBe('distinct');
  });

  it('chooses the shortest of the d dispatchers it probed (distinct, no repeats), for every draw', () => {
    const rng = createPrng(5);
    const m = 9;
    const lengths = [4, 0, 7, 2, 2, 9, 1, 5, 3];
    for (const d of [2, 3, 5, 9]) {
      const placement = new SqdPlacement(d);
      const failures: string[] = [];
      for (let i = 0; i < 5_000; i++) {
        const probed: number[] = [];
        const chosen = placement.choose(m, rng, (x) => {
          probed.push(x);
          return lengths[x]!;
        });
        const ok =
          probed.length === d &&
          new Set(probed).size === d &&
          probed.includes(chosen) &&
          lengths[chosen] === Math.min(...probed.map((x) => lengths[x]!)) &&
          // choose() leaves the probed set in `probes` for inspection.
          Array.from(placement.probes).sort().join() === [...probed].sort().join();
        if (!ok) failures.push(`d=${d}: probed ${probed.join(',')} chose ${chosen}`);
      }
      expect(failures).toEqual([]);
    }
    // d = m probes everyone: always the global minimum.
    const all = new SqdPlacement(m);
    for (let i = 0; i < 100; i++) expect(all.choose(m, rng, (x) => lengths[x]!)).toBe(1);
  });

  it('probes a uniform d-subset, so the choice has the SQ(d) law (m = 6, d = 2, chi-square)', () => {
    // I-queue lengths 0..5: the chosen dispatcher is the minimum of a uniform 2-subset, so
    // P(choose k) = (m - 1 - k) / C(m, 2).
    const rng = createPrng(6);
    const m = 6;
    const placement = new SqdPlacement(2);
    const subsets = new Float64Array(choose(m, 2));
    const chosen = new Float64Array(m);
    const n = 150_000;
    for (let i = 0; i < n; i++) {
      const probed: number[] = [];
      chosen[placement.choose(m, rng, (x) => (probed.push(x), x))]!++;
      subsets[subsetRank(probed.sort((a, b) => a - b))]!++;
    }
    expect(chiSquareUniform(subsets)).toBeLessThan(chi2Critical(14));
    const probs = Array.from({ length: m }, (_, k) => (m - 1 - k) / choose(m, 2));
    // k = 5 is never chosen; test the other five cells (df = 4).
    expect(chosen[5]).toBe(0);
    expect(chiSquare(chosen.subarray(0, 5), probs.slice(0, 5))).toBeLessThan(chi2Critical(4));
  });

  it('with replacement, may probe the same dispatcher twice and matches the with-replacement SQ(d) law', () => {
    // Lengths 0..m-1: P(min of d iid uniforms = k) = ((m-k)^d - (m-k-1)^d) / m^d.
    const rng = createPrng(7);
    const m = 5;
    const d = 3;
    const placement = new SqdPlacement(d, 'replace');
    const chosen = new Float64Array(m);
    let repeated = 0;
    const n = 150_000;
    for (let i = 0; i < n; i++) {
      const probed: number[] = [];
      chosen[placement.choose(m, rng, (x) => (probed.push(x), x))]!++;
      if (new Set(probed).size < d) repeated++;
    }
    const probs = Array.from({ length: m }, (_, k) => ((m - k) ** d - (m - k - 1) ** d) / m ** d);
    expect(chiSquare(chosen, probs)).toBeLessThan(chi2Critical(4));
    expect(repeated / n).toBeCloseTo(1 - (5 * 4 * 3) / 125, 2);
    // The distinct law differs visibly at this small m: P(choose 0) = 3/5 vs 61/125.
    const distinctProbs = Array.from({ length: m }, (_, k) => choose(m - 1 - k, d - 1) / choose(m, d));
    expect(chiSquare(chosen, distinctProbs.map((p) => Math.max(p, 1e-12)))).toBeGreaterThan(chi2Critical(4));
  });

  it('breaks ties among the probed minima uniformly (all lengths equal: the choice is uniform)', () => {
    const rng = createPrng(8);
    const m = 8;
    const placement = new SqdPlacement(3);
    const first = new Float64Array(3);
    const chosen = new Float64Array(m);
    for (let i = 0; i < 120_000; i++) {
      const probed: number[] = [];
      const c = placement.choose(m, rng, (x) => (probed.push(x), 0));
      chosen[c]!++;
      first[probed.indexOf(c)]!++;
    }
    expect(chiSquareUniform(chosen)).toBeLessThan(chi2Critical(7));
    // Which probe position wins must not depend on the position.
    expect(chiSquareUniform(first)).toBeLessThan(chi2Critical(2));
  });

  it('d = 1 is JIQ-Random: uniform over the m dispatchers, no probe needed', () => {
    const rng = createPrng(9);
    const placement = new SqdPlacement(1);
    const chosen = new Float64Array(10);
    for (let i = 0; i < 100_000; i++) {
      chosen[
        placement.choose(10, rng, () => {
          throw new Error('d = 1 must not probe');
        })
      ]!++;
    }
    expect(chiSquareUniform(chosen)).toBeLessThan(chi2Critical(9));
  });

  it('is deterministic for a fixed seed', () => {
    const run = (seed: number): number[] => {
      const rng = createPrng(seed);
      const p = new SqdPlacement(2);
      return Array.from({ length: 50 }, () => p.choose(20, rng, (x) => x % 3));
    };
    expect(run(42)).toEqual(run(42));
    expect(run(42)).not.toEqual(run(43));
  });

  it('sampleProbes draws into the reused probes buffer', () => {
    const rng = createPrng(10);
    const p = new SqdPlacement(3, 'distinct');
    const a = p.sampleProbes(4, rng);
    expect(a).toBe(p.probes);
    expect(new Set(a).size).toBe(3);
    expect(() => p.sampleProbes(2, rng)).toThrow(RangeError);
  });
});

describe('server pickers', () => {
  const options = { d: 3, start: 0 };
  const fill = (c: Candidates, lengths: readonly number[], speeds?: readonly number[]): void => {
    for (let i = 0; i < c.count; i++) {
      c.lengths[i] = lengths[c.ids[i]!]!;
      c.speeds[i] = speeds?.[c.ids[i]!] ?? 1;
    }
  };

  it('random: uniform over the live servers, reading no length', () => {
    const picker = serverPickers.get('random')!(options);
    expect(picker.reads).toBe('none');
    const rng = createPrng(30);
    const c = new Candidates();
    const counts = new Float64Array(10);
    for (let i = 0; i < 100_000; i++) counts[picker.choose(10, rng, c)]!++;
    expect(chiSquareUniform(counts)).toBeLessThan(chi2Critical(9));
  });

  it('shortest-of-d: the shortest of the d servers it drew; ties uniformly at random, not a coin flip', () => {
    const picker = serverPickers.get('shortest-of-d')!(options);
    expect(picker.reads).toBe('sample');
    const rng = createPrng(31);
    const lengths = [5, 3, 8, 1, 9, 2, 7, 4, 6, 0];
    const c = new Candidates();
    const failures: string[] = [];
    for (let i = 0; i < 5_000; i++) {
      picker.candidates(10, rng, c);
      fill(c, lengths);
      const seen = Array.from(c.ids.subarray(0, c.count));
      const s = picker.choose(10, rng, c);
      if (!(seen.length === 3 && seen.includes(s) && lengths[s] === Math.min(...seen.map((x) => lengths[x]!)))) {
        failures.push(`looked at ${seen.join(',')}, chose ${s}`);
      }
    }
    expect(failures).toEqual([]);
    // Three distinct candidates of equal length: each chosen 1/3 of the time (a sequential coin
    // flip would give 1/4, 1/4, 1/2).
    const tied = new Float64Array(3);
    for (let i = 0; i < 30_000; i++) {
      c.count = 3;
      c.ids.set([0, 1, 2]);
      c.lengths.set([2, 2, 2]);
      tied[picker.choose(10, rng, c)]!++;
    }
    expect(chiSquareUniform(tied)).toBeLessThan(chi2Critical(2));
  });

  it('shortest (JSQ) reads every server; fastest-shortest (JFSQ) prefers speed among the shortest', () => {
    const rng = createPrng(32);
    const jsq = serverPickers.get('shortest')!(options);
    const jfsq = serverPickers.get('fastest-shortest')!(options);
    expect([jsq.reads, jfsq.reads]).toEqual(['all', 'all']);
    const lengths = [2, 0, 1, 0, 3, 0];
    const speeds = [9, 1, 9, 2, 9, 2];
    const c = new Candidates();
    const jsqCounts = new Float64Array(6);
    const jfsqCounts = new Float64Array(6);
    for (let i = 0; i < 30_000; i++) {
      jsq.candidates(6, rng, c);
      fill(c, lengths, speeds);
      jsqCounts[jsq.choose(6, rng, c)]!++;
      jfsqCounts[jfsq.choose(6, rng, c)]!++;
    }
    // JSQ: uniform over the empty servers 1, 3, 5.
    expect(chiSquareUniform(Float64Array.from([jsqCounts[1]!, jsqCounts[3]!, jsqCounts[5]!]))).toBeLessThan(chi2Critical(2));
    expect(jsqCounts[0]! + jsqCounts[2]! + jsqCounts[4]!).toBe(0);
    // JFSQ: the fastest empty servers (3 and 5, speed 2), evenly; never the slow empty one.
    expect(jfsqCounts[1]! + jfsqCounts[0]! + jfsqCounts[2]! + jfsqCounts[4]!).toBe(0);
    expect(chiSquareUniform(Float64Array.from([jfsqCounts[3]!, jfsqCounts[5]!]))).toBeLessThan(chi2Critical(1));
  });

  it('round-robin: each dispatcher cycles from its own offset, wrapping when servers leave', () => {
    const rng = createPrng(33);
    const c = new Candidates();
    const a = serverPickers.get('round-robin')!({ ...options, start: 0 });
    const b = serverPickers.get('round-robin')!({ ...options, start: 1 / 2 });
    expect(Array.from({ length: 5 }, () => a.choose(4, rng, c))).toEqual([0, 1, 2, 3, 0]);
    expect(Array.from({ length: 5 }, () => b.choose(4, rng, c))).toEqual([2, 3, 0, 1, 2]);
    expect(Array.from({ length: 3 }, () => b.choose(2, rng, c))).toEqual([0, 1, 0]);
    expect(serverPickers.get('nope')).toBeUndefined();
  });
});
