// wd-ablation: the weight-decay ablation of Tirer et al. ("Perturbation analysis of neural collapse", Sec. 5,
// App. E.2, Table 1) with a BN-ReLU MLP on MNIST instead of ResNet18: weight decay 5e-4 everywhere (baseline),
// doubled or zeroed on the feature layers (lambda_H's analogue) or on the last layer (lambda_W's analogue), each with
// MSE loss and no classifier bias, and with CE loss and bias. Per cell: NC1, NC1~, NC2, NC3 and per-class NC1 of the
// deepest features at the end; finalize: mean and SD over seeds per (config, loss), shaped like Table 1.
import { type LossKind, lossValueAndGrad } from '../src/nn/index.ts';
import { Rng } from '../src/random/index.ts';
import { defineExperiment, type Row } from '../src/runner/types.ts';
import { accuracyOf, classifierMlp, deepestCollapse, deepestFeatures, pytorchWeightDecay } from '../src/nn/classifier.ts';
import { globalMeanParam } from './shared/collapse-params.ts';
import type { GlobalMeanChoice } from '../src/metrics/index.ts';
import {
  type MnistDataParams,
  type MnistTrainingParams,
  estimateTrainingBytes,
  inputDim,
  loadMnistData,
  trainEpochs,
  validateMnistData,
} from '../src/nn/mnist-training.ts';
import { mnistDataParams, mnistTrainingParams } from './shared/mnist-params.ts';
import { costEstimate, describeMiniBatch, epochCost, miniBatchTiming } from './shared/calibrate.ts';
import { figures } from './wd-ablation.figures.ts';

/** Table 1's rows, in its order: name -> (feature-layer, last-layer) multiplier of --wd. */
export const WD_CONFIGS = {
  baseline: { feature: 1, last: 1 }, // Baseline
  'last-x2': { feature: 1, last: 2 }, // WDx2 for W
  'features-x2': { feature: 2, last: 1 }, // WDx2 for H
  'last-0': { feature: 1, last: 0 }, // WD=0 for W
  'features-0': { feature: 0, last: 1 }, // WD=0 for H
} as const;
export type WdConfig = keyof typeof WD_CONFIGS;
const CONFIG_NAMES = Object.keys(WD_CONFIGS) as WdConfig[];
const LOSSES = ['mse', 'cross-entropy'] as const;
/** Metrics summarised in table1 (per-cell columns of the `metrics` table). */
export const TABLE1_METRICS = ['nc1', 'nc1_trace', 'nc2_etf', 'nc3', 'train_acc', 'test_acc'] as const;

export type WdAblationParams = MnistDataParams &
  MnistTrainingParams & {
    globalMean: GlobalMeanChoice;
    config: string;
    wd: number;
    hidden: number[];
    batchnorm: boolean;
    classifierBias: string;
    lrStep: number;
    lrGamma: number;
  };

/** Weight decay of a configuration in PyTorch convention: (feature layers, last layer). */
export function configWeightDecay(config: string, wd: number): { feature: number; last: number } {
  const m = WD_CONFIGS[config as WdConfig];
  if (!m) throw new RangeError(`unknown weight-decay configuration ${config}`);
  return { feature: m.feature * wd, last: m.last * wd };
}

/** Classifier bias of a cell: App. E.2 pairs MSE with no bias and CE with bias ('auto'). */
export function classifierBiasOf(p: Pick<WdAblationParams, 'classifierBias' | 'loss'>): boolean {
  return p.classifierBias === 'auto' ? p.loss === 'cross-entropy' : p.classifierBias === 'true';
}

/** Mean and sample standard deviation (n - 1 in the denominator; NaN for fewer than 2 values). */
export function meanSd(values: number[]): { mean: number; sd: number } {
  const n = values.length;
  const mean = n ? values.reduce((s, v) => s + v, 0) / n : NaN;
  const sd = n > 1 ? Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / (n - 1)) : NaN;
  return { mean, sd };
}

/** Welch's t of mean a against mean b: (mean_a - mean_b) / sqrt(sd_a^2/n_a + sd_b^2/n_b) (NaN without spread). */
export function welchT(a: number[], b: number[]): number {
  const x = meanSd(a);
  const y = meanSd(b);
  const se = Math.sqrt(x.sd ** 2 / a.length + y.sd ** 2 / b.length);
  return se > 0 ? (x.mean - y.mean) / se : NaN;
}

/**
 * Table 1: mean and SD over the seeds of every metric, per (config, loss), and Welch's t of the config's mean against
 * the baseline's of the same loss (t_vs_baseline; empty for the baseline); only cells with status ok count.
 */
