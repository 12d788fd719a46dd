// V8 flags the numerical core wants, set at start-up before any WebAssembly is compiled.
// Node 20 (V8 11.3) ships relaxed SIMD (f64x2.relaxed_madd, a fused multiply-add) behind
// --experimental-wasm-relaxed-simd; V8 >= 11.4 has it on by default. v8.setFlagsFromString
// works for this flag as long as no module has been compiled yet, so no re-spawn is needed.
// (The engine in src/linalg/wasm/engine.ts does the same on first use, for runs that do not
// come through these shims, e.g. vitest, and compiles its kernels with Liftoff off so that a
// long first product never runs in the baseline tier.) V8 flags are process-wide, so the GEMM
// worker threads see them too.
import v8 from 'node:v8';

export function prepareV8Flags() {
  const [major, minor] = process.versions.v8.split('.').map(Number);
  if (major < 11 || (major === 11 && minor < 4)) {
    try {
      v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
    } catch {
      // the engine falls back to the plain SIMD build
    }
  }
}
