// Blocked, recursive Householder QR (src/linalg/qr.ts) and the compact WY helpers (src/linalg/reflector.ts),
// checked against an unblocked Householder reference on shapes that reach every branch: one leaf, a single
// recursive panel, several panels with a partial last one, m = n, m = n + 1, zero columns, rank deficiency.
import { describe, expect, it } from 'vitest';
import { Matrix, frobeniusNorm, gemm, matmul, matmulTN, qr } from '../../src/linalg/index.ts';
import { applyBlockReflector, applyBlockReflectorTransposed, compactWY, formReflectorProduct, householder } from '../../src/linalg/reflector.ts';
import { Rng } from '../../src/random/index.ts';
import { gaussian } from './util.ts';

/** Unblocked Householder QR: reflector vectors, betas and R (the algorithm qr.ts used before blocking). */
function referenceQR(A: Matrix): { vs: Float64Array[]; betas: Float64Array; R: Matrix } {
  const m = A.rows,
    n = A.cols,
    a = A.data.slice();
  const vs: Float64Array[] = [],
    betas = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    const v = Float64Array.from({ length: m - k }, (_, i) => a[(k + i) * n + k]);
    const [beta, alpha] = householder(v);
    for (let j = k + 1; j < n; j++) applyReflector(v, beta, a, n, k, j);
    a[k * n + k] = alpha;
    for (let i = k + 1; i < m; i++) a[i * n + k] = 0;
    vs.push(v);
    betas[k] = beta;
  }
  const R = new Matrix(n, n);
  for (let i = 0; i < n; i++) for (let j = i; j < n; j++) R.data[i * n + j] = a[i * n + j];
  return { vs, betas, R };
}

/** Column j of a (row-major, n columns), rows k.., := (I - beta v v^T) that column. */
function applyReflector(v: Float64Array, beta: number, a: Float64Array, n: number, k: number, j: number): void {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i] * a[(k + i) * n + j];
  for (let i = 0; i < v.length; i++) a[(k + i) * n + j] -= beta * s * v[i];
}

/** H_0 ... H_{count-1} [I_ncols; 0], one reflector at a time from the last. */
function referenceProduct(m: number, ncols: number, vs: Float64Array[], betas: ArrayLike<number>, count: number): Matrix {
  const Q = new Matrix(m, ncols);
  for (let i = 0; i < Math.min(m, ncols); i++) Q.data[i * ncols + i] = 1;
  for (let k = count - 1; k >= 0; k--) for (let j = 0; j < ncols; j++) applyReflector(vs[k], betas[k], Q.data, ncols, k, j);
  return Q;
}

function maxAbs(A: Matrix): number {
  let t = 0;
  for (const x of A.data) t = Math.max(t, Math.abs(x));
  return t;
}

function diff(A: Matrix, B: Matrix): Matrix {
  return new Matrix(
    A.rows,
    A.cols,
    A.data.map((x, i) => x - B.data[i]),
  );
}

/** max_ij |R - D Rref| with D = diag(+-1) chosen row by row (the sign of a reflector is a convention). */
function rowSignDistance(R: Matrix, Rref: Matrix): number {
  const n = R.cols;
  let worst = 0;
  for (let i = 0; i < n; i++) {
    let same = 0,
      flipped = 0;
    for (let j = 0; j < n; j++) {
      same = Math.max(same, Math.abs(R.data[i * n + j] - Rref.data[i * n + j]));
      flipped = Math.max(flipped, Math.abs(R.data[i * n + j] + Rref.data[i * n + j]));
    }
    worst = Math.max(worst, Math.min(same, flipped));
  }
  return worst;
}

/** Asserts A = Q R to working accuracy, Q^T Q = I, R upper triangular, R = D Rref, and R alone = R with Q. */
function checkQR(A: Matrix): void {
  const m = A.rows,
    n = A.cols;
  const { Q, R } = qr(A);
  expect([Q.rows, Q.cols, R.rows, R.cols]).toEqual([m, n, n, n]);
  const normA = Math.max(frobeniusNorm(A), Number.MIN_VALUE);
  expect(frobeniusNorm(diff(matmul(Q, R), A)) / normA).toBeLessThan(1e-14);
  expect(frobeniusNorm(diff(matmulTN(Q, Q), Matrix.eye(n)))).toBeLessThan(1e-15 * Math.max(n, 10));
  for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) expect(R.data[i * n + j]).toBe(0);
  expect(rowSignDistance(R, referenceQR(A).R) / normA).toBeLessThan(1e-13);
  const rOnly = qr(A, false);
  expect([rOnly.Q.rows, rOnly.Q.cols]).toEqual([m, 0]);
  expect(rOnly.R.data).toEqual(R.data);
}

