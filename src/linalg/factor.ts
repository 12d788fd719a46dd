// Cholesky, LU solves, inverse, pseudo-inverse, PSD square roots, Woodbury (DESIGN.md, "src/linalg/").
import { checkStop } from './interrupt.ts';
import { Matrix } from './matrix.ts';
import { gemm, matmul, matmulNT } from './gemm.ts';
import { transpose, transposeBlock } from './ops.ts';
import { triangularSolve, solveTriangularInPlace } from './triangular.ts';
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

/** Diagonal blocks up to this size are factored in TypeScript (measured). */
const CHOL_BASE = 96;
/** Diagonal blocks of the trailing update up to this size are one GEMM that also computes their upper half (measured). */
const SYRK_BASE = 128;

/**
 * Lower-triangular L with A + shift I = L L^T (reads the lower triangle of A; shift, e.g. a ridge, is added
 * to the working copy's diagonal, so A itself needs no shifted copy); throws NotPositiveDefiniteError.
 * One working copy of A is factored in place by the recursive algorithm (Gustavson 1997; Ahmed and
 * Pingali 2000): L11 = chol(A11), L21 = A21 L11^{-T}, L22 = chol(A22 - L21 L21^T), the last two as GEMMs.
 */
export function cholesky(A: Matrix, shift = 0): Matrix {
  assertSquare(A, 'cholesky');
  const n = A.rows;
  const L = new Matrix(n, n);
  for (let i = 0; i < n; i++) {
    L.data.set(A.data.subarray(i * n, i * n + i + 1), i * n);
    L.data[i * n + i] += shift;
  }
  // The first split has the largest panel (n1 x n2), TRSM block (<= n1^2 / 4) and update block (<= n2^2 / 4, or a leaf).
  const n1 = n >> 1,
    n2 = n - n1,
    leaf = Math.min(n2, SYRK_BASE);
  const size = Math.max(n1 * n2, leaf * leaf);
  factorInPlace({ w: L.data, n, scratch: [new Float64Array(size), new Float64Array(size)] }, 0, n);
  return L;
}

/**
 * The working copy (n x n, row-major: L on and below the diagonal, zeros above) and two scratch
 * buffers reused down the recursion, each large enough for the first split's panel: one step uses
 * them for L21^T and TRSM blocks, the next for L21 and blocks of the trailing update.
 */
interface CholeskyWork {
  readonly w: Float64Array;
  readonly n: number;
  readonly scratch: readonly [Float64Array, Float64Array];
}

/** Factor the diagonal block W[o : o+m, o : o+m] in place (lower triangle), recursively. */
function factorInPlace(work: CholeskyWork, o: number, m: number): void {
  checkStop(); // a stop request is seen between blocks
  if (m <= CHOL_BASE) {
    factorUnblocked(work, o, m);
    return;
  }
  const n1 = m >> 1,
    n2 = m - n1;
  factorInPlace(work, o, n1);
  const [a, b] = work.scratch;
  const L21 = solvePanel(work, o, n1, n2, a, b); // L21 lands in b
  subtractGramLower(work, o + n1, L21, a);
  factorInPlace(work, o + n1, n2);
}

/** Unblocked Cholesky-Crout on W[o : o+m, o : o+m] in place (row dots over contiguous memory). */
function factorUnblocked(work: CholeskyWork, o: number, m: number): void {
  const { w, n } = work;
  for (let i = 0; i < m; i++) {
    const oi = (o + i) * n + o;
    for (let j = 0; j < i; j++) {
      const oj = (o + j) * n + o;
      let s = w[oi + j];
      for (let k = 0; k < j; k++) s -= w[oi + k] * w[oj + k];
      w[oi + j] = s / w[oj + j];
    }
    let d = w[oi + i];
    for (let k = 0; k < i; k++) d -= w[oi + k] * w[oi + k];
    if (!(d > 0)) {
      throw new NotPositiveDefiniteError(`cholesky: matrix is not positive definite (pivot ${o + i} is ${d})`);
    }
    w[oi + i] = Math.sqrt(d);
  }
}

/**
 * L21 = A21 L11^{-T} for the n2 x n1 block below L11 = W[o : o+n1, o : o+n1], solved as L11 L21^T = A21^T
 * (recursive TRSM on a transposed copy, in `a`; `b` is the TRSM's scratch); writes L21 into W and
 * returns it as a contiguous n2 x n1 matrix in `b`.
 */
