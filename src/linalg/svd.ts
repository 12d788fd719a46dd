// Singular value decomposition (DESIGN.md, "src/linalg/").
import { Matrix } from './matrix.ts';
const todo = (name: string): never => { throw new Error(`linalg.${name}: not implemented yet`); };

/** Thin SVD A = U diag(S) V^T; r = min(m, n); U is m x r, V is n x r, S descending. */
export interface SVD { U: Matrix; S: Float64Array; V: Matrix }
export function svd(A: Matrix): SVD { return todo('svd'); }
/** Singular values only, descending, length min(m, n). */
export function singularValues(A: Matrix): Float64Array { return todo('singularValues'); }
