/*
 * Neural-collapse metrics: class means, Sigma_W, Sigma_B, Sigma_T and every NC variant nrc reports.
 *
 * Data are N x d with one sample per row (the papers use columns). Notation: K classes (the
 * non-empty ones among the labels), class k has N_k samples, pi_k = N_k / N, class means mu_k,
 * global mean mu_G. Two conventions (they coincide for balanced classes), chosen per metric family:
 *   dispersion (Sigma_B, nc1, nc1_trace, nc1_class): mu_G = mean of all samples (DESIGN.md, AGOP Sec. 2
 *     "global feature mean", Tirer et al. Sec. 3);
 *   geometry (nc2_etf, nc2_gram, nc3, and the duality / angle metrics of geometry.ts): mu_G = (1/K) sum_k mu_k
 *     (the "average of the class means" of AGOP Fig. 1, as the AGOP code and rhubarbwu/neural-collapse do), so an
 *     exact simplex ETF scores 0 for any class sizes.
 * `globalMean: 'samples' | 'classMeans'` forces one convention on every metric.
 * Reductions over samples use compensated (class sums) or pairwise (sums of squares) summation.
 *
 *   Sigma_W       = (1/N) sum_i (x_i - mu_{y_i})(x_i - mu_{y_i})^T = sum_k pi_k Sigma_W^(k),
 *                   Sigma_W^(k) = (1/N_k) sum_{i in k} (x_i - mu_k)(x_i - mu_k)^T
 *                   (AGOP Sec. 2; Tirer et al. Sec. 3 with N = Kn)
 *   Sigma_B       = (1/K) sum_k (mu_k - mu_G)(mu_k - mu_G)^T   (unweighted, in both papers)
 *   Sigma_T       = (1/N) sum_i (x_i - mu_G)(x_i - mu_G)^T = Sigma_W + sum_k pi_k (mu_k - mu_G)(mu_k - mu_G)^T
 *                   (total covariance; equals Sigma_W + Sigma_B, the AGOP App. D definition, for balanced classes)
 *
 * The variants (name in nrc's JSON / CSV, then function):
 *   nc1            nc1()            (1/K) tr(Sigma_W Sigma_B^+)  (Tirer et al. Sec. 5; Papyan et al. 2020).
 *                                   Sigma_B^+ is the pseudo-inverse restricted to the top K-1 eigenpairs of
 *                                   Sigma_B (rank Sigma_B <= K-1 always, because the centred means satisfy
 *                                   sum_k pi_k (mu_k - mu_G) = 0, resp. sum_k (mu_k - mu_G) = 0), also dropping
 *                                   eigenvalues below max(K, d) * eps * lambda_1. Computed as
 *                                   (1/K) sum_j ||X_W v_j||^2 / (N lambda_j), a sum of non-negative terms, so
 *                                   nc1 >= 0 always (a full pseudo-inverse of a d x d Sigma_B picks up
 *                                   round-off eigenvalues and can even come out negative).
 *   nc1_trace      nc1Trace()       tr Sigma_W / tr Sigma_B  (Tirer et al. Eq. 3, their NC1~; the AGOP paper's NC1).
 *   nc1_class[k]   nc1PerClass()    (1/K) tr(Sigma_W^(k) Sigma_B^+)  (Tirer et al. App. E, per-class NC1).
 *   cdnv           cdnv()           mean over pairs k < l of (V_k + V_l) / (2 ||mu_k - mu_l||^2), V_k = tr Sigma_W^(k)
 *                                   (class-distance normalised variance, Galanti et al. 2022).
 *   nc2_etf        nc2Etf()         || G / ||G||_F - (I_K - 1 1^T / K) / sqrt(K-1) ||_F, G = M^T M of the centred
 *                                   means (Tirer et al. Sec. 5; both matrices have unit Frobenius norm; range [0, 2]).
 *   nc2_gram       nc2Gram()        || Ghat - Sigma_ETF ||_F, Ghat = Gram of the centred means each scaled to unit
 *                                   length, Sigma_ETF = (1 + 1/(K-1)) I_K - (1/(K-1)) 1 1^T (AGOP Sec. 2, App. D).
 *   nc2_orthogonal nc2Orthogonal()  || H^T H / ||H^T H||_F - I_K / sqrt(K) ||_F with the *uncentred* means H
 *                                   (AGOP DNC2, "orthogonal basis" alternative H^T H ∝ I_K).
 *   nc3            nc3()            || W M / ||W M||_F - (I_K - 1 1^T / K) / sqrt(K-1) ||_F, W the K x d classifier
 *                                   (out x in), M the centred means as columns (Tirer et al. Sec. 5).
 *   gram           centeredNormalizedGram()  Xbar Xbar^T with rows (x_i - mu~) / ||x_i - mu~||, mu~ the average
 *                                   of the class means (AGOP Fig. 1); N x N.
 *
 * How the variants relate (each relation is tested in test/metrics/relations.test.ts):
 *   R1  nc1 = sum_k pi_k nc1_class[k]; for balanced classes this is the paper's nc1 = (1/K) sum_k nc1_class[k].
 *   R2  If the centred means form an equal-norm simplex ETF (Sigma_B = tr(Sigma_B)/(K-1) * P_B, P_B the projector
 *       on their span), nc1 = ((K-1)/K) * nc1_trace * tr(P_B Sigma_W) / tr(Sigma_W) <= ((K-1)/K) nc1_trace, with
 *       equality when the within-class scatter lies in the span of the means.
 *   R3  Mean vs sum: codebases that use scatter sums S_W = N Sigma_W, S_B = K Sigma_B report
 *       tr(S_W S_B^+) = N * nc1 and tr S_W / tr S_B = (N/K) * nc1_trace; dropping only the 1/K prefactor gives
 *       tr(Sigma_W Sigma_B^+) = K * nc1. Weighting Sigma_B by pi_k instead of 1/K changes nothing for balanced
 *       classes.
 *   R4  The AGOP paper's tr Sigma_W / tr Sigma_T (App. D, Fig. 10) equals nc1_trace / (1 + nc1_trace) for balanced
 *       classes (Sigma_T = Sigma_W + Sigma_B).
 *   R5  Balanced classes with means at an equal-norm simplex ETF: ||mu_k - mu_l||^2 = 2K tr(Sigma_B)/(K-1), so
 *       cdnv = ((K-1)/(2K)) * nc1_trace; with R2 (scatter in the span) cdnv = nc1 / 2.
 *   R6  nc2_etf and nc2_gram differ in normalisation: nc2_etf scales the whole Gram G, nc2_gram each mean. When all
 *       centred means have the same norm, G/||G||_F = Ghat/||Ghat||_F and, as ||Sigma_ETF||_F = K/sqrt(K-1) and
 *       ||a/|a| - b/|b||| <= 2|a-b|/|b|, nc2_etf <= 2 sqrt(K-1)/K * nc2_gram. With unequal norms no inequality holds
 *       either way (R8). Both are 0 exactly at a simplex ETF.
 *   R7  Orthogonal class means of equal norm (balanced): centring turns them into a simplex ETF, so
 *       nc2_etf = nc2_gram = nc2_orthogonal = 0; the uncentred Gram I_K measured against the ETF is at
 *       distance sqrt(2 - 2 sqrt((K-1)/K)).
 *   R8  K = 2: nc2_gram = 0 for any two distinct means (centred means are antipodal); nc2_etf = 0 with the default
 *       geometry centring (class means), with globalMean 'samples' only for balanced classes.
 *   R9  All variants are invariant under an orthogonal change of feature coordinates x -> Q x (rows: X -> X Q^T,
 *       classifier W -> W Q^T), and nc1, nc1_trace, cdnv, nc2_*, nc3 under a global scaling of the features.
 */