export function table1(metrics: Row[]): Row[] {
  const out: Row[] = [];
  const values = (config: string, loss: string, metric: string) =>
    metrics.filter((r) => r.config === config && r.loss === loss && (r.status ?? 'ok') === 'ok').map((r) => Number(r[metric]));
  const configs = [...CONFIG_NAMES, ...new Set(metrics.map((r) => String(r.config)).filter((c) => !(c in WD_CONFIGS)))];
  for (const config of configs) {
    for (const loss of LOSSES) {
      const rows = metrics.filter((r) => r.config === config && r.loss === loss && (r.status ?? 'ok') === 'ok');
      if (rows.length === 0) continue;
      for (const metric of TABLE1_METRICS) {
        const v = values(config, loss, metric);
        const { mean, sd } = meanSd(v);
        const base = values('baseline', loss, metric);
        const t = config === 'baseline' || base.length === 0 ? null : welchT(v, base);
        out.push({ config, loss, metric, mean, sd, seeds: rows.length, t_vs_baseline: t });
      }
    }
  }
  return out;
}

const training = mnistTrainingParams({ epochs: 60, lr: 0.05, batchSize: 64 }).map((s) => {
  if (s.name === 'loss') {
    return {
      ...s,
      grid: true,
      choices: ['mse', 'cross-entropy', 'squared'],
      default: 'mse',
      help: 'data loss, a grid axis: mse (PyTorch MSELoss on one-hot targets, App. E.2 "MSE") or cross-entropy; squared = NRC Eq. 3',
    };
  }
  if (s.name === 'epochs') return { ...s, help: 'training epochs (Table 1: measured at epoch 100)' };
  if (s.name === 'lr') return { ...s, help: 'initial learning rate (App. E.2: 0.05), divided by 10 every --lr-step epochs' };
  if (s.name === 'batchSize') return { ...s, help: 'mini-batch size (App. E.2: 256; default 64 for more steps on the small subset)' };
  if (s.name === 'momentum') return { ...s, help: 'SGD momentum (App. E.2: 0.9)' };
  return s;
});

/** Tables of a run (CSV files) and their columns; the figures (wd-ablation.figures.ts) are checked against them. */
export const tables = {
  metrics: ['config', 'loss', 'seed', 'nc1', 'nc1_trace', 'nc2_etf', 'nc3', 'train_acc', 'test_acc', 'train_loss', 'status'],
  per_class: ['config', 'loss', 'seed', 'class', 'nc1'],
} as const;

/** Tables that finalize writes from all cells' rows. */
export const finalTables = { table1: ['config', 'loss', 'metric', 'mean', 'sd', 'seeds', 't_vs_baseline'] } as const;

