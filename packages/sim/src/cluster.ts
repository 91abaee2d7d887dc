import {
  fallbacks,
  SqdPlacement,
  TokenQueue,
  tokenSelections,
  type FallbackContext,
  type FallbackPolicy,
  type Prng,
  type TokenSelection,
} from '@jiq/core';
import type { SimConfig } from './options';
import { FastestShortestIndex, ShortestQueueIndex } from './shortest-queue';

const enum Kind {
  Jiq,
  Random,
  RoundRobin,
  Jsq,
  JsqD,
  Jfsq,
}

/**
 * The policy state of the whole system, m dispatchers and n servers, driven by an engine that
 * owns time: which server an arriving job goes to (`route`) and what a server does when it
 * becomes idle (`complete`). All policy decisions go through the shared core (@jiq/core):
 * the dispatchers' I-queues are TokenQueues, token selection is `tokenSelections`, placement
 * is `SqdPlacement`, fallbacks and JSQ(d) are `fallbacks`. Also keeps the time-integrated
 * distribution of I-queue lengths.
 */
export class Cluster {
  /** Current time, set by the engine before each event. */
  now = 0;
  /** Jobs at each server (queued + in service). */
  readonly len: Int32Array;
  readonly queues: TokenQueue[];

  // Outcome of the last route().
  foundEmpty = false;
  byToken = false;
  waited = false;

  // Cumulative counters (the engine snapshots them when measurement starts).
  withdrawals = 0;
  tokenToBusy = 0;
  tokensPlaced = 0;
  /** Jobs routed so far. */
  routed = 0;

  /** Busy servers, and its time integral since startLevels (utilization). */
  busy = 0;
  busyArea = 0;
  private busyLast = 0;

  // I-queue accounting, integrated since startLevels: tokens held in all I-queues and empty
  // I-queues (time averages); `foundLength` is the I-queue length the last arrival found.
  tokens = 0;
  tokenArea = 0;
  private tokenLast = 0;
  emptyQueues = 0;
  emptyArea = 0;
  private emptyLast = 0;
  foundLength = 0;

  private readonly kind: Kind;
  private readonly n: number;
  readonly m: number;
  readonly withdraw: boolean;
  readonly oneToken: boolean;
  /** One-token rule: the dispatcher holding the server's token, or -1. */
  readonly tokenAt: Int32Array;
  /** The epoch of each server's latest token (the one-token rule's outstanding one when tokenAt >= 0). */
  readonly epoch: Uint32Array;
  private readonly select: TokenSelection;
  readonly placement: SqdPlacement;
  private readonly fallback: FallbackPolicy;
  private readonly ctx: FallbackContext;
  readonly lengthOf: (dispatcher: number) => number;
  private readonly rr: Int32Array;
  private readonly sq: ShortestQueueIndex | null;
  private readonly fsq: FastestShortestIndex | null;