describe('blocked QR', () => {
  const rng = new Rng('qr-blocked');

  it('matches the unblocked reference on every branch of the recursion', () => {
    // n <= 4: one leaf; n <= 64: one recursive panel (even and odd splits); n > 64: several panels,
    // a whole or partial last panel; m = n and m = n + 1 (reflectors of length 1 at the end).
    const shapes = [
      [1, 1],
      [5, 1],
      [3, 3],
      [9, 4],
      [40, 5],
      [37, 37],
      [38, 37],
      [100, 64],
      [64, 64],
      [65, 64],
      [150, 65],
      [130, 128],
      [129, 129],
      [300, 150],
      [200, 199],
      [257, 200],
      [1000, 30],
    ];
    for (const [m, n] of shapes) checkQR(gaussian(rng, m, n));
  });

  it('zero columns, an all-zero matrix and rank deficiency', () => {
    const A = gaussian(rng, 150, 90);
    for (const j of [0, 1, 40, 64, 89]) for (let i = 0; i < 150; i++) A.data[i * 90 + j] = 0;
    checkQR(A);
    checkQR(new Matrix(70, 70));
    checkQR(new Matrix(6, 1));
    // rank 5 (150 x 100) and rank 1 square: the trailing columns reduce to rounding noise
    checkQR(matmul(gaussian(rng, 150, 5), gaussian(rng, 5, 100)));
    checkQR(matmul(gaussian(rng, 80, 1), gaussian(rng, 1, 80)));
    // repeated columns (exact cancellation inside a panel)
    const B = gaussian(rng, 120, 70);
    for (let i = 0; i < 120; i++) for (let j = 35; j < 70; j++) B.data[i * 70 + j] = B.data[i * 70 + j - 35];
    checkQR(B);
  });

  it('tiny entries (subnormal columns are rescaled) and large ones', () => {
    const A = gaussian(rng, 90, 70);
    const tiny = new Matrix(
      90,
      70,
      A.data.map((x) => x * 1e-300),
    );
    const { Q, R } = qr(tiny);
    expect(R.data.every(Number.isFinite)).toBe(true);
    expect(frobeniusNorm(diff(matmulTN(Q, Q), Matrix.eye(70)))).toBeLessThan(1e-13);
    expect(frobeniusNorm(diff(matmul(Q, R), tiny)) / frobeniusNorm(tiny)).toBeLessThan(1e-14);
    checkQR(
      new Matrix(
        90,
        70,
        A.data.map((x) => x * 1e280),
      ),
    );
  });

  it('shape errors and empty shapes', () => {
    expect(() => qr(new Matrix(3, 4))).toThrow(RangeError);
    const e = qr(new Matrix(5, 0));
    expect([e.Q.rows, e.Q.cols, e.R.rows, e.R.cols]).toEqual([5, 0, 0, 0]);
    const z = qr(new Matrix(0, 0));
    expect([z.Q.rows, z.Q.cols, z.R.rows]).toEqual([0, 0, 0]);
  });

  it('is backward stable on a larger case (orthogonality ~ 1e-15 n)', () => {
    const A = gaussian(rng, 500, 300);
    const { Q, R } = qr(A);
    expect(frobeniusNorm(diff(matmul(Q, R), A)) / frobeniusNorm(A)).toBeLessThan(5e-15);
    expect(frobeniusNorm(diff(matmulTN(Q, Q), Matrix.eye(300)))).toBeLessThan(1e-15 * 300);
  });
});

describe('compact WY and reflector products', () => {
  const rng = new Rng('reflector-products');

  /** count reflectors on m coordinates from the unblocked QR of a Gaussian matrix, one of them the identity. */
  function reflectors(m: number, count: number): { vs: Float64Array[]; betas: Float64Array } {
    const { vs, betas } = referenceQR(gaussian(rng, m, count));
    if (count > 3) betas[2] = 0; // an identity reflector (as for a column that is already reduced)
    return { vs, betas };
  }

  it('formReflectorProduct equals applying the reflectors one by one', () => {
    // [m, ncols, count]: one block, several blocks (64) with a partial last one, count < ncols, count = 0,
    // m = ncols (the square factor of the SVD and the eigensolver), ncols > count + block.
    const cases = [
      [10, 3, 3],
      [1, 1, 1],
      [70, 70, 68],
      [99, 98, 97],
      [130, 130, 130],
      [200, 150, 150],
      [150, 100, 20],
      [60, 40, 0],
      [300, 200, 129],
      [129, 129, 128],
    ];
    for (const [m, ncols, count] of cases) {
      const { vs, betas } = reflectors(m, Math.max(count, 1));
      const Q = formReflectorProduct(m, ncols, vs, betas, count);
      const ref = referenceProduct(m, ncols, vs, betas, count);
      expect([Q.rows, Q.cols]).toEqual([m, ncols]);
      expect(maxAbs(diff(Q, ref))).toBeLessThan(2e-15 * Math.sqrt(m) * Math.max(count, 1));
    }
  });

  it('compactWY: I - V T V^T (and its transpose) is the product of the reflectors, in both storage orders', () => {
    const m = 90,
      k0 = 7,
      k1 = 40,
      c = 13;
    const { vs, betas } = reflectors(m, k1);
    const { V, T } = compactWY(m, vs, betas, k0, k1);
    const B = gaussian(rng, m - k0, c);
    for (const transT of [false, true]) {
      // reference: H_k0 ... H_k1-1 B (transT false) or H_k1-1 ... H_k0 B (transT true) on coordinates k0..
      const ref = new Matrix(m, c);
      ref.data.set(B.data, k0 * c);
      const order = Array.from({ length: k1 - k0 }, (_, i) => (transT ? k0 + i : k1 - 1 - i));
      for (const k of order) for (let j = 0; j < c; j++) applyReflector(vs[k], betas[k], ref.data, c, k, j);
      const expected = new Matrix(m - k0, c, ref.data.slice(k0 * c));
      const left = B.clone();
      applyBlockReflector(V, T, left, transT);
      expect(maxAbs(diff(left, expected))).toBeLessThan(1e-13);
      const Vt = gemm(V, Matrix.eye(V.rows), { transA: true });
      const Bt = gemm(B, Matrix.eye(B.rows), { transA: true });
      applyBlockReflectorTransposed(Vt, T, Bt, transT);
      expect(maxAbs(diff(gemm(Bt, Matrix.eye(Bt.rows), { transA: true }), expected))).toBeLessThan(1e-13);
    }
  });
});
