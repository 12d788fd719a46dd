// Reference SVD for the tests: the unblocked Golub-Kahan bidiagonalisation that src/linalg/svd.ts used before it
// was blocked (kept verbatim, with the subnormal-safe Householder of reflector.ts) and the implicit-shift bidiagonal
// QR iteration with vectors (bdqr.ts), so both of the fast path's stages (blocked reduction in wasm memory; divide
// and conquer) are checked against independent ones; the assembly around them is shared (svdWith).
import { Matrix } from '../../src/linalg/matrix.ts';
import { householder as house } from '../../src/linalg/qr.ts';
import { type Bidiagonal, type SVD, type SvdStages, singularValuesWith, svdWith } from '../../src/linalg/svd.ts';
import { bidiagonalQR } from '../../src/linalg/bdqr.ts';

/** Householder bidiagonalisation of A (m x n, m >= n): A = UQ B P^T with B upper bidiagonal (d, e). */
function bidiagonalize(A: Matrix, wantVectors: boolean): Bidiagonal {
  const m = A.rows,
    n = A.cols;
  const a = A.data.slice();
  const d = new Float64Array(n),
    e = new Float64Array(Math.max(n - 1, 0));
  const lv: Float64Array[] = [],
    lb = new Float64Array(n);
  const rv: Float64Array[] = [],
    rb = new Float64Array(n);
  const w = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    // Left reflector zeroes A[k+1:, k].
    const L = m - k;
    const v = new Float64Array(L);
    for (let i = 0; i < L; i++) v[i] = a[(k + i) * n + k];
    const [beta, alpha] = house(v);
    d[k] = alpha;
    lb[k] = beta;
    lv.push(v);
    const c0 = k + 1,
      W = n - c0;
    if (beta !== 0 && W > 0) {
      w.fill(0, 0, W);
      for (let i = 0; i < L; i++) {
        const vi = v[i],
          oi = (k + i) * n + c0;
        if (vi === 0) continue;
        for (let j = 0; j < W; j++) w[j] += vi * a[oi + j];
      }
      for (let i = 0; i < L; i++) {
        const f = beta * v[i],
          oi = (k + i) * n + c0;
        if (f === 0) continue;
        for (let j = 0; j < W; j++) a[oi + j] -= f * w[j];
      }
    }
    if (W <= 0) {
      rv.push(new Float64Array(0));
      continue;
    }
    // Right reflector zeroes A[k, k+2:].
    const r = a.slice(k * n + c0, k * n + n);
    if (W === 1) {
      e[k] = r[0];
      rb[k] = 0;
      rv.push(r);
      continue;
    }
    const [rbeta, ralpha] = house(r);
    e[k] = ralpha;
    rb[k] = rbeta;
    rv.push(r);
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
    const v = lv[k],
      L = m - k,
      W = n - k;
    w.fill(0, 0, W);
    for (let i = 0; i < L; i++) {
      const vi = v[i],
        oi = (k + i) * n + k;
      if (vi === 0) continue;
      for (let j = 0; j < W; j++) w[j] += vi * u[oi + j];
    }
    for (let i = 0; i < L; i++) {
      const f = beta * v[i],
        oi = (k + i) * n + k;
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
    const v = rv[k],
      c0 = k + 1,
      L = n - c0;
    w.fill(0, 0, L);
    for (let i = 0; i < L; i++) {
      const vi = v[i],
        oi = (c0 + i) * n + c0;
      if (vi === 0) continue;
      for (let j = 0; j < L; j++) w[j] += vi * p[oi + j];
    }
    for (let i = 0; i < L; i++) {
      const f = beta * v[i],
        oi = (c0 + i) * n + c0;
      if (f === 0) continue;
      for (let j = 0; j < L; j++) p[oi + j] -= f * w[j];
    }
  }
  return { d, e, UQ, P };
}

/** The unblocked reduction and the QR iteration, assembled exactly as the fast path assembles its own stages. */
const referenceStages: SvdStages = { bidiagonalize, bidiagonalSvd: bidiagonalQR };

/** Thin SVD A = U diag(S) V^T with the reference stages. */
export function svdReference(A: Matrix): SVD {
  return svdWith(A, referenceStages);
}

/** Singular values only, descending, with the reference stages. */
export function singularValuesReference(A: Matrix): Float64Array {
  return singularValuesWith(A, referenceStages);
}
