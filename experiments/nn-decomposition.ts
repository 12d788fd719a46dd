// nn-decomposition: which part of an MLP layer W = U S V^T collapses the features, and the Neural Feature Ansatz
// (AGOP paper, Beaglehole et al.: Sec. 5, App. C-D, Figures 2, 7, 10). Every --every epochs, per hidden layer l:
// NC1 = tr Sigma_W / tr Sigma_B of (1) the layer input, (2) S V^T times the input, (3) relu(U S V^T x);
// tr Sigma_W / tr Sigma_T and tr Sigma_B / tr Sigma_T of the layer output; NFA correlations of W_l^T W_l with
// AGOP_l^{1/2} and AGOP_l, and of (W_l - W_l^0)^T (W_l - W_l^0) with AGOP_l^{1/2}; train loss and accuracy.
import { applyStandardizer, fitStandardizer } from '../src/data/dataset.ts';
import { Matrix, gemm, sqrtPSD, sub } from '../src/linalg/index.ts';
import { nc1Trace, nfaCorrelation } from '../src/metrics/index.ts';
import { layerAgops, rightSingularProjection, varianceRatios } from '../src/metrics/decomposition.ts';
import { type Dtype, MLP, applyActivation } from '../src/nn/index.ts';
import type { Rng } from '../src/random/index.ts';
import { StopRequested } from '../src/linalg/interrupt.ts';
import { defineExperiment, loopRows, type Row } from '../src/runner/types.ts';
import {
  type MnistDataParams,
  type MnistTrainingParams,
  accuracy,
  estimateTrainingBytes,
  inputDim,
  loadMnistData,
  trainEpochs,
  validateMnistData,
} from '../src/nn/mnist-training.ts';
import { mnistDataParams, mnistTrainingParams } from './shared/mnist-params.ts';
import { figures } from './nn-decomposition.figures.ts';

export type NnDecompositionParams = MnistDataParams &
  MnistTrainingParams & {
    depth: number;
    width: number;
    initScale: number;
    init: string;
    standardize: boolean;
    every: number;
  };

/** Hidden layers (ReLU, no bias) of width `width`, linear readout; hidden weights re-drawn per `init`, readout PyTorch default (App. C). */
export function buildNetwork(
  p: Pick<NnDecompositionParams, 'depth' | 'width' | 'initScale' | 'init'> & { dtype?: Dtype },
  input: number,
  classes: number,
  rng: Rng,
): MLP {
  const widths = [input, ...Array.from({ length: p.depth }, () => p.width), classes];
  const model = new MLP(
    { widths, activation: 'relu', outputActivation: 'identity', bias: false, init: { kind: 'pytorch' }, dtype: p.dtype ?? 'f64' },
    rng.child('init'),
  );
  const r = rng.child('hidden-init');
  for (let l = 0; l < p.depth; l++) {
    const W = model.layers[l].W;
    // xavier: uniform +-gain sqrt(6 / (fan_in + fan_out)), gain = init scale; pytorch: +-scale / sqrt(fan_in)
    const bound = p.init === 'xavier' ? p.initScale * Math.sqrt(6 / (W.rows + W.cols)) : p.initScale / Math.sqrt(W.cols);
    for (let i = 0; i < W.data.length; i++) W.data[i] = r.uniformIn(-bound, bound);
  }
  return model;
}

