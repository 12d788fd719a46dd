// Singular value decomposition (DESIGN.md, "src/linalg/"): Golub-Kahan Householder bidiagonalisation, then
// the implicit-shift bidiagonal QR iteration (Golub & Van Loan, Alg. 8.6.1/8.6.2). Backward stable: singular
// values carry absolute errors of order eps * s_max. Tall inputs are first reduced by a blocked QR. The
// bidiagonalisation is blocked (LAPACK dlabrd's scheme: panels of 32 with the trailing update as one GEMM),
// its factors are formed from the reflectors with GEMM (compact WY), and the rotations of the QR iteration
// are recorded and applied to the small n x n factors a few rows at a time (cache-resident, interleaved).
// The unblocked reference this replaced lives on in test/linalg/reference-svd.ts.
import { Matrix } from './matrix.ts';
import { gemm, matmul } from './gemm.ts';
import { transpose } from './ops.ts';
import { qr } from './qr.ts';
import { householder as house, copyBlock, formReflectorProduct, putBlock } from './reflector.ts';
import { RotationLog } from './rotations.ts';
import { gemvN, gemvT, releaseWorkspace, workspace } from './level2.ts';

/** Tall inputs with rows >= QR_RATIO * cols are first reduced to R by a blocked QR (GEMM-heavy). */
const QR_RATIO = 1.5;

/** Thin SVD A = U diag(S) V^T; r = min(m, n); U is m x r, V is n x r, S descending. */
export interface SVD { U: Matrix; S: Float64Array; V: Matrix }

export interface Bidiagonal {
  d: Float64Array; e: Float64Array;
  /** m x n left factor with orthonormal columns, n x n right factor: A = UQ B P^T. */
  UQ?: Matrix; P?: Matrix;
}

/** Reflectors of a bidiagonal reduction: left k acts on rows k.., right k on columns k+1.. (vectors with leading 1). */
interface Reflectors {
  d: Float64Array; e: Float64Array;
  lv: Float64Array[]; lb: Float64Array; rv: Float64Array[]; rb: Float64Array;
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
    d[k] = alpha; lb[k] = beta; lv[k] = v;
    const c0 = k + 1, W = n - c0;
    if (W <= 0) { rv[k] = new Float64Array(0); continue; }
    const leftActive = beta !== 0;
    if (leftActive) {
      w.fill(0, 0, W);
      for (let i = 0; i < L; i++) {
        const vi = v[i], oi = (k + i) * n + c0;
        if (vi === 0) continue;
        for (let j = 0; j < W; j++) w[j] += vi * a[oi + j];
      }
    }
    const r = a.slice(k * n + c0, k * n + n);
    if (leftActive) { const fb = beta * v[0]; for (let j = 0; j < W; j++) r[j] -= fb * w[j]; }
    let rbeta = 0;
    if (W === 1) { e[k] = r[0]; }
    else { const [rbt, ralpha] = house(r); rbeta = rbt; e[k] = ralpha; }
    rb[k] = rbeta; rv[k] = r;
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
    const Vt = ws.subarray(0, nb * m), Xt = ws.subarray(nb * m, 2 * nb * m);
    const Yt = ws.subarray(2 * nb * m, 2 * nb * m + nb * n), Ut = ws.subarray(2 * nb * m + nb * n);
    for (let i = 0; i < nb; i++) panelStep(a, m, n, p, i, { Vt, Xt, Yt, Ut }, f);
    trailingUpdate(a, m, n, p + nb, nb, { Vt, Xt, Yt, Ut });
  } finally {
    releaseWorkspace(ws);
  }
}

/** The panel's vectors as rows: V^T, X^T (nb x m) and Y^T, U^T (nb x n). */
interface PanelRows { Vt: Float64Array; Xt: Float64Array; Yt: Float64Array; Ut: Float64Array }

/** c[j] = -z[j * ld + at] for j < count: minus one column of a panel family, as coefficients. */
function negColumn(z: Float64Array, ld: number, at: number, count: number, c: Float64Array): Float64Array {
  for (let j = 0; j < count; j++) c[j] = -z[j * ld + at];
  return c;
}

