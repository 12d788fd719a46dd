// Class statistics of a .npy feature file too large for memory: one pass over blocks of rows, memory
// O(K d + d^2) independent of N. Every class is shifted by its first sample c_k (a per-class shift keeps the
// accumulated second moments at the scale of the within-class spread, so the final subtraction does not cancel):
//   r_i = x_i - c_{y_i},  s_k = sum_{i in k} r_i,  S = sum_i r_i r_i^T (one GEMM per block),  q_k = sum_{i in k} ||r_i||^2
//   mu_k = c_k + s_k / N_k,  N Sigma_W = S - sum_k s_k s_k^T / N_k,  N_k V_k = q_k - ||s_k||^2 / N_k.
// All sums across blocks are compensated (Neumaier); the GEMM inside a block is the only uncompensated sum.
import { closeSync, openSync } from 'node:fs';
import { CompensatedSums, Matrix, gemm } from '../linalg/index.ts';
import { DataFileError, readNpyHeader, readNpyRows } from '../io/npy.ts';
import { classIndex } from './classes.ts';
import { statsFromMeans, type ClassStats, type CollapseOptions } from './collapse.ts';

export interface StreamOptions extends CollapseOptions {
  /** Rows per block (default: about 64 MB of float64 per block). */
  blockRows?: number;
  /** One-line progress messages, at most about once a second. */
  progress?: (msg: string) => void;
}

/** Class statistics of the .npy at `path` (N x d, C order) with `labels`, read in blocks. */
export function streamClassStats(path: string, labels: ArrayLike<number>, opts: StreamOptions = {}): ClassStats {
  const h = readNpyHeader(path);
  if (h.shape.length !== 2) throw new DataFileError(path, `bad shape (${h.shape.join(', ')}): expected a 2-D array (samples x features)`);
  if (h.fortranOrder)
    throw new DataFileError(path, 'Fortran-order arrays cannot be streamed by rows; save with np.ascontiguousarray or drop --stream');
  const [N, d] = h.shape;
  if (labels.length !== N) throw new DataFileError(path, `${labels.length} labels for ${N} rows`);
  const ci = classIndex(labels);
  const K = ci.classes;
  const block = Math.max(1, opts.blockRows ?? Math.floor((64 << 20) / (8 * Math.max(1, d))));
  const shift = new Matrix(K, d);
  const seen = new Uint8Array(K);
  const sums = new CompensatedSums(K * d);
  const squares = new CompensatedSums(K);
  const scatter = new CompensatedSums(d * d);
  const fd = openSync(path, 'r');
  let last = Date.now();
  const t0 = last;
  try {
    for (let row0 = 0; row0 < N; row0 += block) {
      const rows = Math.min(block, N - row0);
      const R = new Matrix(rows, d, readNpyRows(fd, h, row0, rows));
      for (let i = 0; i < rows; i++) {
        const k = ci.labels[row0 + i];
        const r = R.row(i);
        if (!seen[k]) {
          shift.data.set(r, k * d);
          seen[k] = 1;
        }
        let q = 0;
        for (let j = 0; j < d; j++) {
          const v = r[j] - shift.data[k * d + j];
          if (!Number.isFinite(v)) throw new DataFileError(path, `non-finite value at row ${row0 + i}, column ${j}`);
          r[j] = v;
          q += v * v;
        }
        sums.addVector(r, k * d);
        squares.add(k, q);
      }
      scatter.addVector(gemm(R, R, { transA: true }).data);
      const now = Date.now();
      if (opts.progress && now - last > 1000) {
        last = now;
        opts.progress(`${path}: ${Math.round((100 * (row0 + rows)) / N)}% (${row0 + rows}/${N} rows, ${((now - t0) / 1000).toFixed(1)} s)`);
      }
    }
  } finally {
    closeSync(fd);
  }
  const s = sums.values();
  const means = new Matrix(K, d);
  const classVariance = new Float64Array(K);
  const q = squares.values();
  const A = new Matrix(K, d); // rows s_k / sqrt(N_k): N Sigma_W = S - A^T A
  for (let k = 0; k < K; k++) {
    const n = ci.counts[k];
    let ss = 0;
    for (let j = 0; j < d; j++) {
      const v = s[k * d + j];
      means.data[k * d + j] = shift.data[k * d + j] + v / n;
      A.data[k * d + j] = v / Math.sqrt(n);
      ss += v * v;
    }
    classVariance[k] = Math.max(0, q[k] - ss / n) / n;
  }
  const AtA = gemm(A, A, { transA: true });
  const S = scatter.values();
  const sigmaW = new Matrix(d, d);
  for (let i = 0; i < S.length; i++) sigmaW.data[i] = (S[i] - AtA.data[i]) / N;
  const st = statsFromMeans(means, ci.counts, ci.labels, ci.values, new Matrix(0, d), opts);
  return { ...st, moments: { sigmaW, classVariance } };
}
