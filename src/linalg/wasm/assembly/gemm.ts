// GEMM kernels for nrc, compiled by AssemblyScript (`npm run build:wasm`) into two modules:
// relaxed SIMD (fused f64x2.relaxed_madd) and plain SIMD (mul + add). The same source serves
// both; ASC_FEATURE_RELAXED_SIMD picks the multiply-add at compile time.
//
// Scheme (BLIS, Van Zee & van de Geijn 2015): C is computed in rows [r0, r1) only, so threads
// split C by rows and share the packed inputs read-only. For each NC-wide column panel and each
// KC-deep slice, op(B) is packed into NR-wide micro-panels, then each MC-tall block of op(A) is
// packed into MR-tall micro-panels, and a register-tile micro-kernel runs over the block.
// Every element's summation order depends on k and KC only (never on the row range), so the
// result is bit-identical for any thread count.
//
// All memory is owned by the JavaScript side: pointers are byte offsets into the (shared,
// imported) memory. No allocation happens here. The level-2 kernels of the SVD (./level2.ts)
// are compiled into the same module.
import { madd64, madd32 } from './simd';
export { dgemvT, dgemvN, rotationsApply } from './level2';
export { biasAct64, biasAct32, actGrad64, actGrad32, sgdStep32, allFinite32 } from './elementwise';

// ---- float64: 4x4 tile, 8 f64x2 accumulators ----
const MR: i32 = 4;
const NR: i32 = 4;
const MC: i32 = 64;
const NC: i32 = 2048;
const KC: i32 = 256;

// ---- float32: 4x8 tile, 8 f32x4 accumulators ----
const MR32: i32 = 4;
const NR32: i32 = 8;
const MC32: i32 = 96;
const KC32: i32 = 384;
const NC32: i32 = 2048;

/**
 * The f64x2 multiply-add ceiling of this engine and CPU (for `npm run bench`, which reports the GEMM
 * against it): 10 independent accumulator chains, 2 iters x 10 x 4 flops; returns a checksum.
 */
export function fmaPeak64(iters: i32, x: f64): f64 {
  let a0 = f64x2.splat(x), a1 = f64x2.splat(x + 1), a2 = f64x2.splat(x + 2), a3 = f64x2.splat(x + 3);
  let a4 = f64x2.splat(x + 4), a5 = f64x2.splat(x + 5), a6 = f64x2.splat(x + 6), a7 = f64x2.splat(x + 7);
  let a8 = f64x2.splat(x + 8), a9 = f64x2.splat(x + 9);
  const b = f64x2.splat(0.999999), c = f64x2.splat(1e-9);
  for (let i = 0; i < iters; i++) {
    a0 = madd64(a0, b, c); a1 = madd64(a1, b, c); a2 = madd64(a2, b, c); a3 = madd64(a3, b, c);
    a4 = madd64(a4, b, c); a5 = madd64(a5, b, c); a6 = madd64(a6, b, c); a7 = madd64(a7, b, c);
    a8 = madd64(a8, b, c); a9 = madd64(a9, b, c);
  }
  const s = f64x2.add(f64x2.add(f64x2.add(a0, a1), f64x2.add(a2, a3)), f64x2.add(f64x2.add(a4, a5), f64x2.add(f64x2.add(a6, a7), f64x2.add(a8, a9))));
  return f64x2.extract_lane(s, 0) + f64x2.extract_lane(s, 1);
}

/** Depth of a K slice: k split into equal slices of at most KC (depends on k only). */
function sliceDepth(k: i32, kcMax: i32): i32 {
  const nb = (k + kcMax - 1) / kcMax;
  return (k + nb - 1) / nb;
}

/** Bytes of packing workspace one thread needs (A block + B panel), float64. */
export function workBytes64(): i32 {
  return (MC * KC + KC * NC) * 8 + 64;
}
/** Bytes of packing workspace one thread needs, float32. */
export function workBytes32(): i32 {
  return (MC32 * KC32 + KC32 * NC32) * 4 + 64;
}

