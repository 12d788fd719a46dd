// Householder reflectors shared by qr.ts, svd.ts and eig.ts.
import { Matrix } from './matrix.ts';
import { gemm } from './gemm.ts';

/** Columns whose largest entry is below 2^-500 are scaled up by 2^600 (exact) before the reflector is formed. */
const SMALL = 2 ** -500;
const UP = 2 ** 600;

/**
 * Householder vector in place: v := (1, v1/(x0-alpha), ...) with (I - beta v v^T) x = alpha e1; returns [beta, alpha].
 *
 * A column of tiny entries (the trailing part of the reduction of a numerically low-rank matrix decays
 * geometrically into subnormal numbers, ~1e-310) is first multiplied by 2^600, exactly, and alpha scaled back.
 * Without that, 1 / (x0 - alpha) overflows to Infinity for a subnormal denominator (Inf and NaN reflectors), and
 * even with a division the subnormal operands carry too few bits for I - beta v v^T to be orthogonal.
 */
export function householder(v: Float64Array): [number, number] {
  const L = v.length;
  let scale = 0;
  for (let i = 0; i < L; i++) { const t = Math.abs(v[i]); if (t > scale) scale = t; }
  let unscale = 1;
  if (scale > 0 && scale < SMALL) {
    for (let i = 0; i < L; i++) v[i] *= UP;
    scale *= UP;
    unscale = 1 / UP;
  }
  let sigma = 0;
  if (scale > 0) for (let i = 1; i < L; i++) { const t = v[i] / scale; sigma += t * t; }
  const x0 = v[0];
  if (sigma === 0) { v[0] = 1; return [0, x0 * unscale]; }
  const x0s = x0 / scale;
  const norm = scale * Math.sqrt(x0s * x0s + sigma);
  const alpha = x0 >= 0 ? -norm : norm;
  const inv = 1 / (x0 - alpha);
  v[0] = 1;
  for (let i = 1; i < L; i++) v[i] *= inv;
  return [(alpha - x0) / alpha, alpha * unscale];
}

const PANEL = 32;

/** Copy of a[r0..r1-1, c0..c1-1] (row-major with n columns) as a compact Matrix. */
export function copyBlock(a: Float64Array, n: number, r0: number, r1: number, c0: number, c1: number): Matrix {
  const w = c1 - c0;
  const out = new Matrix(r1 - r0, w);
  for (let i = r0; i < r1; i++) out.data.set(a.subarray(i * n + c0, i * n + c1), (i - r0) * w);
  return out;
}
/** a[r0.., c0..] := B (a row-major with n columns). */
export function putBlock(a: Float64Array, n: number, r0: number, c0: number, B: Matrix): void {
  for (let i = 0; i < B.rows; i++) a.set(B.data.subarray(i * B.cols, (i + 1) * B.cols), (r0 + i) * n + c0);
}

/** In place: B := B - V (T' (V^T B)) with T' = T or T^T; the block reflector I - V T V^T (or its transpose) applied from the left. */
export function applyBlockReflector(V: Matrix, T: Matrix, B: Matrix, transT: boolean): void {
  if (B.cols === 0) return;
  const W = gemm(V, B, { transA: true }); // kb x nc
  const kb = T.rows, nc = B.cols, t = T.data, w = W.data;
  const Y = new Matrix(kb, nc);
  const y = Y.data;
  // Y = op(T) W with T upper triangular.
  for (let i = 0; i < kb; i++) {
    const oi = i * nc;
    if (!transT) {
      for (let j = i; j < kb; j++) { const tij = t[i * kb + j]; if (tij === 0) continue; const oj = j * nc; for (let c = 0; c < nc; c++) y[oi + c] += tij * w[oj + c]; }
    } else {
      for (let j = 0; j <= i; j++) { const tji = t[j * kb + i]; if (tji === 0) continue; const oj = j * nc; for (let c = 0; c < nc; c++) y[oi + c] += tji * w[oj + c]; }
    }
  }
  gemm(V, Y, { alpha: -1, beta: 1, C: B });
}

/**
 * Compact WY form of H_{k0} ... H_{k1-1}, H_k = I - betas[k] v_k v_k^T with vs[k] (length m - k, vs[k][0] = 1)
 * acting on coordinates k..m-1: I - V T V^T on coordinates k0..m-1, V (m-k0) x kb unit lower trapezoidal,
 * T kb x kb upper triangular (Schreiber & Van Loan's forward recurrence).
 */
export function compactWY(m: number, vs: Float64Array[], betas: ArrayLike<number>, k0: number, k1: number): { V: Matrix; T: Matrix } {
  const kb = k1 - k0, L0 = m - k0;
  const V = new Matrix(L0, kb), T = new Matrix(kb, kb);
  const vd = V.data, td = T.data;
  const z = new Float64Array(kb);
  for (let k = k0; k < k1; k++) {
    const jj = k - k0, v = vs[k], L = m - k, beta = betas[k];
    for (let i = 0; i < L; i++) vd[(i + jj) * kb + jj] = v[i];
    td[jj * kb + jj] = beta;
    if (jj > 0 && beta !== 0) {
      z.fill(0, 0, jj);
      for (let i = 0; i < L; i++) { const vi = v[i], oi = (i + jj) * kb; for (let c = 0; c < jj; c++) z[c] += vd[oi + c] * vi; }
      for (let r = 0; r < jj; r++) { let s = 0; for (let c = r; c < jj; c++) s += td[r * kb + c] * z[c]; td[r * kb + jj] = -beta * s; }
    }
  }
  return { V, T };
}

/**
 * H_0 H_1 ... H_{count-1} [I_ncols; 0] (m x ncols) for reflectors as in compactWY, by backward accumulation
 * of blocks of 32 reflectors with GEMM.
 */
export function formReflectorProduct(m: number, ncols: number, vs: Float64Array[], betas: ArrayLike<number>, count: number): Matrix {
  const Q = new Matrix(m, ncols);
  const q = Q.data;
  for (let i = 0; i < Math.min(m, ncols); i++) q[i * ncols + i] = 1;
  const starts: number[] = [];
  for (let k0 = 0; k0 < count; k0 += PANEL) starts.push(k0);
  for (let p = starts.length - 1; p >= 0; p--) {
    const k0 = starts[p], k1 = Math.min(k0 + PANEL, count);
    const { V, T } = compactWY(m, vs, betas, k0, k1);
    const B = copyBlock(q, ncols, k0, m, k0, ncols);
    applyBlockReflector(V, T, B, false);
    putBlock(q, ncols, k0, k0, B);
  }
  return Q;
}