  constructor(
    cfg: SimConfig,
    private readonly rng: Prng,
  ) {
    const { n, m } = cfg;
    this.n = n;
    this.m = m;
    this.kind = {
      jiq: Kind.Jiq,
      'jiq-pod': Kind.Jiq,
      random: Kind.Random,
      'round-robin': Kind.RoundRobin,
      jsq: Kind.Jsq,
      'jsq-d': Kind.JsqD,
      jfsq: Kind.Jfsq,
    }[cfg.policy];
    this.len = new Int32Array(n);
    const tokens = this.kind === Kind.Jiq;
    this.queues = tokens ? Array.from({ length: m }, () => new TokenQueue(Math.min(n, 64))) : [];
    this.withdraw = cfg.withdraw;
    this.oneToken = cfg.tokens === 'one';
    this.tokenAt = new Int32Array(n).fill(-1);
    this.epoch = new Uint32Array(n);
    this.emptyQueues = tokens ? m : 0;

    const speeds = cfg.speeds;
    if (cfg.select === 'fastest') {
      const speed = speeds ?? new Float64Array(n).fill(1);
      this.select = (q) => {
        // The fastest server's token; among equally fast ones, the oldest.
        let best = q.peekOldest();
        if (best < 0) return -1;
        let bestSpeed = speed[best]!;
        for (let s = q.newerThan(best); s >= 0; s = q.newerThan(s)) {
          if (speed[s]! > bestSpeed) {
            best = s;
            bestSpeed = speed[s]!;
          }
        }
        // The delay engine needs the epoch of the token it sends the job by.
        const epoch = q.epochOf(best);
        q.remove(best);
        q.poppedEpoch = epoch;
        return best;
      };
    } else {
      this.select = tokenSelections.get(cfg.select)!;
    }
    this.placement = new SqdPlacement(cfg.d, cfg.probe);
    const len = this.len;
    this.ctx = { servers: n, rng, queueLength: (s) => len[s]! };
    this.fallback =
      cfg.policy === 'jiq-pod'
        ? fallbacks.get('pod')!({ d: cfg.fallbackD })
        : cfg.policy === 'jsq-d'
          ? fallbacks.get('pod')!({ d: cfg.d })
          : fallbacks.get('random')!({});
    const queues = this.queues;
    this.lengthOf = (i) => queues[i]!.length;
    this.rr = new Int32Array(m);
    for (let i = 0; i < m; i++) this.rr[i] = Math.floor((i * n) / m);
    this.sq = this.kind === Kind.Jsq ? new ShortestQueueIndex(n) : null;
    this.fsq = this.kind === Kind.Jfsq ? new FastestShortestIndex(speedRanks(speeds, n, rng)) : null;
    if (tokens) {
      // Start with every server idle and holding one token, placed as on an idle transition.
      for (let s = 0; s < n; s++) this.placeToken(s);
    }
  }

  /** A job arrives at `dispatcher`: returns the server it is assigned to (already counted in len). */
  route(dispatcher: number): number {
    let s: number;
    switch (this.kind) {
      case Kind.Jiq: {
        s = this.tokenOrFallback(dispatcher);
        if (this.byToken) {
          if (this.oneToken) this.tokenAt[s] = -1;
          if (this.len[s]! > 0) this.tokenToBusy++;
        } else if (this.withdraw) {
          const h = this.tokenAt[s]!;
          if (h >= 0) {
            this.withdrawAt(h, s, this.epoch[s]!);
            this.tokenAt[s] = -1;
            this.withdrawals++;
          }
        }
        break;
      }
      case Kind.Random:
      case Kind.JsqD:
        s = this.fallback(this.ctx);
        break;
      case Kind.RoundRobin:
        s = this.rr[dispatcher]!;
        this.rr[dispatcher] = s + 1 === this.n ? 0 : s + 1;
        break;
      case Kind.Jsq:
        s = this.sq!.pickShortest(this.rng.next());
        this.sq!.increment(s);
        break;
      case Kind.Jfsq:
        s = this.fsq!.top();
        this.fsq!.increment(s);
        break;
    }
    this.routed++;
    const before = this.len[s]!;
    this.waited = before > 0;
    if (before === 0) this.busyChange(1);
    this.len[s] = before + 1;
    return s;
  }

  /**
   * The dispatcher's half of JIQ: pop a token of its I-queue (its epoch in the queue's
   * `poppedEpoch`), or fall back when it is empty. Sets foundLength, foundEmpty and byToken;
   * the server's side (its length, its outstanding token) is the caller's.
   */
  tokenOrFallback(dispatcher: number): number {
    const q = this.queues[dispatcher]!;
    const L = q.length;
    this.foundLength = L;
    if (L > 0) {
      const s = this.select(q);
      this.tokenMove(L, L - 1);
      this.foundEmpty = false;
      this.byToken = true;
      return s;
    }
    this.foundEmpty = true;
    this.byToken = false;
    return this.fallback(this.ctx);
  }

  /** Places the token (s, epoch) at I-queue i (replacing one s holds there). */
  placeAt(i: number, s: number, epoch: number): void {
    const q = this.queues[i]!;
    const L = q.length;
    if (q.place(s, epoch)) this.tokenMove(L, L + 1);
  }