import { CompensatedSums, Matrix, eigSym, gemm, pairwiseSumSquares } from '../linalg/index.ts';
import { classIndex } from './classes.ts';

export type GlobalMean = 'samples' | 'classMeans';

/** The command-line spelling of the mu_G convention: auto = per metric family (see CollapseOptions.globalMean). */
export const GLOBAL_MEAN_CHOICES = ['auto', 'samples', 'class-means'] as const;
export type GlobalMeanChoice = (typeof GLOBAL_MEAN_CHOICES)[number];

/** CollapseOptions.globalMean for a command-line choice (auto leaves each metric family its own convention). */
export function globalMeanFromChoice(choice: GlobalMeanChoice | undefined): GlobalMean | undefined {
  return choice === 'samples' ? 'samples' : choice === 'class-means' ? 'classMeans' : undefined;
}

export interface CollapseOptions {
  /**
   * mu_G for every metric. Unset: the dispersion metrics (Sigma_B in nc1, nc1_trace, nc1_class) centre on the
   * mean of all samples (DESIGN.md; both papers' Sigma_B), the geometry metrics (nc2_etf, nc2_gram, nc3 and the
   * other duality / angle metrics) on the mean of the class means, so that an exact simplex ETF scores 0 whatever
   * the class sizes (the AGOP authors' code and rhubarbwu/neural-collapse centre this way).
   */
  globalMean?: GlobalMean;
}

