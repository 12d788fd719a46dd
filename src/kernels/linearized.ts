// Linearised Deep RFM of the AGOP paper, Sec. 4.2 / Theorem 4.3, at the level of N x N Gram matrices
// (samples as rows, so the paper's X'X is our X X'):
//   k_lin(X) = X'X + lambda_k I,  alpha = (X'X + lambda_k I)^{-1} y,  M = X alpha alpha' X',
//   Xtilde_{l+1}' Xtilde_{l+1} = kappa^{-1} X_l' M_l X_l,  kappa = 1 - 2 lambda_k (1 + 1/lambda_Phi),
//   X_{l+1}' X_{l+1} = Xtilde_{l+1}' Xtilde_{l+1} + lambda_Phi I,
// with y the N x K one-hot (0/1) label matrix, so y y' is the collapsed Gram matrix (Lemma B.2).
import { Matrix, eigValuesSym, gemm } from '../linalg/index.ts';
import { krrSolve } from './krr.ts';

export interface LinearizedOptions {
  depth: number;
  /** Deviation of the kernel from linear, lambda_k (> 0). */
  lambdaK: number;
  /** Deviation of the feature map from linear, lambda_Phi (> 0). */
  lambdaPhi: number;
  /**
   * 'paper' (default): scale by kappa^{-1} = 1/(1 - 2 lambda_k (1 + 1/lambda_Phi)) as in Sec. 4.2.
   * 'none': kappa = 1. Note: at the collapsed Gram A* = y y' + lambda_Phi I one has
   * (A*)^{-1} y y' = y y' / (lambda_Phi + n_k) (Lemma B.2 itself), not (1 + 1/lambda_Phi) y y' as the
   * proof of Thm 4.3 uses, so with the paper's kappa the recursion settles at an error of about
   * 2 lambda_k (1 + 1/lambda_Phi) n_k rather than O(lambda_k^2 / lambda_Phi^2).
   */
  kappa?: 'paper' | 'none';
}

export interface LinearizedLayer {
  /** 0: the input Gram X_1' X_1; l >= 1: Xtilde_{l+1}' Xtilde_{l+1}, the AGOP-projected Gram layer l produces. */
  layer: number;
  /** Spectral norm || Gram - y y' ||_2 (the norm of Theorem 4.3's proof). */
  gramError: number;
  /** The same in Frobenius norm. */
  gramErrorFrobenius: number;
}

/** kappa = 1 - 2 lambda_k (1 + lambda_Phi^{-1}) (Sec. 4.2). */
export function linearizedKappa(lambdaK: number, lambdaPhi: number): number {
  return 1 - 2 * lambdaK * (1 + 1 / lambdaPhi);
}

/** y y' for one-hot labels: 1 when two samples share a class, else 0. */
export function collapsedGram(labels: ArrayLike<number>): Matrix {
  const N = labels.length;
  const A = new Matrix(N, N);
  for (let i = 0; i < N; i++) for (let j = 0; j < N; j++) A.data[i * N + j] = labels[i] === labels[j] ? 1 : 0;
  return A;
}

/** Run the recursion from the input Gram matrix G1 = X_1' X_1 (N x N) and report || . - y y' || per layer. */
export function linearizedDeepRfm(G1: Matrix, labels: ArrayLike<number>, classes: number, opts: LinearizedOptions): LinearizedLayer[] {
  const N = G1.rows;
  if (!G1.isSquare() || labels.length !== N)
    throw new RangeError(`linearizedDeepRfm: Gram ${G1.rows}x${G1.cols} does not match ${labels.length} labels`);
  if (!(opts.lambdaK > 0) || !(opts.lambdaPhi > 0)) throw new RangeError('linearizedDeepRfm: lambdaK and lambdaPhi must be positive');
  const kappa = (opts.kappa ?? 'paper') === 'paper' ? linearizedKappa(opts.lambdaK, opts.lambdaPhi) : 1;
  if (!(kappa > 0)) throw new RangeError(`linearizedDeepRfm: kappa = 1 - 2 lambda_k (1 + 1/lambda_Phi) = ${kappa} must be positive`);
  const y = new Matrix(N, classes);
  for (let i = 0; i < N; i++) y.data[i * classes + labels[i]] = 1;
  const yy = collapsedGram(labels);
  const out: LinearizedLayer[] = [errorOf(G1, yy, 0)];
  let G = G1;
  for (let l = 1; l <= opts.depth; l++) {
    const alpha = krrSolve(G, y, opts.lambdaK).alpha; // (G + lambda_k I)^{-1} y
    const Ga = gemm(G, alpha); // X' X alpha  (N x K)
    const Gt = gemm(Ga, Ga, { transB: true, alpha: 1 / kappa }); // kappa^{-1} X' M X
    out.push(errorOf(Gt, yy, l));
    G = Gt;
    for (let i = 0; i < N; i++) G.data[i * N + i] += opts.lambdaPhi; // + lambda_Phi I
  }
  return out;
}

function errorOf(G: Matrix, yy: Matrix, layer: number): LinearizedLayer {
  const D = new Matrix(G.rows, G.cols);
  let f = 0;
  for (let t = 0; t < D.data.length; t++) {
    const v = G.data[t] - yy.data[t];
    D.data[t] = v;
    f += v * v;
  }
  let s = 0;
  for (const v of eigValuesSym(D)) s = Math.max(s, Math.abs(v)); // spectral norm of a symmetric matrix
  return { layer, gramError: s, gramErrorFrobenius: Math.sqrt(f) };
}
