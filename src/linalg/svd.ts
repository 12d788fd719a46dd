// Singular value decomposition (DESIGN.md, "src/linalg/"): Golub-Kahan Householder bidiagonalisation, then the
// SVD of the bidiagonal: the implicit-shift QR iteration for values only (bdqr.ts; Golub & Van Loan 8.6.2), divide
// and conquer with GEMM merges for vectors (bdsdc.ts; Gu & Eisenstat 1995). Backward stable: singular values
// carry absolute errors of order eps * s_max. Tall inputs are first reduced by a blocked QR. The
// bidiagonalisation is blocked (LAPACK dlabrd's scheme: panels of 32 with the trailing update as one GEMM) and
// runs in wasm memory with SIMD matrix-vector products when the fast path is on (level2.ts); its factors are
// formed from the reflectors with GEMM (compact WY). The unblocked reference lives on in
// test/linalg/reference-svd.ts.
import { checkStop } from './interrupt.ts';
import { Matrix } from './matrix.ts';
import { gemm, matmul } from './gemm.ts';
import { transpose } from './ops.ts';
import { qr } from './qr.ts';
import { householder as house, copyBlock, formReflectorProduct, putBlock } from './reflector.ts';
import { bidiagonalQR } from './bdqr.ts';
import { bidiagonalSvdDC } from './bdsdc.ts';
import { gemvLowRankSub, gemvN, gemvT, negColumn, releaseWorkspace, workspace } from './level2.ts';

/** Tall inputs with rows >= QR_RATIO * cols are first reduced to R by a blocked QR (GEMM-heavy). */
const QR_RATIO = 1.5;

/** Thin SVD A = U diag(S) V^T; r = min(m, n); U is m x r, V is n x r, S descending. */
export interface SVD {
  U: Matrix;
  S: Float64Array;
  V: Matrix;
}

export interface Bidiagonal {
  d: Float64Array;
  e: Float64Array;
  /** m x n left factor with orthonormal columns, n x n right factor: A = UQ B P^T. */
  UQ?: Matrix;
  P?: Matrix;
}

/** Reflectors of a bidiagonal reduction: left k acts on rows k.., right k on columns k+1.. (vectors with leading 1). */
interface Reflectors {
  d: Float64Array;
  e: Float64Array;
  lv: Float64Array[];
  lb: Float64Array;
  rv: Float64Array[];
  rb: Float64Array;
}

/** Panel width of the blocked reduction; narrower trailing parts are finished unblocked. */
const BRD_NB = 32;
const BRD_MIN = 96;

/**
 * Unblocked Householder steps k = k0..n-1 on a (m x n, row-major, m >= n), the trailing block a[k0:, k0:] current.
 * Step k forms the left reflector of column k, w = v^T A[k:, k+1:] (one read pass), the right reflector from
 * row k after the left update (a[k, :] - beta w, no pass needed), then one fused read-write pass applies both
 * reflectors to each remaining row while it is in cache (the left update, then the right).
 */
function bidiagonalizeUnblocked(a: Float64Array, m: number, n: number, k0: number, f: Reflectors): void {
  const { d, e, lv, lb, rv, rb } = f;
  const w = new Float64Array(n);
  for (let k = k0; k < n; k++) {
    const L = m - k;
    const v = new Float64Array(L);
    for (let i = 0; i < L; i++) v[i] = a[(k + i) * n + k];
    const [beta, alpha] = house(v);
    d[k] = alpha;
    lb[k] = beta;
    lv[k] = v;
    const c0 = k + 1,
      W = n - c0;
    if (W <= 0) {
      rv[k] = new Float64Array(0);
      continue;
    }
    const leftActive = beta !== 0;
    if (leftActive) {
      w.fill(0, 0, W);
      for (let i = 0; i < L; i++) {
        const vi = v[i],
          oi = (k + i) * n + c0;
        if (vi === 0) continue;
        for (let j = 0; j < W; j++) w[j] += vi * a[oi + j];
      }
    }
    const r = a.slice(k * n + c0, k * n + n);
    if (leftActive) {
      const fb = beta * v[0];
      for (let j = 0; j < W; j++) r[j] -= fb * w[j];
    }
    let rbeta = 0;
    if (W === 1) {
      e[k] = r[0];
    } else {
      const [rbt, ralpha] = house(r);
      rbeta = rbt;
      e[k] = ralpha;
    }
    rb[k] = rbeta;
    rv[k] = r;
    if (!leftActive && rbeta === 0) continue;
    for (let i = 1; i < L; i++) {
      const oi = (k + i) * n + c0;
      if (leftActive) {
        const fv = beta * v[i];
        if (fv !== 0) for (let j = 0; j < W; j++) a[oi + j] -= fv * w[j];
      }
      if (rbeta !== 0) {
        let sum = 0;
        for (let j = 0; j < W; j++) sum += a[oi + j] * r[j];
        sum *= rbeta;
        if (sum === 0) continue;
        for (let j = 0; j < W; j++) a[oi + j] -= sum * r[j];
      }
    }
  }
}

