// Divide-and-conquer bidiagonal SVD (src/linalg/bdsdc.ts) against the implicit-shift QR iteration of svd.ts
// (bidiagonalQR, bdqr.ts) as the oracle: same singular values, orthonormal factors, B = Ub diag(d) Vb^T.
// Tolerances: on these problems the QR oracle itself reaches orthogonality / reconstruction errors up to
// ~5e-14 (n = 200, clustered) and divide and conquer ~1e-14; the bounds below leave a margin over both.
import { describe, expect, it } from 'vitest';
import { Matrix, gemm } from '../../src/linalg/index.ts';
import { blockedStages } from '../../src/linalg/svd.ts';
import { bidiagonalQR } from '../../src/linalg/bdqr.ts';
import { bidiagonalSvdDC } from '../../src/linalg/bdsdc.ts';
import { Rng } from '../../src/random/index.ts';

function eye(n: number): Float64Array {
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) a[i * n + i] = 1;
  return a;
}

function orthErr(X: Float64Array, n: number): number {
  const G = gemm(new Matrix(n, n, X), new Matrix(n, n, X), { transA: true }).data;
  let m = 0;
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) m = Math.max(m, Math.abs(G[i * n + j] - (i === j ? 1 : 0)));
  return m;
}

/** max |B - U diag(s) V^T| */
function reconErr(d: Float64Array, e: Float64Array, U: Float64Array, s: Float64Array, V: Float64Array): number {
  const n = d.length;
  const US = new Matrix(n, n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) US.data[i * n + j] = U[i * n + j] * s[j];
  const R = gemm(US, new Matrix(n, n, V), { transB: true }).data;
  let m = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const b = i === j ? d[i] : j === i + 1 ? e[i] : 0;
      m = Math.max(m, Math.abs(R[i * n + j] - b));
    }
  }
  return m;
}

const sortedAbs = (x: Float64Array): number[] => Array.from(x, Math.abs).sort((a, b) => b - a);

interface Report {
  sv: number;
  orthU: number;
  orthV: number;
  recon: number;
  smax: number;
  qrOrth: number;
  qrRecon: number;
}

/** Run both solvers on (d, e); errors are absolute (divide by smax for relative). */
function compare(d0: Float64Array, e0: Float64Array): Report {
  const n = d0.length;
  const d = d0.slice(),
    e = e0.slice(),
    U = eye(n),
    V = eye(n);
  bidiagonalSvdDC(d, e, U, V);
  const dq = d0.slice(),
    eq = e0.slice(),
    Uq = eye(n),
    Vq = eye(n);
  bidiagonalQR(dq, eq, Uq, Vq);
  const a = sortedAbs(d),
    b = sortedAbs(dq);
  let sv = 0;
  for (let i = 0; i < n; i++) sv = Math.max(sv, Math.abs(a[i] - b[i]));
  return {
    sv,
    smax: b[0] ?? 0,
    orthU: orthErr(U, n),
    orthV: orthErr(V, n),
    recon: reconErr(d0, e0, U, d, V),
    qrOrth: Math.max(orthErr(Uq, n), orthErr(Vq, n)),
    qrRecon: reconErr(d0, e0, Uq, dq, Vq),
  };
}

function expectGood(d0: Float64Array, e0: Float64Array): Report {
  const n = d0.length;
  const r = compare(d0, e0);
  const f = Math.max(1, n / 100);
  const smax = r.smax;
  expect(r.sv).toBeLessThanOrEqual(1e-13 * smax);
  expect(r.orthU).toBeLessThan(1e-13 * f);
  expect(r.orthV).toBeLessThan(1e-13 * f);
  expect(r.recon).toBeLessThanOrEqual(1e-13 * f * smax);
  // Not worse than the oracle by more than a small factor (its own errors reach ~5e-14 here).
  expect(Math.max(r.orthU, r.orthV)).toBeLessThanOrEqual(Math.max(4 * r.qrOrth, 2e-14));
  expect(r.recon).toBeLessThanOrEqual(Math.max(4 * r.qrRecon, 2e-14 * smax));
  return r;
}

const SIZES = [1, 2, 3, 10, 31, 32, 33, 64, 65, 200, 500];

