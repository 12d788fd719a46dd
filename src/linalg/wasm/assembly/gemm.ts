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
export { biasAct64, biasAct32, actGrad64, actGrad32, sgdStep32, allFinite32, squaredLoss64, squaredLoss32 } from './elementwise';

// ---- float64: 3x6 tile, 9 f64x2 accumulators ----
const MR: i32 = 3;
const NR: i32 = 6;
const MC: i32 = 66;
const NC: i32 = 2046; // a multiple of NR (the pre-packed B's panels are NC wide)
const KC: i32 = 256;
const DEEP_B_BYTES: i32 = 786432; // the packed B sub-panel of one K slice that dgemmRowsDeep keeps in L2 (with its C rows)

// ---- float32: 3x12 tile, 9 f32x4 accumulators ----
const MR32: i32 = 3;
const NR32: i32 = 12;
const MC32: i32 = 96;
const KC32: i32 = 384;
const NC32: i32 = 2040; // a multiple of NR32

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

/** The f32x4 counterpart of fmaPeak64 (10 chains, 2 iters x 10 x 8 flops). */
export function fmaPeak32(iters: i32, x: f32): f32 {
  let a0 = f32x4.splat(x), a1 = f32x4.splat(x + 1), a2 = f32x4.splat(x + 2), a3 = f32x4.splat(x + 3);
  let a4 = f32x4.splat(x + 4), a5 = f32x4.splat(x + 5), a6 = f32x4.splat(x + 6), a7 = f32x4.splat(x + 7);
  let a8 = f32x4.splat(x + 8), a9 = f32x4.splat(x + 9);
  const b = f32x4.splat(<f32>0.999999), c = f32x4.splat(<f32>1e-9);
  for (let i = 0; i < iters; i++) {
    a0 = madd32(a0, b, c); a1 = madd32(a1, b, c); a2 = madd32(a2, b, c); a3 = madd32(a3, b, c);
    a4 = madd32(a4, b, c); a5 = madd32(a5, b, c); a6 = madd32(a6, b, c); a7 = madd32(a7, b, c);
    a8 = madd32(a8, b, c); a9 = madd32(a9, b, c);
  }
  const s = f32x4.add(f32x4.add(f32x4.add(a0, a1), f32x4.add(a2, a3)), f32x4.add(f32x4.add(a4, a5), f32x4.add(f32x4.add(a6, a7), f32x4.add(a8, a9))));
  return f32x4.extract_lane(s, 0) + f32x4.extract_lane(s, 3);
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
      // B(p, j) = b[p*ldb + j]: six contiguous values per p.
      let src = b + ((<usize>p0 * ldb + j) << 3);
      const step = <usize>ldb << 3;
      if (w == NR) {
        for (let p = 0; p < kc; p++) {
          v128.store(dst, v128.load(src));
          v128.store(dst, v128.load(src, 16), 16);
          v128.store(dst, v128.load(src, 32), 32);
          src += step; dst += 48;
        }
      } else {
        for (let p = 0; p < kc; p++) {
          for (let jj = 0; jj < NR; jj++) store<f64>(dst + (jj << 3), jj < w ? load<f64>(src + (jj << 3)) : 0.0);
          src += step; dst += 48;
        }
      }
    } else {
      // B(p, j) = b[j*ldb + p]: six rows read sequentially in p.
      const s0 = b + ((<usize>j * ldb + p0) << 3);
      const rs = <usize>ldb << 3;
      if (w == NR) {
        const s1 = s0 + rs, s2 = s1 + rs, s3 = s2 + rs, s4 = s3 + rs, s5 = s4 + rs;
        for (let p = 0; p < kc; p++) {
          const o = <usize>p << 3;
          store<f64>(dst, load<f64>(s0 + o));
          store<f64>(dst, load<f64>(s1 + o), 8);
          store<f64>(dst, load<f64>(s2 + o), 16);
          store<f64>(dst, load<f64>(s3 + o), 24);
          store<f64>(dst, load<f64>(s4 + o), 32);
          store<f64>(dst, load<f64>(s5 + o), 40);
          dst += 48;
        }
      } else {
        for (let p = 0; p < kc; p++) {
          const o = <usize>p << 3;
          for (let jj = 0; jj < NR; jj++) store<f64>(dst + (jj << 3), jj < w ? load<f64>(s0 + <usize>jj * rs + o) : 0.0);
          dst += 48;
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
        const s1 = s0 + rs, s2 = s1 + rs;
        let p = 0;
        for (; p + 2 <= kc; p += 2) {
          // two columns of the three rows at once: (a0 b0)(c0 a1)(b1 c1)
          const o = <usize>p << 3;
          const x0 = v128.load(s0 + o), x1 = v128.load(s1 + o), x2 = v128.load(s2 + o);
          v128.store(dst, i64x2.shuffle(x0, x1, 0, 2));
          v128.store(dst, i64x2.shuffle(x2, x0, 0, 3), 16);
          v128.store(dst, i64x2.shuffle(x1, x2, 1, 3), 32);
          dst += 48;
        }
        if (p < kc) {
          const o = <usize>p << 3;
          store<f64>(dst, load<f64>(s0 + o));
          store<f64>(dst, load<f64>(s1 + o), 8);
          store<f64>(dst, load<f64>(s2 + o), 16);
          dst += 24;
        }
      } else {
        for (let p = 0; p < kc; p++) {
          const o = <usize>p << 3;
          for (let ii = 0; ii < MR; ii++) store<f64>(dst + (ii << 3), ii < h ? load<f64>(s0 + <usize>ii * rs + o) : 0.0);
          dst += 24;
        }
      }
    } else {
      // A(i, p) = a[p*lda + i]
      let src = a + ((<usize>p0 * lda + i) << 3);
      const step = <usize>lda << 3;
      if (h == MR) {
        for (let p = 0; p < kc; p++) {
          v128.store(dst, v128.load(src));
          store<f64>(dst, load<f64>(src, 16), 16);
          src += step; dst += 24;
        }
      } else {
        for (let p = 0; p < kc; p++) {
          for (let ii = 0; ii < MR; ii++) store<f64>(dst + (ii << 3), ii < h ? load<f64>(src + (ii << 3)) : 0.0);
          src += step; dst += 24;
        }
      }
    }
  }
}

