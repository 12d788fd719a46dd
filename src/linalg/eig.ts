// Symmetric eigendecomposition (DESIGN.md, "src/linalg/"): Householder tridiagonalisation, then divide and
// conquer on the tridiagonal (stedc.ts) for the vectors, or implicit QL (tridiagonal-ql.ts) for values only and small n.
import { checkStop } from './interrupt.ts';
import { Matrix } from './matrix.ts';
import { gemm } from './gemm.ts';
import { applyBlockReflector, compactWY, formReflectorProduct, householder, putBlock, rowBlock } from './reflector.ts';
import { transposeBlock } from './ops.ts';
import { tridiagonalQL } from './tridiagonal-ql.ts';
import { STEDC_LEAF, tridiagonalEigDC } from './stedc.ts';
import { gemvLowRankSub, gemvN, gemvT, negColumn, releaseWorkspace, workspace } from './level2.ts';

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

/** Panel width of the blocked reduction; narrower trailing parts are finished unblocked. */
const TRD_NB = 32;
const TRD_MIN = 96;

interface TridiagonalReflectors {
  d: Float64Array;
  e: Float64Array;
  vs: Float64Array[];
  betas: Float64Array;
}

/**
 * Unblocked steps k = k0..n-3 on the symmetric a (n x n, row-major, a[k0:, k0:] current), in place; then the
 * diagonal d[k0..] and e[n-2]. Every update runs over contiguous rows (column k below the diagonal is row k).
 */
function tridiagonalizeUnblocked(a: Float64Array, n: number, k0: number, f: TridiagonalReflectors): void {
  const { d, e, vs, betas } = f;
  const p = new Float64Array(n);
  for (let k = k0; k < n - 2; k++) {
    const L = n - k - 1,
      c0 = k + 1;
    const v = a.slice(k * n + c0, k * n + n); // x = A[k+1:, k] = A[k, k+1:]
    const [beta, alpha] = householder(v);
    e[k] = alpha;
    betas[k] = beta;
    vs[k] = v;
    if (beta === 0) continue;
    // p = beta A22 v; w = p - (beta/2)(p.v) v; A22 -= v w^T + w v^T
    let pv = 0;
    for (let i = 0; i < L; i++) {
      const oi = (c0 + i) * n + c0;
      let s = 0;
      for (let j = 0; j < L; j++) s += a[oi + j] * v[j];
      s *= beta;
      p[i] = s;
      pv += s * v[i];
    }
    const h = 0.5 * beta * pv;
    for (let i = 0; i < L; i++) p[i] -= h * v[i];
    for (let i = 0; i < L; i++) {
      const oi = (c0 + i) * n + c0;
      const vi = v[i],
        wi = p[i];
      for (let j = 0; j < L; j++) a[oi + j] -= vi * p[j] + wi * v[j];
    }
  }
  for (let i = k0; i < n; i++) d[i] = a[i * n + i];
  if (n >= 2 && n - 2 >= k0) e[n - 2] = a[(n - 2) * n + n - 1];
}

/**
 * One panel of the blocked reduction (LAPACK dlatrd's scheme, row-major): steps k = p0..p0+nb-1 leave a
 * untouched and keep the reduced matrix as A - V W^T - W V^T, so each step reads the trailing matrix once
 * (A v, a matrix-vector product in wasm memory when the fast path is on); the trailing block is then
 * updated by one GEMM, A -= [V W] [W V]^T.
 */
function tridiagonalizePanel(a: Float64Array, n: number, p0: number, nb: number, f: TridiagonalReflectors): void {
  // V and W as rows (nb x n each, zeros outside their support), resident with `a` when the fast path is on.
  const ws = workspace(2 * nb * n);
  try {
    const Vt = ws.subarray(0, nb * n),
      Wt = ws.subarray(nb * n);
    for (let i = 0; i < nb; i++) tridiagonalizeStep(a, n, p0 + i, i, Vt, Wt, f);
    // A[q:, q:] -= V W^T + W V^T = [V W] [W V]^T, one GEMM.
    const q = p0 + nb,
      nt = n - q;
    if (nt <= 0) return;
    const VWt = new Matrix(2 * nb, nt),
      WVt = new Matrix(2 * nb, nt);
    for (let j = 0; j < nb; j++) {
      const vq = Vt.subarray(j * n + q, (j + 1) * n),
        wq = Wt.subarray(j * n + q, (j + 1) * n);
      VWt.data.set(vq, j * nt);
      VWt.data.set(wq, (nb + j) * nt);
      WVt.data.set(wq, j * nt);
      WVt.data.set(vq, (nb + j) * nt);
    }
    // The trailing block as a resident workspace, so the GEMM reads and writes it in place.
    const c = workspace(nt * nt);
    try {
      for (let i = 0; i < nt; i++) c.set(a.subarray((q + i) * n + q, (q + i + 1) * n), i * nt);
      const C = new Matrix(nt, nt, c);
      gemm(VWt, WVt, { transA: true, alpha: -1, beta: 1, C });
      putBlock(a, n, q, q, C);
    } finally {
      releaseWorkspace(c);
    }
  } finally {
    releaseWorkspace(ws);
  }
}