// Pack op(B)[p0:p0+kc, j0:j0+nc] into NR-wide micro-panels, zero-padded on the right.
function packB64(b: usize, ldb: i32, transB: i32, p0: i32, kc: i32, j0: i32, nc: i32, dst: usize): void {
  for (let jr = 0; jr < nc; jr += NR) {
    const w = min(NR, nc - jr);
    const j = j0 + jr;
    if (!transB) {
      // B(p, j) = b[p*ldb + j]: four contiguous values per p.
      let src = b + ((<usize>p0 * ldb + j) << 3);
      const step = <usize>ldb << 3;
      if (w == NR) {
        for (let p = 0; p < kc; p++) {
          v128.store(dst, v128.load(src));
          v128.store(dst, v128.load(src, 16), 16);
          src += step; dst += 32;
        }
      } else {
        for (let p = 0; p < kc; p++) {
          for (let jj = 0; jj < NR; jj++) store<f64>(dst + (jj << 3), jj < w ? load<f64>(src + (jj << 3)) : 0.0);
          src += step; dst += 32;
        }
      }
    } else {
      // B(p, j) = b[j*ldb + p]: four rows read sequentially in p.
      const s0 = b + ((<usize>j * ldb + p0) << 3);
      const rs = <usize>ldb << 3;
      if (w == NR) {
        const s1 = s0 + rs, s2 = s1 + rs, s3 = s2 + rs;
        for (let p = 0; p < kc; p++) {
          const o = <usize>p << 3;
          store<f64>(dst, load<f64>(s0 + o));
          store<f64>(dst, load<f64>(s1 + o), 8);
          store<f64>(dst, load<f64>(s2 + o), 16);
          store<f64>(dst, load<f64>(s3 + o), 24);
          dst += 32;
        }
      } else {
        for (let p = 0; p < kc; p++) {
          const o = <usize>p << 3;
          for (let jj = 0; jj < NR; jj++) store<f64>(dst + (jj << 3), jj < w ? load<f64>(s0 + <usize>jj * rs + o) : 0.0);
          dst += 32;
        }
      }
    }
  }
}

// Pack op(A)[i0:i0+mc, p0:p0+kc] into MR-tall micro-panels, zero-padded at the bottom.
function packA64(a: usize, lda: i32, transA: i32, i0: i32, mc: i32, p0: i32, kc: i32, dst: usize): void {
  for (let ir = 0; ir < mc; ir += MR) {
    const h = min(MR, mc - ir);
    const i = i0 + ir;
    if (!transA) {
      // A(i, p) = a[i*lda + p]
      const s0 = a + ((<usize>i * lda + p0) << 3);
      const rs = <usize>lda << 3;
      if (h == MR) {
        const s1 = s0 + rs, s2 = s1 + rs, s3 = s2 + rs;
        for (let p = 0; p < kc; p++) {
          const o = <usize>p << 3;
          store<f64>(dst, load<f64>(s0 + o));
          store<f64>(dst, load<f64>(s1 + o), 8);
          store<f64>(dst, load<f64>(s2 + o), 16);
          store<f64>(dst, load<f64>(s3 + o), 24);
          dst += 32;
        }
      } else {
        for (let p = 0; p < kc; p++) {
          const o = <usize>p << 3;
          for (let ii = 0; ii < MR; ii++) store<f64>(dst + (ii << 3), ii < h ? load<f64>(s0 + <usize>ii * rs + o) : 0.0);
          dst += 32;
        }
      }
    } else {
      // A(i, p) = a[p*lda + i]
      let src = a + ((<usize>p0 * lda + i) << 3);
      const step = <usize>lda << 3;
      if (h == MR) {
        for (let p = 0; p < kc; p++) {
          v128.store(dst, v128.load(src));
          v128.store(dst, v128.load(src, 16), 16);
          src += step; dst += 32;
        }
      } else {
        for (let p = 0; p < kc; p++) {
          for (let ii = 0; ii < MR; ii++) store<f64>(dst + (ii << 3), ii < h ? load<f64>(src + (ii << 3)) : 0.0);
          src += step; dst += 32;
        }
      }
    }
  }
}

