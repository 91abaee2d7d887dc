import type { PhaseType } from '@jiq/core';
import { addScaled, identity, inverse, luFactor, luSolveLeft, mul, stationary, vecMul, zeros, type Mat } from '../linalg';
import { addInPlace, mulSparseRight } from './blocks';
import { solveQbd } from './qbd';
import { solveTokenCycle, tokenCycleRate, tokenCycleTerms } from './token-cycle';
import type { TokenChain } from './token-model';

/**
 * The server's Markov chain at a given q0 (the QBD (21) of Section 6.3, and its LCFS variant
 * of Section 6.4): states (i, j, φ) with i jobs (0..B), token position j (0 = no token,
 * 1..K) and service phase φ; an idle server always has a token, so (0, j) has no phase and
 * j ≥ 1. Transitions:
 *   - an arrival at an empty dispatcher, rate λq0: i → i + 1 (a new job picks its phase by α);
 *   - the token is used, rate `use` from j = 1: i → i + 1, j → 0;
 *   - the token moves forward (j → j − 1, j ≥ 2) or is pushed back (LCFS, j → j + 1);
 *   - phase changes T and completions t*: i → i − 1; a server that empties without a token
 *     places one at position j with probability place_j.
 * The queue is truncated at B jobs (arrivals beyond B are dropped; B is chosen so that the mass
 * there is negligible and checked afterwards).
 *
 * The chain is level-structured in either direction: with levels i (the paper's QBD (21),
 * level size (K+1)m) or with levels j (the "flipped" chain of eqs. (22)–(25), level size
 * Bm + 1, where level 0 — no token — feeds every position by token placement). Methods:
 *   - jobs-qbd: the paper's QBD, matrix-geometric in i (no queue truncation), R by
 *     logarithmic reduction (see qbd.ts);
 *   - positions-qbd: for LCFS with d = 1 the flipped chain is level-independent too, so it is
 *     a QBD in j — no truncation of the positions, which is what d = 1 needs;
 *   - token-cycle: the same chain as positions-qbd, by one regeneration cycle of the token
 *     (token-cycle.ts) — a scalar series and sparse vector products, no dense level matrices;
 *   - positions-finite / jobs-finite: both directions truncated, solved exactly by linear
 *     level reduction (the flipped FCFS chain, where placement feeds every level, eq. (23)).
 * The cheapest applicable method is used (see methodCosts); tests check that they agree.
 */
export type ChainMethod = 'jobs-qbd' | 'positions-qbd' | 'token-cycle' | 'jobs-finite' | 'positions-finite';

export interface ServerChainInput {
  ph: PhaseType;
  /** λq0: rate of jobs sent at random to this server. */
  nu: number;
  tokens: TokenChain;
  /** Queue truncation (used by the methods that truncate the queue). */
  B: number;
  /** Whether the position chain is level-independent (LCFS with d = 1), which allows positions-qbd. */
  homogeneousPositions?: boolean;
  method?: ChainMethod;
}

export interface ServerChainSolution {
  method: ChainMethod;
  /** P(i jobs), i = 0..B (for jobs-qbd only P(0); see expandQueueLength). */
  queueLength: Float64Array;
  /** jobs-qbd: the whole law, P(i) until the tail is below 1e-14, computed on demand. */
  expandQueueLength?: () => Float64Array;
  /** Whether the queue was truncated at B (then queueLength[B] must be negligible). */
  truncated: boolean;
  /** P(idle) = Σ_j π(0, j). */
  idle: number;
  /** Mean number of jobs at the server. */
  meanJobs: number;
  /** Rate at which this server's tokens are used (jobs that arrive by token). */
  tokenUseRate: number;
  /** Rate of jobs that arrive at a busy server (random ones and those sent by token). */
  busyArrivalRate: number;
  /** Probability that the server has a token outstanding. */
  hasToken: number;
  /** Level size of the method used, and logarithmic-reduction iterations (QBD methods) or series terms (token-cycle). */
  levelSize: number;
  iterations: number;
}

interface Layout {
  levels: number;
  size: (level: number) => number;
  /** Level and local index of (i, j, φ); φ is ignored when i = 0. */
  locate: (i: number, j: number, phi: number) => [number, number];
}

