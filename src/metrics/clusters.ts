// Cluster measures of Neural Rank Collapse (Zangrando et al.): centroids, WCSS (Eq. 6), and upper
// bounds on the total cluster variation TCV_K (Def. 3.2) from a given partition and from k-means++.
// Data are N x d with one sample per row (DESIGN.md conventions).
import { Matrix, gemm } from '../linalg/index.ts';
import { checkStop } from '../linalg/interrupt.ts';
import { Rng } from '../random/index.ts';
import { classIndex } from './classes.ts';

/** Centroids of a partition: row k is the mean of the rows with assignment k (NRC Sec. 3.1, zbar_k). Empty parts get a zero row and count 0. */
export function centroids(points: Matrix, assignment: ArrayLike<number>, parts?: number): { centroids: Matrix; counts: Int32Array } {
  const N = points.rows;
  const d = points.cols;
  if (assignment.length !== N) throw new RangeError(`centroids: ${assignment.length} assignments for ${N} points`);
  let K = parts ?? 0;
  if (parts === undefined) for (let i = 0; i < N; i++) K = Math.max(K, assignment[i] + 1);
  const C = new Matrix(K, d);
  const counts = new Int32Array(K);
  for (let i = 0; i < N; i++) {
    const k = assignment[i];
    if (!Number.isInteger(k) || k < 0 || k >= K) throw new RangeError(`centroids: assignment ${k} of point ${i} is outside 0..${K - 1}`);
    counts[k]++;
    const off = k * d;
    const row = points.row(i);
    for (let j = 0; j < d; j++) C.data[off + j] += row[j];
  }
  for (let k = 0; k < K; k++) {
    if (counts[k] === 0) continue;
    const inv = 1 / counts[k];
    for (let j = 0; j < d; j++) C.data[k * d + j] *= inv;
  }
  return { centroids: C, counts };
}

/** Sum over points of ||p_i - c_{a(i)}||^2 (not divided by N). */
function sumSquaredToCentroids(points: Matrix, assignment: ArrayLike<number>, C: Matrix): number {
  const d = points.cols;
  let s = 0;
  for (let i = 0; i < points.rows; i++) {
    const row = points.row(i);
    const off = assignment[i] * d;
    for (let j = 0; j < d; j++) {
      const t = row[j] - C.data[off + j];
      s += t * t;
    }
  }
  return s;
}

/** WCSS split into its feature part (z) and its label part (y); total = features + labels. */
export interface WcssParts {
  total: number;
  features: number;
  labels: number;
}

/**
 * WCSS_l(C) = (1/N) sum_k sum_{i in C_k} ||(z_i, y_i) - (zbar_k, ybar_k)||^2 (NRC Eq. 6), with its
 * feature-only and label-only parts. `Y` null/undefined means no label part (wcss_x of DESIGN.md).
 */
export function wcssParts(Z: Matrix, Y: Matrix | null | undefined, assignment: ArrayLike<number>): WcssParts {
  const N = Z.rows;
  if (N === 0) return { total: 0, features: 0, labels: 0 };
  const { centroids: Cz } = centroids(Z, assignment);
  const features = sumSquaredToCentroids(Z, assignment, Cz) / N;
  let labels = 0;
  if (Y) {
    if (Y.rows !== N) throw new RangeError(`wcss: Y has ${Y.rows} rows, Z has ${N}`);
    const { centroids: Cy } = centroids(Y, assignment, Cz.rows);
    labels = sumSquaredToCentroids(Y, assignment, Cy) / N;
  }
  return { total: features + labels, features, labels };
}

/** WCSS_l(C) of NRC Eq. 6 (label part included when Y is given). */
export function wcss(Z: Matrix, Y: Matrix | null | undefined, assignment: ArrayLike<number>): number {
  return wcssParts(Z, Y, assignment).total;
}

/** Input-only WCSS (1/N) sum_k sum_i ||x_i - xbar_k||^2: the quantity NRC Prop. 4.1 bounds. */
export function wcssX(X: Matrix, assignment: ArrayLike<number>): number {
  return wcssParts(X, null, assignment).features;
}

/** Result of k-means: the best partition found, its centroids and WCSS (divided by N, as Eq. 6). */
export interface KMeansResult {
  assignment: Int32Array;
  centroids: Matrix;
  /** (1/N) sum_i ||p_i - c_{a(i)}||^2 of the returned partition. */
  wcss: number;
  /** Lloyd iterations of the run that produced the result. */
  iterations: number;
  /** Every run reached a fixed point (assignments unchanged) within maxIter. */
  converged: boolean;
}

