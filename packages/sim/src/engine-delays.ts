import { EventHeap, pickShortest, type JobSizeDistribution, type Sfc32 } from '@jiq/core';
import type { Cluster } from './cluster';
import { delaySampler, type DelayLaws } from './delays';
import type { EngineStats } from './engine-markov';
import type { Measurement } from './measurement';

/** Races of the delay engine, counted as the cluster counts them. */
export interface DelayStats extends EngineStats {
  /** Jobs sent by a token that arrived after the server had withdrawn it (worker's raceWithdrawn). */
  raceWithdrawn: number;
  /** Withdrawals that reached the dispatcher after the token was used or replaced (dispatcher's staleWithdrawals). */
  staleWithdrawals: number;
  raceWithdrawnAtStart: number;
  staleWithdrawalsAtStart: number;
}

const enum Ev {
  Departure,
  /** A job reaches its server. */
  Job,
  /** A token reaches its dispatcher. */
  Place,
  /** A withdrawal reaches its dispatcher. */
  Withdraw,
  /** A probe reaches its dispatcher, which reads its I-queue length. */
  Probe,
  /** A probe's answer is back at its server. */
  ProbeAnswer,
}

/**
 * Messages in flight: a pool of event records in typed arrays (a free list recycles them), the
 * heap holding (time, record). Nothing is allocated per event once the arrays have grown.
 */
class EventPool {
  kind = new Int8Array(1024);
  server = new Int32Array(1024);
  /** Dispatcher (Job, Place, Withdraw), or probe index (Probe, ProbeAnswer). */
  other = new Int32Array(1024);
  /** Token epoch (Job by token, Place, Withdraw); -1 for a fallback job. */
  epoch = new Float64Array(1024);
  /** Job: the time it arrived at its dispatcher. */
  born = new Float64Array(1024);
  private free: number[] = [];
  private used = 0;

  alloc(kind: Ev, server: number, other: number, epoch: number, born: number): number {
    let id = this.free.pop();
    if (id === undefined) {
      if (this.used === this.kind.length) this.grow();
      id = this.used++;
    }
    this.kind[id] = kind;
    this.server[id] = server;
    this.other[id] = other;
    this.epoch[id] = epoch;
    this.born[id] = born;
    return id;
  }

  release(id: number): void {
    this.free.push(id);
  }

  private grow(): void {
    const c = this.kind.length * 2;
    const k = new Int8Array(c);
    k.set(this.kind);
    this.kind = k;
    const s = new Int32Array(c);
    s.set(this.server);
    this.server = s;
    const o = new Int32Array(c);
    o.set(this.other);
    this.other = o;
    const e = new Float64Array(c);
    e.set(this.epoch);
    this.epoch = e;
    const b = new Float64Array(c);
    b.set(this.born);
    this.born = b;
  }
}

/**
 * The event engine with messages in flight (the token policies; any job-size law and speeds).
 * It runs the cluster's protocol with a delay on each hop, following the worker and dispatcher
 * of packages/worker and packages/dispatcher:
 * - an arriving job takes a token from its dispatcher's I-queue (or falls back) at once, and
 *   reaches its server `assign` later; there it consumes the server's outstanding token if it
 *   carries it, counts raceBusy (by token, server busy) and raceWithdrawn (by token, the token
 *   had been withdrawn), and with withdrawals the server withdraws its outstanding token;
 * - a withdrawal reaches the dispatcher `withdraw` later, never before the token it withdraws
 *   (a server's places and withdrawals arrive in the order sent); a token already used (or
 *   replaced) makes it stale (staleWithdrawals);
 * - an idle server with no outstanding token (one-token rule) probes d dispatchers: each probe
 *   reads the I-queue length when it arrives, and its answer takes `probe` again to come back.
 *   With every answer in, the server places its token at the shortest (ties at random), unless
 *   it got a job meanwhile (then it places none until it is idle again, as the worker does).
 *   d = 1 sends no probe. The token joins the I-queue `place` later.
 * Response times are sojourns at the server (arrival there to departure), as the cluster
 * measures them; a job is measured by the time it arrived at its dispatcher.
 */