/**
 * Step i (k = p0 + i) of a panel (LAPACK dlatrd's scheme): the reduced matrix is A - V W^T - W V^T; reflector
 * v of its row k, then w = beta (A - V W^T - W V^T) v - (beta^2/2)(v^T p) v, by matrix-vector products (level2.ts).
 */
function tridiagonalizeStep(a: Float64Array, n: number, k: number, i: number, Vt: Float64Array, Wt: Float64Array, f: TridiagonalReflectors): void {
  const c0 = k + 1,
    L = n - c0;
  let dk = a[k * n + k];
  for (let j = 0; j < i; j++) dk -= 2 * Vt[j * n + k] * Wt[j * n + k];
  f.d[k] = dk;
  const coef = new Float64Array(i);
  // Row k of the reduced matrix, columns k+1..n-1.
  const v = a.slice(k * n + c0, k * n + n);
  gemvT(Wt, c0, n, i, L, negColumn(Vt, n, k, i, coef), v);
  gemvT(Vt, c0, n, i, L, negColumn(Wt, n, k, i, coef), v);
  const [beta, alpha] = householder(v);
  f.e[k] = alpha;
  f.betas[k] = beta;
  f.vs[k] = v;
  Vt.set(v, i * n + c0);
  if (beta === 0) return;
  // p = beta (A - V W^T - W V^T)[k+1:, k+1:] v
  const w = new Float64Array(L);
  gemvN(a, c0 * n + c0, n, L, L, v, w);
  gemvLowRankSub(Vt, c0, n, Wt, c0, n, i, L, L, v, w); // - V W^T v
  gemvLowRankSub(Wt, c0, n, Vt, c0, n, i, L, L, v, w); // - W V^T v
  // w = p - (beta/2)(p . v) v
  let pv = 0;
  for (let c = 0; c < L; c++) {
    w[c] *= beta;
    pv += w[c] * v[c];
  }
  const h = 0.5 * beta * pv;
  for (let c = 0; c < L; c++) w[c] -= h * v[c];
  Wt.set(w, i * n + c0);
}

/**
 * Reduce symmetric A to tridiagonal T = Q^T A Q (d diagonal, e[i] = T[i, i+1]), Q = H_0 ... H_{n-3} kept as its
 * reflectors. Blocked: panels of 32 steps with GEMM trailing updates while more than 96 columns remain, then
 * unblocked steps.
 */
function reduceToTridiagonal(A: Matrix): TridiagonalReflectors {
  const n = A.rows;
  // The working copy lives in wasm memory when the fast path is on (the panels' matrix-vector products run there).
  const a = workspace(n * n);
  a.set(A.data);
  const f: TridiagonalReflectors = {
    d: new Float64Array(n),
    e: new Float64Array(Math.max(n - 1, 0)),
    vs: new Array<Float64Array>(Math.max(n - 2, 0)),
    betas: new Float64Array(n),
  };
  try {
    let p0 = 0;
    for (; n - p0 > TRD_MIN; p0 += TRD_NB) {
      checkStop();
      tridiagonalizePanel(a, n, p0, TRD_NB, f);
    } // a stop request is seen between panels
    tridiagonalizeUnblocked(a, n, p0, f);
  } finally {
    releaseWorkspace(a);
  }
  return f;
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
    const { V, T } = compactWY(n - 1, f.vs, f.betas, k0, Math.min(k0 + BACK_BLOCK, count));
    applyBlockReflector(V, T, rowBlock(Z, k0 + 1, n), false);
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
  if (n > STEDC_LEAF) return eigSymDC(reduceToTridiagonal(A));
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
  const { values: lam, VT } = tridiagonalEigDC(f.d, f.e);
  const order = descendingOrder(lam);
  const values = new Float64Array(n);
  // Z: column j = eigenvector of values[j] in the tridiagonal's coordinates; resident in wasm memory when the
  // fast path is on, so the back-transformation's GEMMs update it in place.
  const z = workspace(n * n),
    ZT = new Float64Array(n * n);
  try {
    for (let j = 0; j < n; j++) {
      values[j] = lam[order[j]];
      ZT.set(VT.subarray(order[j] * n, (order[j] + 1) * n), j * n);
    }
    transposeBlock(ZT, 0, n, n, n, z, 0, n);
    backTransform(f, new Matrix(n, n, z));
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
