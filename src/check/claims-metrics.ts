// Metric claims: an exact simplex ETF has NC2 = NC3 = 0 whatever the class sizes, with the
// geometry metrics centred on the mean of the class means (collapse.ts); and the geometry metrics of geometry.ts.
import { Matrix } from '../linalg/index.ts';
import { classStats, collapseMetricsFromStats } from '../metrics/collapse.ts';
import { geometryMetrics } from '../metrics/geometry.ts';
import { Rng } from '../random/index.ts';
import { checkRow, type CheckRow, type Claim } from './types.ts';

/** Samples of K simplex-ETF means (unit norm, first K coordinates of R^d, shifted by `offset`), sizes 1000 * 0.6^k, plus noise. */
function unbalancedEtf(K: number, d: number, noise: number, rng: Rng): { X: Matrix; labels: Int32Array; M: Matrix } {
  const c = Math.sqrt(K / (K - 1));
  const M = Matrix.fromFunction(K, d, (k, j) => (j < K ? c * ((k === j ? 1 : 0) - 1 / K) : 0));
  const counts = Array.from({ length: K }, (_, k) => Math.round(1000 * 0.6 ** k));
  const labels = Int32Array.from(counts.flatMap((n, k) => new Array<number>(n).fill(k)));
  const e = rng.normals(labels.length * d, noise);
  const X = Matrix.fromFunction(labels.length, d, (i, j) => 0.5 + M.get(labels[i], j) + e[i * d + j]);
  return { X, labels, M };
}

export const metricClaims: Claim[] = [
  {
    id: 'metrics:unbalanced-etf',
    full: false,
    run(): CheckRow[] {
      const rows: CheckRow[] = [];
      for (const noise of [0, 1e-6]) {
        const { X, labels, M } = unbalancedEtf(10, 16, noise, new Rng('check/unbalanced-etf'));
        const s = classStats(X, labels);
        const m = collapseMetricsFromStats(s, M);
        const g = geometryMetrics(s, X, M);
        const tol = noise === 0 ? 1e-12 : 1e-5;
        const config = `K=10 d=16 sizes 1000*0.6^k noise=${noise}`;
        rows.push(checkRow('NC2 (Tirer) of an exact ETF, unbalanced classes', config, m.nc2Etf, '<=', 0, tol));
        rows.push(checkRow('NC2 (AGOP) of an exact ETF, unbalanced classes', config, m.nc2Gram, '<=', 0, tol));
        rows.push(checkRow('NC3 of an exact ETF with W = M, unbalanced classes', config, m.nc3!, '<=', 0, tol));
        rows.push(checkRow('self-duality of W = M, unbalanced classes', config, g.self_duality!, '<=', 0, tol));
        rows.push(checkRow('classifier ETF error of W = M', config, g.w_etf!, '<=', 0, 1e-12));
      }
      return rows;
    },
  },
];
