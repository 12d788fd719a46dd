// Kernels of the symmetric tridiagonal reduction (src/linalg/tridiagonal-reduction.ts, LAPACK dsytrd / dlatrd's
// scheme): the trailing matrix is kept as its upper triangle only (row-major, so row i holds A[i, i:]), which the
// matrix-vector product of every step reads once (half the memory traffic of a full product), and which the
// panel's symmetric rank-2k update writes (half the flops). Pointers are byte offsets into the shared memory.
import { madd64 } from './simd';
import { dgemvN } from './level2';

@inline function hsum(x: v128): f64 {
  return f64x2.extract_lane(x, 0) + f64x2.extract_lane(x, 1);
}

/** Rows i..i+3 of the diagonal 4 x 4 block (upper part): y[i+r] += A[i+r, i+c] v[i+c], y[i+c] += A[i+r, i+c] v[i+r] (c > r). */
function diagonalBlock4(a: usize, rs: usize, v: usize, y: usize): void {
  for (let r = 0; r < 4; r++) {
    const ar = a + <usize>r * rs + (<usize>r << 3);
    const vr = load<f64>(v + (<usize>r << 3));
    let s = load<f64>(ar) * vr;
    for (let c = 1; c < 4 - r; c++) {
      const x = load<f64>(ar + (<usize>c << 3));
      const yc = y + (<usize>(r + c) << 3);
      s += x * load<f64>(v + (<usize>(r + c) << 3));
      store<f64>(yc, load<f64>(yc) + x * vr);
    }
    const yr = y + (<usize>r << 3);
    store<f64>(yr, load<f64>(yr) + s);
  }
}

/** One row i alone: y[i] += A[i, i:] . v[i:], y[j] += A[i, j] v[i] for i < j < L (a, v, y point at entry i). */
function symvRow(len: i32, a: usize, v: usize, y: usize): void {
  const vi = load<f64>(v), vs = f64x2.splat(vi);
  let acc = f64x2.splat(0.0);
  let j = 1;
  for (; j + 2 <= len; j += 2) {
    const o = <usize>j << 3;
    const x = v128.load(a + o);
    acc = madd64(x, v128.load(v + o), acc);
    v128.store(y + o, madd64(x, vs, v128.load(y + o)));
  }
  let s = load<f64>(a) * vi + hsum(acc);
  for (; j < len; j++) {
    const o = <usize>j << 3, x = load<f64>(a + o);
    s += x * load<f64>(v + o);
    store<f64>(y + o, load<f64>(y + o) + x * vi);
  }
  store<f64>(y, load<f64>(y) + s);
}

/**
 * Rows [i0, i1) of y += A v for the symmetric L x L matrix stored as its upper triangle at a (row-major, leading
 * dimension lda): each row i adds A[i, i:] . v[i:] to y[i] and A[i, j] v[i] to y[j] for j > i, so a row range
 * touches y[i0:] only. Four rows per sweep of v and y; the order of every sum depends on i0 and L only.
 */
export function dsymvUpper(L: i32, a: usize, lda: i32, v: usize, y: usize, i0: i32, i1: i32): void {
  const rs = <usize>lda << 3;
  let i = i0;
  for (; i + 4 <= i1; i += 4) {
    const o = <usize>i << 3;
    const a0 = a + <usize>i * rs + o, a1 = a0 + rs, a2 = a1 + rs, a3 = a2 + rs;
    const vi = v + o, yi = y + o;
    diagonalBlock4(a0, rs, vi, yi);
    const v0 = f64x2.splat(load<f64>(vi)), v1 = f64x2.splat(load<f64>(vi, 8));
    const v2 = f64x2.splat(load<f64>(vi, 16)), v3 = f64x2.splat(load<f64>(vi, 24));
    let p0 = f64x2.splat(0.0), p1 = f64x2.splat(0.0), p2 = f64x2.splat(0.0), p3 = f64x2.splat(0.0);
    const len = L - i;
    let j = 4;
    for (; j + 2 <= len; j += 2) {
      const c = <usize>j << 3;
      const x0 = v128.load(a0 + c), x1 = v128.load(a1 + c), x2 = v128.load(a2 + c), x3 = v128.load(a3 + c);
      const vv = v128.load(vi + c);
      p0 = madd64(x0, vv, p0); p1 = madd64(x1, vv, p1); p2 = madd64(x2, vv, p2); p3 = madd64(x3, vv, p3);
      // y as a sum tree (not a chain of four dependent multiply-adds)
      const y01 = madd64(x1, v1, f64x2.mul(x0, v0)), y23 = madd64(x3, v3, f64x2.mul(x2, v2));
      v128.store(yi + c, f64x2.add(v128.load(yi + c), f64x2.add(y01, y23)));
    }
    let s0 = hsum(p0), s1 = hsum(p1), s2 = hsum(p2), s3 = hsum(p3);
    if (j < len) {
      const c = <usize>j << 3;
      const x0 = load<f64>(a0 + c), x1 = load<f64>(a1 + c), x2 = load<f64>(a2 + c), x3 = load<f64>(a3 + c);
      const vj = load<f64>(vi + c);
      s0 += x0 * vj; s1 += x1 * vj; s2 += x2 * vj; s3 += x3 * vj;
      const w0 = f64x2.extract_lane(v0, 0), w1 = f64x2.extract_lane(v1, 0), w2 = f64x2.extract_lane(v2, 0), w3 = f64x2.extract_lane(v3, 0);
      store<f64>(yi + c, load<f64>(yi + c) + x0 * w0 + x1 * w1 + x2 * w2 + x3 * w3);
    }
    store<f64>(yi, load<f64>(yi) + s0);
    store<f64>(yi, load<f64>(yi, 8) + s1, 8);
    store<f64>(yi, load<f64>(yi, 16) + s2, 16);
    store<f64>(yi, load<f64>(yi, 24) + s3, 24);
  }
  for (; i < i1; i++) {
    const o = <usize>i << 3;
    symvRow(L - i, a + <usize>i * rs + o, v + o, y + o);
  }
}

