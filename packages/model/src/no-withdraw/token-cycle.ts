import type { PhaseType } from '@jiq/core';
import { exitRates } from '../mg1';

/**
 * LCFS with d = 1, solved by one regeneration cycle of the token instead of a QBD.
 *
 * The chain is the one positions-qbd solves (positions untruncated, queue truncated at B with
 * arrivals beyond B dropped). The token's position is a birth–death walk (pushed back at rate
 * a, forward at rate b, used at rate b from position 1). Its moves do not depend on the jobs,
 * and the jobs evolve as an M/PH/1 queue at rate ν whatever the token does. The two interact
 * only at two instants, which delimit a cycle:
 *   A. The server empties without a token: a token is placed at position 1. The queue starts
 *      empty and runs as an M/PH/1 queue (generator Q) until the token is used, at the first
 *      passage τ of the walk from 1 to 0.
 *   B. The token use adds a job. The queue then runs without a token until it empties, and
 *      the cycle starts again.
 * With N the number of events of a Poisson process of rate Λ ≥ max|Q_xx| during τ and
 * P = I + Q/Λ (uniformisation), c_n = P(N = n):
 *   law of the queue at τ:             u = Σ_n c_n·e₀Pⁿ,
 *   expected time in each state in A:  o = Σ_n (P(N > n)/Λ)·e₀Pⁿ.
 * The generating function of N is the Laplace transform of τ at Λ(1 − z),
 *   F(z) = (κ − Λz − √((κ − Λz)² − 4ab))/(2a),  κ = a + b + Λ,
 * so aF² − (κ − Λz)F + b = 0 gives c_n·√(κ² − 4ab) = a·Σ_{k=1}^{n−1} c_k c_{n−k} + Λc_{n−1}.
 * Every term is non-negative: no cancellation anywhere. τ has a completely monotone density
 * (first passage to the adjacent lower state of a birth–death process), so N is a mixture of
 * geometrics: c_{n+1}/c_n increases to ρ = Λ/(Λ + (√b − √a)²), which bounds the tails of
 * both series. Phase B is one block-tridiagonal solve z·(−Q₀) = w, with Q₀ the M/PH/1
 * generator killed when the queue empties and w the law after the token's job joins.
 * The stationary law is (o, z)/(Σo + Σz); tokens are used at rate 1/(Σo + Σz).
 *
 * Cost: O(n² + n·nnz(P) + B·m³) with n the number of terms, against dense (Bm)³ products for
 * the QBD. n is small exactly where the QBD is large (a fast token, ν large): ~100 terms.
 */

/**
 * The series is cut after term n once c_n < threshold(ρ, Λ, a, b) (see solveTokenCycle). For
 * the cost estimate, c_n ≈ min(ρⁿ, K·n^(−3/2)·ρⁿ) with K = √((Λ + (√b − √a)²)·√(ab))/(2a√π), the
 * asymptotics of the square-root singularity of F at 1/ρ (c_n ≤ ρⁿ holds for every n).
 */
export function tokenCycleTerms(a: number, b: number, Lambda: number): { terms: number; rho: number; threshold: number } {
  const gap = (b - a) ** 2 / (Math.sqrt(a) + Math.sqrt(b)) ** 2; // (√b − √a)²
  const logInvRho = Math.log1p(gap / Lambda);
  const rho = Lambda / (Lambda + gap);
  const oneMinusRho = gap / (Lambda + gap);
  // tails: Σ_{k>n} c_k ≤ c_n·ρ/(1 − ρ) < 1e-18 and Σ_{k>n} (k − n)c_k/Λ ≤ c_n·ρ/((1 − ρ)²Λ) < 1e-18·E[τ]
  const threshold = (1e-18 * Math.min(oneMinusRho, (Lambda / (b - a)) * oneMinusRho * oneMinusRho)) / rho;
  const logThr = Math.log(threshold);
  let terms = Math.ceil(-logThr / logInvRho);
  if (a > 0) {
    const logK = 0.5 * Math.log((Lambda + gap) * Math.sqrt(a * b)) - Math.log(2 * a * Math.sqrt(Math.PI));
    // smallest n with log K − 1.5 log n − n log(1/ρ) < log threshold, by fixed-point iteration
    let n = Math.max(1, (logK - logThr) / logInvRho);
    for (let it = 0; it < 20; it++) n = Math.max(1, (logK - 1.5 * Math.log(n) - logThr) / logInvRho);
    terms = Math.min(terms, Math.ceil(n));
  }
  return { terms: terms + 2, rho, threshold };
}

