// Entry of the kernel module (src/linalg/wasm/build.mjs): the GEMM with the kernels it re-exports, and the
// symmetric tridiagonal reduction's kernels, the divide and conquer's secular-equation roots.
export * from './gemm';
export { dsymvUpper, dsyr2kUpper, dlowRankSub, dlowRankSym, dpackGroups } from './symmetric';
export { secularRootsRange } from './secular';
