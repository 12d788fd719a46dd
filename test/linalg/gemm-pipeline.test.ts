// The threaded GEMM pipeline (engine.ts gemmPipelined: pre-packed B shared by the threads, row blocks taken
// from a shared counter, copies in and out overlapped with the workers' compute) computes every row exactly
// as the one-call kernel does: bit-identical for any thread count, with the pipeline on or off, for
// ordinary and wasm-resident operands; and, in the plain-SIMD build, bit-identical to the TypeScript kernel.
import { describe, it, expect, afterAll, afterEach } from 'vitest';
import { gemmTypeScript, gemmF32Reference } from '../../src/linalg/gemm.ts';
import { gemmWasm, gemmF32Wasm, setThreads, getThreads, setGemmPipeline } from '../../src/linalg/fast.ts';
import { getEngine } from '../../src/linalg/wasm/engine.ts';
import { deepBlockRows } from '../../src/linalg/wasm/pipeline.ts';
import { loadLinalgWith, parkMiller as rand, resetWasmBuild } from '../helpers/wasm-build.ts';

const same = (x: Float64Array | Float32Array, y: Float64Array | Float32Array) =>
  Buffer.compare(Buffer.from(x.buffer, x.byteOffset, x.byteLength), Buffer.from(y.buffer, y.byteOffset, y.byteLength)) === 0;

// Shapes around the tiles (3x6 f64, 3x12 f32), the blocks (66 / 96 rows), the K slices (256 / 384) and the
// column panels (2046 / 2040), plus 1 x k and k x 1 products.
const shapes: [number, number, number][] = [
  [1, 300, 4000],
  [4000, 1, 300],
  [2, 5000, 300],
  [67, 67, 257],
  [200, 13, 1000],
  [1000, 40, 100],
  [403, 157, 385],
  [133, 2100, 17],
  [97, 4100, 5],
  [101, 1030, 2100], // deep: one block per thread, walked K slice by K slice in sub-panels (deepBlockRows)
];
const modes = [
  ['off', 1],
  ['always', 1],
  ['threads', 2],
  ['threads', 3],
  ['off', 2],
] as const;

const before = getThreads();
afterAll(() => {
  setGemmPipeline('threads');
  setThreads(before);
});

