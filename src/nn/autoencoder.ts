// The Gaussian-mixture autoencoder of Neural Rank Collapse (Sec. 4, 6.1, 6.2): data from parameters, the
// autoencoder d -> hidden -> d, full-batch training with progress/abort and the mapping to cell statuses,
// per-layer spectra rows, and .npy dumps (the experiments' options are in experiments/shared/autoencoder-params.ts). Used by gaussian-mixture,
// gradient-rank and the deep-linear experiment (same data and widths, identity activations).
import { join } from 'node:path';
import { gaussianMixture, type GaussianMixture } from '../data/gaussian-mixture.ts';
import { writeNpy } from '../io/npy.ts';
import type { Matrix } from '../linalg/index.ts';
import { distToRank, relTail, softRank, spectrum } from '../metrics/index.ts';
import { type Activation, MLP, type OptimizerSpec, type TrainResult, trainAsync } from './index.ts';
import { Rng, cellSeed } from '../random/index.ts';
import type { CellContext, CellStatus, Row } from '../runner/types.ts';

/** Parameters every autoencoder experiment shares (camelCase keys, as in ParamSpec). */
export type AutoencoderParams = {
  lambda: number;
  sigma: number;
  k: number;
  n: number;
  dim: number;
  hidden: number[];
  radius: number;
  optimizer: string;
  lr: number;
  gradTol: number;
  maxIters: number;
  /** Precision of the training products: f64, f32, or mixed (float32 to the float32 floor, then float64; nn/train MixedPrecision). */
  dtype: string;
};

/** Choices of --dtype for full-batch training. */
export const TRAINING_DTYPES = ['f64', 'f32', 'mixed'] as const;

/** Table columns that describe an autoencoder configuration beside lambda, sigma and seed (gaussian-mixture's tables, its figures). */
export const AUTOENCODER_CONFIG_COLUMNS = ['k', 'n', 'dim', 'hidden', 'radius', 'optimizer'] as const;

/** eps of the soft rank rk(eps) reported per layer (NRC Sec. 6.4 uses rk(0.1)). */
export const SOFT_RANK_EPS = 0.1;

/** Widths d, hidden..., d of the autoencoder. */
export function autoencoderWidths(p: Pick<AutoencoderParams, 'dim' | 'hidden'>): number[] {
  return [p.dim, ...p.hidden, p.dim];
}

/** Cross-parameter checks (rank <= min width, N >= K, hidden non-empty); an error text or undefined. */
export function validateAutoencoder(p: AutoencoderParams & { rank?: number }): string | undefined {
  if (!Array.isArray(p.hidden) || p.hidden.length === 0) return '--hidden must list at least one width (e.g. 400,300,400)';
  if (p.n < p.k) return `--n ${p.n} must be at least --k ${p.k} (every component needs a sample)`;
  if (p.rank !== undefined && p.rank > 0) {
    const minWidth = Math.min(...autoencoderWidths(p));
    if (p.rank > minWidth) return `--rank ${p.rank} exceeds the smallest layer width ${minWidth} (a rank must be <= min(rows, cols))`;
  }
  return undefined;
}

/**
 * Rough peak bytes of one cell: data and targets, forward/backward buffers per layer (about five N x width
 * matrices), L-BFGS memory (2 x 10 parameter vectors + work), and the SVD of the largest layer.
 */
export function estimateAutoencoderBytes(p: Pick<AutoencoderParams, 'n' | 'dim' | 'hidden'>): number {
  const widths = autoencoderWidths(p);
  let params = 0;
  for (let l = 0; l + 1 < widths.length; l++) params += widths[l] * widths[l + 1] + widths[l + 1];
  let activations = 0;
  for (const w of widths) activations += w;
  const maxLayer = Math.max(...widths.slice(1).map((w, l) => w * widths[l]));
  return 8 * (4 * p.n * p.dim + 6 * p.n * activations + 30 * params + 4 * maxLayer);
}

/**
 * The Gaussian mixture of NRC Sec. 4: K balanced blobs x = mu_k + sigma v, v ~ N(0, I_d), means i.i.d.
 * Gaussian directions scaled to norm `radius`. The stream depends only on (seed, k, n, dim, radius), so all
 * (lambda, sigma) cells of a seed share the means and the noise directions v (common random numbers).
 */