export interface KMeansOptions {
  /** Random stream for k-means++ seeding (required for reproducibility). */
  rng: Rng;
  /** Number of k-means++ restarts (default 8). */
  restarts?: number;
  /** Maximum Lloyd iterations per run (default 300). */
  maxIter?: number;
  /** Extra runs started from these partitions (e.g. the class partition); values in 0..K-1. */
  starts?: ArrayLike<number>[];
  /** Called after every Lloyd run with a one-line progress message (e.g. for stderr). */
  progress?: (msg: string) => void;
}

/** Squared distances ||p_i - c_k||^2 (N x K) through one GEMM: ||p||^2 - 2 p.c + ||c||^2, clipped at 0. */
function squaredDistances(P: Matrix, pNorm: Float64Array, C: Matrix): Matrix {
  const D = gemm(P, C, { transB: true, alpha: -2 });
  const K = C.rows;
  const cNorm = new Float64Array(K);
  for (let k = 0; k < K; k++) {
    const r = C.row(k);
    let s = 0;
    for (let j = 0; j < r.length; j++) s += r[j] * r[j];
    cNorm[k] = s;
  }
  for (let i = 0; i < P.rows; i++) {
    const off = i * K;
    for (let k = 0; k < K; k++) {
      const v = D.data[off + k] + pNorm[i] + cNorm[k];
      D.data[off + k] = v > 0 ? v : 0;
    }
  }
  return D;
}

function rowNorms2(P: Matrix): Float64Array {
  const out = new Float64Array(P.rows);
  for (let i = 0; i < P.rows; i++) {
    const r = P.row(i);
    let s = 0;
    for (let j = 0; j < r.length; j++) s += r[j] * r[j];
    out[i] = s;
  }
  return out;
}

/** k-means++ seeding (Arthur & Vassilvitskii 2007): first centre uniform, then D^2 sampling. */
function kmeansPlusPlus(P: Matrix, pNorm: Float64Array, K: number, rng: Rng): Matrix {
  const N = P.rows;
  const d = P.cols;
  const C = new Matrix(K, d);
  const first = rng.int(N);
  C.data.set(P.row(first), 0);
  const minD = new Float64Array(N).fill(Infinity);
  for (let k = 1; k <= K; k++) {
    checkStop();
    const last = new Matrix(1, d, C.data.slice((k - 1) * d, k * d));
    const Dk = squaredDistances(P, pNorm, last);
    let total = 0;
    for (let i = 0; i < N; i++) {
      if (Dk.data[i] < minD[i]) minD[i] = Dk.data[i];
      total += minD[i];
    }
    if (k === K) break;
    let pick = 0;
    if (total > 0) {
      let u = rng.uniform() * total;
      pick = N - 1;
      for (let i = 0; i < N; i++) {
        u -= minD[i];
        if (u < 0) {
          pick = i;
          break;
        }
      }
    } else {
      pick = rng.int(N);
    }
    C.data.set(P.row(pick), k * d);
  }
  return C;
}

/** Lloyd iterations from initial centroids until the assignment stops changing; returns the best partition seen. */
function lloyd(P: Matrix, pNorm: Float64Array, C0: Matrix, maxIter: number, initial?: Int32Array): KMeansResult {
  const N = P.rows;
  const K = C0.rows;
  let C = C0;
  let assignment = new Int32Array(N).fill(-1);
  let best: KMeansResult | undefined;
  if (initial) {
    best = { assignment: initial.slice(), centroids: C0, wcss: sumSquaredToCentroids(P, initial, C0) / N, iterations: 0, converged: false };
  }
  let iter = 0;
  let converged = false;
  for (; iter < maxIter; iter++) {
    checkStop(); // a stop request is seen between Lloyd iterations
    const D = squaredDistances(P, pNorm, C);
    const next = new Int32Array(N);
    const dist = new Float64Array(N);
    for (let i = 0; i < N; i++) {
      const off = i * K;
      // keep the current centre on ties so the iteration cannot cycle
      let arg = assignment[i] >= 0 ? assignment[i] : 0;
      let m = D.data[off + arg];
      for (let k = 0; k < K; k++)
        if (D.data[off + k] < m) {
          m = D.data[off + k];
          arg = k;
        }
      next[i] = arg;
      dist[i] = m;
    }
    // repair empty clusters with the points farthest from their centres
    const counts = new Int32Array(K);
    for (let i = 0; i < N; i++) counts[next[i]]++;
    for (let k = 0; k < K; k++) {
      if (counts[k] > 0 || N < K) continue;
      let far = -1;
      let fd = -1;
      for (let i = 0; i < N; i++)
        if (counts[next[i]] > 1 && dist[i] > fd) {
          fd = dist[i];
          far = i;
        }
      if (far < 0) break;
      counts[next[far]]--;
      next[far] = k;
      counts[k]++;
      dist[far] = 0;
    }
    let changed = false;
    for (let i = 0; i < N; i++)
      if (next[i] !== assignment[i]) {
        changed = true;
        break;
      }
    assignment = next;
    C = centroids(P, assignment, K).centroids;
    const w = sumSquaredToCentroids(P, assignment, C) / N;
    if (!best || w < best.wcss) best = { assignment: assignment.slice(), centroids: C, wcss: w, iterations: iter + 1, converged: false };
    if (!changed) {
      converged = true;
      iter++;
      break;
    }
  }
  best!.converged = converged;
  best!.iterations = iter;
  return best!;
}