export default defineExperiment<WdAblationParams, typeof tables, typeof finalTables>({
  name: 'wd-ablation',
  summary: 'Weight decay on feature vs last layer and NC1/NC2/NC3 of the deepest features, MLP on MNIST (Tirer et al. Table 1)',
  description:
    'Perturbation analysis of neural collapse (Tirer, Huang, Niles-Weed), Section 5, Appendix E.2, Table 1, with a ' +
    'ReLU MLP with batchnorm on MNIST instead of ResNet18. Configurations (--config, a grid axis): baseline = weight decay ' +
    '--wd (5e-4, PyTorch convention, lambda = wd/2 in NRC Eq. 3) on every parameter; last-x2 / last-0 = doubled / zero ' +
    'decay on the last (classification) layer ("WDx2 / WD=0 for W"); features-x2 / features-0 = doubled / zero decay on ' +
    'all other layers including biases and batchnorm ("for H"). --loss (a grid axis): mse = PyTorch MSELoss on one-hot ' +
    'targets with no classifier bias, cross-entropy with bias (--classifier-bias auto). SGD with momentum 0.9, lr 0.05 ' +
    'divided by 10 every --lr-step epochs (paper: every 40, Table 1 read at epoch 100; default 60 epochs with the step scaled to 24; mini-batch 64 instead of 256 so the 2,000-digit subset still gets ~1,900 steps). Seeds come ' +
    'from --seed/--seeds (Table 1: 3 seeds, the default here); all configurations of one seed share data, initial weights ' +
    'and mini-batch order. Per cell (metrics.csv): NC1 = (1/K) tr(Sigma_W Sigma_B^+), NC1~, NC2 (nc2_etf) and NC3 of the ' +
    'deepest features on the training set at the end, train / test accuracy; per_class.csv: NC1^(k) (App. E.2); ' +
    "table1.csv: mean and SD (n-1) over seeds per (config, loss, metric) and Welch's t against the baseline of the same loss " +
    '(|t| > 3: the effect is resolved by the seeds). Paper: more decay on the feature layers brings ' +
    "the features closer to collapse, and changing it moves the metrics more than changing the last layer's decay.",
  params: [
    {
      name: 'config',
      kind: 'string',
      grid: true,
      choices: CONFIG_NAMES,
      default: 'baseline',
      help: 'weight-decay configuration (Table 1 rows); a list is a grid',
    },
    ...training,
    {
      name: 'wd',
      kind: 'float',
      min: 0,
      default: 5e-4,
      help: 'baseline weight decay, PyTorch convention (lambda = wd/2 in NRC Eq. 3; App. E.2: 5e-4)',
    },
    { name: 'hidden', kind: 'ints', positive: true, max: 8192, default: [128, 128, 128], help: 'hidden widths of the MLP (the paper uses ResNet18)' },
    { name: 'batchnorm', kind: 'bool', default: true, help: 'batchnorm after each hidden linear map (ResNet18 has batchnorm)' },
    {
      name: 'classifierBias',
      kind: 'string',
      choices: ['auto', 'true', 'false'],
      default: 'auto',
      help: 'bias of the last layer: auto = none with mse, one with cross-entropy (App. E.2)',
    },
    { name: 'lrStep', kind: 'int', positive: true, default: 24, help: 'divide the learning rate by --lr-gamma every this many epochs (paper: 40)' },
    { name: 'lrGamma', kind: 'float', positive: true, max: 1, default: 0.1, help: 'learning-rate factor per step (paper: 0.1)' },
    globalMeanParam,
    ...mnistDataParams({ n: 2000, nTest: 1000, pool: 2 }),
  ],
  defaultSeeds: 3, // Table 1 reports mean and SD over 3 seeds
  presets: {
    quick: {
      config: ['baseline', 'features-0'],
      loss: ['mse', 'cross-entropy'],
      hidden: [32, 32],
      n: 300,
      nTest: 100,
      pool: 4,
      epochs: 4,
      lrStep: 2,
      batchSize: 64,
    },
    default: { config: CONFIG_NAMES, loss: [...LOSSES] },
    // paper: MNIST 3K/class = --n 30000 with --data-dir; the mnist package holds 10,000 digits
    paper: {
      config: CONFIG_NAMES,
      loss: [...LOSSES],
      hidden: [1024, 1024, 1024],
      pool: 1,
      n: 9000,
      nTest: 1000,
      epochs: 100,
      lrStep: 40,
      batchSize: 256,
    },
  },
  tables,
  finalTables,
  figures,
  finalize: (tables) => ({ table1: table1(tables.metrics ?? []) }),
  validate: (p) => validateMnistData(p),
  estimateBytes: (p) => estimateTrainingBytes(p.n, p.nTest, [inputDim(p), ...p.hidden, 10]),
  async estimate(p, ctx) {
    const widths = [inputDim(p), ...p.hidden, 10];
    const bias = classifierBiasOf(p);
    const wd = configWeightDecay(p.config, p.wd);
    const t = await miniBatchTiming(
      ctx,
      `bn-relu ${widths.join('x')} bn=${p.batchnorm} bias=${bias} ${p.dtype}`,
      () =>
        classifierMlp(
          {
            input: widths[0],
            hidden: p.hidden,
            classes: 10,
            batchnorm: p.batchnorm,
            classifierBias: bias,
            dtype: p.dtype,
          },
          new Rng('calibration'),
        ),
      { ...p, weightDecay: pytorchWeightDecay(wd.feature, wd.last), mode: 'train' },
    );
    return costEstimate(epochCost(t, p.epochs, 3, false), `${describeMiniBatch(t, p)}; x ${p.epochs} epochs`, false);
  },
  async runCell(ctx) {
    const p = ctx.params;
    // common random numbers: data, initial weights and batch order depend on the seed only, not on config or loss
    const rng = new Rng(`wd-ablation/${ctx.seed}`);
    const data = loadMnistData(p, rng.child('data'));
    const { train, test } = data;
    const model = classifierMlp(
      {
        input: train.X.cols,
        hidden: p.hidden,
        classes: data.classes,
        batchnorm: p.batchnorm,
        classifierBias: classifierBiasOf(p),
        dtype: p.dtype,
      },
      rng.child('init'),
    );
    const wd = configWeightDecay(p.config, p.wd);
    const res = await trainEpochs(ctx, model, train, {
      lambda: pytorchWeightDecay(wd.feature, wd.last),
      mode: 'train',
      schedule: { stepSize: p.lrStep, gamma: p.lrGamma },
      training: p,
      every: p.epochs,
      rng: rng.child('train'),
      progress: (f, m) => ctx.progress(f, m),
    });
    if (res.status !== 'ok') {
      return { status: res.status, rows: { metrics: [{ status: res.status }], per_class: [] }, ...(res.message ? { message: res.message } : {}) };
    }
    const { features, outputs } = deepestFeatures(model, train.X);
    const c = deepestCollapse(features, train.labels, model.layers[model.depth - 1].W, p.globalMean);
    const metrics: Row = {
      nc1: c.nc1,
      nc1_trace: c.nc1Trace,
      nc2_etf: c.nc2Etf,
      nc3: c.nc3,
      train_acc: accuracyOf(outputs, train.labels),
      test_acc: test.X.rows ? accuracyOf(model.predict(test.X), test.labels) : NaN,
      train_loss: lossValueAndGrad(p.loss as LossKind, outputs, train.labels, null), // data loss, no weight decay
    };
    const perClass = Array.from(c.nc1PerClass, (v, k) => ({ class: k, nc1: v }));
    return { status: 'ok', rows: { metrics: [metrics], per_class: perClass } };
  },
});
