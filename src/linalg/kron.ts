// Kronecker product, vec/unvec (column stacking, as in the papers) and the commutation matrix.
import { Matrix } from './matrix.ts';

/** Kronecker product A (x) B: block (i, j) is A_ij B; size (p r) x (q s). */
export function kron(A: Matrix, B: Matrix): Matrix {
  const p = A.rows,
    q = A.cols,
    r = B.rows,
    s = B.cols;
  const cols = q * s;
  const out = new Matrix(p * r, cols);
  const o = out.data,
    a = A.data,
    b = B.data;
  for (let i = 0; i < p; i++) {
    for (let k = 0; k < r; k++) {
      const rowOff = (i * r + k) * cols;
      const bOff = k * s;
      for (let j = 0; j < q; j++) {
        const aij = a[i * q + j];
        const off = rowOff + j * s;
        for (let l = 0; l < s; l++) o[off + l] = aij * b[bOff + l];
      }
    }
  }
  return out;
}
/** vec(A): columns of A stacked into an (m n) x 1 column. */
export function vec(A: Matrix): Matrix {
  const { rows: m, cols: n } = A;
  const out = new Float64Array(m * n);
  const a = A.data;
  for (let i = 0; i < m; i++) {
    const off = i * n;
    for (let j = 0; j < n; j++) out[j * m + i] = a[off + j];
  }
  return new Matrix(m * n, 1, out);
}
/** Inverse of vec: an (m n)-vector (or column) into an m x n matrix, column-major. */
export function unvec(v: Matrix | ArrayLike<number>, rows: number, cols: number): Matrix {
  const d: ArrayLike<number> = v instanceof Matrix ? v.data : v;
  if (v instanceof Matrix && v.rows !== 1 && v.cols !== 1) {
    throw new RangeError(`unvec: expected a vector, got a ${v.rows}x${v.cols} matrix`);
  }
  if (d.length !== rows * cols) throw new RangeError(`unvec: length ${d.length} does not match ${rows}x${cols}`);
  const out = new Matrix(rows, cols);
  const o = out.data;
  for (let j = 0; j < cols; j++) {
    const off = j * rows;
    for (let i = 0; i < rows; i++) o[i * cols + j] = d[off + i];
  }
  return out;
}
/** Commutation matrix K_{m,n} (mn x mn) with K vec(A) = vec(A^T) for A of size m x n. */
export function commutation(m: number, n: number): Matrix {
  const N = m * n;
  const K = new Matrix(N, N);
  // vec(A)[j m + i] = A_ij = vec(A^T)[i n + j]
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) K.data[(i * n + j) * N + (j * m + i)] = 1;
  return K;
}
