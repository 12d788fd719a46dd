// Regression: numerically rank-1 / rank-2 square matrices. Their bidiagonal reduction decays geometrically into
// subnormal numbers (~1e-310); the Householder step scaled by 1 / (x0 - alpha), which overflows to Infinity for a
// subnormal denominator, and the resulting Inf/NaN reflectors turned most singular values into NaN
// (the inter-class block F_21 of the perturbation paper's exact operator, 100 x 100, hit this).
import { describe, expect, it } from 'vitest';
import { Matrix, eigValuesSym, eigSym, matmul, qr, singularValues, svd } from '../../src/linalg/index.ts';
import { Rng } from '../../src/random/index.ts';
import { fromSVD, orthError, relErr } from './util.ts';

/** sum_r u_r v_r^T (+ noise * N(0,1)); u_r, v_r given as functions of the index. */
function lowRank(n: number, terms: [(i: number) => number, (j: number) => number][], noise: number, rng: Rng): Matrix {
  const B = new Matrix(n, n);
  const z = rng.normals(n * n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (const [u, v] of terms) s += u(i) * v(j);
      B.data[i * n + j] = s + noise * z[i * n + j];
    }
  return B;
}

function check(B: Matrix, rank: number): void {
  const s = singularValues(B);
  const d = svd(B);
  expect(s.some(Number.isNaN)).toBe(false);
  expect(d.S.some(Number.isNaN)).toBe(false);
  const smax = d.S[0];
  for (let i = 0; i < s.length; i++) expect(Math.abs(s[i] - d.S[i])).toBeLessThanOrEqual(1e-14 * smax);
  for (let i = 1; i < s.length; i++) expect(s[i]).toBeLessThanOrEqual(s[i - 1]);
  expect(s[rank - 1]).toBeGreaterThan(1e-3 * smax);
  for (let i = rank; i < s.length; i++) expect(s[i]).toBeLessThan(1e-13 * smax);
  expect(relErr(fromSVD(d.U, d.S, d.V), B)).toBeLessThan(1e-14);
  expect(orthError(d.U)).toBeLessThan(1e-13);
  expect(orthError(d.V)).toBeLessThan(1e-13);
}

describe('svd of numerically low-rank 100 x 100 matrices (subnormal trailing reduction)', () => {
  const n = 100;
  const rng = new Rng('svd-lowrank');
  const a = rng.normals(10),
    b = rng.normals(10),
    c = rng.normals(10),
    e = rng.normals(10);
  const u = rng.normals(n),
    v = rng.normals(n),
    w = rng.normals(n),
    x = rng.normals(n);
  // Kronecker-structured factors (a (x) 1_10, 1_10 (x) b), as in the UFM blocks: these drive the trailing
  // entries of the bidiagonal reduction into subnormals.
  const kronA = (i: number) => a[Math.floor(i / 10)],
    kronB = (j: number) => b[j % 10];
  const kronC = (i: number) => c[i % 10],
    kronE = (j: number) => e[Math.floor(j / 10)];
  const cases: [string, [(i: number) => number, (j: number) => number][], number][] = [
    ['rank 1, Kronecker factors', [[kronA, kronB]], 1],
    [
      'rank 2, Kronecker factors',
      [
        [kronA, kronB],
        [kronC, kronE],
      ],
      2,
    ],
    ['rank 1, Gaussian factors', [[(i) => u[i], (j) => v[j]]], 1],
    [
      'rank 2, Gaussian factors',
      [
        [(i) => u[i], (j) => v[j]],
        [(i) => w[i], (j) => x[j]],
      ],
      2,
    ],
  ];
  for (const [name, terms, rank] of cases) {
    for (const noise of [0, 1e-17, 1e-20, 1e-300]) {
      it(`${name}, noise ${noise}: values-only equals svd().S, no NaN`, () => {
        check(lowRank(n, terms, noise, new Rng(`${name}-${noise}`)), rank);
      });
    }
  }

  it('rank 1 with Kronecker factors: s_max = ||a (x) 1|| ||1 (x) b|| exactly to 1e-14, at several scales', () => {
    const exact = 10 * Math.hypot(...a) * Math.hypot(...b);
    for (const scale of [1, 1e-150, 1e150]) {
      const B = lowRank(n, [[(i) => scale * kronA(i), kronB]], 0, rng);
      const s = singularValues(B);
      expect(s.some(Number.isNaN)).toBe(false);
      expect(Math.abs(s[0] - scale * exact)).toBeLessThan(1e-14 * scale * exact);
      for (let i = 1; i < n; i++) expect(s[i]).toBeLessThan(1e-14 * scale * exact);
    }
  });

  it('eigSym on a rank-1 PSD Kronecker matrix (same reflector code): finite, correct', () => {
    const f = (i: number) => a[Math.floor(i / 10)] * b[i % 10];
    const G = lowRank(n, [[f, f]], 0, rng);
    const exact = Array.from({ length: n }, (_, i) => f(i) ** 2).reduce((p, q) => p + q, 0);
    const vals = eigValuesSym(G);
    expect(vals.some(Number.isNaN)).toBe(false);
    expect(Math.abs(vals[0] - exact)).toBeLessThan(1e-13 * exact);
    for (let i = 1; i < n; i++) expect(Math.abs(vals[i])).toBeLessThan(1e-13 * exact);
    const { vectors } = eigSym(G);
    expect(orthError(vectors)).toBeLessThan(1e-13);
  });

  it('qr of a rank-1 Kronecker matrix: finite factors, A = Q R', () => {
    const B = lowRank(n, [[kronA, kronB]], 0, rng);
    const { Q, R } = qr(B);
    expect(Q.data.some(Number.isNaN) || R.data.some(Number.isNaN)).toBe(false);
    expect(relErr(matmul(Q, R), B)).toBeLessThan(1e-14);
    expect(orthError(Q)).toBeLessThan(1e-13);
  });
});
