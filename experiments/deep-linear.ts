// deep-linear: Figure 2, Theorems 5.3 and 5.4 of Neural Rank Collapse (Zangrando et al., Sec. 5 and 6.2): the
// Gaussian-mixture autoencoder without nonlinearities, trained on the full loss (Eq. 3) and on the centroid-based
// loss (Eq. 8 at layer 0), and the shallow linear model's closed forms (Eq. 21, 35) on the same data.
import { join } from 'node:path';
import { theorem53, theorem54, theorem54Bound } from '../src/bounds/nrc.ts';
import { writeNpy } from '../src/io/npy.ts';
import { type Matrix, frobeniusDistance, frobeniusNorm, rank } from '../src/linalg/index.ts';
import { tcvUpper } from '../src/metrics/index.ts';
import { partitionCentroids, productMatrix } from '../src/nn/index.ts';
import { type CellResult, type CellStatus, defineExperiment, type Row } from '../src/runner/types.ts';
import {
  type AutoencoderParams,
  buildAutoencoder,
  cellTag,
  estimateAutoencoderBytes,
  mixtureData,
  precisionIterations,
  saveDataNpy,
  trainAutoencoder,
  validateAutoencoder,
} from '../src/nn/autoencoder.ts';
import type { TrainResult } from '../src/nn/index.ts';
import { autoencoderParamSpecs } from './shared/autoencoder-params.ts';
import { estimateAutoencoderTraining } from './shared/calibrate.ts';
import { figures } from './deep-linear.figures.ts';

export type DeepLinearParams = AutoencoderParams & { saveData: boolean; saveWeights: boolean };

/** Parameters that name a cell's .npy files (data files only use the data parameters, as in gaussian-mixture). */
const DATA_TAG = ['k', 'n', 'dim', 'sigma', 'radius'];
const CELL_TAG = ['lambda', 'sigma', 'k', 'n', 'dim', 'hidden', 'radius', 'optimizer', 'lr', 'gradTol', 'maxIters'];

/** Cell parameters that, with lambda and seed, identify one line of Figure 2 (right): everything but sigma. */
const LINE_KEYS = ['lambda', 'seed', 'k', 'n', 'dim', 'hidden', 'radius', 'optimizer', 'lr', 'grad_tol', 'max_iters'];

/** f32_iters_<which> and f64_iters_<which>: the training's steps with float32 and float64 products (--dtype). */
function phaseColumns(result: TrainResult, dtype: string, which: string): Row {
  const phases = precisionIterations(result, dtype);
  return { [`f32_iters_${which}`]: phases.f32, [`f64_iters_${which}`]: phases.f64 };
}

/** Worse of two cell statuses (ok < not_converged < diverged < failed). */
function worse(a: CellStatus, b: CellStatus): CellStatus {
  const order: CellStatus[] = ['ok', 'not_converged', 'diverged', 'failed'];
  return order.indexOf(a) >= order.indexOf(b) ? a : b;
}

/**
 * Least-squares slope of log y against log x over the points with x > 0 and finite y > 0; null with fewer than two
 * distinct x (Figure 2 right: the paper reports slope 2, quadratic growth in sigma).
 */
export function logLogSlope(xs: number[], ys: number[]): { slope: number | null; points: number } {
  const px: number[] = [];
  const py: number[] = [];
  xs.forEach((x, i) => {
    const y = ys[i];
    if (x > 0 && Number.isFinite(y) && y > 0) {
      px.push(Math.log(x));
      py.push(Math.log(y));
    }
  });
  const n = px.length;
  if (n < 2) return { slope: null, points: n };
  const mx = px.reduce((a, v) => a + v, 0) / n;
  const my = py.reduce((a, v) => a + v, 0) / n;
  let sxx = 0;
  let sxy = 0;
  for (let i = 0; i < n; i++) {
    sxx += (px[i] - mx) ** 2;
    sxy += (px[i] - mx) * (py[i] - my);
  }
  return { slope: sxx > 0 ? sxy / sxx : null, points: n };
}

