// Cholesky, LU solves, inverse, pseudo-inverse, PSD square roots, Woodbury (DESIGN.md, "src/linalg/").
import { Matrix } from './matrix.ts';
const todo = (name: string): never => { throw new Error(`linalg.${name}: not implemented yet`); };

export class NotPositiveDefiniteError extends Error {}
export class SingularMatrixError extends Error {}

/** Lower-triangular L with A = L L^T; throws NotPositiveDefiniteError. */
export function cholesky(A: Matrix): Matrix { return todo('cholesky'); }
/** Solve (L L^T) X = B given the Cholesky factor L. */
export function choleskySolve(L: Matrix, B: Matrix): Matrix { return todo('choleskySolve'); }
/** Solve A X = B for symmetric positive definite A. */
export function solveSPD(A: Matrix, B: Matrix): Matrix { return todo('solveSPD'); }
/** Solve A X = B (LU with partial pivoting); throws SingularMatrixError. */
export function solve(A: Matrix, B: Matrix): Matrix { return todo('solve'); }
/** Solve X A = B, i.e. X = B A^{-1} (the papers' `Y (K + mu I)^{-1}` form). */
export function solveRight(B: Matrix, A: Matrix): Matrix { return todo('solveRight'); }
export function inverse(A: Matrix): Matrix { return todo('inverse'); }
/** Moore-Penrose pseudo-inverse; default cut-off rcond = max(m, n) * eps relative to s_max (numpy). */
export function pinv(A: Matrix, rcond?: number): Matrix { return todo('pinv'); }
/** Numerical rank: singular values above tol (default max(m, n) * eps * s_max). */
export function rank(A: Matrix, tol?: number): number { return todo('rank'); }
/** Symmetric PSD square root (negative eigenvalues from round-off clipped to 0). */
export function sqrtPSD(A: Matrix): Matrix { return todo('sqrtPSD'); }
/** Inverse square root of a symmetric PD matrix; eigenvalues below eps * lambda_max are treated as 0 (pseudo). */
export function invSqrtPSD(A: Matrix, eps?: number): Matrix { return todo('invSqrtPSD'); }
/** (A + U C V)^{-1} given A^{-1} (Woodbury; NRC Eq. 31, AGOP Lemma B.1). */
export function woodburyInverse(Ainv: Matrix, U: Matrix, C: Matrix, V: Matrix): Matrix { return todo('woodburyInverse'); }
