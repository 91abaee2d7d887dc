import { zeros, type Mat } from '../linalg';

/** A += B. */
export function addInPlace(A: Mat, B: Mat): void {
  if (A.rows !== B.rows || A.cols !== B.cols) throw new Error('addInPlace: size mismatch');
  for (let x = 0; x < A.a.length; x++) A.a[x]! += B.a[x]!;
}

/** A·B where B is sparse (its non-zeros are gathered first): O(n² + rows(A)·nnz(B)). */
export function mulSparseRight(A: Mat, B: Mat): Mat {
  if (A.cols !== B.rows) throw new Error('mulSparseRight: size mismatch');
  const rowStart = new Int32Array(B.rows + 1);
  const cols: number[] = [];
  const vals: number[] = [];
  for (let i = 0; i < B.rows; i++) {
    for (let j = 0; j < B.cols; j++) {
      const v = B.a[i * B.cols + j]!;
      if (v !== 0) {
        cols.push(j);
        vals.push(v);
      }
    }
    rowStart[i + 1] = cols.length;
  }
  const C = zeros(A.rows, B.cols);
  for (let i = 0; i < A.rows; i++) {
    const ci = i * C.cols;
    const ai = i * A.cols;
    for (let l = 0; l < A.cols; l++) {
      const v = A.a[ai + l]!;
      if (v === 0) continue;
      for (let x = rowStart[l]!; x < rowStart[l + 1]!; x++) C.a[ci + cols[x]!]! += v * vals[x]!;
    }
  }
  return C;
}
