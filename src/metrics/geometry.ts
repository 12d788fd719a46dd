/*
 * The other neural-collapse libraries' metrics: classifier geometry, duality, norms and angles of the
 * class means, nearest-class-centre behaviour. Data N x d (samples as rows); W the classifier K x d (out x in);
 * centred means mu_k - mu_G with the geometry convention of collapse.ts (mu_G = mean of the class means unless
 * `globalMean` says otherwise), so an exact simplex ETF scores 0 whatever the class sizes.
 *
 *   nc4               fraction of samples where argmax_k (W x + b)_k differs from argmin_k ||x - mu_k|| (Papyan et al. 2020, NC4)
 *   ncc_accuracy      fraction of samples whose nearest class mean is their own class (Papyan et al. 2020, Fig. 7)
 *   w_etf             || W W^T / ||W W^T||_F - (I - 11^T/K)/sqrt(K-1) ||_F (Zhu et al. 2021, NC2 of the classifier)
 *   self_duality      || W / ||W||_F - M / ||M||_F ||_F, M the centred means as rows (Papyan et al. 2020, NC3)
 *   equinorm          std_k ||mu_k - mu_G|| / mean_k ||mu_k - mu_G|| (population std; Papyan et al. 2020, Fig. 2);
 *                     w_equinorm the same for the rows of W
 *   equiangular_std   std over pairs k < l of cos(mu_k - mu_G, mu_l - mu_G) (Papyan et al. 2020, Fig. 3)
 *   equiangular_mean  mean over pairs of cos + 1/(K-1) (0 at a simplex ETF); max_angle the mean of |cos + 1/(K-1)|
 *                     (Papyan et al. 2020, Fig. 4)
 *   gnc2              mean over pairs k < l of log(1 / ||u_k - u_l||), u_k the unit centred means: hyperspherical
 *                     energy with the logarithmic kernel (Liu et al. 2023, GNC2); -(1/2) log(2K/(K-1)) at a simplex ETF,
 *                     its minimum
 *   unc3              Var_k cos(w_k, mu_k - mu_G) (population variance): uniform duality (Wu & Papyan 2024, UNC3);
 *                     unc3_dot the same of the raw w_k^T (mu_k - mu_G)
 *   bias_collapse     || W mu_G + b || (Papyan et al. 2020 / Zhu et al. 2021: with b = -W mu_G the logits of mu_G vanish)
 *   subspace_cosines  cosines of the principal angles between the top K-1 right singular subspace of W and the span of
 *                     the centred means (Rangamani et al. 2023); subspace_alignment their mean square
 */
import { Matrix, gemm, pairwiseSum, svd } from '../linalg/index.ts';
import type { ClassStats } from './collapse.ts';
import { centeringMatrix } from './collapse.ts';

function frob(A: Matrix): number {
  let s = 0;
  for (const v of A.data) s += v * v;
  return Math.sqrt(s);
}

function normalizedDistance(A: Matrix, B: Matrix): number {
  const a = frob(A);
  const b = frob(B);
  if (a === 0 || b === 0) return NaN;
  let t = 0;
  for (let i = 0; i < A.data.length; i++) {
    const v = A.data[i] / a - B.data[i] / b;
    t += v * v;
  }
  return Math.sqrt(t);
}

function rowNorms(A: Matrix): Float64Array {
  const out = new Float64Array(A.rows);
  for (let i = 0; i < A.rows; i++) {
    let s = 0;
    for (const v of A.row(i)) s += v * v;
    out[i] = Math.sqrt(s);
  }
  return out;
}

/** Coefficient of variation std/mean (population std). */
function cov(x: Float64Array): number {
  const n = x.length;
  const m = pairwiseSum(x) / n;
  let v = 0;
  for (const t of x) v += (t - m) * (t - m);
  return Math.sqrt(v / n) / m;
}

function variance(x: Float64Array): number {
  const m = pairwiseSum(x) / x.length;
  let v = 0;
  for (const t of x) v += (t - m) * (t - m);
  return v / x.length;
}

