// Level-2 kernels of the SVD (src/linalg/svd.ts), compiled into the GEMM module: the two
// matrix-vector products of each Golub-Kahan bidiagonalisation step (LAPACK dlabrd's y = A^T v
// and x = A u over the trailing matrix, which stays in wasm memory for the whole reduction) and
// the application of the recorded plane rotations of the bidiagonal QR iteration.
// Pointers are byte offsets into the shared memory; nothing is allocated here.
import { madd64 } from './simd';

/** y[0:w] += sum_{r<h} v[r] A[r, 0:w], A row-major with leading dimension lda: y += A^T v. */
export function dgemvT(h: i32, w: i32, a: usize, lda: i32, v: usize, y: usize): void {
  const rs = <usize>lda << 3;
  let r = 0;
  for (; r + 4 <= h; r += 4) {
    const s0 = load<f64>(v), s1 = load<f64>(v, 8), s2 = load<f64>(v, 16), s3 = load<f64>(v, 24);
    const v0 = f64x2.splat(s0), v1 = f64x2.splat(s1), v2 = f64x2.splat(s2), v3 = f64x2.splat(s3);
    const a0 = a, a1 = a0 + rs, a2 = a1 + rs, a3 = a2 + rs;
    let c = 0;
    for (; c + 2 <= w; c += 2) {
      const o = <usize>c << 3;
      let acc = v128.load(y + o);
      acc = madd64(v0, v128.load(a0 + o), acc);
      acc = madd64(v1, v128.load(a1 + o), acc);
      acc = madd64(v2, v128.load(a2 + o), acc);
      acc = madd64(v3, v128.load(a3 + o), acc);
      v128.store(y + o, acc);
    }
    if (c < w) {
      const o = <usize>c << 3;
      store<f64>(y + o, load<f64>(y + o) + s0 * load<f64>(a0 + o) + s1 * load<f64>(a1 + o) + s2 * load<f64>(a2 + o) + s3 * load<f64>(a3 + o));
    }
    a += 4 * rs; v += 32;
  }
  for (; r < h; r++) {
    const s = load<f64>(v), sv = f64x2.splat(s);
    let c = 0;
    for (; c + 2 <= w; c += 2) {
      const o = <usize>c << 3;
      v128.store(y + o, madd64(sv, v128.load(a + o), v128.load(y + o)));
    }
    if (c < w) { const o = <usize>c << 3; store<f64>(y + o, load<f64>(y + o) + s * load<f64>(a + o)); }
    a += rs; v += 8;
  }
}

@inline function hsum(x: v128): f64 {
  return f64x2.extract_lane(x, 0) + f64x2.extract_lane(x, 1);
}

/** Dot product of a row of length w with u (scalar tail of dgemvN). */
function rowDot(w: i32, a: usize, u: usize): f64 {
  let acc0 = f64x2.splat(0.0), acc1 = f64x2.splat(0.0);
  let c = 0;
  for (; c + 4 <= w; c += 4) {
    const o = <usize>c << 3;
    acc0 = madd64(v128.load(a + o), v128.load(u + o), acc0);
    acc1 = madd64(v128.load(a + o, 16), v128.load(u + o, 16), acc1);
  }
  let s = hsum(f64x2.add(acc0, acc1));
  for (; c < w; c++) s += load<f64>(a + (<usize>c << 3)) * load<f64>(u + (<usize>c << 3));
  return s;
}

