// Elementwise kernels of an MLP layer z_out = act(z_in W^T + b) (src/nn/mlp.ts), float64 and float32:
// the forward bias + activation and the backward activation derivative + bias gradient, on buffers
// that stay in wasm memory across the step. Forward work is split by rows, backward by columns (the
// bias gradient sums each column over the rows in order), and every element goes through the same
// arithmetic whatever the split (row tails: the vector code on splatted scalars, or the same IEEE
// operations on scalars), so results are bit-identical for any thread count. No fused multiply-add
// here: both builds give the same bits.
// act: 0 identity, 1 tanh, 2 relu (relu(v) = v > 0 ? v : 0, so NaN -> 0 as in the TypeScript path).

// tanh(x) = x + x^3 R(x^2) for |x| < 0.4 (R fitted by scripts/tanh-coefficients.py, residual 4e-16);
// elsewhere tanh|x| = 1 - 2 / (exp(2|x|) + 1), exp by exp(r) 2^k with r = y - k ln 2 (Cody-Waite).
const SMALL: f64 = 0.4;
const R0: f64 = -0.3333333333333337, R1: f64 = 0.13333333333341038, R2: f64 = -0.053968253976657866;
const R3: f64 = 0.021869488953363273, R4: f64 = -0.008863246711850918, R5: f64 = 0.003592302861702418;
const R6: f64 = -0.001457465148108172, R7: f64 = 0.0005988213404788043, R8: f64 = -0.0002630747487901097;
const R9: f64 = 0.00011325944614053682;
const INV_LN2: f64 = 1.4426950408889634;
const LN2_HI: f64 = 0.6931471803691238; // ln 2 with 21 trailing zero bits: k * LN2_HI is exact
const LN2_LO: f64 = 1.9082149292705877e-10;
const SIGN64: v128 = i64x2(0x8000000000000000, 0x8000000000000000);

// float32: R fitted with degree 4 (residual 6e-10), |x| clamped at 9.5 (tanh rounds to 1 beyond).
const S0: f32 = -0.3333333327150876, S1: f32 = 0.13333313877102493, S2: f32 = -0.053958422533289765;
const S3: f32 = 0.02169437139062721, S4: f32 = -0.007567410092198915;
const SIGN32: v128 = i32x4(0x80000000, 0x80000000, 0x80000000, 0x80000000);

@inline function sp(x: f64): v128 { return f64x2.splat(x); }
@inline function sp32(x: f32): v128 { return f32x4.splat(x); }

/** a + b x, two float64 lanes (no fused multiply-add: both builds give the same bits). */
@inline function lin64(a: f64, b: f64, x: v128): v128 {
  return f64x2.add(sp(a), f64x2.mul(sp(b), x));
}

/**
 * exp(y) for y in [0, 40], two lanes: Taylor series of exp(r) to degree 13 on |r| <= ln2/2 (error < 4e-18),
 * times 2^k; terms 4..13 by Estrin's scheme (pairs, then r^2, r^4, r^8: a short dependency chain), 0..3 by Horner.
 */
@inline function expPos64(y: v128): v128 {
  const k = f64x2.nearest(f64x2.mul(y, sp(INV_LN2)));
  const r = f64x2.sub(f64x2.sub(y, f64x2.mul(k, sp(LN2_HI))), f64x2.mul(k, sp(LN2_LO)));
  const r2 = f64x2.mul(r, r);
  const r4 = f64x2.mul(r2, r2);
  const r8 = f64x2.mul(r4, r4);
  const p45 = lin64(1.0 / 24.0, 1.0 / 120.0, r), p67 = lin64(1.0 / 720.0, 1.0 / 5040.0, r), p89 = lin64(1.0 / 40320.0, 1.0 / 362880.0, r);
  const p1011 = lin64(1.0 / 3628800.0, 1.0 / 39916800.0, r), p1213 = lin64(1.0 / 479001600.0, 1.0 / 6227020800.0, r);
  const q47 = f64x2.add(p45, f64x2.mul(p67, r2)), q811 = f64x2.add(p89, f64x2.mul(p1011, r2));
  let p = f64x2.add(f64x2.add(q47, f64x2.mul(q811, r4)), f64x2.mul(p1213, r8)); // terms 4..13 / r^4
  p = f64x2.add(f64x2.mul(p, r), sp(1.0 / 6.0)); // the low terms by Horner, last: as accurate as Horner throughout
  p = f64x2.add(f64x2.mul(p, r), sp(0.5));
  p = f64x2.add(f64x2.mul(p, r), sp(1.0));
  p = f64x2.add(f64x2.mul(p, r), sp(1.0));
  const ki = i64x2.extend_low_i32x4_s(i32x4.trunc_sat_f64x2_s_zero(k));
  return f64x2.mul(p, i64x2.shl(i64x2.add(ki, i64x2.splat(1023)), 52)); // 2^k from its exponent bits
}