/** The mu_G convention each metric family uses under the given options. */
export function globalMeanConventions(opts: CollapseOptions = {}): { dispersion: GlobalMean; geometry: GlobalMean } {
  return { dispersion: opts.globalMean ?? 'samples', geometry: opts.globalMean ?? 'classMeans' };
}

/** Everything the NC metrics need, computed once: means, centred means, within-class residuals. */
export interface ClassStats {
  N: number;
  d: number;
  K: number;
  /** N_k per compact class. */
  counts: Int32Array;
  /** Compact labels 0..K-1. */
  labels: Int32Array;
  /** Original label value of each compact class. */
  values: number[];
  /** Class means mu_k as rows (K x d). */
  means: Matrix;
  /** mu_G of the dispersion metrics (Sigma_B, nc1, nc1_trace; length d). */
  globalMean: Float64Array;
  /** mu_k - mu_G as rows (K x d), mu_G = globalMean. */
  centeredMeans: Matrix;
  /** mu_G of the geometry metrics (nc2_*, nc3, duality, angles). */
  geometryGlobalMean: Float64Array;
  /** mu_k - geometryGlobalMean as rows (K x d). */
  geometryCenteredMeans: Matrix;
  /** x_i - mu_{y_i} as rows (N x d); 0 x d when the samples were streamed (then `moments` holds what is needed). */
  within: Matrix;
  /** Streamed statistics instead of `within`: Sigma_W (d x d) and V_k = tr Sigma_W^(k). Per-class NC1 is then NaN. */
  moments?: { sigmaW: Matrix; classVariance: Float64Array };
}

/** mu_G under a convention, from class sums / means: (1/N) sum_i x_i or (1/K) sum_k mu_k. */
function globalMeanOf(kind: GlobalMean, means: Matrix, counts: Int32Array, N: number): Float64Array {
  const { rows: K, cols: d } = means;
  const acc = new CompensatedSums(d);
  for (let k = 0; k < K; k++) acc.addVector(means.row(k), 0, kind === 'samples' ? counts[k] / N : 1 / K);
  return acc.values();
}

function centerRows(means: Matrix, mu: Float64Array): Matrix {
  const { rows: K, cols: d } = means;
  const out = new Matrix(K, d);
  for (let k = 0; k < K; k++) for (let j = 0; j < d; j++) out.data[k * d + j] = means.data[k * d + j] - mu[j];
  return out;
}

