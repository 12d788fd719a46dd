// Symmetric kernels on upper-triangle storage for the tridiagonal reduction (tridiagonal-reduction.ts): a
// row-major n x n array of which only A[i, j], j >= i, is kept. The TypeScript loops are the reference and the
// fallback; the fast backend (level2.ts, WebAssembly src/linalg/wasm/assembly/symmetric.ts) serves resident arrays.
import { level2Backend } from './level2.ts';

/** x = A u for the symmetric L x L block of a at `at` (row stride lda), read from its upper triangle (BLAS dsymv). */
export function symvUpper(a: Float64Array, at: number, lda: number, L: number, u: Float64Array, x: Float64Array): void {
  if (L <= 0) return;
  const b = level2Backend();
  if (b?.isResident(a) && b.dsymvUpper(a, at, lda, L, u, x)) return;
  x.fill(0, 0, L);
  for (let i = 0; i < L; i++) {
    const o = at + i * lda,
      ui = u[i];
    let s = a[o + i] * ui;
    for (let j = i + 1; j < L; j++) {
      const aij = a[o + j];
      s += aij * u[j];
      x[j] += aij * ui;
    }
    x[i] += s;
  }
}

/** Pack rows r0..r0+nt-1 of the k-column families [X1 X2] (stored as rows: Xs[j][r0 + r] = X[r, j]) in groups of 4 rows, k-major. */
export function packGroups(X1: Float64Array, X2: Float64Array, ld: number, count: number, r0: number, nt: number, out: Float64Array): void {
  if (level2Backend()?.packGroups(X1, X2, ld, count, r0, nt, out)) return;
  const kk = 2 * count,
    gs = 4 * kk;
  out.fill(0, 0, ((nt + 3) >> 2) * gs);
  for (let j = 0; j < kk; j++) {
    const src = j < count ? X1 : X2,
      o = (j % count) * ld + r0;
    for (let r = 0; r < nt; r++) out[(r >> 2) * gs + j * 4 + (r & 3)] = src[o + r];
  }
}

/**
 * The upper triangle of the nt x nt block of c at `at` (row stride ldc) -= P Q^T (BLAS dsyr2k when P = [V W],
 * Q = [W V]), P and Q nt x kk packed by packGroups; the diagonal 4 x 4 tiles are updated whole.
 */
export function syr2kUpper(c: Float64Array, at: number, ldc: number, nt: number, pp: Float64Array, qp: Float64Array, kk: number): void {
  if (nt <= 0) return;
  const b = level2Backend();
  if (b?.isResident(c) && b.dsyr2kUpper(c, at, ldc, nt, pp, qp, kk)) return;
  const gs = 4 * kk;
  for (let i = 0; i < nt; i++) {
    const po = (i >> 2) * gs + (i & 3),
      o = at + i * ldc;
    for (let j = i & ~3; j < nt; j++) {
      const qo = (j >> 2) * gs + (j & 3);
      let s = 0;
      for (let p = 0; p < kk; p++) s += pp[po + 4 * p] * qp[qo + 4 * p];
      c[o + j] -= s;
    }
  }
}

/**
 * out[0:L] -= X^T cx + Y^T cy for the count-row families X, Y (rows at `at` + j ld): the low-rank part of the reduced
 * matrix A - V W^T - W V^T in a panel step (LAPACK dlatrd).
 */
export function lowRankSub(
  X: Float64Array,
  Y: Float64Array,
  at: number,
  ld: number,
  count: number,
  L: number,
  cx: Float64Array,
  cy: Float64Array,
  out: Float64Array,
): void {
  if (count <= 0 || L <= 0) return;
  if (level2Backend()?.lowRankSub(X, Y, at, ld, count, L, cx, cy, out)) return;
  for (let j = 0; j < count; j++) {
    const a = cx[j],
      b = cy[j],
      o = at + j * ld;
    for (let c = 0; c < L; c++) out[c] -= a * X[o + c] + b * Y[o + c];
  }
}

/** out[0:L] -= X^T (Y v) + Y^T (X v) for the count-row families X, Y (rows at `at` + j ld), i.e. -(V W^T + W V^T) v. */
export function lowRankSymSub(
  X: Float64Array,
  Y: Float64Array,
  at: number,
  ld: number,
  count: number,
  L: number,
  v: Float64Array,
  out: Float64Array,
): void {
  if (count <= 0 || L <= 0) return;
  if (level2Backend()?.lowRankSub(X, Y, at, ld, count, L, undefined, v, out)) return;
  const cx = new Float64Array(count),
    cy = new Float64Array(count);
  for (let j = 0; j < count; j++) {
    const o = at + j * ld;
    let sy = 0,
      sx = 0;
    for (let c = 0; c < L; c++) {
      sy += Y[o + c] * v[c];
      sx += X[o + c] * v[c];
    }
    cx[j] = sy;
    cy[j] = sx;
  }
  lowRankSub(X, Y, at, ld, count, L, cx, cy, out);
}
