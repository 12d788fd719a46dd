// Quantities of the Neural Rank Collapse theory: product matrix, centroid-based loss (Eq. 8), Lemma 3.3
// residual, gradients of a single sample / a batch (Prop. 3.1).
import { Matrix, gemm } from '../linalg/index.ts';
import { type LossKind, type Target, targetMatrix } from './losses.ts';
import type { MLP, Mode } from './mlp.ts';
import { Objective, type WeightDecay } from './objective.ts';

export interface GradientOptions {
  loss: LossKind;
  weightDecay?: WeightDecay;
  /** Batchnorm mode (default 'eval': per-sample quantities are only defined with fixed statistics). */
  mode?: Mode;
}

/** Product W_{to} ... W_{from+1} of a deep linear network (0-based layers from..to-1), d_to x d_from. */
export function productMatrix(model: MLP, from = 0, to = model.depth): Matrix {
  if (!(from >= 0 && from < to && to <= model.depth)) throw new RangeError(`productMatrix: need 0 <= from < to <= ${model.depth}`);
  let P = model.layers[from].W.clone();
  for (let l = from + 1; l < to; l++) P = gemm(model.layers[l].W, P);
  return P;
}

/** Centroids zbar_k (K x d) of the rows of Z per part of the partition, sizes N_k and weights pi_k = N_k / N. */
export function partitionCentroids(Z: Matrix, partition: Int32Array, K?: number): { centroids: Matrix; counts: Int32Array; pi: Float64Array } {
  if (partition.length !== Z.rows) throw new RangeError(`partition has ${partition.length} entries, data ${Z.rows} rows`);
  let k = K ?? 0;
  if (K === undefined) for (const p of partition) k = Math.max(k, p + 1);
  const d = Z.cols;
  const C = new Matrix(k, d);
  const counts = new Int32Array(k);
  for (let i = 0; i < Z.rows; i++) {
    const p = partition[i];
    if (!(p >= 0 && p < k)) throw new RangeError(`partition label ${p} of sample ${i} is outside 0..${k - 1}`);
    counts[p]++;
    const row = Z.data.subarray(i * d, i * d + d);
    for (let j = 0; j < d; j++) C.data[p * d + j] += row[j];
  }
  const pi = new Float64Array(k);
  for (let p = 0; p < k; p++) {
    pi[p] = counts[p] / Z.rows;
    if (counts[p] > 0) for (let j = 0; j < d; j++) C.data[p * d + j] /= counts[p];
  }
  return { centroids: C, counts, pi };
}

/**
 * The centroid-based loss L_lambda^{j,C} (NRC Eq. 8) as an Objective: the sub-network from layer j (0-based:
 * it consumes z^j, z^0 = x) at the centroids zbar_k^j with targets ybar_k and weights pi_k.
 */
export function centroidObjective(model: MLP, X: Matrix, Y: Target, partition: Int32Array, j: number, opts: GradientOptions): Objective {
  if (!(j >= 0 && j < model.depth)) throw new RangeError(`centroid loss: layer j must be in 0..${model.depth - 1}`);
  const mode = opts.mode ?? 'eval';
  const Z = model.representation(X, j, mode);
  let K = 0;
  for (const p of partition) K = Math.max(K, p + 1);
  const zc = partitionCentroids(Z, partition, K);
  const yc = partitionCentroids(targetMatrix(Y, model.widths[model.depth]), partition, K);
  return new Objective(model, zc.centroids, yc.centroids, {
    loss: opts.loss,
    weightDecay: opts.weightDecay,
    sampleWeights: zc.pi,
    mode,
    from: j,
    updateRunning: false,
    decayAll: true,
  });
}

/** L_lambda^{j,C} (NRC Eq. 8) and its gradient (full parameter vector; only the weight-decay part 2 lambda W for layers before j). */
export function centroidLoss(
  model: MLP,
  X: Matrix,
  Y: Target,
  partition: Int32Array,
  j: number,
  opts: GradientOptions,
): { loss: number; grad: Float64Array } {
  const obj = centroidObjective(model, X, Y, partition, j, opts);
  const grad = new Float64Array(model.params.length);
  const loss = obj.valueAndGrad(null, grad);
  return { loss, grad };
}

/** L_lambda on (X, Y) and its gradient (a copy), with per-layer matrix views of the gradient. */
export function lossGradient(
  model: MLP,
  X: Matrix,
  Y: Target,
  opts: GradientOptions & { sampleWeights?: Float64Array },
): { loss: number; grad: Float64Array; gradW: Matrix[] } {
  const obj = new Objective(model, X, Y, { ...opts, mode: opts.mode ?? 'eval', updateRunning: false });
  const grad = new Float64Array(model.params.length);
  const loss = obj.valueAndGrad(null, grad);
  return { loss, grad, gradW: model.viewsOf(grad).map((v) => v.W) };
}

/**
 * Lemma 3.3 residual per layer: R_l = ||grad_{W_l} L_0 - grad_{W_l} L_0^{j,C}||_F for layers l >= j
 * (0-based; the paper's W_{l+1} with j < l+1); NaN for l < j. Both losses without weight decay.
 */
export function lemma33Residuals(model: MLP, X: Matrix, Y: Target, partition: Int32Array, j: number, opts: GradientOptions): Float64Array {
  const o = { loss: opts.loss, mode: opts.mode };
  const full = lossGradient(model, X, Y, o).grad;
  const cent = centroidLoss(model, X, Y, partition, j, o).grad;
  const out = new Float64Array(model.depth).fill(NaN);
  for (let l = j; l < model.depth; l++) {
    const off = model.offsets[l].W;
    const n = model.layers[l].W.data.length;
    let s = 0;
    for (let i = off; i < off + n; i++) {
      const r = full[i] - cent[i];
      s += r * r;
    }
    out[l] = Math.sqrt(s);
  }
  return out;
}

/**
 * Gradient w.r.t. every W_l of the unnormalised batch loss sum_{i in batch} l(f(x_i), y_i) (NRC Prop. 3.1:
 * rank <= batch size). `rows` selects the batch (default: all rows of X).
 */
export function batchGradient(model: MLP, X: Matrix, Y: Target, opts: GradientOptions, rows?: ArrayLike<number>): Matrix[] {
  let Xb = X;
  let Yb = Y;
  if (rows) {
    const d = X.cols;
    Xb = new Matrix(rows.length, d);
    for (let r = 0; r < rows.length; r++) Xb.data.set(X.data.subarray(rows[r] * d, rows[r] * d + d), r * d);
    const Ym = targetMatrix(Y, model.widths[model.depth]);
    const c = Ym.cols;
    const Yr = new Matrix(rows.length, c);
    for (let r = 0; r < rows.length; r++) Yr.data.set(Ym.data.subarray(rows[r] * c, rows[r] * c + c), r * c);
    Yb = Yr;
  }
  const w = new Float64Array(Xb.rows).fill(1);
  return lossGradient(model, Xb, Yb, { loss: opts.loss, mode: opts.mode, sampleWeights: w }).gradW.map((g) => g.clone());
}

/** Gradient w.r.t. every W_l of l(f(x_i), y_i) for the single sample i (rank <= 1). */
export function sampleGradient(model: MLP, X: Matrix, Y: Target, i: number, opts: GradientOptions): Matrix[] {
  return batchGradient(model, X, Y, opts, [i]);
}
