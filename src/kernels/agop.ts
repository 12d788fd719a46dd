// Average gradient outer product, AGOP(f, X) = (1/N) sum_i J(x_i)' J(x_i) (AGOP paper Sec. 3.3), for kernel
// predictors f(x) = sum_j alpha_j k(x, z_j) and for any model that can hand over its Jacobians.
// Everything heavy is a GEMM; no N x K x d gradient tensor is ever formed.
import { Matrix, gemm, gemmF32, releaseMatrix, releaseResident, residentF32, residentMatrix } from '../linalg/index.ts';
import {
  type KernelSpec,
  blockEdges,
  checkBandwidth,
  gradientWeights,
  kernelFromSquaredDistances,
  squaredDistances,
  symmetricFromUpperBlocks,
} from './kernel.ts';

/** Entries of the stacked weight block kept in memory at once by the batched path. */
const BATCH_ENTRIES = 4_000_000;
/** Largest N for which 'auto' picks the Gram form (its N x N matrices: about 6 N^2 doubles). */
const GRAM_MAX_N = 6000;
/** Rows summed by one float32 product before its partial sum is added in float64 (precision 'f32'). */
const F32_CHUNK_ROWS = 1024;

/**
 * Gradients of f_c(x) = sum_j alpha_jc k(x, z_j) at the rows of Xq, before the Mahalanobis factor:
 * grad f_c(x_i) = M g_ci with g_ci = sum_j W_ij alpha_jc (x_i - z_j) and W the gradient weights
 * (`gradientWeights`). Returns G stacked class-major: row c * B + i is g_ci (K B x d).
 */
function stackedGradients(Xq: Matrix, Z: Matrix, alpha: Matrix, spec: KernelSpec): Matrix {
  const D2 = squaredDistances(Xq, Z, spec.M);
  const W = gradientWeights(D2, kernelFromSquaredDistances(D2, spec.name, spec.bandwidth), spec.name, spec.bandwidth);
  const B = Xq.rows;
  const N = Z.rows;
  const K = alpha.cols;
  const d = Xq.cols;
  // Wstack[(c, i), j] = W_ij alpha_jc, so Wstack Z holds sum_j W_ij alpha_jc z_j.
  const Wstack = new Matrix(K * B, N);
  for (let c = 0; c < K; c++) {
    for (let i = 0; i < B; i++) {
      const src = i * N;
      const dst = (c * B + i) * N;
      for (let j = 0; j < N; j++) Wstack.data[dst + j] = W.data[src + j] * alpha.data[j * K + c];
    }
  }
  const G = gemm(Wstack, Z, { alpha: -1 });
  const s = gemm(W, alpha); // s_ic = sum_j W_ij alpha_jc
  for (let c = 0; c < K; c++) {
    for (let i = 0; i < B; i++) {
      const sic = s.data[i * K + c];
      const dst = (c * B + i) * d;
      for (let t = 0; t < d; t++) G.data[dst + t] += sic * Xq.data[i * d + t];
    }
  }
  return G;
}

/**
 * Jacobians J(x_i) (K x d, rows = outputs) of the kernel predictor f(x) = alpha' k(x, Z) at each row of Xq.
 * For checks and small use; the AGOP never materialises them.
 */
export function kernelPredictorJacobians(Xq: Matrix, Z: Matrix, alpha: Matrix, spec: KernelSpec): Matrix[] {
  checkBandwidth(spec.bandwidth);
  const G = stackedGradients(Xq, Z, alpha, spec);
  const GM = spec.M ? gemm(G, spec.M) : G;
  const B = Xq.rows;
  const K = alpha.cols;
  const d = Xq.cols;
  const out: Matrix[] = [];
  for (let i = 0; i < B; i++) {
    const J = new Matrix(K, d);
    for (let c = 0; c < K; c++) J.data.set(GM.data.subarray((c * B + i) * d, (c * B + i + 1) * d), c * d);
    out.push(J);
  }
  return out;
}

export interface AgopOptions {
  /**
   * 'gram': for the training points themselves (Xq = Z), S = Z' Q Z with the N x N matrix
   * Q = diag(sum_c s_c^2) - W o (s alpha') - W' o (alpha s') + (W'W) o (alpha alpha') (o = entrywise),
   * which costs N^3 + N^2 d + N d^2 instead of K (N^2 d + N d^2);
   * 'batched': query rows in batches, K class blocks stacked into one GEMM; memory O(K B N + d^2).
   * 'auto' (default): 'gram' when Xq is Z, N <= 6000 and N < K d, else 'batched' (at N = 5000, K = 10, d = 784 the
   * Gram form does 1.6x fewer flops and holds about six N x N float64 matrices, 1.2 GB).
   */
  method?: 'auto' | 'gram' | 'batched';
  /**
   * Gram path only. 'f64' (default): every product in float64. 'f32': W'W (N^3 of the N^3 + 2 N^2 d + 2 N d^2
   * flops) in float32 over chunks of 1024 rows whose partial sums are added in float64; Q and Z'QZ stay float64.
   * Relative (Frobenius) error of the AGOP 3e-6 at N = 5000 digits, of M^{1/2} 8e-6 (test/kernels/agop.test.ts).
   */
  precision?: 'f64' | 'f32';
  /** Squared distances between the rows of Z (N x N), when the caller already has them (Gram path only). */
  squaredDistances?: Matrix;
  /** Kernel matrix k(Z, Z) from those squared distances (e.g. the one the KRR solve used), Gram path only. */
  kernelMatrix?: Matrix;
  /** Called after each batch with the fraction done; return true to stop early (then throws). */
  onBatch?: (fraction: number) => boolean | void;
}

