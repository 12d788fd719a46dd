// The secular equation of a rank-one modified diagonal matrix, shared by the divide-and-conquer solvers:
// bdsdc.ts (bidiagonal SVD: poles P_j^2) and stedc.ts (symmetric tridiagonal eigenproblem: poles d_j).
//
// For poles D_0 < D_1 < ... < D_{K-1} and weights w_j = z_j^2 > 0, the roots of
//   f(x) = 1 + sum_j w_j / (D_j - x) = 0
// interlace the poles: root i lies in (D_i, D_{i+1}), the last in (D_{K-1}, D_{K-1} + sum_j w_j) (Golub 1973,
// "Some modified matrix eigenvalue problems", Sec. 5). Each root is sought relative to its nearer pole p as
// x = D_p + mu, with the caller forming the pole differences D_j - D_p to full precision, so that root-minus-pole
// differences (D_p - D_j) + mu carry no cancellation (Gu & Eisenstat 1995, Sec. 3; LAPACK dlaed4).
import { Matrix } from './matrix.ts';
import { gemm } from './gemm.ts';
import { releaseWorkspace, workspace } from './level2.ts';

const EPS = Number.EPSILON;

/** Writes out[j] = D_j - D_p for all j, to full precision (the caller knows how the poles are formed). */
export type PoleDifferences = (p: number, out: Float64Array) => void;

/**
 * The step from x of secularRoots' two-pole model (a = D_i - x, b = D_{i+1} - x; f, psi, dpsi, phi, dphi at x):
 * the root of the fitted rational inside (a, b), NaN when there is none.
 */
function modelStep(last: boolean, a: number, b: number, f: number, psi: number, dpsi: number, phi: number, dphi: number): number {
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
  if (C === 0) return Cc / Bq;
  const disc = Bq * Bq - 4 * C * Cc;
  if (!(disc >= 0)) return NaN;
  const tq = Bq + (Bq >= 0 ? 1 : -1) * Math.sqrt(disc);
  const r1 = tq / (2 * C),
    r2 = (2 * Cc) / tq;
  const in1 = r1 > a && r1 < b,
    in2 = r2 > a && r2 < b;
  return in2 ? r2 : in1 ? r1 : NaN;
}

/**
 * Roots of 1 + sum_j w_j / (D_j - x) = 0 (K >= 2): root i returned as D[piv_i] + mu_i, piv_i in {i, i+1};
 * zn2 = sum_j w_j. f at the midpoint of (D_i, D_{i+1}) picks the nearer pole; the iteration is a two-pole
 * rational model (the terms on either side of the root fitted by value and slope, Bunch, Nielsen & Sorensen
 * 1978, Sec. 3), solved as a quadratic and safeguarded by bisection of a sign bracket.
 */
export function secularRoots(w: Float64Array, zn2: number, delta: PoleDifferences, piv: Int32Array, mu: Float64Array): void {
  const K = w.length;
  const dl = new Float64Array(K);
  for (let i = 0; i < K; i++) {
    let p: number, lo: number, hi: number, x: number;
    const last = i === K - 1;
    if (!last) {
      delta(i, dl);
      const mid = 0.5 * dl[i + 1];
      let f = 1;
      for (let j = 0; j < K; j++) f += w[j] / (dl[j] - mid);
      if (f > 0) {
        p = i;
        lo = 0;
        hi = mid;
        x = mid;
      } else {
        p = i + 1;
        delta(p, dl);
        lo = 0.5 * dl[i];
        hi = 0;
        x = lo;
      }
    } else {
      p = i;
      delta(p, dl);
      lo = 0;
      hi = zn2;
      x = zn2;
    }
    for (let iter = 0; iter < 200; iter++) {
      let psi = 0,
        dpsi = 0,
        phi = 0,
        dphi = 0;
      // One division per term: r = 1 / (D_j - x), w_j r and w_j r^2.
      for (let j = 0; j <= i; j++) {
        const r = 1 / (dl[j] - x),
          v = w[j] * r;
        psi += v;
        dpsi += v * r;
      }
      for (let j = i + 1; j < K; j++) {
        const r = 1 / (dl[j] - x),
          v = w[j] * r;
        phi += v;
        dphi += v * r;
      }
      const f = 1 + psi + phi;
      if (f === 0) break;
      if (f < 0) lo = x;
      else hi = x;
      // Rounding error bound of f (as in LAPACK dlaed4's stopping test).
      const err = EPS * (8 * (phi - psi + 1) + Math.abs(x) * (dpsi + dphi));
      if (Math.abs(f) <= err) break;
      if (!(hi - lo > 2 * EPS * Math.max(Math.abs(lo), Math.abs(hi)))) break;
      // Two-pole model: psi ~ cp + q/(delta_i - x), phi ~ cf + s/(delta_{i+1} - x), fitted at x; step eta.
      const eta = modelStep(last, dl[i] - x, last ? 0 : dl[i + 1] - x, f, psi, dpsi, phi, dphi);
      let next = x + eta;
      if (!(next > lo && next < hi)) next = 0.5 * (lo + hi);
      if (next === x) break;
      x = next;
    }
    piv[i] = p;
    mu[i] = x;
  }
}

