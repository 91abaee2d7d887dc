/**
 * The exact stationary solution of JIQ-SQ(d) with messages in flight, on a tiny system
 * (n <= 3 servers, m dispatchers, exponential job sizes of mean 1), written independently of
 * the simulator. With exponential delays every message in flight is one more exponential clock,
 * so the system stays a continuous-time Markov chain. Its state holds:
 * - per server: jobs there, the dispatcher holding its outstanding token as the server sees it
 *   (one-token rule) and that token's epoch, its probes in flight (request out, or answer
 *   back carrying the length read on arrival), and its places and withdrawals in flight, in
 *   the order sent (a message whose clock has run waits for the ones before it: the arrival of
 *   each is the later of its own delay and the previous one's arrival);
 * - per dispatcher: its I-queue, the ordered (server, epoch) tokens it holds;
 * - the jobs in flight (server, dispatcher, epoch of the token that sent it, or fallback).
 * Epochs are renumbered per server in each state (only their order and equality matter).
 * A delay mean of 0 makes that hop instantaneous (a waiting message still keeps its order).
 * Queues are truncated at `maxJobs` jobs at or in flight to a server (an arrival beyond is
 * lost), `maxInFlight` jobs in flight in all (a job beyond is delivered at once), and
 * `maxMessages` places and withdrawals in flight per server (a message beyond is lost); `boundaryMass` is the stationary probability of being
 * at either bound, which must be negligible. Solved by Gauss–Seidel.
 */
export interface DelayExactOptions {
  n: number;
  m: number;
  lambda: number;
  d: number;
  probe: 'distinct' | 'replace';
  withdraw: boolean;
  select: 'fcfs' | 'lcfs';
  /** Mean delay per hop (exponential), in units of the mean job size; 0 = instantaneous. */
  delays: { place: number; probe: number; assign: number; withdraw: number };
  maxJobs: number;
  /** Jobs in flight in the whole system. */
  maxInFlight: number;
  maxMessages: number;
  /** Refuse to enumerate more states (default 200k). */
  stateLimit?: number;
}

export interface DelayExactResult {
  q0: number;
  meanResponse: number;
  pWait: number;
  states: number;
  boundaryMass: number;
  iterations: number;
}

interface Probe {
  target: number;
  /** 0: request on its way; 1: answer on its way back (with L); 2: answer received. */
  stage: 0 | 1 | 2;
  L: number;
}
interface Msg {
  place: boolean;
  dispatcher: number;
  epoch: number;
  /** Its own delay has run: it arrives as soon as the messages before it have. */
  due: boolean;
}
interface Job {
  server: number;
  from: number;
  /** Epoch of the token that sent it; -1 for a fallback. */
  epoch: number;
}
interface State {
  len: number[];
  tokenAt: number[];
  epoch: number[];
  probes: (Probe[] | null)[];
  msgs: Msg[][];
  queues: { server: number; epoch: number }[][];
  jobs: Job[];
}

const clone = (s: State): State => ({
  len: [...s.len],
  tokenAt: [...s.tokenAt],
  epoch: [...s.epoch],
  probes: s.probes.map((p) => (p ? p.map((x) => ({ ...x })) : null)),
  msgs: s.msgs.map((l) => l.map((x) => ({ ...x }))),
  queues: s.queues.map((q) => q.map((x) => ({ ...x }))),
  jobs: s.jobs.map((j) => ({ ...j })),
});