function layout(orientation: 'jobs' | 'positions', B: number, K: number, m: number): Layout {
  if (orientation === 'jobs') {
    return {
      levels: B + 1,
      size: (l) => (l === 0 ? K : (K + 1) * m),
      locate: (i, j, phi) => (i === 0 ? [0, j - 1] : [i, j * m + phi]),
    };
  }
  return {
    levels: K + 1,
    size: (l) => (l === 0 ? B * m : 1 + B * m),
    locate: (i, j, phi) => (j === 0 ? [0, (i - 1) * m + phi] : [j, i === 0 ? 0 : 1 + (i - 1) * m + phi]),
  };
}

/** Rough cost (flops) of each method; the cheapest applicable one is used. */
export function methodCosts(
  B: number,
  tokens: TokenChain,
  m: number,
  homogeneousPositions: boolean,
  ph?: PhaseType,
  nu?: number,
): Partial<Record<ChainMethod, number>> {
  const K = tokens.K;
  const border = tokens.place.length > 1 ? 2 : 1;
  const nJobs = (K + 1) * m;
  const nPos = B * m + 1;
  const costs: Partial<Record<ChainMethod, number>> = {
    'jobs-qbd': 60 * nJobs ** 3,
    'positions-finite': (K + 1) * 4 * border * nPos ** 3,
  };
  if (homogeneousPositions) {
    costs['positions-qbd'] = 60 * nPos ** 3;
    const a = tokens.push[0] ?? 0;
    const b = tokens.forward;
    if (tokens.use === b && b > a && nu !== undefined && ph !== undefined) {
      // series terms² (the convolution for c_n) + terms·nnz(P) + the busy-period solve
      const { terms } = tokenCycleTerms(a, b, tokenCycleRate(ph, nu));
      costs['token-cycle'] = terms * terms + 2 * terms * nPos * (2 * m + 2) + 20 * B * m ** 3;
    }
  }
  return costs;
}

interface Blocks {
  L: Layout;
  diag: Mat[];
  up: Mat[];
  down: Mat[];
  border: (Mat | undefined)[];
}

function buildBlocks(orientation: 'jobs' | 'positions', ph: PhaseType, nu: number, tokens: TokenChain, B: number): Blocks {
  const m = ph.alpha.length;
  const K = tokens.K;
  const L = layout(orientation, B, K, m);
  const nLevels = L.levels;
  // blocks: diag[l], up[l] (l → l+1), down[l] (l → l−1), border[l] (0 → l, l ≥ 2)
  const diag: Mat[] = [];
  const up: Mat[] = [];
  const down: Mat[] = [];
  const border: (Mat | undefined)[] = [];
  for (let l = 0; l < nLevels; l++) {
    diag.push(zeros(L.size(l), L.size(l)));
    up.push(zeros(L.size(l), l + 1 < nLevels ? L.size(l + 1) : 0));
    down.push(zeros(L.size(l), l > 0 ? L.size(l - 1) : 0));
    border.push(undefined);
  }
  const add = (i: number, j: number, phi: number, i2: number, j2: number, phi2: number, rate: number): void => {
    if (rate === 0) return;
    const [la, a] = L.locate(i, j, phi);
    const [lb, b] = L.locate(i2, j2, phi2);
    const D = diag[la]!;
    D.a[a * D.cols + a]! -= rate;
    let M: Mat;
    if (lb === la) M = D;
    else if (lb === la + 1) M = up[la]!;
    else if (lb === la - 1) M = down[la]!;
    else if (la === 0) M = border[lb] ??= zeros(L.size(0), L.size(lb));
    else throw new Error(`server chain: no block from level ${la} to ${lb}`);
    M.a[a * M.cols + b]! += rate;
  };
  const alpha = ph.alpha;
  const T = ph.T;
  const tStar = T.map((row) => -row.reduce((s, v) => s + v, 0));
  const { use, forward, push, place } = tokens;
  // idle states (0, j)
  for (let j = 1; j <= K; j++) {
    for (let p = 0; p < m; p++) {
      add(0, j, 0, 1, j, p, nu * alpha[p]!);
      if (j === 1) add(0, j, 0, 1, 0, p, use * alpha[p]!);
    }
    if (j >= 2) add(0, j, 0, 0, j - 1, 0, forward);
    if (j < K) add(0, j, 0, 0, j + 1, 0, push[j - 1]!);
  }
  // busy states (i, j, φ)
  for (let i = 1; i <= B; i++) {
    for (let j = 0; j <= K; j++) {
      for (let p = 0; p < m; p++) {
        if (i < B) add(i, j, p, i + 1, j, p, nu);
        if (j === 1) add(i, j, p, Math.min(i + 1, B), 0, p, use);
        if (j >= 2) add(i, j, p, i, j - 1, p, forward);
        if (j >= 1 && j < K) add(i, j, p, i, j + 1, p, push[j - 1]!);
        for (let q = 0; q < m; q++) if (q !== p) add(i, j, p, i, j, q, T[p]![q]!);
        const t = tStar[p]!;
        if (i >= 2) {
          for (let q = 0; q < m; q++) add(i, j, p, i - 1, j, q, t * alpha[q]!);
        } else if (j >= 1) {
          add(i, j, p, 0, j, 0, t);
        } else {
          for (let jj = 1; jj <= K; jj++) add(i, j, p, 0, jj, 0, t * place[jj - 1]!);
        }
      }
    }
  }
  return { L, diag, up, down, border };
}

