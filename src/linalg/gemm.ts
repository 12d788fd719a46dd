// GEMM: C = alpha op(A) op(B) + beta C, the one product every layer of nrc calls (DESIGN.md).
import { checkStop } from './interrupt.ts';
import { Matrix } from './matrix.ts';

export interface GemmOptions {
  transA?: boolean;
  transB?: boolean;
  alpha?: number;
  beta?: number;
  /** Output matrix (read when beta != 0, always written). Must not alias A or B. */
  C?: Matrix;
}

/** A kernel computes C = alpha op(A) op(B) + beta C in place on row-major buffers. */
export type GemmKernel = (
  m: number,
  n: number,
  k: number,
  alpha: number,
  a: Float64Array,
  transA: boolean,
  b: Float64Array,
  transB: boolean,
  beta: number,
  c: Float64Array,
) => void;

let activeKernel: GemmKernel | undefined;

/** Install a faster kernel (the WebAssembly path); undefined restores the TypeScript reference. */
export function setGemmKernel(kernel: GemmKernel | undefined): void {
  activeKernel = kernel;
}

export function gemm(A: Matrix, B: Matrix, opts: GemmOptions = {}): Matrix {
  const transA = opts.transA ?? false;
  const transB = opts.transB ?? false;
  const alpha = opts.alpha ?? 1;
  const beta = opts.beta ?? 0;
  const m = transA ? A.cols : A.rows;
  const k = transA ? A.rows : A.cols;
  const kb = transB ? B.cols : B.rows;
  const n = transB ? B.rows : B.cols;
  if (k !== kb) {
    throw new RangeError(`gemm: inner dimensions differ: op(A) is ${m}x${k}, op(B) is ${kb}x${n}`);
  }
  const C = opts.C ?? new Matrix(m, n);
  if (C.rows !== m || C.cols !== n) throw new RangeError(`gemm: C is ${C.rows}x${C.cols}, expected ${m}x${n}`);
  if (m === 0 || n === 0) return C;
  const kernel = activeKernel ?? gemmReference;
  const b0 = opts.C ? beta : 0;
  const rows = transA ? m : stopBlockRows(m, n, k);
  if (rows >= m) {
    kernel(m, n, k, alpha, A.data, transA, B.data, transB, b0, C.data);
    return C;
  }
  // A long product runs as row blocks of C with a stop check between them: every row of C is summed the same way
  // whatever the row range (as with threads), so the result is bit-identical to one call.
  for (let i0 = 0; i0 < m; i0 += rows) {
    checkStop();
    const r = Math.min(rows, m - i0);
    kernel(r, n, k, alpha, A.data.subarray(i0 * k, (i0 + r) * k), false, B.data, transB, b0, C.data.subarray(i0 * n, (i0 + r) * n));
  }
  return C;
}

/** Flops of one row block of a long product (about 0.05-0.2 s on one core); tests may lower it. */
export const gemmStopBlock = { flops: 2e9 };

/** Rows per block of a product (m when it runs as one call: at most twice the block flops). */
export function stopBlockRows(m: number, n: number, k: number): number {
  const f = gemmStopBlock.flops;
  if (2 * m * n * k <= 2 * f) return m;
  return Math.max(64, Math.ceil(f / (2 * n * k) / 64) * 64);
}

/** A B */
export function matmul(A: Matrix, B: Matrix): Matrix {
  return gemm(A, B);
}
/** A^T B */
export function matmulTN(A: Matrix, B: Matrix): Matrix {
  return gemm(A, B, { transA: true });
}
/** A B^T */
export function matmulNT(A: Matrix, B: Matrix): Matrix {
  return gemm(A, B, { transB: true });
}

/** float32 kernel: same contract as GemmKernel on Float32Array buffers. */
export type GemmF32Kernel = (
  m: number,
  n: number,
  k: number,
  alpha: number,
  a: Float32Array,
  transA: boolean,
  b: Float32Array,
  transB: boolean,
  beta: number,
  c: Float32Array,
) => void;

let activeF32Kernel: GemmF32Kernel | undefined;

/** Install a faster float32 kernel; undefined restores the TypeScript one. */
export function setGemmF32Kernel(kernel: GemmF32Kernel | undefined): void {
  activeF32Kernel = kernel;
}

/** Which kernels are active (for manifests and benchmarks). */
export function gemmKernelInfo(): { f64: string; f32: string } {
  const name = (k: unknown) => (k === undefined ? 'typescript' : ((k as { kernelName?: string }).kernelName ?? 'custom'));
  return { f64: name(activeKernel), f32: name(activeF32Kernel) };
}