// C[0, 0:w] = alpha * acc + beta * C (beta == 0: C is not read); acc is the row's three f64x2 accumulators.
@inline function storeRow64(c: usize, x0: v128, x1: v128, x2: v128, alpha: f64, beta: f64, w: i32): void {
  const av = f64x2.splat(alpha);
  x0 = f64x2.mul(av, x0);
  x1 = f64x2.mul(av, x1);
  x2 = f64x2.mul(av, x2);
  if (w == NR) {
    if (beta != 0.0) {
      const bv = f64x2.splat(beta);
      x0 = f64x2.add(x0, f64x2.mul(bv, v128.load(c)));
      x1 = f64x2.add(x1, f64x2.mul(bv, v128.load(c, 16)));
      x2 = f64x2.add(x2, f64x2.mul(bv, v128.load(c, 32)));
    }
    v128.store(c, x0);
    v128.store(c, x1, 16);
    v128.store(c, x2, 32);
  } else {
    // same arithmetic, lane by lane
    for (let j = 0; j < w; j++) {
      let x: f64;
      switch (j) {
        case 0: x = f64x2.extract_lane(x0, 0); break;
        case 1: x = f64x2.extract_lane(x0, 1); break;
        case 2: x = f64x2.extract_lane(x1, 0); break;
        case 3: x = f64x2.extract_lane(x1, 1); break;
        default: x = f64x2.extract_lane(x2, 0); break;
      }
      const o = <usize>j << 3;
      if (beta != 0.0) store<f64>(c + o, x + beta * load<f64>(c + o));
      else store<f64>(c + o, x);
    }
  }
}