/**
 * AGOP of the kernel predictor f(x) = alpha' k(x, Z) over the rows of Xq (AGOP paper Sec. 3.3):
 * (1/N_q) sum_i J(x_i)' J(x_i) = (1/N_q) M (sum_i sum_c g_ci g_ci') M (d x d).
 * Laplace self-pairs (distance < SELF_PAIR_DISTANCE) contribute 0.
 */
export function kernelAgop(Xq: Matrix, Z: Matrix, alpha: Matrix, spec: KernelSpec, opts: AgopOptions = {}): Matrix {
  checkBandwidth(spec.bandwidth);
  if (alpha.rows !== Z.rows) throw new RangeError(`kernelAgop: alpha has ${alpha.rows} rows for ${Z.rows} centres`);
  const N = Z.rows;
  const K = alpha.cols;
  const d = Z.cols;
  const method = opts.method ?? 'auto';
  const useGram = method === 'gram' || (method === 'auto' && Xq === Z && N <= GRAM_MAX_N && N < K * d);
  let S: Matrix;
  if (useGram) {
    if (Xq !== Z && !(Xq.sameShape(Z) && Xq.data.every((v, t) => v === Z.data[t]))) throw new RangeError("kernelAgop: method 'gram' needs Xq = Z");
    S = gramFormS(Z, alpha, spec, opts, opts.precision ?? 'f64');
    opts.onBatch?.(1);
  } else {
    S = new Matrix(d, d);
    const B = Math.max(1, Math.min(Xq.rows, Math.floor(BATCH_ENTRIES / Math.max(1, K * N))));
    for (let start = 0; start < Xq.rows; start += B) {
      const end = Math.min(Xq.rows, start + B);
      const Xb = new Matrix(end - start, d, Xq.data.slice(start * d, end * d));
      const G = stackedGradients(Xb, Z, alpha, spec);
      gemm(G, G, { transA: true, beta: 1, C: S }); // S += sum g g'
      if (opts.onBatch?.(end / Xq.rows) === true) throw new Error('kernelAgop: aborted');
    }
  }
  const scaleBy = 1 / Xq.rows;
  const out = spec.M ? gemm(gemm(spec.M, S), spec.M, { alpha: scaleBy }) : S;
  if (!spec.M) for (let t = 0; t < out.data.length; t++) out.data[t] *= scaleBy;
  symmetrizeInPlace(out);
  return out;
}

/** S = sum_i sum_c g_ci g_ci' = Z' Q Z for query points equal to the centres (see AgopOptions.method). */
function gramFormS(Z: Matrix, alpha: Matrix, spec: KernelSpec, given: AgopOptions, precision: 'f64' | 'f32'): Matrix {
  const N = Z.rows;
  const K = alpha.cols;
  const D2 = given.squaredDistances ?? squaredDistances(Z, Z, spec.M);
  const Kzz = (given.squaredDistances && given.kernelMatrix) || kernelFromSquaredDistances(D2, spec.name, spec.bandwidth);
  // W and Q (N x N, used only here) live in wasm memory, so the products below read them in place
  const W = gradientWeights(D2, Kzz, spec.name, spec.bandwidth, residentMatrix(N, N));
  const s = gemm(W, alpha); // N x K, s_ic = sum_j W_ij alpha_jc
  const Q = gramOfColumns(W, precision, residentMatrix(N, N)); // W'W
  const aa = gemm(alpha, alpha, { transB: true }); // alpha alpha'
  const sa = gemm(s, alpha, { transB: true }); // s alpha'
  // Q = (W'W) o (alpha alpha') - W o (s alpha') - W' o (alpha s') + diag(sum_c s_c^2), in 64 x 64 tiles
  // (the transposed reads stay in cache)
  const T = 64,
    q = Q.data,
    w = W.data,
    a2 = aa.data,
    s2 = sa.data;
  for (let i0 = 0; i0 < N; i0 += T) {
    for (let j0 = 0; j0 < N; j0 += T) {
      const i1 = Math.min(N, i0 + T),
        j1 = Math.min(N, j0 + T);
      for (let i = i0; i < i1; i++) {
        for (let j = j0; j < j1; j++) {
          const ij = i * N + j,
            ji = j * N + i;
          q[ij] = q[ij] * a2[ij] - w[ij] * s2[ij] - w[ji] * s2[ji];
        }
      }
    }
  }
  for (let i = 0; i < N; i++) {
    let ss = 0;
    for (let c = 0; c < K; c++) ss += s.data[i * K + c] ** 2;
    q[i * N + i] += ss;
  }
  releaseMatrix(W);
  // S = Z' (Q Z) in float64 always: Q's entries cancel (float32 here gave 10x the error of W'W in float32)
  const QZ = gemm(Q, Z);
  releaseMatrix(Q);
  return gemm(Z, QZ, { transA: true });
}