/**
 * Best of several k-means++ runs with Lloyd iterations to convergence (plus optional runs started
 * from given partitions). WCSS is divided by N, as in NRC Eq. 6. The result's WCSS is never above
 * the WCSS of any partition passed in `starts` (Lloyd never increases WCSS; the best iterate is kept).
 */
export function kmeans(points: Matrix, K: number, opts: KMeansOptions): KMeansResult {
  const N = points.rows;
  if (!Number.isInteger(K) || K < 1) throw new RangeError(`kmeans: K = ${K}, expected a positive integer`);
  if (N === 0) throw new RangeError('kmeans: no points');
  const Keff = Math.min(K, N);
  const restarts = opts.restarts ?? 8;
  const maxIter = opts.maxIter ?? 300;
  const pNorm = rowNorms2(points);
  let best: KMeansResult | undefined;
  let allConverged = true;
  const consider = (r: KMeansResult) => {
    allConverged &&= r.converged;
    if (!best || r.wcss < best.wcss) best = r;
  };
  const runs = (opts.starts?.length ?? 0) + restarts;
  let done = 0;
  const report = (r: KMeansResult, what: string) => {
    consider(r);
    done++;
    opts.progress?.(
      `k-means ${done}/${runs} (${what}): ${r.iterations} Lloyd iterations, wcss ${r.wcss.toPrecision(6)}, best ${best!.wcss.toPrecision(6)}`,
    );
  };
  for (const start of opts.starts ?? []) {
    const a = Int32Array.from(start);
    const { centroids: C0 } = centroids(points, a, Keff);
    report(lloyd(points, pNorm, C0, maxIter, a), 'from the given partition');
  }
  for (let r = 0; r < restarts; r++) {
    const C0 = kmeansPlusPlus(points, pNorm, Keff, opts.rng.child(`kmeans++/${r}`));
    report(lloyd(points, pNorm, C0, maxIter), `k-means++ restart ${r + 1}`);
  }
  best!.converged = allConverged;
  return best!;
}

/** Upper bounds on TCV_K (NRC Def. 3.2): the class partition, k-means++ on (z, y), and their minimum. */
export interface TcvUpper {
  /** WCSS (Eq. 6) of the class (or mixture-component) partition. */
  classWcss: number;
  /** Best k-means WCSS on the concatenated (z, y), including a run started from the class partition. */
  kmeansWcss: number;
  /** min(classWcss, kmeansWcss): the reported `tcv_upper`. */
  tcvUpper: number;
  /** Partition achieving kmeansWcss. */
  kmeansAssignment: Int32Array;
}

export interface TcvOptions {
  rng: Rng;
  /** Number of clusters (default: number of classes in `labels`). */
  K?: number;
  restarts?: number;
  maxIter?: number;
  progress?: (msg: string) => void;
}

/**
 * TCV_K upper bounds (NRC Def. 3.2, Eq. 6) for features Z (N x d), targets Y (N x c, or null for
 * the input-only variant) and class labels. K-means runs on [Z Y] row-wise.
 */
export function tcvUpper(Z: Matrix, Y: Matrix | null | undefined, labels: ArrayLike<number>, opts: TcvOptions): TcvUpper {
  const ci = classIndex(labels);
  const K = opts.K ?? ci.classes;
  const classWcss = wcss(Z, Y, ci.labels);
  const P = Y ? hconcat(Z, Y) : Z;
  const starts = ci.classes <= K ? [ci.labels] : [];
  const km = kmeans(P, K, { rng: opts.rng, restarts: opts.restarts, maxIter: opts.maxIter, starts, progress: opts.progress });
  return { classWcss, kmeansWcss: km.wcss, tcvUpper: Math.min(classWcss, km.wcss), kmeansAssignment: km.assignment };
}

/** [A B] for two matrices with the same number of rows. */
function hconcat(A: Matrix, B: Matrix): Matrix {
  if (A.rows !== B.rows) throw new RangeError(`tcvUpper: Z has ${A.rows} rows, Y has ${B.rows}`);
  const out = new Matrix(A.rows, A.cols + B.cols);
  for (let i = 0; i < A.rows; i++) {
    out.data.set(A.row(i), i * out.cols);
    out.data.set(B.row(i), i * out.cols + A.cols);
  }
  return out;
}