// 3x6 micro-kernel over a K slice: acc = Ap(3 x kc) * Bp(kc x 6); C tile update. Nine f64x2 accumulators,
// three B vectors and one A splat stay in registers (V8 spills the 4x6 and 5x4 tiles; measured: 3x6 beats 4x4).
function kernel64(kc: i32, ap: usize, bp: usize, c: usize, ldc: i32, alpha: f64, beta: f64, h: i32, w: i32): void {
  let c00 = f64x2.splat(0.0), c01 = f64x2.splat(0.0), c02 = f64x2.splat(0.0);
  let c10 = f64x2.splat(0.0), c11 = f64x2.splat(0.0), c12 = f64x2.splat(0.0);
  let c20 = f64x2.splat(0.0), c21 = f64x2.splat(0.0), c22 = f64x2.splat(0.0);
  const apEnd = ap + <usize>kc * 24; // one induction pointer fewer than a counter (kc >= 1)
  do {
    const b0 = v128.load(bp);
    const b1 = v128.load(bp, 16);
    const b2 = v128.load(bp, 32);
    let a = v128.load64_splat(ap);
    c00 = madd64(a, b0, c00); c01 = madd64(a, b1, c01); c02 = madd64(a, b2, c02);
    a = v128.load64_splat(ap, 8);
    c10 = madd64(a, b0, c10); c11 = madd64(a, b1, c11); c12 = madd64(a, b2, c12);
    a = v128.load64_splat(ap, 16);
    c20 = madd64(a, b0, c20); c21 = madd64(a, b1, c21); c22 = madd64(a, b2, c22);
    ap += 24; bp += 48;
  } while (ap < apEnd);
  const rs = <usize>ldc << 3;
  storeRow64(c, c00, c01, c02, alpha, beta, w);
  if (h > 1) storeRow64(c + rs, c10, c11, c12, alpha, beta, w);
  if (h > 2) storeRow64(c + 2 * rs, c20, c21, c22, alpha, beta, w);
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
  gemmRange<f64>(m, n, k, alpha, a, transA, b, transB, beta, c, r0, r1, work);
}

// =====================================================================================
// float32: same scheme, 3x12 tile.

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
          v128.store(dst, v128.load(src, 32), 32);
          src += step; dst += 48;
        }
      } else {
        for (let p = 0; p < kc; p++) {
          for (let jj = 0; jj < NR32; jj++) store<f32>(dst + (jj << 2), jj < w ? load<f32>(src + (jj << 2)) : <f32>0);
          src += step; dst += 48;
        }
      }
    } else {
      const s0 = b + ((<usize>j * ldb + p0) << 2);
      const rs = <usize>ldb << 2;
      for (let p = 0; p < kc; p++) {
        const o = <usize>p << 2;
        for (let jj = 0; jj < NR32; jj++) store<f32>(dst + (jj << 2), jj < w ? load<f32>(s0 + <usize>jj * rs + o) : <f32>0);
        dst += 48;
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
        const s1 = s0 + rs, s2 = s1 + rs;
        let p = 0;
        for (; p + 4 <= kc; p += 4) {
          // four columns of the three rows a, b, c at once: (a0 b0 c0 a1)(b1 c1 a2 b2)(c2 a3 b3 c3)
          const o = <usize>p << 2;
          const x0 = v128.load(s0 + o), x1 = v128.load(s1 + o), x2 = v128.load(s2 + o);
          const t = i32x4.shuffle(x0, x1, 0, 4, 1, 5), u = i32x4.shuffle(x0, x1, 2, 6, 3, 7), v = i32x4.shuffle(x1, x2, 1, 5, 2, 6);
          v128.store(dst, i32x4.shuffle(t, x2, 0, 1, 4, 2));
          v128.store(dst, i32x4.shuffle(v, u, 0, 1, 4, 5), 16);
          v128.store(dst, i32x4.shuffle(u, x2, 6, 2, 3, 7), 32);
          dst += 48;
        }
        for (; p < kc; p++) {
          const o = <usize>p << 2;
          store<f32>(dst, load<f32>(s0 + o));
          store<f32>(dst, load<f32>(s1 + o), 4);
          store<f32>(dst, load<f32>(s2 + o), 8);
          dst += 12;
        }
      } else {
        for (let p = 0; p < kc; p++) {
          const o = <usize>p << 2;
          for (let ii = 0; ii < MR32; ii++) store<f32>(dst + (ii << 2), ii < h ? load<f32>(s0 + <usize>ii * rs + o) : <f32>0);
          dst += 12;
        }
      }
    } else {
      let src = a + ((<usize>p0 * lda + i) << 2);
      const step = <usize>lda << 2;
      if (h == MR32) {
        for (let p = 0; p < kc; p++) {
          store<f64>(dst, load<f64>(src));
          store<f32>(dst, load<f32>(src, 8), 8);
          src += step; dst += 12;
        }
      } else {
        for (let p = 0; p < kc; p++) {
          for (let ii = 0; ii < MR32; ii++) store<f32>(dst + (ii << 2), ii < h ? load<f32>(src + (ii << 2)) : <f32>0);
          src += step; dst += 12;
        }
      }
    }
  }
}

