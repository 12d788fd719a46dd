// deep-rfm: Deep Recursive Feature Machines and AGOP-driven deep neural collapse (AGOP paper, Beaglehole
// et al.: Algorithm 1, Sec. 4, Theorem 4.3, App. A-D). Per layer and stage (input X_l, agop M_l^{1/2} X_l,
// features Phi(M_l^{1/2} X_l)) the NC1/NC2 metrics; KRR train/test accuracy per layer; the linearised
// recursion of Sec. 4.2 at the Gram level.
import { writeFileSync } from 'node:fs';
import { loadLabels, loadMatrix } from '../src/io/load.ts';
import { writeNpy } from '../src/io/npy.ts';
import { join } from 'node:path';
import { Matrix, gemm } from '../src/linalg/index.ts';
import type { Rng } from '../src/random/index.ts';
import { StopRequested } from '../src/linalg/interrupt.ts';
import { defineExperiment, loopRows, type CellContext, type CellResult, type Row } from '../src/runner/types.ts';
import {
  type Dataset,
  applyStandardizer,
  checkDataset,
  fitStandardizer,
  normalizeRows,
  selectSamples,
  sortByClass,
  subset,
  trainTestSplit,
} from '../src/data/dataset.ts';
import { gaussianMixture } from '../src/data/gaussian-mixture.ts';
import { checkImageDir, imageInputDim, mnistSplit } from '../src/data/mnist.ts';
import { deepRfm, type DeepRfmLayer } from '../src/kernels/deep-rfm.ts';
import { FEATURE_MAP_NAMES, type FeatureMapName } from '../src/kernels/features.ts';
import { KERNEL_NAMES, type KernelName } from '../src/kernels/kernel.ts';
import { linearizedDeepRfm } from '../src/kernels/linearized.ts';
import { centeredNormalizedGram, collapseMetrics, globalMeanFromChoice, type GlobalMeanChoice } from '../src/metrics/collapse.ts';
import { globalMeanParam } from './shared/collapse-params.ts';
import { figures } from './deep-rfm.figures.ts';

export type DeepRfmParams = {
  globalMean: GlobalMeanChoice;
  dataset: string;
  n: number;
  nTest: number;
  pool: number;
  dataDir: string;
  features: string;
  labels: string;
  k: number;
  dim: number;
  sigma: number;
  radius: number;
  kernel: string;
  bandwidth: number;
  ridge: number;
  featureMap: string;
  width: number;
  featureBandwidth: number;
  agopNorm: string;
  depth: number;
  linN: number;
  linKappa: string;
  lambdaK: number;
  lambdaPhi: number;
  saveGram: string;
  gramN: number;
};

/** "1,5,10" -> [1, 5, 10]; "none" or "" -> []. */
export function parseLayerList(text: string): number[] {
  const t = text.trim();
  if (t === '' || t === 'none') return [];
  return t.split(/[,\s]+/).map((s) => Number(s));
}

/** Short stable hash of a text (FNV-1a), for file names of grid cells. */
function shortHash(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, '0');
}

/** --data-dir names a directory (IDX MNIST / Fashion-MNIST or CIFAR-10 batches) instead of the package's digits. */
function hasImageDir(p: DeepRfmParams): boolean {
  return p.dataDir !== '' && p.dataDir !== 'none';
}

async function loadData(p: DeepRfmParams, rng: Rng): Promise<{ train: Dataset; test: Dataset }> {
  if (p.dataset === 'mnist') {
    return mnistSplit({ nTrain: p.n, nTest: p.nTest, pool: p.pool, ...(hasImageDir(p) ? { dataDir: p.dataDir } : {}) }, rng.child('split'));
  }
  if (p.dataset === 'gaussian') {
    const ds = gaussianMixture({ k: p.k, n: p.n + p.nTest, dim: p.dim, sigma: p.sigma, radius: p.radius }, rng.child('data'));
    return trainTestSplit(ds, { nTrain: p.n, nTest: p.nTest }, rng.child('split'));
  }
  const X = loadMatrix(p.features);
  const labels = loadLabels(p.labels);
  let classes = 0;
  for (const c of labels) classes = Math.max(classes, c + 1);
  const ds: Dataset = { X, labels, classes };
  checkDataset(ds);
  if (p.n + p.nTest > X.rows) throw new Error(`deep-rfm: --n ${p.n} + --n-test ${p.nTest} exceed the ${X.rows} samples in ${p.features}`);
  return trainTestSplit(ds, { nTrain: p.n, nTest: p.nTest }, rng.child('split'));
}