// C[0:h, 0:w] = alpha * acc + beta * C (beta == 0: C is not read).
@inline function storeRow64(c: usize, lo: v128, hi: v128, alpha: f64, beta: f64, w: i32): void {
  const av = f64x2.splat(alpha);
  lo = f64x2.mul(av, lo);
  hi = f64x2.mul(av, hi);
  if (w == NR) {
    if (beta != 0.0) {
      const bv = f64x2.splat(beta);
      lo = f64x2.add(lo, f64x2.mul(bv, v128.load(c)));
      hi = f64x2.add(hi, f64x2.mul(bv, v128.load(c, 16)));
    }
    v128.store(c, lo);
    v128.store(c, hi, 16);
  } else {
    // same arithmetic, lane by lane
    const x0 = f64x2.extract_lane(lo, 0), x1 = f64x2.extract_lane(lo, 1);
    const x2 = f64x2.extract_lane(hi, 0);
    if (beta != 0.0) {
      store<f64>(c, x0 + beta * load<f64>(c));
      if (w > 1) store<f64>(c, x1 + beta * load<f64>(c, 8), 8);
      if (w > 2) store<f64>(c, x2 + beta * load<f64>(c, 16), 16);
    } else {
      store<f64>(c, x0);
      if (w > 1) store<f64>(c, x1, 8);
      if (w > 2) store<f64>(c, x2, 16);
    }
  }
}

// 4x4 micro-kernel over a K slice: acc = Ap(4 x kc) * Bp(kc x 4); C tile update.
function kernel64(kc: i32, ap: usize, bp: usize, c: usize, ldc: i32, alpha: f64, beta: f64, h: i32, w: i32): void {
  let c00 = f64x2.splat(0.0), c01 = f64x2.splat(0.0);
  let c10 = f64x2.splat(0.0), c11 = f64x2.splat(0.0);
  let c20 = f64x2.splat(0.0), c21 = f64x2.splat(0.0);
  let c30 = f64x2.splat(0.0), c31 = f64x2.splat(0.0);
  for (let p = 0; p < kc; p++) {
    const b0 = v128.load(bp);
    const b1 = v128.load(bp, 16);
    let a = v128.load64_splat(ap);
    c00 = madd64(a, b0, c00); c01 = madd64(a, b1, c01);
    a = v128.load64_splat(ap, 8);
    c10 = madd64(a, b0, c10); c11 = madd64(a, b1, c11);
    a = v128.load64_splat(ap, 16);
    c20 = madd64(a, b0, c20); c21 = madd64(a, b1, c21);
    a = v128.load64_splat(ap, 24);
    c30 = madd64(a, b0, c30); c31 = madd64(a, b1, c31);
    ap += 32; bp += 32;
  }
  const rs = <usize>ldc << 3;
  storeRow64(c, c00, c01, alpha, beta, w);
  if (h > 1) storeRow64(c + rs, c10, c11, alpha, beta, w);
  if (h > 2) storeRow64(c + 2 * rs, c20, c21, alpha, beta, w);
  if (h > 3) storeRow64(c + 3 * rs, c30, c31, alpha, beta, w);
}

/**
 * Rows [r0, r1) of C (m x n, row-major, ldc = n) = alpha op(A) op(B) + beta C.
 * op(A) is m x k: A is m x k (lda = k) or, transposed, k x m (lda = m); likewise B.
 * work: this thread's packing area of workBytes64() bytes (16-byte aligned).
 */
export function dgemm(
  m: i32, n: i32, k: i32, alpha: f64, a: usize, transA: i32, b: usize, transB: i32,
  beta: f64, c: usize, r0: i32, r1: i32, work: usize,
): void {
  const lda = transA ? m : k;
  const ldb = transB ? k : n;
  const ldc = n;
  const ap = (work + 15) & ~<usize>15;
  const bp = ap + <usize>(MC * KC) * 8;
  const kcs = sliceDepth(k, KC);
  for (let jc = 0; jc < n; jc += NC) {
    const nc = min(NC, n - jc);
    for (let pc = 0; pc < k; pc += kcs) {
      const kc = min(kcs, k - pc);
      const be = pc == 0 ? beta : 1.0;
      packB64(b, ldb, transB, pc, kc, jc, nc, bp);
      for (let ic = r0; ic < r1; ic += MC) {
        const mc = min(MC, r1 - ic);
        packA64(a, lda, transA, ic, mc, pc, kc, ap);
        for (let jr = 0; jr < nc; jr += NR) {
          const w = min(NR, nc - jr);
          const bpj = bp + <usize>(jr * kc) * 8;
          const cj = c + ((<usize>ic * ldc + jc + jr) << 3);
          for (let ir = 0; ir < mc; ir += MR) {
            kernel64(kc, ap + <usize>(ir * kc) * 8, bpj, cj + ((<usize>ir * ldc) << 3), ldc, alpha, be, min(MR, mc - ir), w);
          }
        }
      }
    }
  }
}