/** Uniformisation rate of the truncated M/PH/1 generator: its largest total outflow. */
export function tokenCycleRate(ph: PhaseType, nu: number): number {
  let Lambda = nu;
  for (let p = 0; p < ph.alpha.length; p++) Lambda = Math.max(Lambda, nu - ph.T[p]![p]!);
  return Lambda;
}

export interface TokenCycleResult {
  /** P(i jobs), i = 0..B. */
  queueLength: Float64Array;
  /** P(the server holds a token). */
  hasToken: number;
  /** Rate of token uses (= 1 / expected cycle length). */
  cycleRate: number;
  /** P(a token is used at a busy server) (= 1 − P(queue empty at τ)). */
  busyAtUse: number;
  /** Series terms used. */
  terms: number;
}

export function solveTokenCycle(ph: PhaseType, nu: number, a: number, b: number, B: number): TokenCycleResult {
  if (!(a >= 0 && b > a)) throw new Error('token cycle: the token walk must drift to position 0 (push < forward)');
  const m = ph.alpha.length;
  const alpha = ph.alpha;
  const T = ph.T;
  const tStar = exitRates(ph);
  const n = 1 + B * m; // state 0 = idle, 1 + (i − 1)m + φ = (i jobs, phase φ)

  // P = I + Q/Λ in compressed rows
  const Lambda = tokenCycleRate(ph, nu);
  const rowStart = new Int32Array(n + 1);
  const cols: number[] = [];
  const vals: number[] = [];
  const pushRow = (entries: [number, number][]): void => {
    for (const [c, v] of entries) {
      if (v === 0) continue;
      cols.push(c);
      vals.push(v);
    }
  };
  {
    const row: [number, number][] = [[0, 1 - nu / Lambda]];
    for (let q = 0; q < m; q++) row.push([1 + q, (nu * alpha[q]!) / Lambda]);
    pushRow(row);
    rowStart[1] = cols.length;
  }
  for (let i = 1; i <= B; i++) {
    for (let p = 0; p < m; p++) {
      const x = 1 + (i - 1) * m + p;
      const arrive = i < B ? nu : 0;
      const row: [number, number][] = [];
      if (i === 1) row.push([0, tStar[p]! / Lambda]);
      else for (let q = 0; q < m; q++) row.push([1 + (i - 2) * m + q, (tStar[p]! * alpha[q]!) / Lambda]);
      for (let q = 0; q < m; q++) {
        if (q === p) row.push([x, 1 + (T[p]![p]! - arrive) / Lambda]);
        else row.push([1 + (i - 1) * m + q, T[p]![q]! / Lambda]);
      }
      if (arrive > 0) row.push([x + m, arrive / Lambda]);
      pushRow(row);
      rowStart[x + 1] = cols.length;
    }
  }
  const colIdx = Int32Array.from(cols);
  const val = Float64Array.from(vals);

  // c_n = P(N = n), until the tails of Σc_n and Σ(n − k)c_n are negligible
  const { terms: estimate, threshold } = tokenCycleTerms(a, b, Lambda);
  // the estimate is asymptotic, not a bound: allow plenty beyond it
  const maxTerms = 10 * estimate + 1000;
  const kappa = a + b + Lambda;
  const gap = (b - a) ** 2 / (Math.sqrt(a) + Math.sqrt(b)) ** 2;
  const disc = Math.sqrt((Lambda + gap) * (kappa + 2 * Math.sqrt(a * b)));
  let c = new Float64Array(Math.min(maxTerms, Math.max(64, estimate)));
  c[0] = (2 * b) / (kappa + disc);
  let N = 1;
  for (;;) {
    const last = c[N - 1]!;
    if (last < threshold) break;
    if (N >= maxTerms) throw new Error(`token cycle: series did not converge in ${maxTerms} terms`);
    if (N === c.length) {
      const grown = new Float64Array(Math.min(maxTerms, 2 * c.length));
      grown.set(c);
      c = grown;
    }
    let s = 0;
    for (let k = 1, h = (N - 1) >> 1; k <= h; k++) s += c[k]! * c[N - k]!;
    s *= 2;
    if (N % 2 === 0) s += c[N >> 1]! * c[N >> 1]!;
    c[N] = (a * s + Lambda * c[N - 1]!) / disc;
    N++;
  }
  // P(N > n), summed from the end
  const tail = new Float64Array(N);
  for (let k = N - 2; k >= 0; k--) tail[k] = tail[k + 1]! + c[k + 1]!;

  // u = Σ c_n·e₀Pⁿ, o = Σ P(N > n)/Λ·e₀Pⁿ
  const u = new Float64Array(n);
  const o = new Float64Array(n);
  let v = new Float64Array(n);
  let next = new Float64Array(n);
  v[0] = 1;
  let hi = 0; // v is zero beyond hi: the queue grows by at most one level per step
  for (let k = 0; k < N; k++) {
    const ck = c[k]!;
    const dk = tail[k]! / Lambda;
    for (let x = 0; x <= hi; x++) {
      const vx = v[x]!;
      u[x]! += ck * vx;
      o[x]! += dk * vx;
    }
    if (k === N - 1) break;
    const top = Math.min(n - 1, hi + m);
    next.fill(0, 0, top + 1);
    for (let x = 0; x <= hi; x++) {
      const vx = v[x]!;
      if (vx === 0) continue;
      for (let e = rowStart[x]!; e < rowStart[x + 1]!; e++) next[colIdx[e]!]! += vx * val[e]!;
    }
    hi = top;
    const t = v;
    v = next;
    next = t;
  }

  // phase B: w = law after the token's job joins, on the states (i ≥ 1, φ) without a token
  const nb = B * m;
  const w = new Float64Array(nb);
  for (let q = 0; q < m; q++) w[q]! += u[0]! * alpha[q]!;
  for (let i = 1; i <= B; i++) {
    const to = Math.min(i + 1, B);
    for (let p = 0; p < m; p++) w[(to - 1) * m + p]! += u[1 + (i - 1) * m + p]!;
  }
  const z = solveBusyPeriod(T, alpha, tStar, nu, B, w);

  let tokenTime = 0;
  for (let x = 0; x < n; x++) tokenTime += o[x]!;
  let total = tokenTime;
  for (let x = 0; x < nb; x++) total += z[x]!;
  const queueLength = new Float64Array(B + 1);
  queueLength[0] = o[0]! / total;
  for (let i = 1; i <= B; i++) {
    let s = 0;
    for (let p = 0; p < m; p++) s += o[1 + (i - 1) * m + p]! + z[(i - 1) * m + p]!;
    queueLength[i] = s / total;
  }
  let uTotal = 0;
  for (let x = 0; x < n; x++) uTotal += u[x]!;
  return {
    queueLength,
    hasToken: tokenTime / total,
    cycleRate: 1 / total,
    busyAtUse: (uTotal - u[0]!) / uTotal,
    terms: N,
  };
}