  /** Withdraws the token (s, epoch) from I-queue i; false when it is no longer there (used, or a stale epoch). */
  withdrawAt(i: number, s: number, epoch: number): boolean {
    const q = this.queues[i]!;
    const L = q.length;
    if (!q.withdraw(s, epoch)) return false;
    this.tokenMove(L, L - 1);
    return true;
  }

  /** A job reaches server s (delay engine; `route` does this itself). Returns true when it must wait. */
  arrive(s: number): boolean {
    const before = this.len[s]!;
    if (before === 0) this.busyChange(1);
    this.len[s] = before + 1;
    return before > 0;
  }

  /** Server s finished a job (delay engine: no token placed here); returns true when it became idle. */
  depart(s: number): boolean {
    const l = this.len[s]! - 1;
    this.len[s] = l;
    if (l > 0) return false;
    this.busyChange(-1);
    return true;
  }

  /** The server finished a job; returns true when it became idle. */
  complete(s: number): boolean {
    const l = this.len[s]! - 1;
    this.len[s] = l;
    if (this.sq) this.sq.decrement(s);
    else if (this.fsq) this.fsq.decrement(s);
    if (l > 0) return false;
    this.busyChange(-1);
    if (this.kind === Kind.Jiq && (!this.oneToken || this.tokenAt[s]! < 0)) this.placeToken(s);
    return true;
  }

  /** JIQ-SQ(d): the idle server places its token at the shortest of d probed I-queues. */
  private placeToken(s: number): void {
    const i = this.placement.choose(this.m, this.rng, this.lengthOf);
    const q = this.queues[i]!;
    const L = q.length;
    const e = (this.epoch[s]! + 1) >>> 0;
    this.epoch[s] = e;
    if (q.place(s, e)) this.tokenMove(L, L + 1);
    if (this.oneToken) this.tokenAt[s] = i;
    this.tokensPlaced++;
  }

  private busyChange(delta: number): void {
    const t = this.now;
    this.busyArea += this.busy * (t - this.busyLast);
    this.busyLast = t;
    this.busy += delta;
  }

  /** An I-queue went from `from` to `to` tokens. */
  private tokenMove(from: number, to: number): void {
    const t = this.now;
    this.tokenArea += this.tokens * (t - this.tokenLast);
    this.tokenLast = t;
    this.tokens += to - from;
    if (from === 0 || to === 0) {
      this.emptyArea += this.emptyQueues * (t - this.emptyLast);
      this.emptyLast = t;
      this.emptyQueues += from === 0 ? -1 : 1;
    }
  }

  /** Starts integrating tokens, empty I-queues and busy servers at time t (end of warm-up). */
  startLevels(t: number): void {
    this.tokenArea = 0;
    this.tokenLast = t;
    this.emptyArea = 0;
    this.emptyLast = t;
    this.busyArea = 0;
    this.busyLast = t;
  }

  /** Brings the integrals up to time t. */
  endLevels(t: number): void {
    this.busyArea += this.busy * (t - this.busyLast);
    this.busyLast = t;
    this.tokenArea += this.tokens * (t - this.tokenLast);
    this.tokenLast = t;
    this.emptyArea += this.emptyQueues * (t - this.emptyLast);
    this.emptyLast = t;
  }
}

/** Rank of each server by speed, 0 the fastest; equal speeds in a random order. */
function speedRanks(speeds: Float64Array | null, n: number, rng: Prng): Int32Array {
  const ids = Array.from({ length: n }, (_, s) => s);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rng.next() * (i + 1));
    [ids[i], ids[j]] = [ids[j]!, ids[i]!];
  }
  if (speeds) ids.sort((a, b) => speeds[b]! - speeds[a]!); // stable: keeps the shuffle among ties
  const rank = new Int32Array(n);
  ids.forEach((s, r) => (rank[s] = r));
  return rank;
}