const checkedUserData = new Map<string, string | undefined>();

/** The user's files are read before any work: unreadable, malformed or mismatched files are bad input (exit 2). */
function checkUserData(features: string, labels: string, needed: number): string | undefined {
  const key = `${features}\n${labels}\n${needed}`;
  if (!checkedUserData.has(key)) {
    let msg: string | undefined;
    try {
      const X = loadMatrix(features);
      const y = loadLabels(labels);
      const rows = X.rows;
      const bad = X.data.findIndex((v) => !Number.isFinite(v));
      const classes = new Set(y).size;
      const maxLabel = y.reduce((a, b) => Math.max(a, b), 0);
      if (X.cols === 0) msg = `--features ${features}: has 0 columns; expected N x d with d >= 1`;
      else if (bad >= 0)
        msg = `--features ${features}: non-finite value ${X.data[bad]} at row ${Math.floor(bad / X.cols)}, column ${bad % X.cols}; expected finite numbers`;
      else if (y.length !== rows) msg = `--labels ${labels}: ${y.length} labels for the ${rows} rows of --features ${features}`;
      else if (classes < 2) msg = `--labels ${labels}: holds ${classes} class; expected at least 2 classes`;
      else if (maxLabel >= rows)
        msg = `--labels ${labels}: label ${maxLabel} is not below the ${rows} samples; expected class indices 0..K-1 with K <= ${rows}`;
      else if (needed > rows) msg = `--n + --n-test = ${needed} exceed the ${rows} samples in ${features}`;
    } catch (e) {
      msg = (e as Error).message;
    }
    checkedUserData.set(key, msg);
  }
  return checkedUserData.get(key);
}

/** Tables of a run (CSV files) and their columns; the figures (deep-rfm.figures.ts) are checked against them. */
export const tables = {
  layers: [
    'dataset',
    'kernel',
    'bandwidth',
    'ridge',
    'feature_map',
    'width',
    'n',
    'sigma',
    'seed',
    'layer',
    'stage',
    'nc1',
    'nc2_gram',
    'nc1_pinv',
    'nc2_etf',
  ],
  accuracy: [
    'dataset',
    'kernel',
    'bandwidth',
    'ridge',
    'feature_map',
    'width',
    'n',
    'sigma',
    'seed',
    'layer',
    'train_acc',
    'test_acc',
    'refit_test_acc',
    'krr_method',
  ],
  linearized: ['dataset', 'n', 'sigma', 'lambda_k', 'lambda_phi', 'lin_kappa', 'seed', 'layer', 'gram_error', 'gram_error_fro'],
} as const;