/** Index of the nearest class mean of each row, by GEMM: argmin_k ||mu_k||^2 - 2 x mu_k^T. */
export function nearestClassMean(X: Matrix, means: Matrix): Int32Array {
  const K = means.rows;
  const G = gemm(X, means, { transB: true });
  const mn = rowNorms(means).map((v) => v * v);
  const out = new Int32Array(X.rows);
  for (let i = 0; i < X.rows; i++) {
    let best = 0;
    let bv = Infinity;
    for (let k = 0; k < K; k++) {
      const v = mn[k] - 2 * G.data[i * K + k];
      if (v < bv) {
        bv = v;
        best = k;
      }
    }
    out[i] = best;
  }
  return out;
}

/** argmax_k of (X W^T + b) per row. */
export function classifierPredictions(X: Matrix, W: Matrix, b?: ArrayLike<number>): Int32Array {
  const K = W.rows;
  const Z = gemm(X, W, { transB: true });
  const out = new Int32Array(X.rows);
  for (let i = 0; i < X.rows; i++) {
    let best = 0;
    let bv = -Infinity;
    for (let k = 0; k < K; k++) {
      const v = Z.data[i * K + k] + (b ? b[k] : 0);
      if (v > bv) {
        bv = v;
        best = k;
      }
    }
    out[i] = best;
  }
  return out;
}

/** Fraction of samples whose nearest class mean (of `means`) is their compact label. */
export function nccAccuracy(X: Matrix, compactLabels: ArrayLike<number>, means: Matrix): number {
  const p = nearestClassMean(X, means);
  let hit = 0;
  for (let i = 0; i < p.length; i++) if (p[i] === compactLabels[i]) hit++;
  return hit / p.length;
}

/** NC4 (Papyan et al. 2020): fraction of samples where the classifier and the nearest class centre disagree. */
export function nc4(X: Matrix, means: Matrix, W: Matrix, b?: ArrayLike<number>): number {
  const a = nearestClassMean(X, means);
  const c = classifierPredictions(X, W, b);
  let miss = 0;
  for (let i = 0; i < a.length; i++) if (a[i] !== c[i]) miss++;
  return miss / a.length;
}

/** Zhu et al. 2021: || W W^T / ||W W^T||_F - (I - 11^T/K)/sqrt(K-1) ||_F. */
export function classifierEtf(W: Matrix): number {
  return normalizedDistance(gemm(W, W, { transB: true }), centeringMatrix(W.rows));
}

/** Papyan et al. 2020 NC3: || W/||W||_F - M/||M||_F ||_F with M the centred means (rows, K x d). */
export function selfDuality(W: Matrix, centeredMeans: Matrix): number {
  return normalizedDistance(W, centeredMeans);
}

/** Papyan et al. 2020: CoV of the row norms. */
export function equinorm(A: Matrix): number {
  return cov(rowNorms(A));
}

export interface Equiangularity {
  std: number;
  mean: number;
  maxAngle: number;
}

/** Cosines of all pairs k < l of rows of the centred means; std, mean of cos + 1/(K-1), mean |cos + 1/(K-1)| (Papyan et al. 2020). */
export function equiangularity(centeredMeans: Matrix): Equiangularity {
  const K = centeredMeans.rows;
  const n = rowNorms(centeredMeans);
  const G = gemm(centeredMeans, centeredMeans, { transB: true });
  const shifted: number[] = [];
  for (let k = 0; k < K; k++) for (let l = k + 1; l < K; l++) shifted.push(G.data[k * K + l] / (n[k] * n[l]) + 1 / (K - 1));
  const s = Float64Array.from(shifted);
  return { std: Math.sqrt(variance(s)), mean: pairwiseSum(s) / s.length, maxAngle: pairwiseSum(s.map(Math.abs)) / s.length };
}

/** Liu et al. 2023 GNC2: mean over pairs of log(1/||u_k - u_l||) for the unit centred means u_k. */
export function hypersphericalUniformity(centeredMeans: Matrix): number {
  const K = centeredMeans.rows;
  const n = rowNorms(centeredMeans);
  const G = gemm(centeredMeans, centeredMeans, { transB: true });
  const terms: number[] = [];
  for (let k = 0; k < K; k++)
    for (let l = k + 1; l < K; l++) {
      const d2 = Math.max(0, 2 - 2 * (G.data[k * K + l] / (n[k] * n[l])));
      terms.push(-0.5 * Math.log(d2));
    }
  return pairwiseSum(terms) / terms.length;
}