/** One measurement of every hidden layer: the decomposition and NFA rows (AGOP Sec. 5, App. D). */
export function measureLayers(
  model: MLP,
  X: Matrix,
  labels: Int32Array,
  initial: Matrix[],
  epoch: number,
): { decomposition: Row[]; variance: Row[]; nfa: Row[] } {
  const depth = model.depth - 1;
  const agops = layerAgops(model, X);
  const decomposition: Row[] = [];
  const variance: Row[] = [];
  const nfa: Row[] = [];
  let Z = X;
  for (let l = 0; l < depth; l++) {
    const W = model.layers[l].W;
    const out = gemm(Z, W, { transB: true }); // U S V^T x (no bias), then the nonlinearity: stage 3
    applyActivation(model.activations[l], out.data, out.data);
    const layer = l + 1;
    decomposition.push(
      { epoch, layer, stage: 'input', nc1: nc1Trace(Z, labels) },
      { epoch, layer, stage: 'svt', nc1: nc1Trace(rightSingularProjection(Z, W), labels) },
      { epoch, layer, stage: 'output', nc1: nc1Trace(out, labels) },
    );
    const ratios = varianceRatios(out, labels);
    variance.push({ epoch, layer, within_over_total: ratios.withinOverTotal, between_over_total: ratios.betweenOverTotal });
    const WtW = gemm(W, W, { transA: true }); // neural feature matrix W_l^T W_l (Ansatz 3.2)
    const sqrtAgop = sqrtPSD(agops[l]); // AGOP_l^{1/2}
    nfa.push({ epoch, layer, variant: 'sqrt_agop', nfa_corr: nfaCorrelation(WtW, sqrtAgop) }); // Fig. 10
    nfa.push({ epoch, layer, variant: 'agop', nfa_corr: nfaCorrelation(WtW, agops[l]) }); // Ansatz 3.2 as stated
    if (epoch > 0) {
      const D = sub(W, initial[l]);
      nfa.push({ epoch, layer, variant: 'delta_sqrt_agop', nfa_corr: nfaCorrelation(gemm(D, D, { transA: true }), sqrtAgop) });
    }
    Z = out;
  }
  return { decomposition, variance, nfa };
}

const training = mnistTrainingParams({ epochs: 60, lr: 0.5, batchSize: 128, targets: 'pm1' }).map((s) => {
  if (s.name === 'momentum') return { ...s, default: 0, help: 'SGD momentum (App. C: none for MLPs)' };
  if (s.name === 'loss')
    return { ...s, default: 'mse', help: 'data loss on the --targets encoding: mse = PyTorch MSELoss (App. C), squared, or cross-entropy' };
  if (s.name === 'lr')
    return { ...s, grid: true, help: 'learning rate (paper 0.05; default 0.5 so the small run leaves the initial plateau); a list is a grid' };
  if (s.name === 'epochs') return { ...s, help: 'training epochs (paper 500)' };
  return s;
});

/** Tables of a run (CSV files) and their columns; the figures (nn-decomposition.figures.ts) are checked against them. */
export const tables = {
  decomposition: ['init_scale', 'lr', 'seed', 'epoch', 'layer', 'stage', 'nc1'],
  variance: ['init_scale', 'lr', 'seed', 'epoch', 'layer', 'within_over_total', 'between_over_total'],
  nfa: ['init_scale', 'lr', 'seed', 'epoch', 'layer', 'variant', 'nfa_corr'],
  train: ['init_scale', 'lr', 'seed', 'epoch', 'loss', 'train_acc', 'test_acc'],
} as const;