export function solveServerChain(input: ServerChainInput): ServerChainSolution {
  const m = input.ph.alpha.length;
  let method = input.method;
  if (!method) {
    const costs = methodCosts(input.B, input.tokens, m, input.homogeneousPositions === true, input.ph, input.nu);
    method = (Object.keys(costs) as ChainMethod[]).reduce((a, b) => (costs[b]! < costs[a]! ? b : a));
  }
  switch (method) {
    case 'jobs-qbd':
      return solveJobsQbd(input);
    case 'positions-qbd':
      return solvePositionsQbd(input);
    case 'token-cycle':
      return solveByTokenCycle(input);
    default:
      return solveFinite(input, method === 'jobs-finite' ? 'jobs' : 'positions');
  }
}

/** Truncated in both directions, solved by linear level reduction (exact for the truncated chain). */
function solveFinite(input: ServerChainInput, orientation: 'jobs' | 'positions'): ServerChainSolution {
  const { ph, nu, tokens, B } = input;
  const m = ph.alpha.length;
  const K = tokens.K;
  const { L, diag, up, down, border } = buildBlocks(orientation, ph, nu, tokens, B);
  const pi = levelReduction(diag, up, down, border);
  const queueLength = new Float64Array(B + 1);
  let hasToken = 0;
  let atOne = 0; // P(j = 1)
  let busyAtOne = 0; // P(i ≥ 1, j = 1)
  for (let i = 0; i <= B; i++) {
    for (let j = i === 0 ? 1 : 0; j <= K; j++) {
      for (let p = 0; p < (i === 0 ? 1 : m); p++) {
        const [l, x] = L.locate(i, j, p);
        const v = pi[l]![x]!;
        queueLength[i]! += v;
        if (j >= 1) hasToken += v;
        if (j === 1) {
          atOne += v;
          if (i >= 1) busyAtOne += v;
        }
      }
    }
  }
  return summarise(orientation === 'jobs' ? 'jobs-finite' : 'positions-finite', input, queueLength, true, hasToken, atOne, busyAtOne, Math.max(L.size(0), L.size(1)), 0);
}

