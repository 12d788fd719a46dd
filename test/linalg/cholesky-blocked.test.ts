// The recursive Cholesky (factor.ts: TypeScript base up to 96, recursive SYRK leaves up to 128) and the recursive
// triangular solves (triangular.ts: substitution blocks of up to 16 or 32 rows by right-hand-side count), against
// tiny unblocked references kept here, at sizes on both sides of every base size.
import { describe, expect, it } from 'vitest';
import {
  Matrix,
  NotPositiveDefiniteError,
  cholesky,
  choleskySolve,
  frobeniusNorm,
  gemm,
  matmul,
  matmulNT,
  solveSPD,
  solveTriangularInPlace,
  sub,
  transpose,
  triangularSolve,
} from '../../src/linalg/index.ts';
import { Rng } from '../../src/random/index.ts';
import { fromSVD, gaussian, randomOrthonormal, randomSPD, relErr } from './util.ts';

/** Textbook Cholesky-Banachiewicz, one entry at a time. */
function choleskyReference(A: Matrix): Matrix {
  const n = A.rows,
    a = A.data;
  const L = new Matrix(n, n),
    l = L.data;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = a[i * n + j];
      for (let k = 0; k < j; k++) s -= l[i * n + k] * l[j * n + k];
      l[i * n + j] = i === j ? Math.sqrt(s) : s / l[j * n + j];
    }
  }
  return L;
}

/** Column-by-column substitution for op(T) X = B (op(T) = T or T^T, T lower or upper). */
function triangularSolveReference(T: Matrix, B: Matrix, lower: boolean, trans: boolean, unit: boolean): Matrix {
  const n = T.rows,
    X = B.clone();
  const op = (i: number, j: number) => (trans ? T.get(j, i) : T.get(i, j));
  const forward = lower !== trans;
  for (let c = 0; c < B.cols; c++) {
    for (let step = 0; step < n; step++) {
      const i = forward ? step : n - 1 - step;
      let s = X.get(i, c);
      for (let j = 0; j < n; j++) if (forward ? j < i : j > i) s -= op(i, j) * X.get(j, c);
      X.set(i, c, unit ? s : s / op(i, i));
    }
  }
  return X;
}

/** Well-conditioned lower-triangular matrix: diagonal in [2, 3), off-diagonal N(0, 1/n). */
function randomLower(rng: Rng, n: number): Matrix {
  return Matrix.fromFunction(n, n, (i, j) => (j < i ? rng.normal() / Math.sqrt(n) : j === i ? 2 + rng.uniform() : 0));
}

/** Copy of A with NaN in the strict upper (or lower) triangle: entries a routine must never read. */
function poisonTriangle(A: Matrix, upper: boolean): Matrix {
  const P = A.clone();
  for (let i = 0; i < A.rows; i++) for (let j = 0; j < A.cols; j++) if (upper ? j > i : j < i) P.set(i, j, NaN);
  return P;
}

/** Index of the first entry where a and b differ (Object.is), -1 if none: one expect instead of n^2. */
function firstDifference(a: Float64Array, b: Float64Array): number {
  if (a.length !== b.length) return Math.min(a.length, b.length);
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return i;
  return -1;
}

/** ||op(T) X - B|| / (||T|| ||X||): backward error of a triangular solve. */
function solveResidual(T: Matrix, X: Matrix, B: Matrix, trans: boolean): number {
  const R = gemm(T, X, { transA: trans, alpha: 1, beta: -1, C: B.clone() });
  return frobeniusNorm(R) / (frobeniusNorm(T) * frobeniusNorm(X));
}

// CHOL_BASE = 96 and SYRK_BASE = 128 +- 1, odd splits (193 = 96 + 97, 257 = 128 + 129), and larger sizes.
const SIZES = [0, 1, 2, 3, 17, 95, 96, 97, 127, 128, 129, 193, 255, 257, 300, 301, 1000];

