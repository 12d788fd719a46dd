// The SVD's level-2 path: WebAssembly matrix-vector products on resident arrays, the rotation kernel,
// pinned workspaces; each against the TypeScript loops it replaces (the fallback).
import { afterEach, describe, expect, it } from 'vitest';
import { Matrix, eigSym, eigValuesSym, getThreads, gemm, matmulNT, setThreads, singularValues, svd } from '../../src/linalg/index.ts';
import { gemvN, gemvT, level2Backend, releaseWorkspace, setLevel2Backend, workspace } from '../../src/linalg/level2.ts';
import { RotationLog } from '../../src/linalg/rotations.ts';
import { Rng } from '../../src/random/index.ts';
import { fromSVD, gaussian, orthError, relErr } from './util.ts';

const fast = level2Backend();
const threads0 = getThreads();
afterEach(() => {
  setLevel2Backend(fast);
  setThreads(threads0);
});

/** Run f with the TypeScript fallback (no backend). */
function slow<T>(f: () => T): T {
  setLevel2Backend(undefined);
  try {
    return f();
  } finally {
    setLevel2Backend(fast);
  }
}

function maxRel(a: Float64Array, b: Float64Array): number {
  let e = 0,
    s = 0;
  for (let i = 0; i < a.length; i++) {
    e = Math.max(e, Math.abs(a[i] - b[i]));
    s = Math.max(s, Math.abs(b[i]));
  }
  return e / s;
}

describe('level-2 kernels', () => {
  it('the fast backend is installed and workspaces are wasm-resident', () => {
    expect(fast).toBeDefined();
    const w = workspace(100);
    try {
      expect(fast!.isResident(w)).toBe(true);
      expect(fast!.isResident(new Float64Array(4))).toBe(false);
    } finally {
      releaseWorkspace(w);
    }
  });

  // Odd and even sizes reach the 4-row, 2-/4-column blocks and every remainder loop of the kernels.
  for (const [h, w, lda, at] of [
    [1, 1, 1, 0],
    [3, 5, 7, 2],
    [4, 8, 8, 0],
    [37, 61, 70, 9],
    [130, 99, 101, 101],
    [5, 0, 3, 0],
  ]) {
    it(`gemvT and gemvN on a ${h} x ${w} block (lda ${lda}, offset ${at}) agree with the TypeScript loops to 1e-14`, () => {
      const rng = new Rng(h * 1000 + w);
      const len = at + h * lda;
      const a = workspace(len);
      try {
        a.set(rng.normals(len));
        const v = rng.normals(h),
          u = rng.normals(w),
          y0 = rng.normals(w);
        const yFast = y0.slice(),
          ySlow = y0.slice();
        gemvT(a, at, lda, h, w, v, yFast);
        slow(() => gemvT(a, at, lda, h, w, v, ySlow));
        // exact reference: y0 + A^T v, summed in the plain order
        const yRef = y0.slice();
        for (let r = 0; r < h; r++) for (let c = 0; c < w; c++) yRef[c] += v[r] * a[at + r * lda + c];
        if (w > 0) {
          expect(maxRel(yFast, yRef)).toBeLessThan(1e-14);
          expect(maxRel(ySlow, yRef)).toBeLessThan(1e-14);
        }
        const xFast = new Float64Array(h).fill(NaN),
          xSlow = new Float64Array(h).fill(NaN);
        gemvN(a, at, lda, h, w, u, xFast);
        slow(() => gemvN(a, at, lda, h, w, u, xSlow));
        const xRef = new Float64Array(h);
        for (let r = 0; r < h; r++) for (let c = 0; c < w; c++) xRef[r] += a[at + r * lda + c] * u[c];
        if (w > 0) expect(maxRel(xFast, xRef)).toBeLessThan(1e-14);
        else expect(Array.from(xFast)).toEqual(new Array(h).fill(0));
        expect(xSlow).toEqual(xRef);
      } finally {
        releaseWorkspace(a);
      }
    });
  }

  it('large products (split across threads) give the same bits on 1 and 2 threads and match the TypeScript loops', () => {
    const rng = new Rng(99);
    const h = 613,
      w = 517,
      lda = 520,
      at = 3; // h * w above the threading threshold; odd sizes and offsets
    const a = workspace(at + h * lda);
    try {
      a.set(rng.normals(a.length));
      const v = rng.normals(h),
        u = rng.normals(w);
      const run = (t: number) => {
        setThreads(t);
        const y = new Float64Array(w),
          x = new Float64Array(h);
        gemvT(a, at, lda, h, w, v, y);
        gemvN(a, at, lda, h, w, u, x);
        return { y, x };
      };
      const one = run(1),
        two = run(2);
      expect(two.y).toEqual(one.y);
      expect(two.x).toEqual(one.x);
      const ySlow = new Float64Array(w),
        xSlow = new Float64Array(h);
      slow(() => {
        gemvT(a, at, lda, h, w, v, ySlow);
        gemvN(a, at, lda, h, w, u, xSlow);
      });
      expect(maxRel(two.y, ySlow)).toBeLessThan(1e-13);
      expect(maxRel(two.x, xSlow)).toBeLessThan(1e-13);
    } finally {
      releaseWorkspace(a);
    }
  });

  it('a pinned workspace survives GEMMs that grow the wasm memory, and is released last-in first-out', () => {
    const rng = new Rng(7);
    const w1 = workspace(1000);
    const vals = rng.normals(1000);
    w1.set(vals);
    const w2 = workspace(10);
    const big = gaussian(rng, 1500, 1500);
    gemm(big, big); // 54 MB of operands: the arena grows past the pinned arrays
    expect(Array.from(w1)).toEqual(Array.from(vals));
    expect(fast!.isResident(w1)).toBe(true);
    releaseWorkspace(w2);
    const w3 = workspace(10);
    expect(w3.byteOffset).toBe(w2.byteOffset);
    releaseWorkspace(w3);
    releaseWorkspace(w1);
    const w4 = workspace(5);
    expect(w4.byteOffset).toBe(w1.byteOffset);
    releaseWorkspace(w4);
  });
});