/** x[r] = A[r, 0:w] . u for r < h, A row-major with leading dimension lda: x = A u. */
export function dgemvN(h: i32, w: i32, a: usize, lda: i32, u: usize, x: usize): void {
  const rs = <usize>lda << 3;
  const w4 = w & ~3;
  let r = 0;
  for (; r + 4 <= h; r += 4) {
    const a0 = a, a1 = a0 + rs, a2 = a1 + rs, a3 = a2 + rs;
    let p0 = f64x2.splat(0.0), p1 = f64x2.splat(0.0), p2 = f64x2.splat(0.0), p3 = f64x2.splat(0.0);
    let q0 = f64x2.splat(0.0), q1 = f64x2.splat(0.0), q2 = f64x2.splat(0.0), q3 = f64x2.splat(0.0);
    for (let c = 0; c < w4; c += 4) {
      const o = <usize>c << 3;
      const ul = v128.load(u + o), uh = v128.load(u + o, 16);
      p0 = madd64(v128.load(a0 + o), ul, p0); q0 = madd64(v128.load(a0 + o, 16), uh, q0);
      p1 = madd64(v128.load(a1 + o), ul, p1); q1 = madd64(v128.load(a1 + o, 16), uh, q1);
      p2 = madd64(v128.load(a2 + o), ul, p2); q2 = madd64(v128.load(a2 + o, 16), uh, q2);
      p3 = madd64(v128.load(a3 + o), ul, p3); q3 = madd64(v128.load(a3 + o, 16), uh, q3);
    }
    let s0 = hsum(f64x2.add(p0, q0)), s1 = hsum(f64x2.add(p1, q1));
    let s2 = hsum(f64x2.add(p2, q2)), s3 = hsum(f64x2.add(p3, q3));
    for (let c = w4; c < w; c++) {
      const o = <usize>c << 3, uc = load<f64>(u + o);
      s0 += load<f64>(a0 + o) * uc; s1 += load<f64>(a1 + o) * uc;
      s2 += load<f64>(a2 + o) * uc; s3 += load<f64>(a3 + o) * uc;
    }
    store<f64>(x, s0); store<f64>(x, s1, 8); store<f64>(x, s2, 16); store<f64>(x, s3, 24);
    a += 4 * rs; x += 32;
  }
  for (; r < h; r++) {
    store<f64>(x, rowDot(w, a, u));
    a += rs; x += 8;
  }
}

// ---- plane rotations ----
// The log (written by src/linalg/rotations.ts): op records of 5 i32 [kind, a, b, cs, js]; the
// (c, s) pairs are interleaved float64s and `cs` counts pairs.
// kind 0, chain: rotations i = a..b-1 on rows (i, i+1), using pairs cs + (i - a).
// kind 1, fan: rows js[t] (i32 index js + t, t < b) each rotated against row a, using pairs cs + t.
// Z is stored transposed (row i of zt = column i of Z), so each rotation combines two contiguous
// row segments; columns [c0, c1) of zt are independent, which is how threads split the work.

/**
 * Columns [c, c + 8) of zt through every op, the carried row in four registers. Chains and fans are written out
 * separately because the carried row is a different one in each; a shared in-memory pair rotation measured 1.7x
 * slower (n = 1000: 624 vs 369 ms).
 */
