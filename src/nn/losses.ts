// Data losses: NRC squared error (Eq. 3), PyTorch MSE, softmax cross-entropy; optional per-sample weights.
import { Matrix, squaredLoss } from '../linalg/index.ts';

/**
 * 'squared': (1/N) sum_i ||f(x_i) - y_i||^2 (NRC Eq. 3);
 * 'mse': PyTorch MSELoss, mean over all N*c entries;
 * 'cross-entropy': (1/N) sum_i -log softmax(f(x_i))_{y_i} (soft targets allowed: -sum_c y_ic log p_ic).
 */
export type LossKind = 'squared' | 'mse' | 'cross-entropy';

/** Targets: an N x c matrix, or class labels (one-hot targets for the squared losses). */
export type Target = Matrix | Int32Array;

/** Target as a dense N x c matrix (labels become one-hot rows). */
export function targetMatrix(target: Target, c: number): Matrix {
  if (target instanceof Matrix) return target;
  const Y = new Matrix(target.length, c);
  for (let i = 0; i < target.length; i++) {
    const k = target[i];
    if (!(k >= 0 && k < c)) throw new RangeError(`label ${k} of sample ${i} is outside 0..${c - 1}`);
    Y.data[i * c + k] = 1;
  }
  return Y;
}

/** Rows of a target (for mini-batches). */
export function selectTargetRows(target: Target, idx: ArrayLike<number>, out?: Target): Target {
  if (target instanceof Matrix) {
    const c = target.cols;
    const o = (out as Matrix | undefined) ?? new Matrix(idx.length, c);
    for (let r = 0; r < idx.length; r++) o.data.set(target.data.subarray(idx[r] * c, idx[r] * c + c), r * c);
    return o;
  }
  const o = (out as Int32Array | undefined) ?? new Int32Array(idx.length);
  for (let r = 0; r < idx.length; r++) o[r] = target[idx[r]];
  return o;
}

export function targetRows(target: Target): number {
  return target instanceof Matrix ? target.rows : target.length;
}

/**
 * Loss value and (when grad is given) dLoss/dOutput written into grad (N x c).
 * weights[i] replaces the 1/N of sample i (NRC Eq. 8 uses pi_k); default uniform 1/N.
 */
export function lossValueAndGrad(kind: LossKind, output: Matrix, target: Target, grad: Matrix | null, weights?: ArrayLike<number>): number {
  return lossValueAndGradRows(kind, output.rows, output.cols, output.data, target, grad?.data ?? null, weights);
}

/**
 * lossValueAndGrad on an N x c output given as a row-major array, float64 or float32 (a float32 step's output in
 * wasm memory, read without widening); a float32 grad receives the float64 gradient rounded.
 */
export function lossValueAndGradRows(
  kind: LossKind,
  n: number,
  c: number,
  f: Float64Array | Float32Array,
  target: Target,
  g: Float64Array | Float32Array | null,
  weights?: ArrayLike<number>,
): number {
  if (targetRows(target) !== n) throw new RangeError(`loss: ${n} outputs but ${targetRows(target)} targets`);
  if (target instanceof Matrix && target.cols !== c) throw new RangeError(`loss: outputs have ${c} columns, targets ${target.cols}`);
  const uniform = 1 / n;
  let total = 0;
  if (kind === 'squared' || kind === 'mse') {
    const perEntry = kind === 'mse' ? 1 / c : 1;
    const w = new Float64Array(n);
    for (let i = 0; i < n; i++) w[i] = (weights ? weights[i] : uniform) * perEntry;
    if (target instanceof Matrix) return squaredLoss(n, c, f, target.data, w, g); // SIMD on the threads when resident
    for (let i = 0; i < n; i++) {
      const off = i * c;
      let s = 0;
      const k = target[i];
      for (let j = 0; j < c; j++) {
        const r = f[off + j] - (j === k ? 1 : 0);
        s += r * r;
        if (g) g[off + j] = 2 * w[i] * r;
      }
      total += w[i] * s;
    }
    return total;
  }
  // softmax cross-entropy, stable log-sum-exp
  for (let i = 0; i < n; i++) {
    const w = weights ? weights[i] : uniform;
    const off = i * c;
    let m = -Infinity;
    for (let j = 0; j < c; j++) if (f[off + j] > m) m = f[off + j];
    let z = 0;
    for (let j = 0; j < c; j++) z += Math.exp(f[off + j] - m);
    const logZ = m + Math.log(z);
    if (target instanceof Matrix) {
      const y = target.data;
      let ysum = 0;
      let s = 0;
      for (let j = 0; j < c; j++) {
        ysum += y[off + j];
        s -= y[off + j] * (f[off + j] - logZ);
      }
      total += w * s;
      if (g) for (let j = 0; j < c; j++) g[off + j] = w * (ysum * Math.exp(f[off + j] - logZ) - y[off + j]);
    } else {
      const k = target[i];
      if (!(k >= 0 && k < c)) throw new RangeError(`label ${k} of sample ${i} is outside 0..${c - 1}`);
      total -= w * (f[off + k] - logZ);
      if (g) {
        for (let j = 0; j < c; j++) g[off + j] = w * Math.exp(f[off + j] - logZ);
        g[off + k] -= w;
      }
    }
  }
  return total;
}
