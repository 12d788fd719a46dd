// Matrix norms (DESIGN.md, "src/linalg/").
import { Matrix } from './matrix.ts';
const todo = (name: string): never => { throw new Error(`linalg.${name}: not implemented yet`); };

export function frobeniusNorm(A: Matrix): number { return todo('frobeniusNorm'); }
/** Largest singular value. */
export function spectralNorm(A: Matrix): number { return todo('spectralNorm'); }
/** Sum of singular values. */
export function nuclearNorm(A: Matrix): number { return todo('nuclearNorm'); }