/**
 * tanh, two float64 lanes: tanh|x| with the sign of x put back (NaN stays NaN, -0 stays -0). Both branches are
 * computed and one selected per lane: no data-dependent jump for the branch predictor to miss.
 */
@inline export function tanh64(x: v128): v128 {
  const ax = f64x2.abs(x);
  const small = f64x2.lt(ax, sp(SMALL));
  const u = f64x2.mul(ax, ax);
  let r = sp(R9);
  r = f64x2.add(f64x2.mul(r, u), sp(R8));
  r = f64x2.add(f64x2.mul(r, u), sp(R7));
  r = f64x2.add(f64x2.mul(r, u), sp(R6));
  r = f64x2.add(f64x2.mul(r, u), sp(R5));
  r = f64x2.add(f64x2.mul(r, u), sp(R4));
  r = f64x2.add(f64x2.mul(r, u), sp(R3));
  r = f64x2.add(f64x2.mul(r, u), sp(R2));
  r = f64x2.add(f64x2.mul(r, u), sp(R1));
  r = f64x2.add(f64x2.mul(r, u), sp(R0));
  const ps = f64x2.add(ax, f64x2.mul(f64x2.mul(ax, u), r));
  const e = expPos64(f64x2.mul(sp(2), f64x2.min(ax, sp(20))));
  const pl = f64x2.sub(sp(1), f64x2.div(sp(2), f64x2.add(e, sp(1))));
  return v128.or(v128.bitselect(ps, pl, small), v128.and(x, SIGN64));
}

/** exp(y) for y in [0, 19], four float32 lanes: Taylor series to degree 7 (error < 6e-9). */
@inline function expPos32(y: v128): v128 {
  const k = f32x4.nearest(f32x4.mul(y, sp32(<f32>INV_LN2)));
  const r = f32x4.sub(f32x4.sub(y, f32x4.mul(k, sp32(<f32>0.693145751953125))), f32x4.mul(k, sp32(<f32>1.428606765330187e-6)));
  let p = sp32(<f32>(1.0 / 5040.0));
  p = f32x4.add(f32x4.mul(p, r), sp32(<f32>(1.0 / 720.0)));
  p = f32x4.add(f32x4.mul(p, r), sp32(<f32>(1.0 / 120.0)));
  p = f32x4.add(f32x4.mul(p, r), sp32(<f32>(1.0 / 24.0)));
  p = f32x4.add(f32x4.mul(p, r), sp32(<f32>(1.0 / 6.0)));
  p = f32x4.add(f32x4.mul(p, r), sp32(0.5));
  p = f32x4.add(f32x4.mul(p, r), sp32(1.0));
  p = f32x4.add(f32x4.mul(p, r), sp32(1.0));
  const ki = i32x4.trunc_sat_f32x4_s(k);
  return f32x4.mul(p, i32x4.shl(i32x4.add(ki, i32x4.splat(127)), 23));
}

/** tanh, four float32 lanes (as tanh64, both branches computed). */
@inline export function tanh32(x: v128): v128 {
  const ax = f32x4.abs(x);
  const small = f32x4.lt(ax, sp32(<f32>SMALL));
  const u = f32x4.mul(ax, ax);
  let r = sp32(S4);
  r = f32x4.add(f32x4.mul(r, u), sp32(S3));
  r = f32x4.add(f32x4.mul(r, u), sp32(S2));
  r = f32x4.add(f32x4.mul(r, u), sp32(S1));
  r = f32x4.add(f32x4.mul(r, u), sp32(S0));
  const ps = f32x4.add(ax, f32x4.mul(f32x4.mul(ax, u), r));
  const e = expPos32(f32x4.mul(sp32(2), f32x4.min(ax, sp32(<f32>9.5))));
  const pl = f32x4.sub(sp32(1), f32x4.div(sp32(2), f32x4.add(e, sp32(1))));
  return v128.or(v128.bitselect(ps, pl, small), v128.and(x, SIGN32));
}

