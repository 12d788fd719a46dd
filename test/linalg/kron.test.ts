import { describe, expect, it } from 'vitest';
import { Matrix, kron, vec, unvec, commutation, matmul, matmulTN, maxAbsDiff, transpose } from '../../src/linalg/index.ts';
import { Rng } from '../../src/random/index.ts';
import { gaussian } from './util.ts';

describe('kron', () => {
  it('matches the block definition on a small case', () => {
    const A = Matrix.fromRows([
      [1, 2],
      [3, 4],
    ]);
    const B = Matrix.fromRows([
      [0, 5],
      [6, 7],
    ]);
    expect(kron(A, B).toRows()).toEqual([
      [0, 5, 0, 10],
      [6, 7, 12, 14],
      [0, 15, 0, 20],
      [18, 21, 24, 28],
    ]);
    expect(kron(Matrix.fromRows([[2]]), B).toRows()).toEqual([
      [0, 10],
      [12, 14],
    ]);
  });
  it('mixed product: (A kron B)(C kron D) = AC kron BD', () => {
    const rng = new Rng('kron');
    const A = gaussian(rng, 2, 3),
      B = gaussian(rng, 4, 2),
      C = gaussian(rng, 3, 5),
      D = gaussian(rng, 2, 3);
    const lhs = matmul(kron(A, B), kron(C, D));
    const rhs = kron(matmul(A, C), matmul(B, D));
    expect(lhs.rows).toBe(8);
    expect(lhs.cols).toBe(15);
    expect(maxAbsDiff(lhs, rhs)).toBeLessThan(1e-12);
  });
  it('(A kron B)^T = A^T kron B^T', () => {
    const rng = new Rng('kronT');
    const A = gaussian(rng, 3, 2),
      B = gaussian(rng, 2, 4);
    expect(maxAbsDiff(transpose(kron(A, B)), kron(transpose(A), transpose(B)))).toBe(0);
  });
});

describe('vec / unvec', () => {
  it('stacks columns', () => {
    const A = Matrix.fromRows([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    expect(Array.from(vec(A).data)).toEqual([1, 4, 2, 5, 3, 6]);
    expect(vec(A).cols).toBe(1);
    expect(unvec([1, 4, 2, 5, 3, 6], 2, 3).toRows()).toEqual(A.toRows());
    expect(unvec(vec(A), 2, 3).toRows()).toEqual(A.toRows());
    expect(() => unvec([1, 2, 3], 2, 2)).toThrow(RangeError);
  });
  it('round trip on a random matrix', () => {
    const A = gaussian(new Rng('vec'), 5, 7);
    expect(maxAbsDiff(unvec(vec(A), 5, 7), A)).toBe(0);
    expect(maxAbsDiff(vec(unvec(vec(A), 5, 7)), vec(A))).toBe(0);
  });
  it('vec(A X B) = (B^T kron A) vec(X)', () => {
    const rng = new Rng('vecAXB');
    const A = gaussian(rng, 3, 4),
      X = gaussian(rng, 4, 5),
      B = gaussian(rng, 5, 2);
    const lhs = vec(matmul(matmul(A, X), B));
    const rhs = matmul(kron(transpose(B), A), vec(X));
    expect(maxAbsDiff(lhs, rhs)).toBeLessThan(1e-12);
  });
});

describe('commutation matrix', () => {
  it('K_{m,n} vec(A) = vec(A^T), and K_{m,n}^T = K_{n,m} = K_{m,n}^{-1}', () => {
    const rng = new Rng('comm');
    for (const [m, n] of [
      [2, 3],
      [4, 1],
      [3, 3],
      [1, 1],
    ]) {
      const A = gaussian(rng, m, n);
      const K = commutation(m, n);
      expect(K.rows).toBe(m * n);
      expect(maxAbsDiff(matmul(K, vec(A)), vec(transpose(A)))).toBe(0);
      expect(maxAbsDiff(transpose(K), commutation(n, m))).toBe(0);
      expect(maxAbsDiff(matmulTN(K, K), Matrix.eye(m * n))).toBe(0);
    }
  });
  it('K_{2,2} in closed form', () => {
    expect(commutation(2, 2).toRows()).toEqual([
      [1, 0, 0, 0],
      [0, 0, 1, 0],
      [0, 1, 0, 0],
      [0, 0, 0, 1],
    ]);
  });
});