/** C[0:h, 0:w] -= acc (one row of a tile; w < 4 lane by lane). */
@inline function subRow(c: usize, lo: v128, hi: v128, w: i32): void {
  if (w == 4) {
    v128.store(c, f64x2.sub(v128.load(c), lo));
    v128.store(c, f64x2.sub(v128.load(c, 16), hi), 16);
  } else {
    store<f64>(c, load<f64>(c) - f64x2.extract_lane(lo, 0));
    if (w > 1) store<f64>(c, load<f64>(c, 8) - f64x2.extract_lane(lo, 1), 8);
    if (w > 2) store<f64>(c, load<f64>(c, 16) - f64x2.extract_lane(hi, 0), 16);
  }
}

/** One 4 x 4 tile: C -= P_g Q_h^T over depth kk, P_g and Q_h packed k-major (4 values per k). */
function tile4(kk: i32, pp: usize, qp: usize, c: usize, rs: usize, h: i32, w: i32): void {
  let c00 = f64x2.splat(0.0), c01 = f64x2.splat(0.0);
  let c10 = f64x2.splat(0.0), c11 = f64x2.splat(0.0);
  let c20 = f64x2.splat(0.0), c21 = f64x2.splat(0.0);
  let c30 = f64x2.splat(0.0), c31 = f64x2.splat(0.0);
  for (let p = 0; p < kk; p++) {
    const b0 = v128.load(qp), b1 = v128.load(qp, 16);
    let x = v128.load64_splat(pp);
    c00 = madd64(x, b0, c00); c01 = madd64(x, b1, c01);
    x = v128.load64_splat(pp, 8);
    c10 = madd64(x, b0, c10); c11 = madd64(x, b1, c11);
    x = v128.load64_splat(pp, 16);
    c20 = madd64(x, b0, c20); c21 = madd64(x, b1, c21);
    x = v128.load64_splat(pp, 24);
    c30 = madd64(x, b0, c30); c31 = madd64(x, b1, c31);
    pp += 32; qp += 32;
  }
  subRow(c, c00, c01, w);
  if (h > 1) subRow(c + rs, c10, c11, w);
  if (h > 2) subRow(c + 2 * rs, c20, c21, w);
  if (h > 3) subRow(c + 3 * rs, c30, c31, w);
}

/**
 * Row groups [g0, g1) (rows 4g..4g+3) of the upper triangle of C (nt x nt at c, leading dimension ldc) -= P Q^T,
 * tiles on or right of the diagonal (the diagonal tiles whole, so a few entries below the diagonal change too).
 * P and Q (nt x kk) are packed in groups of 4 rows, k-major within a group (pp + g * kk * 32 bytes), zero-padded
 * to a multiple of 4 rows. Every entry's sum runs over k in order, whatever the row range: threads may split it.
 */
export function dsyr2kUpper(nt: i32, c: usize, ldc: i32, pp: usize, qp: usize, kk: i32, g0: i32, g1: i32): void {
  const rs = <usize>ldc << 3, gs = <usize>kk << 5;
  const groups = (nt + 3) >> 2;
  for (let g = g0; g < g1; g++) {
    const h = min(4, nt - 4 * g);
    const cg = c + <usize>(4 * g) * rs;
    const pg = pp + <usize>g * gs;
    for (let t = g; t < groups; t++) {
      tile4(kk, pg, qp + <usize>t * gs, cg + (<usize>(4 * t) << 3), rs, h, min(4, nt - 4 * t));
    }
  }
}