/**
 * Statistics from class means that were accumulated elsewhere (e.g. a streaming pass): the centred means of both
 * conventions. `within` is left empty (0 x d) when the samples are not at hand.
 */
export function statsFromMeans(
  means: Matrix,
  counts: Int32Array,
  labels: Int32Array,
  values: number[],
  within: Matrix,
  opts: CollapseOptions = {},
): ClassStats {
  const K = means.rows;
  const d = means.cols;
  let N = 0;
  for (let k = 0; k < K; k++) N += counts[k];
  const conv = globalMeanConventions(opts);
  const mu = globalMeanOf(conv.dispersion, means, counts, N);
  const muGeo = conv.geometry === conv.dispersion ? mu : globalMeanOf(conv.geometry, means, counts, N);
  const centeredMeans = centerRows(means, mu);
  const geometryCenteredMeans = muGeo === mu ? centeredMeans : centerRows(means, muGeo);
  return { N, d, K, counts, labels, values, means, globalMean: mu, centeredMeans, geometryGlobalMean: muGeo, geometryCenteredMeans, within };
}

/** Class means, centred means and within-class residuals of features (N x d) with labels (length N). */
export function classStats(features: Matrix, labels: ArrayLike<number>, opts: CollapseOptions = {}): ClassStats {
  const N = features.rows;
  const d = features.cols;
  if (labels.length !== N) throw new RangeError(`classStats: ${labels.length} labels for ${N} samples`);
  const ci = classIndex(labels);
  const K = ci.classes;
  // compensated class sums: the means are correctly rounded up to O(eps^2) terms whatever N
  const sums = new CompensatedSums(K * d);
  for (let i = 0; i < N; i++) sums.addVector(features.row(i), ci.labels[i] * d);
  const means = new Matrix(K, d, sums.values());
  for (let k = 0; k < K; k++) for (let j = 0; j < d; j++) means.data[k * d + j] /= ci.counts[k];
  const within = new Matrix(N, d);
  for (let i = 0; i < N; i++) {
    const off = ci.labels[i] * d;
    const r = features.row(i);
    for (let j = 0; j < d; j++) within.data[i * d + j] = r[j] - means.data[off + j];
  }
  return statsFromMeans(means, ci.counts, ci.labels, ci.values, within, opts);
}

/** Class means mu_k as rows (K x d), classes in increasing label order. */
export function classMeans(features: Matrix, labels: ArrayLike<number>): Matrix {
  return classStats(features, labels).means;
}

/** Sigma_W = (1/N) sum_i (x_i - mu_{y_i})(x_i - mu_{y_i})^T, d x d (AGOP Sec. 2; Tirer et al. Sec. 3). */
export function sigmaW(features: Matrix, labels: ArrayLike<number>): Matrix {
  const s = classStats(features, labels);
  return gemm(s.within, s.within, { transA: true, alpha: 1 / s.N });
}

/** Sigma_B = (1/K) sum_k (mu_k - mu_G)(mu_k - mu_G)^T, d x d (AGOP Sec. 2; Tirer et al. Sec. 3). */
export function sigmaB(features: Matrix, labels: ArrayLike<number>, opts: CollapseOptions = {}): Matrix {
  const s = classStats(features, labels, opts);
  return gemm(s.centeredMeans, s.centeredMeans, { transA: true, alpha: 1 / s.K });
}

/** Sigma_T = (1/N) sum_i (x_i - mu_G)(x_i - mu_G)^T with mu_G the mean of all samples (total covariance). */
export function sigmaT(features: Matrix): Matrix {
  const N = features.rows;
  const d = features.cols;
  const mu = columnMeans(features);
  const C = new Matrix(N, d);
  for (let i = 0; i < N; i++) {
    const r = features.row(i);
    for (let j = 0; j < d; j++) C.data[i * d + j] = r[j] - mu[j];
  }
  return gemm(C, C, { transA: true, alpha: 1 / N });
}

