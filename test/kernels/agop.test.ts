import { describe, expect, it } from 'vitest';
import { Matrix, gemm } from '../../src/linalg/index.ts';
import { Rng } from '../../src/random/index.ts';
import { type KernelName, kernelMatrix, squaredDistances } from '../../src/kernels/kernel.ts';
import { gramOfColumns, kernelAgop, kernelPredictorJacobians } from '../../src/kernels/agop.ts';
import { krrSolve } from '../../src/kernels/krr.ts';
import { normalizeRows } from '../../src/data/dataset.ts';
import { getThreads, setThreads } from '../../src/linalg/fast.ts';
import { checkAgopLinear } from '../../src/check/kernel-checks.ts';

function randn(rng: Rng, r: number, c: number, std = 1): Matrix {
  return new Matrix(r, c, rng.normals(r * c, std));
}

/** A random SPD Mahalanobis matrix B B'/d + 0.2 I. */
function spd(rng: Rng, d: number): Matrix {
  const B = randn(rng, d, d);
  const M = gemm(B, B, { transB: true, alpha: 1 / d });
  for (let i = 0; i < d; i++) M.data[i * d + i] += 0.2;
  return M;
}

describe('kernels', () => {
  it('squared distances from Gram matrices match direct sums (with M)', () => {
    const rng = new Rng('dist');
    const X = randn(rng, 5, 4);
    const Z = randn(rng, 3, 4);
    const M = spd(rng, 4);
    const D2 = squaredDistances(X, Z, M);
    for (let i = 0; i < 5; i++)
      for (let j = 0; j < 3; j++) {
        const v = Array.from({ length: 4 }, (_, t) => X.get(i, t) - Z.get(j, t));
        let q = 0;
        for (let a = 0; a < 4; a++) for (let b = 0; b < 4; b++) q += v[a] * M.get(a, b) * v[b];
        expect(D2.get(i, j)).toBeCloseTo(q, 12);
      }
    const K = kernelMatrix(X, Z, { name: 'laplace', bandwidth: 2, M });
    expect(K.get(1, 2)).toBeCloseTo(Math.exp(-Math.sqrt(D2.get(1, 2)) / 2), 14);
    const G = kernelMatrix(X, Z, { name: 'gaussian', bandwidth: 2 });
    expect(G.get(0, 0)).toBeCloseTo(Math.exp(-squaredDistances(X, Z).get(0, 0) / 8), 14);
  });
});

describe('AGOP', () => {
  it('of a linear predictor f(x) = A x equals A^T A exactly', () => {
    const r = checkAgopLinear(new Rng('lin'), { K: 4, d: 7, N: 33 });
    expect(r.maxAbsDiff).toBeLessThan(1e-13);
    expect(r.measured).toBeCloseTo(r.expected, 12);
  });

  for (const name of ['laplace', 'gaussian'] as KernelName[]) {
    for (const withM of [false, true]) {
      it(`kernel predictor Jacobian matches finite differences (${name}${withM ? ', Mahalanobis M' : ''})`, () => {
        const rng = new Rng(`fd-${name}-${withM}`);
        const d = 5;
        const Z = randn(rng, 12, d);
        const alpha = randn(rng, 12, 3);
        const spec = { name, bandwidth: 1.5, M: withM ? spd(rng, d) : undefined };
        const Xq = randn(rng, 4, d);
        const J = kernelPredictorJacobians(Xq, Z, alpha, spec);
        const f = (x: Float64Array) => gemm(kernelMatrix(new Matrix(1, d, x), Z, spec), alpha).data;
        const h = 1e-6;
        let maxErr = 0;
        let maxVal = 0;
        for (let i = 0; i < 4; i++) {
          for (let t = 0; t < d; t++) {
            const xp = Xq.row(i).slice();
            xp[t] += h;
            const xm = Xq.row(i).slice();
            xm[t] -= h;
            const fp = f(xp);
            const fm = f(xm);
            for (let c = 0; c < 3; c++) {
              const fd = (fp[c] - fm[c]) / (2 * h);
              maxErr = Math.max(maxErr, Math.abs(fd - J[i].get(c, t)));
              maxVal = Math.max(maxVal, Math.abs(fd));
            }
          }
        }
        expect(maxVal).toBeGreaterThan(1e-2);
        expect(maxErr / maxVal).toBeLessThan(1e-7);
      });
    }
  }

  for (const name of ['laplace', 'gaussian'] as KernelName[]) {
    it(`batched and Gram-form AGOP equal (1/N) sum_i J_i' J_i on the training points (${name})`, () => {
      const rng = new Rng(`agop-${name}`);
      const d = 6;
      const N = 20;
      const X = randn(rng, N, d);
      const alpha = randn(rng, N, 3);
      const M = spd(rng, d);
      const spec = { name, bandwidth: 2, M };
      const J = kernelPredictorJacobians(X, X, alpha, spec);
      const ref = new Matrix(d, d);
      for (const Ji of J) gemm(Ji, Ji, { transA: true, beta: 1, C: ref, alpha: 1 / N });
      const gram = kernelAgop(X, X, alpha, spec, { method: 'gram' });
      const batched = kernelAgop(X, X, alpha, spec, { method: 'batched' });
      let scale = 0;
      for (const v of ref.data) scale = Math.max(scale, Math.abs(v));
      for (let t = 0; t < d * d; t++) {
        expect(Math.abs(gram.data[t] - ref.data[t]) / scale).toBeLessThan(1e-12);
        expect(Math.abs(batched.data[t] - ref.data[t]) / scale).toBeLessThan(1e-12);
      }
      // Laplace: the self-pair (x_i, x_i) contributes nothing, so the AGOP is finite.
      expect(gram.data.every(Number.isFinite)).toBe(true);
    });
  }
});

