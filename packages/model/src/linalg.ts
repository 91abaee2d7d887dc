/**
 * Small dense linear algebra on row-major Float64Array matrices: just what the solvers need
 * (products, LU with partial pivoting, inverse, row-vector solves). See README for why this
 * is our own module rather than an npm library.
 */
export interface Mat {
  readonly rows: number;
  readonly cols: number;
  /** Row-major entries: a[i * cols + j]. */
  readonly a: Float64Array;
}

export function zeros(rows: number, cols: number): Mat {
  return { rows, cols, a: new Float64Array(rows * cols) };
}

export function identity(n: number): Mat {
  const m = zeros(n, n);
  for (let i = 0; i < n; i++) m.a[i * n + i] = 1;
  return m;
}

export function fromRows(rows: readonly (readonly number[])[]): Mat {
  const r = rows.length;
  const c = r === 0 ? 0 : rows[0]!.length;
  const m = zeros(r, c);
  for (let i = 0; i < r; i++) {
    const row = rows[i]!;
    if (row.length !== c) throw new Error('fromRows: ragged matrix');
    for (let j = 0; j < c; j++) m.a[i * c + j] = row[j]!;
  }
  return m;
}

export function toRows(m: Mat): number[][] {
  const out: number[][] = [];
  for (let i = 0; i < m.rows; i++) out.push(Array.from(m.a.subarray(i * m.cols, (i + 1) * m.cols)));
  return out;
}

export function get(m: Mat, i: number, j: number): number {
  return m.a[i * m.cols + j]!;
}

/** C = A·B. */
export function mul(A: Mat, B: Mat): Mat {
  if (A.cols !== B.rows) throw new Error(`mul: ${A.rows}x${A.cols} · ${B.rows}x${B.cols}`);
  const n = A.rows;
  const k = A.cols;
  const m = B.cols;
  const C = zeros(n, m);
  const a = A.a;
  const b = B.a;
  const c = C.a;
  for (let i = 0; i < n; i++) {
    const ci = i * m;
    for (let l = 0; l < k; l++) {
      const v = a[i * k + l]!;
      if (v === 0) continue;
      const bl = l * m;
      for (let j = 0; j < m; j++) c[ci + j]! += v * b[bl + j]!;
    }
  }
  return C;
}

/** Row vector times matrix: x·A. */
export function vecMul(x: Float64Array, A: Mat): Float64Array {
  if (x.length !== A.rows) throw new Error('vecMul: size mismatch');
  const out = new Float64Array(A.cols);
  const m = A.cols;
  for (let i = 0; i < A.rows; i++) {
    const v = x[i]!;
    if (v === 0) continue;
    const ai = i * m;
    for (let j = 0; j < m; j++) out[j]! += v * A.a[ai + j]!;
  }
  return out;
}

/** Matrix times column vector: A·x. */
export function mulVec(A: Mat, x: Float64Array): Float64Array {
  if (x.length !== A.cols) throw new Error('mulVec: size mismatch');
  const out = new Float64Array(A.rows);
  for (let i = 0; i < A.rows; i++) {
    let s = 0;
    const ai = i * A.cols;
    for (let j = 0; j < A.cols; j++) s += A.a[ai + j]! * x[j]!;
    out[i] = s;
  }
  return out;
}

/** A + s·B (new matrix). */
export function addScaled(A: Mat, B: Mat, s = 1): Mat {
  if (A.rows !== B.rows || A.cols !== B.cols) throw new Error('addScaled: size mismatch');
  const C = zeros(A.rows, A.cols);
  for (let i = 0; i < C.a.length; i++) C.a[i] = A.a[i]! + s * B.a[i]!;
  return C;
}

export function scale(A: Mat, s: number): Mat {
  const C = zeros(A.rows, A.cols);
  for (let i = 0; i < C.a.length; i++) C.a[i] = s * A.a[i]!;
  return C;
}

export class SingularMatrixError extends Error {}

/** LU factorisation with partial pivoting, P·A = L·U (L unit lower), stored compactly. */
export interface Lu {
  readonly n: number;
  readonly lu: Float64Array;
  readonly piv: Int32Array;
}

