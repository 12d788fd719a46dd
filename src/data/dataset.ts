// Datasets: `{ X: N x d (one sample per row), labels, classes }` and the helpers every loader shares (DESIGN.md, "src/data/").
import { Matrix } from '../linalg/index.ts';
import type { Rng } from '../random/index.ts';

export interface Dataset {
  /** N x d, one sample per row. */
  X: Matrix;
  /** Class of each row, in 0..classes-1. */
  labels: Int32Array;
  /** Number of classes K. */
  classes: number;
}

/** Throw unless the labels fit the data and lie in 0..classes-1. */
export function checkDataset(ds: Dataset): void {
  if (ds.labels.length !== ds.X.rows) throw new RangeError(`dataset: ${ds.labels.length} labels for ${ds.X.rows} samples`);
  if (!Number.isInteger(ds.classes) || ds.classes < 1) throw new RangeError(`dataset: classes must be a positive integer, got ${ds.classes}`);
  for (let i = 0; i < ds.labels.length; i++) {
    const c = ds.labels[i];
    if (c < 0 || c >= ds.classes) throw new RangeError(`dataset: label ${c} of sample ${i} is outside 0..${ds.classes - 1}`);
  }
}

/** N_k for each class k. */
export function classCounts(labels: ArrayLike<number>, classes: number): Int32Array {
  const counts = new Int32Array(classes);
  for (let i = 0; i < labels.length; i++) counts[labels[i]]++;
  return counts;
}

/**
 * One-hot targets (N x K): `on` at the sample's class, `off` elsewhere.
 * The AGOP paper's Deep RFM uses on = 1, off = -1 (App. C, "+-1 for within/outside of each class").
 */
export function oneHot(labels: ArrayLike<number>, classes: number, opts: { on?: number; off?: number } = {}): Matrix {
  const on = opts.on ?? 1;
  const off = opts.off ?? 0;
  const Y = Matrix.fill(labels.length, classes, off);
  for (let i = 0; i < labels.length; i++) Y.data[i * classes + labels[i]] = on;
  return Y;
}

/** Rows `idx` of a dataset (copy), in the order given. */
export function selectSamples(ds: Dataset, idx: ArrayLike<number>): Dataset {
  const d = ds.X.cols;
  const X = new Matrix(idx.length, d);
  const labels = new Int32Array(idx.length);
  for (let r = 0; r < idx.length; r++) {
    const i = idx[r];
    if (i < 0 || i >= ds.X.rows) throw new RangeError(`selectSamples: index ${i} outside 0..${ds.X.rows - 1}`);
    X.data.set(ds.X.data.subarray(i * d, (i + 1) * d), r * d);
    labels[r] = ds.labels[i];
  }
  return { X, labels, classes: ds.classes };
}

/** Indices that sort the samples by class, stable within a class (class-major order, as the papers lay out Y = I_K kron 1_n^T). */
export function classOrder(labels: ArrayLike<number>, classes: number): Int32Array {
  const counts = classCounts(labels, classes);
  const start = new Int32Array(classes);
  for (let k = 1; k < classes; k++) start[k] = start[k - 1] + counts[k - 1];
  const order = new Int32Array(labels.length);
  for (let i = 0; i < labels.length; i++) order[start[labels[i]]++] = i;
  return order;
}

/** The dataset with its samples reordered by class (stable). */
export function sortByClass(ds: Dataset): Dataset {
  return selectSamples(ds, classOrder(ds.labels, ds.classes));
}

export interface Standardizer {
  mean: Float64Array;
  /** Per-feature standard deviation (population, 1/N); features with std 0 are divided by 1. */
  std: Float64Array;
}

/** Per-feature mean and standard deviation of X (population 1/N). */
export function fitStandardizer(X: Matrix): Standardizer {
  const { rows: n, cols: d, data } = X;
  const mean = new Float64Array(d);
  const std = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j] += data[i * d + j];
  for (let j = 0; j < d; j++) mean[j] /= Math.max(n, 1);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < d; j++) {
      const v = data[i * d + j] - mean[j];
      std[j] += v * v;
    }
  for (let j = 0; j < d; j++) {
    const s = Math.sqrt(std[j] / Math.max(n, 1));
    std[j] = s > 1e-12 ? s : 1;
  }
  return { mean, std };
}

