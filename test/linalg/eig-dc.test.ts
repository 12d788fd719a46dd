// The divide-and-conquer symmetric eigensolver (src/linalg/stedc.ts, eigSym above STEDC_LEAF rows) against
// closed forms and the QL iteration (the reference), with residual and orthogonality bounds of c n eps.
import { describe, expect, it } from 'vitest';
import { Matrix, eigSym, eigValuesSym, gemm } from '../../src/linalg/index.ts';
import { getThreads, setThreads } from '../../src/linalg/fast.ts';
import { STEDC_LEAF, tridiagonalEigDC } from '../../src/linalg/stedc.ts';
import { tridiagonalQL } from '../../src/linalg/tridiagonal-ql.ts';
import { Rng } from '../../src/random/index.ts';
import { fromSVD, gaussian, randomOrthonormal } from './util.ts';

const EPS = Number.EPSILON;

function maxAbs(A: Matrix): number {
  let m = 0;
  for (const x of A.data) m = Math.max(m, Math.abs(x));
  return m;
}
/** max |A V - V diag(values)| and max |V^T V - I|. */
function residuals(A: Matrix, values: Float64Array, V: Matrix): { res: number; orth: number } {
  const n = A.rows;
  const AV = gemm(A, V),
    G = gemm(V, V, { transA: true });
  let res = 0,
    orth = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      res = Math.max(res, Math.abs(AV.get(i, j) - values[j] * V.get(i, j)));
      orth = Math.max(orth, Math.abs(G.get(i, j) - (i === j ? 1 : 0)));
    }
  }
  return { res, orth };
}
/** eigSym checked: descending, residual <= c n eps ||A||, orthogonality <= c n eps, values = QL's within c n eps ||A||. */
function check(A: Matrix, c = 4): Float64Array {
  const n = A.rows;
  const { values, vectors } = eigSym(A);
  const scale = Math.max(maxAbs(A), Number.MIN_VALUE);
  for (let i = 1; i < n; i++) expect(values[i]).toBeLessThanOrEqual(values[i - 1]);
  const { res, orth } = residuals(A, values, vectors);
  expect(res).toBeLessThanOrEqual(c * n * EPS * scale);
  expect(orth).toBeLessThanOrEqual(c * n * EPS);
  const ref = eigValuesSym(A); // QL
  for (let i = 0; i < n; i++) expect(Math.abs(values[i] - ref[i])).toBeLessThanOrEqual(c * n * EPS * scale);
  return values;
}
function tridiagonal(d: ArrayLike<number>, e: ArrayLike<number>): Matrix {
  const n = d.length;
  return Matrix.fromFunction(n, n, (i, j) => (i === j ? d[i] : j === i + 1 ? e[i] : i === j + 1 ? e[j] : 0));
}
function symmetricGaussian(rng: Rng, n: number): Matrix {
  const G = gaussian(rng, n, n);
  return Matrix.fromFunction(n, n, (i, j) => G.get(i, j) + G.get(j, i));
}

describe('tridiagonal divide and conquer', () => {
  it('tridiag(-1, 2, -1): eigenvalues 2 - 2 cos(k pi / (n + 1)), orthonormal eigenvectors', () => {
    for (const n of [STEDC_LEAF + 1, 100, 257]) {
      const d = new Float64Array(n).fill(2),
        e = new Float64Array(n - 1).fill(-1);
      const { values, VT } = tridiagonalEigDC(d, e);
      const sorted = Float64Array.from(values).sort();
      for (let k = 1; k <= n; k++) expect(Math.abs(sorted[k - 1] - (2 - 2 * Math.cos((k * Math.PI) / (n + 1))))).toBeLessThanOrEqual(4 * n * EPS * 4);
      const T = tridiagonal(d, e),
        V = Matrix.fromFunction(n, n, (i, j) => VT[j * n + i]);
      const { res, orth } = residuals(T, values, V);
      expect(res).toBeLessThanOrEqual(4 * n * EPS * 2);
      expect(orth).toBeLessThanOrEqual(4 * n * EPS);
    }
  });
  it('agrees with the QL iteration on random, graded and split tridiagonals', () => {
    const rng = new Rng('stedc-ql');
    for (const n of [40, 130]) {
      const cases: [Float64Array, Float64Array][] = [
        [Float64Array.from(rng.normals(n)), Float64Array.from(rng.normals(n - 1))],
        [Float64Array.from({ length: n }, (_, i) => 10 ** (-i / 8)), Float64Array.from({ length: n - 1 }, (_, i) => 10 ** (-(i + 0.5) / 8))],
        [Float64Array.from(rng.normals(n)), Float64Array.from(rng.normals(n - 1), (x, i) => (i % 17 === 5 ? 0 : x))],
      ];
      for (const [d, e] of cases) {
        const { values, VT } = tridiagonalEigDC(d, e);
        const ref = d.slice();
        tridiagonalQL(ref, e.slice());
        const a = Float64Array.from(values).sort(),
          b = ref.sort();
        let scale = 0;
        for (let i = 0; i < n; i++) scale = Math.max(scale, Math.abs(d[i]), i < n - 1 ? Math.abs(e[i]) : 0);
        for (let i = 0; i < n; i++) expect(Math.abs(a[i] - b[i])).toBeLessThanOrEqual(4 * n * EPS * scale);
        const V = Matrix.fromFunction(n, n, (i, j) => VT[j * n + i]);
        const { res, orth } = residuals(tridiagonal(d, e), values, V);
        expect(res).toBeLessThanOrEqual(4 * n * EPS * scale);
        expect(orth).toBeLessThanOrEqual(4 * n * EPS);
      }
    }
  });
  it('zero and diagonal tridiagonals', () => {
    const n = 50;
    const z = tridiagonalEigDC(new Float64Array(n), new Float64Array(n - 1));
    expect(Array.from(z.values)).toEqual(new Array(n).fill(0));
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) expect(z.VT[i * n + j]).toBe(i === j ? 1 : 0);
    const d = Float64Array.from({ length: n }, (_, i) => ((i * 7919) % 53) - 20);
    const r = tridiagonalEigDC(d, new Float64Array(n - 1));
    expect(Array.from(r.values).sort((x, y) => x - y)).toEqual(Array.from(d).sort((x, y) => x - y));
  });
});

