// Triangular solves, recursive so that almost all the work is GEMM (DESIGN.md, "src/linalg/"):
// solve one half of the diagonal, update the other half of the right-hand side with one GEMM,
// solve the other half (the recursive TRSM of Elmroth, Gustavson, Jonsson and Kagstrom, SIAM
// Review 2004). Only blocks of at most `substitutionRows(k)` rows are solved in TypeScript.
import { Matrix } from './matrix.ts';
import { gemm } from './gemm.ts';

/** A square triangular block read in place: entry (i, j) is t[off + i * ld + j], i, j < n. */
export interface TriangularView {
  readonly t: Float64Array;
  readonly ld: number;
  readonly off: number;
  readonly n: number;
}

/**
 * Solve op(T) X = B for triangular T (n x n) and B (n x k), op(T) = T or T^T.
 * `lower` says which triangle of T holds the factor; `unit` takes the diagonal as 1.
 * Returns a new matrix; T's other triangle is never read.
 */
export function triangularSolve(T: Matrix, B: Matrix, lower: boolean, trans = false, unit = false): Matrix {
  const n = T.rows;
  if (T.cols !== n) throw new RangeError(`triangularSolve: T is ${T.rows}x${T.cols}, not square`);
  if (B.rows !== n) throw new RangeError(`triangularSolve: B has ${B.rows} rows, expected ${n}`);
  const X = B.clone();
  solveTriangularInPlace({ t: T.data, ld: n, off: 0, n }, X, lower, trans, unit);
  return X;
}

/**
 * Overwrite X (n x k) with op(T)^{-1} X, T a triangular view (see triangularSolve for the flags).
 * `scratch`, if long enough, holds the copied blocks of T (at most n^2 / 4 entries) instead of a new array.
 */
export function solveTriangularInPlace(T: TriangularView, X: Matrix, lower: boolean, trans = false, unit = false, scratch?: Float64Array): void {
  if (X.rows !== T.n) throw new RangeError(`solveTriangularInPlace: X has ${X.rows} rows, expected ${T.n}`);
  if (T.n === 0 || X.cols === 0) return;
  const base = substitutionRows(X.cols);
  const h = T.n > base ? T.n >> 1 : 0,
    blockSize = h * (T.n - h); // the first split's block is the largest
  const s: Solve = {
    T,
    x: X.data,
    k: X.cols,
    trans,
    unit,
    forward: lower !== trans,
    base,
    block: scratch && scratch.length >= blockSize ? scratch : new Float64Array(blockSize),
    coef: new Float64Array(Math.min(base, T.n)),
  };
  solveRows(s, 0, T.n);
}

interface Solve {
  readonly T: TriangularView;
  readonly x: Float64Array;
  readonly k: number;
  readonly trans: boolean;
  readonly unit: boolean;
  /** op(T) is lower triangular: rows are solved top to bottom. */
  readonly forward: boolean;
  readonly base: number;
  /** Scratch for one off-diagonal block of T (the largest is the first split). */
  readonly block: Float64Array;
  /** Scratch for one row of op(T) inside a diagonal block. */
  readonly coef: Float64Array;
}

/** Largest diagonal block solved by substitution: big enough that the GEMMs below it pay for their call (measured). */
function substitutionRows(k: number): number {
  return k >= 32 ? 16 : 32;
}

/** Solve rows r0..r0+m-1 of X against the diagonal block op(T)[r0.., r0..] (recursive halving). */
function solveRows(s: Solve, r0: number, m: number): void {
  if (m <= s.base) {
    substitute(s, r0, m);
    return;
  }
  const h = m >> 1,
    r1 = r0 + h;
  if (s.forward) {
    solveRows(s, r0, h);
    subtractProduct(s, r1, m - h, r0, h);
    solveRows(s, r1, m - h);
  } else {
    solveRows(s, r1, m - h);
    subtractProduct(s, r0, h, r1, m - h);
    solveRows(s, r0, h);
  }
}

/** X[d0 : d0+dm] -= op(T)[d0 : d0+dm, s0 : s0+sm] X[s0 : s0+sm] as one GEMM on a contiguous copy of the T block. */
function subtractProduct(s: Solve, d0: number, dm: number, s0: number, sm: number): void {
  const { T, x, k } = s;
  // op(T)[d, s] = T[d, s], or T[s, d]^T: copy the stored block and let GEMM transpose it.
  const [r0, rows, c0, cols] = s.trans ? [s0, sm, d0, dm] : [d0, dm, s0, sm];
  const P = new Matrix(rows, cols, s.block.subarray(0, rows * cols));
  for (let i = 0; i < rows; i++) {
    const from = T.off + (r0 + i) * T.ld + c0;
    P.data.set(T.t.subarray(from, from + cols), i * cols);
  }
  const src = new Matrix(sm, k, x.subarray(s0 * k, (s0 + sm) * k));
  const dst = new Matrix(dm, k, x.subarray(d0 * k, (d0 + dm) * k));
  gemm(P, src, { transA: s.trans, alpha: -1, beta: 1, C: dst });
}

/** Row-oriented substitution on a small diagonal block: x_i = (x_i - sum_j op(T)[i, j] x_j) / op(T)[i, i]. */
function substitute(s: Solve, r0: number, m: number): void {
  const { T, x, k, coef } = s;
  const t = T.t;
  // op(T)[i, j] = t[T.off + i * ri + j * rj]
  const ri = s.trans ? 1 : T.ld,
    rj = s.trans ? T.ld : 1;
  for (let step = 0; step < m; step++) {
    const i = s.forward ? r0 + step : r0 + m - 1 - step;
    const j0 = s.forward ? r0 : i + 1,
      j1 = s.forward ? i : r0 + m;
    const at = T.off + i * ri;
    for (let j = j0; j < j1; j++) coef[j - j0] = t[at + j * rj];
    subtractCombination(x, k, i, j0, j1 - j0, coef);
    if (!s.unit) {
      const inv = 1 / t[at + i * rj];
      const oi = i * k;
      for (let c = 0; c < k; c++) x[oi + c] *= inv;
    }
  }
}

/**
 * Row i of x (rows of length k) -= sum_q coef[q] * row (j0 + q), q < count, subtracting in order of q (the
 * rounding of plain substitution) but four rows per pass over row i.
 */
function subtractCombination(x: Float64Array, k: number, i: number, j0: number, count: number, coef: Float64Array): void {
  const oi = i * k;
  let q = 0;
  for (; q + 4 <= count; q += 4) {
    const c0 = coef[q],
      c1 = coef[q + 1],
      c2 = coef[q + 2],
      c3 = coef[q + 3];
    const o0 = (j0 + q) * k,
      o1 = o0 + k,
      o2 = o1 + k,
      o3 = o2 + k;
    for (let c = 0; c < k; c++) x[oi + c] = x[oi + c] - c0 * x[o0 + c] - c1 * x[o1 + c] - c2 * x[o2 + c] - c3 * x[o3 + c];
  }
  for (; q < count; q++) {
    const c0 = coef[q],
      o0 = (j0 + q) * k;
    for (let c = 0; c < k; c++) x[oi + c] -= c0 * x[o0 + c];
  }
}
