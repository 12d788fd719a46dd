// The linalg modules loaded afresh under a chosen WebAssembly build: the engine reads NRC_WASM / NRC_WASM_SIMD when
// it loads, so each case gets a new module graph (and `resetWasmBuild` in afterEach restores the default).
import { vi } from 'vitest';

export async function loadLinalgWith(env: { NRC_WASM?: string; NRC_WASM_SIMD?: string }) {
  vi.resetModules();
  Object.assign(process.env, env);
  const fast = await import('../../src/linalg/fast.ts');
  const gemm = await import('../../src/linalg/gemm.ts');
  return { fast, gemm };
}

export function resetWasmBuild(): void {
  delete process.env.NRC_WASM_SIMD;
  delete process.env.NRC_WASM;
  vi.resetModules();
}

/** n numbers in [-0.5, 0.5) from the Park-Miller generator seeded with s (the same draws in every GEMM test). */
export function parkMiller(n: number, s: number): Float64Array {
  const a = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    s = (s * 16807) % 2147483647;
    a[i] = s / 2147483647 - 0.5;
  }
  return a;
}
