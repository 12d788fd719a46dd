import { describe, expect, it } from 'vitest';
import {
  Matrix,
  cholesky,
  choleskySolve,
  solveSPD,
  solve,
  solveRight,
  inverse,
  pinv,
  rank,
  sqrtPSD,
  invSqrtPSD,
  woodburyInverse,
  luFactor,
  triangularSolve,
  NotPositiveDefiniteError,
  SingularMatrixError,
  matmul,
  matmulNT,
  maxAbsDiff,
  transpose,
  add,
  sub,
  frobeniusNorm,
} from '../../src/linalg/index.ts';
import { Rng } from '../../src/random/index.ts';
import { fromSVD, gaussian, randomOrthonormal, randomSPD, relErr } from './util.ts';

describe('cholesky', () => {
  it('L L^T = A with L lower triangular, small and blocked sizes', () => {
    const rng = new Rng('chol');
    for (const n of [1, 2, 5, 64, 65, 150]) {
      const A = randomSPD(rng, n, 1);
      const L = cholesky(A);
      for (let i = 0; i < n; i++) {
        expect(L.get(i, i)).toBeGreaterThan(0);
        for (let j = i + 1; j < n; j++) expect(L.get(i, j)).toBe(0);
      }
      expect(relErr(matmulNT(L, L), A)).toBeLessThan(1e-14);
    }
  });
  it('closed form on a 2x2 and reads only the lower triangle', () => {
    const A = Matrix.fromRows([
      [4, 999],
      [2, 5],
    ]);
    expect(cholesky(A).toRows()).toEqual([
      [2, 0],
      [1, 2],
    ]);
  });
  it('throws NotPositiveDefiniteError on indefinite and singular input', () => {
    expect(() =>
      cholesky(
        Matrix.fromRows([
          [1, 2],
          [2, 1],
        ]),
      ),
    ).toThrow(NotPositiveDefiniteError);
    expect(() =>
      cholesky(
        Matrix.fromRows([
          [1, 1],
          [1, 1],
        ]),
      ),
    ).toThrow(/not positive definite/);
    const rng = new Rng('chol-bad');
    const A = randomSPD(rng, 100, 1);
    A.data[90 * 100 + 90] = -1e6;
    expect(() => cholesky(A)).toThrow(NotPositiveDefiniteError);
    expect(() => cholesky(new Matrix(2, 3))).toThrow(RangeError);
  });
  it('choleskySolve and solveSPD residuals', () => {
    const rng = new Rng('chol-solve');
    const A = randomSPD(rng, 90, 5),
      B = gaussian(rng, 90, 7);
    const X = choleskySolve(cholesky(A), B);
    expect(relErr(matmul(A, X), B)).toBeLessThan(1e-12);
    const Y = solveSPD(A, B);
    expect(maxAbsDiff(X, Y)).toBe(0);
  });
});

describe('triangular and LU solves', () => {
  it('triangularSolve in all four forms', () => {
    const rng = new Rng('tri');
    const n = 140;
    const L = Matrix.fromFunction(n, n, (i, j) => (j < i ? rng.normal() / Math.sqrt(n) : j === i ? 2 + rng.uniform() : 0));
    const B = gaussian(rng, n, 3);
    for (const trans of [false, true]) {
      const opL = trans ? transpose(L) : L;
      expect(relErr(matmul(opL, triangularSolve(L, B, true, trans)), B)).toBeLessThan(1e-13);
      const U = transpose(L);
      const opU = trans ? L : U;
      expect(relErr(matmul(opU, triangularSolve(U, B, false, trans)), B)).toBeLessThan(1e-13);
    }
  });
  it('solve: residual small, permutation handled, closed form', () => {
    const rng = new Rng('solve');
    const A = gaussian(rng, 120, 120),
      B = gaussian(rng, 120, 4);
    const X = solve(A, B);
    expect(frobeniusNorm(sub(matmul(A, X), B)) / (frobeniusNorm(A) * frobeniusNorm(X))).toBeLessThan(1e-15);
    // needs a row swap: [[0, 1], [2, 3]] x = [1, 5] -> x = [1, 1]
    expect(
      solve(
        Matrix.fromRows([
          [0, 1],
          [2, 3],
        ]),
        Matrix.column([1, 5]),
      ).toRows(),
    ).toEqual([[1], [1]]);
    const { LU, perm } = luFactor(
      Matrix.fromRows([
        [0, 1],
        [2, 3],
      ]),
    );
    expect(Array.from(perm)).toEqual([1, 0]);
    expect(LU.toRows()).toEqual([
      [2, 3],
      [0, 1],
    ]);
  });
  it('throws SingularMatrixError on a singular matrix', () => {
    expect(() =>
      solve(
        Matrix.fromRows([
          [1, 2],
          [2, 4],
        ]),
        Matrix.column([1, 1]),
      ),
    ).toThrow(SingularMatrixError);
    expect(() => inverse(new Matrix(3, 3))).toThrow(SingularMatrixError);
    expect(() => solve(Matrix.eye(2), Matrix.column([1, 2, 3]))).toThrow(RangeError);
  });
  it('solveRight: X A = B', () => {
    const rng = new Rng('solve-right');
    const A = gaussian(rng, 50, 50),
      B = gaussian(rng, 6, 50);
    const X = solveRight(B, A);
    expect(X.rows).toBe(6);
    expect(relErr(matmul(X, A), B)).toBeLessThan(1e-12);
  });
  it('inverse: A A^{-1} = A^{-1} A = I, and 1x1', () => {
    const rng = new Rng('inverse');
    const A = gaussian(rng, 80, 80);
    const Ai = inverse(A);
    expect(maxAbsDiff(matmul(A, Ai), Matrix.eye(80))).toBeLessThan(1e-11);
    expect(maxAbsDiff(matmul(Ai, A), Matrix.eye(80))).toBeLessThan(1e-11);
    expect(inverse(Matrix.fromRows([[4]])).get(0, 0)).toBe(0.25);
    expect(
      inverse(
        Matrix.fromRows([
          [1, 2],
          [3, 4],
        ]),
      )
        .toRows()
        .flat()
        .map((x) => Math.round(x * 1e12) / 1e12),
    ).toEqual([-2, 1, 1.5, -0.5]);
  });
});

