// Bidiagonal SVD by the implicit-shift QR iteration (Golub & Van Loan, Alg. 8.6.1/8.6.2; DESIGN.md, "src/linalg/"):
// the values-only solver, the leaf solver of the divide and conquer (bdsdc.ts), and the vectors path for small n.
// Backward stable: singular values carry absolute errors of order eps * ||B||. The rotations are logged and
// applied to the factors at the end (rotations.ts).
import { RotationLog } from './rotations.ts';

/** Plane rotation [c s; -s c] with c f + s g = r and -s f + c g = 0. */
function rot(f: number, g: number, out: Float64Array): void {
  if (g === 0) {
    out[0] = 1;
    out[1] = 0;
    out[2] = f;
    return;
  }
  if (f === 0) {
    out[0] = 0;
    out[1] = 1;
    out[2] = g;
    return;
  }
  // sqrt(f^2 + g^2) directly when it cannot over- or underflow (Math.hypot is several times slower).
  const t = f * f + g * g;
  const r = t > 1e-290 && t < 1e290 ? Math.sqrt(t) : Math.hypot(f, g);
  out[0] = f / r;
  out[1] = g / r;
  out[2] = r;
}

/** Scale d and e by 1 / max |entry| (returned; 0 or non-finite when there is nothing to do, and nothing is scaled). */
function scaleToUnit(d: Float64Array, e: Float64Array): number {
  const n = d.length;
  let bmax = 0;
  for (let i = 0; i < n; i++) bmax = Math.max(bmax, Math.abs(d[i]));
  for (let i = 0; i < n - 1; i++) bmax = Math.max(bmax, Math.abs(e[i]));
  if (bmax === 0 || !Number.isFinite(bmax)) return bmax;
  for (let i = 0; i < n; i++) d[i] /= bmax;
  for (let i = 0; i < n - 1; i++) e[i] /= bmax;
  return bmax;
}

/**
 * d[zi] = 0 in the block lo..hi: a chase of rotations zeroes the off-diagonal entry next to it, which splits the block.
 * Left rotations of rows (j, zi) when zi < hi; right rotations of columns (j, hi) when zi = hi.
 */
function chaseZeroDiagonal(
  d: Float64Array,
  e: Float64Array,
  zi: number,
  lo: number,
  hi: number,
  g3: Float64Array,
  logU?: RotationLog,
  logV?: RotationLog,
): void {
  d[zi] = 0;
  const js: number[] = [],
    cs: number[] = [],
    ss: number[] = [];
  if (zi < hi) {
    // Left rotations of rows (j, zi), j = zi+1..hi, push e[zi] off the end of row zi.
    let f = e[zi];
    e[zi] = 0;
    for (let j = zi + 1; j <= hi; j++) {
      rot(d[j], f, g3);
      const c = g3[0],
        s = g3[1];
      d[j] = g3[2];
      if (j < hi) {
        f = -s * e[j];
        e[j] = c * e[j];
      }
      js.push(j);
      cs.push(c);
      ss.push(s);
    }
    if (logU) logU.fan(zi, js, cs, ss);
  } else {
    // Right rotations of columns (j, hi), j = hi-1..lo, push e[hi-1] up and out of column hi.
    let f = e[hi - 1];
    e[hi - 1] = 0;
    for (let j = hi - 1; j >= lo; j--) {
      rot(d[j], f, g3);
      const c = g3[0],
        s = g3[1];
      d[j] = g3[2];
      if (j > lo) {
        f = -s * e[j - 1];
        e[j - 1] = c * e[j - 1];
      }
      js.push(j);
      cs.push(c);
      ss.push(s);
    }
    if (logV) logV.fan(hi, js, cs, ss);
  }
}

/** Wilkinson shift: the eigenvalue of the trailing 2x2 of B^T B (block lo..hi) closest to its last entry. */
function wilkinsonShift(d: Float64Array, e: Float64Array, lo: number, hi: number): number {
  const dm1 = d[hi - 1],
    em1 = e[hi - 1],
    dh = d[hi];
  const em2 = hi - 2 >= lo ? e[hi - 2] : 0;
  const t11 = dm1 * dm1 + em2 * em2,
    t12 = dm1 * em1,
    t22 = dh * dh + em1 * em1;
  if (t12 === 0) return t22;
  const delta = 0.5 * (t11 - t22);
  const den = delta + (delta >= 0 ? 1 : -1) * Math.hypot(delta, t12);
  return t22 - (t12 * t12) / den;
}