export default defineExperiment<NnDecompositionParams, typeof tables>({
  name: 'nn-decomposition',
  summary: 'AGOP paper Sec. 5: NC1 of layer input, S V^T x and relu(U S V^T x) per layer of a trained MLP; Neural Feature Ansatz',
  description:
    'Trains a bias-free ReLU MLP (App. C: 5 hidden layers of width 512, MSE on +-1 targets (+1 for the class, -1 elsewhere, ' +
    "as the authors' code; --targets onehot for 0/1), SGD batch 128, " +
    'lr 0.05, no momentum, hidden init scale 0.2, 500 epochs) on MNIST and every --every epochs measures (epoch 0 = at initialisation, before any step), per hidden layer ' +
    'l with W_l = U S V^T: NC1 = tr Sigma_W / tr Sigma_B of the layer input, of S V^T x, and of relu(U S V^T x) (Figures 2, 7); ' +
    'tr Sigma_W / tr Sigma_T and tr Sigma_B / tr Sigma_T of the output, Sigma_T = Sigma_W + Sigma_B (Fig. 10); and the ' +
    'NFA correlation (Pearson of the entries, each matrix minus its mean) of W_l^T W_l with AGOP_l^{1/2} (Fig. 10), with AGOP_l ' +
    '(Ansatz 3.2), and of (W_l - W_l^0)^T (W_l - W_l^0) with AGOP_l^{1/2}; AGOP_l is taken w.r.t. the input of layer l over ' +
    'the training set. The default is a small run (1,000 digits pooled to 14x14, width 128, 60 epochs, lr 0.5, init scale 1) ' +
    'that finishes in minutes; --preset paper is App. C on the 10,000 digits of the mnist package.',
  params: [
    { name: 'depth', kind: 'int', positive: true, max: 20, default: 5, help: 'hidden layers (App. C: 5)' },
    { name: 'width', kind: 'int', positive: true, max: 4096, default: 128, help: 'hidden width (App. C: 512)' },
    {
      name: 'initScale',
      kind: 'float',
      grid: true,
      positive: true,
      default: 1,
      help: 'hidden-layer init scale (App. C: 0.2 for MNIST); a list is a grid',
    },
    {
      name: 'init',
      kind: 'string',
      choices: ['xavier', 'pytorch'],
      default: 'xavier',
      help: "meaning of the init scale: xavier = Xavier-uniform gain (the authors' released code), pytorch = PyTorch default times the scale",
    },
    {
      name: 'standardize',
      kind: 'bool',
      default: true,
      help: "standardise each input pixel with the training mean and SD (the authors' code; the paper is silent)",
    },
    { name: 'every', kind: 'int', positive: true, default: 10, help: 'measure every this many epochs (App. C: 10)' },
    ...training,
    ...mnistDataParams({ n: 1000, nTest: 1000, pool: 2 }),
  ],
  presets: {
    quick: { n: 200, nTest: 100, pool: 4, width: 32, depth: 3, epochs: 4, every: 2 },
    default: {},
    paper: { n: 9000, nTest: 1000, pool: 1, width: 512, depth: 5, epochs: 500, lr: 0.05, initScale: 0.2, every: 10 },
  },
  tables,
  figures,
  validate: (p) => validateMnistData(p),
  estimateBytes: (p) =>
    estimateTrainingBytes(p.n, p.nTest, [inputDim(p), ...Array.from({ length: p.depth }, () => p.width), 10]) +
    8 * (p.depth + 2) * (4 * inputDim(p) ** 2 + 2 * p.n * Math.max(inputDim(p), p.width)),
  async runCell(ctx) {
    const p = ctx.params;
    const data = loadMnistData(p, ctx.rng);
    let { train, test } = data;
    if (p.standardize) {
      const s = fitStandardizer(train.X);
      train = { ...train, X: applyStandardizer(train.X, s) };
      test = { ...test, X: applyStandardizer(test.X, s) };
    }
    const model = buildNetwork(p, train.X.cols, data.classes, ctx.rng);
    const initial = model.layers.slice(0, p.depth).map((v) => v.W.clone());
    const rows: Record<string, Row[]> = {
      decomposition: loopRows(ctx, 'decomposition'),
      variance: loopRows(ctx, 'variance'),
      nfa: loopRows(ctx, 'nfa'),
      train: loopRows(ctx, 'train'),
    };
    const measureErrors = loopRows<string>(ctx, 'errors');
    const result = await trainEpochs(ctx, model, train, {
      lambda: 0,
      training: p,
      every: p.every,
      rng: ctx.rng.child('train'),
      progress: (f, m) => ctx.progress(f, m),
      onRecord: (epoch, loss) => {
        rows.train.push({ epoch, loss, train_acc: accuracy(model, train), test_acc: accuracy(model, test) });
        try {
          const m = measureLayers(model, train.X, train.labels, initial, epoch);
          rows.decomposition.push(...m.decomposition);
          rows.variance.push(...m.variance);
          rows.nfa.push(...m.nfa);
        } catch (e) {
          if (e instanceof StopRequested) throw e;
          measureErrors.push(`epoch ${epoch}: ${(e as Error).message}`);
        }
      },
    });
    if (measureErrors.length) return { status: 'failed', rows, message: measureErrors[0] };
    return { status: result.status, rows, ...(result.message ? { message: result.message } : {}) };
  },
});
