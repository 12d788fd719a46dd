// layerwise: layer-wise training of an MLP (Tirer et al., "Perturbation analysis of neural collapse", Sec. 5,
// App. E.1, Figure 2). Start with one hidden layer (Linear + batchnorm + ReLU) and a linear classifier; each round
// inserts a new hidden layer before the classifier (default init), trains only it and the classifier (earlier
// layers frozen), then records NC1 = (1/K) tr(Sigma_W Sigma_B^+) (Sec. 5) and NC1~ = tr Sigma_W / tr Sigma_B (Eq. 3)
// of the deepest features on the training set, the training loss and accuracy.
import type { Dataset } from '../src/data/dataset.ts';
import type { Matrix } from '../src/linalg/index.ts';
import { lossValueAndGrad, type LossKind, type MLP } from '../src/nn/index.ts';
import { insertHiddenLayer } from '../src/nn/grow.ts';
import { defineExperiment, type CellContext, type CellStatus, type Row } from '../src/runner/types.ts';
import { accuracyOf, classifierMlp, deepestCollapse, pytorchWeightDecay } from '../src/nn/classifier.ts';
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
import { figures } from './layerwise.figures.ts';

export type LayerwiseParams = MnistDataParams &
  MnistTrainingParams & { layers: number; width: number; wd: number; batchnorm: boolean; globalMean: GlobalMeanChoice };

const training = mnistTrainingParams({ epochs: 3, lr: 1e-4, batchSize: 256 }).map((s) => {
  if (s.name === 'epochs') return { ...s, help: 'epochs per round, i.e. per added layer (App. E.1: 3)' };
  if (s.name === 'lr') return { ...s, help: 'learning rate (App. E.1: Adam, 1e-4)' };
  if (s.name === 'batchSize') return { ...s, help: 'mini-batch size (App. E.1: 256)' };
  if (s.name === 'optimizer') return { ...s, default: 'adam', help: 'adam (App. E.1) or sgd (with --momentum)' };
  if (s.name === 'loss')
    return { ...s, default: 'cross-entropy', help: 'data loss: cross-entropy (App. E.1), mse (PyTorch MSELoss on one-hot targets) or squared' };
  return s;
});

export interface RoundResult {
  /** Hidden layers after the round. */
  layers: number;
  status: CellStatus;
  message?: string;
  model: MLP;
  row: Row;
}

/**
 * The layer-wise procedure of App. E.1. `onRound` sees the model after each round (tests snapshot it).
 * Frozen layers run in eval mode (running batchnorm statistics) and are evaluated once per round: their output
 * z^j is the input on which the new layer and the classifier are trained (a sub-network from layer j).
 */
export async function trainLayerwise(ctx: CellContext<LayerwiseParams>, onRound?: (r: RoundResult) => void): Promise<RoundResult[]> {
  const p = ctx.params;
  const data = loadMnistData(p, ctx.rng);
  const { train, test } = data;
  const decay = pytorchWeightDecay(p.wd, p.wd);
  let model = classifierMlp(
    { input: train.X.cols, hidden: [p.width], classes: data.classes, batchnorm: p.batchnorm, classifierBias: true, dtype: p.dtype },
    ctx.rng.child('init'),
  );
  let Z: Matrix = train.X; // z^j, input of the layer being trained
  let Zt: Matrix = test.X;
  const results: RoundResult[] = [];
  for (let round = 1; round <= p.layers; round++) {
    if (round > 1) model = insertHiddenLayer(model, ctx.rng.child(`insert${round}`), { activation: 'relu', bias: true, batchnorm: p.batchnorm });
    const from = round - 1; // new hidden layer; layers < from are frozen
    const ds: Dataset = { X: Z, labels: train.labels, classes: data.classes };
    const res = await trainEpochs(ctx, model, ds, {
      lambda: decay,
      mode: 'train',
      from,
      training: p,
      every: p.epochs,
      rng: ctx.rng.child(`round${round}`),
      progress: (f, m) => ctx.progress((round - 1 + f) / p.layers, `layer ${round}/${p.layers} ${m}`),
    });
    if (res.status !== 'ok') {
      const r: RoundResult = { layers: round, status: res.status, model, row: { layers: round }, ...(res.message ? { message: res.message } : {}) };
      results.push(r);
      onRound?.(r);
      break;
    }
    const rec = model.forward(Z, { from, mode: 'eval', record: true });
    const H = rec.layers![from].output; // deepest features z^{round} (train set, eval mode)
    const c = deepestCollapse(H, train.labels, model.layers[model.depth - 1].W, p.globalMean);
    const trainLoss = lossValueAndGrad(p.loss as LossKind, rec.output, train.labels, null); // data loss, no weight decay
    const recT = Zt.rows > 0 ? model.forward(Zt, { from, mode: 'eval', record: true }) : null;
    const row: Row = {
      layers: round,
      nc1: c.nc1,
      nc1_trace: c.nc1Trace,
      train_loss: trainLoss,
      train_acc: accuracyOf(rec.output, train.labels),
      test_acc: recT ? accuracyOf(recT.output, test.labels) : NaN,
    };
    const r: RoundResult = { layers: round, status: 'ok', model, row };
    results.push(r);
    onRound?.(r);
    Z = H;
    if (recT) Zt = recT.layers![from].output;
  }
  return results;
}

