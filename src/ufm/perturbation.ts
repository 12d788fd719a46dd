// The perturbation matrix F of Eq. 5 and the exact linear operator of Theorem 4.1 (Tirer et al., Sec. 4, App. C).
// vec is column stacking of the paper's d x Kn H; with nrc's Kn x d storage, vec(H_paper) = H.data.
import { Matrix, addScaled, gemm, inverse, kron, sliceCols, sliceRows, singularValues, solveSPD, transpose } from '../linalg/index.ts';
import type { UfmConfig } from './model.ts';

/**
 * E(W, H) of Theorem 4.1 (dnK x Kd): the column of w_{k,i} = W[k, i] (vec(W) index k + K i) is
 * vec(e_{d,i} e_{K,k}^T (W H - Y)), i.e. E[s d + i, k + K i] = (W H - Y)[k, s].
 */
export function matrixE(W: Matrix, H: Matrix, K: number, n: number): Matrix {
  const d = H.cols;
  const N = K * n;
  const R = gemm(H, W, { transB: true }); // Kn x K, row s = (W h_s)^T
  for (let k = 0; k < K; k++) for (let i = 0; i < n; i++) R.data[(k * n + i) * K + k] -= 1;
  const E = new Matrix(d * N, K * d);
  for (let s = 0; s < N; s++) for (let i = 0; i < d; i++) for (let k = 0; k < K; k++) E.data[(s * d + i) * (K * d) + k + K * i] = R.data[s * K + k];
  return E;
}

/**
 * Z* = (E*^T + H* (x) W*)^T (H* H*^T (x) I_K + n lambda_W I_dK)^{-1} (E*^T + H* (x) W*) (Theorem 4.1), dnK x dnK,
 * with H* the paper's d x Kn matrix (here H is its transpose).
 */
export function matrixZ(W: Matrix, H: Matrix, cfg: UfmConfig): Matrix {
  const { K, n, d } = cfg;
  const Hp = transpose(H); // d x Kn
  const B = addScaled(transpose(matrixE(W, H, K, n)), kron(Hp, W), 1); // Kd x dnK
  const A = kron(gemm(H, H, { transA: true }), Matrix.eye(K)); // H H^T (x) I_K
  for (let i = 0; i < d * K; i++) A.data[i * d * K + i] += n * cfg.lambdaW;
  return gemm(B, solveSPD(A, B), { transA: true });
}

/** M = lambda_H I + I_nK (x) W^T W - Z*: Kn times the Hessian of L(H) of Sec. 3 in vec(H) (the Schur complement of App. C). */
export function reducedHessian(W: Matrix, H: Matrix, cfg: UfmConfig): Matrix {
  const { K, n, d } = cfg;
  const N = d * K * n;
  const Z = matrixZ(W, H, cfg);
  const M = new Matrix(N, N);
  const WtW = gemm(W, W, { transA: true });
  for (let i = 0; i < N * N; i++) M.data[i] = -Z.data[i];
  for (let i = 0; i < N; i++) M.data[i * N + i] += cfg.lambdaH;
  for (let s = 0; s < K * n; s++) for (let a = 0; a < d; a++) for (let b = 0; b < d; b++) M.data[(s * d + a) * N + s * d + b] += WtW.data[a * d + b];
  return M;
}

/** F of Eq. 5: I - (lambda_H/beta) I - (1/beta) I_nK (x) W*^T W* + (1/beta) Z* = I - M/beta (first order in 1/beta). */
export function perturbationMatrix(W: Matrix, H: Matrix, cfg: UfmConfig & { beta: number }): Matrix {
  const M = reducedHessian(W, H, cfg);
  const N = M.rows;
  const F = new Matrix(N, N);
  for (let i = 0; i < N * N; i++) F.data[i] = -M.data[i] / cfg.beta;
  for (let i = 0; i < N; i++) F.data[i * N + i] += 1;
  return F;
}

/**
 * Theorem 4.1 exactly: vec(dH) = (beta/Kn) (Schur complement of the Hessian of f)^{-1} vec(dH0) = (I + M/beta)^{-1} vec(dH0),
 * the Jacobian of the Eq. 2 minimiser w.r.t. H0 at (W, H) = the minimiser for H0 (implicit function theorem).
 */
export function perturbationMatrixExact(W: Matrix, H: Matrix, cfg: UfmConfig & { beta: number }): Matrix {
  const M = reducedHessian(W, H, cfg);
  const N = M.rows;
  for (let i = 0; i < N * N; i++) M.data[i] /= cfg.beta;
  for (let i = 0; i < N; i++) M.data[i * N + i] += 1;
  return inverse(M);
}

/** Block F_{k,k'} (dn x dn) of Eq. 6: rows of class k, columns of class k' (0-based). */
export function block(F: Matrix, d: number, n: number, k: number, kp: number): Matrix {
  const b = d * n;
  return sliceCols(sliceRows(F, k * b, (k + 1) * b), kp * b, (kp + 1) * b);
}

/** Singular values (descending) of block F_{k,k'}. */
export function blockSingularValues(F: Matrix, d: number, n: number, k: number, kp: number): Float64Array {
  return singularValues(block(F, d, n, k, kp));
}

/** F vec(dH0) with dH0 stored like H (Kn x d); returns dH in the same storage. */
export function applyToFeatures(F: Matrix, dH0: Matrix): Matrix {
  const v = gemm(F, new Matrix(dH0.size, 1, dH0.data));
  return new Matrix(dH0.rows, dH0.cols, v.data);
}
