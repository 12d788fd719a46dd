// Elementwise and structural operations on Matrix (DESIGN.md, "src/linalg/").
import { Matrix, assertSameShape } from './matrix.ts';

/** A + B */
export function add(A: Matrix, B: Matrix): Matrix {
  assertSameShape(A, B, 'add');
  const a = A.data,
    b = B.data,
    n = a.length;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = a[i] + b[i];
  return new Matrix(A.rows, A.cols, out);
}
/** A - B */
export function sub(A: Matrix, B: Matrix): Matrix {
  assertSameShape(A, B, 'sub');
  const a = A.data,
    b = B.data,
    n = a.length;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = a[i] - b[i];
  return new Matrix(A.rows, A.cols, out);
}
/** s A */
export function scale(A: Matrix, s: number): Matrix {
  const a = A.data,
    n = a.length;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = s * a[i];
  return new Matrix(A.rows, A.cols, out);
}
/** A + s B */
export function addScaled(A: Matrix, B: Matrix, s: number): Matrix {
  assertSameShape(A, B, 'addScaled');
  const a = A.data,
    b = B.data,
    n = a.length;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = a[i] + s * b[i];
  return new Matrix(A.rows, A.cols, out);
}
/** Elementwise product A .* B */
export function hadamard(A: Matrix, B: Matrix): Matrix {
  assertSameShape(A, B, 'hadamard');
  const a = A.data,
    b = B.data,
    n = a.length;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = a[i] * b[i];
  return new Matrix(A.rows, A.cols, out);
}
/** f applied to every entry (with its row and column index). */
export function map(A: Matrix, f: (x: number, i: number, j: number) => number): Matrix {
  const { rows, cols } = A;
  const a = A.data;
  const out = new Float64Array(a.length);
  for (let i = 0; i < rows; i++) {
    const off = i * cols;
    for (let j = 0; j < cols; j++) out[off + j] = f(a[off + j], i, j);
  }
  return new Matrix(rows, cols, out);
}
/** A^T (cache-blocked copy). */
export function transpose(A: Matrix): Matrix {
  const { rows: m, cols: n } = A;
  const out = new Float64Array(m * n);
  transposeBlock(A.data, 0, n, m, n, out, 0, m);
  return new Matrix(n, m, out);
}

/**
 * dst[dstAt + j * ldd + i] = src[at + i * lds + j] for i < r, j < c: the transpose of an r x c block of a row-major
 * array (row length lds) into another (row length ldd), in 32 x 32 tiles so both sides stay in cache.
 */