@inline function act64(act: i32, v: v128): v128 {
  if (act === 1) return tanh64(v);
  if (act === 2) return v128.bitselect(v, f64x2.splat(0), f64x2.gt(v, f64x2.splat(0)));
  return v;
}
@inline function act32(act: i32, v: v128): v128 {
  if (act === 1) return tanh32(v);
  if (act === 2) return v128.bitselect(v, f32x4.splat(0), f32x4.gt(v, f32x4.splat(0)));
  return v;
}

/** x[r, :] += b, out[r, :] = act(x[r, :]) for rows [r0, r1) of an n x d float64 matrix (b = 0: no bias; out may be x). */
export function biasAct64(act: i32, r0: i32, r1: i32, d: i32, x: usize, b: usize, out: usize): void {
  for (let r = r0; r < r1; r++) {
    const row = <usize>r * <usize>d << 3;
    let j = 0;
    for (; j + 2 <= d; j += 2) {
      const o = <usize>j << 3;
      let v = v128.load(x + row + o);
      if (b) { v = f64x2.add(v, v128.load(b + o)); v128.store(x + row + o, v); }
      v128.store(out + row + o, act64(act, v));
    }
    if (j < d) {
      const o = <usize>j << 3;
      let v = f64x2.splat(load<f64>(x + row + o));
      if (b) { v = f64x2.add(v, f64x2.splat(load<f64>(b + o))); store<f64>(x + row + o, f64x2.extract_lane(v, 0)); }
      store<f64>(out + row + o, f64x2.extract_lane(act64(act, v), 0));
    }
  }
}

/** float32 version of biasAct64 (b: float32). */
export function biasAct32(act: i32, r0: i32, r1: i32, d: i32, x: usize, b: usize, out: usize): void {
  for (let r = r0; r < r1; r++) {
    const row = <usize>r * <usize>d << 2;
    let j = 0;
    for (; j + 4 <= d; j += 4) {
      const o = <usize>j << 2;
      let v = v128.load(x + row + o);
      if (b) { v = f32x4.add(v, v128.load(b + o)); v128.store(x + row + o, v); }
      v128.store(out + row + o, act32(act, v));
    }
    for (; j < d; j++) {
      const o = <usize>j << 2;
      let v = f32x4.splat(load<f32>(x + row + o));
      if (b) { v = f32x4.add(v, f32x4.splat(load<f32>(b + o))); store<f32>(x + row + o, f32x4.extract_lane(v, 0)); }
      store<f32>(out + row + o, f32x4.extract_lane(act32(act, v), 0));
    }
  }
}

/**
 * delta *= act'(pre) (tanh' = 1 - out^2, relu' = [pre > 0]), two float64 lanes at byte offset o: each activation
 * reads only the array its derivative needs (tanh the output, relu the pre-activation).
 */
@inline function grad64(act: i32, dz: v128, pre: usize, out: usize, o: usize): v128 {
  if (act === 1) { const t = v128.load(out + o); return f64x2.mul(dz, f64x2.sub(f64x2.splat(1), f64x2.mul(t, t))); }
  if (act === 2) return v128.bitselect(dz, f64x2.splat(0), f64x2.gt(v128.load(pre + o), f64x2.splat(0)));
  return dz;
}
@inline function grad32(act: i32, dz: v128, pre: usize, out: usize, o: usize): v128 {
  if (act === 1) { const t = v128.load(out + o); return f32x4.mul(dz, f32x4.sub(f32x4.splat(1), f32x4.mul(t, t))); }
  if (act === 2) return v128.bitselect(dz, f32x4.splat(0), f32x4.gt(v128.load(pre + o), f32x4.splat(0)));
  return dz;
}
// The same on one element (row tails): the same IEEE operations as a lane, so the same bits.
@inline function grad64s(act: i32, dz: f64, pre: usize, out: usize, o: usize): f64 {
  if (act === 1) { const t = load<f64>(out + o); return dz * (1 - t * t); }
  if (act === 2) return load<f64>(pre + o) > 0 ? dz : 0;
  return dz;
}
@inline function grad32s(act: i32, dz: f32, pre: usize, out: usize, o: usize): f32 {
  if (act === 1) { const t = load<f32>(out + o); return dz * (<f32>1 - t * t); }
  if (act === 2) return load<f32>(pre + o) > 0 ? dz : <f32>0;
  return dz;
}

