// Kernel ridge regression: alpha = Y (k(X, X) + mu I)^{-1} (AGOP paper, Algorithm 1), stored with samples
// as rows: alpha is N x K and the predictor is f(X') = k(X', X) alpha.
import { Matrix, NotPositiveDefiniteError, cholesky, choleskySolve, eigSym, gemm } from '../linalg/index.ts';

export interface KrrSolution {
  /** N x K coefficients (the paper's alpha transposed). */
  alpha: Matrix;
  /** Ridge actually used (mu, plus any jitter the fallback added). */
  ridgeUsed: number;
  /** 'cholesky', 'cholesky-jitter' (mu + tiny jitter) or 'eigen-pinv' (pseudo-inverse from an eigendecomposition). */
  method: 'cholesky' | 'cholesky-jitter' | 'eigen-pinv';
}

/**
 * Solve (K + mu I) alpha = Y for a symmetric PSD kernel matrix K (N x N) and targets Y (N x K).
 * mu = 0 is allowed (ridgeless interpolation). Fallback when K + mu I is numerically singular
 * (Cholesky fails): retry with jitter 1e-12, 1e-10, 1e-8 times mean(diag K) added to mu; if that
 * still fails, use the eigendecomposition and invert only eigenvalues above N * eps * lambda_max
 * (pseudo-inverse, the minimum-norm interpolant).
 */
export function krrSolve(K: Matrix, Y: Matrix, ridge: number): KrrSolution {
  if (!K.isSquare() || K.rows !== Y.rows)
    throw new RangeError(`krrSolve: kernel matrix ${K.rows}x${K.cols} does not match targets ${Y.rows}x${Y.cols}`);
  if (!(ridge >= 0) || !Number.isFinite(ridge)) throw new RangeError(`krrSolve: ridge must be >= 0, got ${ridge}`);
  const n = K.rows;
  let meanDiag = 0;
  for (let i = 0; i < n; i++) meanDiag += K.data[i * n + i];
  meanDiag /= Math.max(n, 1);
  for (const [jitter, method] of [
    [0, 'cholesky'],
    [1e-12, 'cholesky-jitter'],
    [1e-10, 'cholesky-jitter'],
    [1e-8, 'cholesky-jitter'],
  ] as const) {
    const mu = ridge + jitter * meanDiag;
    try {
      const L = cholesky(K, mu); // K + mu I = L L'
      const alpha = choleskySolve(L, Y);
      if (alpha.data.every(Number.isFinite)) return { alpha, ridgeUsed: mu, method };
    } catch (e) {
      if (!(e instanceof NotPositiveDefiniteError)) throw e;
    }
  }
  // Pseudo-inverse through K + mu I = V diag(lambda) V'.
  const A = K.clone();
  for (let i = 0; i < n; i++) A.data[i * n + i] += ridge;
  const { values, vectors: V } = eigSym(A);
  let lmax = 0;
  for (const v of values) lmax = Math.max(lmax, Math.abs(v));
  const cut = n * Number.EPSILON * lmax;
  const VtY = gemm(V, Y, { transA: true });
  const k = Y.cols;
  for (let i = 0; i < values.length; i++) {
    const inv = values[i] > cut ? 1 / values[i] : 0;
    for (let c = 0; c < k; c++) VtY.data[i * k + c] *= inv;
  }
  return { alpha: gemm(V, VtY), ridgeUsed: ridge, method: 'eigen-pinv' };
}

/** Fraction of rows whose arg-max matches the label. */
export function accuracy(predictions: Matrix, labels: ArrayLike<number>): number {
  const { rows: n, cols: k } = predictions;
  if (n === 0) return NaN;
  let hits = 0;
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let c = 1; c < k; c++) if (predictions.data[i * k + c] > predictions.data[i * k + best]) best = c;
    if (best === labels[i]) hits++;
  }
  return hits / n;
}
