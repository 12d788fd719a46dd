// Small pure checks for `nrc check`: each returns what was measured and what theory expects.
import { Matrix, gemm } from '../linalg/index.ts';
import type { Rng } from '../random/index.ts';
import { reluFeatureInnerProduct } from '../bounds/agop.ts';
import { agopFromJacobians } from '../kernels/agop.ts';

export interface CheckResult {
  measured: number;
  expected: number;
  /** Monte-Carlo standard error of `measured` (0 for exact checks). */
  standardError: number;
}

/**
 * Prop. A.1: mean over `trials` draws of W (D x d, N(0, 2/D) entries) of relu(Wx)' relu(Wy) for unit
 * x, y with x'y = r, against the closed form.
 */
export function checkPropA1(rng: Rng, opts: { r?: number; d?: number; D?: number; trials?: number } = {}): CheckResult {
  const r = opts.r ?? 0.3;
  const d = opts.d ?? 20;
  const D = opts.D ?? 64;
  const trials = opts.trials ?? 400;
  // x = e_1, y = r e_1 + sqrt(1 - r^2) e_2 (the proof's rotation), embedded in R^d.
  const XY = new Matrix(2, d);
  XY.data[0] = 1;
  XY.data[d] = r;
  XY.data[d + 1] = Math.sqrt(1 - r * r);
  const W = new Matrix(trials * D, d, rng.child('W').normals(trials * D * d, Math.sqrt(2 / D)));
  const P = gemm(W, XY, { transB: true }); // (trials D) x 2
  const vals = new Float64Array(trials);
  for (let t = 0; t < trials; t++) {
    let s = 0;
    for (let u = 0; u < D; u++) {
      const a = P.data[(t * D + u) * 2];
      const b = P.data[(t * D + u) * 2 + 1];
      if (a > 0 && b > 0) s += a * b;
    }
    vals[t] = s;
  }
  let mean = 0;
  for (const v of vals) mean += v / trials;
  let varSum = 0;
  for (const v of vals) varSum += (v - mean) ** 2;
  return { measured: mean, expected: reluFeatureInnerProduct(r), standardError: Math.sqrt(varSum / (trials - 1) / trials) };
}

/**
 * AGOP of a linear predictor f(x) = A x on any data is A'A exactly (every Jacobian is A).
 * Returns || AGOP ||_F against || A'A ||_F; `standardError` carries the max entry-wise difference.
 */
export function checkAgopLinear(rng: Rng, opts: { K?: number; d?: number; N?: number } = {}): CheckResult & { maxAbsDiff: number } {
  const K = opts.K ?? 3;
  const d = opts.d ?? 6;
  const N = opts.N ?? 50;
  const A = new Matrix(K, d, rng.child('A').normals(K * d));
  // Stack the Jacobians of a batch of 10 samples (rows of J(x_i) = A), N samples in all.
  const batches: Matrix[] = [];
  for (let start = 0; start < N; start += 10) {
    const b = Math.min(10, N - start);
    const G = new Matrix(b * K, d);
    for (let i = 0; i < b; i++) G.data.set(A.data, i * K * d);
    batches.push(G);
  }
  const M = agopFromJacobians(batches, N);
  const AtA = gemm(A, A, { transA: true });
  let fm = 0;
  let fe = 0;
  let diff = 0;
  for (let t = 0; t < M.data.length; t++) {
    fm += M.data[t] ** 2;
    fe += AtA.data[t] ** 2;
    diff = Math.max(diff, Math.abs(M.data[t] - AtA.data[t]));
  }
  return { measured: Math.sqrt(fm), expected: Math.sqrt(fe), standardError: 0, maxAbsDiff: diff };
}