/** slopes.csv: per lambda (and seed and the other cell parameters) the log-log slopes of dist_trained and dist_closed vs sigma. */
export function slopeRows(cells: Row[]): Row[] {
  const groups = new Map<string, Row[]>();
  for (const c of cells) {
    const key = LINE_KEYS.map((k) => String(c[k])).join('|');
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key)!.push(c);
  }
  const rows: Row[] = [];
  for (const group of groups.values()) {
    group.sort((a, b) => Number(a.sigma) - Number(b.sigma));
    const sigmas = group.map((c) => Number(c.sigma));
    const ok = group.filter((c) => c.status === 'ok');
    const trained = logLogSlope(
      ok.map((c) => Number(c.sigma)),
      ok.map((c) => Number(c.dist_trained)),
    );
    const closed = logLogSlope(
      sigmas,
      group.map((c) => Number(c.dist_closed)),
    );
    // small-sigma asymptote: the two smallest positive sigmas only (Sec. 6.2: quadratic growth)
    const low = (rows: Row[], col: string) =>
      logLogSlope(
        rows
          .map((c) => Number(c.sigma))
          .filter((x) => x > 0)
          .slice(0, 2),
        rows
          .filter((c) => Number(c.sigma) > 0)
          .slice(0, 2)
          .map((c) => Number(c[col])),
      );
    const positive = sigmas.filter((s) => s > 0);
    const first = group[0];
    rows.push({
      ...Object.fromEntries(LINE_KEYS.map((k) => [k, first[k]])),
      sigma_min: positive.length ? Math.min(...positive) : null,
      sigma_max: positive.length ? Math.max(...positive) : null,
      points_trained: trained.points,
      slope_trained: trained.slope,
      points_closed: closed.points,
      slope_closed: closed.slope,
      slope_trained_low: low(ok, 'dist_trained').slope,
      slope_closed_low: low(group, 'dist_closed').slope,
    });
  }
  return rows.sort((a, b) => Number(a.seed) - Number(b.seed) || Number(a.lambda) - Number(b.lambda));
}

/** Tables of a run (CSV files) and their columns; the figures (deep-linear.figures.ts) are checked against them. */
export const tables = {
  cells: [
    'lambda',
    'sigma',
    'seed',
    'k',
    'n',
    'dim',
    'status',
    'dist_trained',
    'dist_closed',
    'thm53_bound',
    'thm53_holds',
    'thm54_lhs',
    'thm54_bound',
    'thm54_holds',
    'wcss_xy',
    'tcv_labels',
    'iters_full',
    'iters_centroid',
    'converged',
    'dist_deep_shallow_full',
    'dist_deep_shallow_centroid',
    'norm_trained',
    'norm_closed',
    'rank_trained',
    'rank_trained_centroid',
    'tcv_kmeans',
    'thm54_bound_kmeans',
    'thm54_bound_svd',
    'loss_full',
    'loss_centroid',
    'grad_norm_full',
    'grad_norm_centroid',
    'hidden',
    'radius',
    'optimizer',
    'lr',
    'grad_tol',
    'max_iters',
    'dtype',
    'f32_iters_full',
    'f64_iters_full',
    'f32_iters_centroid',
    'f64_iters_centroid',
  ],
} as const;

/** Tables that finalize writes from all cells' rows. */
export const finalTables = {
  slopes: [
    'lambda',
    'seed',
    'k',
    'n',
    'dim',
    'sigma_min',
    'sigma_max',
    'points_trained',
    'slope_trained',
    'points_closed',
    'slope_closed',
    'slope_trained_low',
    'slope_closed_low',
    'hidden',
    'radius',
    'optimizer',
    'lr',
    'grad_tol',
    'max_iters',
  ],
} as const;