/**
 * A' B (m x n) for row-major float32 A (rows x m) and B (rows x n): float32 products over chunks of
 * F32_CHUNK_ROWS rows, each partial sum added in float64 (the rounding error grows with the chunk, not with rows).
 */
function gemmTNf32(a: Float32Array, b: Float32Array, rows: number, m: number, n: number): Matrix {
  const C = new Matrix(m, n),
    c = C.data,
    part = residentF32(m * n);
  for (let r0 = 0; r0 < rows; r0 += F32_CHUNK_ROWS) {
    const r = Math.min(F32_CHUNK_ROWS, rows - r0);
    gemmF32(m, n, r, 1, a.subarray(r0 * m, (r0 + r) * m), true, b.subarray(r0 * n, (r0 + r) * n), false, 0, part);
    for (let t = 0; t < c.length; t++) c[t] += part[t];
  }
  releaseResident(part);
  return C;
}

/**
 * W'W, multiplying only the column blocks on and above the diagonal (W'W is symmetric) and mirroring the rest:
 * 4 blocks from 1024 columns (10/16 of the flops of one GEMM), 8 from 4096 (36/64). Small matrices take one GEMM.
 * Written into `out` (n x n) when given.
 */
export function gramOfColumns(W: Matrix, precision: 'f64' | 'f32' = 'f64', out?: Matrix): Matrix {
  const N = W.rows,
    n = W.cols;
  const blocks = n >= 4096 ? 8 : n >= 1024 ? 4 : 1;
  if (blocks === 1 && precision === 'f64') return gemm(W, W, { transA: true, C: out });
  const edges = blockEdges(n, blocks);
  // column slabs of W, contiguous (in wasm memory: the products read them in place)
  const slabs = edges.slice(0, -1).map((c0, b) => {
    const w = edges[b + 1] - c0,
      S = precision === 'f32' ? residentF32(N * w) : residentMatrix(N, w).data;
    for (let r = 0; r < N; r++) S.set(W.data.subarray(r * n + c0, r * n + c0 + w), r * w);
    return S;
  });
  const G = symmetricFromUpperBlocks(
    n,
    edges,
    (a, b) => {
      const sa = slabs[a],
        sb = slabs[b],
        h = edges[a + 1] - edges[a],
        w = edges[b + 1] - edges[b];
      return sa instanceof Float32Array && sb instanceof Float32Array
        ? gemmTNf32(sa, sb, N, h, w) // block (a, b) of W'W
        : gemm(new Matrix(N, h, sa as Float64Array), new Matrix(N, w, sb as Float64Array), { transA: true });
    },
    out,
  );
  for (const S of slabs) releaseResident(S);
  return G;
}

/**
 * AGOP from Jacobians handed over in batches (e.g. an MLP's Jacobians w.r.t. the input of a layer):
 * each batch is a stacked matrix whose rows are rows of J(x_i) for the batch's samples (any order),
 * so (1/N) sum_i J(x_i)' J(x_i) = (1/N) sum_batches G' G.
 */
export function agopFromJacobians(batches: Iterable<Matrix>, nSamples: number): Matrix {
  let S: Matrix | undefined;
  for (const G of batches) {
    if (!S) S = new Matrix(G.cols, G.cols);
    gemm(G, G, { transA: true, beta: 1, C: S });
  }
  if (!S) throw new RangeError('agopFromJacobians: no Jacobians given');
  for (let t = 0; t < S.data.length; t++) S.data[t] /= nSamples;
  symmetrizeInPlace(S);
  return S;
}

/** Scale an AGOP by its largest absolute entry (the authors' reference code does this; harmless before ReLU features + row normalisation). */
export function normalizeByMaxEntry(M: Matrix): Matrix {
  let m = 0;
  for (const v of M.data) m = Math.max(m, Math.abs(v));
  const out = M.clone();
  if (m > 0) for (let t = 0; t < out.data.length; t++) out.data[t] /= m;
  return out;
}

function symmetrizeInPlace(A: Matrix): void {
  const n = A.rows;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const v = 0.5 * (A.data[i * n + j] + A.data[j * n + i]);
      A.data[i * n + j] = v;
      A.data[j * n + i] = v;
    }
  }
}