function rotBlock8(zt: usize, rs: usize, ops: usize, nops: i32, cs: usize, js: usize): void {
  for (let k = 0; k < nops; k++) {
    const op = ops + (<usize>k * 20);
    const kind = load<i32>(op), a = load<i32>(op, 4), b = load<i32>(op, 8);
    let pc = cs + (<usize>load<i32>(op, 12) << 4);
    let p = zt + <usize>a * rs;
    let x0 = v128.load(p), x1 = v128.load(p, 16), x2 = v128.load(p, 32), x3 = v128.load(p, 48);
    if (kind == 0) {
      // (z_i, z_{i+1}) := (c z_i + s z_{i+1}, c z_{i+1} - s z_i), i = a..b-1
      for (let i = a; i < b; i++) {
        const cv = v128.load64_splat(pc), s = load<f64>(pc, 8);
        const sv = f64x2.splat(s), nsv = f64x2.splat(-s);
        const q = p + rs;
        const y0 = v128.load(q), y1 = v128.load(q, 16), y2 = v128.load(q, 32), y3 = v128.load(q, 48);
        v128.store(p, madd64(cv, x0, f64x2.mul(sv, y0)));
        v128.store(p, madd64(cv, x1, f64x2.mul(sv, y1)), 16);
        v128.store(p, madd64(cv, x2, f64x2.mul(sv, y2)), 32);
        v128.store(p, madd64(cv, x3, f64x2.mul(sv, y3)), 48);
        x0 = madd64(cv, y0, f64x2.mul(nsv, x0));
        x1 = madd64(cv, y1, f64x2.mul(nsv, x1));
        x2 = madd64(cv, y2, f64x2.mul(nsv, x2));
        x3 = madd64(cv, y3, f64x2.mul(nsv, x3));
        p = q; pc += 16;
      }
    } else {
      // z_j := c z_j + s z_f, z_f := c z_f - s z_j for j = js[t], t = 0..b-1 (f = a, carried in x)
      let pj = js + (<usize>load<i32>(op, 16) << 2);
      for (let t = 0; t < b; t++) {
        const cv = v128.load64_splat(pc), s = load<f64>(pc, 8);
        const sv = f64x2.splat(s), nsv = f64x2.splat(-s);
        const q = zt + <usize>load<i32>(pj) * rs;
        const y0 = v128.load(q), y1 = v128.load(q, 16), y2 = v128.load(q, 32), y3 = v128.load(q, 48);
        v128.store(q, madd64(cv, y0, f64x2.mul(sv, x0)));
        v128.store(q, madd64(cv, y1, f64x2.mul(sv, x1)), 16);
        v128.store(q, madd64(cv, y2, f64x2.mul(sv, x2)), 32);
        v128.store(q, madd64(cv, y3, f64x2.mul(sv, x3)), 48);
        x0 = madd64(cv, x0, f64x2.mul(nsv, y0));
        x1 = madd64(cv, x1, f64x2.mul(nsv, y1));
        x2 = madd64(cv, x2, f64x2.mul(nsv, y2));
        x3 = madd64(cv, x3, f64x2.mul(nsv, y3));
        pc += 16; pj += 4;
      }
    }
    v128.store(p, x0); v128.store(p, x1, 16); v128.store(p, x2, 32); v128.store(p, x3, 48);
  }
}

/** One column of zt through every op (the tail after the 8-wide blocks). */
function rotColumn(zt: usize, rs: usize, ops: usize, nops: i32, cs: usize, js: usize): void {
  for (let k = 0; k < nops; k++) {
    const op = ops + (<usize>k * 20);
    const kind = load<i32>(op), a = load<i32>(op, 4), b = load<i32>(op, 8);
    let pc = cs + (<usize>load<i32>(op, 12) << 4);
    let p = zt + <usize>a * rs;
    let x = load<f64>(p);
    if (kind == 0) {
      for (let i = a; i < b; i++) {
        const c = load<f64>(pc), s = load<f64>(pc, 8);
        const q = p + rs, y = load<f64>(q);
        store<f64>(p, c * x + s * y);
        x = c * y - s * x;
        p = q; pc += 16;
      }
    } else {
      let pj = js + (<usize>load<i32>(op, 16) << 2);
      for (let t = 0; t < b; t++) {
        const c = load<f64>(pc), s = load<f64>(pc, 8);
        const q = zt + <usize>load<i32>(pj) * rs, y = load<f64>(q);
        store<f64>(q, c * y + s * x);
        x = c * x - s * y;
        pc += 16; pj += 4;
      }
    }
    store<f64>(p, x);
  }
}

/**
 * Apply the logged rotations, in order, to columns [c0, c1) of zt (ld columns per row):
 * blocks of 8 columns (one cache line per row, so a block of all rows stays in L1), then singles.
 */
export function rotationsApply(zt: usize, ld: i32, ops: usize, nops: i32, cs: usize, js: usize, c0: i32, c1: i32): void {
  const rs = <usize>ld << 3;
  let c = c0;
  for (; c + 8 <= c1; c += 8) rotBlock8(zt + (<usize>c << 3), rs, ops, nops, cs, js);
  for (; c < c1; c++) rotColumn(zt + (<usize>c << 3), rs, ops, nops, cs, js);
}
