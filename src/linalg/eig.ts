// Symmetric eigendecomposition (DESIGN.md, "src/linalg/"): Householder tridiagonalisation, then divide and
// conquer on the tridiagonal (stedc.ts) for the vectors, or implicit QL (tridiagonal-ql.ts) for values only and small n.
import { checkStop } from './interrupt.ts';
import { Matrix } from './matrix.ts';
import { gemm } from './gemm.ts';
import { formReflectorProduct, rowBlock, triangularFactor } from './reflector.ts';
import { reduceToTridiagonal, type TridiagonalReflectors } from './tridiagonal-reduction.ts';
import { tridiagonalQL } from './tridiagonal-ql.ts';
import { STEDC_LEAF, tridiagonalEigDC } from './stedc.ts';
import { releaseWorkspace, workspace } from './level2.ts';

/** A = V diag(values) V^T for symmetric A; values descending, eigenvectors are the columns of `vectors`. */
export interface EigSym {
  values: Float64Array;
  vectors: Matrix;
}

interface Tridiagonal {
  d: Float64Array;
  e: Float64Array;
  Q?: Matrix;
}

/** Seconds spent per stage of eigSym's divide-and-conquer path, by `eigStageClock` (benchmarks and profiling). */
export const eigStageSeconds = { reduce: 0, divide: 0, back: 0 };
let clock = (): number => performance.now();
/** The clock of eigStageSeconds, in milliseconds (default: wall clock; e.g. process CPU time on one thread). */
export function setEigStageClock(ms: () => number): void {
  clock = ms;
}

/** As reduceToTridiagonal, with Q formed when wanted (from the reflectors in compact WY blocks with GEMM). */
function tridiagonalize(A: Matrix, wantQ: boolean): Tridiagonal {
  const n = A.rows;
  const { d, e, vs, betas } = reduceToTridiagonal(A);
  if (!wantQ) return { d, e };
  // Q = H_0 H_1 ... H_{n-3}, reflector k acting on coordinates k+1..n-1.
  const Q = Matrix.eye(n);
  if (n > 2) {
    const Q1 = formReflectorProduct(n - 1, n - 1, vs, betas, n - 2);
    for (let i = 0; i < n - 1; i++) Q.data.set(Q1.data.subarray(i * (n - 1), (i + 1) * (n - 1)), (i + 1) * n + 1);
  }
  return { d, e, Q };
}

/** Reflectors per compact WY block in the back-transformation. */
const BACK_BLOCK = 64;

/**
 * Z := Q Z in place for Q = H_0 ... H_{n-3} of the reduction (H_k on coordinates k+1..n-1): blocks of reflectors
 * in compact WY form applied last to first, each as three GEMMs on rows k0+1.. of Z (LAPACK dormtr's scheme).
 */
function backTransform(f: TridiagonalReflectors, Z: Matrix): void {
  const n = Z.rows,
    count = n - 2;
  const k0s: number[] = [];
  for (let k0 = 0; k0 < count; k0 += BACK_BLOCK) k0s.push(k0);
  for (let b = k0s.length - 1; b >= 0; b--) {
    checkStop();
    const k0 = k0s[b];
    applyReflectorBlock(f, k0, Math.min(k0 + BACK_BLOCK, count), rowBlock(Z, k0 + 1, n));
  }
}

/**
 * B := (I - V T V^T) B for the compact WY form of H_{k0} ... H_{k1-1} (Schreiber & Van Loan; T from S = V^T V), V and
 * the intermediate products in resident workspaces so every GEMM runs on them in place.
 */
function applyReflectorBlock(f: TridiagonalReflectors, k0: number, k1: number, B: Matrix): void {
  const kb = k1 - k0,
    L0 = B.rows,
    nc = B.cols;
  const ws = workspace(L0 * kb + 2 * kb * nc, false);
  try {
    const V = new Matrix(L0, kb, ws.subarray(0, L0 * kb)),
      v = V.data;
    for (let i = 0; i < L0; i++) {
      // unit lower trapezoidal, row by row: column j is reflector k0 + j (entries i >= j)
      const o = i * kb,
        j1 = Math.min(i + 1, kb);
      for (let j = 0; j < j1; j++) v[o + j] = f.vs[k0 + j][i - j];
      v.fill(0, o + j1, o + kb);
    }
    const T = triangularFactor(gemm(V, V, { transA: true }), f.betas.subarray(k0, k1));
    // Transposed intermediates (nc x kb): the threads split the long side, and each packs only its part of B.
    const Wt = new Matrix(nc, kb, ws.subarray(L0 * kb, L0 * kb + kb * nc)),
      Yt = new Matrix(nc, kb, ws.subarray(L0 * kb + kb * nc));
    gemm(B, V, { transA: true, C: Wt }); // W^T = B^T V
    gemm(Wt, T, { transB: true, C: Yt }); // Y^T = W^T T^T
    gemm(V, Yt, { transB: true, alpha: -1, beta: 1, C: B }); // B -= V Y
  } finally {
    releaseWorkspace(ws);
  }
}