/** Step i (k = p + i) of a panel: left reflector of column k, y, right reflector of row k, x. */
function panelStep(a: Float64Array, m: number, n: number, p: number, i: number, P: PanelRows, f: Reflectors): void {
  const { Vt, Xt, Yt, Ut } = P;
  const k = p + i, L = m - k, c0 = k + 1, W = n - c0;
  const coef = new Float64Array(i + 1), dv = new Float64Array(i + 1), dx = new Float64Array(i + 1);
  // Column k of the transformed matrix, rows k..m-1: v = A[k:, k] - V[k:, :i] Y[k, :i]^T - X[k:, :i] U[k, :i]^T.
  const v = new Float64Array(L);
  for (let r = 0; r < L; r++) v[r] = a[(k + r) * n + k];
  gemvT(Vt, k, m, i, L, negColumn(Yt, n, k, i, coef), v);
  gemvT(Xt, k, m, i, L, negColumn(Ut, n, k, i, coef), v);
  const [tauq, alpha] = house(v);
  f.d[k] = alpha; f.lb[k] = tauq; f.lv[k] = v;
  Vt.set(v, i * m + k);
  // y = tauq (A - V Y^T - X U^T)[k:, k+1:]^T v, columns k+1..n-1.
  const y = new Float64Array(W);
  if (tauq !== 0) {
    gemvT(a, k * n + c0, n, L, W, v, y);
    gemvN(Vt, k, m, i, L, v, dv);
    gemvN(Xt, k, m, i, L, v, dx);
    for (let j = 0; j < i; j++) { dv[j] = -dv[j]; dx[j] = -dx[j]; }
    gemvT(Yt, c0, n, i, W, dv, y);
    gemvT(Ut, c0, n, i, W, dx, y);
    for (let c = 0; c < W; c++) y[c] *= tauq;
  }
  Yt.set(y, i * n + c0);
  // Row k after the left update of step i (Y including step i, whose V coefficient is v[0] = 1).
  const row = a.slice(k * n + c0, k * n + n);
  gemvT(Yt, c0, n, i + 1, W, negColumn(Vt, m, k, i + 1, coef), row);
  gemvT(Ut, c0, n, i, W, negColumn(Xt, m, k, i, coef), row);
  let taup = 0;
  if (W === 1) f.e[k] = row[0];
  else { const [tp, ralpha] = house(row); taup = tp; f.e[k] = ralpha; }
  f.rb[k] = taup; f.rv[k] = row;
  Ut.set(row, i * n + c0);
  // x = taup (A - V Y^T - X U^T)[k+1:, k+1:] u (V, Y including step i), rows k+1..m-1.
  const x = new Float64Array(m - c0);
  if (taup !== 0) {
    gemvN(a, c0 * n + c0, n, m - c0, W, row, x);
    gemvN(Yt, c0, n, i + 1, W, row, dv);
    gemvN(Ut, c0, n, i, W, row, dx);
    for (let j = 0; j <= i; j++) { dv[j] = -dv[j]; dx[j] = -dx[j]; }
    gemvT(Vt, c0, m, i + 1, m - c0, dv, x);
    gemvT(Xt, c0, m, i, m - c0, dx, x);
    for (let r = 0; r < x.length; r++) x[r] *= taup;
  }
  Xt.set(x, i * m + c0);
}

