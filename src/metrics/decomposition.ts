// SVD decomposition of an MLP layer and per-layer AGOPs (AGOP paper, Sec. 5, App. D, Figures 2, 7, 10).
import { Matrix, gemm, svd } from '../linalg/index.ts';
import { multiplyActivationDerivative } from '../nn/activations.ts';
import type { MLP } from '../nn/mlp.ts';
import { classStats, traceSigmaB, traceSigmaW } from './collapse.ts';

/** Rows (S V^T x_i)^T = X V S (N x r) for W = U S V^T (out x in), X with samples as rows (AGOP Sec. 5, stage 2). */
export function rightSingularProjection(X: Matrix, W: Matrix): Matrix {
  if (X.cols !== W.cols) throw new RangeError(`rightSingularProjection: X has ${X.cols} columns, W is ${W.rows}x${W.cols}`);
  const { S, V } = svd(W);
  const r = S.length;
  const VS = new Matrix(V.rows, r);
  for (let i = 0; i < V.rows; i++) for (let j = 0; j < r; j++) VS.data[i * r + j] = V.data[i * r + j] * S[j];
  return gemm(X, VS);
}

/** tr Sigma_W / tr Sigma_T and tr Sigma_B / tr Sigma_T with Sigma_T = Sigma_W + Sigma_B (AGOP App. D, Fig. 10). */
export function varianceRatios(features: Matrix, labels: ArrayLike<number>): { withinOverTotal: number; betweenOverTotal: number } {
  const s = classStats(features, labels);
  const w = traceSigmaW(s);
  const b = traceSigmaB(s);
  const t = w + b;
  return t > 0 ? { withinOverTotal: w / t, betweenOverTotal: b / t } : { withinOverTotal: NaN, betweenOverTotal: NaN };
}

/**
 * AGOP_l = (1/N) sum_i J_l(x_i)^T J_l(x_i) w.r.t. the input of every layer l = 0..L-1 (AGOP paper Sec. 3.3), from one
 * forward pass and one backward sweep per output: G_l^k = (G_{l+1}^k * act'(pre_l)) W_l, AGOP_l += G_l^k^T G_l^k / N.
 * Same values as nn/agop(model, X, l) for each l; eval mode (no batchnorm statistics are updated).
 */
export function layerAgops(model: MLP, X: Matrix): Matrix[] {
  if (model.batchnorm.some((b) => b)) throw new Error('layerAgops: batchnorm layers are not supported (use nn/agop)');
  const L = model.depth;
  const N = X.rows;
  const { layers } = model.forward(X, { mode: 'eval', record: true });
  const c = model.widths[L];
  const out = model.widths.slice(0, L).map((d) => new Matrix(d, d));
  for (let k = 0; k < c; k++) {
    let G = new Matrix(N, c);
    for (let i = 0; i < N; i++) G.data[i * c + k] = 1;
    for (let l = L - 1; l >= 0; l--) {
      const rec = layers![l];
      multiplyActivationDerivative(model.activations[l], rec.preActivation.data, rec.output.data, G.data); // d f_k / d pre_l
      G = gemm(G, model.layers[l].W); // d f_k / d z^l (input of layer l), N x d_l
      gemm(G, G, { transA: true, alpha: 1 / N, beta: k === 0 ? 0 : 1, C: out[l] });
    }
  }
  return out;
}