/**
 * One panel of the blocked reduction (LAPACK dlabrd's scheme, written for row-major storage): steps
 * k = p..p+nb-1 leave a itself untouched and keep the transformed matrix as A - V Y^T - X U^T (V, U the left
 * and right reflector vectors; Y, X the products they generate). The four families are stored as rows of one
 * workspace (V^T, X^T nb x m; Y^T, U^T nb x n; zeros outside each vector's support), so every step is a handful
 * of matrix-vector products (level2.ts): two passes over the trailing matrix that only read it, y = A^T v and
 * x = A u, and skinny ones with the panel. The trailing block a[p+nb:, p+nb:] is then updated by one GEMM,
 * A -= [V X] [Y U]^T.
 */
function bidiagonalizePanel(a: Float64Array, m: number, n: number, p: number, nb: number, f: Reflectors): void {
  const ws = workspace(2 * nb * (m + n));
  try {
    const Vt = ws.subarray(0, nb * m),
      Xt = ws.subarray(nb * m, 2 * nb * m);
    const Yt = ws.subarray(2 * nb * m, 2 * nb * m + nb * n),
      Ut = ws.subarray(2 * nb * m + nb * n);
    for (let i = 0; i < nb; i++) panelStep(a, m, n, p, i, { Vt, Xt, Yt, Ut }, f);
    trailingUpdate(a, m, n, p + nb, nb, { Vt, Xt, Yt, Ut });
  } finally {
    releaseWorkspace(ws);
  }
}

/** The panel's vectors as rows: V^T, X^T (nb x m) and Y^T, U^T (nb x n). */
interface PanelRows {
  Vt: Float64Array;
  Xt: Float64Array;
  Yt: Float64Array;
  Ut: Float64Array;
}

/** Step i (k = p + i) of a panel: left reflector of column k, y, right reflector of row k, x. */
function panelStep(a: Float64Array, m: number, n: number, p: number, i: number, P: PanelRows, f: Reflectors): void {
  const { Vt, Xt, Yt, Ut } = P;
  const k = p + i,
    L = m - k,
    c0 = k + 1,
    W = n - c0;
  const coef = new Float64Array(i + 1);
  // Column k of the transformed matrix, rows k..m-1: v = A[k:, k] - V[k:, :i] Y[k, :i]^T - X[k:, :i] U[k, :i]^T.
  const v = new Float64Array(L);
  for (let r = 0; r < L; r++) v[r] = a[(k + r) * n + k];
  gemvT(Vt, k, m, i, L, negColumn(Yt, n, k, i, coef), v);
  gemvT(Xt, k, m, i, L, negColumn(Ut, n, k, i, coef), v);
  const [tauq, alpha] = house(v);
  f.d[k] = alpha;
  f.lb[k] = tauq;
  f.lv[k] = v;
  Vt.set(v, i * m + k);
  // y = tauq (A - V Y^T - X U^T)[k:, k+1:]^T v, columns k+1..n-1.
  const y = new Float64Array(W);
  if (tauq !== 0) {
    gemvT(a, k * n + c0, n, L, W, v, y);
    gemvLowRankSub(Yt, c0, n, Vt, k, m, i, L, W, v, y); // - Y V^T v
    gemvLowRankSub(Ut, c0, n, Xt, k, m, i, L, W, v, y); // - U X^T v
    for (let c = 0; c < W; c++) y[c] *= tauq;
  }
  Yt.set(y, i * n + c0);
  // Row k after the left update of step i (Y including step i, whose V coefficient is v[0] = 1).
  const row = a.slice(k * n + c0, k * n + n);
  gemvT(Yt, c0, n, i + 1, W, negColumn(Vt, m, k, i + 1, coef), row);
  gemvT(Ut, c0, n, i, W, negColumn(Xt, m, k, i, coef), row);
  let taup = 0;
  if (W === 1) f.e[k] = row[0];
  else {
    const [tp, ralpha] = house(row);
    taup = tp;
    f.e[k] = ralpha;
  }
  f.rb[k] = taup;
  f.rv[k] = row;
  Ut.set(row, i * n + c0);
  // x = taup (A - V Y^T - X U^T)[k+1:, k+1:] u (V, Y including step i), rows k+1..m-1.
  const x = new Float64Array(m - c0);
  if (taup !== 0) {
    gemvN(a, c0 * n + c0, n, m - c0, W, row, x);
    gemvLowRankSub(Vt, c0, m, Yt, c0, n, i + 1, W, m - c0, row, x); // - V Y^T u
    gemvLowRankSub(Xt, c0, m, Ut, c0, n, i, W, m - c0, row, x); // - X U^T u
    for (let r = 0; r < x.length; r++) x[r] *= taup;
  }
  Xt.set(x, i * m + c0);
}

