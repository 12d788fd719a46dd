// Cholesky, LU solves, inverse, pseudo-inverse, PSD square roots, Woodbury (DESIGN.md, "src/linalg/").
import { Matrix } from './matrix.ts';
import { gemm, matmul, matmulNT } from './gemm.ts';
import { transpose } from './ops.ts';
import { triangularSolve } from './triangular.ts';
import { svd, singularValues } from './svd.ts';
import { eigSym } from './eig.ts';

export class NotPositiveDefiniteError extends Error {
  override name = 'NotPositiveDefiniteError';
}
export class SingularMatrixError extends Error {
  override name = 'SingularMatrixError';
}

function assertSquare(A: Matrix, what: string): void {
  if (A.rows !== A.cols) throw new RangeError(`${what}: matrix is ${A.rows}x${A.cols}, not square`);
}

const CHOL_BASE = 64;

/** Unblocked Cholesky-Crout on a small block (row dots over contiguous memory); reads the lower triangle. */
function choleskyUnblocked(A: Matrix, offset: number): Matrix {
  const n = A.rows, a = A.data;
  const L = new Matrix(n, n);
  const l = L.data;
  for (let i = 0; i < n; i++) {
    const oi = i * n;
    for (let j = 0; j < i; j++) {
      const oj = j * n;
      let s = a[oi + j];
      for (let k = 0; k < j; k++) s -= l[oi + k] * l[oj + k];
      l[oi + j] = s / l[oj + j];
    }
    let d = a[oi + i];
    for (let k = 0; k < i; k++) d -= l[oi + k] * l[oi + k];
    if (!(d > 0)) {
      throw new NotPositiveDefiniteError(`cholesky: matrix is not positive definite (pivot ${i + offset} is ${d})`);
    }
    l[oi + i] = Math.sqrt(d);
  }
  return L;
}

/** Recursive Cholesky: L11 = chol(A11), L21 = A21 L11^{-T}, L22 = chol(A22 - L21 L21^T); the work is GEMM. */
function choleskyRecursive(A: Matrix, offset: number): Matrix {
  const n = A.rows;
  if (n <= CHOL_BASE) return choleskyUnblocked(A, offset);
  const n1 = n >> 1, n2 = n - n1;
  const a = A.data;
  const A11 = new Matrix(n1, n1);
  for (let i = 0; i < n1; i++) A11.data.set(a.subarray(i * n + 0, i * n + n1), i * n1);
  const L11 = choleskyRecursive(A11, offset);
  // A21^T (n1 x n2): column block of the upper triangle would be A12, but read the lower triangle only.
  const A21t = new Matrix(n1, n2);
  for (let i = 0; i < n2; i++) {
    const off = (n1 + i) * n;
    for (let j = 0; j < n1; j++) A21t.data[j * n2 + i] = a[off + j];
  }
  const L21t = triangularSolve(L11, A21t, true, false); // L11 L21^T = A21^T
  const A22 = new Matrix(n2, n2);
  for (let i = 0; i < n2; i++) A22.data.set(a.subarray((n1 + i) * n + n1, (n1 + i) * n + n), i * n2);
  gemm(L21t, L21t, { transA: true, alpha: -1, beta: 1, C: A22 });
  const L22 = choleskyRecursive(A22, offset + n1);
  const L = new Matrix(n, n);
  const l = L.data;
  for (let i = 0; i < n1; i++) l.set(L11.data.subarray(i * n1, (i + 1) * n1), i * n);
  for (let i = 0; i < n2; i++) {
    const off = (n1 + i) * n;
    for (let j = 0; j < n1; j++) l[off + j] = L21t.data[j * n2 + i];
    l.set(L22.data.subarray(i * n2, (i + 1) * n2), off + n1);
  }
  return L;
}