export default defineExperiment<DeepLinearParams, typeof tables, typeof finalTables>({
  name: 'deep-linear',
  summary: 'Figure 2, Thm 5.3 and Thm 5.4 of Neural Rank Collapse: deep linear autoencoder on full vs centroid loss, closed forms',
  description: [
    'Neural Rank Collapse (Zangrando et al.), Sec. 5 and 6.2. Data: the Gaussian mixture of gaussian-mixture (same seed and data',
    'options give the same X). Model: the autoencoder d -> hidden -> d of gaussian-mixture without nonlinearities and without biases',
    '(Eq. 14: f(x) = W_L ... W_1 x, so the product Theta = W_L ... W_1 is the whole map, comparable with the closed forms of Sec. 5),',
    'trained twice per cell from the same initial weights, full batch to ||grad|| < --grad-tol: on the full loss L_lambda (Eq. 3) and',
    'on the centroid-based loss L_lambda^{0,C} (Eq. 8 at layer 0: the K component centroids as inputs and targets, weights pi_k).',
    'The partition is the mixture-component partition. cells.csv: dist_trained = ||Theta*_C - Theta*||_F of the two trained products',
    '(Figure 2); the shallow linear model in closed form (Eq. 21, Remark 5.2): dist_closed = ||theta* - theta*_C||_F, the Thm 5.3 bound',
    '(WCSS/lambda)(d/(N lambda) ||Ybar|| ||Xbar|| + sqrt(d)) with WCSS of (x, y) pairs (wcss_xy = 2 wcss_x since y = x), and Thm 5.4:',
    'thm54_lhs = ||theta* - theta*_K||_F^2 with theta*_K = Q^K (X^T X + N lambda I)^{-1/2} (Eq. 35) against (d min(d, c)/lambda) TCV_K(Y),',
    'TCV_K(Y) upper-bounded by the label-only WCSS of the components (tcv_labels; labels = targets, c = d, needs d <= N). Extra',
    'columns: the trained deep products against the closed-form shallow minimisers (dist_deep_shallow_full = ||Theta* - theta*||,',
    'dist_deep_shallow_centroid = ||Theta*_C - theta*_C||), a k-means-tightened TCV_K(Y) and its Thm 5.4 bound, numerical ranks,',
    'per-training iterations (f32_iters_* / f64_iters_*: steps with float32 / float64 products, see --dtype) and gradient norms. slopes.csv: per lambda the least-squares slope of log dist vs log sigma (sigma > 0),',
    'for dist_trained (cells with status ok) and dist_closed, and the slope between the two smallest sigmas (_low). A cell is ok only',
    "when both trainings converge. Presets: paper = the sizes and grid of Figure 1; default = gaussian-mixture's default data on",
    'lambda 1e-3..3e-2 x sigma 0.0125..0.2; quick = for tests.',
  ].join(' '),
  params: [
    ...autoencoderParamSpecs({ k: 4, n: 100, dim: 16, hidden: [16, 12, 16], lambda: 1e-2, sigma: 0.05, gradTol: 1e-10, maxIters: 20000 }),
    { name: 'saveData', kind: 'bool', default: false, help: 'write X and labels of each cell as .npy into the output directory' },
    { name: 'saveWeights', kind: 'bool', default: false, help: 'write the trained products Theta* and Theta*_C (d x d) of each cell as .npy' },
  ],
  presets: {
    quick: { k: 3, n: 30, dim: 8, hidden: [8, 6, 8], lambda: [1e-2], sigma: [0.05, 0.1, 0.2], gradTol: 1e-10, maxIters: 20000 },
    default: {
      k: 4,
      n: 100,
      dim: 16,
      hidden: [16, 12, 16],
      lambda: [1e-3, 3e-3, 1e-2, 3e-2],
      sigma: [0.0125, 0.025, 0.05, 0.1, 0.2],
      gradTol: 1e-10,
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
  finalTables,
  figures,
  validate: (p) => {
    const base = validateAutoencoder(p);
    if (base) return base;
    if (!(p.lambda > 0)) return `--lambda ${p.lambda} must be > 0 (the closed forms of Thm 5.3/5.4 need lambda > 0)`;
    if (p.dim > p.n) return `--dim ${p.dim} must be at most --n ${p.n} (Thm 5.4 needs max(c, d) <= N; here c = d)`;
    return undefined;
  },
  estimateBytes: (p) => estimateAutoencoderBytes(p),
  estimate: (p, ctx) => estimateAutoencoderTraining(p, ctx, 'identity'),
  async runCell(ctx): Promise<CellResult> {
    const p = ctx.params;
    const { X, labels } = mixtureData(p, ctx.seed);
    if (p.saveData) saveDataNpy(ctx.outDir, `data_${cellTag(p, ctx.seed, DATA_TAG)}`, X, labels);
    // Shallow linear model in closed form, component partition, labels = targets = X (Eq. 21, Thm 5.3, Eq. 35, Thm 5.4).
    const t53 = theorem53(X, X, labels, p.lambda);
    const t54 = theorem54(X, X, p.k, p.lambda, { assignment: labels });
    const tcv = tcvUpper(X, null, labels, { rng: ctx.rng.child('kmeans'), K: p.k }); // TCV_K(Y), Y = X: components vs k-means
    // Deep linear network (Eq. 14) from the same initial weights on the full loss (Eq. 3) and the centroid loss (Eq. 8, j = 0).
    const full = buildAutoencoder(p, ctx.seed, 'identity', false);
    const trainedFull = await trainAutoencoder(full, X, X, p, ctx, { label: 'full' });
    const { centroids, pi } = partitionCentroids(X, labels, p.k);
    const centroid = buildAutoencoder(p, ctx.seed, 'identity', false);
    const trainedCentroid = await trainAutoencoder(centroid, centroids, centroids, p, ctx, { label: 'centroid', sampleWeights: pi });
    const status = worse(trainedFull.status, trainedCentroid.status);
    const rf = trainedFull.result;
    const rc = trainedCentroid.result;
    const thetaTrained = productMatrix(full);
    const thetaTrainedC = productMatrix(centroid);
    const numericalRank = (A: Matrix): number | null => (A.data.every(Number.isFinite) ? rank(A) : null);
    if (p.saveWeights) {
      const prefix = join(ctx.outDir, `products_${cellTag(p, ctx.seed, CELL_TAG)}`);
      writeNpy(`${prefix}_full.npy`, { shape: [thetaTrained.rows, thetaTrained.cols], data: thetaTrained.data });
      writeNpy(`${prefix}_centroid.npy`, { shape: [thetaTrainedC.rows, thetaTrainedC.cols], data: thetaTrainedC.data });
    }
    const cell: Row = {
      dist_trained: frobeniusDistance(thetaTrainedC, thetaTrained),
      dist_closed: t53.distance,
      thm53_bound: t53.bound,
      thm53_holds: t53.holds,
      thm54_lhs: t54.distanceSquared,
      thm54_bound: t54.bound,
      thm54_holds: t54.holds,
      wcss_xy: t53.wcss,
      tcv_labels: t54.tcv,
      iters_full: rf.iters,
      iters_centroid: rc.iters,
      converged: rf.status === 'converged' && rc.status === 'converged',
      dist_deep_shallow_full: frobeniusDistance(thetaTrained, t53.thetaStar),
      dist_deep_shallow_centroid: frobeniusDistance(thetaTrainedC, t53.thetaStarC),
      norm_trained: frobeniusNorm(thetaTrained),
      norm_closed: frobeniusNorm(t53.thetaStar),
      rank_trained: numericalRank(thetaTrained),
      rank_trained_centroid: numericalRank(thetaTrainedC),
      tcv_kmeans: tcv.tcvUpper,
      thm54_bound_kmeans: theorem54Bound(tcv.tcvUpper, p.lambda, p.dim, p.dim),
      thm54_bound_svd: t54.boundSvd,
      loss_full: rf.loss,
      loss_centroid: rc.loss,
      grad_norm_full: rf.gradNorm,
      grad_norm_centroid: rc.gradNorm,
      ...phaseColumns(rf, p.dtype, 'full'),
      ...phaseColumns(rc, p.dtype, 'centroid'),
    };
    const messages = [
      trainedFull.message && `full loss: ${trainedFull.message}`,
      trainedCentroid.message && `centroid loss: ${trainedCentroid.message}`,
    ].filter(Boolean);
    return { status, rows: { cells: [cell] }, ...(messages.length ? { message: messages.join('; ') } : {}) };
  },
  finalize: (tables) => ({ slopes: slopeRows(tables.cells ?? []) }),
});
