import { describe, expect, it } from 'vitest';
import { Matrix, svd, singularValues, transpose, qr, matmul, maxAbsDiff } from '../../src/linalg/index.ts';
import { Rng } from '../../src/random/index.ts';
import { fromSVD, gaussian, orthError, randomOrthonormal, relErr } from './util.ts';

/** Descending singular values spread geometrically from 1 down to 1/cond. */
function geometric(r: number, cond: number): Float64Array {
  const s = new Float64Array(r);
  for (let i = 0; i < r; i++) s[i] = Math.pow(cond, -i / Math.max(r - 1, 1));
  return s;
}

describe('qr', () => {
  it('A = Q R, Q orthonormal, R upper triangular', () => {
    const A = gaussian(new Rng('qr'), 40, 25);
    const { Q, R } = qr(A);
    expect(orthError(Q)).toBeLessThan(1e-14);
    expect(relErr(matmul(Q, R), A)).toBeLessThan(1e-14);
    for (let i = 0; i < 25; i++) for (let j = 0; j < i; j++) expect(R.get(i, j)).toBe(0);
    expect(() => qr(new Matrix(2, 3))).toThrow(RangeError);
    // several 32-column panels (blocked path), and R alone
    const B = gaussian(new Rng('qr2'), 150, 90);
    const f = qr(B);
    expect(orthError(f.Q)).toBeLessThan(1e-14);
    expect(relErr(matmul(f.Q, f.R), B)).toBeLessThan(1e-14);
    for (let i = 0; i < 90; i++) for (let j = 0; j < i; j++) expect(f.R.get(i, j)).toBe(0);
    expect(maxAbsDiff(qr(B, false).R, f.R)).toBe(0);
  });
});

