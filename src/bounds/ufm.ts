// Closed forms of Tirer et al., "Perturbation analysis of neural collapse": Theorem 2.1, Theorem 4.2 and
// the full block spectra of Appendix D (plus the exact Theorem 4.1 operator's block spectra, derived here).
import { Matrix } from '../linalg/index.ts';

export interface Theorem21 {
  /** c = sqrt(lambda_H lambda_W). */
  c: number;
  /** Minimisers are collapsed (c <= 1); otherwise (W, H) = (0, 0). */
  collapsed: boolean;
  /** rho = ||hbar_k||^2 = (1 - c) sqrt(lambda_W / lambda_H) (0 when c > 1). */
  rho: number;
  /** sigma_W^2 = ||w_k||^2 = (1 - c) sqrt(lambda_H / lambda_W) (App. D; 0 when c > 1). */
  sigmaW2: number;
  /** w_k = sqrt(lambda_H / lambda_W) hbar_k. */
  wOverH: number;
  /** Minimum of Eq. 1: fit c^2/2 (W H - Y = -c Y) plus two penalties c(1-c)/2 each = c - c^2/2 (c <= 1); 1/2 at (0, 0) otherwise. */
  minValue: number;
}

/** Theorem 2.1 (Eq. 1 minimisers). */
export function theorem21(lambdaH: number, lambdaW: number): Theorem21 {
  const c = Math.sqrt(lambdaH * lambdaW);
  const wOverH = Math.sqrt(lambdaH / lambdaW);
  if (c > 1) return { c, collapsed: false, rho: 0, sigmaW2: 0, wOverH, minValue: 0.5 };
  const rho = (1 - c) * Math.sqrt(lambdaW / lambdaH);
  // At the minimiser W H - Y = -c Y, so the fit term is c^2/2; the two penalties are c(1-c)/2 each.
  return { c, collapsed: true, rho, sigmaW2: (1 - c) * wOverH, wOverH, minValue: (c * c) / 2 + c * (1 - c) };
}

/**
 * The collapsed minimiser of Eq. 1 built from a partial orthonormal R (d x K, R^T R = I_K; default the
 * first K coordinate vectors): H* = sqrt(rho) R (x) 1_n^T, W* = sqrt(lambda_H/lambda_W) sqrt(rho) R^T (Sec. 2).
 * H is returned with samples as rows (Kn x d), class-major.
 */
export function collapsedMinimiser(K: number, n: number, d: number, lambdaH: number, lambdaW: number, R?: Matrix): { H: Matrix; W: Matrix } {
  if (d < K) throw new RangeError(`collapsedMinimiser: needs d >= K (d = ${d}, K = ${K})`);
  const Rm = R ?? Matrix.fromFunction(d, K, (i, j) => (i === j ? 1 : 0));
  const t = theorem21(lambdaH, lambdaW);
  const s = Math.sqrt(t.rho);
  const H = new Matrix(K * n, d);
  const W = new Matrix(K, d);
  for (let k = 0; k < K; k++) {
    for (let j = 0; j < d; j++) {
      const r = Rm.data[j * K + k];
      W.data[k * d + j] = t.wOverH * s * r;
      for (let i = 0; i < n; i++) H.data[(k * n + i) * d + j] = s * r;
    }
  }
  return { H, W };
}

export interface Theorem42 {
  sigmaMaxIntra: number;
  sigmaMinIntra: number;
  sigmaMaxInter: number;
}

/** Theorem 4.2: sigma_max(F_kk) = 1, sigma_min(F_kk) = 1 - sqrt(lambda_H/lambda_W)/beta, sigma_max(F_kk') = 2 lambda_H (1 - c)/beta. */
export function theorem42(lambdaH: number, lambdaW: number, beta: number): Theorem42 {
  const c = Math.sqrt(lambdaH * lambdaW);
  return {
    sigmaMaxIntra: 1,
    sigmaMinIntra: 1 - Math.sqrt(lambdaH / lambdaW) / beta,
    sigmaMaxInter: (2 * lambdaH * (1 - c)) / beta,
  };
}

function sortedAbsDescending(values: number[]): Float64Array {
  return Float64Array.from(values.map(Math.abs)).sort().reverse();
}