/** (X - mean) / std per feature (copy), with a standardizer fitted elsewhere (e.g. on the training set). */
export function applyStandardizer(X: Matrix, s: Standardizer): Matrix {
  const { rows: n, cols: d } = X;
  if (s.mean.length !== d) throw new RangeError(`applyStandardizer: ${s.mean.length} features fitted, data has ${d}`);
  const out = new Matrix(n, d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) out.data[i * d + j] = (X.data[i * d + j] - s.mean[j]) / s.std[j];
  return out;
}

/** Standardise each feature to mean 0 and standard deviation 1 (constant features are only centred). */
export function standardize(X: Matrix): Matrix {
  return applyStandardizer(X, fitStandardizer(X));
}

/** Each row divided by its Euclidean norm (zero rows stay zero); Algorithm 1's `X <- X ./ ||X||`. */
export function normalizeRows(X: Matrix): Matrix {
  const { rows: n, cols: d } = X;
  const out = new Matrix(n, d);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < d; j++) {
      const v = X.data[i * d + j];
      s += v * v;
    }
    const inv = s > 0 ? 1 / Math.sqrt(s) : 0;
    for (let j = 0; j < d; j++) out.data[i * d + j] = X.data[i * d + j] * inv;
  }
  return out;
}

/**
 * Indices of a random subset of `n` samples. With `stratify`, each class keeps its share
 * (largest-remainder rounding, ties broken by class index); the result is in class-major, then
 * original, order when stratified and in draw order otherwise.
 */
export function subsetIndices(labels: ArrayLike<number>, classes: number, n: number, rng: Rng, stratify = true): Int32Array {
  const N = labels.length;
  if (!Number.isInteger(n) || n < 0 || n > N) throw new RangeError(`subset: n must be an integer in 0..${N}, got ${n}`);
  if (!stratify) return rng.permutation(N).slice(0, n);
  const counts = classCounts(labels, classes);
  const take = new Int32Array(classes);
  const rema: { k: number; r: number }[] = [];
  let used = 0;
  for (let k = 0; k < classes; k++) {
    const exact = (n * counts[k]) / N;
    take[k] = Math.floor(exact);
    used += take[k];
    rema.push({ k, r: exact - take[k] });
  }
  rema.sort((a, b) => b.r - a.r || a.k - b.k);
  for (let t = 0; used < n; t++) {
    const k = rema[t % classes].k;
    if (take[k] < counts[k]) {
      take[k]++;
      used++;
    }
  }
  const byClass = classOrder(labels, classes);
  const out: number[] = [];
  let off = 0;
  for (let k = 0; k < classes; k++) {
    const members = byClass.subarray(off, off + counts[k]);
    off += counts[k];
    const perm = rng.child(`class-${k}`).permutation(counts[k]);
    const chosen = Array.from(perm.subarray(0, take[k]), (p) => members[p]).sort((a, b) => a - b);
    out.push(...chosen);
  }
  return Int32Array.from(out);
}

/** A random subset of n samples (stratified by class unless told otherwise). */
export function subset(ds: Dataset, n: number, rng: Rng, stratify = true): Dataset {
  return selectSamples(ds, subsetIndices(ds.labels, ds.classes, n, rng, stratify));
}

/**
 * Seeded train/test split: `nTest` samples (stratified by class unless told otherwise) go to the
 * test set, then `nTrain` of the rest (all of them when omitted) to the training set. Disjoint.
 */
export function trainTestSplit(
  ds: Dataset,
  opts: { nTest: number; nTrain?: number; stratify?: boolean },
  rng: Rng,
): { train: Dataset; test: Dataset } {
  const stratify = opts.stratify ?? true;
  const N = ds.X.rows;
  const nTrain = opts.nTrain ?? N - opts.nTest;
  if (opts.nTest < 0 || nTrain < 0 || opts.nTest + nTrain > N) {
    throw new RangeError(`trainTestSplit: ${nTrain} training + ${opts.nTest} test samples exceed the ${N} available`);
  }
  const testIdx = subsetIndices(ds.labels, ds.classes, opts.nTest, rng.child('test'), stratify);
  const inTest = new Uint8Array(N);
  for (const i of testIdx) inTest[i] = 1;
  const rest = Int32Array.from({ length: N - opts.nTest }, () => 0);
  let r = 0;
  for (let i = 0; i < N; i++) if (!inTest[i]) rest[r++] = i;
  const restLabels = Int32Array.from(rest, (i) => ds.labels[i]);
  const trainPos = subsetIndices(restLabels, ds.classes, nTrain, rng.child('train'), stratify);
  const trainIdx = Int32Array.from(trainPos, (p) => rest[p]);
  return { train: selectSamples(ds, trainIdx), test: selectSamples(ds, testIdx) };
}