/** The paper's QBD (21): levels = jobs (no queue truncation), phases = (token position, service phase). */
function solveJobsQbd(input: ServerChainInput): ServerChainSolution {
  const { ph, nu, tokens } = input;
  const m = ph.alpha.length;
  const K = tokens.K;
  const n = (K + 1) * m;
  // a chain with 3 job levels holds every distinct block: B0, B1, C, A0 (level 1), A1, A−1
  const { diag, up, down } = buildBlocks('jobs', ph, nu, tokens, 3);
  const q = solveQbd(diag[0]!, up[0]!, down[1]!, diag[1]!, up[1]!, down[2]!);
  // S = π1·(I − R)⁻¹ = Σ_{i≥1} π_i
  const IR = luFactor(addScaled(identity(n), q.R, -1));
  const S = luSolveLeft(IR, q.pi1);
  const S2 = luSolveLeft(IR, S);
  let idle = 0;
  for (let x = 0; x < K; x++) idle += q.pi0[x]!;
  let hasToken = idle;
  for (let x = m; x < n; x++) hasToken += S[x]!;
  let busyAtOne = 0;
  for (let p = 0; p < m; p++) busyAtOne += S[m + p]!;
  const atOne = q.pi0[0]! + busyAtOne;
  let meanJobs = 0;
  for (let x = 0; x < n; x++) meanJobs += S2[x]!;
  const res = summarise('jobs-qbd', input, Float64Array.of(idle), false, hasToken, atOne, busyAtOne, n, q.iterations);
  // the queue-length law P(i) = π1·R^(i−1)·1 can take 1e5 terms at high load: expanded on demand
  res.expandQueueLength = () => {
    const ql: number[] = [idle];
    let v = q.pi1;
    let rest = 1 - idle;
    while (rest > 1e-14 && ql.length < 1_000_000) {
      let s = 0;
      for (let x = 0; x < n; x++) s += v[x]!;
      ql.push(s);
      rest -= s;
      if (s < 1e-300) break;
      v = vecMul(v, q.R);
    }
    return Float64Array.from(ql);
  };
  res.meanJobs = meanJobs;
  return res;
}

/**
 * LCFS with d = 1: the position of a token is a birth–death chain with constant rates (pushed
 * back at λ(1 − q0)r, forward at λr), so the flipped chain (levels = positions, phases = jobs
 * truncated at B) is itself a level-independent QBD — no truncation of the positions at all.
 */
function solvePositionsQbd(input: ServerChainInput): ServerChainSolution {
  const { ph, nu, tokens, B } = input;
  const m = ph.alpha.length;
  const a = tokens.push[0] ?? 0;
  const homogeneous: TokenChain = {
    K: 3,
    use: tokens.use,
    forward: tokens.forward,
    push: Float64Array.of(a, a),
    place: Float64Array.of(1, 0, 0),
    collapsed: false,
  };
  const { diag, up, down } = buildBlocks('positions', ph, nu, homogeneous, B);
  const q = solveQbd(diag[0]!, up[0]!, down[1]!, diag[2]!, up[2]!, down[2]!, a > 0 ? { a, b: tokens.forward } : undefined);
  const n = 1 + B * m;
  // S = Σ_{j≥1} π_j = π1·(I − R)⁻¹
  const S = luSolveLeft(luFactor(addScaled(identity(n), q.R, -1)), q.pi1);
  const queueLength = new Float64Array(B + 1);
  queueLength[0] = S[0]!;
  let hasToken = 0;
  for (let x = 0; x < n; x++) hasToken += S[x]!;
  for (let i = 1; i <= B; i++) {
    for (let p = 0; p < m; p++) queueLength[i]! += q.pi0[(i - 1) * m + p]! + S[1 + (i - 1) * m + p]!;
  }
  let atOne = 0;
  for (let x = 0; x < n; x++) atOne += q.pi1[x]!;
  const busyAtOne = atOne - q.pi1[0]!;
  return summarise('positions-qbd', input, queueLength, true, hasToken, atOne, busyAtOne, n, q.iterations);
}

/**
 * LCFS with d = 1, the same chain as positions-qbd, by one regeneration cycle of the token
 * (see token-cycle.ts): a scalar series, sparse vector products and a block-tridiagonal solve.
 */
function solveByTokenCycle(input: ServerChainInput): ServerChainSolution {
  const { ph, nu, tokens, B } = input;
  const m = ph.alpha.length;
  if (tokens.use !== tokens.forward) throw new Error('token-cycle: needs use rate = forward rate (LCFS, d = 1)');
  const a = tokens.push[0] ?? 0;
  for (const p of tokens.push) if (p !== a) throw new Error('token-cycle: needs a constant push-back rate (LCFS, d = 1)');
  const c = solveTokenCycle(ph, nu, a, tokens.forward, B);
  // P(position 1) = (use rate)/b; P(position 1, busy) = P(busy at use)·(use rate)/b
  const atOne = c.cycleRate / tokens.use;
  const busyAtOne = c.busyAtUse * atOne;
  return summarise('token-cycle', input, c.queueLength, true, c.hasToken, atOne, busyAtOne, 1 + B * m, c.terms);
}

