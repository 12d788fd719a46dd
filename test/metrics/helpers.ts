// Test fixtures for the metrics: random matrices, random orthogonal matrices (Gram-Schmidt), simplex ETFs.
import { Matrix } from '../../src/linalg/index.ts';
import { Rng } from '../../src/random/index.ts';

export function randn(rows: number, cols: number, rng: Rng, std = 1): Matrix {
  return new Matrix(rows, cols, rng.normals(rows * cols, std));
}

/** Random d x d orthogonal matrix (modified Gram-Schmidt on a Gaussian matrix). */
export function randomOrthogonal(d: number, rng: Rng): Matrix {
  const A = randn(d, d, rng);
  const Q = new Matrix(d, d);
  for (let j = 0; j < d; j++) {
    const v = A.col(j);
    for (let p = 0; p < j; p++) {
      let dot = 0;
      for (let i = 0; i < d; i++) dot += Q.get(i, p) * v[i];
      for (let i = 0; i < d; i++) v[i] -= dot * Q.get(i, p);
    }
    let n = 0;
    for (let i = 0; i < d; i++) n += v[i] * v[i];
    n = Math.sqrt(n);
    for (let i = 0; i < d; i++) Q.set(i, j, v[i] / n);
  }
  return Q;
}

/** Naive product for tests (independent of linalg's GEMM). */
export function mul(A: Matrix, B: Matrix): Matrix {
  return Matrix.fromFunction(A.rows, B.cols, (i, j) => {
    let s = 0;
    for (let p = 0; p < A.cols; p++) s += A.get(i, p) * B.get(p, j);
    return s;
  });
}

export function transposed(A: Matrix): Matrix {
  return Matrix.fromFunction(A.cols, A.rows, (i, j) => A.get(j, i));
}

/** K simplex-ETF means of squared norm `scale^2` in R^d (d >= K), rows of a K x d matrix, optionally rotated. */
export function simplexMeans(K: number, d: number, scale = 1, Q?: Matrix): Matrix {
  const c = scale * Math.sqrt(K / (K - 1));
  const M = Matrix.fromFunction(K, d, (k, j) => (j < K ? c * ((k === j ? 1 : 0) - 1 / K) : 0));
  return Q ? mul(M, Q) : M;
}

/** Samples: row i = means[labels[i]] + noise row. */
export function samplesAround(means: Matrix, labels: ArrayLike<number>, noise?: Matrix): Matrix {
  const d = means.cols;
  const X = new Matrix(labels.length, d);
  for (let i = 0; i < labels.length; i++) for (let j = 0; j < d; j++) X.data[i * d + j] = means.get(labels[i], j) + (noise ? noise.get(i, j) : 0);
  return X;
}

/** Labels 0..K-1 with the given class sizes, interleaved (not sorted) so no code may assume order. */
export function labelsWithCounts(counts: number[]): Int32Array {
  const out: number[] = [];
  const left = counts.slice();
  while (left.some((c) => c > 0))
    for (let k = 0; k < left.length; k++)
      if (left[k] > 0) {
        out.push(k);
        left[k]--;
      }
  return Int32Array.from(out);
}