/** Column means by compensated summation. */
function columnMeans(features: Matrix): Float64Array {
  const acc = new CompensatedSums(features.cols);
  for (let i = 0; i < features.rows; i++) acc.addVector(features.row(i));
  const mu = acc.values();
  for (let j = 0; j < mu.length; j++) mu[j] /= features.rows;
  return mu;
}

/** tr Sigma_W = (1/N) ||X - class means||_F^2. */
export function traceSigmaW(s: ClassStats): number {
  if (s.moments) {
    let t = 0;
    for (let j = 0; j < s.d; j++) t += s.moments.sigmaW.data[j * s.d + j];
    return t;
  }
  return pairwiseSumSquares(s.within.data) / s.N;
}

/** tr Sigma_B = (1/K) sum_k ||mu_k - mu_G||^2. */
export function traceSigmaB(s: ClassStats): number {
  return pairwiseSumSquares(s.centeredMeans.data) / s.K;
}

/** Top eigenpairs of Sigma_B (at most K-1, above a relative cut-off), found through the K x K Gram of the centred means. */
export interface BetweenEigen {
  values: Float64Array;
  vectors: Matrix;
}

export function betweenClassEigen(s: ClassStats): BetweenEigen {
  const Mc = s.centeredMeans;
  // (1/K) Mc Mc^T = U L U^T  =>  Sigma_B = (1/K) Mc^T Mc has eigenvectors Mc^T u / sqrt(K l) with the same eigenvalues
  const G = gemm(Mc, Mc, { transB: true, alpha: 1 / s.K });
  for (let i = 0; i < s.K; i++)
    for (let j = 0; j < i; j++) {
      const v = 0.5 * (G.data[i * s.K + j] + G.data[j * s.K + i]);
      G.data[i * s.K + j] = v;
      G.data[j * s.K + i] = v;
    }
  const { values, vectors } = eigSym(G);
  const top = values.length > 0 ? values[0] : 0;
  const tol = Math.max(s.K, s.d) * Number.EPSILON * top;
  const keep: number[] = [];
  for (let j = 0; j < Math.min(s.K - 1, s.d, values.length); j++) if (values[j] > tol && values[j] > 0) keep.push(j);
  const r = keep.length;
  const U = new Matrix(s.K, r);
  for (let i = 0; i < s.K; i++)
    for (let c = 0; c < r; c++) U.data[i * r + c] = vectors.data[i * vectors.cols + keep[c]] / Math.sqrt(s.K * values[keep[c]]);
  const V = gemm(Mc, U, { transA: true });
  return { values: Float64Array.from(keep.map((j) => values[j])), vectors: V };
}

/** q_jk = (1/N_k) sum_{i in k} (v_j^T (x_i - mu_k))^2 = v_j^T Sigma_W^(k) v_j for the kept eigenvectors v_j of Sigma_B. */
function projectedWithin(s: ClassStats, eig: BetweenEigen): Float64Array[] {
  const r = eig.values.length;
  const P = gemm(s.within, eig.vectors);
  const acc = new CompensatedSums(s.K * r);
  for (let i = 0; i < s.N; i++) {
    const off = s.labels[i] * r;
    for (let j = 0; j < r; j++) {
      const t = P.data[i * r + j];
      acc.add(off + j, t * t);
    }
  }
  const all = acc.values();
  const q: Float64Array[] = [];
  for (let k = 0; k < s.K; k++) q.push(all.subarray(k * r, (k + 1) * r).map((v) => v / s.counts[k]));
  return q;
}

function perClassFromStats(s: ClassStats): Float64Array {
  const eig = betweenClassEigen(s);
  const out = new Float64Array(s.K);
  if (s.moments) return out.fill(NaN);
  if (eig.values.length === 0) return out.fill(traceSigmaW(s) > 0 ? Infinity : NaN);
  const q = projectedWithin(s, eig);
  for (let k = 0; k < s.K; k++) {
    let t = 0;
    for (let j = 0; j < eig.values.length; j++) t += q[k][j] / eig.values[j];
    out[k] = t / s.K;
  }
  return out;
}

