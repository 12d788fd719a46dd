// Reference SVD for the tests: the unblocked Golub-Kahan bidiagonalisation + implicit-shift bidiagonal QR that
// src/linalg/svd.ts used before it was blocked (kept verbatim, with the subnormal-safe Householder of reflector.ts),
// so the fast path's two stages can be checked against these (the assembly around them is shared: svdWith).
import { Matrix } from '../../src/linalg/matrix.ts';
import { householder as house } from '../../src/linalg/qr.ts';
import { type Bidiagonal, type SVD, type SvdStages, singularValuesWith, svdWith } from '../../src/linalg/svd.ts';

/** Householder bidiagonalisation of A (m x n, m >= n): A = UQ B P^T with B upper bidiagonal (d, e). */
function bidiagonalize(A: Matrix, wantVectors: boolean): Bidiagonal {
  const m = A.rows, n = A.cols;
  const a = A.data.slice();
  const d = new Float64Array(n), e = new Float64Array(Math.max(n - 1, 0));
  const lv: Float64Array[] = [], lb = new Float64Array(n);
  const rv: Float64Array[] = [], rb = new Float64Array(n);
  const w = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    // Left reflector zeroes A[k+1:, k].
    const L = m - k;
    const v = new Float64Array(L);
    for (let i = 0; i < L; i++) v[i] = a[(k + i) * n + k];
    const [beta, alpha] = house(v);
    d[k] = alpha; lb[k] = beta; lv.push(v);
    const c0 = k + 1, W = n - c0;
    if (beta !== 0 && W > 0) {
      w.fill(0, 0, W);
      for (let i = 0; i < L; i++) {
        const vi = v[i], oi = (k + i) * n + c0;
        if (vi === 0) continue;
        for (let j = 0; j < W; j++) w[j] += vi * a[oi + j];
      }
      for (let i = 0; i < L; i++) {
        const f = beta * v[i], oi = (k + i) * n + c0;
        if (f === 0) continue;
        for (let j = 0; j < W; j++) a[oi + j] -= f * w[j];
      }
    }
    if (W <= 0) { rv.push(new Float64Array(0)); continue; }
    // Right reflector zeroes A[k, k+2:].
    const r = a.slice(k * n + c0, k * n + n);
    if (W === 1) { e[k] = r[0]; rb[k] = 0; rv.push(r); continue; }
    const [rbeta, ralpha] = house(r);
    e[k] = ralpha; rb[k] = rbeta; rv.push(r);
    if (rbeta !== 0) {
      for (let i = k + 1; i < m; i++) {
        const oi = i * n + c0;
        let s = 0;
        for (let j = 0; j < W; j++) s += a[oi + j] * r[j];
        s *= rbeta;
        if (s === 0) continue;
        for (let j = 0; j < W; j++) a[oi + j] -= s * r[j];
      }
    }
  }
  if (!wantVectors) return { d, e };
  // UQ = H_0 ... H_{n-1} [I; 0], backward accumulation on the trailing block.
  const UQ = new Matrix(m, n);
  const u = UQ.data;
  for (let i = 0; i < n; i++) u[i * n + i] = 1;
  for (let k = n - 1; k >= 0; k--) {
    const beta = lb[k];
    if (beta === 0) continue;
    const v = lv[k], L = m - k, W = n - k;
    w.fill(0, 0, W);
    for (let i = 0; i < L; i++) {
      const vi = v[i], oi = (k + i) * n + k;
      if (vi === 0) continue;
      for (let j = 0; j < W; j++) w[j] += vi * u[oi + j];
    }
    for (let i = 0; i < L; i++) {
      const f = beta * v[i], oi = (k + i) * n + k;
      if (f === 0) continue;
      for (let j = 0; j < W; j++) u[oi + j] -= f * w[j];
    }
  }
  // P = G_0 ... G_{n-3}, reflector k acting on coordinates k+1..n-1.
  const P = Matrix.eye(n);
  const p = P.data;
  for (let k = n - 3; k >= 0; k--) {
    const beta = rb[k];
    if (beta === 0) continue;
    const v = rv[k], c0 = k + 1, L = n - c0;
    w.fill(0, 0, L);
    for (let i = 0; i < L; i++) {
      const vi = v[i], oi = (c0 + i) * n + c0;
      if (vi === 0) continue;
      for (let j = 0; j < L; j++) w[j] += vi * p[oi + j];
    }
    for (let i = 0; i < L; i++) {
      const f = beta * v[i], oi = (c0 + i) * n + c0;
      if (f === 0) continue;
      for (let j = 0; j < L; j++) p[oi + j] -= f * w[j];
    }
  }
  return { d, e, UQ, P };
}

/** Plane rotation [c s; -s c] with c f + s g = r and -s f + c g = 0. */
function rot(f: number, g: number, out: Float64Array): void {
  if (g === 0) { out[0] = 1; out[1] = 0; out[2] = f; return; }
  if (f === 0) { out[0] = 0; out[1] = 1; out[2] = g; return; }
  const r = Math.hypot(f, g);
  out[0] = f / r; out[1] = g / r; out[2] = r;
}

/**
 * Columns lo..hi of row-major Z (n columns) rotated in sequence i = lo..hi-1:
 * col_i := c_i col_i + s_i col_{i+1}, col_{i+1} := -s_i col_i + c_i col_{i+1}. One pass over each row.
 */
function applyChain(Z: Float64Array, rows: number, n: number, lo: number, hi: number, c: Float64Array, s: Float64Array): void {
  for (let k = 0; k < rows; k++) {
    const o = k * n;
    let cur = Z[o + lo];
    for (let i = lo; i < hi; i++) {
      const nx = Z[o + i + 1];
      const ci = c[i], si = s[i];
      Z[o + i] = ci * cur + si * nx;
      cur = ci * nx - si * cur;
    }
    Z[o + hi] = cur;
  }
}

/**
 * Columns j of Z rotated against one fixed column f, in the order given:
 * col_j := c col_j + s col_f, col_f := -s col_j + c col_f.
 */
function applyFan(Z: Float64Array, rows: number, n: number, f: number, js: number[], c: number[], s: number[]): void {
  for (let k = 0; k < rows; k++) {
    const o = k * n;
    let cf = Z[o + f];
    for (let t = 0; t < js.length; t++) {
      const cj = Z[o + js[t]];
      Z[o + js[t]] = c[t] * cj + s[t] * cf;
      cf = c[t] * cf - s[t] * cj;
    }
    Z[o + f] = cf;
  }
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
        if (Ub) applyFan(Ub, n, n, zi, js, cs, ss);
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
        if (Vb) applyFan(Vb, n, n, hi, js, cs, ss);
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
    if (Vb) applyChain(Vb, n, n, lo, hi, cr, sr);
    if (Ub) applyChain(Ub, n, n, lo, hi, cl, sl);
  }
  for (let i = 0; i < n; i++) d[i] *= bmax;
}

/** The previous unblocked stages, assembled exactly as the fast path assembles its own. */
const referenceStages: SvdStages = { bidiagonalize, bidiagonalSvd: bidiagonalQR };

/** Thin SVD A = U diag(S) V^T with the reference stages. */
export function svdReference(A: Matrix): SVD {
  return svdWith(A, referenceStages);
}

/** Singular values only, descending, with the reference stages. */
export function singularValuesReference(A: Matrix): Float64Array {
  return singularValuesWith(A, referenceStages);
}
