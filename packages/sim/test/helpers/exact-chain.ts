/**
 * The exact stationary solution of the full Markov chain of JIQ-SQ(d) on a small system
 * (n <= 4 servers, m dispatchers), written independently of the simulator: states are
 * enumerated from an initial state by following every transition, and πQ = 0 is solved by
 * Gauss–Seidel. A state holds, per server, its number of jobs and the phase of the job in
 * service (phase-type sizes), and per dispatcher the ordered list of servers whose tokens it
 * holds (oldest first). One-token rule: a server places a token on becoming idle only if it has
 * none outstanding. Queues are truncated at `maxJobs` (an arrival to a full server is lost);
 * `boundaryMass` reports the stationary probability of a full server, which must be negligible.
 */
export interface ExactOptions {
  n: number;
  m: number;
  lambda: number;
  d: number;
  probe: 'distinct' | 'replace';
  withdraw: boolean;
  select: 'fcfs' | 'lcfs';
  /** Phase-type job sizes (α, T); mean 1. */
  alpha: readonly number[];
  T: readonly (readonly number[])[];
  maxJobs: number;
}

export interface ExactResult {
  q0: number;
  meanResponse: number;
  pWait: number;
  states: number;
  boundaryMass: number;
  iterations: number;
}

interface State {
  len: number[];
  phase: number[]; // -1 when idle
  lists: number[][];
}

const keyOf = (s: State): string => `${s.len.join(',')}|${s.phase.join(',')}|${s.lists.map((l) => l.join(',')).join(';')}`;

const clone = (s: State): State => ({ len: [...s.len], phase: [...s.phase], lists: s.lists.map((l) => [...l]) });

/** Probability that an idle server places its token at each dispatcher, given I-queue lengths. */
function placementProbabilities(lengths: number[], d: number, probe: 'distinct' | 'replace'): number[] {
  const m = lengths.length;
  const p = new Array<number>(m).fill(0);
  const probes: number[][] = [];
  if (d === 1) {
    for (let i = 0; i < m; i++) probes.push([i]);
  } else if (probe === 'replace') {
    const rec = (prefix: number[]): void => {
      if (prefix.length === d) probes.push(prefix);
      else for (let i = 0; i < m; i++) rec([...prefix, i]);
    };
    rec([]);
  } else {
    const rec = (prefix: number[], from: number): void => {
      if (prefix.length === d) probes.push(prefix);
      else for (let i = from; i < m; i++) rec([...prefix, i], i + 1);
    };
    rec([], 0);
  }
  for (const seq of probes) {
    const min = Math.min(...seq.map((i) => lengths[i]!));
    const ties = seq.filter((i) => lengths[i] === min);
    // Ties are broken uniformly over the probe positions (a repeated dispatcher counts twice).
    for (const i of ties) p[i]! += 1 / probes.length / ties.length;
  }
  return p;
}