describe('bidiagonalSvdDC against the bidiagonal QR iteration', () => {
  it('n = 0 is a no-op', () => {
    const d = new Float64Array(0),
      e = new Float64Array(0);
    bidiagonalSvdDC(d, e, new Float64Array(0), new Float64Array(0));
    expect(d.length).toBe(0);
  });

  it('n = 1 and n = 2 by hand', () => {
    const d = Float64Array.of(-3),
      U = eye(1),
      V = eye(1);
    bidiagonalSvdDC(d, new Float64Array(0), U, V);
    expect(Math.abs(d[0])).toBe(3);
    expect(U[0] * d[0] * V[0]).toBe(-3);
    // [[3, 4], [0, 0]]: singular values 5 and 0
    const r = expectGood(Float64Array.of(3, 0), Float64Array.of(4));
    expect(r.smax).toBeCloseTo(5, 14);
  });

  for (const n of SIZES) {
    it(`random bidiagonal, n = ${n}`, () => {
      const rng = new Rng(`dc-rand-${n}`);
      expectGood(rng.normals(n), rng.normals(Math.max(n - 1, 0)));
    });
  }

  for (const n of [10, 64, 65, 200, 500]) {
    it(`zero superdiagonal entries (the problem splits), n = ${n}`, () => {
      const rng = new Rng(`dc-ezero-${n}`);
      const d = rng.normals(n),
        e = rng.normals(n - 1);
      for (let i = 3; i < n - 1; i += 11) e[i] = 0;
      e[0] = 0;
      e[n - 2] = 0;
      expectGood(d, e);
    });

    it(`zero diagonal entries, n = ${n}`, () => {
      const rng = new Rng(`dc-dzero-${n}`);
      const d = rng.normals(n),
        e = rng.normals(n - 1);
      for (let i = 0; i < n; i += 7) d[i] = 0;
      d[n - 1] = 0;
      expectGood(d, e);
    });

    it(`cluster: d = 1, e tiny, n = ${n}`, () => {
      const rng = new Rng(`dc-ones-${n}`);
      const d = new Float64Array(n).fill(1);
      const e = rng.normals(n - 1, 1e-10);
      expectGood(d, e);
      const e2 = new Float64Array(n - 1).fill(1e-17); // exactly repeated values to working precision
      expectGood(d, e2);
    });

    it(`graded: d_i = 10^(-i/2), n = ${n}`, () => {
      const rng = new Rng(`dc-graded-${n}`);
      const d = Float64Array.from({ length: n }, (_, i) => Math.pow(10, -i / 2));
      const e = Float64Array.from({ length: n - 1 }, (_, i) => Math.pow(10, -i / 2) * rng.normals(1)[0]);
      expectGood(d, e);
      expectGood(d.slice().reverse(), e.slice().reverse());
    });

    for (const scale of [1e150, 1e-150]) {
      it(`scale ${scale}, n = ${n}`, () => {
        const rng = new Rng(`dc-scale-${n}-${scale}`);
        const r = expectGood(rng.normals(n, scale), rng.normals(n - 1, scale));
        expect(Number.isFinite(r.smax) && r.smax > 0).toBe(true);
      });
    }
  }

  for (const n of [33, 64, 200, 500]) {
    it(`exact rank deficiency: bidiagonal of a rank-5 matrix, n = ${n}`, () => {
      const rng = new Rng(`dc-rank5-${n}`);
      const L = new Matrix(n, 5, rng.normals(n * 5)),
        R = new Matrix(5, n, rng.normals(5 * n));
      const { d, e } = blockedStages.bidiagonalize(gemm(L, R), false);
      const r = expectGood(d, e);
      const dd = d.slice(),
        ee = e.slice(),
        U = eye(n),
        V = eye(n);
      bidiagonalSvdDC(dd, ee, U, V);
      const s = sortedAbs(dd);
      for (let i = 5; i < n; i++) expect(s[i]).toBeLessThan(1e-13 * r.smax);
      expect(s[4]).toBeGreaterThan(1e-3 * r.smax);
    });
  }

  it('bidiagonal of a random dense matrix, n = 300', () => {
    const rng = new Rng('dc-dense');
    const { d, e } = blockedStages.bidiagonalize(new Matrix(300, 300, rng.normals(300 * 300)), false);
    expectGood(d, e);
  });

  it('all-zero and diagonal inputs', () => {
    const n = 70;
    const d = new Float64Array(n),
      e = new Float64Array(n - 1),
      U = eye(n),
      V = eye(n);
    bidiagonalSvdDC(d, e, U, V);
    expect(Array.from(d).every((x) => x === 0)).toBe(true);
    expect(orthErr(U, n)).toBe(0);
    const rng = new Rng('dc-diag');
    expectGood(rng.normals(n), new Float64Array(n - 1));
  });

  it('non-identity Ub, Vb are multiplied by the factors', () => {
    const n = 40,
      rng = new Rng('dc-premul');
    const d0 = rng.normals(n),
      e0 = rng.normals(n - 1);
    const d1 = d0.slice(),
      U1 = eye(n),
      V1 = eye(n);
    bidiagonalSvdDC(d1, e0.slice(), U1, V1);
    const Q = gemm(new Matrix(n, n, U1), new Matrix(n, n, U1)); // some orthogonal matrix
    const d2 = d0.slice(),
      U2 = Q.data.slice(),
      V2 = eye(n);
    bidiagonalSvdDC(d2, e0.slice(), U2, V2);
    const expected = gemm(Q, new Matrix(n, n, U1)).data;
    for (let i = 0; i < n * n; i++) expect(Math.abs(U2[i] - expected[i])).toBeLessThan(1e-14);
  });
});