/**
 * Expected time in each state (i, φ), i = 1..B, before the queue empties, from the initial
 * vector w: z·(−Q₀) = w, with Q₀ block tridiagonal (up νI, below i = B; local T − νI; down
 * t*α; killed at t* from i = 1). Block elimination from the top: S_B = −T,
 * S_i = νI − T − ν·S_{i+1}⁻¹t*α, ŵ_i = w_i + (ŵ_{i+1}S_{i+1}⁻¹t*)α, then z_1 = ŵ_1S_1⁻¹ and
 * z_i = (ŵ_i + νz_{i−1})S_i⁻¹. Every S_i is an M-matrix (a Schur complement of one).
 */
function solveBusyPeriod(
  T: readonly (readonly number[])[],
  alpha: readonly number[],
  tStar: Float64Array,
  nu: number,
  B: number,
  w: Float64Array,
): Float64Array {
  const m = alpha.length;
  const mm = m * m;
  const Sinv = new Float64Array(B * mm); // S_i⁻¹ at (i − 1)·m²
  const What = new Float64Array(B * m);
  const S = new Float64Array(mm);
  const work = new Float64Array(mm);
  const inv = new Float64Array(mm);
  for (let i = B; i >= 1; i--) {
    const arrive = i < B ? nu : 0;
    for (let p = 0; p < m; p++) for (let q = 0; q < m; q++) S[p * m + q] = (p === q ? arrive : 0) - T[p]![q]!;
    const off = (i - 1) * m;
    for (let p = 0; p < m; p++) What[off + p] = w[off + p]!;
    if (i < B) {
      // S_{i+1}⁻¹t* (column) and ŵ_{i+1}S_{i+1}⁻¹t* (scalar)
      const base = i * mm;
      let sc = 0;
      for (let p = 0; p < m; p++) {
        let col = 0;
        for (let q = 0; q < m; q++) col += Sinv[base + p * m + q]! * tStar[q]!;
        for (let q = 0; q < m; q++) S[p * m + q]! -= nu * col * alpha[q]!;
        sc += What[i * m + p]! * col;
      }
      for (let q = 0; q < m; q++) What[off + q]! += sc * alpha[q]!;
    }
    invertSmall(S, m, work, inv);
    Sinv.set(inv, (i - 1) * mm);
  }
  const z = new Float64Array(B * m);
  const row = new Float64Array(m);
  for (let i = 1; i <= B; i++) {
    const off = (i - 1) * m;
    for (let p = 0; p < m; p++) row[p] = What[off + p]! + (i > 1 ? nu * z[off - m + p]! : 0);
    const base = (i - 1) * mm;
    for (let q = 0; q < m; q++) {
      let s = 0;
      for (let p = 0; p < m; p++) s += row[p]! * Sinv[base + p * m + q]!;
      z[off + q] = s;
    }
  }
  return z;
}

