// Matrices whose storage lives in wasm memory (`residentF64`), so every GEMM reads and writes them in place
// instead of copying them in and out. For large intermediates with one owner that frees them (`releaseMatrix`)
// as soon as they are dead; garbage collection frees any that are dropped. Ordinary matrices without the fast path.
import { Matrix } from './matrix.ts';
import { releaseResident, residentF64 } from './layers.ts';

/** A zeroed rows x cols matrix in wasm memory when the fast path is on (else an ordinary one). */
export function residentMatrix(rows: number, cols: number): Matrix {
  return new Matrix(rows, cols, residentF64(rows * cols));
}

/** A copy of A in wasm memory (see residentMatrix). */
export function residentCopy(A: Matrix): Matrix {
  const R = residentMatrix(A.rows, A.cols);
  R.data.set(A.data);
  return R;
}

/** Free a matrix from residentMatrix now (no-op for ordinary matrices); it must not be used afterwards. */
export function releaseMatrix(A: Matrix | undefined): void {
  if (A) releaseResident(A.data);
}