export function solveExact(o: ExactOptions): ExactResult {
  const { n, m, lambda, alpha, T, maxJobs } = o;
  const K = alpha.length;
  const exit = T.map((row) => -row.reduce((a, b) => a + b, 0));

  const index = new Map<string, number>();
  const states: State[] = [];
  const edges: { from: number; to: number; rate: number }[] = [];

  const init: State = { len: new Array<number>(n).fill(0), phase: new Array<number>(n).fill(-1), lists: [] };
  for (let i = 0; i < m; i++) init.lists.push([]);
  for (let s = 0; s < n; s++) init.lists[s % m]!.push(s);
  const idOf = (s: State): number => {
    const k = keyOf(s);
    let id = index.get(k);
    if (id === undefined) {
      id = states.length;
      index.set(k, id);
      states.push(s);
    }
    return id;
  };
  idOf(init);

  // Successors of a state after a job joins server s, with probabilities (service may start).
  const addJob = (st: State, s: number): { st: State; p: number }[] => {
    if (st.len[s] === maxJobs) return [{ st, p: 1 }]; // truncation: the job is lost
    if (st.len[s]! > 0) {
      const x = clone(st);
      x.len[s]!++;
      return [{ st: x, p: 1 }];
    }
    const out: { st: State; p: number }[] = [];
    for (let k = 0; k < K; k++) {
      if (alpha[k] === 0) continue;
      const x = clone(st);
      x.len[s] = 1;
      x.phase[s] = k;
      out.push({ st: x, p: alpha[k]! });
    }
    return out;
  };
  const tokenHolder = (st: State, s: number): number => st.lists.findIndex((l) => l.includes(s));

  for (let id = 0; id < states.length; id++) {
    const st = states[id]!;
    const add = (to: State, rate: number): void => {
      const j = idOf(to);
      if (j !== id && rate > 0) edges.push({ from: id, to: j, rate });
    };
    // Arrivals, λn/m at each dispatcher.
    for (let i = 0; i < m; i++) {
      const rate = (lambda * n) / m;
      const list = st.lists[i]!;
      if (list.length > 0) {
        const x = clone(st);
        const s = o.select === 'fcfs' ? x.lists[i]!.shift()! : x.lists[i]!.pop()!;
        for (const r of addJob(x, s)) add(r.st, rate * r.p);
      } else {
        for (let s = 0; s < n; s++) {
          const x = clone(st);
          if (o.withdraw) {
            const h = tokenHolder(x, s);
            if (h >= 0) x.lists[h] = x.lists[h]!.filter((v) => v !== s);
          }
          for (const r of addJob(x, s)) add(r.st, (rate / n) * r.p);
        }
      }
    }
    // Service: phase changes and completions.
    for (let s = 0; s < n; s++) {
      const k = st.phase[s]!;
      if (k < 0) continue;
      for (let j = 0; j < K; j++) {
        if (j === k || T[k]![j] === 0) continue;
        const x = clone(st);
        x.phase[s] = j;
        add(x, T[k]![j]!);
      }
      if (exit[k]! <= 0) continue;
      const x = clone(st);
      x.len[s]!--;
      x.phase[s] = -1;
      if (x.len[s]! > 0) {
        for (let j = 0; j < K; j++) {
          if (alpha[j] === 0) continue;
          const y = clone(x);
          y.phase[s] = j;
          add(y, exit[k]! * alpha[j]!);
        }
        continue;
      }
      if (tokenHolder(x, s) >= 0) {
        if (o.withdraw) throw new Error('with withdrawals an idle server has no outstanding token');
        add(x, exit[k]!);
        continue;
      }
      const probs = placementProbabilities(
        x.lists.map((l) => l.length),
        o.d,
        o.probe,
      );
      for (let i = 0; i < m; i++) {
        if (probs[i] === 0) continue;
        const y = clone(x);
        y.lists[i]!.push(s);
        add(y, exit[k]! * probs[i]!);
      }
    }
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
    if (change < 1e-11 && iterations > 10) break;
  }

  let q0 = 0;
  let jobs = 0;
  let busy = 0;
  let boundary = 0;
  for (let j = 0; j < N; j++) {
    const st = states[j]!;
    const p = pi[j]!;
    q0 += (p * st.lists.filter((l) => l.length === 0).length) / m;
    for (let s = 0; s < n; s++) {
      jobs += p * st.len[s]!;
      if (st.len[s]! > 0) busy += p;
    }
    if (st.len.some((l) => l === maxJobs)) boundary += p;
  }
  // P(wait > 0): an arrival (PASTA at a uniform dispatcher) is sent to a busy server.
  let pWait = 0;
  for (let j = 0; j < N; j++) {
    const st = states[j]!;
    for (let i = 0; i < m; i++) {
      const list = st.lists[i]!;
      if (list.length > 0) {
        const s = o.select === 'fcfs' ? list[0]! : list[list.length - 1]!;
        if (st.len[s]! > 0) pWait += pi[j]! / m;
      } else {
        pWait += (pi[j]! / m) * (st.len.filter((l) => l > 0).length / n);
      }
    }
  }
  void busy;
  return { q0, meanResponse: jobs / (lambda * n), pWait, states: N, boundaryMass: boundary, iterations };
}
