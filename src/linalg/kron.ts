// Kronecker product, vec/unvec (column stacking, as in the papers) and the commutation matrix.
import { Matrix } from './matrix.ts';
const todo = (name: string): never => { throw new Error(`linalg.${name}: not implemented yet`); };

export function kron(A: Matrix, B: Matrix): Matrix { return todo('kron'); }
/** vec(A): columns of A stacked into an (m n) x 1 column. */
export function vec(A: Matrix): Matrix { return todo('vec'); }
/** Inverse of vec: an (m n)-vector (or column) into an m x n matrix, column-major. */
export function unvec(v: Matrix | ArrayLike<number>, rows: number, cols: number): Matrix { return todo('unvec'); }
/** Commutation matrix K_{m,n} (mn x mn) with K vec(A) = vec(A^T) for A of size m x n. */
export function commutation(m: number, n: number): Matrix { return todo('commutation'); }