/** One implicit-shift QR sweep over the block lo..hi with shift mu; the right (cr, sr) and left (cl, sl) rotations are kept. */
function qrSweep(
  d: Float64Array,
  e: Float64Array,
  lo: number,
  hi: number,
  mu: number,
  g3: Float64Array,
  rotations: { cr: Float64Array; sr: Float64Array; cl: Float64Array; sl: Float64Array },
): void {
  const { cr, sr, cl, sl } = rotations;
  let f = d[lo] * d[lo] - mu;
  let g = d[lo] * e[lo];
  for (let i = lo; i < hi; i++) {
    rot(f, g, g3);
    let c = g3[0],
      s = g3[1];
    if (i > lo) e[i - 1] = g3[2];
    f = c * d[i] + s * e[i];
    e[i] = c * e[i] - s * d[i];
    g = s * d[i + 1];
    d[i + 1] = c * d[i + 1];
    cr[i] = c;
    sr[i] = s;
    rot(f, g, g3);
    c = g3[0];
    s = g3[1];
    d[i] = g3[2];
    f = c * e[i] + s * d[i + 1];
    d[i + 1] = c * d[i + 1] - s * e[i];
    if (i < hi - 1) {
      g = s * e[i + 1];
      e[i + 1] = c * e[i + 1];
    }
    cl[i] = c;
    sl[i] = s;
  }
  e[hi - 1] = f;
}

/**
 * Bidiagonal SVD in place: d becomes the singular values (unsorted, signed), B = Ub diag(d) Vb^T.
 * Ub and Vb (n x n, row-major) accumulate the rotations when given.
 */
export function bidiagonalQR(d: Float64Array, e: Float64Array, Ub?: Float64Array, Vb?: Float64Array): void {
  const n = d.length;
  if (n <= 1) return;
  const bmax = scaleToUnit(d, e);
  if (bmax === 0 || !Number.isFinite(bmax)) return;
  const eps = Number.EPSILON;
  const dtol = eps; // ||B|| is about 1 after scaling
  const rotations = { cr: new Float64Array(n), sr: new Float64Array(n), cl: new Float64Array(n), sl: new Float64Array(n) };
  const g3 = new Float64Array(3);
  const logU = Ub ? new RotationLog() : undefined,
    logV = Vb ? new RotationLog() : undefined;
  const maxIter = 40 * n * n + 100;
  let iter = 0;
  let hi = n - 1;
  while (hi > 0) {
    if (Math.abs(e[hi - 1]) <= eps * (Math.abs(d[hi - 1]) + Math.abs(d[hi])) || Math.abs(e[hi - 1]) <= 1e-300) {
      e[hi - 1] = 0;
      hi--;
      continue;
    }
    let lo = hi - 1;
    while (lo > 0) {
      const t = Math.abs(e[lo - 1]);
      if (t <= eps * (Math.abs(d[lo - 1]) + Math.abs(d[lo])) || t <= 1e-300) {
        e[lo - 1] = 0;
        break;
      }
      lo--;
    }
    if (++iter > maxIter) throw new Error('svd: bidiagonal QR iteration did not converge');
    // A (numerically) zero diagonal entry splits the block after a chase of rotations.
    let zi = -1;
    for (let i = lo; i <= hi; i++)
      if (Math.abs(d[i]) <= dtol) {
        zi = i;
        break;
      }
    if (zi >= 0) {
      chaseZeroDiagonal(d, e, zi, lo, hi, g3, logU, logV);
      continue;
    }
    qrSweep(d, e, lo, hi, wilkinsonShift(d, e, lo, hi), g3, rotations);
    if (logV) logV.chain(lo, hi, rotations.cr, rotations.sr);
    if (logU) logU.chain(lo, hi, rotations.cl, rotations.sl);
  }
  if (Ub) logU!.apply(Ub, n, n);
  if (Vb) logV!.apply(Vb, n, n);
  for (let i = 0; i < n; i++) d[i] *= bmax;
}
