// Bidiagonal SVD by the implicit-shift QR iteration (Golub & Van Loan, Alg. 8.6.1/8.6.2; DESIGN.md, "src/linalg/"):
// the values-only solver, the leaf solver of the divide and conquer (bdsdc.ts), and the vectors path for small n.
// Backward stable: singular values carry absolute errors of order eps * ||B||. The rotations are logged and
// applied to the factors at the end (rotations.ts).
import { RotationLog } from './rotations.ts';

/** Plane rotation [c s; -s c] with c f + s g = r and -s f + c g = 0. */
function rot(f: number, g: number, out: Float64Array): void {
  if (g === 0) { out[0] = 1; out[1] = 0; out[2] = f; return; }
  if (f === 0) { out[0] = 0; out[1] = 1; out[2] = g; return; }
  // sqrt(f^2 + g^2) directly when it cannot over- or underflow (Math.hypot is several times slower).
  const t = f * f + g * g;
  const r = t > 1e-290 && t < 1e290 ? Math.sqrt(t) : Math.hypot(f, g);
  out[0] = f / r; out[1] = g / r; out[2] = r;
}

/**
 * Bidiagonal SVD in place: d becomes the singular values (unsorted, signed), B = Ub diag(d) Vb^T.
 * Ub and Vb (n x n, row-major) accumulate the rotations when given.
 */
export function bidiagonalQR(d: Float64Array, e: Float64Array, Ub?: Float64Array, Vb?: Float64Array): void {
  const n = d.length;
  if (n <= 1) return;
  let bmax = 0;
  for (let i = 0; i < n; i++) bmax = Math.max(bmax, Math.abs(d[i]));
  for (let i = 0; i < n - 1; i++) bmax = Math.max(bmax, Math.abs(e[i]));
  if (bmax === 0 || !Number.isFinite(bmax)) return;
  for (let i = 0; i < n; i++) d[i] /= bmax;
  for (let i = 0; i < n - 1; i++) e[i] /= bmax;
  const eps = Number.EPSILON;
  const dtol = eps; // ||B|| is about 1 after scaling
  const cr = new Float64Array(n), sr = new Float64Array(n), cl = new Float64Array(n), sl = new Float64Array(n);
  const g3 = new Float64Array(3);
  const logU = Ub ? new RotationLog() : undefined, logV = Vb ? new RotationLog() : undefined;
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
      if (t <= eps * (Math.abs(d[lo - 1]) + Math.abs(d[lo])) || t <= 1e-300) { e[lo - 1] = 0; break; }
      lo--;
    }
    if (++iter > maxIter) throw new Error('svd: bidiagonal QR iteration did not converge');
    // A (numerically) zero diagonal entry splits the block after a chase of rotations.
    let zi = -1;
    for (let i = lo; i <= hi; i++) if (Math.abs(d[i]) <= dtol) { zi = i; break; }
    if (zi >= 0) {
      d[zi] = 0;
      const js: number[] = [], cs: number[] = [], ss: number[] = [];
      if (zi < hi) {
        // Left rotations of rows (j, zi), j = zi+1..hi, push e[zi] off the end of row zi.
        let f = e[zi];
        e[zi] = 0;
        for (let j = zi + 1; j <= hi; j++) {
          rot(d[j], f, g3);
          const c = g3[0], s = g3[1];
          d[j] = g3[2];
          if (j < hi) { f = -s * e[j]; e[j] = c * e[j]; }
          js.push(j); cs.push(c); ss.push(s);
        }
        if (logU) logU.fan(zi, js, cs, ss);
      } else {
        // Right rotations of columns (j, hi), j = hi-1..lo, push e[hi-1] up and out of column hi.
        let f = e[hi - 1];
        e[hi - 1] = 0;
        for (let j = hi - 1; j >= lo; j--) {
          rot(d[j], f, g3);
          const c = g3[0], s = g3[1];
          d[j] = g3[2];
          if (j > lo) { f = -s * e[j - 1]; e[j - 1] = c * e[j - 1]; }
          js.push(j); cs.push(c); ss.push(s);
        }
        if (logV) logV.fan(hi, js, cs, ss);
      }
      continue;
    }
    // Wilkinson shift: eigenvalue of the trailing 2x2 of B^T B closest to its last entry.
    const dm1 = d[hi - 1], em1 = e[hi - 1], dh = d[hi];
    const em2 = hi - 2 >= lo ? e[hi - 2] : 0;
    const t11 = dm1 * dm1 + em2 * em2, t12 = dm1 * em1, t22 = dh * dh + em1 * em1;
    let mu = t22;
    if (t12 !== 0) {
      const delta = 0.5 * (t11 - t22);
      const den = delta + (delta >= 0 ? 1 : -1) * Math.hypot(delta, t12);
      mu = t22 - (t12 * t12) / den;
    }
    let f = d[lo] * d[lo] - mu;
    let g = d[lo] * e[lo];
    for (let i = lo; i < hi; i++) {
      rot(f, g, g3);
      let c = g3[0], s = g3[1];
      if (i > lo) e[i - 1] = g3[2];
      f = c * d[i] + s * e[i];
      e[i] = c * e[i] - s * d[i];
      g = s * d[i + 1];
      d[i + 1] = c * d[i + 1];
      cr[i] = c; sr[i] = s;
      rot(f, g, g3);
      c = g3[0]; s = g3[1];
      d[i] = g3[2];
      f = c * e[i] + s * d[i + 1];
      d[i + 1] = c * d[i + 1] - s * e[i];
      if (i < hi - 1) { g = s * e[i + 1]; e[i + 1] = c * e[i + 1]; }
      cl[i] = c; sl[i] = s;
    }
    e[hi - 1] = f;
    if (logV) logV.chain(lo, hi, cr, sr);
    if (logU) logU.chain(lo, hi, cl, sl);
  }
  if (Ub) logU!.apply(Ub, n, n);
  if (Vb) logV!.apply(Vb, n, n);
  for (let i = 0; i < n; i++) d[i] *= bmax;
}

