// The secular-equation root finder of the tridiagonal divide and conquer (src/linalg/secular.ts secularRoots, with
// the pole differences of src/linalg/stedc.ts: D_j - D_p formed as one subtraction), the sums over the poles two
// terms per SIMD division (so rounding differs from the TypeScript's). Roots are independent: threads split them
// by index range, with the same bits for any split.
// Pointers are byte offsets into the shared memory; dl is K float64s of scratch per thread.

const EPS: f64 = 2.220446049250313e-16;

@inline function delta(K: i32, pk: usize, p: i32, dl: usize): void {
  const pp = load<f64>(pk + (<usize>p << 3));
  for (let j = 0; j < K; j++) store<f64>(dl + (<usize>j << 3), load<f64>(pk + (<usize>j << 3)) - pp);
}

/** (sum_j w_j r_j, sum_j w_j r_j^2) over j in [j0, j1), r_j = 1 / (dl_j - x): two terms per f64x2 division. */
function sums(j0: i32, j1: i32, dl: usize, w: usize, x: f64): v128 {
  const xv = f64x2.splat(x), one = f64x2.splat(1.0);
  let s = f64x2.splat(0.0), d = f64x2.splat(0.0);
  let j = j0;
  for (; j + 2 <= j1; j += 2) {
    const o = <usize>j << 3;
    const r = f64x2.div(one, f64x2.sub(v128.load(dl + o), xv));
    const v = f64x2.mul(v128.load(w + o), r);
    s = f64x2.add(s, v);
    d = f64x2.add(d, f64x2.mul(v, r));
  }
  let ss = f64x2.extract_lane(s, 0) + f64x2.extract_lane(s, 1), dd = f64x2.extract_lane(d, 0) + f64x2.extract_lane(d, 1);
  if (j < j1) {
    const o = <usize>j << 3;
    const r = 1 / (load<f64>(dl + o) - x), v = load<f64>(w + o) * r;
    ss += v;
    dd += v * r;
  }
  return f64x2.replace_lane(f64x2.splat(ss), 1, dd);
}

/** The step of the two-pole model at x (NaN: none inside (a, b)); see secularRoots in src/linalg/secular.ts. */
function modelStep(last: bool, a: f64, b: f64, f: f64, psi: f64, dpsi: f64, phi: f64, dphi: f64): f64 {
  if (last) {
    const C = 1 + psi - dpsi * a,
      q = dpsi * a * a;
    return C > 0 ? a + q / C : NaN;
  }
  const q = dpsi * a * a,
    s = dphi * b * b;
  const C = 1 + (psi - dpsi * a) + (phi - dphi * b);
  const Bq = C * (a + b) + q + s,
    Cc = a * b * f;
  if (C == 0) return Cc / Bq;
  const disc = Bq * Bq - 4 * C * Cc;
  if (!(disc >= 0)) return NaN;
  const tq = Bq + (Bq >= 0 ? 1.0 : -1.0) * Math.sqrt(disc);
  const r1 = tq / (2 * C),
    r2 = (2 * Cc) / tq;
  const in1 = r1 > a && r1 < b,
    in2 = r2 > a && r2 < b;
  return in2 ? r2 : in1 ? r1 : NaN;
}

/** Root i: pole index into piv[i], offset into mu[i]. */
function root(K: i32, pk: usize, w: usize, zn2: f64, dl: usize, i: i32, piv: usize, mu: usize): void {
  let p: i32, lo: f64, hi: f64, x: f64;
  const last = i == K - 1;
  if (!last) {
    delta(K, pk, i, dl);
    const mid = 0.5 * load<f64>(dl + (<usize>(i + 1) << 3));
    let f: f64 = 1;
    for (let j = 0; j < K; j++) f += load<f64>(w + (<usize>j << 3)) / (load<f64>(dl + (<usize>j << 3)) - mid);
    if (f > 0) {
      p = i; lo = 0; hi = mid; x = mid;
    } else {
      p = i + 1;
      delta(K, pk, p, dl);
      lo = 0.5 * load<f64>(dl + (<usize>i << 3)); hi = 0; x = lo;
    }
  } else {
    p = i;
    delta(K, pk, p, dl);
    lo = 0; hi = zn2; x = zn2;
  }
  for (let iter = 0; iter < 200; iter++) {
    const lower = sums(0, i + 1, dl, w, x), upper = sums(i + 1, K, dl, w, x);
    const psi = f64x2.extract_lane(lower, 0), dpsi = f64x2.extract_lane(lower, 1);
    const phi = f64x2.extract_lane(upper, 0), dphi = f64x2.extract_lane(upper, 1);
    const f = 1 + psi + phi;
    if (f == 0) break;
    if (f < 0) lo = x;
    else hi = x;
    const err = EPS * (8 * (phi - psi + 1) + Math.abs(x) * (dpsi + dphi));
    if (Math.abs(f) <= err) break;
    if (!(hi - lo > 2 * EPS * Math.max(Math.abs(lo), Math.abs(hi)))) break;
    const a = load<f64>(dl + (<usize>i << 3)) - x;
    const b = last ? 0 : load<f64>(dl + (<usize>(i + 1) << 3)) - x;
    const eta = modelStep(last, a, b, f, psi, dpsi, phi, dphi);
    let next = x + eta;
    if (!(next > lo && next < hi)) next = 0.5 * (lo + hi);
    if (next == x) break;
    x = next;
  }
  store<i32>(piv + (<usize>i << 2), p);
  store<f64>(mu + (<usize>i << 3), x);
}

/** Roots i0..i1-1 of 1 + sum_j w_j / (pk_j - x) = 0 (K >= 2, pk ascending, zn2 = sum w). */
export function secularRootsRange(K: i32, pk: usize, w: usize, zn2: f64, dl: usize, i0: i32, i1: i32, piv: usize, mu: usize): void {
  for (let i = i0; i < i1; i++) root(K, pk, w, zn2, dl, i, piv, mu);
}
