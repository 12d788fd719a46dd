// Householder reduction of a symmetric matrix to tridiagonal form, blocked as LAPACK's dsytrd / dlatrd (Dongarra,
// Hammarling & Sorensen 1989, "Block reduction of matrices to condensed forms"; Golub & Van Loan, Sec. 8.3.1):
// panels of TRD_NB reflectors leave the matrix untouched and keep the reduced matrix as A - V W^T - W V^T, then one
// symmetric rank-2k update writes the trailing matrix. Only the upper triangle is stored and updated (row i holds
// A[i, i:]), so each step's matrix-vector product reads half the matrix (symmetric.ts).
import { checkStop } from './interrupt.ts';
import { householder } from './reflector.ts';
import { releaseWorkspace, workspace } from './level2.ts';
import { lowRankSub, lowRankSymSub, packGroups, symvUpper, syr2kUpper } from './symmetric.ts';

/** T = Q^T A Q: diagonal d, off-diagonal e (e[i] = T[i, i+1]); Q = H_0 ... H_{n-3}, H_k = I - betas[k] v v^T, v = vs[k] on coordinates k+1... */
export interface TridiagonalReflectors {
  d: Float64Array;
  e: Float64Array;
  vs: Float64Array[];
  betas: Float64Array;
}

/** Reflectors per panel. */
const TRD_NB = 32;

/**
 * Step i (k = p0 + i) of a panel (dlatrd): the reduced matrix is A - V W^T - W V^T (V, W stored as rows, Vt[j * n + c]
 * = V[c, j]); reflector v of its row k, then w = beta (A - V W^T - W V^T) v - (beta^2/2)(v^T p) v.
 */
function panelStep(a: Float64Array, n: number, k: number, i: number, Vt: Float64Array, Wt: Float64Array, f: TridiagonalReflectors): void {
  const c0 = k + 1,
    L = n - c0;
  let dk = a[k * n + k];
  for (let j = 0; j < i; j++) dk -= 2 * Vt[j * n + k] * Wt[j * n + k];
  f.d[k] = dk;
  // Row k of the reduced matrix, columns k+1..n-1 (upper triangle: stored), formed in place as V's row i:
  // A[k, k+1:] - sum_j (V[k, j] W[k+1:, j] + W[k, j] V[k+1:, j]).
  const v = Vt.subarray(i * n + c0, (i + 1) * n);
  v.set(a.subarray(k * n + c0, k * n + n));
  const vk = new Float64Array(i),
    wk = new Float64Array(i);
  for (let j = 0; j < i; j++) {
    vk[j] = Vt[j * n + k];
    wk[j] = Wt[j * n + k];
  }
  lowRankSub(Wt, Vt, c0, n, i, L, vk, wk, v);
  const [beta, alpha] = householder(v);
  f.e[k] = alpha;
  f.betas[k] = beta;
  f.vs[k] = v.slice();
  // p = beta (A - V W^T - W V^T)[k+1:, k+1:] v, formed in place as W's row i
  const w = Wt.subarray(i * n + c0, (i + 1) * n);
  if (beta === 0) {
    w.fill(0);
    return;
  }
  symvUpper(a, c0 * n + c0, n, L, v, w);
  lowRankSymSub(Vt, Wt, c0, n, i, L, v, w); // - (V W^T + W V^T) v
  // w = p - (beta/2)(p . v) v
  let pv = 0;
  for (let c = 0; c < L; c++) {
    w[c] *= beta;
    pv += w[c] * v[c];
  }
  const h = 0.5 * beta * pv;
  for (let c = 0; c < L; c++) w[c] -= h * v[c];
}

/** Steps p0..p0+nb-1, then the upper triangle of A[q:, q:] -= V W^T + W V^T = [V W] [W V]^T (q = p0 + nb). */
function panel(a: Float64Array, n: number, p0: number, nb: number, f: TridiagonalReflectors): void {
  const q = p0 + nb,
    nt = n - q,
    packLen = ((nt + 3) >> 2) * 8 * nb;
  // V and W as rows (nb x n each; row i is read only at columns p0 + i + 1.., which every step writes) and the
  // packed operands, resident with `a`.
  const ws = workspace(2 * nb * n + 2 * packLen, false);
  try {
    const Vt = ws.subarray(0, nb * n),
      Wt = ws.subarray(nb * n, 2 * nb * n);
    for (let i = 0; i < nb; i++) panelStep(a, n, p0 + i, i, Vt, Wt, f);
    if (nt <= 0) return;
    const pp = ws.subarray(2 * nb * n, 2 * nb * n + packLen),
      qp = ws.subarray(2 * nb * n + packLen);
    packGroups(Vt, Wt, n, nb, q, nt, pp);
    packGroups(Wt, Vt, n, nb, q, nt, qp);
    syr2kUpper(a, q * n + q, n, nt, pp, qp, 2 * nb);
  } finally {
    releaseWorkspace(ws);
  }
}

/** Reduce symmetric A (n x n row-major; its upper triangle is read) to tridiagonal form, Q kept as its reflectors. */
export function reduceToTridiagonal(A: { rows: number; data: Float64Array }): TridiagonalReflectors {
  const n = A.rows;
  // The working copy lives in wasm memory when the fast path is on (the kernels address it in place).
  const a = workspace(n * n, false);
  a.set(A.data.subarray(0, n * n));
  const f: TridiagonalReflectors = {
    d: new Float64Array(n),
    e: new Float64Array(Math.max(n - 1, 0)),
    vs: new Array<Float64Array>(Math.max(n - 2, 0)),
    betas: new Float64Array(n),
  };
  try {
    for (let p0 = 0; p0 < n - 2; p0 += TRD_NB) {
      checkStop(); // a stop request is seen between panels
      panel(a, n, p0, Math.min(TRD_NB, n - 2 - p0), f);
    }
    for (let i = Math.max(n - 2, 0); i < n; i++) f.d[i] = a[i * n + i];
    if (n >= 2) f.e[n - 2] = a[(n - 2) * n + n - 1];
  } finally {
    releaseWorkspace(a);
  }
  return f;
}
