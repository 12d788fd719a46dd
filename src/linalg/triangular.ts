// Triangular solves, blocked so that most of the work is one GEMM per block row (DESIGN.md, "src/linalg/").
import { Matrix } from './matrix.ts';
import { gemm } from './gemm.ts';

const BLOCK = 64;

/** Entries of op(T)[rows s..e-1, cols c0..c1-1] as a compact (e-s) x (c1-c0) matrix, op = transpose when trans. */
function opBlock(T: Matrix, trans: boolean, s: number, e: number, c0: number, c1: number): Matrix {
  const n = T.cols, t = T.data;
  const out = new Matrix(e - s, c1 - c0);
  const o = out.data, w = c1 - c0;
  if (!trans) {
    for (let i = s; i < e; i++) o.set(t.subarray(i * n + c0, i * n + c1), (i - s) * w);
  } else {
    // op(T)[i, j] = T[j, i]: walk T row by row, scatter into columns of out.
    for (let j = c0; j < c1; j++) {
      const off = j * n;
      for (let i = s; i < e; i++) o[(i - s) * w + (j - c0)] = t[off + i];
    }
  }
  return out;
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
  const k = B.cols;
  const X = B.clone();
  const x = X.data, t = T.data;
  const forward = lower !== trans; // op(T) lower triangular
  // op(T)[i, j]
  const at = trans ? (i: number, j: number) => t[j * n + i] : (i: number, j: number) => t[i * n + j];
  if (forward) {
    for (let s = 0; s < n; s += BLOCK) {
      const e = Math.min(s + BLOCK, n);
      if (s > 0 && k > 0) {
        const P = opBlock(T, trans, s, e, 0, s);
        gemm(P, new Matrix(s, k, x.subarray(0, s * k)), { alpha: -1, beta: 1, C: new Matrix(e - s, k, x.subarray(s * k, e * k)) });
      }
      for (let i = s; i < e; i++) {
        const oi = i * k;
        for (let j = s; j < i; j++) {
          const l = at(i, j);
          if (l === 0) continue;
          const oj = j * k;
          for (let c = 0; c < k; c++) x[oi + c] -= l * x[oj + c];
        }
        if (!unit) {
          const inv = 1 / at(i, i);
          for (let c = 0; c < k; c++) x[oi + c] *= inv;
        }
      }
    }
  } else {
    for (let e = n; e > 0; e -= BLOCK) {
      const s = Math.max(e - BLOCK, 0);
      if (e < n && k > 0) {
        const P = opBlock(T, trans, s, e, e, n);
        gemm(P, new Matrix(n - e, k, x.subarray(e * k, n * k)), { alpha: -1, beta: 1, C: new Matrix(e - s, k, x.subarray(s * k, e * k)) });
      }
      for (let i = e - 1; i >= s; i--) {
        const oi = i * k;
        for (let j = i + 1; j < e; j++) {
          const u = at(i, j);
          if (u === 0) continue;
          const oj = j * k;
          for (let c = 0; c < k; c++) x[oi + c] -= u * x[oj + c];
        }
        if (!unit) {
          const inv = 1 / at(i, i);
          for (let c = 0; c < k; c++) x[oi + c] *= inv;
        }
      }
    }
  }
  return X;
}