// Lane j (0..11) of the row's three f32x4 accumulators.
@inline function lane32(x0: v128, x1: v128, x2: v128, j: i32): f32 {
  switch (j) {
    case 0: return f32x4.extract_lane(x0, 0);
    case 1: return f32x4.extract_lane(x0, 1);
    case 2: return f32x4.extract_lane(x0, 2);
    case 3: return f32x4.extract_lane(x0, 3);
    case 4: return f32x4.extract_lane(x1, 0);
    case 5: return f32x4.extract_lane(x1, 1);
    case 6: return f32x4.extract_lane(x1, 2);
    case 7: return f32x4.extract_lane(x1, 3);
    case 8: return f32x4.extract_lane(x2, 0);
    case 9: return f32x4.extract_lane(x2, 1);
    default: return f32x4.extract_lane(x2, 2);
  }
}

@inline function storeRow32(c: usize, x0: v128, x1: v128, x2: v128, alpha: f32, beta: f32, w: i32): void {
  const av = f32x4.splat(alpha);
  x0 = f32x4.mul(av, x0);
  x1 = f32x4.mul(av, x1);
  x2 = f32x4.mul(av, x2);
  if (w == NR32) {
    if (beta != 0) {
      const bv = f32x4.splat(beta);
      x0 = f32x4.add(x0, f32x4.mul(bv, v128.load(c)));
      x1 = f32x4.add(x1, f32x4.mul(bv, v128.load(c, 16)));
      x2 = f32x4.add(x2, f32x4.mul(bv, v128.load(c, 32)));
    }
    v128.store(c, x0);
    v128.store(c, x1, 16);
    v128.store(c, x2, 32);
  } else {
    for (let j = 0; j < w; j++) {
      const x = lane32(x0, x1, x2, j);
      const o = <usize>j << 2;
      if (beta != 0) store<f32>(c + o, x + beta * load<f32>(c + o));
      else store<f32>(c + o, x);
    }
  }
}

// 3x12 micro-kernel (nine f32x4 accumulators; see kernel64).
function kernel32(kc: i32, ap: usize, bp: usize, c: usize, ldc: i32, alpha: f32, beta: f32, h: i32, w: i32): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0), c02 = f32x4.splat(0);
  let c10 = f32x4.splat(0), c11 = f32x4.splat(0), c12 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0), c22 = f32x4.splat(0);
  const apEnd = ap + <usize>kc * 12;
  do {
    const b0 = v128.load(bp);
    const b1 = v128.load(bp, 16);
    const b2 = v128.load(bp, 32);
    let a = v128.load32_splat(ap);
    c00 = madd32(a, b0, c00); c01 = madd32(a, b1, c01); c02 = madd32(a, b2, c02);
    a = v128.load32_splat(ap, 4);
    c10 = madd32(a, b0, c10); c11 = madd32(a, b1, c11); c12 = madd32(a, b2, c12);
    a = v128.load32_splat(ap, 8);
    c20 = madd32(a, b0, c20); c21 = madd32(a, b1, c21); c22 = madd32(a, b2, c22);
    ap += 12; bp += 48;
  } while (ap < apEnd);
  const rs = <usize>ldc << 2;
  storeRow32(c, c00, c01, c02, alpha, beta, w);
  if (h > 1) storeRow32(c + rs, c10, c11, c12, alpha, beta, w);
  if (h > 2) storeRow32(c + 2 * rs, c20, c21, c22, alpha, beta, w);
}

/** float32 counterpart of dgemm (workBytes32() of work). */
export function sgemm(
  m: i32, n: i32, k: i32, alpha: f32, a: usize, transA: i32, b: usize, transB: i32,
  beta: f32, c: usize, r0: i32, r1: i32, work: usize,
): void {
  gemmRange<f32>(m, n, k, alpha, a, transA, b, transB, beta, c, r0, r1, work);
}

// =====================================================================================
// The loops shared by both dtypes: T = f64 or f32 picks the tile, the blocking and the kernels at compile time.

