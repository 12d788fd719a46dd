// Matrix-vector products and resident workspaces for the SVD's level-2 work (DESIGN.md, "src/linalg/").
// The plain TypeScript loops here are the reference and the fallback; src/linalg/fast.ts installs a
// backend that runs them in WebAssembly (src/linalg/wasm/assembly/level2.ts) when the array lives in
// wasm memory (see `workspace`), with no copy of the matrix.

/** What the WebAssembly engine provides (src/linalg/wasm/engine.ts); every call may decline (false). */
export interface Level2Backend {
  pin(length: number): Float64Array | undefined;
  unpin(x: Float64Array): void;
  isResident(x: Float64Array): boolean;
  dgemvT(a: Float64Array, at: number, lda: number, h: number, w: number, v: Float64Array, y: Float64Array): boolean;
  dgemvN(a: Float64Array, at: number, lda: number, h: number, w: number, u: Float64Array, x: Float64Array): boolean;
  rotations(zt: Float64Array, ld: number, ops: Int32Array, cs: Float64Array, js: Int32Array): boolean;
  dsymvUpper(a: Float64Array, at: number, lda: number, L: number, u: Float64Array, x: Float64Array): boolean;
  dsyr2kUpper(c: Float64Array, at: number, ldc: number, nt: number, pp: Float64Array, qp: Float64Array, kk: number): boolean;
  secularRoots(pk: Float64Array, w: Float64Array, zn2: number, piv: Int32Array, mu: Float64Array): boolean;
  packGroups(X1: Float64Array, X2: Float64Array, ld: number, count: number, r0: number, nt: number, out: Float64Array): boolean;
  lowRankSub(
    X: Float64Array,
    Y: Float64Array,
    at: number,
    ld: number,
    count: number,
    L: number,
    cx: Float64Array | undefined,
    cy: Float64Array,
    out: Float64Array,
  ): boolean;
}

let backend: Level2Backend | undefined;

/** Install (or with undefined remove) the fast backend. */
export function setLevel2Backend(b: Level2Backend | undefined): void {
  backend = b;
}

/** The installed backend, if any (for src/linalg/rotations.ts). */
export function level2Backend(): Level2Backend | undefined {
  return backend;
}

/**
 * A zeroed float64 array of `length` that the fast kernels can address in place (pinned in wasm
 * memory) when the fast path is on, else an ordinary array. Release it with `releaseWorkspace`
 * (last in, first out) once done. zeroed = false skips the zeroing of a pinned array (for callers
 * that overwrite every entry).
 */
export function workspace(length: number, zeroed = true): Float64Array {
  const x = backend?.pin(length);
  if (x) {
    if (zeroed) x.fill(0);
    return x;
  }
  return new Float64Array(length);
}

/** Give back a workspace (and every workspace taken after it). No-op for ordinary arrays. */
export function releaseWorkspace(x: Float64Array): void {
  if (backend?.isResident(x)) backend.unpin(x);
}

/** c[j] = -z[j * ld + at] for j < count: minus one column of a row-stored panel family, as coefficients. */
export function negColumn(z: Float64Array, ld: number, at: number, count: number, c: Float64Array): Float64Array {
  for (let j = 0; j < count; j++) c[j] = -z[j * ld + at];
  return c;
}

/**
 * y -= P^T (Q v) with P, Q panel families stored as rows (`count` rows each; the blocks start at column pAt of P
 * and qAt of Q, Q's block is count x h, P's count x w): the low-rank part A - P Q^T of a product in a blocked
 * reduction (LAPACK dlabrd / dlatrd), applied to v.
 */
export function gemvLowRankSub(
  P: Float64Array,
  pAt: number,
  pLd: number,
  Q: Float64Array,
  qAt: number,
  qLd: number,
  count: number,
  h: number,
  w: number,
  v: Float64Array,
  y: Float64Array,
): void {
  if (count <= 0) return;
  const t = new Float64Array(count);
  gemvN(Q, qAt, qLd, count, h, v, t);
  for (let j = 0; j < count; j++) t[j] = -t[j];
  gemvT(P, pAt, pLd, count, w, t, y);
}

/** y[0:w] += sum_{r<h} v[r] a[at + r lda + (0:w)]: y += A^T v for the h x w block of a at `at`. */
export function gemvT(a: Float64Array, at: number, lda: number, h: number, w: number, v: Float64Array, y: Float64Array): void {
  if (h <= 0 || w <= 0) return;
  if (backend?.isResident(a) && backend.dgemvT(a, at, lda, h, w, v, y)) return;
  // Two rows per sweep of y: half the loads and stores of y.
  let r = 0;
  for (; r + 1 < h; r += 2) {
    const v0 = v[r],
      v1 = v[r + 1],
      o0 = at + r * lda,
      o1 = o0 + lda;
    for (let c = 0; c < w; c++) y[c] += v0 * a[o0 + c] + v1 * a[o1 + c];
  }
  if (r < h) {
    const vr = v[r],
      o = at + r * lda;
    for (let c = 0; c < w; c++) y[c] += vr * a[o + c];
  }
}

/** x[r] = a[at + r lda + (0:w)] . u for r < h: x = A u for the h x w block of a at `at`. */
export function gemvN(a: Float64Array, at: number, lda: number, h: number, w: number, u: Float64Array, x: Float64Array): void {
  if (h <= 0) return;
  if (w <= 0) {
    x.fill(0, 0, h);
    return;
  }
  if (backend?.isResident(a) && backend.dgemvN(a, at, lda, h, w, u, x)) return;
  // Two rows per sweep of u: half the loads of u, two independent sums.
  let r = 0;
  for (; r + 1 < h; r += 2) {
    const o0 = at + r * lda,
      o1 = o0 + lda;
    let s0 = 0,
      s1 = 0;
    for (let c = 0; c < w; c++) {
      const uc = u[c];
      s0 += a[o0 + c] * uc;
      s1 += a[o1 + c] * uc;
    }
    x[r] = s0;
    x[r + 1] = s1;
  }
  if (r < h) {
    const o = at + r * lda;
    let s = 0;
    for (let c = 0; c < w; c++) s += a[o + c] * u[c];
    x[r] = s;
  }
}
