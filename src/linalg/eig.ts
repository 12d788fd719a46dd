// Symmetric eigendecomposition (DESIGN.md, "src/linalg/").
import { Matrix } from './matrix.ts';
const todo = (name: string): never => { throw new Error(`linalg.${name}: not implemented yet`); };

/** A = V diag(values) V^T for symmetric A; values descending, eigenvectors are the columns of `vectors`. */
export interface EigSym { values: Float64Array; vectors: Matrix }
export function eigSym(A: Matrix): EigSym { return todo('eigSym'); }
export function eigValuesSym(A: Matrix): Float64Array { return todo('eigValuesSym'); }
