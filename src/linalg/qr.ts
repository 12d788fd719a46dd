// Householder QR factorisation (DESIGN.md, "src/linalg/"), row-major with contiguous row updates.
import { Matrix } from './matrix.ts';
import { applyBlockReflector, copyBlock as block, householder, putBlock } from './reflector.ts';

export { householder };

const PANEL = 32;

/**
 * Thin QR of A (m x n, m >= n): A = Q R, Q m x n with orthonormal columns, R n x n upper triangular.
 * Blocked Householder (compact WY, I - V T V^T per panel of 32 columns): the trailing updates and the
 * formation of Q are GEMMs. Q is skipped (0 columns) when wantQ is false.
 */
export function qr(A: Matrix, wantQ = true): { Q: Matrix; R: Matrix } {
  const m = A.rows, n = A.cols;
  if (m < n) throw new RangeError(`qr: needs rows >= cols, got ${m}x${n}`);
  const a = A.data.slice();
  const R = new Matrix(n, n);
  const panels: { k0: number; V: Matrix; T: Matrix }[] = [];
  const w = new Float64Array(PANEL);
  for (let k0 = 0; k0 < n; k0 += PANEL) {
    const kb = Math.min(PANEL, n - k0), k1 = k0 + kb, L0 = m - k0;
    const V = new Matrix(L0, kb), T = new Matrix(kb, kb);
    const vd = V.data, td = T.data;
    for (let k = k0; k < k1; k++) {
      const L = m - k, jj = k - k0;
      const v = new Float64Array(L);
      for (let i = 0; i < L; i++) v[i] = a[(k + i) * n + k];
      const [beta, alpha] = householder(v);
      // apply to the rest of the panel
      const c0 = k + 1, W = k1 - c0;
      if (beta !== 0 && W > 0) {
        w.fill(0, 0, W);
        for (let i = 0; i < L; i++) { const vi = v[i], oi = (k + i) * n + c0; for (let j = 0; j < W; j++) w[j] += vi * a[oi + j]; }
        for (let i = 0; i < L; i++) { const f = beta * v[i], oi = (k + i) * n + c0; for (let j = 0; j < W; j++) a[oi + j] -= f * w[j]; }
      }
      a[k * n + k] = alpha;
      for (let i = 0; i < L; i++) vd[(i + jj) * kb + jj] = v[i];
      // T[0:jj, jj] = -beta T[0:jj, 0:jj] (V[:, 0:jj]^T v)
      td[jj * kb + jj] = beta;
      if (jj > 0 && beta !== 0) {
        const z = new Float64Array(jj);
        for (let i = 0; i < L; i++) { const vi = v[i], oi = (i + jj) * kb; for (let c = 0; c < jj; c++) z[c] += vd[oi + c] * vi; }
        for (let r = 0; r < jj; r++) { let s = 0; for (let c = r; c < jj; c++) s += td[r * kb + c] * z[c]; td[r * kb + jj] = -beta * s; }
      }
    }
    panels.push({ k0, V, T });
    if (k1 < n) {
      const B = block(a, n, k0, m, k1, n);
      applyBlockReflector(V, T, B, true);
      putBlock(a, n, k0, k1, B);
    }
  }
  for (let i = 0; i < n; i++) for (let j = i; j < n; j++) R.data[i * n + j] = a[i * n + j];
  if (!wantQ) return { Q: new Matrix(m, 0), R };
  const Q = new Matrix(m, n);
  const q = Q.data;
  for (let i = 0; i < n; i++) q[i * n + i] = 1;
  for (let p = panels.length - 1; p >= 0; p--) {
    const { k0, V, T } = panels[p];
    const B = block(q, n, k0, m, k0, n);
    applyBlockReflector(V, T, B, false);
    putBlock(q, n, k0, k0, B);
  }
  return { Q, R };
}
