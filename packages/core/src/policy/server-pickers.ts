import type { Prng } from '../random/prng';
import type { Candidates } from './candidates';
import { pickShortest, sampleWithReplacement } from './placement';
import { PolicyRegistry } from './registry';

/**
 * What a picker reads before choosing: nothing (random, round-robin), the queue lengths of d
 * servers it drew (power of d), or of every server (JSQ, JFSQ).
 */
export type LengthsRead = 'none' | 'sample' | 'all';

/**
 * The choice of a server without a token: JIQ's fallback, or the whole decision of a
 * token-less policy. Pure and synchronous; an engine that must fetch lengths (the dispatcher
 * probes workers) calls `candidates`, fetches, then `choose`, exactly as the simulator does
 * back to back.
 */
export interface ServerPicker {
  readonly reads: LengthsRead;
  /** Fills `c.ids[0..c.count)` with the servers whose lengths `choose` reads. */
  candidates(servers: number, rng: Prng, c: Candidates): void;
  /** The chosen server in [0, servers), from the candidates' lengths (and speeds). */
  choose(servers: number, rng: Prng, c: Candidates): number;
}

export interface PickerOptions {
  /** Servers sampled (power of d). */
  d: number;
  /**
   * Where round-robin starts, as a fraction of the servers: dispatcher i of m starts at i/m
   * (the simulator), a dispatcher process at a seeded random point, so m dispatchers do not
   * start in step.
   */
  start: number;
}

/**
 * Index (into c's first `count`) of the fastest of the shortest candidates; ties in both
 * uniformly at random (reservoir sampling).
 */
export function pickFastestShortest(c: Candidates, rng: Prng): number {
  let best = 0;
  let ties = 1;
  for (let i = 1; i < c.count; i++) {
    const dl = c.lengths[i]! - c.lengths[best]!;
    const ds = c.speeds[i]! - c.speeds[best]!;
    if (dl < 0 || (dl === 0 && ds > 0)) {
      best = i;
      ties = 1;
    } else if (dl === 0 && ds === 0) {
      ties++;
      if (rng.next() * ties < 1) best = i;
    }
  }
  return best;
}

const noCandidates = (_servers: number, _rng: Prng, c: Candidates): void => {
  c.count = 0;
};
const everyServer = (servers: number, _rng: Prng, c: Candidates): void => c.all(servers);

export const serverPickers = new PolicyRegistry<(o: PickerOptions) => ServerPicker>('server picker');

/**
 * Uniform over the live servers (JIQ's fallback; the random policy). Stateless, so one object
 * serves every router: a simulator's hot loop then calls one function, which V8 inlines.
 */
const uniform: ServerPicker = {
  reads: 'none',
  candidates: noCandidates,
  choose: (servers, rng) => Math.floor(rng.next() * servers),
};
serverPickers.register('random', () => uniform);

/** Each dispatcher cycles over the servers on its own (no coordination), from its `start`. */
serverPickers.register('round-robin', ({ start }) => {
  let next = -1;
  return {
    reads: 'none',
    candidates: noCandidates,
    choose: (n) => {
      if (next < 0) next = Math.floor(start * n);
      if (next >= n) next = 0;
      return next++;
    },
  };
});

/** Power of d: the shortest of d servers drawn independently (with replacement); ties at random. */
serverPickers.register('shortest-of-d', ({ d }) => ({
  reads: 'sample',
  candidates: (servers, rng, c) => {
    c.reserve(d);
    sampleWithReplacement(servers, d, rng, c.ids);
    c.count = d;
  },
  choose: (_servers, rng, c) => c.ids[pickShortest(c.lengths, c.count, rng)]!,
}));

/** JSQ: the shortest of all servers; ties at random. */
serverPickers.register('shortest', () => ({
  reads: 'all',
  candidates: everyServer,
  choose: (_servers, rng, c) => c.ids[pickShortest(c.lengths, c.count, rng)]!,
}));

/** JFSQ: the fastest of the shortest servers; ties at random. */
serverPickers.register('fastest-shortest', () => ({
  reads: 'all',
  candidates: everyServer,
  choose: (_servers, rng, c) => c.ids[pickFastestShortest(c, rng)]!,
}));