export function transposeBlock(
  src: Float64Array,
  at: number,
  lds: number,
  r: number,
  c: number,
  dst: Float64Array,
  dstAt: number,
  ldd: number,
): void {
  const BS = 32;
  for (let ii = 0; ii < r; ii += BS) {
    const iEnd = Math.min(ii + BS, r);
    for (let jj = 0; jj < c; jj += BS) {
      const jEnd = Math.min(jj + BS, c);
      for (let i = ii; i < iEnd; i++) {
        const from = at + i * lds;
        for (let j = jj; j < jEnd; j++) dst[dstAt + j * ldd + i] = src[from + j];
      }
    }
  }
}
/** Sum of each row (length rows). */
export function rowSums(A: Matrix): Float64Array {
  const { rows, cols } = A;
  const a = A.data;
  const out = new Float64Array(rows);
  for (let i = 0; i < rows; i++) {
    let s = 0;
    const off = i * cols;
    for (let j = 0; j < cols; j++) s += a[off + j];
    out[i] = s;
  }
  return out;
}
/** Sum of each column (length cols). */
export function colSums(A: Matrix): Float64Array {
  const { rows, cols } = A;
  const a = A.data;
  const out = new Float64Array(cols);
  for (let i = 0; i < rows; i++) {
    const off = i * cols;
    for (let j = 0; j < cols; j++) out[j] += a[off + j];
  }
  return out;
}
/** Mean of each row (NaN for a matrix with no columns). */
export function rowMeans(A: Matrix): Float64Array {
  const s = rowSums(A);
  for (let i = 0; i < s.length; i++) s[i] /= A.cols;
  return s;
}
/** Mean of each column (NaN for a matrix with no rows). */
export function colMeans(A: Matrix): Float64Array {
  const s = colSums(A);
  for (let j = 0; j < s.length; j++) s[j] /= A.rows;
  return s;
}
function checkRange(start: number, end: number, n: number, what: string): void {
  if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || end > n || start > end) {
    throw new RangeError(`${what}: range ${start}..${end} out of 0..${n}`);
  }
}
/** Rows start..end-1 (copy). */
export function sliceRows(A: Matrix, start: number, end: number): Matrix {
  checkRange(start, end, A.rows, 'sliceRows');
  return new Matrix(end - start, A.cols, A.data.slice(start * A.cols, end * A.cols));
}
/** Columns start..end-1 (copy). */
export function sliceCols(A: Matrix, start: number, end: number): Matrix {
  checkRange(start, end, A.cols, 'sliceCols');
  const w = end - start;
  const out = new Matrix(A.rows, w);
  for (let i = 0; i < A.rows; i++) out.data.set(A.data.subarray(i * A.cols + start, i * A.cols + end), i * w);
  return out;
}
/** Rows idx[0], idx[1], ... (copy). */
export function selectRows(A: Matrix, idx: ArrayLike<number>): Matrix {
  const c = A.cols;
  const out = new Matrix(idx.length, c);
  for (let k = 0; k < idx.length; k++) {
    const i = idx[k];
    if (!(i >= 0 && i < A.rows)) throw new RangeError(`selectRows: row ${i} out of 0..${A.rows - 1}`);
    out.data.set(A.data.subarray(i * c, (i + 1) * c), k * c);
  }
  return out;
}
/** Columns idx[0], idx[1], ... (copy). */
export function selectCols(A: Matrix, idx: ArrayLike<number>): Matrix {
  const { rows, cols } = A;
  const w = idx.length;
  for (let k = 0; k < w; k++) if (!(idx[k] >= 0 && idx[k] < cols)) throw new RangeError(`selectCols: column ${idx[k]} out of 0..${cols - 1}`);
  const out = new Matrix(rows, w);
  const a = A.data,
    o = out.data;
  for (let i = 0; i < rows; i++) {
    const ia = i * cols,
      io = i * w;
    for (let k = 0; k < w; k++) o[io + k] = a[ia + idx[k]];
  }
  return out;
}
/** [A B ...] side by side. */
export function hstack(mats: Matrix[]): Matrix {
  if (mats.length === 0) return new Matrix(0, 0);
  const rows = mats[0].rows;
  let cols = 0;
  for (const M of mats) {
    if (M.rows !== rows) throw new RangeError(`hstack: row counts ${rows} and ${M.rows} differ`);
    cols += M.cols;
  }
  const out = new Matrix(rows, cols);
  let c0 = 0;
  for (const M of mats) {
    for (let i = 0; i < rows; i++) out.data.set(M.data.subarray(i * M.cols, (i + 1) * M.cols), i * cols + c0);
    c0 += M.cols;
  }
  return out;
}
/** [A; B; ...] on top of each other. */
export function vstack(mats: Matrix[]): Matrix {
  if (mats.length === 0) return new Matrix(0, 0);
  const cols = mats[0].cols;
  let rows = 0;
  for (const M of mats) {
    if (M.cols !== cols) throw new RangeError(`vstack: column counts ${cols} and ${M.cols} differ`);
    rows += M.rows;
  }
  const out = new Matrix(rows, cols);
  let off = 0;
  for (const M of mats) {
    out.data.set(M.data, off);
    off += M.data.length;
  }
  return out;
}
/** Sum of the diagonal. */
export function trace(A: Matrix): number {
  const n = Math.min(A.rows, A.cols);
  let s = 0;
  for (let i = 0; i < n; i++) s += A.data[i * A.cols + i];
  return s;
}
/** Diagonal entries (length min(rows, cols)). */
export function diagonal(A: Matrix): Float64Array {
  const n = Math.min(A.rows, A.cols);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = A.data[i * A.cols + i];
  return out;
}
/** A + s I (copy). */
export function addDiagonal(A: Matrix, s: number): Matrix {
  const out = A.clone();
  const n = Math.min(A.rows, A.cols);
  for (let i = 0; i < n; i++) out.data[i * A.cols + i] += s;
  return out;
}
/** Each row of A plus v (length cols). */
export function addRowVector(A: Matrix, v: ArrayLike<number>): Matrix {
  return rowVectorOp(A, v, 1, 'addRowVector');
}
/** Each row of A minus v (length cols). */
export function subRowVector(A: Matrix, v: ArrayLike<number>): Matrix {
  return rowVectorOp(A, v, -1, 'subRowVector');
}
function rowVectorOp(A: Matrix, v: ArrayLike<number>, sign: number, what: string): Matrix {
  const { rows, cols } = A;
  if (v.length !== cols) throw new RangeError(`${what}: vector has length ${v.length}, expected ${cols}`);
  const vv = Float64Array.from(v);
  if (sign < 0) for (let j = 0; j < cols; j++) vv[j] = -vv[j];
  const a = A.data;
  const out = new Float64Array(a.length);
  for (let i = 0; i < rows; i++) {
    const off = i * cols;
    for (let j = 0; j < cols; j++) out[off + j] = a[off + j] + vv[j];
  }
  return new Matrix(rows, cols, out);
}
/** u v^T */
export function outer(u: ArrayLike<number>, v: ArrayLike<number>): Matrix {
  const m = u.length,
    n = v.length;
  const out = new Matrix(m, n);
  const o = out.data;
  for (let i = 0; i < m; i++) {
    const ui = u[i],
      off = i * n;
    for (let j = 0; j < n; j++) o[off + j] = ui * v[j];
  }
  return out;
}
/** u . v */
export function dot(u: ArrayLike<number>, v: ArrayLike<number>): number {
  if (u.length !== v.length) throw new RangeError(`dot: lengths ${u.length} and ${v.length} differ`);
  let s = 0;
  for (let i = 0; i < u.length; i++) s += u[i] * v[i];
  return s;
}
/** sum_i v_i^2 (a running sum; pairwiseSumSquares in reduce.ts for long vectors that need accuracy). */
export function sumSquares(v: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i] * v[i];
  return s;
}
/** Euclidean norm ||v||_2 = sqrt(sum_i v_i^2). */
export function norm2(v: ArrayLike<number>): number {
  return Math.sqrt(sumSquares(v));
}
/** ||A - B||_F without forming A - B. */
export function frobeniusDistance(A: Matrix, B: Matrix): number {
  assertSameShape(A, B, 'frobeniusDistance');
  const a = A.data,
    b = B.data;
  let s = 0;
  for (let i = 0; i < a.length; i++) {
    const t = a[i] - b[i];
    s += t * t;
  }
  return Math.sqrt(s);
}
/** max |A_ij - B_ij| */
export function maxAbsDiff(A: Matrix, B: Matrix): number {
  assertSameShape(A, B, 'maxAbsDiff');
  const a = A.data,
    b = B.data;
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (d > m || Number.isNaN(d)) m = d;
  }
  return m;
}
/** (A + A^T) / 2 */
export function symmetrize(A: Matrix): Matrix {
  if (A.rows !== A.cols) throw new RangeError(`symmetrize: matrix is ${A.rows}x${A.cols}, not square`);
  const n = A.rows,
    a = A.data;
  const out = new Matrix(n, n);
  const o = out.data;
  for (let i = 0; i < n; i++) {
    o[i * n + i] = a[i * n + i];
    for (let j = i + 1; j < n; j++) {
      const s = 0.5 * (a[i * n + j] + a[j * n + i]);
      o[i * n + j] = s;
      o[j * n + i] = s;
    }
  }
  return out;
}
