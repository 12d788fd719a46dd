// The plain-SIMD build (forced with NRC_WASM_SIMD=simd) follows the TypeScript kernel's
// summation order exactly, so the two are bit-identical; NRC_WASM=0 turns the fast path off.
// Env vars are read when the engine loads, so each case gets a fresh module graph.
import { describe, it, expect, afterEach } from 'vitest';
import { loadLinalgWith, parkMiller as rand, resetWasmBuild } from '../helpers/wasm-build.ts';

afterEach(resetWasmBuild);

describe('gemm variants', () => {
  it('plain SIMD wasm is bit-identical to the blocked TypeScript kernel', async () => {
    const { fast, gemm: g } = await loadLinalgWith({ NRC_WASM_SIMD: 'simd' });
    expect(fast.fastGemmStatus().kernel).toBe('wasm-simd');
    for (const [m, n, k] of [
      [7, 13, 5],
      [65, 67, 600],
      [300, 101, 257],
    ]) {
      for (const tA of [false, true])
        for (const tB of [false, true]) {
          const a = rand(m * k, 3),
            b = rand(k * n, 5),
            c0 = rand(m * n, 7);
          const x = c0.slice(),
            y = c0.slice();
          fast.gemmWasm(m, n, k, 1.5, a, tA, b, tB, -0.5, x);
          g.gemmTypeScript(m, n, k, 1.5, a, tA, b, tB, -0.5, y);
          expect(Buffer.compare(Buffer.from(x.buffer), Buffer.from(y.buffer))).toBe(0);
        }
    }
  });

  it('NRC_WASM=0: fast.ts falls back to TypeScript and still computes', async () => {
    const { fast, gemm: g } = await loadLinalgWith({ NRC_WASM: '0' });
    expect(fast.fastGemmStatus().kernel).toBe('typescript');
    const m = 40,
      n = 30,
      k = 50;
    const a = rand(m * k, 1),
      b = rand(k * n, 2);
    const x = new Float64Array(m * n),
      y = new Float64Array(m * n);
    fast.gemmWasm(m, n, k, 1, a, false, b, false, 0, x);
    g.gemmNaive(m, n, k, 1, a, false, b, false, 0, y);
    for (let i = 0; i < x.length; i++) expect(Math.abs(x[i] - y[i])).toBeLessThan(1e-13);
  });
});