/** Inverse of a small dense m×m matrix by Gauss–Jordan with partial pivoting. */
function invertSmall(A: Float64Array, m: number, work: Float64Array, out: Float64Array): void {
  work.set(A);
  out.fill(0);
  for (let p = 0; p < m; p++) out[p * m + p] = 1;
  for (let k = 0; k < m; k++) {
    let piv = k;
    for (let i = k + 1; i < m; i++) if (Math.abs(work[i * m + k]!) > Math.abs(work[piv * m + k]!)) piv = i;
    const pv = work[piv * m + k]!;
    if (!(pv !== 0) || !Number.isFinite(pv)) throw new Error('token cycle: singular block');
    if (piv !== k) {
      for (let j = 0; j < m; j++) {
        let t = work[k * m + j]!;
        work[k * m + j] = work[piv * m + j]!;
        work[piv * m + j] = t;
        t = out[k * m + j]!;
        out[k * m + j] = out[piv * m + j]!;
        out[piv * m + j] = t;
      }
    }
    for (let j = 0; j < m; j++) {
      work[k * m + j] = work[k * m + j]! / pv;
      out[k * m + j] = out[k * m + j]! / pv;
    }
    for (let i = 0; i < m; i++) {
      if (i === k) continue;
      const f = work[i * m + k]!;
      if (f === 0) continue;
      for (let j = 0; j < m; j++) {
        work[i * m + j]! -= f * work[k * m + j]!;
        out[i * m + j]! -= f * out[k * m + j]!;
      }
    }
  }
}