/** Tables of a run (CSV files) and their columns; the figures (layerwise.figures.ts) are checked against them. */
export const tables = {
  layerwise: ['seed', 'layers', 'nc1', 'nc1_trace', 'train_loss', 'train_acc', 'test_acc'],
} as const;

export default defineExperiment<LayerwiseParams, typeof tables>({
  name: 'layerwise',
  summary: 'Layer-wise training of a BN-ReLU MLP: NC1 and NC1~ of the deepest features vs depth (Tirer et al. Sec. 5, Fig. 2)',
  description:
    'Perturbation analysis of neural collapse (Tirer, Huang, Niles-Weed), Section 5, Appendix E.1, Figure 2. ' +
    'An MLP starts with one hidden layer (Linear + batchnorm + ReLU, PyTorch default init) and a linear classifier with ' +
    'bias; each round inserts a new hidden layer of --width before the classifier and trains only that layer and the ' +
    'classifier (kept from the previous round) for --epochs epochs of Adam (App. E.1: lr 1e-4, mini-batch 256, 3 epochs, ' +
    'CE loss); earlier layers are frozen (no update, no weight decay, batchnorm in eval mode with its running statistics). ' +
    'After each round it records NC1 = (1/K) tr(Sigma_W Sigma_B^+) (Sec. 5) and NC1~ = tr Sigma_W / tr Sigma_B (Eq. 3) of ' +
    'the deepest features on the training set, the training data loss (no weight decay) and training / test accuracy. ' +
    'Paper: CIFAR-10, width 3072, 10 hidden layers; Figure 2 shows both metrics decreasing with the number of layers. ' +
    'Default here: MNIST (8,000 digits of the mnist package pooled to 14x14), width 256, 10 layers, CPU-sized.',
  params: [
    { name: 'layers', kind: 'int', positive: true, max: 100, default: 10, help: 'hidden layers at the end, one added per round (paper: 10)' },
    { name: 'width', kind: 'int', positive: true, max: 8192, default: 256, help: 'width of every hidden layer (paper: 3072 = CIFAR-10 input size)' },
    { name: 'batchnorm', kind: 'bool', default: true, help: 'batchnorm after each hidden linear map (App. E.1: yes)' },
    {
      name: 'wd',
      kind: 'float',
      min: 0,
      default: 0,
      help: 'weight decay in PyTorch convention (lambda = wd/2 in NRC Eq. 3) on the trained layers (App. E.1: none)',
    },
    ...training,
    globalMeanParam,
    ...mnistDataParams({ n: 8000, nTest: 2000, pool: 2 }),
  ],
  presets: {
    quick: { layers: 3, width: 32, n: 600, nTest: 200, pool: 4, epochs: 2, batchSize: 64, lr: 1e-3 },
    default: {},
    paper: { layers: 10, width: 3072, n: 8000, nTest: 2000, pool: 1 },
  },
  tables,
  figures,
  validate: (p) => validateMnistData(p),
  estimateBytes: (p) => estimateTrainingBytes(p.n, p.nTest, [inputDim(p), ...Array.from({ length: p.layers }, () => p.width), 10]),
  async runCell(ctx) {
    const rounds = await trainLayerwise(ctx);
    const last = rounds[rounds.length - 1];
    return {
      status: last?.status ?? 'ok',
      rows: { layerwise: rounds.filter((r) => r.status === 'ok').map((r) => r.row) },
      ...(last?.message ? { message: last.message } : {}),
    };
  },
});
