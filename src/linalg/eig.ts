// Symmetric eigendecomposition (DESIGN.md, "src/linalg/"): Householder tridiagonalisation, then
// implicit QL with Wilkinson-type shifts (Golub & Van Loan 8.3), rotations applied row by row.
import { Matrix } from './matrix.ts';
import { householder } from './reflector.ts';

/** A = V diag(values) V^T for symmetric A; values descending, eigenvectors are the columns of `vectors`. */
export interface EigSym { values: Float64Array; vectors: Matrix }

interface Tridiagonal { d: Float64Array; e: Float64Array; Q?: Matrix }

/**
 * Reduce symmetric A to tridiagonal T = Q^T A Q (d diagonal, e[i] = T[i, i+1]); Q formed when wanted.
 * Every update runs over contiguous rows (A is symmetric, so column k below the diagonal is row k).
 */
function tridiagonalize(A: Matrix, wantQ: boolean): Tridiagonal {
  const n = A.rows;
  const W = A.clone();
  const a = W.data;
  const d = new Float64Array(n), e = new Float64Array(Math.max(n - 1, 0));
  const vs: Float64Array[] = [];
  const betas = new Float64Array(n);
  const p = new Float64Array(n);
  for (let k = 0; k < n - 2; k++) {
    const L = n - k - 1, c0 = k + 1;
    const v = a.slice(k * n + c0, k * n + n); // x = A[k+1:, k] = A[k, k+1:]
    const [beta, alpha] = householder(v);
    if (beta === 0) {
      e[k] = alpha; betas[k] = 0; vs.push(v); continue;
    }
    e[k] = alpha; betas[k] = beta; vs.push(v);
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
      const vi = v[i], wi = p[i];
      for (let j = 0; j < L; j++) a[oi + j] -= vi * p[j] + wi * v[j];
    }
  }
  for (let i = 0; i < n; i++) d[i] = a[i * n + i];
  if (n >= 2) e[n - 2] = a[(n - 2) * n + n - 1];
  if (n >= 2) { vs.push(new Float64Array(0)); }
  if (!wantQ) return { d, e };
  // Q = H_0 H_1 ... H_{n-3}, backward accumulation: Q := H_k Q on rows/columns k+1..n-1.
  const Q = Matrix.eye(n);
  const q = Q.data;
  const w = new Float64Array(n);
  for (let k = n - 3; k >= 0; k--) {
    const beta = betas[k];
    if (beta === 0) continue;
    const v = vs[k], c0 = k + 1, L = n - c0;
    w.fill(0, 0, L);
    for (let i = 0; i < L; i++) {
      const vi = v[i], oi = (c0 + i) * n + c0;
      if (vi === 0) continue;
      for (let j = 0; j < L; j++) w[j] += vi * q[oi + j];
    }
    for (let i = 0; i < L; i++) {
      const f = beta * v[i], oi = (c0 + i) * n + c0;
      if (f === 0) continue;
      for (let j = 0; j < L; j++) q[oi + j] -= f * w[j];
    }
  }
  return { d, e, Q };
}

/**
 * Implicit QL on the tridiagonal (d, e) in place; e[i] couples d[i] and d[i+1]. When Z (n x n, row-major)
 * is given, the rotations of each sweep are applied to its columns in one pass over its rows.
 */
function tridiagonalQL(d: Float64Array, e: Float64Array, Z?: Matrix): void {
  const n = d.length;
  if (n <= 1) return;
  const ee = new Float64Array(n); // ee[n-1] = 0 sentinel
  ee.set(e);
  const cs = new Float64Array(n), sn = new Float64Array(n);
  const z = Z?.data;
  // Deflation threshold: relative to the neighbouring diagonal, or absolute at eps * ||T|| (backward
  // stable). The relative test alone never fires inside a cluster of (near-)zero eigenvalues, as in
  // singular PSD matrices such as an AGOP.
  let tnorm = 0;
  for (let i = 0; i < n; i++) tnorm = Math.max(tnorm, Math.abs(d[i]) + Math.abs(ee[i]) + (i > 0 ? Math.abs(ee[i - 1]) : 0));
  const floor = Number.EPSILON * tnorm;
  for (let l = 0; l < n; l++) {
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
      let s = 1, c = 1, p = 0;
      let i = m - 1;
      let underflow = false;
      for (; i >= l; i--) {
        const f = s * ee[i], b = c * ee[i];
        r = Math.hypot(f, g);
        ee[i + 1] = r;
        if (r === 0) { d[i + 1] -= p; ee[m] = 0; underflow = true; break; }
        s = f / r; c = g / r;
        g = d[i + 1] - p;
        r = (d[i] - g) * s + 2 * c * b;
        p = s * r;
        d[i + 1] = g + p;
        g = c * r - b;
        cs[i] = c; sn[i] = s;
      }
      if (z) {
        // Columns i, i+1 for i = m-1 down to (i+1 or l): f = z[k][i+1]; z[k][i+1] = s z[k][i] + c f; z[k][i] = c z[k][i] - s f
        const stop = underflow ? i + 1 : l;
        for (let k = 0; k < n; k++) {
          const o = k * n;
          let hi = z[o + m];
          for (let j = m - 1; j >= stop; j--) {
            const lo = z[o + j];
            const cj = cs[j], sj = sn[j];
            z[o + j + 1] = sj * lo + cj * hi;
            hi = cj * lo - sj * hi;
          }
          z[o + stop] = hi;
        }
      }
      if (underflow) continue;
      d[l] -= p; ee[l] = g; ee[m] = 0;
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

/** Eigenvalues (descending) and orthonormal eigenvectors (columns) of a symmetric matrix. */
export function eigSym(A: Matrix): EigSym {
  assertSymmetricShape(A, 'eigSym');
  const n = A.rows;
  const { d, e, Q } = tridiagonalize(A, true);
  tridiagonalQL(d, e, Q);
  const order = descendingOrder(d);
  const values = new Float64Array(n);
  const vectors = new Matrix(n, n);
  const q = Q!.data, v = vectors.data;
  for (let j = 0; j < n; j++) values[j] = d[order[j]];
  for (let i = 0; i < n; i++) {
    const o = i * n;
    for (let j = 0; j < n; j++) v[o + j] = q[o + order[j]];
  }
  return { values, vectors };
}
/** Eigenvalues of a symmetric matrix, descending. */
export function eigValuesSym(A: Matrix): Float64Array {
  assertSymmetricShape(A, 'eigValuesSym');
  const { d, e } = tridiagonalize(A, false);
  tridiagonalQL(d, e);
  return Float64Array.from(d).sort().reverse();
}