export function runDelayed(
  cluster: Cluster,
  meas: Measurement,
  rng: Sfc32,
  jobs: JobSizeDistribution,
  speeds: Float64Array | null,
  arrivalRate: number,
  m: number,
  laws: DelayLaws,
): DelayStats {
  const n = cluster.len.length;
  const d = cluster.placement.d;
  const workEnd = new Float64Array(n);
  const heap = new EventHeap(Math.max(1024, 4 * n));
  const pool = new EventPool();
  const placeDelay = delaySampler(laws.place, rng);
  const probeDelay = delaySampler(laws.probe, rng);
  const assignDelay = delaySampler(laws.assign, rng);
  const withdrawDelay = delaySampler(laws.withdraw, rng);
  const probing = new Uint8Array(n);
  const pending = new Int32Array(n);
  const probeTarget = new Int32Array(n * d);
  const probeLength = new Float64Array(n * d);
  const lengths = new Float64Array(d);
  // When the last place or withdrawal sent by each server arrives: a server's messages to its
  // dispatchers keep their order (one stream per link in the cluster; kept per server here), so
  // a withdrawal never overtakes the token it withdraws.
  const lastSent = new Float64Array(n).fill(-Infinity);
  const tokenAt = cluster.tokenAt;
  const epochOf = cluster.epoch;
  const oneToken = cluster.oneToken;
  const withdraw = cluster.withdraw;
  const len = cluster.len;
  let raceWithdrawn = 0;
  let staleWithdrawals = 0;
  let t = 0;

  const schedule = (delay: number, kind: Ev, server: number, other: number, epoch: number, born: number): void => {
    heap.push(t + delay, pool.alloc(kind, server, other, epoch, born));
  };

  /** Arrival time of a message server s sends now, after everything it sent before. */
  const inOrder = (s: number, delay: number): number => {
    let at = t + delay;
    const last = lastSent[s]!;
    if (at <= last) at = last + Math.max(1e-9, last * 1e-14);
    if (at > t) lastSent[s] = at;
    return at;
  };

  const sendToken = (s: number, i: number): void => {
    const e = (epochOf[s]! + 1) >>> 0;
    epochOf[s] = e;
    if (oneToken) tokenAt[s] = i;
    cluster.tokensPlaced++;
    const at = inOrder(s, placeDelay());
    if (at > t) heap.push(at, pool.alloc(Ev.Place, s, i, e, 0));
    else cluster.placeAt(i, s, e);
  };

  const probesBack = (s: number): void => {
    probing[s] = 0;
    // The worker's rule: a server that got a job while probing places no token now.
    if (len[s]! > 0 || (oneToken && tokenAt[s]! >= 0)) return;
    const base = s * d;
    for (let k = 0; k < d; k++) lengths[k] = probeLength[base + k]!;
    const k = pickShortest(lengths, d, rng);
    sendToken(s, probeTarget[base + k]!);
  };

  const probeArrives = (s: number, k: number): void => {
    const slot = s * d + k;
    probeLength[slot] = cluster.queues[probeTarget[slot]!]!.length;
    const back = probeDelay();
    if (back > 0) schedule(back, Ev.ProbeAnswer, s, k, 0, 0);
    else if ((pending[s] = pending[s]! - 1) === 0) probesBack(s);
  };

  const becameIdle = (s: number): void => {
    if (probing[s] || (oneToken && tokenAt[s]! >= 0)) return;
    if (d === 1 || laws.probe.mean === 0) {
      sendToken(s, cluster.placement.choose(m, rng, cluster.lengthOf));
      return;
    }
    const probes = cluster.placement.sampleProbes(m, rng);
    probing[s] = 1;
    pending[s] = d;
    for (let k = 0; k < d; k++) probeTarget[s * d + k] = probes[k]!;
    for (let k = 0; k < d; k++) {
      const go = probeDelay();
      if (go > 0) schedule(go, Ev.Probe, s, k, 0, 0);
      else probeArrives(s, k);
    }
  };

  const jobArrives = (s: number, from: number, epoch: number, born: number): void => {
    if (epoch >= 0) {
      if (tokenAt[s] === from && epochOf[s] === epoch) tokenAt[s] = -1;
      else if (withdraw) raceWithdrawn++;
      if (len[s]! > 0) cluster.tokenToBusy++;
    }
    if (withdraw && tokenAt[s]! >= 0) {
      const h = tokenAt[s]!;
      tokenAt[s] = -1;
      cluster.withdrawals++;
      const at = inOrder(s, withdrawDelay());
      if (at > t) heap.push(at, pool.alloc(Ev.Withdraw, s, h, epochOf[s]!, 0));
      else if (!cluster.withdrawAt(h, s, epochOf[s]!)) staleWithdrawals++;
    }
    if (cluster.arrive(s)) meas.wait(born);
    const size = jobs.sample(rng);
    const w = workEnd[s]!;
    const done = (w > t ? w : t) + (speeds ? size / speeds[s]! : size);
    workEnd[s] = done;
    heap.push(done, pool.alloc(Ev.Departure, s, 0, 0, 0));
    meas.response(born, done - t);
  };

  const start = meas.start;
  const end = meas.end;
  let measuring = start <= 0;
  if (measuring) cluster.startLevels(0);
  let withdrawalsAtStart = 0;
  let tokenToBusyAtStart = 0;
  let raceWithdrawnAtStart = 0;
  let staleWithdrawalsAtStart = 0;
  let events = 0;
  let nextArrival = rng.nextExp() / arrivalRate;
  for (;;) {
    const next = heap.topKey();
    t = next <= nextArrival ? next : nextArrival;
    if (t >= end) break;
    if (!measuring && t >= start) {
      measuring = true;
      cluster.startLevels(start);
      withdrawalsAtStart = cluster.withdrawals;
      tokenToBusyAtStart = cluster.tokenToBusy;
      raceWithdrawnAtStart = raceWithdrawn;
      staleWithdrawalsAtStart = staleWithdrawals;
    }
    cluster.now = t;
    events++;
    if (next <= nextArrival) {
      const id = heap.pop();
      const s = pool.server[id]!;
      const other = pool.other[id]!;
      const epoch = pool.epoch[id]!;
      const born = pool.born[id]!;
      const kind = pool.kind[id]! as Ev;
      pool.release(id);
      switch (kind) {
        case Ev.Departure:
          if (cluster.depart(s)) becameIdle(s);
          break;
        case Ev.Job:
          jobArrives(s, other, epoch, born);
          break;
        case Ev.Place:
          cluster.placeAt(other, s, epoch);
          break;
        case Ev.Withdraw:
          if (!cluster.withdrawAt(other, s, epoch)) staleWithdrawals++;
          break;
        case Ev.Probe:
          probeArrives(s, other);
          break;
        case Ev.ProbeAnswer:
          if ((pending[s] = pending[s]! - 1) === 0) probesBack(s);
          break;
      }
      continue;
    }
    const dispatcher = Math.floor(rng.next() * m);
    const s = cluster.tokenOrFallback(dispatcher);
    cluster.routed++;
    const epoch = cluster.byToken ? cluster.queues[dispatcher]!.poppedEpoch : -1;
    meas.arrival(t, cluster.foundEmpty, false, cluster.byToken, cluster.foundLength);
    const delay = assignDelay();
    if (delay > 0) schedule(delay, Ev.Job, s, dispatcher, epoch, t);
    else jobArrives(s, dispatcher, epoch, t);
    nextArrival = t + rng.nextExp() / arrivalRate;
  }
  cluster.now = end;
  if (!measuring) cluster.startLevels(end);
  cluster.endLevels(end);
  return { events, withdrawalsAtStart, tokenToBusyAtStart, raceWithdrawn, staleWithdrawals, raceWithdrawnAtStart, staleWithdrawalsAtStart };
}
