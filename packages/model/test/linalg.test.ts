import { describe, expect, it } from 'vitest';
import { fromRows, identity, inverse, luFactor, luSolve, luSolveLeft, mul, rightDivide, stationary, toRows } from '../src/linalg';

describe('linalg', () => {
  const A = fromRows([
    [0, 2, 1],
    [1, 1, 0],
    [3, 0, 4],
  ]);
  it('inverse and products', () => {
    const I = mul(A, inverse(A));
    const rows = toRows(I);
    const id = toRows(identity(3));
    rows.forEach((row, i) => row.forEach((v, j) => expect(v).toBeCloseTo(id[i]![j]!, 14)));
  });
  it('column and row solves (with pivoting)', () => {
    const f = luFactor(A);
    const x = luSolve(f, Float64Array.of(3, 2, 7)); // A·[1,1,1]
    x.forEach((v) => expect(v).toBeCloseTo(1, 14));
    const y = luSolveLeft(f, Float64Array.of(4, 3, 5)); // [1,1,1]·A
    y.forEach((v) => expect(v).toBeCloseTo(1, 14));
    const X = rightDivide(A, A);
    toRows(X).forEach((row, i) => row.forEach((v, j) => expect(v).toBeCloseTo(i === j ? 1 : 0, 14)));
  });
  it('stationary vector of a generator', () => {
    const Q = fromRows([
      [-1, 1, 0],
      [1, -3, 2],
      [0, 1, -1],
    ]);
    const pi = stationary(Q);
    // birth-death: π ∝ (1, 1, 2)
    expect(Array.from(pi).map((v) => v * 4)).toEqual([expect.closeTo(1, 14), expect.closeTo(1, 14), expect.closeTo(2, 14)]);
  });
  it('singular matrices are reported', () => {
    expect(() => luFactor(fromRows([[1, 2], [2, 4]]))).toThrow(/singular/);
  });
});
