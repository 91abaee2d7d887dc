import { PolicyRegistry } from './registry';
import type { TokenQueue } from './token-queue';

/**
 * Which token a dispatcher uses when its I-queue is not empty: removes it and returns its
 * server (its epoch in `queue.poppedEpoch`), or -1 when the queue is empty.
 */
export type TokenSelection = (queue: TokenQueue) => number;

/** What a selection may know about the servers (their speeds, for `fastest`). */
export interface SelectionEnv {
  speedOf(server: number): number;
}

export const TOKEN_SELECTIONS = ['fcfs', 'lcfs', 'fastest'] as const;
export type TokenSelectionName = (typeof TOKEN_SELECTIONS)[number];

export const tokenSelections = new PolicyRegistry<(env: SelectionEnv) => TokenSelection>('token selection');
// One function for every router (not a closure per router): a simulator routes for hundreds of
// dispatchers, and a call site that always sees the same function is inlined where one that
// sees a new closure per dispatcher is not.
/** FCFS: the oldest token (the server idle the longest). */
const popOldest: TokenSelection = (q) => q.popOldest();
/** LCFS: the newest token. */
const popNewest: TokenSelection = (q) => q.popNewest();
tokenSelections.register('fcfs', () => popOldest);
tokenSelections.register('lcfs', () => popNewest);
/**
 * The fastest server's token; among equally fast ones, the oldest. O(tokens held): a scan,
 * because speeds are few classes in practice and the I-queue is short under load.
 */
tokenSelections.register('fastest', ({ speedOf }) => (q) => {
  let best = q.peekOldest();
  if (best < 0) return -1;
  let bestSpeed = speedOf(best);
  for (let s = q.newerThan(best); s >= 0; s = q.newerThan(s)) {
    const v = speedOf(s);
    if (v > bestSpeed) {
      best = s;
      bestSpeed = v;
    }
  }
  q.take(best);
  return best;
});

/** Equal speeds: what engines without speeds pass. */
export const EQUAL_SPEEDS: SelectionEnv = { speedOf: () => 1 };
