// Matrix norms (DESIGN.md, "src/linalg/").
import { Matrix } from './matrix.ts';
import { singularValues } from './svd.ts';
import { eigValuesSym } from './eig.ts';
import { matmulNT, matmulTN } from './gemm.ts';

/** ||A||_F = sqrt(sum A_ij^2), rescaled when the plain sum would overflow or underflow. */
export function frobeniusNorm(A: Matrix): number {
  const a = A.data;
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * a[i];
  if (s > 1e-280 && s < 1e280) return Math.sqrt(s);
  let mx = 0;
  for (let i = 0; i < a.length; i++) {
    const v = Math.abs(a[i]);
    if (v > mx || Number.isNaN(v)) mx = v;
  }
  if (mx === 0 || !Number.isFinite(mx)) return mx;
  s = 0;
  for (let i = 0; i < a.length; i++) {
    const v = a[i] / mx;
    s += v * v;
  }
  return mx * Math.sqrt(s);
}

/**
 * Largest singular value. Computed as sqrt(lambda_max) of the smaller Gram matrix (one GEMM plus a
 * values-only tridiagonal eigensolve), which is relatively accurate for s_max; falls back to the
 * SVD when the Gram matrix would overflow or underflow.
 */
export function spectralNorm(A: Matrix): number {
  if (A.rows === 0 || A.cols === 0) return 0;
  if (A.rows === 1 || A.cols === 1) return frobeniusNorm(A);
  const f = frobeniusNorm(A);
  if (f === 0 || !Number.isFinite(f)) return f;
  if (f > 1e-100 && f < 1e100) {
    const G = A.rows >= A.cols ? matmulTN(A, A) : matmulNT(A, A);
    const ev = eigValuesSym(G);
    return Math.sqrt(Math.max(ev[0], 0));
  }
  return singularValues(A)[0];
}

/** Sum of singular values (from the SVD, so small singular values count accurately). */
export function nuclearNorm(A: Matrix): number {
  const s = singularValues(A);
  let t = 0;
  for (let i = 0; i < s.length; i++) t += s[i];
  return t;
}
