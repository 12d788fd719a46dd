// gaussian-mixture: Figure 1, Proposition 4.1 and Theorem 3.4 / Lemma 3.3 of Neural Rank Collapse
// (Zangrando et al., Sec. 3, 4, 6.1): a tanh autoencoder trained with weight decay on K Gaussian blobs.
import { Matrix } from '../src/linalg/index.ts';
import { tcvUpper, wcssX } from '../src/metrics/index.ts';
import { prop41Bound, prop41BoundIsotropic } from '../src/bounds/nrc.ts';
import { theorem34Rows } from '../src/bounds/theorem34.ts';
import type { Rng } from '../src/random/index.ts';
import { type CellResult, defineExperiment, type Row } from '../src/runner/types.ts';
import {
  AUTOENCODER_CONFIG_COLUMNS,
  type AutoencoderParams,
  buildAutoencoder,
  cellTag,
  estimateAutoencoderBytes,
  layerSpectra,
  mixtureData,
  saveDataNpy,
  precisionIterations,
  saveWeightsNpy,
  spectraRows,
  trainAutoencoder,
  validateAutoencoder,
} from '../src/nn/autoencoder.ts';
import { autoencoderParamSpecs } from './shared/autoencoder-params.ts';
import { estimateAutoencoderTraining } from './shared/calibrate.ts';
import { figures } from './gaussian-mixture.figures.ts';

export type GaussianMixtureParams = AutoencoderParams & { rank: number; saveData: boolean; saveWeights: boolean };

/** Parameters that name a cell's .npy files (data files only use the data parameters). */
const DATA_TAG = ['k', 'n', 'dim', 'sigma', 'radius'];
const CELL_TAG = ['lambda', 'sigma', 'k', 'n', 'dim', 'hidden', 'radius', 'optimizer', 'lr', 'gradTol', 'maxIters'];

/** Columns of cells.csv for Prop. 4.1 on the input data (component partition and k-means). */
export function prop41Row(X: Matrix, labels: Int32Array, p: Pick<AutoencoderParams, 'k' | 'sigma' | 'dim'>, rng: Rng): Row {
  const N = X.rows;
  const wcssInput = wcssX(X, labels); // (1/N) sum_k sum_i ||x_i - xbar_k||^2 (Prop 4.1's quantity)
  const counts = new Int32Array(p.k);
  for (const c of labels) counts[c]++;
  const bound = prop41BoundIsotropic(p.dim, p.sigma, p.k, N); // sqrt(d) sigma^2 (sqrt(d) + sqrt(K/N))
  const covariance = Matrix.eye(p.dim, p.sigma * p.sigma); // Sigma_k = sigma^2 I for every component
  const general = prop41Bound(Array.from(counts, (count) => ({ covariance, count }))); // sum_k pi_k (Tr Sigma_k + ||Sigma_k||_F / sqrt(N_k))
  const tcv = tcvUpper(X, null, labels, { rng, K: p.k });
  let meanSquaredNorm = 0;
  for (const v of X.data) meanSquaredNorm += (v * v) / N;
  const roundOff = 1e-24 * meanSquaredNorm; // sigma = 0: centroids of identical points leave ~eps^2 ||x||^2
  return {
    wcss_x: wcssInput,
    prop41_bound: bound,
    prop41_holds: wcssInput <= bound * (1 + 1e-12) + roundOff,
    tcv_upper: tcv.tcvUpper,
    prop41_bound_general: general,
  };
}

const PARAM_COLUMNS = AUTOENCODER_CONFIG_COLUMNS;

/** Tables of a run (CSV files) and their columns; the figures (gaussian-mixture.figures.ts) are checked against them. */
export const tables = {
  cells: [
    'lambda',
    'sigma',
    'seed',
    'k',
    'n',
    'dim',
    'status',
    'converged',
    'iters',
    'loss',
    'grad_norm',
    'wcss_x',
    'prop41_bound',
    'prop41_holds',
    'tcv_upper',
    'prop41_bound_general',
    'hidden',
    'radius',
    'optimizer',
    'dtype',
    'f32_iterations',
    'f64_iterations',
  ],
  layers: ['lambda', 'sigma', 'seed', 'layer', 'rows', 'cols', 'rel_tail', 'dist_rank', 'soft_rank', 'stationarity', 'rank', ...PARAM_COLUMNS],
  singular_values: ['lambda', 'sigma', 'seed', 'layer', 'index', 'value', ...PARAM_COLUMNS],
  theorem34: [
    'lambda',
    'sigma',
    'seed',
    'layer',
    'j',
    'wcss_j',
    'lemma33_residual',
    'implied_constant',
    'dist_rank',
    'dist_bound',
    'dist_bound_holds',
    ...PARAM_COLUMNS,
  ],
} as const;

