// Balanced Gaussian mixture: x = mu_k + sigma v, v ~ N(0, I), means i.i.d. uniform directions of norm `radius`.
import { Matrix } from '../linalg/index.ts';
import type { Rng } from '../random/index.ts';
import type { Dataset } from './dataset.ts';

export interface GaussianMixtureOptions {
  /** Number of components (classes) K. */
  k: number;
  /** Total number of samples N (N/K per class; when K does not divide N the first N mod K classes get one more). */
  n: number;
  /** Dimension d. */
  dim: number;
  /** Within-class standard deviation per coordinate. */
  sigma: number;
  /** Norm of each mean mu_k. */
  radius: number;
}

export interface GaussianMixture extends Dataset {
  /** K x d class means mu_k. */
  means: Matrix;
}

/** Sizes of the K classes: N/K each, the first N mod K classes one larger. */
export function balancedSizes(n: number, k: number): Int32Array {
  const sizes = new Int32Array(k).fill(Math.floor(n / k));
  for (let c = 0; c < n % k; c++) sizes[c]++;
  return sizes;
}

/** K balanced blobs in class-major order; means from rng.child('means'), noise from rng.child('noise'). */
export function gaussianMixture(opts: GaussianMixtureOptions, rng: Rng): GaussianMixture {
  const { k, n, dim, sigma, radius } = opts;
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`gaussianMixture: k must be a positive integer, got ${k}`);
  if (!Number.isInteger(n) || n < k) throw new RangeError(`gaussianMixture: n must be an integer >= k = ${k}, got ${n}`);
  if (!Number.isInteger(dim) || dim < 1) throw new RangeError(`gaussianMixture: dim must be a positive integer, got ${dim}`);
  if (!(sigma >= 0)) throw new RangeError(`gaussianMixture: sigma must be >= 0, got ${sigma}`);
  if (!(radius >= 0)) throw new RangeError(`gaussianMixture: radius must be >= 0, got ${radius}`);
  const meanRng = rng.child('means');
  const means = new Matrix(k, dim);
  for (let c = 0; c < k; c++) {
    const g = meanRng.normals(dim);
    let s = 0;
    for (let j = 0; j < dim; j++) s += g[j] * g[j];
    const f = s > 0 ? radius / Math.sqrt(s) : 0;
    for (let j = 0; j < dim; j++) means.data[c * dim + j] = f * g[j];
  }
  const noise = rng.child('noise').normals(n * dim, sigma);
  const X = new Matrix(n, dim, noise);
  const labels = new Int32Array(n);
  const sizes = balancedSizes(n, k);
  let i = 0;
  for (let c = 0; c < k; c++) {
    for (let t = 0; t < sizes[c]; t++, i++) {
      labels[i] = c;
      for (let j = 0; j < dim; j++) X.data[i * dim + j] += means.data[c * dim + j];
    }
  }
  return { X, labels, classes: k, means };
}
