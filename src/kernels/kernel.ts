// Laplace and Gaussian kernels on the rows of two matrices, optionally Mahalanobis (AGOP paper App. C;
// RFM of Radhakrishnan et al.), built from Gram matrices with GEMM: ||x - z||_M^2 = x'Mx + z'Mz - 2 x'Mz.
import { Matrix, gemm, transposeBlock } from '../linalg/index.ts';

export type KernelName = 'laplace' | 'gaussian';
export const KERNEL_NAMES: readonly KernelName[] = ['laplace', 'gaussian'];

export interface KernelSpec {
  name: KernelName;
  /** Bandwidth L (paper: 2.0). */
  bandwidth: number;
  /** Optional symmetric PSD Mahalanobis matrix M (d x d); identity when omitted. */
  M?: Matrix;
}

/**
 * Distances below this are treated as a self-pair in the Laplace kernel's gradient (its gradient is
 * undefined at x = z): those pairs contribute 0, as in the authors' reference code.
 */
export const SELF_PAIR_DISTANCE = 1e-10;

/** Squared norms of the rows of X under M: x_i' M x_i (M = I when omitted). Also returns X M when M is given. */
function rowNormsM(X: Matrix, M?: Matrix): { norms: Float64Array; XM: Matrix } {
  const XM = M ? gemm(X, M) : X;
  const { rows: n, cols: d } = X;
  const norms = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < d; j++) s += X.data[i * d + j] * XM.data[i * d + j];
    norms[i] = s;
  }
  return { norms, XM };
}

/** Relative round-off level of x'Mx + z'Mz - 2 x'Mz; smaller values are set to 0. */
const ROUNDOFF = 64 * Number.EPSILON;

/**
 * Squared Mahalanobis distances D2_ij = (x_i - z_j)' M (x_i - z_j) between the rows of X (n x d) and
 * Z (m x d), from one GEMM; values below 64 eps (x'Mx + z'Mz), i.e. round-off, are set to 0
 * (so duplicated samples count as self-pairs in the Laplace gradient). Written into `out` (n x m) when given.
 */
export function squaredDistances(X: Matrix, Z: Matrix, M?: Matrix, out?: Matrix): Matrix {
  if (X.cols !== Z.cols) throw new RangeError(`squaredDistances: X has ${X.cols} columns, Z has ${Z.cols}`);
  if (M && (M.rows !== X.cols || M.cols !== X.cols)) throw new RangeError(`squaredDistances: M is ${M.rows}x${M.cols}, expected ${X.cols}x${X.cols}`);
  const { norms: nx, XM } = rowNormsM(X, M);
  const nz = X === Z ? nx : rowNormsM(Z, M).norms;
  // X = Z without M: X X' is symmetric, so only the row blocks on and above the diagonal are multiplied
  const D2 =
    X === Z && !M && X.rows >= 1024
      ? symmetricFromUpperBlocks(
          X.rows,
          blockEdges(X.rows, 4),
          (a, b, e) => gemm(rowBlock(X, e[a], e[a + 1]), rowBlock(X, e[b], e[b + 1]), { transB: true, alpha: -2 }),
          out,
        )
      : gemm(XM, Z, { transB: true, alpha: -2, C: out });
  const n = X.rows;
  const m = Z.rows;
  for (let i = 0; i < n; i++) {
    const off = i * m;
    for (let j = 0; j < m; j++) {
      const v = D2.data[off + j] + nx[i] + nz[j];
      // Below the round-off of the Gram formula the points are indistinguishable: distance 0.
      D2.data[off + j] = v > ROUNDOFF * (nx[i] + nz[j]) ? v : 0;
    }
  }
  if (X === Z) for (let i = 0; i < n; i++) D2.data[i * m + i] = 0;
  return D2;
}

/** Rows [r0, r1) of A as a matrix sharing A's storage. */
function rowBlock(A: Matrix, r0: number, r1: number): Matrix {
  return new Matrix(r1 - r0, A.cols, A.data.subarray(r0 * A.cols, r1 * A.cols));
}

