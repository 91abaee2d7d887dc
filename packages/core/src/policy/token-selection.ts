import { PolicyRegistry } from './registry';
import type { TokenQueue } from './token-queue';

/** Which token a dispatcher uses when its I-queue is not empty. Returns the server or -1. */
export type TokenSelection = (queue: TokenQueue) => number;

export const tokenSelections = new PolicyRegistry<TokenSelection>('token selection');
/** FCFS: the oldest token (the server idle the longest). */
tokenSelections.register('fcfs', (q) => q.popOldest());
/** LCFS: the newest token. */
tokenSelections.register('lcfs', (q) => q.popNewest());