/**
 * C = alpha op(A) op(B) + beta C on raw row-major buffers (op(A) m x k, op(B) k x n, C m x n),
 * float32. beta = 0 never reads C. Used by `--dtype f32` training.
 */
export function gemmF32(
  m: number,
  n: number,
  k: number,
  alpha: number,
  a: Float32Array,
  transA: boolean,
  b: Float32Array,
  transB: boolean,
  beta: number,
  c: Float32Array,
): void {
  if (a.length < m * k || b.length < k * n || c.length < m * n) {
    throw new RangeError(`gemmF32: buffers too short for ${m}x${k} times ${k}x${n}`);
  }
  if (m === 0 || n === 0) return;
  (activeF32Kernel ?? gemmF32Reference)(m, n, k, alpha, a, transA, b, transB, beta, c);
}

/** C = beta C (beta = 0 writes zeros without reading C): the whole product when k = 0 or alpha = 0. */
export function scaleInPlace(c: Float64Array | Float32Array, len: number, beta: number): void {
  if (beta === 0) c.fill(0, 0, len);
  else if (beta !== 1) for (let i = 0; i < len; i++) c[i] *= beta;
}

/** The simplest correct kernel (triple loop, no blocking): the oracle the tests trust. */
export const gemmNaive: GemmKernel = (m, n, k, alpha, a, transA, b, transB, beta, c) => {
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) {
        const aip = transA ? a[p * m + i] : a[i * k + p];
        const bpj = transB ? b[j * k + p] : b[p * n + j];
        s += aip * bpj;
      }
      c[i * n + j] = beta === 0 ? alpha * s : alpha * s + beta * c[i * n + j];
    }
  }
};

// ---- blocked, packed TypeScript kernel --------------------------------------------------
// Same scheme and block depth as the WebAssembly kernel (src/linalg/wasm/assembly/gemm.ts):
// op(B) is packed per K slice into 4-wide micro-panels, op(A) per MC-row block into 4-tall
// micro-panels, and a 4x4 register-tile micro-kernel (16 scalar accumulators) runs over them.
// Summation order per element: p ascending within a K slice, slices added to C in turn,
// C = alpha * acc + beta * C. The plain-SIMD WebAssembly build uses the same order and so
// gives bit-identical results; the fused (relaxed) build differs by rounding only.
const TS_MR = 4;
const TS_NR = 4;
const TS_MC = 64;
const TS_KC = 256;
const TS_NC = 2048;

let packAbuf = new Float64Array(0);
let packBbuf = new Float64Array(0);

function sliceDepth(k: number, kcMax: number): number {
  const nb = Math.ceil(k / kcMax);
  return Math.ceil(k / nb);
}

function packBts(b: Float64Array, ldb: number, transB: boolean, p0: number, kc: number, j0: number, nc: number, dst: Float64Array): void {
  let d = 0;
  for (let jr = 0; jr < nc; jr += TS_NR) {
    const w = Math.min(TS_NR, nc - jr);
    const j = j0 + jr;
    if (!transB) {
      let s = p0 * ldb + j;
      if (w === TS_NR) {
        for (let p = 0; p < kc; p++, s += ldb, d += 4) {
          dst[d] = b[s];
          dst[d + 1] = b[s + 1];
          dst[d + 2] = b[s + 2];
          dst[d + 3] = b[s + 3];
        }
      } else {
        for (let p = 0; p < kc; p++, s += ldb, d += 4) {
          for (let jj = 0; jj < TS_NR; jj++) dst[d + jj] = jj < w ? b[s + jj] : 0;
        }
      }
    } else {
      const s0 = j * ldb + p0;
      if (w === TS_NR) {
        const s1 = s0 + ldb,
          s2 = s1 + ldb,
          s3 = s2 + ldb;
        for (let p = 0; p < kc; p++, d += 4) {
          dst[d] = b[s0 + p];
          dst[d + 1] = b[s1 + p];
          dst[d + 2] = b[s2 + p];
          dst[d + 3] = b[s3 + p];
        }
      } else {
        for (let p = 0; p < kc; p++, d += 4) {
          for (let jj = 0; jj < TS_NR; jj++) dst[d + jj] = jj < w ? b[s0 + jj * ldb + p] : 0;
        }
      }
    }
  }
}

