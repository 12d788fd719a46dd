// Jacobians of the network outputs w.r.t. the input of a layer, and their AGOP (AGOP paper: (1/N) sum_i J_i^T J_i).
import { Matrix, gemm } from '../linalg/index.ts';
import type { MLP, Mode } from './mlp.ts';

/**
 * Jacobians of f_k (k = 1..c outputs) w.r.t. z^l (input of 0-based layer l; l = 0: the data) at every sample,
 * stored by output: J[k] is N x d_l, row i = d f_k(x_i) / d z^l_i. One forward and c backward passes (GEMMs).
 * Batchnorm layers use running statistics (mode 'eval') unless asked otherwise.
 */
export function outputJacobians(model: MLP, X: Matrix, l: number, mode: Mode = 'eval', visit?: (k: number, Jk: Matrix) => void): Matrix[] {
  if (!(l >= 0 && l < model.depth)) throw new RangeError(`outputJacobians: layer must be in 0..${model.depth - 1}`);
  const Z = model.representation(X, l, mode);
  const ws = model.ensureWorkspace(Z.rows);
  const L = model.depth;
  const c = model.widths[L];
  const out: Matrix[] = [];
  model.run(ws, Z, l, mode, false); // backprop leaves the forward caches intact
  for (let k = 0; k < c; k++) {
    const delta = ws.delta[L - 1].data.fill(0);
    for (let i = 0; i < Z.rows; i++) delta[i * c + k] = 1;
    const J = model.backprop(ws, l, mode, null, true)!;
    if (visit) visit(k, J);
    else out.push(J.clone());
  }
  return out;
}

/** Jacobian of sample i (c x d_l) from outputJacobians' per-output layout. */
export function sampleJacobian(J: Matrix[], i: number): Matrix {
  const d = J[0].cols;
  const out = new Matrix(J.length, d);
  J.forEach((Jk, k) => out.data.set(Jk.data.subarray(i * d, i * d + d), k * d));
  return out;
}

/** AGOP w.r.t. the input of layer l: (1/N) sum_i J_i^T J_i = (1/N) sum_k J[k]^T J[k], d_l x d_l. */
export function agop(model: MLP, X: Matrix, l = 0, mode: Mode = 'eval'): Matrix {
  const d = model.widths[l];
  const G = new Matrix(d, d);
  let first = true;
  outputJacobians(model, X, l, mode, (_k, Jk) => {
    gemm(Jk, Jk, { transA: true, alpha: 1 / X.rows, beta: first ? 0 : 1, C: G });
    first = false;
  });
  return G;
}
