// GEMM kernels: WebAssembly (relaxed or plain SIMD) vs blocked TypeScript vs naive triple loop,
// on many shapes and flags; bit-identity across thread counts; the fallback path.
import { describe, it, expect, afterAll } from 'vitest';
import { Matrix } from '../../src/linalg/matrix.ts';
import { gemm, gemmNaive, gemmReference, gemmTypeScript, gemmF32, gemmF32Reference, setGemmKernel, gemmKernelInfo } from '../../src/linalg/gemm.ts';
import { gemmWasm, gemmF32Wasm, enableFastGemm, disableFastGemm, fastGemmStatus, setThreads, getThreads } from '../../src/linalg/fast.ts';

let seed = 12345;
function rnd(): number {
  seed = (seed * 1103515245 + 12345) % 2147483648;
  return seed / 2147483648 - 0.5;
}
function randArray(n: number): Float64Array {
  const a = new Float64Array(n);
  for (let i = 0; i < n; i++) a[i] = rnd();
  return a;
}

/** max over entries of |x - y| / (|alpha| sum_p |a_ip||b_pj| + |beta||c_ij|): relative to the product's scale. */
function relErr(
  m: number,
  n: number,
  k: number,
  alpha: number,
  a: Float64Array,
  tA: boolean,
  b: Float64Array,
  tB: boolean,
  beta: number,
  c0: Float64Array,
  x: Float64Array,
  y: Float64Array,
): number {
  let worst = 0;
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += Math.abs(tA ? a[p * m + i] : a[i * k + p]) * Math.abs(tB ? b[j * k + p] : b[p * n + j]);
      const scale = Math.abs(alpha) * s + Math.abs(beta) * Math.abs(c0[i * n + j]) + 1e-300;
      worst = Math.max(worst, Math.abs(x[i * n + j] - y[i * n + j]) / scale);
    }
  }
  return worst;
}

const shapes: [number, number, number][] = [
  [1, 1, 1],
  [1, 7, 3],
  [5, 1, 9],
  [1, 1, 300],
  [7, 13, 5],
  [13, 7, 5],
  [4, 4, 4],
  [8, 8, 8],
  [3, 17, 1],
  [33, 29, 31],
  [64, 64, 64],
  [65, 67, 257],
  [100, 3, 513],
  [130, 9, 70],
  [2, 300, 40],
  [97, 71, 300],
  [90, 130, 1],
  [19, 2100, 6],
];
const flagSets: { tA: boolean; tB: boolean; alpha: number; beta: number }[] = [];
for (const tA of [false, true])
  for (const tB of [false, true])
    for (const [alpha, beta] of [
      [1, 0],
      [-0.7, 0],
      [1.3, 1],
      [2, -0.5],
    ])
      flagSets.push({ tA, tB, alpha, beta });

afterAll(() => {
  enableFastGemm();
  setThreads(2);
});

describe('gemm kernels agree', () => {
  it('reports the fast path', () => {
    const s = fastGemmStatus();
    expect(s.kernel).toMatch(/^wasm-(relaxed-simd|simd)$/);
    expect(gemmKernelInfo().f64).toBe(s.kernel);
  });

  for (const [m, n, k] of shapes) {
    it(`${m}x${k} times ${k}x${n}, all transposes, alpha/beta`, () => {
      for (const f of flagSets) {
        const a = randArray(m * k),
          b = randArray(k * n),
          c0 = randArray(m * n);
        const ref = c0.slice(),
          ts = c0.slice(),
          wa = c0.slice();
        gemmNaive(m, n, k, f.alpha, a, f.tA, b, f.tB, f.beta, ref);
        gemmReference(m, n, k, f.alpha, a, f.tA, b, f.tB, f.beta, ts);
        gemmWasm(m, n, k, f.alpha, a, f.tA, b, f.tB, f.beta, wa);
        expect(relErr(m, n, k, f.alpha, a, f.tA, b, f.tB, f.beta, c0, ts, ref)).toBeLessThan(1e-12);
        expect(relErr(m, n, k, f.alpha, a, f.tA, b, f.tB, f.beta, c0, wa, ref)).toBeLessThan(1e-12);
        expect(relErr(m, n, k, f.alpha, a, f.tA, b, f.tB, f.beta, c0, wa, ts)).toBeLessThan(1e-12);
      }
    }, 30000);
  }

  it('k = 0 gives beta C (and zeros, never reading C, when beta = 0)', () => {
    for (const kern of [gemmNaive, gemmReference, gemmWasm]) {
      const c = new Float64Array([1, NaN, 3, 4]);
      kern(2, 2, 0, 1, new Float64Array(0), false, new Float64Array(0), false, 0, c);
      expect(Array.from(c)).toEqual([0, 0, 0, 0]);
      const d = new Float64Array([1, 2, 3, 4]);
      kern(2, 2, 0, 1, new Float64Array(0), false, new Float64Array(0), false, 2, d);
      expect(Array.from(d)).toEqual([2, 4, 6, 8]);
    }
  });

  it('beta = 0 ignores NaN in C', () => {
    const m = 9,
      n = 11,
      k = 10;
    const a = randArray(m * k),
      b = randArray(k * n);
    const c = new Float64Array(m * n).fill(NaN);
    gemmWasm(m, n, k, 1, a, false, b, false, 0, c);
    const t = new Float64Array(m * n).fill(NaN);
    gemmReference(m, n, k, 1, a, false, b, false, 0, t);
    expect(c.every(Number.isFinite)).toBe(true);
    expect(t.every(Number.isFinite)).toBe(true);
  });

  it('gemm() with Matrix operands and an output C', () => {
    const A = new Matrix(37, 23, randArray(37 * 23)),
      B = new Matrix(41, 23, randArray(41 * 23));
    const C = new Matrix(37, 41, randArray(37 * 41));
    const ref = C.data.slice();
    gemmNaive(37, 41, 23, 0.5, A.data, false, B.data, true, 3, ref);
    gemm(A, B, { transB: true, alpha: 0.5, beta: 3, C });
    for (let i = 0; i < ref.length; i++) expect(Math.abs(C.data[i] - ref[i])).toBeLessThan(1e-12 * 30);
  });

  it('a large product (threads engaged) matches the TypeScript kernel', () => {
    const m = 301,
      n = 203,
      k = 517;
    const a = randArray(m * k),
      b = randArray(k * n);
    const ts = new Float64Array(m * n),
      wa = new Float64Array(m * n);
    setThreads(2);
    gemmTypeScript(m, n, k, 1, a, false, b, true, 0, ts);
    gemmWasm(m, n, k, 1, a, false, b, true, 0, wa);
    let worst = 0;
    for (let i = 0; i < ts.length; i++) worst = Math.max(worst, Math.abs(ts[i] - wa[i]));
    expect(worst).toBeLessThan(1e-12 * Math.sqrt(k));
  });
});