describe('pipelined GEMM', () => {
  it('the deep kernels serve few rows of a large op(B) on several threads, and only those', () => {
    for (const op of [0, 1] as const) {
      expect(deepBlockRows(op, 101, 1030, 2100, 2)).toBe(51);
      expect(deepBlockRows(op, 101, 1030, 2100, 3)).toBe(36);
      expect(deepBlockRows(op, 101, 1030, 2100, 1)).toBe(0); // one thread: the row blocks
      expect(deepBlockRows(op, 10000, 784, 4000, 2)).toBe(0); // many rows: their C would not stay in L2
      expect(deepBlockRows(op, 400, 200, 300, 2)).toBe(0); // op(B) small enough for the cache
    }
    expect(deepBlockRows(0, 400, 784, 10000, 2)).toBe(201); // the autoencoder's weight gradients
  });

  it('float64: bit-identical across thread counts and pipeline modes, all transposes, beta 0 and not', () => {
    for (const [m, n, k] of shapes)
      for (const tA of [false, true])
        for (const tB of [false, true])
          for (const beta of [0, -0.5]) {
            const a = rand(m * k, 3),
              b = rand(k * n, 5),
              c0 = rand(m * n, 7);
            const outs = modes.map(([mode, t]) => {
              setGemmPipeline(mode);
              setThreads(t);
              const c = c0.slice();
              gemmWasm(m, n, k, 1.5, a, tA, b, tB, beta, c);
              return c;
            });
            for (const o of outs.slice(1)) expect(same(o, outs[0])).toBe(true);
            // and within rounding of the TypeScript kernel (the fused build differs by rounding only)
            const ts = c0.slice();
            gemmTypeScript(m, n, k, 1.5, a, tA, b, tB, beta, ts);
            let worst = 0;
            for (let i = 0; i < ts.length; i++) worst = Math.max(worst, Math.abs(ts[i] - outs[2][i]));
            expect(worst).toBeLessThan(1e-12 * k);
          }
  }, 120_000);

  it('float32: bit-identical across thread counts and pipeline modes, close to the float64-accumulating reference', () => {
    for (const [m, n, k] of shapes)
      for (const tA of [false, true])
        for (const tB of [false, true])
          for (const beta of [0, 2]) {
            const a = Float32Array.from(rand(m * k, 11)),
              b = Float32Array.from(rand(k * n, 13)),
              c0 = Float32Array.from(rand(m * n, 17));
            const outs = modes.map(([mode, t]) => {
              setGemmPipeline(mode);
              setThreads(t);
              const c = c0.slice();
              gemmF32Wasm(m, n, k, 0.75, a, tA, b, tB, beta, c);
              return c;
            });
            for (const o of outs.slice(1)) expect(same(o, outs[0])).toBe(true);
            const ref = c0.slice();
            gemmF32Reference(m, n, k, 0.75, a, tA, b, tB, beta, ref);
            let worst = 0;
            for (let i = 0; i < ref.length; i++) worst = Math.max(worst, Math.abs(ref[i] - outs[2][i]));
            expect(worst).toBeLessThan(2e-6 * k);
          }
  }, 120_000);

  it('resident operands (A, B, C in wasm memory, C read when beta != 0) give the same bits as ordinary arrays', () => {
    const e = getEngine()!;
    const [m, n, k] = [701, 203, 517];
    for (const tA of [false, true])
      for (const beta of [0, 0.25]) {
        const a = rand(m * k, 19),
          b = rand(k * n, 23),
          c0 = rand(m * n, 29);
        setGemmPipeline('off');
        setThreads(1);
        const want = c0.slice();
        gemmWasm(m, n, k, -1, a, tA, b, true, beta, want);
        for (const [mode, t] of modes) {
          setGemmPipeline(mode);
          setThreads(t);
          const ra = e.residentF64(m * k)!,
            rb = e.residentF64(k * n)!,
            rc = e.residentF64(m * n)!;
          ra.set(a);
          rb.set(b);
          rc.set(c0);
          gemmWasm(m, n, k, -1, ra, tA, rb, true, beta, rc);
          expect(same(rc, want)).toBe(true);
          // resident A only, ordinary B and C
          const c = c0.slice();
          gemmWasm(m, n, k, -1, ra, tA, b, true, beta, c);
          expect(same(c, want)).toBe(true);
          e.release(ra);
          e.release(rb);
          e.release(rc);
        }
      }
  }, 60_000);
});

describe('pipelined GEMM, plain SIMD build', () => {
  afterEach(resetWasmBuild);
  it('is bit-identical to the blocked TypeScript kernel on 1, 2 and 3 threads', async () => {
    const { fast, gemm: g } = await loadLinalgWith({ NRC_WASM_SIMD: 'simd' });
    expect(fast.fastGemmStatus().kernel).toBe('wasm-simd');
    for (const [m, n, k] of [
      [1000, 40, 100],
      [403, 157, 385],
      [2, 5000, 300],
      [133, 2100, 17],
    ])
      for (const tA of [false, true])
        for (const tB of [false, true]) {
          const a = rand(m * k, 31),
            b = rand(k * n, 37),
            c0 = rand(m * n, 41);
          const ts = c0.slice();
          g.gemmTypeScript(m, n, k, 1.25, a, tA, b, tB, -0.5, ts);
          for (const t of [1, 2, 3]) {
            fast.setThreads(t);
            const x = c0.slice();
            fast.gemmWasm(m, n, k, 1.25, a, tA, b, tB, -0.5, x);
            expect(same(x, ts)).toBe(true);
          }
        }
    fast.setThreads(before);
  }, 60_000);
});