describe('recursive cholesky', () => {
  for (const n of SIZES) {
    it(`n = ${n}: agrees with the unblocked reference, L L^T = A, upper triangle exactly 0`, () => {
      const A = randomSPD(new Rng(`chol-blocked-${n}`), n, n);
      const L = cholesky(A);
      expect(L.rows).toBe(n);
      let aboveDiagonal = 0;
      for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) if (!Object.is(L.get(i, j), 0)) aboveDiagonal++;
      expect(aboveDiagonal).toBe(0);
      if (n === 0) return;
      expect(relErr(L, choleskyReference(A))).toBeLessThan(1e-14);
      expect(relErr(matmulNT(L, L), A)).toBeLessThan(2e-16 * Math.sqrt(n));
    });
  }

  it('reconstruction stays at ~1e-16 sqrt(n) on an ill-conditioned matrix (condition 1e12)', () => {
    const n = 400,
      rng = new Rng('chol-illcond');
    const Q = randomOrthonormal(rng, n, n);
    const A = fromSVD(
      Q,
      Float64Array.from({ length: n }, (_, i) => Math.pow(1e-12, i / (n - 1))),
      Q,
    );
    const L = cholesky(A);
    expect(relErr(matmulNT(L, L), A)).toBeLessThan(2e-16 * Math.sqrt(n));
  });

  for (const n of [97, 300, 1000]) {
    it(`n = ${n}: reads only the lower triangle (NaN above the diagonal changes nothing)`, () => {
      const A = randomSPD(new Rng(`chol-lower-${n}`), n, n);
      const L = cholesky(A);
      const Lp = cholesky(poisonTriangle(A, true));
      expect(firstDifference(Lp.data, L.data)).toBe(-1);
    });
  }

  for (const n of [50, 300]) {
    it(`n = ${n}: cholesky(A, shift) is bit for bit cholesky(A + shift I), and leaves A as it was`, () => {
      const A = randomSPD(new Rng(`chol-shift-${n}`), n, n);
      const before = A.data.slice();
      const shifted = A.clone();
      for (let i = 0; i < n; i++) shifted.data[i * n + i] += 0.37;
      expect(firstDifference(cholesky(A, 0.37).data, cholesky(shifted).data)).toBe(-1);
      expect(firstDifference(A.data, before)).toBe(-1);
      expect(firstDifference(cholesky(A, 0.37).data, cholesky(A).data)).toBeGreaterThanOrEqual(0);
    });
  }

  for (const [n, p] of [
    [300, 150],
    [300, 217],
    [1000, 731],
    [1000, 999],
  ] as const) {
    it(`n = ${n}: NotPositiveDefiniteError names the global pivot ${p}`, () => {
      // A = L0 L0^T with a[p][p] lowered by 2 l_pp^2: pivots 0..p-1 are those of L0, pivot p is -l_pp^2.
      const rng = new Rng(`chol-npd-${n}-${p}`);
      const L0 = randomLower(rng, n);
      const A = matmulNT(L0, L0);
      A.set(p, p, A.get(p, p) - 2 * L0.get(p, p) ** 2);
      let caught: unknown;
      try {
        cholesky(A);
      } catch (e) {
        caught = e;
      }
      expect(caught).toBeInstanceOf(NotPositiveDefiniteError);
      expect((caught as Error).message).toMatch(new RegExp(`not positive definite \\(pivot ${p} is -`));
    });
  }

  it('NaN on the diagonal is not positive definite', () => {
    const A = randomSPD(new Rng('chol-nan'), 200, 200);
    A.set(150, 150, NaN);
    expect(() => cholesky(A)).toThrow(/pivot 150 is NaN/);
  });
});