function packAts(a: Float64Array, lda: number, transA: boolean, i0: number, mc: number, p0: number, kc: number, dst: Float64Array): void {
  let d = 0;
  for (let ir = 0; ir < mc; ir += TS_MR) {
    const h = Math.min(TS_MR, mc - ir);
    const i = i0 + ir;
    if (!transA) {
      const s0 = i * lda + p0;
      if (h === TS_MR) {
        const s1 = s0 + lda,
          s2 = s1 + lda,
          s3 = s2 + lda;
        for (let p = 0; p < kc; p++, d += 4) {
          dst[d] = a[s0 + p];
          dst[d + 1] = a[s1 + p];
          dst[d + 2] = a[s2 + p];
          dst[d + 3] = a[s3 + p];
        }
      } else {
        for (let p = 0; p < kc; p++, d += 4) {
          for (let ii = 0; ii < TS_MR; ii++) dst[d + ii] = ii < h ? a[s0 + ii * lda + p] : 0;
        }
      }
    } else {
      let s = p0 * lda + i;
      if (h === TS_MR) {
        for (let p = 0; p < kc; p++, s += lda, d += 4) {
          dst[d] = a[s];
          dst[d + 1] = a[s + 1];
          dst[d + 2] = a[s + 2];
          dst[d + 3] = a[s + 3];
        }
      } else {
        for (let p = 0; p < kc; p++, s += lda, d += 4) {
          for (let ii = 0; ii < TS_MR; ii++) dst[d + ii] = ii < h ? a[s + ii] : 0;
        }
      }
    }
  }
}

function storeTile(
  c: Float64Array,
  off: number,
  ldc: number,
  h: number,
  w: number,
  alpha: number,
  beta: number,
  x00: number,
  x01: number,
  x02: number,
  x03: number,
  x10: number,
  x11: number,
  x12: number,
  x13: number,
  x20: number,
  x21: number,
  x22: number,
  x23: number,
  x30: number,
  x31: number,
  x32: number,
  x33: number,
): void {
  if (h === 4 && w === 4) {
    let o = off;
    if (beta === 0) {
      c[o] = alpha * x00;
      c[o + 1] = alpha * x01;
      c[o + 2] = alpha * x02;
      c[o + 3] = alpha * x03;
      o += ldc;
      c[o] = alpha * x10;
      c[o + 1] = alpha * x11;
      c[o + 2] = alpha * x12;
      c[o + 3] = alpha * x13;
      o += ldc;
      c[o] = alpha * x20;
      c[o + 1] = alpha * x21;
      c[o + 2] = alpha * x22;
      c[o + 3] = alpha * x23;
      o += ldc;
      c[o] = alpha * x30;
      c[o + 1] = alpha * x31;
      c[o + 2] = alpha * x32;
      c[o + 3] = alpha * x33;
    } else {
      c[o] = alpha * x00 + beta * c[o];
      c[o + 1] = alpha * x01 + beta * c[o + 1];
      c[o + 2] = alpha * x02 + beta * c[o + 2];
      c[o + 3] = alpha * x03 + beta * c[o + 3];
      o += ldc;
      c[o] = alpha * x10 + beta * c[o];
      c[o + 1] = alpha * x11 + beta * c[o + 1];
      c[o + 2] = alpha * x12 + beta * c[o + 2];
      c[o + 3] = alpha * x13 + beta * c[o + 3];
      o += ldc;
      c[o] = alpha * x20 + beta * c[o];
      c[o + 1] = alpha * x21 + beta * c[o + 1];
      c[o + 2] = alpha * x22 + beta * c[o + 2];
      c[o + 3] = alpha * x23 + beta * c[o + 3];
      o += ldc;
      c[o] = alpha * x30 + beta * c[o];
      c[o + 1] = alpha * x31 + beta * c[o + 1];
      c[o + 2] = alpha * x32 + beta * c[o + 2];
      c[o + 3] = alpha * x33 + beta * c[o + 3];
    }
    return;
  }
  const t = [x00, x01, x02, x03, x10, x11, x12, x13, x20, x21, x22, x23, x30, x31, x32, x33];
  for (let ii = 0; ii < h; ii++) {
    for (let jj = 0; jj < w; jj++) {
      const o = off + ii * ldc + jj;
      const x = alpha * t[ii * 4 + jj];
      c[o] = beta === 0 ? x : x + beta * c[o];
    }
  }
}