/** A[q:, q:] -= [V X][Y U]^T over the panel's nb steps: one GEMM. */
function trailingUpdate(a: Float64Array, m: number, n: number, q: number, nb: number, P: PanelRows): void {
  const mt = m - q, nt = n - q;
  if (mt <= 0 || nt <= 0) return;
  const VXt = new Matrix(2 * nb, mt), YUt = new Matrix(2 * nb, nt);
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
  const m = A.rows, n = A.cols;
  // The working copy lives in wasm memory when the fast path is on (the panels' matrix-vector products run there).
  const a = workspace(m * n);
  a.set(A.data);
  const f: Reflectors = {
    d: new Float64Array(n), e: new Float64Array(Math.max(n - 1, 0)),
    lv: new Array<Float64Array>(n), lb: new Float64Array(n), rv: new Array<Float64Array>(n), rb: new Float64Array(n),
  };
  try {
    let p = 0;
    for (; n - p > BRD_MIN; p += BRD_NB) bidiagonalizePanel(a, m, n, p, BRD_NB, f);
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

/** Plane rotation [c s; -s c] with c f + s g = r and -s f + c g = 0. */
function rot(f: number, g: number, out: Float64Array): void {
  if (g === 0) { out[0] = 1; out[1] = 0; out[2] = f; return; }
  if (f === 0) { out[0] = 0; out[1] = 1; out[2] = g; return; }
  // sqrt(f^2 + g^2) directly when it cannot over- or underflow (Math.hypot is several times slower).
  const t = f * f + g * g;
  const r = t > 1e-290 && t < 1e290 ? Math.sqrt(t) : Math.hypot(f, g);
  out[0] = f / r; out[1] = g / r; out[2] = r;
}

/**
 * Bidiagonal SVD in place: d becomes the singular values (unsorted, signed), B = Ub diag(d) Vb^T.
 * Ub and Vb (n x n, row-major) accumulate the rotations when given.
 */
function bidiagonalQR(d: Float64Array, e: Float64Array, Ub?: Float64Array, Vb?: Float64Array): void {
  const n = d.length;
  if (n <= 1) return;
  let bmax = 0;
  for (let i = 0; i < n; i++) bmax = Math.max(bmax, Math.abs(d[i]));
  for (let i = 0; i < n - 1; i++) bmax = Math.max(bmax, Math.abs(e[i]));
  if (bmax === 0 || !Number.isFinite(bmax)) return;
  for (let i = 0; i < n; i++) d[i] /= bmax;
  for (let i = 0; i < n - 1; i++) e[i] /= bmax;
  const eps = Number.EPSILON;
  const dtol = eps; // ||B|| is about 1 after scaling
  const cr = new Float64Array(n), sr = new Float64Array(n), cl = new Float64Array(n), sl = new Float64Array(n);
  const g3 = new Float64Array(3);
  const logU = Ub ? new RotationLog() : undefined, logV = Vb ? new RotationLog() : undefined;
  const maxIter = 40 * n * n + 100;
  let iter = 0;
  let hi = n - 1;
  while (hi > 0) {
    if (Math.abs(e[hi - 1]) <= eps * (Math.abs(d[hi - 1]) + Math.abs(d[hi])) || Math.abs(e[hi - 1]) <= 1e-300) {
      e[hi - 1] = 0;
      hi--;
      continue;
    }
    let lo = hi - 1;
    while (lo > 0) {
      const t = Math.abs(e[lo - 1]);
      if (t <= eps * (Math.abs(d[lo - 1]) + Math.abs(d[lo])) || t <= 1e-300) { e[lo - 1] = 0; break; }
      lo--;
    }
    if (++iter > maxIter) throw new Error('svd: bidiagonal QR iteration did not converge');
    // A (numerically) zero diagonal entry splits the block after a chase of rotations.
    let zi = -1;
    for (let i = lo; i <= hi; i++) if (Math.abs(d[i]) <= dtol) { zi = i; break; }
    if (zi >= 0) {
      d[zi] = 0;
      const js: number[] = [], cs: number[] = [], ss: number[] = [];
      if (zi < hi) {
        // Left rotations of rows (j, zi), j = zi+1..hi, push e[zi] off the end of row zi.
        let f = e[zi];
        e[zi] = 0;
        for (let j = zi + 1; j <= hi; j++) {
          rot(d[j], f, g3);
          const c = g3[0], s = g3[1];
          d[j] = g3[2];
          if (j < hi) { f = -s * e[j]; e[j] = c * e[j]; }
          js.push(j); cs.push(c); ss.push(s);
        }
        if (logU) logU.fan(zi, js, cs, ss);
      } else {
        // Right rotations of columns (j, hi), j = hi-1..lo, push e[hi-1] up and out of column hi.
        let f = e[hi - 1];
        e[hi - 1] = 0;
        for (let j = hi - 1; j >= lo; j--) {
          rot(d[j], f, g3);
          const c = g3[0], s = g3[1];
          d[j] = g3[2];
          if (j > lo) { f = -s * e[j - 1]; e[j - 1] = c * e[j - 1]; }
          js.push(j); cs.push(c); ss.push(s);
        }
        if (logV) logV.fan(hi, js, cs, ss);
      }
      continue;
    }
    // Wilkinson shift: eigenvalue of the trailing 2x2 of B^T B closest to its last entry.
    const dm1 = d[hi - 1], em1 = e[hi - 1], dh = d[hi];
    const em2 = hi - 2 >= lo ? e[hi - 2] : 0;
    const t11 = dm1 * dm1 + em2 * em2, t12 = dm1 * em1, t22 = dh * dh + em1 * em1;
    let mu = t22;
    if (t12 !== 0) {
      const delta = 0.5 * (t11 - t22);
      const den = delta + (delta >= 0 ? 1 : -1) * Math.hypot(delta, t12);
      mu = t22 - (t12 * t12) / den;
    }
    let f = d[lo] * d[lo] - mu;
    let g = d[lo] * e[lo];
    for (let i = lo; i < hi; i++) {
      rot(f, g, g3);
      let c = g3[0], s = g3[1];
      if (i > lo) e[i - 1] = g3[2];
      f = c * d[i] + s * e[i];
      e[i] = c * e[i] - s * d[i];
      g = s * d[i + 1];
      d[i + 1] = c * d[i + 1];
      cr[i] = c; sr[i] = s;
      rot(f, g, g3);
      c = g3[0]; s = g3[1];
      d[i] = g3[2];
      f = c * e[i] + s * d[i + 1];
      d[i + 1] = c * d[i + 1] - s * e[i];
      if (i < hi - 1) { g = s * e[i + 1]; e[i + 1] = c * e[i + 1]; }
      cl[i] = c; sl[i] = s;
    }
    e[hi - 1] = f;
    if (logV) logV.chain(lo, hi, cr, sr);
    if (logU) logU.chain(lo, hi, cl, sl);
  }
  if (Ub) logU!.apply(Ub, n, n);
  if (Vb) logV!.apply(Vb, n, n);
  for (let i = 0; i < n; i++) d[i] *= bmax;
}

/** The two stages an SVD is built from: bidiagonal reduction and the bidiagonal QR iteration (vectors optional). */
export interface SvdStages {
  bidiagonalize(A: Matrix, wantVectors: boolean): Bidiagonal;
  bidiagonalQR(d: Float64Array, e: Float64Array, Ub?: Float64Array, Vb?: Float64Array): void;
}

/** nrc's stages: blocked panel reduction (GEMM updates) and blocked rotation application. */
export const blockedStages: SvdStages = { bidiagonalize, bidiagonalQR };

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
  const Ub = Matrix.eye(n), Vb = Matrix.eye(n);
  stages.bidiagonalQR(d, e, Ub.data, Vb.data);
  const order = Array.from(d.keys()).sort((x, y) => Math.abs(d[y]) - Math.abs(d[x]));
  const S = new Float64Array(n);
  const Up = new Matrix(n, n), Vp = new Matrix(n, n);
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
  const m = A.rows, n = A.cols;
  if (m === 0 || n === 0) return emptySVD(m, n);
  if (hasNonFinite(A)) return nanSVD(m, n);
  if (m >= n) return svdTall(A, stages);
  const t = svdTall(transpose(A), stages);
  return { U: t.V, S: t.S, V: t.U };
}

/** Singular values only from the given stages, descending, length min(m, n). */
export function singularValuesWith(A: Matrix, stages: SvdStages): Float64Array {
  const m = A.rows, n = A.cols;
  if (m === 0 || n === 0) return new Float64Array(0);
  if (hasNonFinite(A)) return new Float64Array(Math.min(m, n)).fill(NaN);
  let T = m >= n ? A : transpose(A);
  if (T.rows >= QR_RATIO * T.cols && T.cols > 1) T = qr(T, false).R;
  const { d, e } = stages.bidiagonalize(T, false);
  stages.bidiagonalQR(d, e);
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
