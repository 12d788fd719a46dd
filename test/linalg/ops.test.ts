import { describe, expect, it } from 'vitest';
import {
  Matrix,
  add,
  sub,
  scale,
  addScaled,
  hadamard,
  map,
  transpose,
  rowSums,
  colSums,
  rowMeans,
  colMeans,
  sliceRows,
  sliceCols,
  selectRows,
  selectCols,
  hstack,
  vstack,
  trace,
  diagonal,
  addDiagonal,
  addRowVector,
  subRowVector,
  outer,
  dot,
  maxAbsDiff,
  symmetrize,
} from '../../src/linalg/index.ts';
import { Rng } from '../../src/random/index.ts';
import { gaussian } from './util.ts';

const A = Matrix.fromRows([
  [1, 2, 3],
  [4, 5, 6],
]);
const B = Matrix.fromRows([
  [6, 5, 4],
  [3, 2, 1],
]);

describe('elementwise ops', () => {
  it('add, sub, scale, addScaled, hadamard, map', () => {
    expect(add(A, B).toRows()).toEqual([
      [7, 7, 7],
      [7, 7, 7],
    ]);
    expect(sub(A, B).toRows()).toEqual([
      [-5, -3, -1],
      [1, 3, 5],
    ]);
    expect(scale(A, -2).toRows()).toEqual([
      [-2, -4, -6],
      [-8, -10, -12],
    ]);
    expect(addScaled(A, B, 0.5).toRows()).toEqual([
      [4, 4.5, 5],
      [5.5, 6, 6.5],
    ]);
    expect(hadamard(A, B).toRows()).toEqual([
      [6, 10, 12],
      [12, 10, 6],
    ]);
    expect(map(A, (x, i, j) => x * 10 + i + j).toRows()).toEqual([
      [10, 21, 32],
      [41, 52, 63],
    ]);
    expect(A.toRows()).toEqual([
      [1, 2, 3],
      [4, 5, 6],
    ]); // inputs untouched
  });
  it('rejects mismatched shapes', () => {
    expect(() => add(A, transpose(A))).toThrow(RangeError);
    expect(() => hadamard(A, new Matrix(2, 2))).toThrow(/shapes/);
  });
  it('maxAbsDiff, dot, outer', () => {
    expect(maxAbsDiff(A, B)).toBe(5);
    expect(dot([1, 2, 3], [4, 5, 6])).toBe(32);
    expect(() => dot([1], [1, 2])).toThrow(RangeError);
    expect(outer([1, 2], [3, 4, 5]).toRows()).toEqual([
      [3, 4, 5],
      [6, 8, 10],
    ]);
    const nan = A.clone();
    nan.data[4] = NaN;
    expect(maxAbsDiff(nan, A)).toBeNaN();
  });
});

describe('structural ops', () => {
  it('transpose (also larger than a cache block) and involution', () => {
    expect(transpose(A).toRows()).toEqual([
      [1, 4],
      [2, 5],
      [3, 6],
    ]);
    const R = gaussian(new Rng('t'), 70, 45);
    const T = transpose(R);
    expect(T.rows).toBe(45);
    expect(T.get(44, 69)).toBe(R.get(69, 44));
    expect(T.get(3, 40)).toBe(R.get(40, 3));
    expect(maxAbsDiff(transpose(T), R)).toBe(0);
    expect(transpose(new Matrix(0, 3)).rows).toBe(3);
  });
  it('row and column sums and means', () => {
    expect(Array.from(rowSums(A))).toEqual([6, 15]);
    expect(Array.from(colSums(A))).toEqual([5, 7, 9]);
    expect(Array.from(rowMeans(A))).toEqual([2, 5]);
    expect(Array.from(colMeans(A))).toEqual([2.5, 3.5, 4.5]);
  });
  it('slicing and selecting rows and columns', () => {
    expect(sliceRows(A, 1, 2).toRows()).toEqual([[4, 5, 6]]);
    expect(sliceCols(A, 1, 3).toRows()).toEqual([
      [2, 3],
      [5, 6],
    ]);
    expect(sliceCols(A, 1, 1).cols).toBe(0);
    expect(() => sliceRows(A, 1, 3)).toThrow(RangeError);
    expect(selectRows(A, [1, 0, 1]).toRows()).toEqual([
      [4, 5, 6],
      [1, 2, 3],
      [4, 5, 6],
    ]);
    expect(selectCols(A, Int32Array.from([2, 0])).toRows()).toEqual([
      [3, 1],
      [6, 4],
    ]);
    expect(() => selectCols(A, [3])).toThrow(RangeError);
  });
  it('hstack and vstack', () => {
    expect(hstack([A, sliceCols(B, 0, 1)]).toRows()).toEqual([
      [1, 2, 3, 6],
      [4, 5, 6, 3],
    ]);
    expect(vstack([A, sliceRows(B, 1, 2)]).toRows()).toEqual([
      [1, 2, 3],
      [4, 5, 6],
      [3, 2, 1],
    ]);
    expect(() => hstack([A, transpose(A)])).toThrow(RangeError);
    expect(() => vstack([A, transpose(A)])).toThrow(RangeError);
  });
  it('trace, diagonal, addDiagonal, row vectors, symmetrize', () => {
    const S = Matrix.fromRows([
      [1, 2],
      [4, 3],
    ]);
    expect(trace(S)).toBe(4);
    expect(Array.from(diagonal(A))).toEqual([1, 5]);
    expect(addDiagonal(S, 10).toRows()).toEqual([
      [11, 2],
      [4, 13],
    ]);
    expect(addRowVector(A, [1, 0, -1]).toRows()).toEqual([
      [2, 2, 2],
      [5, 5, 5],
    ]);
    expect(subRowVector(A, [1, 2, 3]).toRows()).toEqual([
      [0, 0, 0],
      [3, 3, 3],
    ]);
    expect(() => addRowVector(A, [1, 2])).toThrow(RangeError);
    expect(symmetrize(S).toRows()).toEqual([
      [1, 3],
      [3, 3],
    ]);
  });
});