describe('threads', () => {
  it('results are bit-identical for 1, 2, 3 and 4 threads', () => {
    const cases: [number, number, number, boolean, boolean][] = [
      [403, 157, 300, false, false],
      [250, 97, 611, true, true],
      [1000, 40, 100, false, true],
    ];
    const before = getThreads();
    for (const [m, n, k, tA, tB] of cases) {
      const a = randArray(m * k),
        b = randArray(k * n),
        c0 = randArray(m * n);
      const outs: Float64Array[] = [];
      for (const t of [1, 2, 3, 4]) {
        setThreads(t);
        const c = c0.slice();
        gemmWasm(m, n, k, 0.9, a, tA, b, tB, 0.25, c);
        outs.push(c);
      }
      for (const o of outs.slice(1)) expect(Buffer.compare(Buffer.from(o.buffer), Buffer.from(outs[0].buffer))).toBe(0);
    }
    setThreads(before);
  }, 30000);

  it('setThreads rejects bad counts', () => {
    expect(() => setThreads(0)).toThrow(RangeError);
    expect(() => setThreads(1.5)).toThrow(RangeError);
  });
});

describe('fallback', () => {
  it('gemm() works with the TypeScript kernel when the fast path is off', () => {
    disableFastGemm();
    expect(gemmKernelInfo().f64).toBe('typescript');
    const A = new Matrix(20, 30, randArray(600)),
      B = new Matrix(30, 10, randArray(300));
    const C = gemm(A, B);
    const ref = new Float64Array(200);
    gemmNaive(20, 10, 30, 1, A.data, false, B.data, false, 0, ref);
    for (let i = 0; i < 200; i++) expect(Math.abs(C.data[i] - ref[i])).toBeLessThan(1e-13);
    enableFastGemm();
    expect(gemmKernelInfo().f64).toMatch(/^wasm/);
    setGemmKernel(undefined);
    enableFastGemm();
  });
});

describe('float32', () => {
  for (const [m, n, k] of [
    [1, 1, 1],
    [7, 13, 5],
    [33, 70, 129],
    [130, 67, 400],
    [9, 8, 800],
  ] as [number, number, number][]) {
    it(`sgemm ${m}x${k}x${n}`, () => {
      for (const f of flagSets) {
        const a = Float32Array.from(randArray(m * k)),
          b = Float32Array.from(randArray(k * n)),
          c0 = Float32Array.from(randArray(m * n));
        const ref = c0.slice(),
          wa = c0.slice(),
          viaApi = c0.slice();
        gemmF32Reference(m, n, k, f.alpha, a, f.tA, b, f.tB, f.beta, ref);
        gemmF32Wasm(m, n, k, f.alpha, a, f.tA, b, f.tB, f.beta, wa);
        gemmF32(m, n, k, f.alpha, a, f.tA, b, f.tB, f.beta, viaApi);
        const e = relErr(
          m,
          n,
          k,
          f.alpha,
          Float64Array.from(a),
          f.tA,
          Float64Array.from(b),
          f.tB,
          f.beta,
          Float64Array.from(c0),
          Float64Array.from(wa),
          Float64Array.from(ref),
        );
        expect(e).toBeLessThan(2e-6);
        expect(Array.from(viaApi)).toEqual(Array.from(wa));
      }
    });
  }
});
