import { addScaled, identity, inverse, luFactor, luSolve, mul, stationary, zeros, type Mat } from '../linalg';

/**
 * A level-independent QBD with one boundary level:
 *   [ B0  B1           ]
 *   [ C   A0  A1       ]
 *   [     A−1 A0  A1   ]
 *   [         ⋱   ⋱  ⋱ ]
 * (the shape of the paper's (21)). Its stationary vector is matrix-geometric, π_{k+1} = π_k·R
 * for k ≥ 1, with R the minimal non-negative solution of A1 + R·A0 + R²·A−1 = 0.
 *
 * R is computed the numerically stable way: G (first passage one level down) by the
 * logarithmic reduction of Latouche and Ramaswami — quadratically convergent, only
 * non-negative matrices are multiplied — and then R = A1·(−A0 − A1·G)⁻¹.
 */
export interface QbdSolution {
  pi0: Float64Array;
  pi1: Float64Array;
  R: Mat;
  /** Logarithmic-reduction iterations. */
  iterations: number;
}

export function logarithmicReduction(A1: Mat, A0: Mat, Am1: Mat, tol = 1e-15, maxIter = 100): { G: Mat; iterations: number } {
  const n = A0.rows;
  const negA0inv = inverse(addScaled(zeros(n, n), A0, -1));
  let H = mul(negA0inv, A1);
  let L = mul(negA0inv, Am1);
  const G = zeros(n, n);
  G.a.set(L.a);
  let T = zeros(n, n);
  T.a.set(H.a);
  const I = identity(n);
  let iterations = 0;
  let prevGap = Infinity;
  for (let it = 0; it < maxIter; it++) {
    iterations++;
    const U = addScaled(mul(H, L), mul(L, H));
    const M = inverse(addScaled(I, U, -1));
    H = mul(M, mul(H, H));
    L = mul(M, mul(L, L));
    const TL = mul(T, L);
    for (let x = 0; x < G.a.length; x++) G.a[x]! += TL.a[x]!;
    T = mul(T, H);
    // G is stochastic for a recurrent QBD: stop when its rows sum to 1
    let gap = 0;
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let j = 0; j < n; j++) s += G.a[i * n + j]!;
      gap = Math.max(gap, Math.abs(1 - s));
    }
    // converged, or down to rounding (the gap no longer shrinks)
    if (gap < tol || (gap < 1e-11 && gap > 0.5 * prevGap)) break;
    prevGap = gap;
  }
  return { G, iterations };
}

/**
 * Logarithmic reduction when A1 = a·I and A−1 = b·I (the LCFS d = 1 position chain): then
 * H_k = (a/b)^(2^k)·L_k at every step and all iterates commute, so each step needs two products
 * and one inverse instead of seven products and one inverse.
 */
export function logarithmicReductionScalar(a: number, A0: Mat, b: number, tol = 1e-15, maxIter = 100): { G: Mat; iterations: number } {
  const n = A0.rows;
  const N = inverse(addScaled(zeros(n, n), A0, -1));
  let L = addScaled(zeros(n, n), N, b); // L_0 = b·N
  let ratio = a / b; // H_k = ratio·L_k
  const G = zeros(n, n);
  G.a.set(L.a);
  let T = addScaled(zeros(n, n), N, a); // T_1 = H_0
  const I = identity(n);
  let iterations = 0;
  let prevGap = Infinity;
  for (let it = 0; it < maxIter; it++) {
    iterations++;
    const L2 = mul(L, L);
    // U = H·L + L·H = 2·ratio·L²; H' = (I − U)⁻¹H², L' = (I − U)⁻¹L²
    const M = inverse(addScaled(I, L2, -2 * ratio));
    L = mul(M, L2);
    ratio = ratio * ratio;
    const TL = mul(T, L);
    for (let x = 0; x < G.a.length; x++) G.a[x]! += TL.a[x]!;
    T = addScaled(zeros(n, n), TL, ratio); // T·H' = ratio'·T·L'
    let gap = 0;
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let j = 0; j < n; j++) s += G.a[i * n + j]!;
      gap = Math.max(gap, Math.abs(1 - s));
    }
    if (gap < tol || (gap < 1e-11 && gap > 0.5 * prevGap)) break;
    prevGap = gap;
  }
  return { G, iterations };
}

export function solveQbd(B0: Mat, B1: Mat, C: Mat, A0: Mat, A1: Mat, Am1: Mat, scalar?: { a: number; b: number }): QbdSolution {
  const n0 = B0.rows;
  const n = A0.rows;
  const { G, iterations } = scalar ? logarithmicReductionScalar(scalar.a, A0, scalar.b) : logarithmicReduction(A1, A0, Am1);
  const R = mul(A1, inverse(addScaled(addScaled(zeros(n, n), A0, -1), mul(A1, G), -1)));
  // boundary: [π0 π1]·[[B0, B1], [C, A0 + R·A−1]] = 0
  const N = n0 + n;
  const M = zeros(N, N);
  const A0R = addScaled(A0, mul(R, Am1));
  for (let i = 0; i < n0; i++) {
    for (let j = 0; j < n0; j++) M.a[i * N + j] = B0.a[i * n0 + j]!;
    for (let j = 0; j < n; j++) M.a[i * N + n0 + j] = B1.a[i * n + j]!;
  }
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n0; j++) M.a[(n0 + i) * N + j] = C.a[i * n0 + j]!;
    for (let j = 0; j < n; j++) M.a[(n0 + i) * N + n0 + j] = A0R.a[i * n + j]!;
  }
  const x = stationary(M);
  const pi0 = x.slice(0, n0);
  const pi1 = x.slice(n0);
  // normalise: π0·1 + π1·(I − R)⁻¹·1 = 1
  const y = luSolve(luFactor(addScaled(identity(n), R, -1)), new Float64Array(n).fill(1));
  let total = 0;
  for (let i = 0; i < n0; i++) total += pi0[i]!;
  for (let i = 0; i < n; i++) total += pi1[i]! * y[i]!;
  for (let i = 0; i < n0; i++) pi0[i] = pi0[i]! / total;
  for (let i = 0; i < n; i++) pi1[i] = pi1[i]! / total;
  return { pi0, pi1, R, iterations };
}