export function luFactor(A: Mat): Lu {
  if (A.rows !== A.cols) throw new Error('luFactor: matrix must be square');
  const n = A.rows;
  const lu = Float64Array.from(A.a);
  const piv = new Int32Array(n);
  for (let i = 0; i < n; i++) piv[i] = i;
  for (let k = 0; k < n; k++) {
    let p = k;
    let best = Math.abs(lu[k * n + k]!);
    for (let i = k + 1; i < n; i++) {
      const v = Math.abs(lu[i * n + k]!);
      if (v > best) {
        best = v;
        p = i;
      }
    }
    if (!(best > 0) || !Number.isFinite(best)) throw new SingularMatrixError(`singular matrix (column ${k})`);
    if (p !== k) {
      for (let j = 0; j < n; j++) {
        const t = lu[k * n + j]!;
        lu[k * n + j] = lu[p * n + j]!;
        lu[p * n + j] = t;
      }
      const t = piv[k]!;
      piv[k] = piv[p]!;
      piv[p] = t;
    }
    const pivot = lu[k * n + k]!;
    for (let i = k + 1; i < n; i++) {
      const f = lu[i * n + k]! / pivot;
      lu[i * n + k] = f;
      if (f === 0) continue;
      const ii = i * n;
      const kk = k * n;
      for (let j = k + 1; j < n; j++) lu[ii + j]! -= f * lu[kk + j]!;
    }
  }
  return { n, lu, piv };
}

/** Solves A·x = b for a column vector b. */
export function luSolve(f: Lu, b: Float64Array): Float64Array {
  const { n, lu, piv } = f;
  const x = new Float64Array(n);
  for (let i = 0; i < n; i++) x[i] = b[piv[i]!]!;
  for (let i = 0; i < n; i++) {
    let s = x[i]!;
    const ii = i * n;
    for (let j = 0; j < i; j++) s -= lu[ii + j]! * x[j]!;
    x[i] = s;
  }
  for (let i = n - 1; i >= 0; i--) {
    let s = x[i]!;
    const ii = i * n;
    for (let j = i + 1; j < n; j++) s -= lu[ii + j]! * x[j]!;
    x[i] = s / lu[ii + i]!;
  }
  return x;
}

/** Solves x·A = b for a row vector b (i.e. Aᵀ·xᵀ = bᵀ). */
export function luSolveLeft(f: Lu, b: Float64Array): Float64Array {
  const { n, lu, piv } = f;
  // A = Pᵀ L U, so x Pᵀ L U = b: solve y U = b, then z L = y, then x = z P.
  const y = Float64Array.from(b);
  for (let j = 0; j < n; j++) {
    let s = y[j]!;
    for (let i = 0; i < j; i++) s -= y[i]! * lu[i * n + j]!;
    y[j] = s / lu[j * n + j]!;
  }
  for (let j = n - 1; j >= 0; j--) {
    let s = y[j]!;
    for (let i = j + 1; i < n; i++) s -= y[i]! * lu[i * n + j]!;
    y[j] = s;
  }
  const x = new Float64Array(n);
  for (let i = 0; i < n; i++) x[piv[i]!] = y[i]!;
  return x;
}

/** A⁻¹ by LU. */
export function inverse(A: Mat): Mat {
  const f = luFactor(A);
  const n = A.rows;
  const inv = zeros(n, n);
  const e = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    e.fill(0);
    e[j] = 1;
    const col = luSolve(f, e);
    for (let i = 0; i < n; i++) inv.a[i * n + j] = col[i]!;
  }
  return inv;
}

/** X = B·A⁻¹ (solves X·A = B row by row). */
export function rightDivide(B: Mat, A: Mat): Mat {
  if (B.cols !== A.rows) throw new Error('rightDivide: size mismatch');
  const f = luFactor(A);
  const X = zeros(B.rows, A.cols);
  for (let i = 0; i < B.rows; i++) {
    const row = B.a.subarray(i * B.cols, (i + 1) * B.cols);
    let nonzero = false;
    for (let j = 0; j < row.length; j++) if (row[j] !== 0) nonzero = true;
    if (!nonzero) continue;
    X.a.set(luSolveLeft(f, row), i * X.cols);
  }
  return X;
}

/**
 * The stationary row vector π of an irreducible generator Q (π·Q = 0, π·1 = 1), by replacing
 * one balance equation with the normalisation.
 */
export function stationary(Q: Mat): Float64Array {
  const n = Q.rows;
  const M = zeros(n, n);
  M.a.set(Q.a);
  for (let i = 0; i < n; i++) M.a[i * n + n - 1] = 1;
  const rhs = new Float64Array(n);
  rhs[n - 1] = 1;
  return luSolveLeft(luFactor(M), rhs);
}

/** Spectral radius of a non-negative matrix by power iteration. */
export function spectralRadiusNonneg(A: Mat, tol = 1e-13, maxIter = 10_000): number {
  const n = A.rows;
  let x: Float64Array = new Float64Array(n).fill(1 / n);
  let rho = 0;
  for (let it = 0; it < maxIter; it++) {
    const y = vecMul(x, A);
    let s = 0;
    for (let i = 0; i < n; i++) s += y[i]!;
    if (!(s > 0)) return 0;
    for (let i = 0; i < n; i++) y[i] = y[i]! / s;
    const done = Math.abs(s - rho) <= tol * s;
    rho = s;
    x = y;
    if (done && it > 2) break;
  }
  return rho;
}
