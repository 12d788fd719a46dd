// GEMM: C = alpha op(A) op(B) + beta C, the one product every layer of nrc calls (DESIGN.md).
import { Matrix } from './matrix.ts';

export interface GemmOptions {
  transA?: boolean;
  transB?: boolean;
  alpha?: number;
  beta?: number;
  /** Output matrix (read when beta != 0, always written). Must not alias A or B. */
  C?: Matrix;
}

/** A kernel computes C = alpha op(A) op(B) + beta C in place on row-major buffers. */
export type GemmKernel = (
  m: number, n: number, k: number, alpha: number,
  a: Float64Array, transA: boolean, b: Float64Array, transB: boolean,
  beta: number, c: Float64Array,
) => void;

let activeKernel: GemmKernel | undefined;

/** Install a faster kernel (the WebAssembly path); undefined restores the TypeScript reference. */
export function setGemmKernel(kernel: GemmKernel | undefined): void {
  activeKernel = kernel;
}

export function gemm(A: Matrix, B: Matrix, opts: GemmOptions = {}): Matrix {
  const transA = opts.transA ?? false;
  const transB = opts.transB ?? false;
  const alpha = opts.alpha ?? 1;
  const beta = opts.beta ?? 0;
  const m = transA ? A.cols : A.rows;
  const k = transA ? A.rows : A.cols;
  const kb = transB ? B.cols : B.rows;
  const n = transB ? B.rows : B.cols;
  if (k !== kb) {
    throw new RangeError(`gemm: inner dimensions differ: op(A) is ${m}x${k}, op(B) is ${kb}x${n}`);
  }
  const C = opts.C ?? new Matrix(m, n);
  if (C.rows !== m || C.cols !== n) throw new RangeError(`gemm: C is ${C.rows}x${C.cols}, expected ${m}x${n}`);
  if (m === 0 || n === 0) return C;
  (activeKernel ?? gemmReference)(m, n, k, alpha, A.data, transA, B.data, transB, opts.C ? beta : 0, C.data);
  return C;
}

/** A B */
export function matmul(A: Matrix, B: Matrix): Matrix {
  return gemm(A, B);
}
/** A^T B */
export function matmulTN(A: Matrix, B: Matrix): Matrix {
  return gemm(A, B, { transA: true });
}
/** A B^T */
export function matmulNT(A: Matrix, B: Matrix): Matrix {
  return gemm(A, B, { transB: true });
}

/** Plain TypeScript kernel: the reference every faster path is tested against (placeholder until the blocked kernel lands). */
export const gemmReference: GemmKernel = (m, n, k, alpha, a, transA, b, transB, beta, c) => {
  const lda = transA ? m : k;
  const ldb = transB ? k : n;
  const row = new Float64Array(n);
  for (let i = 0; i < m; i++) {
    row.fill(0);
    for (let p = 0; p < k; p++) {
      const aip = transA ? a[p * lda + i] : a[i * lda + p];
      if (transB) {
        for (let j = 0; j < n; j++) row[j] += aip * b[j * ldb + p];
      } else {
        const off = p * ldb;
        for (let j = 0; j < n; j++) row[j] += aip * b[off + j];
      }
    }
    const off = i * n;
    if (beta === 0) for (let j = 0; j < n; j++) c[off + j] = alpha * row[j];
    else for (let j = 0; j < n; j++) c[off + j] = alpha * row[j] + beta * c[off + j];
  }
};