/** nc1 from streamed moments: (1/K) sum_j v_j^T Sigma_W v_j / lambda_j over the kept eigenpairs of Sigma_B. */
function nc1FromMoments(s: ClassStats): number {
  const eig = betweenClassEigen(s);
  if (eig.values.length === 0) return traceSigmaW(s) > 0 ? Infinity : NaN;
  const SV = gemm(s.moments!.sigmaW, eig.vectors);
  const r = eig.values.length;
  let t = 0;
  for (let j = 0; j < r; j++) {
    let q = 0;
    for (let i = 0; i < s.d; i++) q += eig.vectors.data[i * r + j] * SV.data[i * r + j];
    t += Math.max(0, q) / eig.values[j];
  }
  return t / s.K;
}

function nc1FromStats(s: ClassStats): number {
  if (s.moments) return nc1FromMoments(s);
  const per = perClassFromStats(s);
  let t = 0;
  for (let k = 0; k < s.K; k++) t += (s.counts[k] / s.N) * per[k];
  return t;
}

/** NC1 = (1/K) tr(Sigma_W Sigma_B^+), pseudo-inverse over the top K-1 eigenpairs of Sigma_B (Tirer et al. Sec. 5); never negative. */
export function nc1(features: Matrix, labels: ArrayLike<number>, opts: CollapseOptions = {}): number {
  return nc1FromStats(classStats(features, labels, opts));
}

/** Per-class NC1^(k) = (1/K) tr(Sigma_W^(k) Sigma_B^+) (Tirer et al. App. E); nc1 = sum_k pi_k NC1^(k). */
export function nc1PerClass(features: Matrix, labels: ArrayLike<number>, opts: CollapseOptions = {}): Float64Array {
  return perClassFromStats(classStats(features, labels, opts));
}

function nc1TraceFromStats(s: ClassStats): number {
  const b = traceSigmaB(s);
  const w = traceSigmaW(s);
  return b > 0 ? w / b : w > 0 ? Infinity : NaN;
}

/** NC1~ = tr Sigma_W / tr Sigma_B (Tirer et al. Eq. 3; the AGOP paper's NC1). */
export function nc1Trace(features: Matrix, labels: ArrayLike<number>, opts: CollapseOptions = {}): number {
  return nc1TraceFromStats(classStats(features, labels, opts));
}

/** V_k = tr Sigma_W^(k) = (1/N_k) sum_{i in k} ||x_i - mu_k||^2, compensated per class. */
function classVariances(s: ClassStats): Float64Array {
  if (s.moments) return s.moments.classVariance;
  const acc = new CompensatedSums(s.K);
  for (let i = 0; i < s.N; i++) acc.add(s.labels[i], pairwiseSumSquares(s.within.data, i * s.d, (i + 1) * s.d));
  const V = acc.values();
  for (let k = 0; k < s.K; k++) V[k] /= s.counts[k];
  return V;
}

function cdnvFromStats(s: ClassStats): number {
  const V = classVariances(s);
  let total = 0;
  let pairs = 0;
  for (let k = 0; k < s.K; k++)
    for (let l = k + 1; l < s.K; l++) {
      let dist = 0;
      for (let j = 0; j < s.d; j++) {
        const t = s.means.data[k * s.d + j] - s.means.data[l * s.d + j];
        dist += t * t;
      }
      total += (V[k] + V[l]) / (2 * dist);
      pairs++;
    }
  return pairs > 0 ? total / pairs : NaN;
}

/** CDNV: mean over class pairs of (V_k + V_l) / (2 ||mu_k - mu_l||^2), V_k = tr Sigma_W^(k) (Galanti et al. 2022). */
export function cdnv(features: Matrix, labels: ArrayLike<number>): number {
  return cdnvFromStats(classStats(features, labels));
}

