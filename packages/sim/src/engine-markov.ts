import type { PhaseType, Sfc32 } from '@jiq/core';
import type { Cluster } from './cluster';
import { JobFifo } from './job-fifo';
import type { Measurement } from './measurement';

export interface EngineStats {
  events: number;
  /** Cumulative cluster counters at the start of measurement. */
  withdrawalsAtStart: number;
  tokenToBusyAtStart: number;
}

/**
 * The Markov engine, for phase-type job sizes (exp, erlang, hyperexp, ph) on servers of equal
 * speed: it simulates the continuous-time Markov chain directly, with no event list. Every
 * busy server is in one service phase k; the state changes at total rate
 * λn + Σ_k μ_k · (servers in phase k), the next event is an arrival or a phase change of a
 * uniformly chosen server of the chosen phase (kept in dense per-phase sets, O(1) updates).
 * Each server's FIFO of arrival times gives the response time of a departing job.
 */
export function runMarkov(cluster: Cluster, meas: Measurement, rng: Sfc32, ph: PhaseType, arrivalRate: number, m: number): EngineStats {
  if (ph.alpha.length === 1 && ph.alpha[0] === 1) return runMarkovExp(cluster, meas, rng, -ph.T[0]![0]!, arrivalRate, m);
  const n = cluster.len.length;
  const K = ph.alpha.length;
  const mu = Float64Array.from({ length: K }, (_, k) => -ph.T[k]![k]!);
  const alphaCum = new Float64Array(K);
  let acc = 0;
  for (let k = 0; k < K; k++) alphaCum[k] = acc += ph.alpha[k]!;
  // jump[k*(K+1) + j]: cumulative probability of moving from phase k to phase <= j (j = K: done).
  const jump = new Float64Array(K * (K + 1));
  for (let k = 0; k < K; k++) {
    let c = 0;
    for (let j = 0; j < K; j++) {
      if (j !== k) c += ph.T[k]![j]! / mu[k]!;
      jump[k * (K + 1) + j] = c;
    }
    jump[k * (K + 1) + K] = 1;
  }
  const members = new Int32Array(K * n); // phase k's servers at members[k*n .. k*n + count[k])
  const count = new Int32Array(K);
  const where = new Int32Array(n); // a busy server's index within its phase set
  const phase = new Int32Array(n);
  const fifo = new JobFifo(n);
  const len = cluster.len;

  const enter = (s: number, k: number): void => {
    const i = count[k]!;
    members[k * n + i] = s;
    where[s] = i;
    phase[s] = k;
    count[k] = i + 1;
  };
  const leave = (s: number): void => {
    const k = phase[s]!;
    const last = count[k]! - 1;
    const moved = members[k * n + last]!;
    const i = where[s]!;
    members[k * n + i] = moved;
    where[moved] = i;
    count[k] = last;
  };

  let t = 0;
  let events = 0;
  const start = meas.start;
  const end = meas.end;
  let measuring = start <= 0;
  if (measuring) cluster.startLevels(0);
  let withdrawalsAtStart = 0;
  let tokenToBusyAtStart = 0;
  const mPerRate = m / arrivalRate;

  // Deterministic first phase (exp, erlang): no draw needed.
  const firstPhase = alphaCum[0]! >= 1 ? 0 : -1;
  // A job starts service at s (s busy) at time now: pick its first phase; a zero-size job
  // leaves at once. (Time is a parameter, not captured: a captured, mutated double is boxed.)
  const startService = (s: number, now: number): void => {
    for (;;) {
      let k = firstPhase;
      if (k < 0) {
        const u = rng.next();
        k = 0;
        while (k < K && u >= alphaCum[k]!) k++;
      }
      if (k < K) {
        enter(s, k);
        return;
      }
      const arrival = fifo.arrivalOf(fifo.shift(s));
      meas.response(arrival, now - arrival);
      if (cluster.complete(s)) return;
    }
  };

  for (;;) {
    let busyRate = 0;
    for (let k = 0; k < K; k++) busyRate += mu[k]! * count[k]!;
    const rate = arrivalRate + busyRate;
    t += rng.nextExp() / rate;
    if (t >= end) break;
    if (!measuring && t >= start) {
      measuring = true;
      cluster.startLevels(start);
      withdrawalsAtStart = cluster.withdrawals;
      tokenToBusyAtStart = cluster.tokenToBusy;
    }
    cluster.now = t;
    events++;
    let v = rng.next() * rate;
    if (v < arrivalRate) {
      const s = cluster.route((v * mPerRate) | 0);
      meas.arrival(t, cluster.foundEmpty, cluster.waited, cluster.byToken, cluster.foundLength);
      fifo.push(s, t);
      if (len[s] === 1) startService(s, t);
      continue;
    }
    v -= arrivalRate;
    let k = 0;
    while (k < K - 1 && v >= mu[k]! * count[k]!) {
      v -= mu[k]! * count[k]!;
      k++;
    }
    const c = count[k]!;
    let i = (v / mu[k]!) | 0;
    if (i >= c) i = c - 1;
    const s = members[k * n + i]!;
    let next = K;
    if (K > 1) {
      const u = rng.next();
      const base = k * (K + 1);
      next = 0;
      while (next < K && u >= jump[base + next]!) next++;
    }
    leave(s);
    if (next < K) {
      enter(s, next);
      continue;
    }
    const arrival = fifo.arrivalOf(fifo.shift(s));
    meas.response(arrival, t - arrival);
    if (!cluster.complete(s)) startService(s, t);
  }
  cluster.now = end;
  if (!measuring) cluster.startLevels(end);
  cluster.endLevels(end);
  return { events, withdrawalsAtStart, tokenToBusyAtStart };
}