/** The four Penrose conditions: A X A = A, X A X = X, (A X)^T = A X, (X A)^T = X A. */
function penrose(A: Matrix, X: Matrix): number[] {
  const AX = matmul(A, X),
    XA = matmul(X, A);
  const scale = (M: Matrix) => Math.max(frobeniusNorm(M), 1e-300);
  return [
    frobeniusNorm(sub(matmul(AX, A), A)) / scale(A),
    frobeniusNorm(sub(matmul(XA, X), X)) / scale(X),
    frobeniusNorm(sub(transpose(AX), AX)) / scale(AX),
    frobeniusNorm(sub(transpose(XA), XA)) / scale(XA),
  ];
}

describe('pinv and rank', () => {
  it('Penrose conditions on full-rank tall and wide matrices; equals the inverse when square', () => {
    const rng = new Rng('pinv');
    for (const [m, n] of [
      [30, 12],
      [12, 30],
    ]) {
      const A = gaussian(rng, m, n);
      const X = pinv(A);
      expect(X.rows).toBe(n);
      expect(X.cols).toBe(m);
      for (const e of penrose(A, X)) expect(e).toBeLessThan(1e-13);
    }
    const S = gaussian(rng, 20, 20);
    expect(relErr(pinv(S), inverse(S))).toBeLessThan(1e-12);
  });
  it('Penrose conditions on a rank-deficient matrix (rank 4 of 25 x 18)', () => {
    const rng = new Rng('pinv-def');
    const A = matmul(gaussian(rng, 25, 4), gaussian(rng, 4, 18));
    const X = pinv(A);
    for (const e of penrose(A, X)) expect(e).toBeLessThan(1e-12);
    expect(rank(X)).toBe(4);
  });
  it('closed forms: pinv of a column vector, of diag with a zero, of the zero matrix, of empty', () => {
    const v = Matrix.column([3, 4]);
    const pv = pinv(v);
    expect(pv.rows).toBe(1);
    expect(pv.get(0, 0)).toBeCloseTo(3 / 25, 15);
    expect(pv.get(0, 1)).toBeCloseTo(4 / 25, 15);
    const pd = pinv(Matrix.diag([2, 0, -4]));
    expect(maxAbsDiff(pd, Matrix.diag([0.5, 0, -0.25]))).toBeLessThan(1e-16);
    expect(maxAbsDiff(pinv(new Matrix(3, 2)), new Matrix(2, 3))).toBe(0);
    expect(pinv(new Matrix(0, 3)).rows).toBe(3);
    // rcond: a singular value at 1e-10 s_max is kept by default, dropped with rcond 1e-8
    const D = Matrix.diag([1, 1e-10]);
    expect(pinv(D).get(1, 1)).toBeCloseTo(1e10, 0);
    expect(pinv(D, 1e-8).get(1, 1)).toBe(0);
  });
  it('rank of a product of rank-r factors is r; tolerance and edge cases', () => {
    const rng = new Rng('rank');
    for (const r of [1, 3, 7]) {
      const A = matmul(gaussian(rng, 40, r), gaussian(rng, r, 25));
      expect(rank(A)).toBe(r);
      expect(rank(transpose(A))).toBe(r);
    }
    expect(rank(gaussian(rng, 10, 6))).toBe(6);
    expect(rank(Matrix.diag([1, 1e-3, 1e-20]))).toBe(2);
    expect(rank(Matrix.diag([1, 1e-3, 1e-20]), 1e-2)).toBe(1);
    expect(rank(new Matrix(3, 3))).toBe(0);
    expect(rank(new Matrix(0, 3))).toBe(0);
    expect(rank(Matrix.fromRows([[5]]))).toBe(1);
  });
});