/** A random log of chains and fans on n columns, as the bidiagonal QR iteration writes it. */
function randomLog(rng: Rng, n: number, ops: number): RotationLog {
  const log = new RotationLog();
  for (let k = 0; k < ops; k++) {
    const lo = Math.floor(rng.uniform() * (n - 1));
    const hi = lo + 1 + Math.floor(rng.uniform() * (n - 1 - lo));
    if (k % 5 === 4) {
      const js: number[] = [],
        c: number[] = [],
        s: number[] = [];
      for (let j = lo; j < hi; j++) {
        const t = rng.uniform() * 2 * Math.PI;
        js.push(j);
        c.push(Math.cos(t));
        s.push(Math.sin(t));
      }
      log.fan(hi, js, c, s);
    } else {
      const c = new Float64Array(n),
        s = new Float64Array(n);
      for (let i = lo; i < hi; i++) {
        const t = rng.uniform() * 2 * Math.PI;
        c[i] = Math.cos(t);
        s[i] = Math.sin(t);
      }
      log.chain(lo, hi, c, s);
    }
  }
  return log;
}

describe('rotation log', () => {
  for (const [rows, n] of [
    [1, 2],
    [7, 3],
    [16, 16],
    [61, 45],
    [200, 130],
  ]) {
    it(`${rows} x ${n}: the WebAssembly kernel matches the TypeScript loops, keeps Z orthogonal, same bits on 1 and 2 threads`, () => {
      const rng = new Rng(rows * 31 + n);
      const log = randomLog(rng, n, 3 * n);
      const Z0 = gaussian(rng, rows, n);
      const zSlow = Z0.data.slice();
      slow(() => log.apply(zSlow, rows, n));
      setThreads(1);
      const z1 = Z0.data.slice();
      log.apply(z1, rows, n);
      setThreads(2);
      const z2 = Z0.data.slice();
      log.apply(z2, rows, n);
      expect(z2).toEqual(z1);
      expect(maxRel(z1, zSlow)).toBeLessThan(1e-13);
      expect(z1).not.toEqual(Z0.data); // something happened
      // rotations are orthogonal: applied to I (n x n) they give an orthogonal matrix
      const I = Matrix.eye(n);
      log.apply(I.data, n, n);
      expect(orthError(I)).toBeLessThan(1e-13);
    });
  }
});

describe('SVD with and without the WebAssembly level-2 path', () => {
  for (const [m, n] of [
    [300, 200],
    [200, 300],
    [180, 180],
    [784, 120],
  ]) {
    it(`${m} x ${n}: same singular values to 1e-13 s_max, both reconstruct to 1e-13 with orthonormal factors`, () => {
      const A = gaussian(new Rng(m + n), m, n);
      const f = svd(A),
        s = slow(() => svd(A));
      const vf = singularValues(A),
        vs = slow(() => singularValues(A));
      for (const r of [f, s]) {
        expect(relErr(fromSVD(r.U, r.S, r.V), A)).toBeLessThan(1e-13);
        expect(orthError(r.U)).toBeLessThan(1e-13);
        expect(orthError(r.V)).toBeLessThan(1e-13);
      }
      for (let i = 0; i < f.S.length; i++) {
        expect(Math.abs(f.S[i] - s.S[i])).toBeLessThan(1e-13 * s.S[0]);
        expect(Math.abs(vf[i] - vs[i])).toBeLessThan(1e-13 * s.S[0]);
        expect(Math.abs(vf[i] - f.S[i])).toBeLessThan(1e-13 * s.S[0]);
      }
    });
  }
});

describe('symmetric eigendecomposition with and without the WebAssembly level-2 path', () => {
  for (const n of [150, 333]) {
    it(`n = ${n}: same eigenvalues to 1e-13 |lambda|_max, both reconstruct with orthonormal vectors`, () => {
      const X = gaussian(new Rng(n), n, n);
      const A = matmulNT(X, X);
      for (let i = 0; i < n; i++) A.data[i * n + i] -= n; // indefinite
      const f = eigSym(A),
        s = slow(() => eigSym(A));
      const vf = eigValuesSym(A);
      const lmax = Math.max(Math.abs(s.values[0]), Math.abs(s.values[n - 1]));
      for (const r of [f, s]) {
        const VL = new Matrix(n, n);
        for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) VL.data[i * n + j] = r.vectors.data[i * n + j] * r.values[j];
        expect(relErr(matmulNT(VL, r.vectors), A)).toBeLessThan(1e-13);
        expect(orthError(r.vectors)).toBeLessThan(1e-13);
      }
      for (let i = 0; i < n; i++) {
        expect(Math.abs(f.values[i] - s.values[i])).toBeLessThan(1e-13 * lmax);
        expect(Math.abs(vf[i] - s.values[i])).toBeLessThan(1e-13 * lmax);
      }
    });
  }
});