export default defineExperiment<DeepRfmParams, typeof tables>({
  name: 'deep-rfm',
  summary: 'Deep RFM (AGOP paper, Algorithm 1): NC1/NC2 per layer and stage, KRR accuracy, linearised Gram recursion',
  description:
    'Beaglehole et al., "Average gradient outer product as a mechanism for deep neural collapse". ' +
    'Runs Deep RFM (Algorithm 1) on MNIST (the mnist package, optionally pooled), a Gaussian mixture or .npy features: ' +
    'per layer, rows normalised to unit norm, kernel ridge regression alpha = Y (k(X,X) + ridge I)^{-1} with one-hot ' +
    '+-1 targets, AGOP M_l of the predictor (divided by its largest entry unless --agop-norm none), X <- Phi(M_l^{1/2} X). ' +
    'Data are standardised per feature (fitted on the training set) and sorted by class first. ' +
    'layers.csv: nc1 = tr(Sigma_W)/tr(Sigma_B), nc2_gram (normalised class-mean Gram vs Sigma_ETF), nc1_pinv, nc2_etf ' +
    'for stage input (X_l after normalisation), agop (M_l^{1/2} X_l) and features (Phi(M_l^{1/2} X_l)). ' +
    'accuracy.csv: KRR train/test accuracy at each layer (layer L+1 = readout), and refit_test_acc, the test accuracy of ' +
    "KRR refitted on X_l with the Mahalanobis kernel k_M(x, z) = k(||x - z||_M) of that layer's M_l (empty for the readout). " +
    'linearized.csv: Sec. 4.2 / Thm 4.3 recursion on the Gram matrix of --lin-n training samples, ' +
    "||Xtilde_l' Xtilde_l - y y'||_2 per layer (layer 0 = input Gram). " +
    '--save-gram 1,5,10 writes the centred-normalised Gram of the agop stage (class-sorted subsample of --gram-n) as .npy.',
  params: [
    { name: 'dataset', kind: 'string', choices: ['mnist', 'gaussian', 'npy'], default: 'mnist', help: 'data source' },
    { name: 'n', kind: 'int', grid: true, positive: true, max: 10000, default: 1000, help: 'training samples' },
    { name: 'nTest', kind: 'int', min: 0, max: 10000, default: 500, help: 'test samples (disjoint from training)' },
    {
      name: 'pool',
      kind: 'int',
      check: (v) =>
        [1, 2, 4, 7, 8, 14, 16].includes(v as number) ? undefined : 'must be one of 1, 2, 4, 7, 14 (MNIST) or 1, 2, 4, 8, 16 (CIFAR-10)',
      default: 2,
      help: 'average pooling of --dataset mnist images (2 gives 14x14 MNIST inputs; CIFAR-10: per channel)',
    },
    {
      name: 'dataDir',
      kind: 'string',
      default: 'none',
      help: 'for --dataset mnist: a directory with the four MNIST / Fashion-MNIST IDX files or the CIFAR-10 binary batches (data_batch_1..5.bin, test_batch.bin); none = the mnist package',
    },
    { name: 'features', kind: 'string', default: 'none', help: '.npy features (N x d) for --dataset npy' },
    { name: 'labels', kind: 'string', default: 'none', help: '.npy integer labels (N) for --dataset npy' },
    { name: 'k', kind: 'int', min: 2, max: 1000, default: 10, help: 'Gaussian mixture: classes' },
    { name: 'dim', kind: 'int', positive: true, max: 10000, default: 100, help: 'Gaussian mixture: dimension' },
    { name: 'sigma', kind: 'float', grid: true, min: 0, default: 1, help: 'Gaussian mixture: within-class standard deviation per coordinate' },
    { name: 'radius', kind: 'float', min: 0, default: 3, help: 'Gaussian mixture: norm of each class mean' },
    {
      name: 'kernel',
      kind: 'string',
      grid: true,
      choices: KERNEL_NAMES,
      default: 'gaussian',
      help: 'KRR kernel: laplace exp(-||x-z||/L) or gaussian exp(-||x-z||^2/(2L^2))',
    },
    { name: 'bandwidth', kind: 'float', grid: true, positive: true, default: 2, help: 'kernel bandwidth L (paper: 2.0)' },
    {
      name: 'ridge',
      kind: 'float',
      grid: true,
      min: 0,
      default: 1e-3,
      help: "KRR ridge mu (0 = ridgeless; the authors' runs effectively used 1e-3)",
    },
    {
      name: 'featureMap',
      kind: 'string',
      grid: true,
      choices: FEATURE_MAP_NAMES,
      default: 'relu',
      help: "random features: relu (N(0,2/D)), relu-uniform (reference code), cos-gaussian, cos-laplace (l2), cos-laplace-l1 (reference code's Cauchy features)",
    },
    {
      name: 'width',
      kind: 'int',
      grid: true,
      positive: true,
      max: 16384,
      default: 512,
      help: 'random-feature width D (paper: 1024 ReLU, 4096 cosine)',
    },
    {
      name: 'featureBandwidth',
      kind: 'float',
      positive: true,
      default: 1,
      help: 'bandwidth s of cosine random features, frequencies ~ 1/s (the paper quotes 0.05 for its l1-Laplace features; in this convention 0.05 makes features of unit-norm inputs near-orthogonal, and s ~ 1-20 works)',
    },
    {
      name: 'agopNorm',
      kind: 'string',
      choices: ['max', 'none'],
      default: 'max',
      help: 'divide each AGOP by its largest entry (reference code) or not',
    },
    globalMeanParam,
    { name: 'depth', kind: 'int', positive: true, max: 100, default: 8, help: 'Deep RFM layers L (paper: 18), plus a readout' },
    { name: 'linN', kind: 'int', min: 0, max: 3000, default: 300, help: 'training samples for the linearised recursion (0 = skip)' },
    { name: 'lambdaK', kind: 'float', positive: true, default: 1e-3, help: 'linearised recursion: kernel deviation lambda_k' },
    { name: 'lambdaPhi', kind: 'float', positive: true, default: 1, help: 'linearised recursion: feature-map deviation lambda_Phi' },
    {
      name: 'linKappa',
      kind: 'string',
      choices: ['paper', 'none'],
      default: 'paper',
      help: 'linearised recursion: scale by 1/kappa, kappa = 1 - 2 lambda_k (1 + 1/lambda_Phi) (paper), or not',
    },
    {
      name: 'saveGram',
      kind: 'string',
      default: 'none',
      help: 'layers whose agop-stage centred-normalised Gram is written as .npy, e.g. 1,5,10 (none = off)',
      check: (v) =>
        parseLayerList(v as string).every((x) => Number.isInteger(x) && x >= 1)
          ? undefined
          : 'must be none or a comma-separated list of layers >= 1, e.g. 1,5,10',
    },
    { name: 'gramN', kind: 'int', positive: true, max: 5000, default: 200, help: 'samples in each saved Gram matrix (class-sorted, stratified)' },
  ],
  presets: {
    quick: { n: 200, nTest: 100, pool: 4, width: 128, depth: 3, linN: 100, dim: 30 },
    default: {},
    paper: { n: 8000, nTest: 2000, pool: 1, width: 1024, depth: 18, linN: 1000 },
  },
  tables,
  figures,
  validate(p) {
    if (p.dataset === 'npy' && (p.features === 'none' || p.labels === 'none')) return '--dataset npy needs --features FILE.npy and --labels FILE.npy';
    if (p.dataset === 'npy') {
      const bad = checkUserData(p.features, p.labels, p.n + p.nTest);
      if (bad) return bad;
    }
    if (p.dataset === 'mnist' && hasImageDir(p)) {
      const bad = checkImageDir(p.dataDir, { nTrain: p.n, nTest: p.nTest, pool: p.pool });
      if (bad) return `--data-dir: ${bad}`;
    } else if (p.dataset === 'mnist' && 28 % p.pool !== 0) return `--pool ${p.pool} must divide 28 for MNIST (1, 2, 4, 7, 14)`;
    if (p.dataset === 'mnist' && !hasImageDir(p) && p.n + p.nTest > 10000)
      return `--n ${p.n} + --n-test ${p.nTest} exceed the 10000 digits of the mnist package`;
    if (p.linN > p.n) return `--lin-n ${p.linN} exceeds --n ${p.n}`;
    if (parseLayerList(p.saveGram).length > 0 && p.gramN > p.n) return `--gram-n ${p.gramN} exceeds --n ${p.n}`;
    const over = parseLayerList(p.saveGram).find((l) => l > p.depth);
    if (over !== undefined) return `--save-gram layer ${over} exceeds --depth ${p.depth}`;
    if (p.dataset === 'gaussian' && p.n < p.k) return `--n ${p.n} is smaller than --k ${p.k}`;
    return undefined;
  },
  estimateBytes: (p) => {
    const d = Math.max(p.width, p.dataset === 'mnist' ? imageInputDim(p.pool, hasImageDir(p) ? p.dataDir : undefined) : p.dim);
    return 8 * (6 * p.n * p.n + 8 * (p.n + p.nTest) * d + 4 * d * d + 4 * p.linN * p.linN);
  },
  async runCell(ctx): Promise<CellResult> {
    const p = ctx.params;
    const t0 = performance.now();
    const rows: Record<string, Row[]> = { layers: loopRows(ctx, 'layers'), accuracy: loopRows(ctx, 'accuracy'), linearized: [] };
    const { train, test } = await standardizedSplit(p, ctx.rng);
    if (p.linN > 0) rows.linearized.push(...linearizedRows(p, train, ctx.rng));
    const gramIdx = gramSampleIndex(p, train, ctx.rng);

    let status: CellResult['status'] = 'ok';
    let message: string | undefined;
    try {
      deepRfm(
        train,
        test,
        {
          depth: p.depth,
          kernel: p.kernel as KernelName,
          bandwidth: p.bandwidth,
          ridge: p.ridge,
          featureMap: p.featureMap as FeatureMapName,
          width: p.width,
          featureBandwidth: p.featureBandwidth,
          agopNormalization: p.agopNorm as 'max' | 'none',
          signal: ctx.signal,
          checkpoint: ctx.checkpoint,
          onProgress: (f, m) => ctx.progress(f, m),
        },
        ctx.rng.child('deep-rfm'),
        layerRecorder(ctx, train, rows, gramIdx),
      );
    } catch (e) {
      if (ctx.signal.aborted && !(e instanceof StopRequested)) {
        status = 'failed';
        message = 'aborted';
      } else throw e;
    }
    if (status === 'ok' && rows.layers.some((r) => !Number.isFinite(r.nc1) || !Number.isFinite(r.nc2_gram))) status = 'diverged';
    if (gramIdx) {
      writeFileSync(
        join(ctx.outDir, `deep-rfm-gram-${shortHash(ctx.cellKey)}-seed${ctx.seed}-labels.txt`),
        Array.from(gramIdx, (i) => train.labels[i]).join('\n') + '\n',
      );
    }
    const secs = (performance.now() - t0) / 1000;
    ctx.log(`deep-rfm: ${secs.toFixed(1)} s`);
    return { status, rows, message };
  },
});

