// Implicit QL with Wilkinson-type shifts on a symmetric tridiagonal matrix (Golub & Van Loan 8.3): the
// eigensolver of eigValuesSym, the leaves of the divide and conquer (stedc.ts) and the reference in tests.
import { checkStop } from './interrupt.ts';
import type { Matrix } from './matrix.ts';
import { RotationLog } from './rotations.ts';

/**
 * Implicit QL on the tridiagonal (d, e) in place; e[i] couples d[i] and d[i+1]. When Z (n x n, row-major)
 * is given, the rotations of each sweep are applied to its columns in one pass over its rows.
 */
export function tridiagonalQL(d: Float64Array, e: Float64Array, Z?: Matrix): void {
  const n = d.length;
  if (n <= 1) return;
  const ee = new Float64Array(n); // ee[n-1] = 0 sentinel
  ee.set(e);
  const cs = new Float64Array(n),
    sn = new Float64Array(n);
  // The rotations are logged and applied to Z at the end (rotations.ts: cache-blocked, WebAssembly on threads).
  const log = Z ? new RotationLog() : undefined;
  const cr = new Float64Array(n),
    sr = new Float64Array(n);
  // Deflation threshold: relative to the neighbouring diagonal, or absolute at eps * ||T|| (backward
  // stable). The relative test alone never fires inside a cluster of (near-)zero eigenvalues, as in
  // singular PSD matrices such as an AGOP.
  let tnorm = 0;
  for (let i = 0; i < n; i++) tnorm = Math.max(tnorm, Math.abs(d[i]) + Math.abs(ee[i]) + (i > 0 ? Math.abs(ee[i - 1]) : 0));
  const floor = Number.EPSILON * tnorm;
  for (let l = 0; l < n; l++) {
    if ((l & 15) === 0) checkStop();
    let iter = 0;
    for (;;) {
      let m = l;
      for (; m < n - 1; m++) {
        const dd = Math.abs(d[m]) + Math.abs(d[m + 1]);
        if (Math.abs(ee[m]) <= Number.EPSILON * dd || Math.abs(ee[m]) <= floor) break;
      }
      if (m === l) break;
      if (++iter > 60) throw new Error('eigSym: QL iteration did not converge');
      let g = (d[l + 1] - d[l]) / (2 * ee[l]);
      let r = Math.hypot(g, 1);
      g = d[m] - d[l] + ee[l] / (g + (g >= 0 ? r : -r));
      let s = 1,
        c = 1,
        p = 0;
      let i = m - 1;
      let underflow = false;
      for (; i >= l; i--) {
        const f = s * ee[i],
          b = c * ee[i];
        r = Math.hypot(f, g);
        ee[i + 1] = r;
        if (r === 0) {
          d[i + 1] -= p;
          ee[m] = 0;
          underflow = true;
          break;
        }
        s = f / r;
        c = g / r;
        g = d[i + 1] - p;
        r = (d[i] - g) * s + 2 * c * b;
        p = s * r;
        d[i + 1] = g + p;
        g = c * r - b;
        cs[i] = c;
        sn[i] = s;
      }
      if (log) {
        // Columns (j, j+1), j = m-1 down to `stop` (or l): col_{j+1} := s col_j + c h, h := c col_j - s h with h
        // carried from column m. With the columns in reverse order (j -> n-1-j) this is an ascending chain
        // of the log on columns n-1-m .. n-1-stop with the same (c, s).
        const stop = underflow ? i + 1 : l;
        for (let j = m - 1; j >= stop; j--) {
          cr[n - 2 - j] = cs[j];
          sr[n - 2 - j] = sn[j];
        }
        log.chain(n - 1 - m, n - 1 - stop, cr, sr);
      }
      if (underflow) continue;
      d[l] -= p;
      ee[l] = g;
      ee[m] = 0;
    }
  }
  if (Z && log) {
    reverseColumns(Z);
    log.apply(Z.data, n, n);
    reverseColumns(Z);
  }
}

/** Z's columns in reverse order, in place. */
function reverseColumns(Z: Matrix): void {
  const z = Z.data,
    n = Z.cols;
  for (let r = 0; r < Z.rows; r++) z.subarray(r * n, (r + 1) * n).reverse();
}