describe('svd', () => {
  it('recovers the singular values of U diag(s) V^T (tall, wide, square)', () => {
    const rng = new Rng('svd-known');
    for (const [m, n] of [
      [30, 12],
      [12, 30],
      [20, 20],
      [120, 70],
      [70, 120],
      [40, 30],
    ]) {
      const r = Math.min(m, n);
      const s = Float64Array.from({ length: r }, (_, i) => 10 - (9 * i) / r);
      const A =
        m >= n
          ? fromSVD(randomOrthonormal(rng, m, r), s, randomOrthonormal(rng, n, r))
          : fromSVD(randomOrthonormal(rng, m, r), s, randomOrthonormal(rng, n, r));
      const d = svd(A);
      expect(d.U.rows).toBe(m);
      expect(d.U.cols).toBe(r);
      expect(d.V.rows).toBe(n);
      expect(d.V.cols).toBe(r);
      for (let i = 0; i < r; i++) expect(Math.abs(d.S[i] - s[i])).toBeLessThan(1e-13 * s[0]);
      const v = singularValues(A);
      for (let i = 0; i < r; i++) expect(Math.abs(v[i] - s[i])).toBeLessThan(1e-13 * s[0]);
      expect(relErr(fromSVD(d.U, d.S, d.V), A)).toBeLessThan(1e-14);
      expect(orthError(d.U)).toBeLessThan(1e-13);
      expect(orthError(d.V)).toBeLessThan(1e-13);
    }
  });

  it('condition number 1e12: singular values within 1e-12 s_max, vectors still orthonormal', () => {
    const rng = new Rng('svd-cond');
    const m = 60,
      n = 40;
    const s = geometric(n, 1e12).map((x) => 3 * x);
    const A = fromSVD(randomOrthonormal(rng, m, n), s, randomOrthonormal(rng, n, n));
    const d = svd(A);
    const v = singularValues(A);
    for (let i = 0; i < n; i++) {
      expect(Math.abs(d.S[i] - s[i])).toBeLessThan(1e-12 * s[0]);
      expect(Math.abs(v[i] - s[i])).toBeLessThan(1e-12 * s[0]);
    }
    expect(relErr(fromSVD(d.U, d.S, d.V), A)).toBeLessThan(1e-13);
    expect(orthError(d.U)).toBeLessThan(1e-13);
    expect(orthError(d.V)).toBeLessThan(1e-13);
    // the transpose has the same spectrum
    const t = singularValues(transpose(A));
    for (let i = 0; i < n; i++) expect(Math.abs(t[i] - s[i])).toBeLessThan(1e-12 * s[0]);
  });

  it('random 300 x 200: reconstruction and orthogonality below 1e-12 relative', () => {
    const A = gaussian(new Rng('svd-300'), 300, 200);
    const { U, S, V } = svd(A);
    expect(relErr(fromSVD(U, S, V), A)).toBeLessThan(1e-12);
    expect(orthError(U)).toBeLessThan(1e-12);
    expect(orthError(V)).toBeLessThan(1e-12);
    for (let i = 1; i < 200; i++) expect(S[i]).toBeLessThanOrEqual(S[i - 1]);
    expect(S[199]).toBeGreaterThan(0);
    const v = singularValues(A);
    for (let i = 0; i < 200; i++) expect(Math.abs(v[i] - S[i])).toBeLessThan(1e-12 * S[0]);
  });

  it('rank-deficient: zero singular values come out as (numerically) zero', () => {
    const rng = new Rng('svd-rankdef');
    const A = matmul(gaussian(rng, 25, 3), gaussian(rng, 3, 18));
    const { U, S, V } = svd(A);
    expect(S[2]).toBeGreaterThan(1e-3);
    for (let i = 3; i < 18; i++) expect(S[i]).toBeLessThan(1e-13 * S[0]);
    expect(relErr(fromSVD(U, S, V), A)).toBeLessThan(1e-14);
    expect(orthError(U)).toBeLessThan(1e-13);
    expect(orthError(V)).toBeLessThan(1e-13);
  });

  it('orthogonal matrix has all singular values 1; diagonal matrix gives |diag| sorted', () => {
    const Q = randomOrthonormal(new Rng('svd-orth'), 15, 15);
    for (const x of singularValues(Q)) expect(Math.abs(x - 1)).toBeLessThan(1e-14);
    const D = Matrix.diag([-2, 5, 0, 1]);
    expect(Array.from(singularValues(D))).toEqual([5, 2, 1, 0]);
    const d = svd(D);
    expect(Array.from(d.S)).toEqual([5, 2, 1, 0]);
    expect(maxAbsDiff(fromSVD(d.U, d.S, d.V), D)).toBeLessThan(1e-15);
  });

  it('edge shapes: 1x1, row, column, empty, zero matrix', () => {
    const one = svd(Matrix.fromRows([[-3]]));
    expect(one.S[0]).toBe(3);
    expect(one.U.get(0, 0) * one.V.get(0, 0)).toBe(-1);
    const row = Matrix.fromRows([[3, 4]]);
    const r = svd(row);
    expect(r.S[0]).toBeCloseTo(5, 14);
    expect(maxAbsDiff(fromSVD(r.U, r.S, r.V), row)).toBeLessThan(1e-15);
    const col = transpose(row);
    expect(singularValues(col)[0]).toBeCloseTo(5, 14);
    const e = svd(new Matrix(0, 4));
    expect(e.S.length).toBe(0);
    expect(e.U.rows).toBe(0);
    expect(e.V.rows).toBe(4);
    expect(e.V.cols).toBe(0);
    expect(singularValues(new Matrix(3, 0)).length).toBe(0);
    const z = svd(new Matrix(4, 3));
    expect(Array.from(z.S)).toEqual([0, 0, 0]);
    expect(orthError(z.U)).toBe(0);
    expect(orthError(z.V)).toBe(0);
  });
});

describe('non-finite input', () => {
  for (const bad of [NaN, Infinity, -Infinity]) {
    it(`an entry ${bad}: every singular value and vector entry is NaN (tall and wide), no garbage`, () => {
      for (const [m, n] of [
        [40, 30],
        [30, 40],
      ]) {
        const A = new Matrix(m, n, new Rng(m).normals(m * n));
        A.data[17] = bad;
        const { U, S, V } = svd(A);
        expect(U.rows).toBe(m);
        expect(U.cols).toBe(30);
        expect(V.rows).toBe(n);
        expect(V.cols).toBe(30);
        for (const x of [S, U.data, V.data]) expect(Array.from(x).every(Number.isNaN)).toBe(true);
        const vals = singularValues(A);
        expect(vals.length).toBe(30);
        expect(Array.from(vals).every(Number.isNaN)).toBe(true);
      }
    });
  }
});