/** z[i, j] = VT[order[j], i] (n x n), in 32 x 32 tiles so both sides stay in cache. */
function permutedTranspose(VT: Float64Array, order: Int32Array, n: number, z: Float64Array): void {
  const BS = 32;
  for (let jj = 0; jj < n; jj += BS) {
    const jEnd = Math.min(jj + BS, n);
    for (let ii = 0; ii < n; ii += BS) {
      const iEnd = Math.min(ii + BS, n);
      for (let j = jj; j < jEnd; j++) {
        const from = order[j] * n;
        for (let i = ii; i < iEnd; i++) z[i * n + j] = VT[from + i];
      }
    }
  }
}

function descendingOrder(values: Float64Array): Int32Array {
  const idx = Array.from(values.keys());
  idx.sort((x, y) => values[y] - values[x]);
  return Int32Array.from(idx);
}

function assertSymmetricShape(A: Matrix, what: string): void {
  if (A.rows !== A.cols) throw new RangeError(`${what}: matrix is ${A.rows}x${A.cols}, not square`);
}

/**
 * Eigenvalues (descending) and orthonormal eigenvectors (columns) of a symmetric matrix: tridiagonalisation,
 * then divide and conquer on the tridiagonal (stedc.ts) above STEDC_LEAF rows, the QL iteration below.
 */
export function eigSym(A: Matrix): EigSym {
  assertSymmetricShape(A, 'eigSym');
  const n = A.rows;
  if (n > STEDC_LEAF) {
    const t0 = clock();
    const f = reduceToTridiagonal(A);
    eigStageSeconds.reduce += (clock() - t0) / 1000;
    return eigSymDC(f);
  }
  const { d, e, Q } = tridiagonalize(A, true);
  tridiagonalQL(d, e, Q);
  const order = descendingOrder(d);
  const values = new Float64Array(n);
  const vectors = new Matrix(n, n);
  const q = Q!.data,
    v = vectors.data;
  for (let j = 0; j < n; j++) values[j] = d[order[j]];
  for (let i = 0; i < n; i++) {
    const o = i * n;
    for (let j = 0; j < n; j++) v[o + j] = q[o + order[j]];
  }
  return { values, vectors };
}

/**
 * The eigenpairs of T = Q^T A Q by divide and conquer; A's eigenvectors Q Z by the reflectors applied to Z
 * (Q is never formed), columns in descending order of the eigenvalues.
 */
function eigSymDC(f: TridiagonalReflectors): EigSym {
  const n = f.d.length;
  const t0 = clock();
  const { values: lam, VT } = tridiagonalEigDC(f.d, f.e);
  const t1 = clock();
  eigStageSeconds.divide += (t1 - t0) / 1000;
  const order = descendingOrder(lam);
  const values = new Float64Array(n);
  // Z: column j = eigenvector of values[j] in the tridiagonal's coordinates; resident in wasm memory when the
  // fast path is on, so the back-transformation's GEMMs update it in place.
  const z = workspace(n * n, false); // every entry written by permutedTranspose
  try {
    for (let j = 0; j < n; j++) values[j] = lam[order[j]];
    permutedTranspose(VT, order, n, z);
    backTransform(f, new Matrix(n, n, z));
    eigStageSeconds.back += (clock() - t1) / 1000;
    return { values, vectors: new Matrix(n, n, z.slice()) };
  } finally {
    releaseWorkspace(z);
  }
}

/** Eigenvalues of a symmetric matrix, descending. */
export function eigValuesSym(A: Matrix): Float64Array {
  assertSymmetricShape(A, 'eigValuesSym');
  const { d, e } = tridiagonalize(A, false);
  tridiagonalQL(d, e);
  return Float64Array.from(d).sort().reverse();
}