/** Lower-triangular L with A = L L^T (recursive blocked, reads the lower triangle); throws NotPositiveDefiniteError. */
export function cholesky(A: Matrix): Matrix {
  assertSquare(A, 'cholesky');
  return choleskyRecursive(A, 0);
}
/** Solve (L L^T) X = B given the Cholesky factor L. */
export function choleskySolve(L: Matrix, B: Matrix): Matrix {
  assertSquare(L, 'choleskySolve');
  const Y = triangularSolve(L, B, true, false);
  return triangularSolve(L, Y, true, true);
}
/** Solve A X = B for symmetric positive definite A. */
export function solveSPD(A: Matrix, B: Matrix): Matrix {
  return choleskySolve(cholesky(A), B);
}

/** LU with partial pivoting, P A = L U packed in one matrix (unit L below the diagonal); perm[i] = source row of row i. */
export function luFactor(A: Matrix): { LU: Matrix; perm: Int32Array } {
  assertSquare(A, 'luFactor');
  const n = A.rows;
  const LU = A.clone();
  const a = LU.data;
  const perm = new Int32Array(n);
  for (let i = 0; i < n; i++) perm[i] = i;
  const tmp = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    let p = k, mx = Math.abs(a[k * n + k]);
    for (let i = k + 1; i < n; i++) {
      const v = Math.abs(a[i * n + k]);
      if (v > mx) { mx = v; p = i; }
    }
    if (!(mx > 0) || !Number.isFinite(mx)) {
      throw new SingularMatrixError(`solve: matrix is singular (no nonzero pivot in column ${k})`);
    }
    if (p !== k) {
      tmp.set(a.subarray(k * n, k * n + n));
      a.copyWithin(k * n, p * n, p * n + n);
      a.set(tmp, p * n);
      const t = perm[k]; perm[k] = perm[p]; perm[p] = t;
    }
    const ok = k * n;
    const inv = 1 / a[ok + k];
    for (let i = k + 1; i < n; i++) {
      const oi = i * n;
      const l = a[oi + k] * inv;
      a[oi + k] = l;
      if (l === 0) continue;
      for (let j = k + 1; j < n; j++) a[oi + j] -= l * a[ok + j];
    }
  }
  return { LU, perm };
}

