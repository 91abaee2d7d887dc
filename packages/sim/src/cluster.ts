import { Candidates, createRouter, SqdPlacement, TokenQueue, type Prng, type Router } from '@jiq/core';
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
 * becomes idle (`complete`). All policy decisions go through the shared core (@jiq/core), the
 * same code as the dispatcher's: a job goes through `Router.route` (token or server picker),
 * an idle server's token through `SqdPlacement`. JSQ and JFSQ read every queue length: here
 * their picker's choice (shortest, ties at random; fastest of the shortest) is kept by O(1)
 * indexes instead of an O(n) scan per job. Also keeps the time-integrated distribution of
 * I-queue lengths.
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
  readonly placement: SqdPlacement;
  /** One router per dispatcher (round-robin keeps a position per dispatcher). */
  private readonly routers: Router[];
  private readonly candidates = new Candidates();
  readonly lengthOf: (dispatcher: number) => number;
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
    this.withdraw = cfg.withdraw;
    this.oneToken = cfg.tokens === 'one';
    // Without message delays the one-token rule holds at every instant (a token is withdrawn or
    // used before its server can place another), so the I-queues can share one directory.
    const directory = this.oneToken && cfg.delays === null ? new Int32Array(n).fill(-1) : null;
    this.queues = tokens ? Array.from({ length: m }, () => new TokenQueue(Math.min(n, 64), directory)) : [];
    this.tokenAt = new Int32Array(n).fill(-1);
    this.epoch = new Uint32Array(n);
    this.emptyQueues = tokens ? m : 0;

    const speeds = cfg.speeds;
    const speedOf = speeds ? (s: number): number => speeds[s]! : (): number => 1;
    this.routers = Array.from({ length: m }, (_, i) => createRouter(cfg, { start: i / m, speedOf }));
    this.placement = new SqdPlacement(cfg.d, cfg.probe);
    const queues = this.queues;
    this.lengthOf = (i) => queues[i]!.length;
    this.sq = this.kind === Kind.Jsq ? new ShortestQueueIndex(n) : null;
    this.fsq = this.kind === Kind.Jfsq ? new FastestShortestIndex(speedRanks(speeds, n, rng)) : null;
    if (tokens) {
      // Start with every server idle and holding one token, placed as on an idle transition.
      for (let s = 0; s < n; s++) this.placeToken(s);
    }
  }

  /** A job arrives at `dispatcher`: returns the server it is assigned to (already counted in len). */
  route(dispatcher: number): number {
    // JIQ on its own path: the engines' hot loops call this ~10^7 times a second, and a small
    // function is inlined by V8 where a switch over every policy is not.
    return this.kind === Kind.Jiq ? this.routeJiq(dispatcher) : this.routeOther(dispatcher);
  }

  private routeJiq(dispatcher: number): number {
    const s = this.tokenOrFallback(dispatcher);
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
    this.assigned(s);
    return s;
  }

  private routeOther(dispatcher: number): number {
    let s: number;
    switch (this.kind) {
      case Kind.Jsq:
        s = this.sq!.pickShortest(this.rng.next());
        this.sq!.increment(s);
        break;
      case Kind.Jfsq:
        s = this.fsq!.top();
        this.fsq!.increment(s);
        break;
      default:
        // random, round-robin, jsq-d: the router without tokens.
        s = this.tokenOrFallback(dispatcher);
    }
    this.assigned(s);
    return s;
  }

  /** A routed job joins server s at once (the zero-delay engines). */
  private assigned(s: number): void {
    this.routed++;
    const before = this.len[s]!;
    this.waited = before > 0;
    if (before === 0) this.busyChange(1);
    this.len[s] = before + 1;
  }

  /**
   * The dispatcher's decision, through @jiq/core's Router (the dispatcher process's code): pop
   * a token of its I-queue (its epoch in the queue's `poppedEpoch`), or the server picker when
   * it is empty or the policy has no tokens (fed the queue lengths it reads). Sets foundLength, foundEmpty and byToken;
   * the server's side (its length, its outstanding token) is the caller's.
   */
  tokenOrFallback(dispatcher: number): number {
    const router = this.routers[dispatcher]!;
    const q = this.kind === Kind.Jiq ? this.queues[dispatcher]! : null;
    if (router.needsLengths(q)) this.readLengths(router);
    const L = q === null ? 0 : q.length;
    const s = router.route(q, this.n, this.rng, this.candidates);
    if (q !== null) {
      this.foundLength = L;
      this.foundEmpty = !router.byToken;
      this.byToken = router.byToken;
      if (router.byToken) this.tokenMove(L, L - 1);
    }
    return s;
  }

  /** Draws the router's candidates and gives it their queue lengths (a separate method keeps tokenOrFallback small). */
  private readLengths(router: Router): void {
    const c = this.candidates;
    router.candidates(this.n, this.rng, c);
    for (let i = 0; i < c.count; i++) c.lengths[i] = this.len[c.ids[i]!]!;
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
