/*
 * Unconstrained features model (Tirer et al., "Perturbation analysis of neural collapse", Eq. 1 and Eq. 2).
 *
 * Storage convention. The paper's features matrix H is d x Kn with the samples as columns, class-major
 * (h_{1,1}, ..., h_{1,n}, h_{2,1}, ..., h_{K,n}). nrc keeps samples as rows (DESIGN.md), so in code a
 * features matrix `H` is the Kn x d matrix H_paper^T: row k*n + i is h_{k+1,i+1} (0-based k, i). A
 * pleasant consequence: the paper's column-stacking vec(H_paper) is exactly `H.data` (row-major), so
 * vec index = sample * d + coordinate, and the samples of class k occupy the contiguous range
 * [k d n, (k+1) d n) of vec(H) -- the blocks F_{k,k'} of Eq. 6.
 * W is K x d (out x in), as in the paper. Y = I_K (x) 1_n^T is never formed: Y H_paper^T = n Hbar^T is the
 * matrix of class sums.
 */
import { Matrix, gemm, solveSPD, sumSquares, transpose } from '../linalg/index.ts';

/** Sizes and hyperparameters of Eq. 1 / Eq. 2. beta = 0 (or no H0) gives Eq. 1. */
export interface UfmConfig {
  K: number;
  n: number;
  d: number;
  lambdaH: number;
  lambdaW: number;
  /** Eq. 2 proximity weight; 0 or undefined: Eq. 1. */
  beta?: number;
  /** Eq. 2 input features (Kn x d, rows = samples, class-major). Required when beta > 0. */
  H0?: Matrix;
}

/** Class labels 0..K-1 of the Kn rows (class-major), for src/metrics. */
export function ufmLabels(K: number, n: number): Int32Array {
  const out = new Int32Array(K * n);
  for (let k = 0; k < K; k++) out.fill(k, k * n, (k + 1) * n);
  return out;
}

function checkShape(H: Matrix, cfg: UfmConfig, what: string): void {
  if (H.rows !== cfg.K * cfg.n || H.cols !== cfg.d) {
    throw new RangeError(`${what}: features are ${H.rows}x${H.cols}, expected Kn x d = ${cfg.K * cfg.n}x${cfg.d} (rows = samples)`);
  }
}

/** Class sums: the K x d matrix Y H_paper^T = n Hbar^T (row k = sum of the rows of class k). */
export function classSums(H: Matrix, K: number, n: number): Matrix {
  const d = H.cols;
  const S = new Matrix(K, d);
  for (let k = 0; k < K; k++) {
    for (let i = 0; i < n; i++) {
      const r = H.row(k * n + i);
      for (let j = 0; j < d; j++) S.data[k * d + j] += r[j];
    }
  }
  return S;
}

/** Class means Hbar^T (K x d, row k = hbar_k). */
export function classMeanRows(H: Matrix, K: number, n: number): Matrix {
  const S = classSums(H, K, n);
  for (let i = 0; i < S.data.length; i++) S.data[i] /= n;
  return S;
}

/** W*(H) = Y H^T (H H^T + n lambda_W I_d)^{-1} (Eq. 2, footnote 3), K x d. */
export function optimalW(H: Matrix, cfg: UfmConfig): Matrix {
  checkShape(H, cfg, 'optimalW');
  const A = gemm(H, H, { transA: true }); // H_paper H_paper^T (d x d)
  for (let j = 0; j < cfg.d; j++) A.data[j * cfg.d + j] += cfg.n * cfg.lambdaW;
  const S = classSums(H, cfg.K, cfg.n); // Y H_paper^T
  return transpose(solveSPD(A, transpose(S))); // A symmetric: (A^{-1} S^T)^T = S A^{-1}
}

/** Residual W H_paper - Y as a Kn x K matrix (its transpose): row s = W h_s - y_s. */
function residualRows(W: Matrix, H: Matrix, K: number, n: number): Matrix {
  const R = gemm(H, W, { transB: true }); // Kn x K: row s = (W h_s)^T
  for (let k = 0; k < K; k++) for (let i = 0; i < n; i++) R.data[(k * n + i) * K + k] -= 1;
  return R;
}

/** f(W, H; H0) of Eq. 2 (Eq. 1 when beta = 0). */
export function ufmObjective(W: Matrix, H: Matrix, cfg: UfmConfig): number {
  checkShape(H, cfg, 'ufmObjective');
  const Kn = cfg.K * cfg.n;
  const R = residualRows(W, H, cfg.K, cfg.n);
  let f = sumSquares(R.data) / (2 * Kn) + (cfg.lambdaW / (2 * cfg.K)) * sumSquares(W.data) + (cfg.lambdaH / (2 * Kn)) * sumSquares(H.data);
  const beta = cfg.beta ?? 0;
  if (beta > 0) f += (beta / (2 * Kn)) * proximitySquared(H, cfg);
  return f;
}

function proximitySquared(H: Matrix, cfg: UfmConfig): number {
  if (!cfg.H0) throw new RangeError('Eq. 2 with beta > 0 needs H0');
  checkShape(cfg.H0, cfg, 'H0');
  let s = 0;
  for (let i = 0; i < H.data.length; i++) {
    const t = H.data[i] - cfg.H0.data[i];
    s += t * t;
  }
  return s;
}

export interface ReducedValue {
  /** f(W*(H), H; H0): L(H) of Sec. 3 plus the Eq. 2 proximity term. */
  value: number;
  /** Kn * grad_H of the reduced objective (Kn x d, rows = samples): the right-hand side of Eq. 4 up to sign. */
  gradient: Matrix;
  W: Matrix;
}

/**
 * The reduced objective H -> f(W*(H), H; H0) and Kn times its gradient. W = W*(H) minimises f in W, so by
 * the envelope theorem grad_H = grad_H f(W, H) at W = W*(H):
 *   Kn grad_H f = W^T (W H - Y) + lambda_H H + beta (H - H0)   (paper's columns; Eq. 11 un-vectorised).
 * The factor Kn makes it O(1) per sample and is the speed of the central-path flow (Eq. 4).
 */
export function reducedObjective(H: Matrix, cfg: UfmConfig): ReducedValue {
  checkShape(H, cfg, 'reducedObjective');
  const Kn = cfg.K * cfg.n;
  const beta = cfg.beta ?? 0;
  const W = optimalW(H, cfg);
  const R = residualRows(W, H, cfg.K, cfg.n);
  const G = gemm(R, W); // rows: (W^T (W h_s - y_s))^T
  const g = G.data,
    h = H.data;
  for (let i = 0; i < g.length; i++) g[i] += cfg.lambdaH * h[i];
  let value = sumSquares(R.data) / (2 * Kn) + (cfg.lambdaW / (2 * cfg.K)) * sumSquares(W.data) + (cfg.lambdaH / (2 * Kn)) * sumSquares(H.data);
  if (beta > 0) {
    value += (beta / (2 * Kn)) * proximitySquared(H, cfg);
    const h0 = cfg.H0!.data;
    for (let i = 0; i < g.length; i++) g[i] += beta * (h[i] - h0[i]);
  }
  return { value, gradient: G, W };
}

/** L(H) of Sec. 3 (Eq. 1 with W = W*(H)) and Kn grad L(H): reducedObjective without the beta term. */
export function centralPathLoss(H: Matrix, cfg: UfmConfig): ReducedValue {
  return reducedObjective(H, { ...cfg, beta: 0, H0: undefined });
}