export function mixtureData(p: Pick<AutoencoderParams, 'k' | 'n' | 'dim' | 'sigma' | 'radius'>, seed: number): GaussianMixture {
  const rng = new Rng(cellSeed(seed, `mixture k=${p.k} n=${p.n} dim=${p.dim} radius=${p.radius}`));
  return gaussianMixture({ k: p.k, n: p.n, dim: p.dim, sigma: p.sigma, radius: p.radius }, rng);
}

/**
 * The autoencoder d -> hidden -> d (NRC Eq. 1) with biases, `activation` on hidden layers (tanh in Sec. 6.1,
 * identity for the deep linear network of Sec. 6.2) and a linear output; PyTorch-default initialisation from a
 * stream that depends only on (seed, widths, activation), so cells that differ in lambda or sigma start alike.
 */
export function buildAutoencoder(p: Pick<AutoencoderParams, 'dim' | 'hidden'>, seed: number, activation: Activation = 'tanh', bias = true): MLP {
  const widths = autoencoderWidths(p);
  const rng = new Rng(cellSeed(seed, `autoencoder widths=${widths.join('x')} activation=${activation} bias=${bias}`));
  return new MLP({ widths, activation, outputActivation: 'identity', bias }, rng);
}

/** Optimiser specification from the string options. */
export function optimizerSpec(p: Pick<AutoencoderParams, 'optimizer' | 'lr'>): OptimizerSpec {
  return p.optimizer === 'gd' ? { kind: 'gd', lr: p.lr } : { kind: 'lbfgs' };
}

export interface TrainedAutoencoder {
  result: TrainResult;
  status: CellStatus;
  /** Why the cell is not 'ok' (undefined when it is). */
  message?: string;
}

/** Trainer status -> cell status: converged = ok, max_iters/stalled = not_converged, diverged, aborted = failed. */
export function cellStatusOf(result: TrainResult, maxIters: number): { status: CellStatus; message?: string } {
  switch (result.status) {
    case 'converged':
      return { status: 'ok' };
    case 'max_iters':
      return { status: 'not_converged', message: `reached --max-iters ${maxIters} with ||grad|| = ${result.gradNorm.toExponential(3)}` };
    case 'stalled':
      return { status: 'not_converged', message: result.message ?? 'line search stalled' };
    case 'diverged':
      return { status: 'diverged', message: result.message ?? 'non-finite loss' };
    case 'aborted':
      return { status: 'failed', message: 'interrupted' };
  }
}

/**
 * Full-batch training of L_lambda (NRC Eq. 3, squared loss) on (X, Y) to ||grad|| < gradTol or maxIters,
 * reporting progress through ctx (fraction of maxIters, iteration, loss, gradient norm) and stopping on
 * ctx.signal (training yields to the event loop, so a Ctrl-C is seen within a step). `sampleWeights`
 * replaces 1/N (pi_k for the centroid-based loss, NRC Eq. 8).
 */
export async function trainAutoencoder(
  model: MLP,
  X: Matrix,
  Y: Matrix,
  p: Pick<AutoencoderParams, 'lambda' | 'optimizer' | 'lr' | 'gradTol' | 'maxIters'> & Partial<Pick<AutoencoderParams, 'dtype'>>,
  ctx: Pick<CellContext, 'progress' | 'signal' | 'checkpoint'>,
  opts: { sampleWeights?: Float64Array; label?: string } = {},
): Promise<TrainedAutoencoder> {
  const label = opts.label ? `${opts.label} ` : '';
  const reportEvery = Math.max(1, Math.min(50, Math.floor(p.maxIters / 100)));
  const dtype = p.dtype ?? 'f64';
  if (dtype === 'f32') model.setDtype('f32');
  try {
    const result = await trainAsync(model, X, Y, {
      loss: 'squared',
      weightDecay: p.lambda,
      optimizer: optimizerSpec(p),
      maxIters: p.maxIters,
      tol: p.gradTol,
      signal: ctx.signal,
      reportEvery,
      sampleWeights: opts.sampleWeights,
      checkpoint: ctx.checkpoint,
      ...(dtype === 'mixed' ? { mixed: {} } : {}),
      onStep: (r) =>
        ctx.progress(
          Math.min(1, r.iter / p.maxIters),
          `${label}iter ${r.iter}${r.precision ? ` (${r.precision})` : ''} loss ${r.loss.toExponential(4)} |grad| ${r.gradNorm.toExponential(2)}`,
        ),
    });
    return { result, ...cellStatusOf(result, p.maxIters) };
  } finally {
    model.setDtype('f64'); // the analysis after training (spectra, bounds, residuals) runs in float64
  }
}