/** Relative Frobenius distance ||A - B|| / ||B||. */
function relFro(A: Matrix, B: Matrix): number {
  let e = 0,
    s = 0;
  for (let t = 0; t < B.data.length; t++) {
    e += (A.data[t] - B.data[t]) ** 2;
    s += B.data[t] ** 2;
  }
  return Math.sqrt(e / s);
}

describe("AGOP with W'W in float32 (precision 'f32')", () => {
  // A Laplace KRR fit on unit-norm rows, N = 1100 (4 column blocks, two 1024-row chunks)
  const N = 1100,
    d = 40,
    rng = new Rng('agop-f32');
  const X = normalizeRows(randn(rng, N, d));
  for (let i = 0; i < N; i++) X.data[i * d + (i % 5)] += 1; // five clusters
  const Xn = normalizeRows(X);
  const spec = { name: 'laplace' as const, bandwidth: 2 };
  const Y = new Matrix(N, 5);
  for (let i = 0; i < N; i++) for (let c = 0; c < 5; c++) Y.data[i * 5 + c] = c === i % 5 ? 1 : -1;
  const alpha = krrSolve(kernelMatrix(Xn, Xn, spec), Y, 1e-3).alpha;

  it('is within 1e-5 (relative Frobenius) of the float64 reference, and symmetric', () => {
    const ref = kernelAgop(Xn, Xn, alpha, spec, { method: 'gram', precision: 'f64' });
    const fast = kernelAgop(Xn, Xn, alpha, spec, { method: 'gram', precision: 'f32' });
    expect(relFro(fast, ref)).toBeLessThan(1e-5);
    for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) expect(fast.get(i, j)).toBe(fast.get(j, i));
  });

  it('gives the same bytes on 1 and 2 threads', () => {
    const t0 = getThreads();
    try {
      setThreads(1);
      const one = kernelAgop(Xn, Xn, alpha, spec, { precision: 'f32' });
      setThreads(2);
      const two = kernelAgop(Xn, Xn, alpha, spec, { precision: 'f32' });
      expect(Buffer.from(two.data.buffer).equals(Buffer.from(one.data.buffer))).toBe(true);
    } finally {
      setThreads(t0);
    }
  });

  it("gramOfColumns in float32 is within 1e-6 of W'W relative to its largest entry", () => {
    for (const [rows, n] of [
      [30, 20],
      [2100, 1030],
    ]) {
      const W = new Matrix(rows, n, new Rng(`gram32-${n}`).normals(rows * n));
      const ref = gemm(W, W, { transA: true }),
        Q = gramOfColumns(W, 'f32');
      let e = 0,
        s = 0;
      for (let t = 0; t < ref.data.length; t++) {
        e = Math.max(e, Math.abs(Q.data[t] - ref.data[t]));
        s = Math.max(s, Math.abs(ref.data[t]));
      }
      expect(e / s).toBeLessThan(1e-6);
    }
  });
});

describe('squared distances of a matrix to itself', () => {
  it('from the blocks on and above the diagonal: the full product to 1e-15 relative', () => {
    const X = randn(new Rng('d2-sym'), 1100, 50);
    const sym = squaredDistances(X, X),
      full = squaredDistances(X, X.clone());
    for (let i = 0; i < 1100; i++) full.data[i * 1100 + i] = 0;
    let e = 0,
      s = 0;
    for (let t = 0; t < full.data.length; t++) {
      e = Math.max(e, Math.abs(sym.data[t] - full.data[t]));
      s = Math.max(s, full.data[t]);
    }
    expect(e / s).toBeLessThanOrEqual(1e-15);
  });
});

describe('gramOfColumns', () => {
  it("equals one GEMM W'W (to 1e-15 relative, symmetric exactly) for blocked and unblocked sizes", () => {
    for (const [N, n] of [
      [30, 20],
      [1100, 1030],
      [40, 4100],
    ]) {
      const W = new Matrix(N, n, new Rng(`gram${n}`).normals(N * n));
      const ref = gemm(W, W, { transA: true }),
        Q = gramOfColumns(W);
      let e = 0,
        s = 0;
      for (let t = 0; t < ref.data.length; t++) {
        e = Math.max(e, Math.abs(Q.data[t] - ref.data[t]));
        s = Math.max(s, Math.abs(ref.data[t]));
      }
      expect(e / s).toBeLessThanOrEqual(1e-15);
      for (let i = 0; i < n; i += 97) for (let j = 0; j < n; j += 89) expect(Q.get(i, j)).toBe(Q.get(j, i));
    }
  });
});