// =====================================================================================
// float32: same scheme, 4x8 tile.

function packB32(b: usize, ldb: i32, transB: i32, p0: i32, kc: i32, j0: i32, nc: i32, dst: usize): void {
  for (let jr = 0; jr < nc; jr += NR32) {
    const w = min(NR32, nc - jr);
    const j = j0 + jr;
    if (!transB) {
      let src = b + ((<usize>p0 * ldb + j) << 2);
      const step = <usize>ldb << 2;
      if (w == NR32) {
        for (let p = 0; p < kc; p++) {
          v128.store(dst, v128.load(src));
          v128.store(dst, v128.load(src, 16), 16);
          src += step; dst += 32;
        }
      } else {
        for (let p = 0; p < kc; p++) {
          for (let jj = 0; jj < NR32; jj++) store<f32>(dst + (jj << 2), jj < w ? load<f32>(src + (jj << 2)) : <f32>0);
          src += step; dst += 32;
        }
      }
    } else {
      const s0 = b + ((<usize>j * ldb + p0) << 2);
      const rs = <usize>ldb << 2;
      for (let p = 0; p < kc; p++) {
        const o = <usize>p << 2;
        for (let jj = 0; jj < NR32; jj++) store<f32>(dst + (jj << 2), jj < w ? load<f32>(s0 + <usize>jj * rs + o) : <f32>0);
        dst += 32;
      }
    }
  }
}

function packA32(a: usize, lda: i32, transA: i32, i0: i32, mc: i32, p0: i32, kc: i32, dst: usize): void {
  for (let ir = 0; ir < mc; ir += MR32) {
    const h = min(MR32, mc - ir);
    const i = i0 + ir;
    if (!transA) {
      const s0 = a + ((<usize>i * lda + p0) << 2);
      const rs = <usize>lda << 2;
      if (h == MR32) {
        const s1 = s0 + rs, s2 = s1 + rs, s3 = s2 + rs;
        for (let p = 0; p < kc; p++) {
          const o = <usize>p << 2;
          store<f32>(dst, load<f32>(s0 + o));
          store<f32>(dst, load<f32>(s1 + o), 4);
          store<f32>(dst, load<f32>(s2 + o), 8);
          store<f32>(dst, load<f32>(s3 + o), 12);
          dst += 16;
        }
      } else {
        for (let p = 0; p < kc; p++) {
          const o = <usize>p << 2;
          for (let ii = 0; ii < MR32; ii++) store<f32>(dst + (ii << 2), ii < h ? load<f32>(s0 + <usize>ii * rs + o) : <f32>0);
          dst += 16;
        }
      }
    } else {
      let src = a + ((<usize>p0 * lda + i) << 2);
      const step = <usize>lda << 2;
      if (h == MR32) {
        for (let p = 0; p < kc; p++) {
          v128.store(dst, v128.load(src));
          src += step; dst += 16;
        }
      } else {
        for (let p = 0; p < kc; p++) {
          for (let ii = 0; ii < MR32; ii++) store<f32>(dst + (ii << 2), ii < h ? load<f32>(src + (ii << 2)) : <f32>0);
          src += step; dst += 16;
        }
      }
    }
  }
}

