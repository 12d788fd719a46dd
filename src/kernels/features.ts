// Random-feature maps Phi(x) = sigma(W x + b) for Deep RFM (AGOP paper Sec. 3.3, App. A, App. C).
import { Matrix, gemm } from '../linalg/index.ts';
import type { Rng } from '../random/index.ts';

/**
 * - 'relu': relu(W x), W_ij ~ N(0, 2/D) (Prop. A.1's scaling, so E||Phi(x)||^2 = ||x||^2).
 * - 'relu-uniform': relu(W x), W_ij ~ U(-1/sqrt(d), 1/sqrt(d)) (PyTorch's default linear init, the
 *   authors' reference code; no bias).
 * - 'cos-gaussian': sqrt(2/D) cos(W x + b), W_ij ~ N(0, 1/s^2), b ~ U[0, 2 pi): random Fourier
 *   features of the Gaussian kernel exp(-||x - z||_2^2 / (2 s^2)).
 * - 'cos-laplace': the same with multivariate Cauchy rows w = g / (s |u|), g ~ N(0, I_d), u ~ N(0, 1):
 *   random Fourier features of the (l2) Laplace kernel exp(-||x - z||_2 / s).
 * - 'cos-laplace-l1': the same with i.i.d. standard Cauchy entries / s: random Fourier features of the
 *   l1-Laplace kernel exp(-||x - z||_1 / s), what the authors' reference code calls "Laplace" features.
 */
export type FeatureMapName = 'relu' | 'relu-uniform' | 'cos-gaussian' | 'cos-laplace' | 'cos-laplace-l1';
export const FEATURE_MAP_NAMES: readonly FeatureMapName[] = ['relu', 'relu-uniform', 'cos-gaussian', 'cos-laplace', 'cos-laplace-l1'];

export interface RandomFeatureMap {
  name: FeatureMapName;
  /** D x d weights (rows are w_t). */
  W: Matrix;
  /** Phases b (cosine maps only). */
  b?: Float64Array;
  /** Apply to the rows of X (N x d) -> N x D. */
  apply(X: Matrix): Matrix;
}

/**
 * Draw a random-feature map R^d -> R^D. `bandwidth` is s for the cosine maps (paper: 0.05 for
 * the l1-Laplace features) and is ignored by the ReLU maps.
 */
export function randomFeatureMap(name: FeatureMapName, d: number, D: number, rng: Rng, bandwidth = 1): RandomFeatureMap {
  if (!Number.isInteger(D) || D < 1) throw new RangeError(`randomFeatureMap: width must be a positive integer, got ${D}`);
  if (!(bandwidth > 0)) throw new RangeError(`randomFeatureMap: bandwidth must be positive, got ${bandwidth}`);
  const wr = rng.child('W');
  const W = new Matrix(D, d);
  switch (name) {
    case 'relu':
      W.data.set(wr.normals(D * d, Math.sqrt(2 / D)));
      break;
    case 'relu-uniform':
      W.data.set(wr.uniforms(D * d, -1 / Math.sqrt(d), 1 / Math.sqrt(d)));
      break;
    case 'cos-gaussian':
      W.data.set(wr.normals(D * d, 1 / bandwidth));
      break;
    case 'cos-laplace':
      for (let t = 0; t < D; t++) {
        const g = wr.normals(d);
        let u = 0;
        while (u === 0) u = wr.normal();
        const f = 1 / (bandwidth * Math.abs(u));
        for (let j = 0; j < d; j++) W.data[t * d + j] = f * g[j];
      }
      break;
    case 'cos-laplace-l1':
      for (let t = 0; t < D * d; t++) W.data[t] = wr.cauchy() / bandwidth;
      break;
    default:
      throw new RangeError(`randomFeatureMap: unknown feature map '${name as string}'`);
  }
  if (name === 'relu' || name === 'relu-uniform') {
    return { name, W, apply: (X) => reluInPlace(gemm(X, W, { transB: true })) };
  }
  const b = rng.child('b').uniforms(D, 0, 2 * Math.PI);
  const amp = Math.sqrt(2 / D);
  return {
    name,
    W,
    b,
    apply: (X) => {
      const Z = gemm(X, W, { transB: true });
      for (let i = 0; i < Z.rows; i++) for (let t = 0; t < D; t++) Z.data[i * D + t] = amp * Math.cos(Z.data[i * D + t] + b[t]);
      return Z;
    },
  };
}

function reluInPlace(Z: Matrix): Matrix {
  for (let t = 0; t < Z.data.length; t++) if (Z.data[t] < 0) Z.data[t] = 0;
  return Z;
}