/** Wu & Papyan 2024 UNC3: population variances over k of cos(w_k, mu_k - mu_G) and of w_k^T (mu_k - mu_G). */
export function uniformDuality(W: Matrix, centeredMeans: Matrix): { cos: number; dot: number } {
  const K = W.rows;
  const nw = rowNorms(W);
  const nm = rowNorms(centeredMeans);
  const dots = new Float64Array(K);
  for (let k = 0; k < K; k++) {
    const w = W.row(k);
    const m = centeredMeans.row(k);
    let s = 0;
    for (let j = 0; j < w.length; j++) s += w[j] * m[j];
    dots[k] = s;
  }
  return { cos: variance(dots.map((v, k) => v / (nw[k] * nm[k]))), dot: variance(dots) };
}

/** || W mu_G + b ||. */
export function biasCollapse(W: Matrix, globalMean: Float64Array, b: ArrayLike<number>): number {
  const z = gemm(W, new Matrix(globalMean.length, 1, Float64Array.from(globalMean)));
  let s = 0;
  for (let k = 0; k < W.rows; k++) {
    const t = z.data[k] + b[k];
    s += t * t;
  }
  return Math.sqrt(s);
}

/** Orthonormal basis (d x r, columns) of the top-r right singular subspace of A (rows in R^d). */
function rowSpaceBasis(A: Matrix, r: number): Matrix {
  const { V } = svd(A);
  return Matrix.fromFunction(V.rows, r, (i, j) => V.get(i, j));
}

/**
 * Rangamani et al. 2023: cosines of the principal angles between the top K-1 right singular subspace of W and the
 * span of the centred means (rank K-1), descending; `alignment` = mean of their squares (1 when the subspaces agree).
 */
export function subspaceAlignment(W: Matrix, centeredMeans: Matrix): { cosines: Float64Array; alignment: number } {
  const r = Math.min(W.rows - 1, centeredMeans.rows - 1, W.cols);
  const A = rowSpaceBasis(W, r);
  const B = rowSpaceBasis(centeredMeans, r);
  const c = svd(gemm(A, B, { transA: true })).S.map((v) => Math.min(1, v));
  return { cosines: c, alignment: pairwiseSum(c.map((v) => v * v)) / c.length };
}

export interface GeometryMetrics {
  ncc_accuracy: number;
  equinorm: number;
  equiangular_std: number;
  equiangular_mean: number;
  max_angle: number;
  gnc2: number;
  nc4: number | null;
  w_etf: number | null;
  self_duality: number | null;
  w_equinorm: number | null;
  unc3: number | null;
  unc3_dot: number | null;
  bias_collapse: number | null;
  subspace_alignment: number | null;
  subspace_cosines: number[] | null;
}

/** Every metric above from class statistics, features, and optionally the classifier (K x d, rows of the classes present) and bias. */
export function geometryMetrics(s: ClassStats, features: Matrix | null, W?: Matrix, b?: ArrayLike<number>): GeometryMetrics {
  const M = s.geometryCenteredMeans;
  const ea = equiangularity(M);
  const out: GeometryMetrics = {
    ncc_accuracy: features ? nccAccuracy(features, s.labels, s.means) : NaN,
    equinorm: equinorm(M),
    equiangular_std: ea.std,
    equiangular_mean: ea.mean,
    max_angle: ea.maxAngle,
    gnc2: hypersphericalUniformity(M),
    nc4: null,
    w_etf: null,
    self_duality: null,
    w_equinorm: null,
    unc3: null,
    unc3_dot: null,
    bias_collapse: null,
    subspace_alignment: null,
    subspace_cosines: null,
  };
  if (W) {
    if (W.rows !== s.K || W.cols !== s.d) throw new RangeError(`geometryMetrics: classifier is ${W.rows}x${W.cols}, expected ${s.K}x${s.d}`);
    out.nc4 = features ? nc4(features, s.means, W, b) : null;
    out.w_etf = classifierEtf(W);
    out.self_duality = selfDuality(W, M);
    out.w_equinorm = equinorm(W);
    const u = uniformDuality(W, M);
    out.unc3 = u.cos;
    out.unc3_dot = u.dot;
    if (b) out.bias_collapse = biasCollapse(W, s.geometryGlobalMean, b);
    const sa = subspaceAlignment(W, M);
    out.subspace_alignment = sa.alignment;
    out.subspace_cosines = Array.from(sa.cosines);
  }
  return out;
}