/** Edges 0 = e_0 < ... < e_blocks = n of `blocks` near-equal ranges (multiples of 4 inside). */
export function blockEdges(n: number, blocks: number): number[] {
  return Array.from({ length: blocks + 1 }, (_, b) => (b === blocks ? n : 4 * Math.round((b * n) / blocks / 4)));
}

/**
 * A symmetric n x n matrix from its blocks on and above the diagonal: block(a, b) (b >= a) returns rows
 * [e_a, e_a+1) x columns [e_b, e_b+1), written there and mirrored (with 4 blocks, 10/16 of one product);
 * every entry of `out` is written when it is given.
 */
export function symmetricFromUpperBlocks(n: number, edges: number[], block: (a: number, b: number, edges: number[]) => Matrix, out?: Matrix): Matrix {
  const Q = out ?? new Matrix(n, n),
    blocks = edges.length - 1;
  for (let a = 0; a < blocks; a++) {
    for (let b = a; b < blocks; b++) {
      const P = block(a, b, edges);
      const r0 = edges[a],
        c0 = edges[b],
        h = P.rows,
        w = P.cols;
      for (let i = 0; i < h; i++) Q.data.set(P.data.subarray(i * w, (i + 1) * w), (r0 + i) * n + c0);
      if (a !== b) transposeBlock(P.data, 0, w, h, w, Q.data, c0 * n + r0, n); // the mirror block, in cache-sized tiles
    }
  }
  return Q;
}

/** k(r^2) from squared distances: Laplace exp(-r / L), Gaussian exp(-r^2 / (2 L^2)); into `out` when given. */
export function kernelFromSquaredDistances(D2: Matrix, name: KernelName, bandwidth: number, out?: Matrix): Matrix {
  const K = out ?? new Matrix(D2.rows, D2.cols);
  const n = D2.data.length;
  if (name === 'laplace') {
    const s = -1 / bandwidth;
    for (let t = 0; t < n; t++) K.data[t] = Math.exp(s * Math.sqrt(D2.data[t]));
  } else {
    const s = -1 / (2 * bandwidth * bandwidth);
    for (let t = 0; t < n; t++) K.data[t] = Math.exp(s * D2.data[t]);
  }
  return K;
}

/**
 * Kernel matrix k(X, Z) (n x m) between rows:
 * Laplace `exp(-||x - z||_M / L)` (AGOP paper App. C), Gaussian `exp(-||x - z||_M^2 / (2 L^2))`.
 */
export function kernelMatrix(X: Matrix, Z: Matrix, spec: KernelSpec): Matrix {
  checkBandwidth(spec.bandwidth);
  return kernelFromSquaredDistances(squaredDistances(X, Z, spec.M), spec.name, spec.bandwidth);
}

/**
 * Weights w(x, z) with grad_x k(x, z) = w(x, z) M (x - z), from squared distances and kernel values:
 * Laplace w = -k / (L r) (0 for r < SELF_PAIR_DISTANCE), Gaussian w = -k / L^2; into `out` when given.
 */
export function gradientWeights(D2: Matrix, K: Matrix, name: KernelName, bandwidth: number, out?: Matrix): Matrix {
  const W = out ?? new Matrix(K.rows, K.cols);
  const n = K.data.length;
  if (name === 'laplace') {
    for (let t = 0; t < n; t++) {
      const r = Math.sqrt(D2.data[t]);
      W.data[t] = r < SELF_PAIR_DISTANCE ? 0 : -K.data[t] / (bandwidth * r);
    }
  } else {
    const s = -1 / (bandwidth * bandwidth);
    for (let t = 0; t < n; t++) W.data[t] = s * K.data[t];
  }
  return W;
}

export function checkBandwidth(L: number): void {
  if (!(L > 0) || !Number.isFinite(L)) throw new RangeError(`kernel: bandwidth must be a positive number, got ${L}`);
}
