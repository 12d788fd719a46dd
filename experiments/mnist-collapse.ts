// mnist-collapse: intermediate neural collapse and layer rank on MNIST (NRC, Zangrando et al., Sec. 6.3,
// Figure 3). A tanh MLP trained with weight decay lambda (Eq. 3); every --every epochs, each weight
// matrix's relative singular-value tail e(r) (Eq. 22) for all r, the class-partition WCSS (Eq. 6, the
// paper's TCV estimate) of every layer's input z^j, and training loss / accuracy and test accuracy.
import { singularValues } from '../src/linalg/index.ts';
import { errorTailCurve, oneHot, wcss } from '../src/metrics/index.ts';
import { defineExperiment, loopRows } from '../src/runner/types.ts';
import {
  type MnistDataParams,
  type MnistTrainingParams,
  accuracy,
  estimateTrainingBytes,
  inputDim,
  loadMnistData,
  commonStreams,
  tanhMlp,
  trainEpochs,
  validateMnistData,
} from '../src/nn/mnist-training.ts';
import { mnistDataParams, mnistTrainingParams } from './shared/mnist-params.ts';
import { costEstimate, describeMiniBatch, epochCost, miniBatchTiming, recordsOf } from './shared/calibrate.ts';
import { Rng } from '../src/random/index.ts';
import { figures } from './mnist-collapse.figures.ts';

export type MnistCollapseParams = MnistDataParams & MnistTrainingParams & { lambda: number; hidden: number[]; every: number };

/** Tables of a run (CSV files) and their columns; the figures (mnist-collapse.figures.ts) are checked against them. */
export const tables = {
  tails: ['lambda', 'seed', 'epoch', 'layer', 'r', 'e_r'],
  tcv: ['lambda', 'seed', 'epoch', 'layer', 'wcss'],
  train: ['lambda', 'seed', 'epoch', 'loss', 'train_acc', 'test_acc'],
} as const;

export default defineExperiment<MnistCollapseParams, typeof tables>({
  name: 'mnist-collapse',
  summary: 'Singular-value tails e(r) and class TCV per layer while an MLP trains on MNIST (NRC Sec. 6.3, Fig. 3)',
  description:
    'Neural Rank Collapse (Zangrando et al.), Section 6.3 and Figure 3. A fully connected tanh network ' +
    '(input -> --hidden -> 10, biases, PyTorch default init; the paper gives no widths, three hidden layers here) is trained ' +
    'on MNIST by mini-batch SGD with momentum (or Adam) on L_lambda = (1/N) sum ||f(x) - y||^2 + lambda sum_l (||W_l||^2 + ||b_l||^2) ' +
    '(Eq. 3, one-hot y; --targets pm1 for +-1), once per --lambda; all cells of a seed share the data subset, initial ' +
    'weights and mini-batch order (common random numbers), so their epoch-0 rows are equal. At epoch 0 (initialisation), every --every epochs and at the end it records: tails.csv, ' +
    'e(r) = sum_{i>=r} s_i / sum_i s_i (Eq. 22) of each W_l (layer l = 1..L, r = 1..min(rows, cols)); tcv.csv, the WCSS of ' +
    "the class partition (Eq. 6) of z^j on the training set, j = 0 (the input) .. L-1 (the last hidden layer): the paper's " +
    'TCV estimate (labels are constant within a class, so the label part of Eq. 6 is zero); train.csv, L_lambda on the ' +
    'training set (weight decay included), training and test accuracy. Paper shape: a bulk of the spectrum keeps its mass ' +
    'while the tail lightens with the epochs, more for larger lambda; the TCV falls after the first epochs and is smaller ' +
    'for larger lambda. Data: the 10,000 digits of the mnist package (default) or full MNIST / Fashion-MNIST from --data-dir.',
  params: [
    { name: 'lambda', kind: 'float', grid: true, min: 0, default: 1e-3, help: 'weight decay lambda (NRC Eq. 3); a list is a grid' },
    { name: 'hidden', kind: 'ints', positive: true, max: 8192, default: [64, 64, 64], help: 'hidden widths, e.g. 64,64,64 (the paper gives none)' },
    { name: 'every', kind: 'int', positive: true, default: 10, help: 'record spectra, TCV and accuracies every this many epochs (paper: 100)' },
    ...mnistTrainingParams({ epochs: 100, lr: 0.05, batchSize: 64 }),
    ...mnistDataParams({ n: 1000, nTest: 1000, pool: 2 }),
  ],
  presets: {
    quick: { lambda: [1e-3], hidden: [16, 16], epochs: 4, every: 2, n: 300, nTest: 100, pool: 4 },
    default: { lambda: [1e-4, 1e-3, 3e-3] },
    paper: { lambda: [1e-4, 1e-3, 3e-3], hidden: [256, 256, 256], pool: 1, n: 9000, nTest: 1000, epochs: 1000, every: 100 },
  },
  tables,
  figures,
  validate: (p) => validateMnistData(p),
  estimateBytes: (p) => estimateTrainingBytes(p.n, p.nTest, [inputDim(p), ...p.hidden, 10]),
  async estimate(p, ctx) {
    const widths = [inputDim(p), ...p.hidden, 10];
    const t = await miniBatchTiming(
      ctx,
      `tanh ${widths.join('x')} ${p.dtype}`,
      () => tanhMlp(widths[0], p.hidden, 10, new Rng('calibration'), p.dtype),
      { ...p, weightDecay: p.lambda },
    );
    const records = recordsOf(p.epochs, p.every);
    return costEstimate(epochCost(t, p.epochs, records, false), `${describeMiniBatch(t, p)}; x ${p.epochs} epochs and ${records} recordings`, false);
  },
  async runCell(ctx) {
    const p = ctx.params;
    const streams = commonStreams('mnist-collapse', ctx.seed); // the same digits, weights and batches for every lambda
    const data = loadMnistData(p, streams.data);
    const { train, test } = data;
    const model = tanhMlp(train.X.cols, p.hidden, data.classes, streams.init(p.hidden), p.dtype);
    const Y = oneHot(train.labels, data.classes);
    const tails = loopRows(ctx, 'tails');
    const tcv = loopRows(ctx, 'tcv');
    const trainRows = loopRows(ctx, 'train');
    const onRecord = (epoch: number, loss: number) => {
      model.layers.forEach((layer, l) => {
        const e = errorTailCurve(singularValues(layer.W)); // e(1..n+1), NRC Eq. 22; the last entry e(n+1) = 0 is dropped
        for (let r = 1; r < e.length; r++) tails.push({ epoch, layer: l + 1, r, e_r: e[r - 1] });
      });
      const rec = model.forward(train.X, { mode: 'eval', record: true }).layers!;
      for (let j = 0; j < model.depth; j++) {
        tcv.push({ epoch, layer: j, wcss: wcss(rec[j].input, Y, train.labels) }); // class-partition WCSS of z^j, NRC Eq. 6
      }
      trainRows.push({ epoch, loss, train_acc: accuracy(model, train), test_acc: accuracy(model, test) });
    };
    const res = await trainEpochs(ctx, model, train, {
      lambda: p.lambda,
      training: p,
      every: p.every,
      onRecord,
      rng: streams.train,
      progress: (f, m) => ctx.progress(f, m),
    });
    return { status: res.status, rows: { tails, tcv, train: trainRows }, ...(res.message ? { message: res.message } : {}) };
  },
});