/**
 * The same chain for exponential sizes (rate μ), the common case, specialised: one dense set of
 * busy servers, total rate λn + μ·busy, no phases.
 */
function runMarkovExp(cluster: Cluster, meas: Measurement, rng: Sfc32, mu: number, arrivalRate: number, m: number): EngineStats {
  const n = cluster.len.length;
  const busySet = new Int32Array(n);
  let busy = 0;
  // Arrival time of the job in service at each busy server; the jobs waiting behind it in
  // per-server FIFOs (JobFifo's layout, inlined: per-server linked lists over pooled nodes with
  // a free list). Most jobs find their server idle and never touch a list. Inlined because this
  // loop runs ~10^7 times a second and V8 inlines calls only up to a bytecode budget, which the
  // RNG, the measurement and the routing already use.
  const inService = new Float64Array(n);
  const head = new Int32Array(n).fill(-1);
  const tail = new Int32Array(n).fill(-1);
  let next = new Int32Array(Math.max(1024, 2 * n));
  let time = new Float64Array(next.length);
  let free = -1;
  let used = 0;
  const len = cluster.len;
  const start = meas.start;
  const end = meas.end;
  let measuring = start <= 0;
  if (measuring) cluster.startLevels(0);
  let withdrawalsAtStart = 0;
  let tokenToBusyAtStart = 0;
  const mPerRate = m / arrivalRate;
  let t = 0;
  let events = 0;
  for (;;) {
    const rate = arrivalRate + mu * busy;
    t += rng.nextExp() / rate;
    if (t >= end) break;
    if (!measuring && t >= start) {
      measuring = true;
      cluster.startLevels(start);
      withdrawalsAtStart = cluster.withdrawals;
      tokenToBusyAtStart = cluster.tokenToBusy;
    }
    cluster.now = t;
    events++;
    const v = rng.next() * rate;
    if (v < arrivalRate) {
      const s = cluster.route((v * mPerRate) | 0);
      meas.arrival(t, cluster.foundEmpty, cluster.waited, cluster.byToken, cluster.foundLength);
      if (len[s] === 1) {
        inService[s] = t;
        busySet[busy++] = s;
        continue;
      }
      let node = free;
      if (node >= 0) free = next[node]!;
      else {
        if (used === next.length) {
          const n2 = new Int32Array(2 * used);
          n2.set(next);
          next = n2;
          const t2 = new Float64Array(2 * used);
          t2.set(time);
          time = t2;
        }
        node = used++;
      }
      time[node] = t;
      next[node] = -1;
      const last = tail[s]!;
      if (last >= 0) next[last] = node;
      else head[s] = node;
      tail[s] = node;
      continue;
    }
    let i = ((v - arrivalRate) / mu) | 0;
    if (i >= busy) i = busy - 1;
    const s = busySet[i]!;
    const arrival = inService[s]!;
    meas.response(arrival, t - arrival);
    if (cluster.complete(s)) {
      busySet[i] = busySet[--busy]!;
      continue;
    }
    // The next waiting job starts service.
    const node = head[s]!;
    const nx = next[node]!;
    head[s] = nx;
    if (nx < 0) tail[s] = -1;
    next[node] = free;
    free = node;
    inService[s] = time[node]!;
  }
  cluster.now = end;
  if (!measuring) cluster.startLevels(end);
  cluster.endLevels(end);
  return { events, withdrawalsAtStart, tokenToBusyAtStart };
}
