// Installs the WebAssembly SIMD GEMM (src/linalg/wasm/) as the kernel behind gemm() and
// gemmF32() when imported. src/linalg/index.ts imports this module, so every product in nrc
// goes through it; the blocked TypeScript kernel (gemm.ts) remains the fallback whenever the
// WebAssembly path is unavailable (no SIMD, kernels not built, NRC_WASM=0) and serves tiny
// products, where copying into wasm memory costs more than it saves.
import { setGemmKernel, setGemmF32Kernel, gemmTypeScript, gemmF32Reference, scaleInPlace, type GemmKernel, type GemmF32Kernel } from './gemm.ts';
import { getEngine, wasmLoadError, wasmStats, resetWasmStats, setWasmTiming, setGemmPipeline } from './wasm/engine.ts';
import { getThreads, setThreads } from './threads.ts';
import { setLevel2Backend, type Level2Backend } from './level2.ts';
import { setLayerBackend, type LayerBackend } from './layers.ts';

/** Products with m*n*k below this run in TypeScript (call + copy overhead dominates). */
const WASM_MIN_WORK = 512;

/** float64 kernel: WebAssembly SIMD on worker threads, TypeScript fallback. */
export const gemmWasm: GemmKernel = (m, n, k, alpha, a, transA, b, transB, beta, c) => {
  if (k === 0 || alpha === 0) {
    scaleInPlace(c, m * n, beta);
    return;
  }
  if (m * n * k >= WASM_MIN_WORK) {
    const e = getEngine();
    if (e && e.dgemm(m, n, k, alpha, a, transA, b, transB, beta, c)) return;
  }
  gemmTypeScript(m, n, k, alpha, a, transA, b, transB, beta, c);
};

/** float32 kernel: WebAssembly SIMD (4x8 tile), TypeScript fallback. */
export const gemmF32Wasm: GemmF32Kernel = (m, n, k, alpha, a, transA, b, transB, beta, c) => {
  if (k === 0 || alpha === 0) {
    scaleInPlace(c, m * n, beta);
    return;
  }
  if (m * n * k >= WASM_MIN_WORK) {
    const e = getEngine();
    if (e && e.sgemm(m, n, k, alpha, a, transA, b, transB, beta, c)) return;
  }
  gemmF32Reference(m, n, k, alpha, a, transA, b, transB, beta, c);
};

function kernelName(): string {
  const e = getEngine();
  return e ? `wasm-${e.variant}` : 'typescript';
}
Object.defineProperty(gemmWasm, 'kernelName', { get: kernelName });
Object.defineProperty(gemmF32Wasm, 'kernelName', { get: kernelName });

/** The SVD's level-2 kernels and resident workspaces in WebAssembly (declines when the engine is unavailable). */
const level2Wasm: Level2Backend = {
  pin: (length) => getEngine()?.pin(length),
  unpin: (x) => getEngine()?.unpin(x),
  isResident: (x) => getEngine()?.isResident(x) ?? false,
  dgemvT: (a, at, lda, h, w, v, y) => getEngine()?.dgemvT(a, at, lda, h, w, v, y) ?? false,
  dgemvN: (a, at, lda, h, w, u, x) => getEngine()?.dgemvN(a, at, lda, h, w, u, x) ?? false,
  rotations: (zt, ld, ops, cs, js) => getEngine()?.rotations(zt, ld, ops, cs, js) ?? false,
  dsymvUpper: (a, at, lda, L, u, x) => getEngine()?.dsymvUpper(a, at, lda, L, u, x) ?? false,
  dsyr2kUpper: (c, at, ldc, nt, pp, qp, kk) => getEngine()?.dsyr2kUpper(c, at, ldc, nt, pp, qp, kk) ?? false,
  secularRoots: (pk, w, zn2, piv, mu) => getEngine()?.secularRoots(pk, w, zn2, piv, mu) ?? false,
  packGroups: (X1, X2, ld, count, r0, nt, out) => getEngine()?.packGroups(X1, X2, ld, count, r0, nt, out) ?? false,
  lowRankSub: (X, Y, at, ld, count, L, cx, cy, out) => getEngine()?.lowRankSub(X, Y, at, ld, count, L, cx, cy, out) ?? false,
};

/** The MLP layers' resident buffers and elementwise kernels in WebAssembly (each call declines when the engine is unavailable). */
const layerWasm: LayerBackend = {
  residentF64: (length) => getEngine()?.residentF64(length),
  residentF32: (length) => getEngine()?.residentF32(length),
  release: (x) => getEngine()?.release(x),
  biasActivation: (op, act, n, d, x, b, out) => getEngine()?.biasActivation(op, act, n, d, x, b, out) ?? false,
  activationBackward: (op, act, n, d, pre, out, delta, gb) => getEngine()?.activationBackward(op, act, n, d, pre, out, delta, gb) ?? false,
  sgdStepF32: (p, g, v, lr, mu, lam2, first, nesterov) => getEngine()?.sgdStepF32(p, g, v, lr, mu, lam2, first, nesterov) ?? false,
  allFiniteF32: (x) => getEngine()?.allFiniteF32(x),
  squaredLossRows: (op, n, c, out, y, w, delta, sums) => getEngine()?.squaredLossRows(op, n, c, out, y, w, delta, sums) ?? false,
};

/** Route gemm()/gemmF32() and the SVD's level-2 work through WebAssembly (the default once this module is imported). */
export function enableFastGemm(): void {
  setGemmKernel(gemmWasm);
  setGemmF32Kernel(gemmF32Wasm);
  setLevel2Backend(level2Wasm);
  setLayerBackend(layerWasm);
}

/** Route gemm()/gemmF32() and the level-2 work through the TypeScript kernels. */
export function disableFastGemm(): void {
  setGemmKernel(undefined);
  setGemmF32Kernel(undefined);
  setLevel2Backend(undefined);
  setLayerBackend(undefined);
}

/** What the fast path is doing: kernel variant (or why it is off) and thread count. */
export function fastGemmStatus(): { kernel: string; threads: number; workers: number; error?: string } {
  const e = getEngine();
  return { kernel: kernelName(), threads: getThreads(), workers: e?.workerCount ?? 0, ...(e ? {} : { error: wasmLoadError() }) };
}

export { setThreads, getThreads, wasmStats, resetWasmStats, setWasmTiming, setGemmPipeline };

enableFastGemm();