/**
 * Löwner's formula (Gu & Eisenstat 1995, Sec. 3, Löwner's theorem): the weights zh for which the computed roots are exact,
 * |zh_j|^2 = prod_i (x_i - D_j) / prod_{i != j} (D_i - D_j), with the signs of z. rootMinusPole(i, j) = x_i - D_j
 * and poleDiff(i, j) = D_i - D_j, both to full precision; the factors are paired by interlacing so no partial
 * product over- or underflows.
 */
export function lownerZ(z: Float64Array, rootMinusPole: (i: number, j: number) => number, poleDiff: (i: number, j: number) => number): Float64Array {
  const K = z.length;
  const zh = new Float64Array(K);
  for (let j = 0; j < K; j++) {
    let prod = rootMinusPole(K - 1, j);
    for (let i = 0; i < j; i++) prod *= rootMinusPole(i, j) / poleDiff(i, j);
    for (let i = j; i < K - 1; i++) prod *= rootMinusPole(i, j) / poleDiff(i + 1, j);
    const m = Math.sqrt(Math.abs(prod));
    zh[j] = z[j] >= 0 ? m : -m;
  }
  return zh;
}

/**
 * The vector update of a merge: new vectors i < K, entries r0..r0+nrows-1 (XT[i, r0 + r], row length ldx) :=
 * sum over the kept basis vectors t whose support includes these rows (flags[kept[t]] & bit) of
 * M[i, t] * basisT[kept[t], r0 + r]; one GEMM on the gathered blocks. Vectors are stored transposed (row c is vector c).
 */
export function updateRows(
  X: Float64Array,
  ldx: number,
  basisT: Float64Array,
  ldb: number,
  kept: number[],
  flags: Uint8Array,
  M: Float64Array,
  K: number,
  r0: number,
  nrows: number,
  bit: number,
): void {
  if (nrows === 0) return;
  const sel: number[] = [];
  for (let t = 0; t < K; t++) if (flags[kept[t]] & bit) sel.push(t);
  const ns = sel.length;
  if (ns === 0) return;
  // Operand and product as resident workspaces (used in place by the fast GEMM), released last in, first out.
  const ad = workspace(ns * nrows),
    cd = workspace(K * nrows);
  try {
    const A = new Matrix(ns, nrows, ad);
    for (let a = 0; a < ns; a++) {
      const o = kept[sel[a]] * ldb + r0;
      ad.set(basisT.subarray(o, o + nrows), a * nrows);
    }
    product(X, ldx, A, M, K, sel, r0, nrows, new Matrix(K, nrows, cd));
  } finally {
    releaseWorkspace(cd);
    releaseWorkspace(ad);
  }
}

/** X[i, r0..] := (M restricted to the columns sel) A, through C. */
function product(X: Float64Array, ldx: number, A: Matrix, M: Float64Array, K: number, sel: number[], r0: number, nrows: number, C: Matrix): void {
  const ns = sel.length;
  let Ms: Matrix;
  if (ns === K) Ms = new Matrix(K, K, M);
  else {
    Ms = new Matrix(K, ns);
    const ms = Ms.data;
    for (let i = 0; i < K; i++) {
      const o = i * K,
        q = i * ns;
      for (let a = 0; a < ns; a++) ms[q + a] = M[o + sel[a]];
    }
  }
  gemm(Ms, A, { C }); // K x nrows
  for (let i = 0; i < K; i++) X.set(C.data.subarray(i * nrows, i * nrows + nrows), i * ldx + r0);
}