/** Solve A X = B (LU with partial pivoting); throws SingularMatrixError. */
export function solve(A: Matrix, B: Matrix): Matrix {
  assertSquare(A, 'solve');
  if (B.rows !== A.rows) throw new RangeError(`solve: A is ${A.rows}x${A.cols} but B has ${B.rows} rows`);
  const { LU, perm } = luFactor(A);
  const k = B.cols;
  const PB = new Matrix(B.rows, k);
  for (let i = 0; i < B.rows; i++) PB.data.set(B.data.subarray(perm[i] * k, perm[i] * k + k), i * k);
  const Y = triangularSolve(LU, PB, true, false, true);
  return triangularSolve(LU, Y, false, false, false);
}
/** Solve X A = B, i.e. X = B A^{-1} (the papers' `Y (K + mu I)^{-1}` form), via A^T X^T = B^T. */
export function solveRight(B: Matrix, A: Matrix): Matrix {
  assertSquare(A, 'solveRight');
  if (B.cols !== A.rows) throw new RangeError(`solveRight: B is ${B.rows}x${B.cols} but A is ${A.rows}x${A.cols}`);
  return transpose(solve(transpose(A), transpose(B)));
}
/** A^{-1} via LU with partial pivoting; throws SingularMatrixError. */
export function inverse(A: Matrix): Matrix {
  assertSquare(A, 'inverse');
  return solve(A, Matrix.eye(A.rows));
}
/** Moore-Penrose pseudo-inverse V S^+ U^T; default cut-off rcond = max(m, n) * eps relative to s_max (numpy). */
export function pinv(A: Matrix, rcond?: number): Matrix {
  const m = A.rows, n = A.cols;
  if (m === 0 || n === 0) return new Matrix(n, m);
  const { U, S, V } = svd(A);
  const cutoff = (rcond ?? Math.max(m, n) * Number.EPSILON) * S[0];
  let r = 0;
  while (r < S.length && S[r] > cutoff) r++;
  // V_r diag(1/s) (n x r) times U_r^T
  const W = new Matrix(n, r), Ur = new Matrix(m, r);
  const rc = S.length;
  for (let i = 0; i < n; i++) for (let j = 0; j < r; j++) W.data[i * r + j] = V.data[i * rc + j] / S[j];
  for (let i = 0; i < m; i++) for (let j = 0; j < r; j++) Ur.data[i * r + j] = U.data[i * rc + j];
  return matmulNT(W, Ur);
}
/** Numerical rank: singular values above tol (default max(m, n) * eps * s_max). */
export function rank(A: Matrix, tol?: number): number {
  if (A.rows === 0 || A.cols === 0) return 0;
  const s = singularValues(A);
  const t = tol ?? Math.max(A.rows, A.cols) * Number.EPSILON * s[0];
  let r = 0;
  for (let i = 0; i < s.length; i++) if (s[i] > t) r++;
  return r;
}
/** V diag(f(lambda)) V^T built as W W^T with W = V diag(sqrt f(lambda)) over the kept eigenvalues (f >= 0). */
function spectralFunction(A: Matrix, f: (lambda: number) => number): Matrix {
  const n = A.rows;
  const { values, vectors } = eigSym(A);
  const keep: number[] = [];
  for (let j = 0; j < n; j++) { const v = f(values[j]); if (v > 0) keep.push(j); }
  const r = keep.length;
  const W = new Matrix(n, r);
  const root = keep.map((j) => Math.sqrt(f(values[j])));
  for (let i = 0; i < n; i++) {
    const oi = i * n, ow = i * r;
    for (let c = 0; c < r; c++) W.data[ow + c] = vectors.data[oi + keep[c]] * root[c];
  }
  return matmulNT(W, W);
}
/** Symmetric PSD square root (negative eigenvalues from round-off clipped to 0). */
export function sqrtPSD(A: Matrix): Matrix {
  assertSquare(A, 'sqrtPSD');
  return spectralFunction(A, (l) => (l > 0 ? Math.sqrt(l) : 0));
}
/** Inverse square root of a symmetric PD matrix; eigenvalues below eps * lambda_max are treated as 0 (pseudo). Default eps = n * machine eps. */
export function invSqrtPSD(A: Matrix, eps?: number): Matrix {
  assertSquare(A, 'invSqrtPSD');
  const n = A.rows;
  if (n === 0) return new Matrix(0, 0);
  const { values, vectors } = eigSym(A);
  const cut = (eps ?? n * Number.EPSILON) * Math.max(values[0], 0);
  const keep: number[] = [];
  for (let j = 0; j < n; j++) if (values[j] > cut && values[j] > 0) keep.push(j);
  const r = keep.length;
  const W = new Matrix(n, r);
  const root = keep.map((j) => Math.pow(values[j], -0.25));
  for (let i = 0; i < n; i++) {
    const oi = i * n, ow = i * r;
    for (let c = 0; c < r; c++) W.data[ow + c] = vectors.data[oi + keep[c]] * root[c];
  }
  return matmulNT(W, W);
}
/**
 * (A + U C V)^{-1} given A^{-1} (Woodbury; NRC Eq. 31, AGOP Lemma B.1), in the form
 * A^{-1} - A^{-1} U C (I + V A^{-1} U C)^{-1} V A^{-1}, which needs no C^{-1} (C may be singular).
 */
export function woodburyInverse(Ainv: Matrix, U: Matrix, C: Matrix, V: Matrix): Matrix {
  assertSquare(Ainv, 'woodburyInverse');
  assertSquare(C, 'woodburyInverse (C)');
  const n = Ainv.rows, k = C.rows;
  if (U.rows !== n || U.cols !== k || V.rows !== k || V.cols !== n) {
    throw new RangeError(`woodburyInverse: need U ${n}x${k} and V ${k}x${n}, got U ${U.rows}x${U.cols} and V ${V.rows}x${V.cols}`);
  }
  const AiU = matmul(Ainv, U); // n x k
  const VAi = matmul(V, Ainv); // k x n
  const M = matmul(matmul(V, AiU), C); // k x k
  for (let i = 0; i < k; i++) M.data[i * k + i] += 1;
  const W = matmul(C, solve(M, VAi)); // k x n
  return gemm(AiU, W, { alpha: -1, beta: 1, C: Ainv.clone() });
}