/** The cell's train and test sets, each sorted by class, standardised with the training set's statistics. */
async function standardizedSplit(p: DeepRfmParams, rng: Rng): Promise<{ train: Dataset; test: Dataset }> {
  const split = await loadData(p, rng);
  const train0 = sortByClass(split.train);
  const test0 = sortByClass(split.test);
  const st = fitStandardizer(train0.X);
  return { train: { ...train0, X: applyStandardizer(train0.X, st) }, test: { ...test0, X: applyStandardizer(test0.X, st) } };
}

/** Linearised recursion (Sec. 4.2, Thm 4.3) on the Gram matrix of normalised training rows: one row per layer. */
function linearizedRows(p: DeepRfmParams, train: Dataset, rng: Rng): Row[] {
  const sub = sortByClass(subset(train, p.linN, rng.child('linearized')));
  const Xn = normalizeRows(sub.X);
  const G1 = gemm(Xn, Xn, { transB: true });
  const out: Row[] = [];
  for (const r of linearizedDeepRfm(G1, sub.labels, train.classes, {
    depth: p.depth,
    lambdaK: p.lambdaK,
    lambdaPhi: p.lambdaPhi,
    kappa: p.linKappa as 'paper' | 'none',
  })) {
    out.push({ layer: r.layer, gram_error: r.gramError, gram_error_fro: r.gramErrorFrobenius });
  }
  return out;
}