@inline function isF64<T>(): bool { return sizeof<T>() == 8; }
@inline function tileRows<T>(): i32 { return isF64<T>() ? MR : MR32; }
@inline function tileCols<T>(): i32 { return isF64<T>() ? NR : NR32; }
@inline function slabRows<T>(): i32 { return isF64<T>() ? MC : MC32; }
@inline function panelCols<T>(): i32 { return isF64<T>() ? NC : NC32; }
@inline function sliceMax<T>(): i32 { return isF64<T>() ? KC : KC32; }

@inline function packA<T>(a: usize, lda: i32, transA: i32, i0: i32, mc: i32, p0: i32, kc: i32, dst: usize): void {
  if (isF64<T>()) packA64(a, lda, transA, i0, mc, p0, kc, dst);
  else packA32(a, lda, transA, i0, mc, p0, kc, dst);
}
@inline function packB<T>(b: usize, ldb: i32, transB: i32, p0: i32, kc: i32, j0: i32, nc: i32, dst: usize): void {
  if (isF64<T>()) packB64(b, ldb, transB, p0, kc, j0, nc, dst);
  else packB32(b, ldb, transB, p0, kc, j0, nc, dst);
}

/**
 * The micro-tiles of one K slice: C rows [ic, ic + mc) x columns jc + [j0, j1) of the panel (nc wide) from the
 * packed A block at ap and the packed B slice at bq; be: the beta of this slice (1 after the first).
 */
@inline function sliceTiles<T>(
  kc: i32, ap: usize, bq: usize, c: usize, ldc: i32, ic: i32, mc: i32, jc: i32, nc: i32, j0: i32, j1: i32, alpha: T, be: T,
): void {
  const mr = tileRows<T>(), nr = tileCols<T>();
  const size = <usize>sizeof<T>();
  for (let jr = j0; jr < j1; jr += nr) {
    const w = min(nr, nc - jr);
    const bpj = bq + <usize>(jr * kc) * size;
    const cj = c + (<usize>ic * ldc + jc + jr) * size;
    for (let ir = 0; ir < mc; ir += mr) {
      const apr = ap + <usize>(ir * kc) * size, cr = cj + <usize>ir * ldc * size, h = min(mr, mc - ir);
      if (isF64<T>()) kernel64(kc, apr, bpj, cr, ldc, <f64>alpha, <f64>be, h, w);
      else kernel32(kc, apr, bpj, cr, ldc, <f32>alpha, <f32>be, h, w);
    }
  }
}

// dgemm / sgemm: per NC panel and K slice, op(B) packed into this thread's work area, then every MC slab of rows.
@inline function gemmRange<T>(
  m: i32, n: i32, k: i32, alpha: T, a: usize, transA: i32, b: usize, transB: i32,
  beta: T, c: usize, r0: i32, r1: i32, work: usize,
): void {
  const lda = transA ? m : k;
  const ldb = transB ? k : n;
  const ldc = n;
  const ap = (work + 15) & ~<usize>15;
  const bp = ap + <usize>(slabRows<T>() * sliceMax<T>()) * sizeof<T>();
  const kcs = sliceDepth(k, sliceMax<T>());
  const ncMax = panelCols<T>(), mcMax = slabRows<T>();
  for (let jc = 0; jc < n; jc += ncMax) {
    const nc = min(ncMax, n - jc);
    for (let pc = 0; pc < k; pc += kcs) {
      const kc = min(kcs, k - pc);
      const be: T = pc == 0 ? beta : <T>1;
      packB<T>(b, ldb, transB, pc, kc, jc, nc, bp);
      for (let ic = r0; ic < r1; ic += mcMax) {
        const mc = min(mcMax, r1 - ic);
        packA<T>(a, lda, transA, ic, mc, pc, kc, ap);
        sliceTiles<T>(kc, ap, bp, c, ldc, ic, mc, jc, nc, 0, nc, alpha, be);
      }
    }
  }
}

// =====================================================================================
// Pre-packed op(B) and row blocks: the threaded pipeline (engine.ts, runPipelined). op(B) is packed
// once for the whole product (all NC panels and K slices, Goto & van de Geijn 2008: the packed B
// is shared by the threads, which pack its units together), then threads take blocks of rows of C
// as they come. Within a block every MC-row slab runs through all K slices in turn, so each element
// is summed exactly as in dgemm / sgemm above (p ascending within a slice, slices added in order):
// same bits.
// Layout of the packed B: panel jc starts at jc * k elements; within it, slice pc starts at
// pc * ncp (ncp = nc rounded up to NR), holding packB64's micro-panels.