/** Steps taken with float32 and with float64 products (CSV columns; --dtype mixed switches once, nn/train MixedPrecision). */
export function precisionIterations(result: TrainResult, dtype: string): { f32: number; f64: number } {
  const f32 = dtype === 'f32' ? result.iters : dtype === 'mixed' ? (result.f32Iters ?? 0) : 0;
  return { f32, f64: result.iters - f32 };
}

/** Singular values and low-rank measures of one layer (1-based `layer`, the paper's W_l). */
export interface LayerSpectrum {
  layer: number;
  rows: number;
  cols: number;
  singularValues: Float64Array;
}

/** Singular values of every weight matrix W_1..W_L (descending). */
export function layerSpectra(model: MLP): LayerSpectrum[] {
  return model.layers.map((l, i) => ({ layer: i + 1, rows: l.W.rows, cols: l.W.cols, singularValues: spectrum(l.W) }));
}

/**
 * Rows of layers.csv and singular_values.csv: per layer rows, cols, rel_tail(r) (NRC Fig. 1), the distance
 * to rank r (Thm 3.4, Eckart-Young), rk(0.1) (Eq. 22, Sec. 6.4) and the stationarity residual
 * ||grad_W L_0 + 2 lambda W|| / ||2 lambda W|| (Eq. 4 with Eq. 3's factor 2).
 */
export function spectraRows(spectra: LayerSpectrum[], rank: number, stationarity?: ArrayLike<number>): { layers: Row[]; singularValues: Row[] } {
  const layers: Row[] = [];
  const singularValues: Row[] = [];
  for (const s of spectra) {
    const st = stationarity ? stationarity[s.layer - 1] : NaN;
    layers.push({
      layer: s.layer,
      rows: s.rows,
      cols: s.cols,
      rel_tail: relTail(s.singularValues, rank),
      dist_rank: distToRank(s.singularValues, rank),
      soft_rank: softRank(s.singularValues, SOFT_RANK_EPS),
      stationarity: Number.isFinite(st) ? st : null,
    });
    s.singularValues.forEach((value, i) => singularValues.push({ layer: s.layer, index: i + 1, value }));
  }
  return { layers, singularValues };
}

/** A file-name-safe tag of a cell: `seed0_lambda0.001_sigma0.1_...` from the listed parameters (arrays joined with x). */
export function cellTag(params: Record<string, unknown>, seed: number, names: string[]): string {
  const parts = [`seed${seed}`];
  for (const name of names) {
    const v = params[name];
    if (v === undefined) continue;
    parts.push(`${name}${Array.isArray(v) ? v.join('x') : String(v)}`);
  }
  return parts.join('_').replace(/[^A-Za-z0-9_.+-]/g, '-');
}

/** Write X (N x d, float64) and labels (N, int32) as `<prefix>_X.npy` and `<prefix>_labels.npy`; returns the paths. */
export function saveDataNpy(dir: string, prefix: string, X: Matrix, labels: Int32Array): { X: string; labels: string } {
  const paths = { X: join(dir, `${prefix}_X.npy`), labels: join(dir, `${prefix}_labels.npy`) };
  writeNpy(paths.X, { shape: [X.rows, X.cols], data: X.data });
  writeNpy(paths.labels, { shape: [labels.length], data: labels }, { dtype: 'i4' });
  return paths;
}

/** Write every W_l (out x in, float64) as `<prefix>_W<l>.npy` (l = 1..L, the paper's numbering); returns the paths. */
export function saveWeightsNpy(dir: string, prefix: string, model: MLP): string[] {
  return model.layers.map((layer, l) => {
    const path = join(dir, `${prefix}_W${l + 1}.npy`);
    writeNpy(path, { shape: [layer.W.rows, layer.W.cols], data: layer.W.data });
    return path;
  });
}