describe('PSD square roots', () => {
  it('sqrtPSD(A)^2 = A and sqrtPSD is symmetric PSD; closed form on a diagonal', () => {
    const rng = new Rng('sqrt');
    const A = randomSPD(rng, 60, 0.1);
    const R = sqrtPSD(A);
    expect(relErr(matmul(R, R), A)).toBeLessThan(1e-13);
    expect(maxAbsDiff(R, transpose(R))).toBe(0);
    expect(maxAbsDiff(sqrtPSD(Matrix.diag([4, 9, 0])), Matrix.diag([2, 3, 0]))).toBeLessThan(1e-15);
  });
  it('sqrtPSD of a rank-deficient PSD matrix with round-off negatives', () => {
    const rng = new Rng('sqrt-def');
    const G = gaussian(rng, 30, 5);
    const A = matmulNT(G, G);
    const R = sqrtPSD(A);
    expect(relErr(matmul(R, R), A)).toBeLessThan(1e-13);
  });
  it('invSqrtPSD: R A R = I for PD A, and the pseudo version on a singular matrix', () => {
    const rng = new Rng('invsqrt');
    const A = randomSPD(rng, 50, 0.5);
    const R = invSqrtPSD(A);
    expect(maxAbsDiff(matmul(matmul(R, A), R), Matrix.eye(50))).toBeLessThan(1e-11);
    expect(relErr(matmul(R, R), inverse(A))).toBeLessThan(1e-11);
    expect(maxAbsDiff(invSqrtPSD(Matrix.diag([4, 0.25, 0])), Matrix.diag([0.5, 2, 0]))).toBeLessThan(1e-15);
    // rank-3 projector-like PSD matrix: R A R is the projector onto range(A)
    const Q = randomOrthonormal(rng, 10, 3);
    const P = fromSVD(Q, [5, 2, 1], Q);
    const Rp = invSqrtPSD(P);
    expect(maxAbsDiff(matmul(matmul(Rp, P), Rp), matmulNT(Q, Q))).toBeLessThan(1e-12);
  });
});

describe('woodburyInverse', () => {
  it('(A + U C V)^{-1} equals the direct inverse (NRC Eq. 31, AGOP Lemma B.1)', () => {
    const rng = new Rng('woodbury');
    const n = 40,
      k = 5;
    const A = randomSPD(rng, n, 2);
    const U = gaussian(rng, n, k),
      C = randomSPD(rng, k, 1),
      V = gaussian(rng, k, n);
    const W = woodburyInverse(inverse(A), U, C, V);
    const direct = inverse(add(A, matmul(matmul(U, C), V)));
    expect(relErr(W, direct)).toBeLessThan(1e-11);
  });
  it('rank-one update matches Sherman-Morrison, and works for a singular C', () => {
    const rng = new Rng('sherman');
    const n = 12;
    const A = randomSPD(rng, n, 3);
    const Ai = inverse(A);
    const u = gaussian(rng, n, 1),
      v = gaussian(rng, 1, n);
    const W = woodburyInverse(Ai, u, Matrix.fromRows([[1]]), v);
    const Aiu = matmul(Ai, u),
      vAi = matmul(v, Ai);
    const denom = 1 + matmul(v, Aiu).get(0, 0);
    const sm = sub(
      Ai,
      matmul(Aiu, vAi).data.reduce(
        (M, x, i) => {
          M.data[i] = x / denom;
          return M;
        },
        new Matrix(n, n),
      ),
    );
    expect(relErr(W, sm)).toBeLessThan(1e-12);
    const U2 = gaussian(rng, n, 2),
      V2 = gaussian(rng, 2, n);
    const Csing = Matrix.fromRows([
      [1, 1],
      [1, 1],
    ]);
    const W2 = woodburyInverse(Ai, U2, Csing, V2);
    expect(relErr(W2, inverse(add(A, matmul(matmul(U2, Csing), V2))))).toBeLessThan(1e-11);
    expect(() => woodburyInverse(Ai, U2, Csing, gaussian(rng, 3, n))).toThrow(RangeError);
  });
});