/** ||A / ||A||_F - B / ||B||_F||_F for K x K matrices. */
function normalizedDistance(A: Matrix, B: Matrix): number {
  const a = Math.sqrt(pairwiseSumSquares(A.data));
  const b = Math.sqrt(pairwiseSumSquares(B.data));
  if (a === 0 || b === 0) return NaN;
  let t = 0;
  for (let i = 0; i < A.data.length; i++) {
    const v = A.data[i] / a - B.data[i] / b;
    t += v * v;
  }
  return Math.sqrt(t);
}

/** I_K - 1 1^T / K (the simplex ETF Gram up to scale). */
export function centeringMatrix(K: number): Matrix {
  return Matrix.fromFunction(K, K, (i, j) => (i === j ? 1 : 0) - 1 / K);
}

/** Sigma_ETF = (1 + 1/(K-1)) I_K - (1/(K-1)) 1 1^T (AGOP Sec. 2). */
export function sigmaETF(K: number): Matrix {
  return Matrix.fromFunction(K, K, (i, j) => (i === j ? 1 + 1 / (K - 1) : 0) - 1 / (K - 1));
}

function nc2EtfFromStats(s: ClassStats): number {
  const G = gemm(s.geometryCenteredMeans, s.geometryCenteredMeans, { transB: true });
  return normalizedDistance(G, centeringMatrix(s.K));
}

/** NC2 = || M^T M / ||M^T M||_F - (I - 1 1^T / K) / sqrt(K-1) ||_F, M centred means (Tirer et al. Sec. 5). */
export function nc2Etf(features: Matrix, labels: ArrayLike<number>, opts: CollapseOptions = {}): number {
  return nc2EtfFromStats(classStats(features, labels, opts));
}

function unitRows(A: Matrix): Matrix {
  const out = A.clone();
  for (let i = 0; i < A.rows; i++) {
    const r = out.row(i);
    let n = 0;
    for (const v of r) n += v * v;
    n = Math.sqrt(n);
    if (n > 0) for (let j = 0; j < r.length; j++) r[j] /= n;
  }
  return out;
}

function nc2GramFromStats(s: ClassStats): number {
  const U = unitRows(s.geometryCenteredMeans);
  const G = gemm(U, U, { transB: true });
  const E = sigmaETF(s.K);
  let t = 0;
  for (let i = 0; i < G.data.length; i++) {
    const v = G.data[i] - E.data[i];
    t += v * v;
  }
  return Math.sqrt(t);
}

/** NC2 of the AGOP paper: || Mhat^T Mhat - Sigma_ETF ||_F, Mhat centred means scaled to unit length (AGOP Sec. 2, App. D). */
export function nc2Gram(features: Matrix, labels: ArrayLike<number>, opts: CollapseOptions = {}): number {
  return nc2GramFromStats(classStats(features, labels, opts));
}

function nc2OrthogonalFromStats(s: ClassStats): number {
  const G = gemm(s.means, s.means, { transB: true });
  return normalizedDistance(G, Matrix.eye(s.K));
}

/** Distance of the uncentred class-mean Gram to an orthogonal frame: || H^T H/||H^T H||_F - I/sqrt(K) ||_F (AGOP DNC2, orthogonal case). */
export function nc2Orthogonal(features: Matrix, labels: ArrayLike<number>): number {
  return nc2OrthogonalFromStats(classStats(features, labels));
}