export default defineExperiment<GaussianMixtureParams, typeof tables>({
  name: 'gaussian-mixture',
  summary: 'Figure 1, Prop. 4.1 and Thm 3.4 of Neural Rank Collapse: tanh autoencoder with weight decay on Gaussian blobs',
  description: [
    'Neural Rank Collapse (Zangrando et al.), Sec. 4 and 6.1. Data: K balanced Gaussian blobs x = mu_k + sigma v, v ~ N(0, I_d);',
    'the means mu_k are i.i.d. Gaussian directions scaled to norm --radius. Data and initial weights depend only on (seed, k, n, dim,',
    'radius) and (seed, widths), so all (lambda, sigma) cells of one seed share the means, the noise directions v and the initial',
    'network. Model: autoencoder d -> hidden -> d with tanh hidden activations, linear output, biases, weight decay lambda on all',
    'parameters (Eq. 3), trained full batch (L-BFGS or GD) until ||grad L_lambda|| < --grad-tol or --max-iters (then not_converged).',
    'cells.csv: Prop. 4.1 on the input (wcss_x of the component partition, the isotropic bound sqrt(d) sigma^2 (sqrt(d) + sqrt(K/N)),',
    'the general bound sum_k pi_k (Tr Sigma_k + ||Sigma_k||_F / sqrt(N_k)) with Sigma_k = sigma^2 I, tcv_upper = min of wcss_x and',
    'k-means++ (8 restarts) on x; f32_iterations / f64_iterations = optimiser steps with float32 / float64 products, see --dtype). layers.csv: per weight matrix W_l (l = 1..L as in the paper) rel_tail(r) = sum_{j>r} s_j^2 / sum_j s_j^2',
    '(Figure 1), distance to rank r, rk(0.1) (Eq. 22) and the stationarity residual ||grad_W L_0 + 2 lambda W|| / ||2 lambda W||;',
    'r = --rank, default K. theorem34.csv: for each layer l and j < l, WCSS_j of (z^j, y) (Eq. 6, y = x), the exact Lemma 3.3 residual,',
    'the implied constant lambda dist_K(W_l) / WCSS_j (Thm 3.4: <= M_{l,j}) and dist_bound = (||R|| + ||grad_{W_l} L_lambda||) / (2 lambda),',
    "which bounds dist_K(W_l) at any parameters. Presets: paper = the sizes and 9 x 5 grid of Figure 1 (L-BFGS instead of the paper's",
    'plain GD, same stopping rule); default = a small grid across the transition of Figure 1; quick = for tests.',
  ].join(' '),
  params: [
    ...autoencoderParamSpecs({ k: 4, n: 100, dim: 16, hidden: [16, 12, 16], lambda: 1e-3, sigma: 0.05, gradTol: 1e-5, maxIters: 20000 }),
    { name: 'rank', kind: 'int', min: 0, max: 100_000, default: 0, help: 'r of rel_tail(r) and the distance to rank r (0 = K, as in Figure 1)' },
    { name: 'saveData', kind: 'bool', default: false, help: 'write X and labels of each cell as .npy into the output directory' },
    { name: 'saveWeights', kind: 'bool', default: false, help: 'write the final W_1..W_L of each cell as .npy (one file per layer)' },
  ],
  presets: {
    quick: { k: 3, n: 30, dim: 8, hidden: [8, 6, 8], lambda: [1e-3, 1e-2], sigma: [0.05], gradTol: 1e-7, maxIters: 3000 },
    default: {
      k: 4,
      n: 100,
      dim: 16,
      hidden: [16, 12, 16],
      lambda: [1e-3, 3e-3, 1e-2, 3e-2],
      sigma: [0.05, 0.1, 0.2, 0.4],
      gradTol: 1e-5,
      maxIters: 20000,
    },
    paper: {
      k: 10,
      n: 10000,
      dim: 784,
      hidden: [400, 300, 400],
      lambda: [1e-5, 3e-5, 1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 1e-1],
      sigma: [0.01, 0.03, 0.1, 0.3, 1],
      gradTol: 1e-6,
      maxIters: 20000,
    },
  },
  tables,
  figures,
  validate: (p) => validateAutoencoder(p),
  estimateBytes: (p) => estimateAutoencoderBytes(p),
  estimate: (p, ctx) => estimateAutoencoderTraining(p, ctx, 'tanh'),
  async runCell(ctx): Promise<CellResult> {
    const p = ctx.params;
    const r = p.rank > 0 ? p.rank : p.k;
    const data = mixtureData(p, ctx.seed);
    const { X, labels } = data;
    if (p.saveData) saveDataNpy(ctx.outDir, `data_${cellTag(p, ctx.seed, DATA_TAG)}`, X, labels);
    const prop41 = prop41Row(X, labels, p, ctx.rng.child('kmeans'));
    const model = buildAutoencoder(p, ctx.seed, 'tanh');
    const trained = await trainAutoencoder(model, X, X, p, ctx);
    const res = trained.result;
    const phases = precisionIterations(res, p.dtype);
    const cell: Row = {
      converged: res.status === 'converged',
      iters: res.iters,
      loss: res.loss,
      grad_norm: res.gradNorm,
      ...prop41,
      f32_iterations: phases.f32,
      f64_iterations: phases.f64,
    };
    if (trained.status === 'diverged' || res.status === 'aborted') {
      return { status: trained.status, rows: { cells: [cell] }, ...(trained.message ? { message: trained.message } : {}) };
    }
    ctx.progress(1, 'spectra and Lemma 3.3 residuals');
    const spectra = spectraRows(layerSpectra(model), r, res.stationarity);
    const theorem34 = theorem34Rows(model, X, X, labels, p.k, p.lambda);
    if (p.saveWeights) saveWeightsNpy(ctx.outDir, `weights_${cellTag(p, ctx.seed, CELL_TAG)}`, model);
    return {
      status: trained.status,
      ...(trained.message ? { message: trained.message } : {}),
      rows: {
        cells: [cell],
        layers: spectra.layers.map((row) => ({ ...row, rank: r })),
        singular_values: spectra.singularValues,
        theorem34,
      },
    };
  },
});
