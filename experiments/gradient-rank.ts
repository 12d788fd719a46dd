// gradient-rank: Proposition 3.1 of Neural Rank Collapse (Zangrando et al., Sec. 3) — the gradient of a batch
// of b samples w.r.t. any W_l has rank <= b — and its consequence for degenerate data: at a stationary point
// of L_lambda on K distinct points every layer has rank <= K.
import { type Matrix, frobeniusNorm, rank } from '../src/linalg/index.ts';
import { relTail, spectrum } from '../src/metrics/index.ts';
import { batchGradient, lossGradient } from '../src/nn/index.ts';
import { checkStop } from '../src/linalg/interrupt.ts';
import { type CellResult, defineExperiment, type Row } from '../src/runner/types.ts';
import {
  type AutoencoderParams,
  buildAutoencoder,
  estimateAutoencoderBytes,
  mixtureData,
  precisionIterations,
  trainAutoencoder,
  validateAutoencoder,
} from '../src/nn/autoencoder.ts';
import { autoencoderParamSpecs } from './shared/autoencoder-params.ts';
import { figures } from './gradient-rank.figures.ts';

export type GradientRankParams = AutoencoderParams & { batch: number; rankRtol: number };

/** Numerical-rank tolerance of a matrix with largest singular value sMax (NumPy matrix_rank convention: max(m, n) eps s_1). */
function defaultTolerance(G: Matrix, sMax: number): number {
  return Math.max(G.rows, G.cols) * Number.EPSILON * sMax;
}

const PARAM_COLUMNS = ['k', 'n', 'dim', 'hidden', 'radius'] as const;

/** Tables of a run (CSV files) and their columns; the figures (gradient-rank.figures.ts) are checked against them. */
export const tables = {
  gradient_rank: ['layer', 'batch_size', 'rank', 'tol', 'rows', 'cols', 'holds', 'lambda', 'sigma', 'seed', ...PARAM_COLUMNS],
  degenerate: [
    'layer',
    'rows',
    'cols',
    'k',
    'rank',
    'tol',
    's_k_plus_1',
    'stationarity_bound',
    'bound_holds',
    'rel_tail',
    'stationarity',
    'holds',
    'iters',
    'grad_norm',
    'status',
    'lambda',
    'seed',
    'n',
    'dim',
    'hidden',
    'radius',
    'dtype',
    'f32_iterations',
    'f64_iterations',
  ],
} as const;