/** Renumbers each server's epochs 0..k-1 (order kept), sorts the unordered parts, returns the key. */
function canonical(st: State): string {
  const n = st.len.length;
  // A job in flight by a token the server no longer sees as outstanding can never match it
  // again (epochs only grow): it will arrive like a fallback job, so it is labelled as one.
  for (const j of st.jobs) {
    if (j.epoch >= 0 && !(st.tokenAt[j.server] === j.from && st.epoch[j.server] === j.epoch)) {
      j.epoch = -1;
      j.from = -1;
    }
  }
  for (let s = 0; s < n; s++) {
    if (st.tokenAt[s]! < 0) st.epoch[s] = -1;
    const seen = new Set<number>();
    if (st.epoch[s]! >= 0) seen.add(st.epoch[s]!);
    for (const q of st.queues) for (const t of q) if (t.server === s) seen.add(t.epoch);
    for (const j of st.jobs) if (j.server === s && j.epoch >= 0) seen.add(j.epoch);
    for (const msg of st.msgs[s]!) seen.add(msg.epoch);
    const order = [...seen].sort((a, b) => a - b);
    const map = new Map(order.map((e, k) => [e, k]));
    if (st.epoch[s]! >= 0) st.epoch[s] = map.get(st.epoch[s]!)!;
    for (const q of st.queues) for (const t of q) if (t.server === s) t.epoch = map.get(t.epoch)!;
    for (const j of st.jobs) if (j.server === s && j.epoch >= 0) j.epoch = map.get(j.epoch)!;
    for (const msg of st.msgs[s]!) msg.epoch = map.get(msg.epoch)!;
  }
  st.jobs.sort((a, b) => a.server - b.server || a.from - b.from || a.epoch - b.epoch);
  for (const p of st.probes) p?.sort((a, b) => a.target - b.target || a.stage - b.stage || a.L - b.L);
  return JSON.stringify(st);
}

/** Probe sets with their probabilities: d-subsets (distinct) or d-tuples (replace). */
function probeSets(m: number, d: number, probe: 'distinct' | 'replace'): { set: number[]; p: number }[] {
  const sets: number[][] = [];
  const rec = (prefix: number[], from: number): void => {
    if (prefix.length === d) sets.push(prefix);
    else for (let i = probe === 'replace' ? 0 : from; i < m; i++) rec([...prefix, i], i + 1);
  };
  rec([], 0);
  return sets.map((set) => ({ set, p: 1 / sets.length }));
}

/** Index into lengths of the shortest, each tied position equally likely. */
function shortest(lengths: number[]): { k: number; p: number }[] {
  const min = Math.min(...lengths);
  const ties = lengths.flatMap((l, k) => (l === min ? [k] : []));
  return ties.map((k) => ({ k, p: 1 / ties.length }));
}

