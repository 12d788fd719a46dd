// Elementwise and structural operations on Matrix (DESIGN.md, "src/linalg/").
import { Matrix } from './matrix.ts';
const todo = (name: string): never => { throw new Error(`linalg.${name}: not implemented yet`); };

export function add(A: Matrix, B: Matrix): Matrix { return todo('add'); }
export function sub(A: Matrix, B: Matrix): Matrix { return todo('sub'); }
export function scale(A: Matrix, s: number): Matrix { return todo('scale'); }
/** A + s B */
export function addScaled(A: Matrix, B: Matrix, s: number): Matrix { return todo('addScaled'); }
export function hadamard(A: Matrix, B: Matrix): Matrix { return todo('hadamard'); }
export function map(A: Matrix, f: (x: number, i: number, j: number) => number): Matrix { return todo('map'); }
export function transpose(A: Matrix): Matrix { return todo('transpose'); }
export function rowSums(A: Matrix): Float64Array { return todo('rowSums'); }
export function colSums(A: Matrix): Float64Array { return todo('colSums'); }
export function rowMeans(A: Matrix): Float64Array { return todo('rowMeans'); }
export function colMeans(A: Matrix): Float64Array { return todo('colMeans'); }
/** Rows start..end-1 (copy). */
export function sliceRows(A: Matrix, start: number, end: number): Matrix { return todo('sliceRows'); }
/** Columns start..end-1 (copy). */
export function sliceCols(A: Matrix, start: number, end: number): Matrix { return todo('sliceCols'); }
export function selectRows(A: Matrix, idx: ArrayLike<number>): Matrix { return todo('selectRows'); }
export function selectCols(A: Matrix, idx: ArrayLike<number>): Matrix { return todo('selectCols'); }
/** [A B ...] side by side. */
export function hstack(mats: Matrix[]): Matrix { return todo('hstack'); }
/** [A; B; ...] on top of each other. */
export function vstack(mats: Matrix[]): Matrix { return todo('vstack'); }
export function trace(A: Matrix): number { return todo('trace'); }
export function diagonal(A: Matrix): Float64Array { return todo('diagonal'); }
/** A + s I (copy). */
export function addDiagonal(A: Matrix, s: number): Matrix { return todo('addDiagonal'); }
/** Each row of A plus v (length cols). */
export function addRowVector(A: Matrix, v: ArrayLike<number>): Matrix { return todo('addRowVector'); }
/** Each row of A minus v (length cols). */
export function subRowVector(A: Matrix, v: ArrayLike<number>): Matrix { return todo('subRowVector'); }
/** u v^T */
export function outer(u: ArrayLike<number>, v: ArrayLike<number>): Matrix { return todo('outer'); }
export function dot(u: ArrayLike<number>, v: ArrayLike<number>): number { return todo('dot'); }
/** max |A_ij - B_ij| */
export function maxAbsDiff(A: Matrix, B: Matrix): number { return todo('maxAbsDiff'); }
/** (A + A^T) / 2 */
export function symmetrize(A: Matrix): Matrix { return todo('symmetrize'); }