/**
 * Columns [c0, c1) of n x d float64 matrices: delta *= act'(pre, out), and when gb != 0,
 * gb[j] = sum_i delta[i, j] (rows in order; gb holds float64 at the column's index).
 */
export function actGrad64(act: i32, c0: i32, c1: i32, n: i32, d: i32, pre: usize, out: usize, delta: usize, gb: usize): void {
  if (gb) for (let j = c0; j < c1; j++) store<f64>(gb + (<usize>j << 3), 0);
  for (let i = 0; i < n; i++) {
    const row = <usize>i * <usize>d << 3;
    let j = c0;
    for (; j + 2 <= c1; j += 2) {
      const o = row + (<usize>j << 3);
      const dz = grad64(act, v128.load(delta + o), pre, out, o);
      v128.store(delta + o, dz);
      if (gb) { const g = gb + (<usize>j << 3); v128.store(g, f64x2.add(v128.load(g), dz)); }
    }
    if (j < c1) {
      const o = row + (<usize>j << 3);
      const dz = grad64s(act, load<f64>(delta + o), pre, out, o);
      store<f64>(delta + o, dz);
      if (gb) { const g = gb + (<usize>j << 3); store<f64>(g, load<f64>(g) + dz); }
    }
  }
}

/** float32 version of actGrad64; the bias gradient gb is accumulated in float64. */
export function actGrad32(act: i32, c0: i32, c1: i32, n: i32, d: i32, pre: usize, out: usize, delta: usize, gb: usize): void {
  if (gb) for (let j = c0; j < c1; j++) store<f64>(gb + (<usize>j << 3), 0);
  for (let i = 0; i < n; i++) {
    const row = <usize>i * <usize>d << 2;
    let j = c0;
    for (; j + 4 <= c1; j += 4) {
      const o = row + (<usize>j << 2);
      const dz = grad32(act, v128.load(delta + o), pre, out, o);
      v128.store(delta + o, dz);
      if (gb) {
        const g = gb + (<usize>j << 3);
        v128.store(g, f64x2.add(v128.load(g), f64x2.promote_low_f32x4(dz)));
        v128.store(g, f64x2.add(v128.load(g, 16), f64x2.promote_low_f32x4(i64x2.shuffle(dz, dz, 1, 0))), 16);
      }
    }
    for (; j < c1; j++) {
      const o = row + (<usize>j << 2);
      const dz = grad32s(act, load<f32>(delta + o), pre, out, o);
      store<f32>(delta + o, dz);
      if (gb) { const g = gb + (<usize>j << 3); store<f64>(g, load<f64>(g) + <f64>dz); }
    }
  }
}

/**
 * SGD with momentum (PyTorch's rule) on float32 elements [i0, i1) with weight decay lam2 = 2 lambda:
 * g' = g + lam2 p; v = first ? g' : mu v + g'; p -= lr (nesterov ? g' + mu v : v).
 */
export function sgdStep32(i0: i32, i1: i32, p: usize, g: usize, v: usize, lr: f32, mu: f32, lam2: f32, first: i32, nesterov: i32): void {
  const LR = f32x4.splat(lr), MU = f32x4.splat(mu), LAM = f32x4.splat(lam2);
  let i = i0;
  for (; i + 4 <= i1; i += 4) {
    const o = <usize>i << 2;
    const pi = v128.load(p + o);
    let gi = v128.load(g + o);
    if (lam2 != 0) gi = f32x4.add(gi, f32x4.mul(LAM, pi));
    const vi = first ? gi : f32x4.add(f32x4.mul(MU, v128.load(v + o)), gi);
    v128.store(v + o, vi);
    v128.store(p + o, f32x4.sub(pi, f32x4.mul(LR, nesterov ? f32x4.add(gi, f32x4.mul(MU, vi)) : vi)));
  }
  for (; i < i1; i++) {
    const o = <usize>i << 2;
    const pi = load<f32>(p + o);
    let gi = load<f32>(g + o);
    if (lam2 != 0) gi = gi + lam2 * pi;
    const vi = first ? gi : mu * load<f32>(v + o) + gi;
    store<f32>(v + o, vi);
    store<f32>(p + o, pi - lr * (nesterov ? gi + mu * vi : vi));
  }
}