/** Elements of the packed op(B) of a k x n op(B), float64 / float32. */
export function packedBLength64(k: i32, n: i32): i32 {
  return packedBLength<f64>(k, n);
}
export function packedBLength32(k: i32, n: i32): i32 {
  return packedBLength<f32>(k, n);
}
@inline function packedBLength<T>(k: i32, n: i32): i32 {
  const ncMax = panelCols<T>(), nr = tileCols<T>();
  const full = n / ncMax;
  const rest = n - full * ncMax;
  return k * (full * ncMax + ((rest + nr - 1) / nr) * nr);
}

/** Units of packing op(B) for the pipeline: the (NC panel, K slice) pairs, which threads share (packBSlices64 / 32). */
export function packBSliceCount64(k: i32, n: i32): i32 {
  return packBSliceCount<f64>(k, n);
}
export function packBSliceCount32(k: i32, n: i32): i32 {
  return packBSliceCount<f32>(k, n);
}
@inline function packBSliceCount<T>(k: i32, n: i32): i32 {
  if (k <= 0 || n <= 0) return 0;
  const kcs = sliceDepth(k, sliceMax<T>()), ncMax = panelCols<T>();
  return ((n + ncMax - 1) / ncMax) * ((k + kcs - 1) / kcs);
}

/** Pack units [s0, s1) of op(B) (k x n; panels in order, K slices within each) into dst (packedBLength64 / 32 elements). */
export function packBSlices64(k: i32, n: i32, b: usize, transB: i32, dst: usize, s0: i32, s1: i32): void {
  packBSlices<f64>(k, n, b, transB, dst, s0, s1);
}
export function packBSlices32(k: i32, n: i32, b: usize, transB: i32, dst: usize, s0: i32, s1: i32): void {
  packBSlices<f32>(k, n, b, transB, dst, s0, s1);
}
@inline function packBSlices<T>(k: i32, n: i32, b: usize, transB: i32, dst: usize, s0: i32, s1: i32): void {
  const ldb = transB ? k : n;
  const kcs = sliceDepth(k, sliceMax<T>()), ncMax = panelCols<T>(), nr = tileCols<T>();
  const size = <usize>sizeof<T>();
  let s = 0;
  for (let jc = 0; jc < n; jc += ncMax) {
    const nc = min(ncMax, n - jc);
    const ncp = ((nc + nr - 1) / nr) * nr;
    let d = dst + <usize>jc * k * size;
    for (let pc = 0; pc < k; pc += kcs) {
      const kc = min(kcs, k - pc);
      if (s >= s0 && s < s1) packB<T>(b, ldb, transB, pc, kc, jc, nc, d);
      d += <usize>(kc * ncp) * size;
      s++;
    }
  }
}

/** Rows [r0, r1) of C = alpha op(A) op(B) + beta C with op(B) packed by packBSlices64 at bp (see dgemm). */
export function dgemmRows(
  m: i32, n: i32, k: i32, alpha: f64, a: usize, transA: i32, bp: usize,
  beta: f64, c: usize, r0: i32, r1: i32, work: usize,
): void {
  rows<f64>(m, n, k, alpha, a, transA, bp, beta, c, r0, r1, work);
}

/** float32 counterpart of dgemmRows. */
export function sgemmRows(
  m: i32, n: i32, k: i32, alpha: f32, a: usize, transA: i32, bp: usize,
  beta: f32, c: usize, r0: i32, r1: i32, work: usize,
): void {
  rows<f32>(m, n, k, alpha, a, transA, bp, beta, c, r0, r1, work);
}