@inline function storeRow32(c: usize, lo: v128, hi: v128, alpha: f32, beta: f32, w: i32): void {
  const av = f32x4.splat(alpha);
  lo = f32x4.mul(av, lo);
  hi = f32x4.mul(av, hi);
  if (w == NR32) {
    if (beta != 0) {
      const bv = f32x4.splat(beta);
      lo = f32x4.add(lo, f32x4.mul(bv, v128.load(c)));
      hi = f32x4.add(hi, f32x4.mul(bv, v128.load(c, 16)));
    }
    v128.store(c, lo);
    v128.store(c, hi, 16);
  } else {
    // spill to scratch at the end of the caller's work area is avoided: extract lanes.
    for (let j = 0; j < w; j++) {
      let x: f32;
      switch (j) {
        case 0: x = f32x4.extract_lane(lo, 0); break;
        case 1: x = f32x4.extract_lane(lo, 1); break;
        case 2: x = f32x4.extract_lane(lo, 2); break;
        case 3: x = f32x4.extract_lane(lo, 3); break;
        case 4: x = f32x4.extract_lane(hi, 0); break;
        case 5: x = f32x4.extract_lane(hi, 1); break;
        default: x = f32x4.extract_lane(hi, 2); break;
      }
      const o = <usize>j << 2;
      if (beta != 0) store<f32>(c + o, x + beta * load<f32>(c + o));
      else store<f32>(c + o, x);
    }
  }
}

function kernel32(kc: i32, ap: usize, bp: usize, c: usize, ldc: i32, alpha: f32, beta: f32, h: i32, w: i32): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  for (let p = 0; p < kc; p++) {
    const b0 = v128.load(bp);
    const b1 = v128.load(bp, 16);
    let a = v128.load32_splat(ap);
    c00 = madd32(a, b0, c00); c01 = madd32(a, b1, c01);
    a = v128.load32_splat(ap, 4);
    c10 = madd32(a, b0, c10); c11 = madd32(a, b1, c11);
    a = v128.load32_splat(ap, 8);
    c20 = madd32(a, b0, c20); c21 = madd32(a, b1, c21);
    a = v128.load32_splat(ap, 12);
    c30 = madd32(a, b0, c30); c31 = madd32(a, b1, c31);
    ap += 16; bp += 32;
  }
  const rs = <usize>ldc << 2;
  storeRow32(c, c00, c01, alpha, beta, w);
  if (h > 1) storeRow32(c + rs, c10, c11, alpha, beta, w);
  if (h > 2) storeRow32(c + 2 * rs, c20, c21, alpha, beta, w);
  if (h > 3) storeRow32(c + 3 * rs, c30, c31, alpha, beta, w);
}

/** float32 counterpart of dgemm (workBytes32() of work). */
export function sgemm(
  m: i32, n: i32, k: i32, alpha: f32, a: usize, transA: i32, b: usize, transB: i32,
  beta: f32, c: usize, r0: i32, r1: i32, work: usize,
): void {
  const lda = transA ? m : k;
  const ldb = transB ? k : n;
  const ldc = n;
  const ap = (work + 15) & ~<usize>15;
  const bp = ap + <usize>(MC32 * KC32) * 4;
  const kcs = sliceDepth(k, KC32);
  for (let jc = 0; jc < n; jc += NC32) {
    const nc = min(NC32, n - jc);
    for (let pc = 0; pc < k; pc += kcs) {
      const kc = min(kcs, k - pc);
      const be: f32 = pc == 0 ? beta : <f32>1;
      packB32(b, ldb, transB, pc, kc, jc, nc, bp);
      for (let ic = r0; ic < r1; ic += MC32) {
        const mc = min(MC32, r1 - ic);
        packA32(a, lda, transA, ic, mc, pc, kc, ap);
        for (let jr = 0; jr < nc; jr += NR32) {
          const w = min(NR32, nc - jr);
          const bpj = bp + <usize>(jr * kc) * 4;
          const cj = c + ((<usize>ic * ldc + jc + jr) << 2);
          for (let ir = 0; ir < mc; ir += MR32) {
            kernel32(kc, ap + <usize>(ir * kc) * 4, bpj, cj + ((<usize>ir * ldc) << 2), ldc, alpha, be, min(MR32, mc - ir), w);
          }
        }
      }
    }
  }
}
