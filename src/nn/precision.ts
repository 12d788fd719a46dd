// Arithmetic precision of the MLP's forward and backward (`--dtype f32`): 'f64' (default) runs everything in
// float64. 'f32': for networks without batchnorm, src/nn/mlp.ts runs the whole step in float32 on buffers
// resident in wasm memory (weights rounded once per forward, float32 products, bias + activation and its
// derivative as float32 SIMD kernels; the loss reads the float32 output in place and forms out - y in float64,
// its gradient rounded to float32 as it is written; gradients widened once per layer), and mini-batch SGD keeps
// float32 master parameters (src/nn/sgd-f32.ts). With batchnorm, gemmDtype
// below rounds each product's operands to float32 and widens the result; everything else stays float64.
import { type GemmOptions, Matrix, gemm, gemmF32 } from '../linalg/index.ts';

export type Dtype = 'f64' | 'f32';
export const DTYPES: readonly Dtype[] = ['f64', 'f32'];

/** Reused float32 staging buffers (grown on demand; one set per process, products run one at a time). */
const scratch: Float32Array[] = [new Float32Array(0), new Float32Array(0), new Float32Array(0)];
function buffer(slot: number, n: number): Float32Array {
  if (scratch[slot].length < n) scratch[slot] = new Float32Array(Math.max(n, Math.ceil(scratch[slot].length * 1.25)));
  return scratch[slot].subarray(0, n);
}

/** gemm(A, B, opts) in the given precision; same contract as linalg's gemm (C written, read when beta != 0). */
export function gemmDtype(dtype: Dtype, A: Matrix, B: Matrix, opts: GemmOptions = {}): Matrix {
  if (dtype === 'f64') return gemm(A, B, opts);
  const transA = opts.transA ?? false,
    transB = opts.transB ?? false;
  const alpha = opts.alpha ?? 1,
    beta = opts.C ? (opts.beta ?? 0) : 0;
  const m = transA ? A.cols : A.rows,
    k = transA ? A.rows : A.cols;
  const kb = transB ? B.cols : B.rows,
    n = transB ? B.rows : B.cols;
  if (k !== kb) throw new RangeError(`gemmDtype: inner dimensions differ: op(A) is ${m}x${k}, op(B) is ${kb}x${n}`);
  const C = opts.C ?? new Matrix(m, n);
  if (C.rows !== m || C.cols !== n) throw new RangeError(`gemmDtype: C is ${C.rows}x${C.cols}, expected ${m}x${n}`);
  if (m === 0 || n === 0) return C;
  const a = buffer(0, A.data.length),
    b = buffer(1, B.data.length),
    c = buffer(2, m * n);
  a.set(A.data);
  b.set(B.data);
  if (beta !== 0) c.set(C.data);
  gemmF32(m, n, k, alpha, a, transA, b, transB, beta, c);
  C.data.set(c);
  return C;
}