function solvePanel(work: CholeskyWork, o: number, n1: number, n2: number, a: Float64Array, b: Float64Array): Matrix {
  const { w, n } = work;
  const at = (o + n1) * n + o; // W[o + n1, o]
  const L21t = new Matrix(n1, n2, a.subarray(0, n1 * n2));
  transposeBlock(w, at, n, n2, n1, L21t.data, 0, n2);
  solveTriangularInPlace({ t: w, ld: n, off: o * n + o, n: n1 }, L21t, true, false, false, b);
  const L21 = new Matrix(n2, n1, b.subarray(0, n1 * n2));
  transposeBlock(L21t.data, 0, n2, n1, n2, L21.data, 0, n1);
  for (let i = 0; i < n2; i++) w.set(L21.data.subarray(i * n1, (i + 1) * n1), at + i * n);
  return L21;
}

/**
 * Lower triangle of W[c : c+m, c : c+m] -= P P^T for P (m x k, contiguous): recursive SYRK, each
 * off-diagonal block one GEMM, so only about half of the full product's flops are spent.
 */
function subtractGramLower(work: CholeskyWork, c: number, P: Matrix, scratch: Float64Array, r0 = 0, m = P.rows): void {
  if (m <= SYRK_BASE) {
    subtractProductBlock(work, c, P, scratch, r0, m, r0, m);
    return;
  }
  const h = m >> 1;
  subtractGramLower(work, c, P, scratch, r0, h);
  subtractProductBlock(work, c, P, scratch, r0 + h, m - h, r0, h);
  subtractGramLower(work, c, P, scratch, r0 + h, m - h);
}

/**
 * W[c+i0 : c+i0+mi, c+j0 : c+j0+mj] -= P[i0 : i0+mi] P[j0 : j0+mj]^T as one GEMM on a contiguous copy of
 * the W block (in `scratch`); on a diagonal block (i0 = j0) only the lower triangle is written back.
 */
function subtractProductBlock(work: CholeskyWork, c: number, P: Matrix, scratch: Float64Array, i0: number, mi: number, j0: number, mj: number): void {
  const { w, n } = work;
  const k = P.cols;
  const at = (c + i0) * n + c + j0;
  const C = new Matrix(mi, mj, scratch.subarray(0, mi * mj));
  for (let i = 0; i < mi; i++) C.data.set(w.subarray(at + i * n, at + i * n + mj), i * mj);
  const Pi = new Matrix(mi, k, P.data.subarray(i0 * k, (i0 + mi) * k));
  const Pj = new Matrix(mj, k, P.data.subarray(j0 * k, (j0 + mj) * k));
  gemm(Pi, Pj, { transB: true, alpha: -1, beta: 1, C });
  const diagonal = i0 === j0;
  for (let i = 0; i < mi; i++) w.set(C.data.subarray(i * mj, i * mj + (diagonal ? i + 1 : mj)), at + i * n);
}

/** Solve (L L^T) X = B given the Cholesky factor L: L Y = B, then L^T X = Y, in place on one copy of B. */
export function choleskySolve(L: Matrix, B: Matrix): Matrix {
  assertSquare(L, 'choleskySolve');
  const n = L.rows;
  if (B.rows !== n) throw new RangeError(`choleskySolve: B has ${B.rows} rows, expected ${n}`);
  const X = B.clone();
  const T = { t: L.data, ld: n, off: 0, n };
  solveTriangularInPlace(T, X, true, false);
  solveTriangularInPlace(T, X, true, true);
  return X;
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
    if ((k & 63) === 0) checkStop();
    let p = k,
      mx = Math.abs(a[k * n + k]);
    for (let i = k + 1; i < n; i++) {
      const v = Math.abs(a[i * n + k]);
      if (v > mx) {
        mx = v;
        p = i;
      }
    }
    if (!(mx > 0) || !Number.isFinite(mx)) {
      throw new SingularMatrixError(`solve: matrix is singular (no nonzero pivot in column ${k})`);
    }
    if (p !== k) {
      tmp.set(a.subarray(k * n, k * n + n));
      a.copyWithin(k * n, p * n, p * n + n);
      a.set(tmp, p * n);
      const t = perm[k];
      perm[k] = perm[p];
      perm[p] = t;
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
  const m = A.rows,
    n = A.cols;
  if (m === 0 || n === 0) return new Matrix(n, m);
  const { U, S, V } = svd(A);
  const cutoff = (rcond ?? Math.max(m, n) * Number.EPSILON) * S[0];
  let r = 0;
  while (r < S.length && S[r] > cutoff) r++;
  // V_r diag(1/s) (n x r) times U_r^T
  const W = new Matrix(n, r),
    Ur = new Matrix(m, r);
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
  for (let j = 0; j < n; j++) {
    const v = f(values[j]);
    if (v > 0) keep.push(j);
  }
  const r = keep.length;
  const W = new Matrix(n, r);
  const root = keep.map((j) => Math.sqrt(f(values[j])));
  for (let i = 0; i < n; i++) {
    const oi = i * n,
      ow = i * r;
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
    const oi = i * n,
      ow = i * r;
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
  const n = Ainv.rows,
    k = C.rows;
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