export function solveExactDelays(o: DelayExactOptions): DelayExactResult {
  const { n, m, lambda, d, delays, maxJobs, maxInFlight, maxMessages } = o;
  const rate = (mean: number): number => 1 / mean;

  type Outcome = { st: State; p: number };

  // --- the server's and the dispatcher's rules, on a state being built ---------------------
  const applyMsg = (x: State, s: number, msg: Msg): void => {
    const q = x.queues[msg.dispatcher]!;
    const at = q.findIndex((t) => t.server === s);
    if (msg.place) {
      if (at >= 0) q.splice(at, 1); // a newer token of the same server replaces it
      q.push({ server: s, epoch: msg.epoch });
    } else if (at >= 0 && q[at]!.epoch === msg.epoch) {
      q.splice(at, 1);
    }
  };
  const deliverDue = (x: State, s: number): void => {
    const list = x.msgs[s]!;
    while (list.length > 0 && list[0]!.due) applyMsg(x, s, list.shift()!);
  };
  const send = (x: State, s: number, msg: Msg, mean: number): void => {
    const list = x.msgs[s]!;
    if (mean === 0 && list.length === 0) return applyMsg(x, s, msg);
    if (list.length >= maxMessages) return; // truncation (boundary)
    list.push({ ...msg, due: mean === 0 });
  };
  const freshEpoch = (x: State, s: number): number => {
    let e = x.epoch[s]!;
    for (const q of x.queues) for (const t of q) if (t.server === s) e = Math.max(e, t.epoch);
    for (const j of x.jobs) if (j.server === s) e = Math.max(e, j.epoch);
    for (const msg of x.msgs[s]!) e = Math.max(e, msg.epoch);
    return e + 1;
  };
  const sendToken = (x: State, s: number, i: number): void => {
    const e = freshEpoch(x, s);
    x.tokenAt[s] = i;
    x.epoch[s] = e;
    send(x, s, { place: true, dispatcher: i, epoch: e, due: false }, delays.place);
  };
  const placeNow = (x: State, s: number): Outcome[] => {
    // No probe delay (or d = 1): the shortest of d I-queues as they are now.
    const lengths = x.queues.map((q) => q.length);
    const out: Outcome[] = [];
    for (const { set, p } of probeSets(m, d, o.probe)) {
      for (const { k, p: pk } of shortest(set.map((i) => lengths[i]!))) {
        const y = clone(x);
        sendToken(y, s, set[k]!);
        out.push({ st: y, p: p * pk });
      }
    }
    return out;
  };
  const becameIdle = (x: State, s: number): Outcome[] => {
    if (x.probes[s] || x.tokenAt[s]! >= 0) return [{ st: x, p: 1 }];
    if (d === 1 || delays.probe === 0) return placeNow(x, s);
    return probeSets(m, d, o.probe).map(({ set, p }) => {
      const y = clone(x);
      y.probes[s] = set.map((target) => ({ target, stage: 0, L: 0 }));
      return { st: y, p };
    });
  };
  const probesBack = (x: State, s: number): Outcome[] => {
    const probes = x.probes[s]!;
    x.probes[s] = null;
    if (x.len[s]! > 0 || x.tokenAt[s]! >= 0) return [{ st: x, p: 1 }];
    return shortest(probes.map((pr) => pr.L)).map(({ k, p }) => {
      const y = clone(x);
      sendToken(y, s, probes[k]!.target);
      return { st: y, p };
    });
  };
  /** A job reaches its server: returns whether it found the server busy. */
  const jobArrives = (x: State, job: Job): boolean => {
    const s = job.server;
    if (job.epoch >= 0 && x.tokenAt[s] === job.from && x.epoch[s] === job.epoch) x.tokenAt[s] = -1;
    if (o.withdraw && x.tokenAt[s]! >= 0) {
      const h = x.tokenAt[s]!;
      x.tokenAt[s] = -1;
      send(x, s, { place: false, dispatcher: h, epoch: x.epoch[s]!, due: false }, delays.withdraw);
    }
    const busy = x.len[s]! > 0;
    x.len[s]!++;
    return busy;
  };
  const inFlightTo = (x: State, s: number): number => x.jobs.reduce((a, j) => a + (j.server === s ? 1 : 0), 0);

  // --- enumeration --------------------------------------------------------------------------
  const index = new Map<string, number>();
  const states: State[] = [];
  const edges: { from: number; to: number; rate: number }[] = [];
  const waitFlux: number[] = [];
  const idOf = (st: State): number => {
    const key = canonical(st);
    let id = index.get(key);
    if (id === undefined) {
      id = states.length;
      index.set(key, id);
      states.push(JSON.parse(key) as State);
    }
    return id;
  };
  const init: State = {
    len: new Array<number>(n).fill(0),
    tokenAt: Array.from({ length: n }, (_, s) => s % m),
    epoch: new Array<number>(n).fill(0),
    probes: new Array<Probe[] | null>(n).fill(null),
    msgs: Array.from({ length: n }, () => []),
    queues: Array.from({ length: m }, (_, i) => Array.from({ length: n }, (_, s) => s).filter((s) => s % m === i).map((server) => ({ server, epoch: 0 }))),
    jobs: [],
  };
  idOf(init);

  for (let id = 0; id < states.length; id++) {
    const st = states[id]!;
    let flux = 0;
    const add = (to: State, r: number): void => {
      const j = idOf(to);
      if (j !== id && r > 0) edges.push({ from: id, to: j, rate: r });
    };
    // Arrivals: λn/m at each dispatcher; a token, or a uniformly random server.
    for (let i = 0; i < m; i++) {
      const r = (lambda * n) / m;
      const sends: { x: State; job: Job; p: number }[] = [];
      if (st.queues[i]!.length > 0) {
        const x = clone(st);
        const t = o.select === 'fcfs' ? x.queues[i]!.shift()! : x.queues[i]!.pop()!;
        sends.push({ x, job: { server: t.server, from: i, epoch: t.epoch }, p: 1 });
      } else {
        // (Where a fallback job comes from does not matter: from -1 keeps the state space small.)
        for (let s = 0; s < n; s++) sends.push({ x: clone(st), job: { server: s, from: -1, epoch: -1 }, p: 1 / n });
      }
      for (const { x, job, p } of sends) {
        if (x.len[job.server]! + inFlightTo(x, job.server) >= maxJobs) {
          // Truncation: the job is lost and nothing changes (its token stays; boundary).
        } else if (delays.assign === 0 || x.jobs.length >= maxInFlight) {
          // (Beyond maxInFlight a job is delivered at once rather than lost: the truncation then
          // shortens a rare delay instead of dropping load, and biases E[R] much less.)
          if (jobArrives(x, job)) flux += r * p;
          add(x, r * p);
        } else {
          x.jobs.push(job);
          add(x, r * p);
        }
      }
    }
    // Jobs in flight reach their servers.
    st.jobs.forEach((job, k) => {
      const x = clone(st);
      x.jobs.splice(k, 1);
      if (jobArrives(x, job)) flux += rate(delays.assign);
      add(x, rate(delays.assign));
    });
    // Services (rate 1): a server left idle places its token (probing first).
    for (let s = 0; s < n; s++) {
      if (st.len[s] === 0) continue;
      const x = clone(st);
      x.len[s]!--;
      if (x.len[s]! > 0) add(x, 1);
      else for (const out of becameIdle(x, s)) add(out.st, out.p);
    }
    // Places and withdrawals in flight.
    for (let s = 0; s < n; s++) {
      st.msgs[s]!.forEach((msg, k) => {
        if (msg.due) return;
        const x = clone(st);
        x.msgs[s]![k]!.due = true;
        deliverDue(x, s);
        add(x, rate(msg.place ? delays.place : delays.withdraw));
      });
    }
    // Probes: a request reads the I-queue length on arrival; the answer comes back.
    for (let s = 0; s < n; s++) {
      const probes = st.probes[s];
      if (!probes) continue;
      probes.forEach((pr, k) => {
        if (pr.stage === 2) return;
        const x = clone(st);
        const y = x.probes[s]![k]!;
        if (pr.stage === 0) {
          y.stage = 1;
          y.L = x.queues[pr.target]!.length;
          add(x, rate(delays.probe));
          return;
        }
        y.stage = 2;
        if (x.probes[s]!.every((q) => q.stage === 2)) for (const out of probesBack(x, s)) add(out.st, rate(delays.probe) * out.p);
        else add(x, rate(delays.probe));
      });
    }
    waitFlux[id] = flux;
    if (states.length > (o.stateLimit ?? 200_000)) throw new Error(`exact chain with delays: more than ${o.stateLimit ?? 200_000} states; make the system smaller; last ${JSON.stringify(states[states.length - 1])}`);
  }

  // Gauss–Seidel on πQ = 0 over incoming edges.
  const N = states.length;
  const out = new Float64Array(N);
  const inStart = new Int32Array(N + 1);
  for (const e of edges) {
    out[e.from]! += e.rate;
    inStart[e.to + 1]!++;
  }
  for (let j = 0; j < N; j++) inStart[j + 1]! += inStart[j]!;
  const inFrom = new Int32Array(edges.length);
  const inRate = new Float64Array(edges.length);
  const fill = inStart.slice(0, N);
  for (const e of edges) {
    const k = fill[e.to]!++;
    inFrom[k] = e.from;
    inRate[k] = e.rate;
  }
  const pi = new Float64Array(N).fill(1 / N);
  let iterations = 0;
  for (; iterations < 20000; iterations++) {
    let change = 0;
    for (let j = 0; j < N; j++) {
      let acc = 0;
      for (let k = inStart[j]!; k < inStart[j + 1]!; k++) acc += pi[inFrom[k]!]! * inRate[k]!;
      const v = acc / out[j]!;
      change = Math.max(change, Math.abs(v - pi[j]!) / (v + 1e-300));
      pi[j] = v;
    }
    let total = 0;
    for (let j = 0; j < N; j++) total += pi[j]!;
    for (let j = 0; j < N; j++) pi[j]! /= total;
    if (change < 1e-10 && iterations > 10) break;
  }

  let q0 = 0;
  let jobs = 0;
  let pWait = 0;
  let boundary = 0;
  for (let j = 0; j < N; j++) {
    const st = states[j]!;
    const p = pi[j]!;
    q0 += (p * st.queues.filter((q) => q.length === 0).length) / m;
    for (let s = 0; s < n; s++) jobs += p * st.len[s]!;
    pWait += p * waitFlux[j]!;
    const full =
      st.len.some((l, s) => l + inFlightTo(st, s) >= maxJobs) || st.jobs.length >= maxInFlight || st.msgs.some((l) => l.length >= maxMessages);
    if (full) boundary += p;
  }
  return { q0, meanResponse: jobs / (lambda * n), pWait: pWait / (lambda * n), states: N, boundaryMass: boundary, iterations };
}