describe('eigSym by divide and conquer', () => {
  it('random symmetric matrices across the leaf size', () => {
    const rng = new Rng('eig-dc-random');
    for (const n of [STEDC_LEAF - 1, STEDC_LEAF, STEDC_LEAF + 1, 2 * STEDC_LEAF + 1, 97, 200]) check(symmetricGaussian(rng, n));
  });
  it('n = 1, 2, 33, 64, 65, 200 and 1000 (panel edges of the blocked reduction)', () => {
    const rng = new Rng('eig-dc-sizes');
    for (const n of [1, 2, 33, 64, 65, 200, 1000]) {
      const A = symmetricGaussian(rng, n);
      if (n < 1000) check(A);
      else {
        // n = 1000: residual and orthogonality (the QL reference would take seconds)
        const { values, vectors } = eigSym(A);
        const { res, orth } = residuals(A, values, vectors);
        expect(res).toBeLessThanOrEqual(4 * n * EPS * maxAbs(A));
        expect(orth).toBeLessThanOrEqual(4 * n * EPS);
      }
    }
  }, 60000); // seconds with the TypeScript kernels (NRC_WASM=0)
  it('clustered and repeated eigenvalues (heavy deflation)', () => {
    const rng = new Rng('eig-dc-cluster');
    for (const n of [70, 150]) {
      const Q = randomOrthonormal(rng, n, n);
      const clustered = Array.from({ length: n }, (_, i) => 1 + 1e-12 * i + (i % 3 === 0 ? 5 : 0));
      check(fromSVD(Q, clustered, Q));
      const repeated = Array.from({ length: n }, (_, i) => [3, -1, 0.5][i % 3]);
      const v = check(fromSVD(Q, repeated, Q));
      const want = repeated.slice().sort((x, y) => y - x);
      for (let i = 0; i < n; i++) expect(Math.abs(v[i] - want[i])).toBeLessThanOrEqual(4 * n * EPS * 3);
    }
  });
  it('identity plus rank one: 1 (n - 1 times) and 1 + |u|^2', () => {
    const rng = new Rng('eig-dc-rank1');
    const n = 120;
    const u = rng.normals(n);
    let u2 = 0;
    for (const x of u) u2 += x * x;
    const A = Matrix.fromFunction(n, n, (i, j) => (i === j ? 1 : 0) + u[i] * u[j]);
    const v = check(A);
    expect(Math.abs(v[0] - (1 + u2))).toBeLessThanOrEqual(4 * n * EPS * (1 + u2));
    for (let i = 1; i < n; i++) expect(Math.abs(v[i] - 1)).toBeLessThanOrEqual(4 * n * EPS * (1 + u2));
  });
  it('graded, diagonal and zero matrices', () => {
    const rng = new Rng('eig-dc-graded');
    const n = 90;
    const Q = randomOrthonormal(rng, n, n);
    check(
      fromSVD(
        Q,
        Array.from({ length: n }, (_, i) => 10 ** (-i / 6)),
        Q,
      ),
    );
    const d = Array.from({ length: n }, (_, i) => ((i * 37) % 11) - 5);
    const D = eigSym(Matrix.diag(d));
    expect(Array.from(D.values)).toEqual(d.slice().sort((x, y) => y - x));
    const Z = eigSym(new Matrix(n, n));
    expect(Array.from(Z.values)).toEqual(new Array(n).fill(0));
    expect(residuals(new Matrix(n, n), Z.values, Z.vectors).orth).toBe(0);
  });
  it('the same bits on 1 and 2 threads (n = 500: the threaded rank-2k update and secular roots too)', () => {
    const rng = new Rng('eig-dc-threads');
    for (const n of [180, 500]) {
      const A = symmetricGaussian(rng, n);
      const before = getThreads();
      try {
        setThreads(1);
        const one = eigSym(A);
        setThreads(2);
        const two = eigSym(A);
        expect(Buffer.from(two.values.buffer).equals(Buffer.from(one.values.buffer))).toBe(true);
        expect(Buffer.from(two.vectors.data.buffer).equals(Buffer.from(one.vectors.data.buffer))).toBe(true);
      } finally {
        setThreads(before);
      }
    }
  });
});