/** A[q:, q:] -= [V X][Y U]^T over the panel's nb steps: one GEMM. */
function trailingUpdate(a: Float64Array, m: number, n: number, q: number, nb: number, P: PanelRows): void {
  const mt = m - q,
    nt = n - q;
  if (mt <= 0 || nt <= 0) return;
  const VXt = new Matrix(2 * nb, mt),
    YUt = new Matrix(2 * nb, nt);
  for (let j = 0; j < nb; j++) {
    VXt.data.set(P.Vt.subarray(j * m + q, (j + 1) * m), j * mt);
    VXt.data.set(P.Xt.subarray(j * m + q, (j + 1) * m), (nb + j) * mt);
    YUt.data.set(P.Yt.subarray(j * n + q, (j + 1) * n), j * nt);
    YUt.data.set(P.Ut.subarray(j * n + q, (j + 1) * n), (nb + j) * nt);
  }
  const C = copyBlock(a, n, q, m, q, n);
  gemm(VXt, YUt, { transA: true, alpha: -1, beta: 1, C });
  putBlock(a, n, q, q, C);
}

/**
 * Householder bidiagonalisation of A (m x n, m >= n): A = UQ B P^T with B upper bidiagonal (d, e).
 * Blocked: panels of 32 steps (bidiagonalizePanel) while more than 96 columns remain, GEMM trailing updates,
 * then unblocked steps. The factors UQ and P are formed from the reflectors in blocks of 32 with GEMM (compact WY).
 */
function bidiagonalize(A: Matrix, wantVectors: boolean): Bidiagonal {
  const m = A.rows,
    n = A.cols;
  // The working copy lives in wasm memory when the fast path is on (the panels' matrix-vector products run there).
  const a = workspace(m * n);
  a.set(A.data);
  const f: Reflectors = {
    d: new Float64Array(n),
    e: new Float64Array(Math.max(n - 1, 0)),
    lv: new Array<Float64Array>(n),
    lb: new Float64Array(n),
    rv: new Array<Float64Array>(n),
    rb: new Float64Array(n),
  };
  try {
    let p = 0;
    for (; n - p > BRD_MIN; p += BRD_NB) {
      checkStop();
      bidiagonalizePanel(a, m, n, p, BRD_NB, f);
    } // a stop request is seen between panels
    bidiagonalizeUnblocked(a, m, n, p, f);
  } finally {
    releaseWorkspace(a);
  }
  const { d, e, lv, lb, rv, rb } = f;
  if (!wantVectors) return { d, e };
  // UQ = H_0 ... H_{n-1} [I; 0]; P = G_0 ... G_{n-3}, reflector k acting on coordinates k+1..n-1.
  const UQ = formReflectorProduct(m, n, lv, lb, n);
  const P = Matrix.eye(n);
  if (n > 2) {
    const P1 = formReflectorProduct(n - 1, n - 1, rv, rb, n - 2);
    for (let i = 0; i < n - 1; i++) P.data.set(P1.data.subarray(i * (n - 1), (i + 1) * (n - 1)), (i + 1) * n + 1);
  }
  return { d, e, UQ, P };
}

/**
 * The two stages an SVD is built from: bidiagonal reduction and the SVD of the bidiagonal (in place: d becomes
 * the singular values, unsorted and possibly signed, and B = Ub diag(d) Vb^T when Ub, Vb are given as I).
 */
export interface SvdStages {
  bidiagonalize(A: Matrix, wantVectors: boolean): Bidiagonal;
  bidiagonalSvd(d: Float64Array, e: Float64Array, Ub?: Float64Array, Vb?: Float64Array): void;
}