/** 1 when every float32 in [0, n) is finite, else 0. */
export function allFinite32(n: i32, x: usize): i32 {
  let bad = i32x4.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const y = f32x4.mul(v128.load(x + (<usize>i << 2)), f32x4.splat(0)); // NaN exactly for NaN and +-Inf
    bad = v128.or(bad, f32x4.ne(y, y));
  }
  if (v128.any_true(bad)) return 0;
  for (; i < n; i++) { const y = load<f32>(x + (<usize>i << 2)) * 0; if (y != y) return 0; }
  return 1;
}

/**
 * Rows [r0, r1) of the squared loss on n x c matrices, float64 output: r = out - y, sums[i] = sum_j r^2 (columns in
 * order, as the TypeScript loop), delta = (2 w[i]) r when delta != 0. y and w (per-row weights) are float64.
 */
export function squaredLoss64(r0: i32, r1: i32, c: i32, out: usize, y: usize, w: usize, delta: usize, sums: usize): void {
  for (let i = r0; i < r1; i++) {
    const row = <usize>i * <usize>c << 3;
    const w2 = 2 * load<f64>(w + (<usize>i << 3));
    const W2 = f64x2.splat(w2);
    let s: f64 = 0;
    let j = 0;
    for (; j + 2 <= c; j += 2) {
      const o = row + (<usize>j << 3);
      const r = f64x2.sub(v128.load(out + o), v128.load(y + o));
      const rr = f64x2.mul(r, r);
      s += f64x2.extract_lane(rr, 0);
      s += f64x2.extract_lane(rr, 1);
      if (delta) v128.store(delta + o, f64x2.mul(W2, r));
    }
    if (j < c) {
      const o = row + (<usize>j << 3);
      const r = load<f64>(out + o) - load<f64>(y + o);
      s += r * r;
      if (delta) store<f64>(delta + o, w2 * r);
    }
    store<f64>(sums + (<usize>i << 3), s);
  }
}

/** squaredLoss64 with a float32 output and delta: r = out - y in float64 (out widened exactly), delta rounded to float32. */
export function squaredLoss32(r0: i32, r1: i32, c: i32, out: usize, y: usize, w: usize, delta: usize, sums: usize): void {
  for (let i = r0; i < r1; i++) {
    const row = <usize>i * <usize>c;
    const w2 = 2 * load<f64>(w + (<usize>i << 3));
    const W2 = f64x2.splat(w2);
    let s: f64 = 0;
    let j = 0;
    for (; j + 4 <= c; j += 4) {
      const o4 = (row + <usize>j) << 2,
        o8 = (row + <usize>j) << 3;
      const v = v128.load(out + o4);
      const ra = f64x2.sub(f64x2.promote_low_f32x4(v), v128.load(y + o8));
      const rb = f64x2.sub(f64x2.promote_low_f32x4(i64x2.shuffle(v, v, 1, 0)), v128.load(y + o8, 16));
      const qa = f64x2.mul(ra, ra),
        qb = f64x2.mul(rb, rb);
      s += f64x2.extract_lane(qa, 0);
      s += f64x2.extract_lane(qa, 1);
      s += f64x2.extract_lane(qb, 0);
      s += f64x2.extract_lane(qb, 1);
      if (delta) {
        const da = f32x4.demote_f64x2_zero(f64x2.mul(W2, ra)),
          db = f32x4.demote_f64x2_zero(f64x2.mul(W2, rb));
        v128.store(delta + o4, i64x2.shuffle(da, db, 0, 2));
      }
    }
    for (; j < c; j++) {
      const r = <f64>load<f32>(out + ((row + <usize>j) << 2)) - load<f64>(y + ((row + <usize>j) << 3));
      s += r * r;
      if (delta) store<f32>(delta + ((row + <usize>j) << 2), <f32>(w2 * r));
    }
    store<f64>(sums + (<usize>i << 3), s);
  }
}