// dgemmRows / sgemmRows: every MC slab of the rows through all K slices of the pre-packed B in turn.
@inline function rows<T>(
  m: i32, n: i32, k: i32, alpha: T, a: usize, transA: i32, bp: usize,
  beta: T, c: usize, r0: i32, r1: i32, work: usize,
): void {
  const nr = tileCols<T>(), mcMax = slabRows<T>(), ncMax = panelCols<T>();
  const size = <usize>sizeof<T>();
  const lda = transA ? m : k;
  const ap = (work + 15) & ~<usize>15;
  const kcs = sliceDepth(k, sliceMax<T>());
  for (let jc = 0; jc < n; jc += ncMax) {
    const nc = min(ncMax, n - jc);
    const ncp = ((nc + nr - 1) / nr) * nr;
    const bjc = bp + <usize>jc * k * size;
    for (let ic = r0; ic < r1; ic += mcMax) {
      const mc = min(mcMax, r1 - ic);
      let bq = bjc;
      for (let pc = 0; pc < k; pc += kcs) {
        const kc = min(kcs, k - pc);
        packA<T>(a, lda, transA, ic, mc, pc, kc, ap);
        sliceTiles<T>(kc, ap, bq, c, n, ic, mc, jc, nc, 0, nc, alpha, pc == 0 ? beta : <T>1);
        bq += <usize>(kc * ncp) * size;
      }
    }
  }
}

/**
 * dgemmRows for deep products (k of many slices, a packed op(B) larger than L2), one block of rows per thread: the
 * rows are taken K slice by K slice within column sub-panels (about DEEP_B_BYTES of one slice of the packed B), so
 * the sub-panel and the rows' C sub-block stay in L2 while every MC slab of the rows uses them, and each slice of
 * the packed B is read from memory once per thread instead of once per slab. Each element is summed exactly as by
 * dgemmRows (K slices in order onto the same C): same bits.
 */
export function dgemmRowsDeep(
  m: i32, n: i32, k: i32, alpha: f64, a: usize, transA: i32, bp: usize,
  beta: f64, c: usize, r0: i32, r1: i32, work: usize,
): void {
  rowsDeep<f64>(m, n, k, alpha, a, transA, bp, beta, c, r0, r1, work);
}

/** float32 counterpart of dgemmRowsDeep. */
export function sgemmRowsDeep(
  m: i32, n: i32, k: i32, alpha: f32, a: usize, transA: i32, bp: usize,
  beta: f32, c: usize, r0: i32, r1: i32, work: usize,
): void {
  rowsDeep<f32>(m, n, k, alpha, a, transA, bp, beta, c, r0, r1, work);
}

// dgemmRowsDeep / sgemmRowsDeep for T = f64 / f32: the dtype's tile, blocking and kernels picked at compile time.
@inline function rowsDeep<T>(
  m: i32, n: i32, k: i32, alpha: T, a: usize, transA: i32, bp: usize,
  beta: T, c: usize, r0: i32, r1: i32, work: usize,
): void {
  const mr = tileRows<T>(), nr = tileCols<T>(), mcMax = slabRows<T>(), ncMax = panelCols<T>();
  const size = <usize>sizeof<T>();
  const lda = transA ? m : k;
  const ap = (work + 15) & ~<usize>15;
  const kcs = sliceDepth(k, sliceMax<T>());
  const ncsMax = max(nr, (DEEP_B_BYTES / (kcs * <i32>size) / nr) * nr);
  const slabs = (r1 - r0 + mcMax - 1) / mcMax;
  const mcs = (((r1 - r0 + slabs - 1) / slabs + mr - 1) / mr) * mr; // equal slabs of at most MC rows
  for (let jc = 0; jc < n; jc += ncMax) {
    const nc = min(ncMax, n - jc);
    const ncp = ((nc + nr - 1) / nr) * nr;
    const bjc = bp + <usize>jc * k * size;
    const parts = (nc + ncsMax - 1) / ncsMax;
    const ncs = (((nc + parts - 1) / parts + nr - 1) / nr) * nr; // equal sub-panels
    for (let js = 0; js < nc; js += ncs) {
      const je = min(nc, js + ncs);
      let bq = bjc;
      for (let pc = 0; pc < k; pc += kcs) {
        const kc = min(kcs, k - pc);
        for (let ic = r0; ic < r1; ic += mcs) {
          const mc = min(mcs, r1 - ic);
          packA<T>(a, lda, transA, ic, mc, pc, kc, ap);
          sliceTiles<T>(kc, ap, bq, c, n, ic, mc, jc, nc, js, je, alpha, pc == 0 ? beta : <T>1);
        }
        bq += <usize>(kc * ncp) * size;
      }
    }
  }
}
