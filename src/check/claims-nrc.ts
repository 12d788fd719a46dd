// `nrc check` claims of Neural Rank Collapse (Zangrando et al.) measured on small Gaussian-mixture configurations:
// Prop. 4.1 (WCSS of the blobs below the isotropic bound), Prop. 3.1 (batch-gradient rank <= batch size),
// Eq. 4 (stationarity at convergence), Sec. 3 (degenerate data: layers of rank <= K) and the Lemma 3.3 /
// Thm 3.4 distance bound. Each runs in well under a second.
import { buildAutoencoder, mixtureData, trainAutoencoder } from '../nn/autoencoder.ts';
import { prop41BoundIsotropic } from '../bounds/nrc.ts';
import { theorem34Rows } from '../bounds/theorem34.ts';
import { rank } from '../linalg/index.ts';
import { spectrum, wcssX } from '../metrics/index.ts';
import { batchGradient } from '../nn/index.ts';
import { Rng } from '../random/index.ts';
import { checkRow, type CheckRow, type Claim } from './types.ts';

const noProgress = { progress: () => {}, signal: new AbortController().signal };

/** The small trained configuration shared by the stationarity, degenerate-rank and Thm 3.4 claims. */
const SMALL = { k: 3, n: 30, dim: 8, hidden: [8, 6, 8], radius: 1, lambda: 1e-2, optimizer: 'lbfgs', lr: 0.1, gradTol: 1e-7, maxIters: 3000 };

/** Short text of a configuration for the `config` column (data and model sizes, sigma, lambda). */
function describe(p: Record<string, unknown>): string {
  const keys = ['k', 'n', 'dim', 'hidden', 'sigma', 'lambda'];
  return keys
    .filter((k) => k in p)
    .map((k) => `${k}=${Array.isArray(p[k]) ? (p[k] as number[]).join('x') : p[k]}`)
    .join(' ');
}

export const nrcClaims: Claim[] = [
  {
    // Prop 4.1: TCV_{K,0} <= wcss_x <= sqrt(d) sigma^2 (sqrt(d) + sqrt(K/N)) w.h.p., five seeds.
    id: 'nrc-prop41',
    run(): CheckRow[] {
      const p = { k: 10, n: 200, dim: 50, sigma: 0.1, radius: 1 };
      return [0, 1, 2, 3, 4].map((seed) => {
        const { X, labels } = mixtureData(p, seed);
        return checkRow('NRC Prop 4.1', `${describe(p)} seed=${seed}`, wcssX(X, labels), '<=', prop41BoundIsotropic(p.dim, p.sigma, p.k, p.n), 0);
      });
    },
  },
  {
    // Prop 3.1: rank grad_{W_l} sum_{i in batch} l(f(x_i), y_i) <= batch size, for every layer.
    id: 'nrc-prop31',
    run(): CheckRow[] {
      const p = { k: 4, n: 40, dim: 12, hidden: [10, 8, 10], sigma: 0.1, radius: 1 };
      const { X } = mixtureData(p, 0);
      const model = buildAutoencoder(p, 0, 'tanh');
      const order = new Rng('nrc-prop31').permutation(p.n);
      const rows: CheckRow[] = [];
      for (const b of [1, 2, 3, 5, 8]) {
        const grads = batchGradient(model, X, X, { loss: 'squared' }, order.subarray(0, b));
        const maxRank = Math.max(...grads.map((G) => rank(G)));
        rows.push(checkRow('NRC Prop 3.1', `${describe(p)} batch=${b} (max rank over layers)`, maxRank, '<=', b, 0));
      }
      return rows;
    },
  },
  {
    // Eq. 4: at convergence grad_W L_0 = -2 lambda W, i.e. a small stationarity residual in every layer.
    id: 'nrc-stationarity',
    async run(): Promise<CheckRow[]> {
      const p = { ...SMALL, sigma: 0.05 };
      const { X } = mixtureData(p, 0);
      const model = buildAutoencoder(p, 0, 'tanh');
      const trained = await trainAutoencoder(model, X, X, p, noProgress);
      const worst = Math.max(...trained.result.stationarity);
      return [
        checkRow(
          'NRC Eq. 4 stationarity',
          `${describe(p)} seed=0 (${trained.result.status}, ${trained.result.iters} steps; max over layers)`,
          worst,
          '<=',
          1e-3,
          0,
        ),
      ];
    },
  },
  {
    // Sec. 3 after Prop 3.1: on K distinct points every layer of a stationary point has rank <= K.
    id: 'nrc-degenerate-rank',
    async run(): Promise<CheckRow[]> {
      const p = { ...SMALL, sigma: 0 };
      const { X } = mixtureData(p, 0);
      const model = buildAutoencoder(p, 0, 'tanh');
      const trained = await trainAutoencoder(model, X, X, p, noProgress);
      return model.layers.map((layer, l) => {
        const s = spectrum(layer.W);
        const r = rank(layer.W, 1e-6 * s[0]);
        return checkRow(
          'NRC Sec. 3 degenerate rank',
          `${describe(p)} seed=0 layer=${l + 1} (${trained.result.status}; tol 1e-6 s_1)`,
          r,
          '<=',
          p.k,
          0,
        );
      });
    },
  },
  {
    // Lemma 3.3 / Thm 3.4: dist_K(W_l) <= (||R_{l,j}|| + ||grad_{W_l} L_lambda||) / (2 lambda) for every l and j < l.
    id: 'nrc-theorem34',
    async run(): Promise<CheckRow[]> {
      const p = { ...SMALL, sigma: 0.05, maxIters: 300 };
      const { X, labels } = mixtureData(p, 0);
      const model = buildAutoencoder(p, 0, 'tanh');
      await trainAutoencoder(model, X, X, p, noProgress); // the bound holds at any parameters; measured after 300 steps
      return theorem34Rows(model, X, X, labels, p.k, p.lambda).map((row) =>
        checkRow(
          'NRC Lemma 3.3 / Thm 3.4',
          `${describe(p)} seed=0 layer=${row.layer} j=${row.j}`,
          row.dist_rank as number,
          '<=',
          row.dist_bound as number,
          1e-9,
        ),
      );
    },
  },
];