/** With vectors, bidiagonals larger than this go to divide and conquer (measured faster from n = 400 up: 28 vs 39 ms). */
const DC_MIN = 64;

/** Bidiagonal SVD: QR iteration for values only and small n; divide and conquer (GEMM merges) for vectors. */
function bidiagonalSvd(d: Float64Array, e: Float64Array, Ub?: Float64Array, Vb?: Float64Array): void {
  if (Ub && Vb && d.length > DC_MIN) bidiagonalSvdDC(d, e, Ub, Vb);
  else bidiagonalQR(d, e, Ub, Vb);
}

/** nrc's stages: blocked panel reduction (GEMM updates) and blocked rotation application. */
export const blockedStages: SvdStages = { bidiagonalize, bidiagonalSvd };

function emptySVD(m: number, n: number): SVD {
  return { U: new Matrix(m, 0), S: new Float64Array(0), V: new Matrix(n, 0) };
}

/** Whether A holds a NaN or an infinity: its SVD is then undefined and comes out as all NaN (not garbage). */
function hasNonFinite(A: Matrix): boolean {
  const a = A.data;
  for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i])) return true;
  return false;
}

function nanSVD(m: number, n: number): SVD {
  const r = Math.min(m, n);
  return { U: Matrix.fill(m, r, NaN), S: new Float64Array(r).fill(NaN), V: Matrix.fill(n, r, NaN) };
}

/** Thin SVD of a tall (m >= n) matrix; very tall ones go through A = Q R, SVD of R, U = Q U_R. */
function svdTall(A: Matrix, stages: SvdStages): SVD {
  const n = A.cols;
  if (A.rows >= QR_RATIO * n && n > 1) {
    const { Q, R } = qr(A, true);
    const r = svdTall(R, stages);
    return { U: matmul(Q, r.U), S: r.S, V: r.V };
  }
  const { d, e, UQ, P } = stages.bidiagonalize(A, true);
  const Ub = Matrix.eye(n),
    Vb = Matrix.eye(n);
  stages.bidiagonalSvd(d, e, Ub.data, Vb.data);
  const order = Array.from(d.keys()).sort((x, y) => Math.abs(d[y]) - Math.abs(d[x]));
  const S = new Float64Array(n);
  const Up = new Matrix(n, n),
    Vp = new Matrix(n, n);
  for (let j = 0; j < n; j++) {
    const src = order[j];
    const sign = d[src] < 0 ? -1 : 1;
    S[j] = Math.abs(d[src]);
    for (let i = 0; i < n; i++) {
      Up.data[i * n + j] = Ub.data[i * n + src];
      Vp.data[i * n + j] = sign * Vb.data[i * n + src];
    }
  }
  return { U: matmul(UQ!, Up), S, V: matmul(P!, Vp) };
}

/** Thin SVD from the given stages (m < n handled through A^T); tests pass simpler reference stages. */
export function svdWith(A: Matrix, stages: SvdStages): SVD {
  const m = A.rows,
    n = A.cols;
  if (m === 0 || n === 0) return emptySVD(m, n);
  if (hasNonFinite(A)) return nanSVD(m, n);
  if (m >= n) return svdTall(A, stages);
  const t = svdTall(transpose(A), stages);
  return { U: t.V, S: t.S, V: t.U };
}

/** Singular values only from the given stages, descending, length min(m, n). */
export function singularValuesWith(A: Matrix, stages: SvdStages): Float64Array {
  const m = A.rows,
    n = A.cols;
  if (m === 0 || n === 0) return new Float64Array(0);
  if (hasNonFinite(A)) return new Float64Array(Math.min(m, n)).fill(NaN);
  let T = m >= n ? A : transpose(A);
  if (T.rows >= QR_RATIO * T.cols && T.cols > 1) T = qr(T, false).R;
  const { d, e } = stages.bidiagonalize(T, false);
  stages.bidiagonalSvd(d, e);
  for (let i = 0; i < d.length; i++) d[i] = Math.abs(d[i]);
  return d.sort().reverse();
}

/** Thin SVD A = U diag(S) V^T (m < n handled through A^T). */
export function svd(A: Matrix): SVD {
  return svdWith(A, blockedStages);
}

/** Singular values only, descending, length min(m, n). */
export function singularValues(A: Matrix): Float64Array {
  return singularValuesWith(A, blockedStages);
}
