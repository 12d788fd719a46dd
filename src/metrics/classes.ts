// Class bookkeeping shared by the cluster and collapse metrics: labels -> compact 0..K-1 indices.
import { Matrix } from '../linalg/index.ts';

/** Labels compacted to 0..K-1 (in increasing order of the original label values); only non-empty classes count. */
export interface ClassIndex {
  /** Number of non-empty classes K. */
  classes: number;
  /** N_k for k = 0..K-1. */
  counts: Int32Array;
  /** Compact label of every sample, in 0..K-1. */
  labels: Int32Array;
  /** Original label value of each compact class (ascending). */
  values: number[];
}

/** Compact arbitrary integer labels (e.g. {3, 7, 9}) to 0..K-1; throws on non-integer labels. */
export function classIndex(labels: ArrayLike<number>): ClassIndex {
  const seen = new Map<number, number>();
  for (let i = 0; i < labels.length; i++) {
    const v = labels[i];
    if (!Number.isInteger(v)) throw new RangeError(`labels: entry ${i} is ${v}, expected an integer`);
    seen.set(v, (seen.get(v) ?? 0) + 1);
  }
  const values = [...seen.keys()].sort((a, b) => a - b);
  const pos = new Map<number, number>();
  values.forEach((v, k) => pos.set(v, k));
  const counts = new Int32Array(values.length);
  const compact = new Int32Array(labels.length);
  for (let i = 0; i < labels.length; i++) {
    const k = pos.get(labels[i])!;
    compact[i] = k;
    counts[k]++;
  }
  return { classes: values.length, counts, labels: compact, values };
}

/** One-hot targets (N x K) for compact labels 0..K-1: the y_i of NRC Eq. 6 for classification. */
export function oneHot(labels: ArrayLike<number>, classes?: number): Matrix {
  let K = classes ?? 0;
  if (classes === undefined) for (let i = 0; i < labels.length; i++) K = Math.max(K, labels[i] + 1);
  const Y = new Matrix(labels.length, K);
  for (let i = 0; i < labels.length; i++) {
    const k = labels[i];
    if (!Number.isInteger(k) || k < 0 || k >= K) throw new RangeError(`oneHot: label ${k} at ${i} is outside 0..${K - 1}`);
    Y.data[i * K + k] = 1;
  }
  return Y;
}
