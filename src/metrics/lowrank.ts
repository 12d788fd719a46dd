// Low-rank measures of a matrix from its singular values s_1 >= s_2 >= ... (Neural Rank Collapse,
// Zangrando et al.: Thm 3.4, Fig. 1, Eq. 22, Sec. 6.4). Every function accepts either a Matrix
// (its singular values are computed through linalg) or the singular values themselves.
import { Matrix, singularValues } from '../linalg/index.ts';

export type Spectrum = Matrix | ArrayLike<number>;

/** Singular values, descending (computed when given a Matrix; sorted copy otherwise). */
export function spectrum(A: Spectrum): Float64Array {
  if (A instanceof Matrix) return singularValues(A);
  const s = Float64Array.from(A);
  for (let i = 0; i < s.length; i++) {
    if (!(s[i] >= 0)) throw new RangeError(`spectrum: singular value ${i} is ${s[i]}, expected >= 0`);
  }
  return s.sort().reverse();
}

function checkRank(r: number, what: string): void {
  if (!Number.isInteger(r) || r < 0) throw new RangeError(`${what}: r = ${r}, expected a non-negative integer`);
}

/** Squared distance to the set of rank <= r matrices: sum_{j>r} s_j^2 (Eckart-Young; NRC Thm 3.4). */
function tailSquares(s: Float64Array, r: number): number {
  let t = 0;
  for (let j = r; j < s.length; j++) t += s[j] * s[j];
  return t;
}

/** min_{rank Z <= r} ||A - Z||_F = sqrt(sum_{j>r} s_j^2) (NRC Thm 3.4, Eckart-Young). */
export function distToRank(A: Spectrum, r: number): number {
  checkRank(r, 'distToRank');
  return Math.sqrt(tailSquares(spectrum(A), r));
}

/** rel_tail(r) = sum_{j>r} s_j^2 / sum_j s_j^2 (NRC Fig. 1): squared relative distance to rank <= r; 0 for a zero matrix. */
export function relTail(A: Spectrum, r: number): number {
  checkRank(r, 'relTail');
  const s = spectrum(A);
  const total = tailSquares(s, 0);
  return total > 0 ? tailSquares(s, r) / total : 0;
}

/** e(r) = sum_{i>=r} s_i / sum_{i>=1} s_i (NRC Eq. 22), 1-based: e(1) = 1, e(r) = 0 for r > min(m, n). Zero matrix: e(1) = 1, else 0. */
export function errorTail(A: Spectrum, r: number): number {
  if (!Number.isInteger(r) || r < 1) throw new RangeError(`errorTail: r = ${r}, expected an integer >= 1 (Eq. 22 is 1-based)`);
  const s = spectrum(A);
  if (r === 1) return 1;
  let total = 0;
  for (const v of s) total += v;
  if (total === 0) return 0;
  let tail = 0;
  for (let i = r - 1; i < s.length; i++) tail += s[i];
  return tail / total;
}

/** e(1..n+1) for n = number of singular values (NRC Eq. 22; index r-1 holds e(r); the last entry is 0). */
export function errorTailCurve(A: Spectrum): Float64Array {
  const s = spectrum(A);
  const n = s.length;
  const out = new Float64Array(n + 1);
  // suffix sums from the small end, so tiny tails are not lost to cancellation
  const suffix = new Float64Array(n + 1);
  for (let i = n - 1; i >= 0; i--) suffix[i] = suffix[i + 1] + s[i];
  const total = suffix[0];
  for (let r = 1; r <= n + 1; r++) out[r - 1] = r === 1 ? 1 : total > 0 ? suffix[r - 1] / total : 0;
  return out;
}

/**
 * Soft rank rk(eps) = min { r >= 1 : e(r) <= eps } (NRC Sec. 6.4, with e of Eq. 22), exactly as the
 * paper defines it. Because e(r) includes s_r, rk(eps) - 1 singular values already carry a
 * fraction >= 1 - eps of the nuclear norm; rk ranges over 1..min(m, n) + 1.
 */
export function softRank(A: Spectrum, eps: number): number {
  if (!(eps >= 0)) throw new RangeError(`softRank: eps = ${eps}, expected >= 0`);
  const e = errorTailCurve(A);
  for (let r = 1; r <= e.length; r++) if (e[r - 1] <= eps) return r;
  return e.length;
}

/** Stable rank ||A||_F^2 / ||A||_2^2 = sum_j s_j^2 / s_1^2 (NRC Sec. 4, s(Sigma)); 0 for a zero matrix. */
export function stableRank(A: Spectrum): number {
  const s = spectrum(A);
  if (s.length === 0 || s[0] === 0) return 0;
  return tailSquares(s, 0) / (s[0] * s[0]);
}

/** Effective rank exp(H(p)), p_j = s_j / sum s (Roy & Vetterli 2007); 0 for a zero matrix. */
export function effectiveRank(A: Spectrum): number {
  const s = spectrum(A);
  let total = 0;
  for (const v of s) total += v;
  if (total === 0) return 0;
  let h = 0;
  for (const v of s) {
    if (v <= 0) continue;
    const p = v / total;
    h -= p * Math.log(p);
  }
  return Math.exp(h);
}

/** The low-rank summary `nrc analyze --weights` reports for one matrix. */
export interface LowRankSummary {
  rows: number;
  cols: number;
  singularValues: Float64Array;
  relTail: number;
  distRank: number;
  softRank: number;
  stableRank: number;
  effectiveRank: number;
}

/** rel_tail(r), distance to rank r, rk(eps), stable and effective rank of W in one SVD. */
export function lowRankSummary(W: Matrix, r: number, eps: number): LowRankSummary {
  const s = singularValues(W);
  return {
    rows: W.rows,
    cols: W.cols,
    singularValues: s,
    relTail: relTail(s, r),
    distRank: distToRank(s, r),
    softRank: softRank(s, eps),
    stableRank: stableRank(s),
    effectiveRank: effectiveRank(s),
  };
}