export default defineExperiment<GradientRankParams, typeof tables>({
  name: 'gradient-rank',
  summary: 'Prop. 3.1 of Neural Rank Collapse: batch gradients have rank <= batch size; degenerate data gives layers of rank <= K',
  description: [
    'Neural Rank Collapse (Zangrando et al.), Prop. 3.1 and Sec. 3. Same data and tanh autoencoder as gaussian-mixture',
    '(K Gaussian blobs, means of norm --radius, hidden widths --hidden). gradient_rank.csv: at the initial network, for batch sizes',
    'b = 1..--batch (the first b samples of a seeded permutation), the numerical rank of grad_{W_l} sum_{i in batch} l(f(x_i), y_i)',
    'for every layer (tol = max(rows, cols) eps s_1), which Prop. 3.1 bounds by b (and the shape by min(rows, cols)).',
    'degenerate.csv: the autoencoder trained with weight decay --lambda on degenerate data (sigma = 0: K distinct points, N/K copies',
    'each) to ||grad|| < --grad-tol; per layer the numerical rank with tol = --rank-rtol * s_1 (at a stationary point it is <= K),',
    's_{K+1}, and the bound s_{K+1} <= ||grad_{W_l} L_lambda|| / (2 lambda) that holds at any parameters on degenerate data',
    '(W_l = (grad L_lambda - grad L_0) / (2 lambda) and grad L_0 has rank <= K), rel_tail(K) and the stationarity residual.',
  ].join(' '),
  params: [
    ...autoencoderParamSpecs({ k: 4, n: 200, dim: 24, hidden: [20, 16, 20], lambda: 1e-2, sigma: 0.1, gradTol: 1e-7, maxIters: 3000 }),
    { name: 'batch', kind: 'int', positive: true, max: 100_000, default: 20, help: 'largest batch size B of the gradient ranks (b = 1..B)' },
    {
      name: 'rankRtol',
      kind: 'float',
      positive: true,
      max: 1,
      default: 1e-6,
      help: 'relative tolerance (times s_1) of the numerical rank of the trained layers on degenerate data',
    },
  ],
  presets: {
    quick: { k: 3, n: 30, dim: 8, hidden: [8, 6, 8], sigma: [0.1], lambda: [1e-2], batch: 10, gradTol: 1e-7, maxIters: 3000 },
    default: { k: 4, n: 200, dim: 24, hidden: [20, 16, 20], sigma: [0.1], lambda: [1e-2], batch: 20, gradTol: 1e-7, maxIters: 3000 },
    paper: { k: 10, n: 10000, dim: 784, hidden: [400, 300, 400], sigma: [0.1], lambda: [1e-2], batch: 20, gradTol: 1e-6, maxIters: 20000 },
  },
  tables,
  figures,
  validate(p) {
    const base = validateAutoencoder(p);
    if (base) return base;
    if (p.batch > p.n) return `--batch ${p.batch} exceeds --n ${p.n} (a batch is drawn from the N samples)`;
    if (p.lambda === 0) return '--lambda must be > 0 here (the degenerate-data ranks follow from weight decay, NRC Eq. 4)';
    return undefined;
  },
  estimateBytes: (p) => estimateAutoencoderBytes(p),
  async runCell(ctx): Promise<CellResult> {
    const p = ctx.params;
    // Prop. 3.1 at the initial network on the mixture with --sigma.
    const data = mixtureData(p, ctx.seed);
    const model = buildAutoencoder(p, ctx.seed, 'tanh');
    const order = ctx.rng.child('batch').permutation(p.n);
    const gradientRank: Row[] = [];
    for (let b = 1; b <= p.batch; b++) {
      checkStop();
      if (ctx.signal.aborted) return { status: 'failed', rows: {}, message: 'interrupted' };
      const grads = batchGradient(model, data.X, data.X, { loss: 'squared' }, order.subarray(0, b)); // grad of sum_{i in batch} l
      grads.forEach((G, l) => {
        const s = spectrum(G);
        const tol = defaultTolerance(G, s[0] ?? 0);
        const r = rank(G, tol);
        gradientRank.push({ layer: l + 1, batch_size: b, rank: r, tol, rows: G.rows, cols: G.cols, holds: r <= b });
      });
      ctx.progress(0.2 * (b / p.batch), `gradient ranks, batch ${b}`);
    }
    // Degenerate data (sigma = 0): K distinct points; train to a stationary point of L_lambda.
    const degenerate = mixtureData({ ...p, sigma: 0 }, ctx.seed);
    const trainedModel = buildAutoencoder(p, ctx.seed, 'tanh');
    const trained = await trainAutoencoder(trainedModel, degenerate.X, degenerate.X, p, {
      signal: ctx.signal,
      checkpoint: ctx.checkpoint,
      progress: (f, m) => ctx.progress(0.2 + 0.8 * f, `degenerate data: ${m ?? ''}`),
    });
    const res = trained.result;
    if (res.status === 'aborted') return { status: 'failed', rows: {}, message: 'interrupted' };
    const degenerateRows: Row[] = [];
    const phases = precisionIterations(res, p.dtype);
    if (trained.status !== 'diverged') {
      const gradLambda = lossGradient(trainedModel, degenerate.X, degenerate.X, { loss: 'squared', weightDecay: p.lambda }).gradW;
      trainedModel.layers.forEach((layer, l) => {
        const s = spectrum(layer.W);
        const tol = p.rankRtol * (s[0] ?? 0);
        const r = rank(layer.W, tol);
        const sNext = p.k < s.length ? s[p.k] : 0;
        const bound = frobeniusNorm(gradLambda[l]) / (2 * p.lambda); // ||grad_{W_l} L_lambda|| / (2 lambda)
        degenerateRows.push({
          layer: l + 1,
          rows: layer.W.rows,
          cols: layer.W.cols,
          rank: r,
          tol,
          s_k_plus_1: sNext,
          stationarity_bound: bound,
          bound_holds: sNext <= bound * (1 + 1e-9) + 1e-300,
          rel_tail: relTail(s, p.k),
          stationarity: Number.isFinite(res.stationarity[l]) ? res.stationarity[l] : null,
          holds: r <= p.k,
          iters: res.iters,
          grad_norm: res.gradNorm,
          f32_iterations: phases.f32,
          f64_iterations: phases.f64,
        });
      });
    }
    return {
      status: trained.status,
      ...(trained.message ? { message: trained.message } : {}),
      rows: { gradient_rank: gradientRank, degenerate: degenerateRows },
    };
  },
});