function microTS(
  kc: number,
  ap: Float64Array,
  ai: number,
  bp: Float64Array,
  bi: number,
  c: Float64Array,
  off: number,
  ldc: number,
  alpha: number,
  beta: number,
  h: number,
  w: number,
): void {
  let x00 = 0,
    x01 = 0,
    x02 = 0,
    x03 = 0,
    x10 = 0,
    x11 = 0,
    x12 = 0,
    x13 = 0;
  let x20 = 0,
    x21 = 0,
    x22 = 0,
    x23 = 0,
    x30 = 0,
    x31 = 0,
    x32 = 0,
    x33 = 0;
  for (let p = 0; p < kc; p++, ai += 4, bi += 4) {
    const b0 = bp[bi],
      b1 = bp[bi + 1],
      b2 = bp[bi + 2],
      b3 = bp[bi + 3];
    const a0 = ap[ai],
      a1 = ap[ai + 1],
      a2 = ap[ai + 2],
      a3 = ap[ai + 3];
    x00 += a0 * b0;
    x01 += a0 * b1;
    x02 += a0 * b2;
    x03 += a0 * b3;
    x10 += a1 * b0;
    x11 += a1 * b1;
    x12 += a1 * b2;
    x13 += a1 * b3;
    x20 += a2 * b0;
    x21 += a2 * b1;
    x22 += a2 * b2;
    x23 += a2 * b3;
    x30 += a3 * b0;
    x31 += a3 * b1;
    x32 += a3 * b2;
    x33 += a3 * b3;
  }
  storeTile(c, off, ldc, h, w, alpha, beta, x00, x01, x02, x03, x10, x11, x12, x13, x20, x21, x22, x23, x30, x31, x32, x33);
}

/**
 * Blocked, packed TypeScript kernel: the reference and the fallback when WebAssembly is off.
 * Computes rows [r0, r1) of C only when given (the whole of C by default).
 */
export function gemmTypeScript(
  m: number,
  n: number,
  k: number,
  alpha: number,
  a: Float64Array,
  transA: boolean,
  b: Float64Array,
  transB: boolean,
  beta: number,
  c: Float64Array,
  r0 = 0,
  r1 = m,
): void {
  if (m === 0 || n === 0) return;
  if (k === 0 || alpha === 0) {
    if (r0 === 0 && r1 === m) scaleInPlace(c, m * n, beta);
    else for (let i = r0 * n; i < r1 * n; i++) c[i] = beta === 0 ? 0 : beta * c[i];
    return;
  }
  const lda = transA ? m : k;
  const ldb = transB ? k : n;
  const kcs = sliceDepth(k, TS_KC);
  const ncMax = Math.min(TS_NC, n);
  const needB = kcs * (Math.ceil(ncMax / TS_NR) * TS_NR);
  const needA = kcs * Math.min(TS_MC, Math.ceil(m / TS_MR) * TS_MR);
  if (packBbuf.length < needB) packBbuf = new Float64Array(needB);
  if (packAbuf.length < needA) packAbuf = new Float64Array(needA);
  const Bp = packBbuf,
    Ap = packAbuf;
  for (let jc = 0; jc < n; jc += TS_NC) {
    const nc = Math.min(TS_NC, n - jc);
    for (let pc = 0; pc < k; pc += kcs) {
      const kc = Math.min(kcs, k - pc);
      const be = pc === 0 ? beta : 1;
      packBts(b, ldb, transB, pc, kc, jc, nc, Bp);
      for (let ic = r0; ic < r1; ic += TS_MC) {
        const mc = Math.min(TS_MC, r1 - ic);
        packAts(a, lda, transA, ic, mc, pc, kc, Ap);
        for (let jr = 0; jr < nc; jr += TS_NR) {
          const w = Math.min(TS_NR, nc - jr);
          for (let ir = 0; ir < mc; ir += TS_MR) {
            microTS(kc, Ap, ir * kc, Bp, jr * kc, c, (ic + ir) * n + jc + jr, n, alpha, be, Math.min(TS_MR, mc - ir), w);
          }
        }
      }
    }
  }
}

/** Plain TypeScript kernel: the reference every faster path is tested against (blocked and packed). */
export const gemmReference: GemmKernel = (m, n, k, alpha, a, transA, b, transB, beta, c) =>
  gemmTypeScript(m, n, k, alpha, a, transA, b, transB, beta, c);

/** float32 TypeScript kernel (float64 accumulation per element, rounded once). */
export const gemmF32Reference: GemmF32Kernel = (m, n, k, alpha, a, transA, b, transB, beta, c) => {
  const row = new Float64Array(n);
  for (let i = 0; i < m; i++) {
    row.fill(0);
    for (let p = 0; p < k; p++) {
      const aip = transA ? a[p * m + i] : a[i * k + p];
      if (transB) for (let j = 0; j < n; j++) row[j] += aip * b[j * k + p];
      else {
        const off = p * n;
        for (let j = 0; j < n; j++) row[j] += aip * b[off + j];
      }
    }
    const off = i * n;
    if (beta === 0) for (let j = 0; j < n; j++) c[off + j] = alpha * row[j];
    else for (let j = 0; j < n; j++) c[off + j] = alpha * row[j] + beta * c[off + j];
  }
};