/** Rows of the classifier that belong to the classes present (K x d). */
function classifierRows(W: Matrix, s: ClassStats): Matrix {
  if (W.cols !== s.d) throw new RangeError(`nc3: classifier is ${W.rows}x${W.cols}, expected ${s.K}x${s.d} (classes x feature dimension, out x in)`);
  if (W.rows === s.K) return W;
  const maxValue = s.values[s.values.length - 1];
  if (s.values[0] >= 0 && maxValue < W.rows) {
    const out = new Matrix(s.K, s.d);
    s.values.forEach((v, k) => out.data.set(W.row(v), k * s.d));
    return out;
  }
  throw new RangeError(`nc3: classifier has ${W.rows} rows but the labels hold ${s.K} classes with values up to ${maxValue}`);
}

function nc3FromStats(s: ClassStats, W: Matrix): number {
  const Wk = classifierRows(W, s);
  const WM = gemm(Wk, s.geometryCenteredMeans, { transB: true });
  return normalizedDistance(WM, centeringMatrix(s.K));
}

/**
 * NC3 = || W M / ||W M||_F - (I - 1 1^T / K) / sqrt(K-1) ||_F (Tirer et al. Sec. 5). W is the classifier,
 * classes x d (out x in); with more rows than classes present, the rows of the label values are used.
 */
export function nc3(features: Matrix, labels: ArrayLike<number>, classifier: Matrix, opts: CollapseOptions = {}): number {
  return nc3FromStats(classStats(features, labels, opts), classifier);
}

/**
 * Gram matrix Xbar Xbar^T (N x N) of centred, normalised samples: rows (x_i - mu~) / ||x_i - mu~||, mu~ the
 * average of the class means when labels are given, else the mean of all samples (AGOP Fig. 1).
 */
export function centeredNormalizedGram(features: Matrix, labels?: ArrayLike<number>): Matrix {
  const N = features.rows;
  const d = features.cols;
  let mu: Float64Array;
  if (labels) mu = classStats(features, labels, { globalMean: 'classMeans' }).globalMean;
  else {
    mu = columnMeans(features);
  }
  const C = new Matrix(N, d);
  for (let i = 0; i < N; i++) {
    const r = features.row(i);
    for (let j = 0; j < d; j++) C.data[i * d + j] = r[j] - mu[j];
  }
  const U = unitRows(C);
  return gemm(U, U, { transB: true });
}

/** All NC metrics of one feature matrix, computed from one pass of class statistics. */
export interface CollapseMetrics {
  samples: number;
  classes: number;
  dim: number;
  classCounts: Int32Array;
  nc1: number;
  nc1Trace: number;
  nc1PerClass: Float64Array;
  cdnv: number;
  nc2Etf: number;
  nc2Gram: number;
  nc2Orthogonal: number;
  /** Only with a classifier. */
  nc3?: number;
  traceSigmaW: number;
  traceSigmaB: number;
}

export function collapseMetrics(features: Matrix, labels: ArrayLike<number>, opts: CollapseOptions & { classifier?: Matrix } = {}): CollapseMetrics {
  return collapseMetricsFromStats(classStats(features, labels, opts), opts.classifier);
}

/** collapseMetrics from class statistics computed once (e.g. shared with geometry.ts). */
export function collapseMetricsFromStats(s: ClassStats, classifier?: Matrix): CollapseMetrics {
  const per = perClassFromStats(s);
  let n1 = 0;
  for (let k = 0; k < s.K; k++) n1 += (s.counts[k] / s.N) * per[k];
  if (s.moments) n1 = nc1FromMoments(s);
  const out: CollapseMetrics = {
    samples: s.N,
    classes: s.K,
    dim: s.d,
    classCounts: s.counts,
    nc1: n1,
    nc1Trace: nc1TraceFromStats(s),
    nc1PerClass: per,
    cdnv: cdnvFromStats(s),
    nc2Etf: nc2EtfFromStats(s),
    nc2Gram: nc2GramFromStats(s),
    nc2Orthogonal: nc2OrthogonalFromStats(s),
    traceSigmaW: traceSigmaW(s),
    traceSigmaB: traceSigmaB(s),
  };
  if (classifier) out.nc3 = nc3FromStats(s, classifier);
  return out;
}
