import { describe, expect, it } from 'vitest';
import { Matrix, eigSym, eigValuesSym, matmulTN, maxAbsDiff } from '../../src/linalg/index.ts';
import { Rng } from '../../src/random/index.ts';
import { fromSVD, gaussian, orthError, randomOrthonormal, relErr } from './util.ts';

describe('eigSym', () => {
  it('reconstructs a random symmetric matrix with orthonormal eigenvectors, values descending', () => {
    const rng = new Rng('eig');
    for (const n of [1, 2, 3, 17, 120]) {
      const G = gaussian(rng, n, n);
      const A = new Matrix(
        n,
        n,
        G.data.map((_, k) => G.data[k] + G.data[(k % n) * n + Math.floor(k / n)]),
      );
      const { values, vectors } = eigSym(A);
      expect(values.length).toBe(n);
      for (let i = 1; i < n; i++) expect(values[i]).toBeLessThanOrEqual(values[i - 1]);
      expect(maxAbsDiff(fromSVD(vectors, values, vectors), A)).toBeLessThan(1e-13 * Math.max(1, Math.abs(values[0]), Math.abs(values[n - 1])));
      expect(orthError(vectors)).toBeLessThan(1e-13);
      const v = eigValuesSym(A);
      for (let i = 0; i < n; i++) expect(Math.abs(v[i] - values[i])).toBeLessThan(1e-13 * Math.max(1, Math.abs(values[0])));
    }
  });
  it('recovers known eigenvalues (with negatives and repeats) of Q diag(l) Q^T', () => {
    const rng = new Rng('eig-known');
    const l = [7, 3, 3, 3, 0, -1e-9, -2, -5];
    const Q = randomOrthonormal(rng, 8, 8);
    const A = fromSVD(Q, l, Q);
    const { values, vectors } = eigSym(A);
    for (let i = 0; i < 8; i++) expect(Math.abs(values[i] - l[i])).toBeLessThan(1e-14 * 7 * 8);
    // eigenvector of the simple eigenvalue 7 is +-Q[:,0]
    let c = 0;
    for (let i = 0; i < 8; i++) c += vectors.get(i, 0) * Q.get(i, 0);
    expect(Math.abs(Math.abs(c) - 1)).toBeLessThan(1e-13);
    expect(relErr(fromSVD(vectors, values, vectors), A)).toBeLessThan(1e-14);
  });
  it('diagonal and tridiagonal closed forms', () => {
    const D = Matrix.diag([1, 4, -2]);
    expect(Array.from(eigSym(D).values)).toEqual([4, 1, -2]);
    // tridiag(-1, 2, -1) of size n: eigenvalues 2 - 2 cos(k pi / (n + 1))
    const n = 30;
    const T = Matrix.fromFunction(n, n, (i, j) => (i === j ? 2 : Math.abs(i - j) === 1 ? -1 : 0));
    const v = eigValuesSym(T);
    for (let k = 1; k <= n; k++) expect(Math.abs(v[n - k] - (2 - 2 * Math.cos((k * Math.PI) / (n + 1))))).toBeLessThan(1e-14);
    expect(eigSym(new Matrix(0, 0)).values.length).toBe(0);
    expect(() => eigSym(new Matrix(2, 3))).toThrow(RangeError);
  });
  it('Gram matrix eigenvalues are squared singular values', () => {
    const rng = new Rng('eig-gram');
    const s = [5, 2, 1, 0.5];
    const X = fromSVD(randomOrthonormal(rng, 10, 4), s, randomOrthonormal(rng, 4, 4));
    const v = eigValuesSym(matmulTN(X, X));
    for (let i = 0; i < 4; i++) expect(Math.abs(v[i] - s[i] * s[i])).toBeLessThan(1e-13);
  });
});

describe('eigSym on singular PSD matrices (AGOP-like: a large cluster of zero eigenvalues)', () => {
  it('converges and is accurate; sqrtPSD squares back', async () => {
    const { Rng } = await import('../../src/random/index.ts');
    const { Matrix, gemm, eigSym, sqrtPSD } = await import('../../src/linalg/index.ts');
    for (const [n, r] of [
      [60, 5],
      [120, 3],
      [200, 30],
    ] as const) {
      const rng = new Rng(`psd-${n}-${r}`);
      const B = new Matrix(n, r, rng.normals(n * r));
      const M = gemm(B, B, { transB: true }); // rank r, n - r zero eigenvalues
      const { values, vectors } = eigSym(M);
      const scale = values[0];
      for (let j = r; j < n; j++) expect(Math.abs(values[j])).toBeLessThan(1e-13 * scale);
      const AV = gemm(M, vectors);
      let worst = 0;
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) worst = Math.max(worst, Math.abs(AV.get(i, j) - values[j] * vectors.get(i, j)));
      expect(worst).toBeLessThan(1e-13 * scale);
      const R = sqrtPSD(M);
      const RR = gemm(R, R);
      let err = 0;
      for (let t = 0; t < n * n; t++) err = Math.max(err, Math.abs(RR.data[t] - M.data[t]));
      expect(err).toBeLessThan(1e-12 * scale);
    }
  });
});