describe('recursive triangular solves', () => {
  // k < 32 substitutes blocks of up to 32 rows, k >= 32 blocks of up to 16; n spans several splits.
  for (const n of [1, 15, 16, 17, 31, 32, 33, 64, 65, 129, 200, 513]) {
    for (const k of [1, 10, 31, 32, 130]) {
      it(`n = ${n}, k = ${k}: all four forms match substitution, residual ~ eps, other triangle never read`, () => {
        const rng = new Rng(`tri-blocked-${n}-${k}`);
        const Lo = randomLower(rng, n),
          Up = transpose(Lo);
        const B = gaussian(rng, n, k);
        for (const lower of [true, false]) {
          const T = lower ? Lo : Up;
          const poisoned = poisonTriangle(T, lower);
          for (const trans of [false, true]) {
            const X = triangularSolve(poisoned, B, lower, trans);
            expect(solveResidual(T, X, B, trans)).toBeLessThan(2e-16);
            expect(relErr(X, triangularSolveReference(T, B, lower, trans, false))).toBeLessThan(1e-13);
          }
        }
      });
    }
  }

  it('unit diagonal: the stored diagonal is ignored', () => {
    const rng = new Rng('tri-unit');
    const n = 150,
      L = randomLower(rng, n),
      B = gaussian(rng, n, 20);
    const Lunit = L.clone();
    for (let i = 0; i < n; i++) Lunit.set(i, i, 1);
    for (let i = 0; i < n; i++) L.set(i, i, NaN);
    for (const trans of [false, true]) {
      const X = triangularSolve(L, B, true, trans, true);
      expect(solveResidual(Lunit, X, B, trans)).toBeLessThan(2e-16);
    }
  });

  it('solveTriangularInPlace on a block of a larger matrix (offset and row stride), with and without scratch', () => {
    const rng = new Rng('tri-view');
    const N = 300,
      o = 37,
      n = 200;
    const Big = gaussian(rng, N, N);
    const T = Matrix.fromFunction(n, n, (i, j) => Big.get(o + i, o + j));
    for (let i = 0; i < n; i++) {
      Big.set(o + i, o + i, 3);
      T.set(i, i, 3);
    }
    for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) T.set(i, j, 0);
    const B = gaussian(rng, n, 150);
    const X = B.clone();
    solveTriangularInPlace({ t: Big.data, ld: N, off: o * N + o, n }, X, true, true);
    expect(relErr(X, triangularSolveReference(T, B, true, true, false))).toBeLessThan(1e-13);
    const Y = B.clone();
    solveTriangularInPlace({ t: Big.data, ld: N, off: o * N + o, n }, Y, true, true, false, new Float64Array(n * n));
    expect(firstDifference(Y.data, X.data)).toBe(-1);
  });

  it('rejects a right-hand side with the wrong number of rows', () => {
    expect(() => triangularSolve(Matrix.eye(3), new Matrix(4, 2), true)).toThrow(RangeError);
    expect(() => choleskySolve(Matrix.eye(3), new Matrix(4, 2))).toThrow(RangeError);
  });
});

describe('choleskySolve / solveSPD with many right-hand sides', () => {
  for (const [n, k] of [
    [300, 1],
    [300, 10],
    [300, 300],
    [1000, 10],
    [257, 130],
  ] as const) {
    it(`n = ${n}, k = ${k}: backward error ~ eps, each column as solved alone`, () => {
      const rng = new Rng(`chol-solve-${n}-${k}`);
      const A = randomSPD(rng, n, n),
        B = gaussian(rng, n, k);
      const L = cholesky(A);
      const X = choleskySolve(L, B);
      const R = sub(matmul(A, X), B);
      expect(frobeniusNorm(R) / (frobeniusNorm(A) * frobeniusNorm(X))).toBeLessThan(2e-16);
      expect(firstDifference(solveSPD(A, B).data, X.data)).toBe(-1);
      for (const c of [0, k - 1]) {
        const x = choleskySolve(L, Matrix.column(B.col(c)));
        for (let i = 0; i < n; i++) expect(Math.abs(x.get(i, 0) - X.get(i, c))).toBeLessThan(1e-12 * Math.abs(x.get(i, 0)) + 1e-14);
      }
    });
  }
});