/**
 * App. D, Eq. 14-16: the dn eigenvalues of the (symmetric) intra-class block F_kk of Eq. 5 at a collapsed H0,
 * returned as singular values (absolute values, descending). With s = sqrt(lambda_H/lambda_W), c = sqrt(lambda_H lambda_W):
 *   s_j (x) r_i, j > 1, i <= K:   1 - s/beta                          (K (n-1) times)
 *   s_j (x) r_i, j > 1, i > K:    1 - lambda_H/beta                   ((d-K)(n-1) times)
 *   s_1 (x) r_k:                  1 - s/beta + (2c-1)^2 s/beta          (once)
 *   s_1 (x) r_i, i <= K, i != k:  1 - s/beta + (c^2 + (1-c)^2) s/beta  (K-1 times)
 *   s_1 (x) r_i, i > K:           1                                    (d-K times)
 */
export function intraBlockSpectrum(K: number, n: number, d: number, lambdaH: number, lambdaW: number, beta: number): Float64Array {
  const s = Math.sqrt(lambdaH / lambdaW);
  const c = Math.sqrt(lambdaH * lambdaW);
  const lamK = 1 - s / beta; // Eq. 14
  const lamD = 1 - lambdaH / beta; // Eq. 15
  const v: number[] = [];
  for (let j = 1; j < n; j++) {
    for (let i = 0; i < K; i++) v.push(lamK);
    for (let i = K; i < d; i++) v.push(lamD);
  }
  v.push(lamK + ((2 * c - 1) ** 2 * s) / beta); // mu_k
  for (let i = 1; i < K; i++) v.push(lamK + ((c * c + (1 - c) ** 2) * s) / beta); // mu_i, i != k
  for (let i = K; i < d; i++) v.push(lamD + lambdaH / beta); // mu_j = lambda_H: exactly 1
  return sortedAbsDescending(v);
}

/** App. D: the inter-class block F_kk' (k != k') is rank 1 with singular value 2 lambda_H (1 - c)/beta; dn values, descending. */
export function interBlockSpectrum(K: number, n: number, d: number, lambdaH: number, lambdaW: number, beta: number): Float64Array {
  const out = new Float64Array(d * n);
  if (K > 1) out[0] = theorem42(lambdaH, lambdaW, beta).sigmaMaxInter;
  return out;
}

/**
 * Block spectra of the exact Theorem 4.1 operator F_exact = (I + M/beta)^{-1}, M = lambda_H I + I (x) W*^T W* - Z*,
 * at a collapsed H0 (derived for nrc from App. D's Z*_{k,k'} of Eq. 13; not stated in the paper). M vanishes on the
 * rotation directions of the minimiser set (e_a (x) r_b - e_b (x) r_a and e_a (x) r_j, j > K, on s_1), equals
 * 4c(1-c)s on s_1 (x) (e_a (x) r_b + e_b (x) r_a) and on s_1 (x) e_a (x) r_a, s on s_j (x) r_i (j > 1, i <= K) and
 * lambda_H on s_j (x) r_i (j > 1, i > K). With g = 1/(1 + 4c(1-c)s/beta) the intra block has eigenvalues
 *   1/(1 + s/beta) (K(n-1) times), 1/(1 + lambda_H/beta) ((d-K)(n-1)), g (once), (1 + g)/2 (K-1), 1 (d-K);
 * the inter block is rank 1 with singular value (1 - g)/2 = 2 lambda_H (1-c) / (beta + 4 lambda_H (1-c)).
 * Both agree with App. D up to O(beta^-2).
 */
export function intraBlockSpectrumExact(K: number, n: number, d: number, lambdaH: number, lambdaW: number, beta: number): Float64Array {
  const s = Math.sqrt(lambdaH / lambdaW);
  const c = Math.sqrt(lambdaH * lambdaW);
  const g = 1 / (1 + (4 * c * (1 - c) * s) / beta);
  const v: number[] = [];
  for (let j = 1; j < n; j++) {
    for (let i = 0; i < K; i++) v.push(1 / (1 + s / beta));
    for (let i = K; i < d; i++) v.push(1 / (1 + lambdaH / beta));
  }
  v.push(g);
  for (let i = 1; i < K; i++) v.push((1 + g) / 2);
  for (let i = K; i < d; i++) v.push(1);
  return sortedAbsDescending(v);
}

/** Inter-class block of the exact Theorem 4.1 operator (see intraBlockSpectrumExact): rank 1, value 2 lambda_H (1-c)/(beta + 4 lambda_H (1-c)). */
export function interBlockSpectrumExact(K: number, n: number, d: number, lambdaH: number, lambdaW: number, beta: number): Float64Array {
  const c = Math.sqrt(lambdaH * lambdaW);
  const out = new Float64Array(d * n);
  if (K > 1) out[0] = (2 * lambdaH * (1 - c)) / (beta + 4 * lambdaH * (1 - c));
  return out;
}
