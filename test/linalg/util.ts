// Shared helpers for the linalg tests: seeded random matrices and error measures.
import { Matrix, matmulNT, matmulTN, maxAbsDiff, qr, frobeniusNorm, sub } from '../../src/linalg/index.ts';
import { Rng } from '../../src/random/index.ts';

export function gaussian(rng: Rng, m: number, n: number): Matrix {
  return new Matrix(m, n, rng.normals(m * n));
}
/** m x n with orthonormal columns (m >= n): Q of the QR of a Gaussian matrix. */
export function randomOrthonormal(rng: Rng, m: number, n: number): Matrix {
  return qr(gaussian(rng, m, n)).Q;
}
/** U diag(s) V^T */
export function fromSVD(U: Matrix, s: ArrayLike<number>, V: Matrix): Matrix {
  const r = s.length;
  const US = new Matrix(U.rows, r);
  for (let i = 0; i < U.rows; i++) for (let j = 0; j < r; j++) US.data[i * r + j] = U.data[i * U.cols + j] * s[j];
  return matmulNT(US, V);
}
/** Random SPD matrix B B^T + shift I. */
export function randomSPD(rng: Rng, n: number, shift = 1): Matrix {
  const B = gaussian(rng, n, n);
  const A = matmulNT(B, B);
  for (let i = 0; i < n; i++) A.data[i * n + i] += shift;
  return A;
}
/** max |Q^T Q - I| */
export function orthError(Q: Matrix): number {
  return maxAbsDiff(matmulTN(Q, Q), Matrix.eye(Q.cols));
}
export function relErr(A: Matrix, B: Matrix): number {
  return frobeniusNorm(sub(A, B)) / Math.max(frobeniusNorm(B), Number.MIN_VALUE);
}