function summarise(
  method: ChainMethod,
  input: ServerChainInput,
  queueLength: Float64Array,
  truncated: boolean,
  hasToken: number,
  atOne: number,
  busyAtOne: number,
  levelSize: number,
  iterations: number,
): ServerChainSolution {
  let meanJobs = 0;
  for (let i = 1; i < queueLength.length; i++) meanJobs += i * queueLength[i]!;
  const idle = queueLength[0]!;
  return {
    method,
    queueLength,
    truncated,
    idle,
    meanJobs,
    tokenUseRate: input.tokens.use * atOne,
    busyArrivalRate: input.nu * (1 - idle) + input.tokens.use * busyAtOne,
    hasToken,
    levelSize,
    iterations,
  };
}

/**
 * Stationary distribution of a level-structured generator with blocks diag[l], up[l]
 * (l → l+1), down[l] (l → l−1) and an optional border from level 0 to any level, by linear
 * level reduction: from the top level down, π_l = π_{l−1}·R_l + π_0·W_l with
 *   N_l = (−(Q_{l,l} + R_{l+1}·Q_{l+1,l}))⁻¹,  R_l = Q_{l−1,l}·N_l,  W_l = (Q_{0,l} + W_{l+1}·Q_{l+1,l})·N_l,
 * then π_0 from the censored generator Q_{0,0} + (R_1 + W_1)·Q_{1,0}.
 */
export function levelReduction(diag: Mat[], up: Mat[], down: Mat[], border: (Mat | undefined)[]): Float64Array[] {
  const L = diag.length;
  if (L === 1) return [stationary(diag[0]!)];
  const R: Mat[] = new Array<Mat>(L);
  const W: (Mat | undefined)[] = new Array<Mat | undefined>(L);
  const hasBorder = border.some((b) => b !== undefined);
  let Rnext: Mat | undefined;
  let Wnext: Mat | undefined;
  for (let l = L - 1; l >= 1; l--) {
    const S = zeros(diag[l]!.rows, diag[l]!.cols);
    S.a.set(diag[l]!.a);
    if (Rnext) addInPlace(S, mulSparseRight(Rnext, down[l + 1]!));
    for (let x = 0; x < S.a.length; x++) S.a[x] = -S.a[x]!;
    const N = inverse(S);
    if (l >= 2) {
      R[l] = mul(up[l - 1]!, N);
      if (hasBorder) {
        let Bl = border[l] ?? zeros(diag[0]!.rows, diag[l]!.cols);
        if (Wnext) {
          const t = mulSparseRight(Wnext, down[l + 1]!);
          addInPlace(t, Bl);
          Bl = t;
        }
        W[l] = mul(Bl, N);
      }
    } else {
      // level 1: everything comes from level 0
      let B1 = up[0]!;
      if (hasBorder && Wnext) {
        const t = mulSparseRight(Wnext, down[2]!);
        addInPlace(t, B1);
        B1 = t;
      }
      R[1] = mul(B1, N);
    }
    Rnext = R[l];
    Wnext = W[l];
  }
  const G0 = zeros(diag[0]!.rows, diag[0]!.cols);
  G0.a.set(diag[0]!.a);
  addInPlace(G0, mulSparseRight(R[1]!, down[1]!));
  const pi: Float64Array[] = new Array<Float64Array>(L);
  pi[0] = stationary(G0);
  pi[1] = vecMul(pi[0], R[1]!);
  for (let l = 2; l < L; l++) {
    const v = vecMul(pi[l - 1]!, R[l]!);
    const w = W[l];
    if (w) {
      const b = vecMul(pi[0], w);
      for (let x = 0; x < v.length; x++) v[x]! += b[x]!;
    }
    pi[l] = v;
  }
  let total = 0;
  for (const v of pi) for (let x = 0; x < v.length; x++) total += v[x]!;
  for (const v of pi) for (let x = 0; x < v.length; x++) v[x] = v[x]! / total;
  return pi;
}