/** Which training rows go into saved Gram matrices (class-sorted, stratified); undefined when no layer is saved. */
function gramSampleIndex(p: DeepRfmParams, train: Dataset, rng: Rng): Int32Array | undefined {
  if (parseLayerList(p.saveGram).length === 0) return undefined;
  const pos = Int32Array.from({ length: train.X.rows }, (_, i) => i);
  const picked = sortByClass(
    subset({ X: new Matrix(train.X.rows, 1, Float64Array.from(pos)), labels: train.labels, classes: train.classes }, p.gramN, rng.child('gram')),
  );
  return Int32Array.from(picked.X.data);
}

/** Per Deep RFM layer: its accuracy row, the collapse metrics of its three stages, and its saved Gram matrix if asked for. */
function layerRecorder(
  ctx: CellContext<DeepRfmParams>,
  train: Dataset,
  rows: Record<string, Row[]>,
  gramIdx: Int32Array | undefined,
): (layer: DeepRfmLayer) => void {
  const p = ctx.params;
  const saveLayers = new Set(parseLayerList(p.saveGram));
  return (layer) => {
    rows.accuracy.push({
      layer: layer.layer,
      train_acc: layer.trainAccuracy,
      test_acc: layer.testAccuracy,
      refit_test_acc: layer.refitTestAccuracy,
      krr_method: layer.krrMethod,
    });
    const stages: [string, Matrix | undefined][] = [
      ['input', layer.input],
      ['agop', layer.agop],
      ['features', layer.features],
    ];
    for (const [stage, X] of stages) {
      if (!X) continue;
      const m = collapseMetrics(X, train.labels, { globalMean: globalMeanFromChoice(p.globalMean) });
      // nc1 = tr(Sigma_W)/tr(Sigma_B) and nc2_gram are the AGOP paper's; nc1_pinv, nc2_etf the perturbation paper's.
      rows.layers.push({ layer: layer.layer, stage, nc1: m.nc1Trace, nc2_gram: m.nc2Gram, nc1_pinv: m.nc1, nc2_etf: m.nc2Etf });
    }
    if (gramIdx && layer.agop && saveLayers.has(layer.layer)) {
      const sub = selectSamples({ X: layer.agop, labels: train.labels, classes: train.classes }, gramIdx);
      const G = centeredNormalizedGram(sub.X, sub.labels); // AGOP paper Figure 1
      const file = join(ctx.outDir, `deep-rfm-gram-${shortHash(ctx.cellKey)}-seed${ctx.seed}-layer${layer.layer}.npy`);
      writeNpy(file, { shape: [G.rows, G.cols], data: G.data });
      ctx.log(`deep-rfm: wrote ${file}`);
    }
  };
}
