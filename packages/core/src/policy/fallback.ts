import type { Prng } from '../random/prng';
import { PolicyRegistry } from './registry';

/** What a fallback policy may look at when the I-queue is empty. */
export interface FallbackContext {
  /** Number of live servers; servers are 0..servers-1 in the caller's numbering. */
  readonly servers: number;
  readonly rng: Prng;
  /** Jobs at a server (queued + in service), where the engine knows it (JIQ-Pod, JSQ). */
  queueLength?(server: number): number;
}

/** Picks a server for a job that found the I-queue empty. */
export type FallbackPolicy = (ctx: FallbackContext) => number;

export const fallbacks = new PolicyRegistry<(options: { d?: number }) => FallbackPolicy>('fallback');

/** JIQ's fallback: a server chosen uniformly at random. */
fallbacks.register('random', () => (ctx) => Math.floor(ctx.rng.next() * ctx.servers));

/** Power-of-d fallback (JIQ-Pod): the least loaded of d random servers. */
fallbacks.register('pod', ({ d = 2 }) => (ctx) => {
  const { rng, servers } = ctx;
  const lengthOf = ctx.queueLength;
  let best = Math.floor(rng.next() * servers);
  if (!lengthOf) return best;
  let bestLen = lengthOf(best);
  for (let i = 1; i < d; i++) {
    const s = Math.floor(rng.next() * servers);
    const l = lengthOf(s);
    if (l < bestLen || (l === bestLen && rng.next() < 0.5)) {
      best = s;
      bestLen = l;
    }
  }
  return best;
});