/**
 * out[0:L] -= sum_{j<count} (cx_j X[j, 0:L] + cy_j Y[j, 0:L]) for row families X, Y (row stride ld): the low-rank
 * part of the reduced matrix A - V W^T - W V^T applied in a panel step. Two rows of each family per sweep of out.
 */
export function dlowRankSub(L: i32, count: i32, x: usize, y: usize, ld: i32, cx: usize, cy: usize, out: usize): void {
  const rs = <usize>ld << 3;
  let j = 0;
  for (; j + 2 <= count; j += 2) {
    const a0 = f64x2.splat(load<f64>(cx)), a1 = f64x2.splat(load<f64>(cx, 8));
    const b0 = f64x2.splat(load<f64>(cy)), b1 = f64x2.splat(load<f64>(cy, 8));
    const x0 = x, x1 = x + rs, y0 = y, y1 = y + rs;
    let c = 0;
    for (; c + 2 <= L; c += 2) {
      const o = <usize>c << 3;
      const s = madd64(a1, v128.load(x1 + o), madd64(a0, v128.load(x0 + o), f64x2.mul(b0, v128.load(y0 + o))));
      v128.store(out + o, f64x2.sub(v128.load(out + o), madd64(b1, v128.load(y1 + o), s)));
    }
    if (c < L) {
      const o = <usize>c << 3;
      const s = f64x2.extract_lane(a0, 0) * load<f64>(x0 + o) + f64x2.extract_lane(a1, 0) * load<f64>(x1 + o)
        + f64x2.extract_lane(b0, 0) * load<f64>(y0 + o) + f64x2.extract_lane(b1, 0) * load<f64>(y1 + o);
      store<f64>(out + o, load<f64>(out + o) - s);
    }
    x += 2 * rs; y += 2 * rs; cx += 16; cy += 16;
  }
  if (j < count) {
    const a0 = f64x2.splat(load<f64>(cx)), b0 = f64x2.splat(load<f64>(cy));
    let c = 0;
    for (; c + 2 <= L; c += 2) {
      const o = <usize>c << 3;
      v128.store(out + o, f64x2.sub(v128.load(out + o), madd64(a0, v128.load(x + o), f64x2.mul(b0, v128.load(y + o)))));
    }
    if (c < L) {
      const o = <usize>c << 3;
      store<f64>(out + o, load<f64>(out + o) - (f64x2.extract_lane(a0, 0) * load<f64>(x + o) + f64x2.extract_lane(b0, 0) * load<f64>(y + o)));
    }
  }
}

/**
 * out[0:L] -= X^T (Y v) + Y^T (X v) for row families X, Y (count rows each, row stride ld): the panel step's
 * -(V W^T + W V^T) v (LAPACK dlatrd). scratch: 2 count float64s.
 */
export function dlowRankSym(L: i32, count: i32, x: usize, y: usize, ld: i32, v: usize, out: usize, scratch: usize): void {
  if (count <= 0) return;
  const sy = scratch, sx = scratch + (<usize>count << 3);
  dgemvN(count, L, y, ld, v, sy);
  dgemvN(count, L, x, ld, v, sx);
  dlowRankSub(L, count, x, y, ld, sy, sx, out);
}

/**
 * Pack rows r0..r0+nt-1 of the count-row families [X1 X2] (stored as rows of stride ld: X[r, j] at row j, column
 * r0 + r) for dsyr2kUpper: groups of 4 rows, k-major, the last group zero-padded (src/linalg/symmetric.ts packGroups).
 */
export function dpackGroups(x1: usize, x2: usize, ld: i32, count: i32, r0: i32, nt: i32, out: usize): void {
  const kk = 2 * count, rs = <usize>ld << 3, gs = <usize>kk << 5;
  const full = nt >> 2;
  for (let j = 0; j < kk; j++) {
    const src = (j < count ? x1 + <usize>j * rs : x2 + <usize>(j - count) * rs) + (<usize>r0 << 3);
    let dst = out + (<usize>j << 5);
    for (let g = 0; g < full; g++) {
      const s = src + (<usize>g << 5);
      v128.store(dst, v128.load(s));
      v128.store(dst, v128.load(s, 16), 16);
      dst += gs;
    }
    if (full << 2 < nt) {
      const s = src + (<usize>full << 5);
      for (let r = 0; r < 4; r++) store<f64>(dst + (<usize>r << 3), (full << 2) + r < nt ? load<f64>(s + (<usize>r << 3)) : 0.0);
    }
  }
}
