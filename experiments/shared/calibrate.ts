// Cost calibration for `nrc run NAME --dry-run` (src/runner/dry-run.ts): a few real training steps
// of a cell's model at its real sizes, timed; each experiment's `estimate` multiplies them by its
// iteration or epoch budget. Data values do not change the cost of a step, so the mini-batch
// timings use random inputs of the real shape (no data set is read).
import { Matrix } from '../../src/linalg/index.ts';
import { type LossKind, type MLP, type Mode, Objective, type Target, type WeightDecay, partitionCentroids, trainAsync } from '../../src/nn/index.ts';
import { Rng } from '../../src/random/index.ts';
import type { CostEstimate, EstimateContext } from '../../src/runner/types.ts';
import { type AutoencoderParams, autoencoderWidths, buildAutoencoder, mixtureData, optimizerSpec } from '../../src/nn/autoencoder.ts';

/** Full-batch steps timed at least per calibration. */
export const CALIBRATION_STEPS = 3;
/** Mini-batches per timed pass. */
export const CALIBRATION_BATCHES = 8;
/** A timing is repeated with more units until it lasts this long (small sizes: timer resolution, noise). */
export const MIN_TIMED_SECONDS = 0.25;

/**
 * Seconds of work: `cpu` is the process's CPU time (every thread, GEMM workers included: what a cluster bills,
 * and unaffected by other processes on a shared machine); `wall` is elapsed time.
 */
export interface Cost {
  cpu: number;
  wall: number;
}

export const scaleCost = (c: Cost, k: number): Cost => ({ cpu: c.cpu * k, wall: c.wall * k });
export const addCosts = (...cs: Cost[]): Cost => ({ cpu: cs.reduce((s, c) => s + c.cpu, 0), wall: cs.reduce((s, c) => s + c.wall, 0) });

function now(): Cost {
  const u = process.cpuUsage();
  return { cpu: (u.user + u.system) / 1e6, wall: performance.now() / 1000 };
}

/**
 * Cost per unit of work: `run(units)` does `units` units (steps, passes) and returns how many it did. One
 * untimed unit first (compilation, first-touch allocations), then `first` units, more until MIN_TIMED_SECONDS.
 */
export async function timePerUnit(
  run: (units: number) => Promise<number>,
  first: number,
  maxUnits = 100_000,
): Promise<{ perUnit: Cost; units: number }> {
  await run(1);
  let units = first;
  for (;;) {
    const t0 = now();
    const done = Math.max(1, await run(units));
    const t1 = now();
    const t = { cpu: t1.cpu - t0.cpu, wall: t1.wall - t0.wall };
    if (t.wall >= MIN_TIMED_SECONDS || units >= maxUnits || done < units) return { perUnit: scaleCost(t, 1 / done), units: done };
    units = Math.min(maxUnits, Math.max(units * 2, Math.ceil((units * 1.5 * MIN_TIMED_SECONDS) / Math.max(t.wall, 1e-6))));
  }
}

export interface FullBatchTiming {
  /** One objective evaluation (forward + backward over the full batch, with the optimiser's work around it). */
  perEvaluation: Cost;
  /** Evaluations per step measured, the initial evaluation of each run not counted. */
  evaluationsPerStep: number;
  steps: number;
}

/**
 * A few real steps of full-batch training (L-BFGS or GD on L_lambda, squared loss) of `model` on (X, Y) from its
 * initial point, as the cell trains it (tolerance 0, so no step is skipped as converged).
 */
export async function timeFullBatchSteps(
  model: MLP,
  X: Matrix,
  Y: Matrix,
  p: Pick<AutoencoderParams, 'lambda' | 'optimizer' | 'lr'>,
  signal: AbortSignal,
  sampleWeights?: Float64Array,
): Promise<FullBatchTiming> {
  let evaluations = 1;
  const t = await timePerUnit(async (steps) => {
    const r = await trainAsync(model, X, Y, {
      loss: 'squared',
      weightDecay: p.lambda,
      optimizer: optimizerSpec(p),
      maxIters: steps,
      tol: 0,
      signal,
      sampleWeights,
    });
    evaluations = Math.max(1, r.evaluations);
    return r.iters;
  }, CALIBRATION_STEPS);
  return { perEvaluation: scaleCost(t.perUnit, t.units / evaluations), evaluationsPerStep: Math.max(1, evaluations - 1) / t.units, steps: t.units };
}

/** Cost of a full-batch training: per-step cost x the step budget (an upper bound: a cell stops when it converges). */
export function fullBatchCost(t: FullBatchTiming, maxIters: number, what: string): { cost: Cost; basis: string } {
  return {
    cost: scaleCost(t.perEvaluation, t.evaluationsPerStep * maxIters),
    basis:
      `${what}: ${t.steps} timed steps, ${t.evaluationsPerStep.toFixed(2)} evaluations per step, ${formatSeconds(t.perEvaluation.cpu)} CPU ` +
      `(${formatSeconds(t.perEvaluation.wall)} wall) per evaluation, x --max-iters ${maxIters}`,
  };
}

export interface MiniBatchSetup {
  /** Samples per epoch. */
  n: number;
  batchSize: number;
  optimizer: string;
  lr: number;
  momentum: number;
  loss: string;
  weightDecay: WeightDecay;
  /** Batchnorm mode of the training passes (default 'eval', as trainEpochs). */
  mode?: Mode;
}

export interface MiniBatchTiming {
  /** One mini-batch step (forward, backward, optimiser update). */
  perBatch: Cost;
  /** One full-batch evaluation of L_lambda over the n samples (records, plateau rule). */
  fullPass: Cost;
  batchesPerEpoch: number;
}

function randomData(rows: number, cols: number, classes: number, rng: Rng): { X: Matrix; labels: Int32Array } {
  const X = new Matrix(rows, cols, rng.normals(rows * cols, 0.3));
  const labels = new Int32Array(rows);
  for (let i = 0; i < rows; i++) labels[i] = i % classes;
  return { X, labels };
}

/** Time CALIBRATION_BATCHES real mini-batch steps and one full-batch evaluation of `model` at the real sizes. */
export async function timeMiniBatch(model: MLP, s: MiniBatchSetup, signal: AbortSignal): Promise<MiniBatchTiming> {
  const input = model.widths[0];
  const classes = model.widths[model.widths.length - 1];
  const B = Math.min(s.batchSize, s.n);
  const rng = new Rng('calibration');
  const loss = s.loss as LossKind;
  const batches = randomData(B * CALIBRATION_BATCHES, input, classes, rng.child('batches'));
  const optimizer =
    s.optimizer === 'adam'
      ? { kind: 'adam' as const, lr: s.lr, batchSize: B }
      : { kind: 'sgd' as const, lr: s.lr, momentum: s.momentum, batchSize: B };
  const order = rng.child('order');
  const passes = await timePerUnit(async (epochs) => {
    await trainAsync(model, batches.X, batches.labels, {
      loss,
      weightDecay: s.weightDecay,
      optimizer,
      maxIters: epochs,
      fullGradient: false,
      rng: order,
      signal,
      mode: s.mode ?? 'eval',
    });
    return epochs;
  }, 1);
  const full = randomData(s.n, input, classes, rng.child('full'));
  const objective = new Objective(model, full.X, full.labels as Target, { loss, weightDecay: s.weightDecay, mode: 'eval' });
  const fullPass = await timePerUnit(async (k) => {
    for (let i = 0; i < k; i++) objective.valueAndGrad(null, null);
    return k;
  }, 1);
  return { perBatch: scaleCost(passes.perUnit, 1 / CALIBRATION_BATCHES), fullPass: fullPass.perUnit, batchesPerEpoch: Math.ceil(s.n / B) };
}

/**
 * Cost of mini-batch training for `epochs` epochs: per epoch its batches (and one full pass when a plateau rule is
 * checked every epoch), plus `records` recordings of about two full passes each (loss, accuracies, metrics).
 */
export function epochCost(t: MiniBatchTiming, epochs: number, records: number, plateau: boolean): Cost {
  const epoch = addCosts(scaleCost(t.perBatch, t.batchesPerEpoch), plateau ? t.fullPass : { cpu: 0, wall: 0 });
  return addCosts(scaleCost(epoch, epochs), scaleCost(t.fullPass, 2 * records));
}

/** Recordings of an epoch loop that records at epoch 0, every `every` epochs and at the last epoch. */
export function recordsOf(epochs: number, every: number): number {
  return 1 + Math.floor(epochs / every) + (epochs % every === 0 ? 0 : 1);
}

export function describeMiniBatch(t: MiniBatchTiming, s: Pick<MiniBatchSetup, 'batchSize'>): string {
  return `timed mini-batches of ${s.batchSize}: ${formatSeconds(t.perBatch.cpu)} CPU each, ${t.batchesPerEpoch} per epoch; a full pass ${formatSeconds(t.fullPass.cpu)} CPU`;
}

export function formatSeconds(s: number): string {
  if (s < 1e-3) return `${(s * 1e6).toFixed(0)} us`;
  if (s < 1) return `${(s * 1e3).toFixed(1)} ms`;
  return `${s.toFixed(2)} s`;
}

/** A CostEstimate from a cost and a basis, marked as an upper bound when the budget is a cap. */
export function costEstimate(cost: Cost, basis: string, upperBound: boolean): CostEstimate {
  return { cpuSeconds: cost.cpu, wallSeconds: cost.wall, basis, ...(upperBound ? { upperBound } : {}) };
}

/**
 * Cost of the autoencoder experiments' training (gaussian-mixture: one full-loss training with tanh; deep-linear:
 * the linear network without biases on the full loss and on the K centroids with weights pi_k, NRC Eq. 8): timed
 * steps at the cell's N, d and widths, times --max-iters. Shared by the cells with the same shapes and optimiser.
 */
export async function estimateAutoencoderTraining(
  p: AutoencoderParams,
  ctx: EstimateContext,
  activation: 'tanh' | 'identity',
): Promise<CostEstimate> {
  const bias = activation === 'tanh';
  const key = `autoencoder ${activation} n=${p.n} k=${p.k} widths=${autoencoderWidths(p).join('x')} ${p.optimizer}`;
  const t = await ctx.once(key, async () => {
    const { X, labels } = mixtureData(p, ctx.seed);
    const full = await timeFullBatchSteps(buildAutoencoder(p, ctx.seed, activation, bias), X, X, p, ctx.signal);
    if (bias) return { full };
    const { centroids, pi } = partitionCentroids(X, labels, p.k);
    return { full, centroid: await timeFullBatchSteps(buildAutoencoder(p, ctx.seed, activation, bias), centroids, centroids, p, ctx.signal, pi) };
  });
  const widths = autoencoderWidths(p).join('-');
  const parts = [fullBatchCost(t.full, p.maxIters, `full loss, N ${p.n}, ${widths}`)];
  if (t.centroid) parts.push(fullBatchCost(t.centroid, p.maxIters, `centroid loss, ${p.k} centroids`));
  return costEstimate(addCosts(...parts.map((c) => c.cost)), parts.map((c) => c.basis).join('; '), true);
}

/** Mini-batch timing of `build()`'s network, shared by the cells with the same key (widths, sizes, optimiser, loss, dtype). */
export function miniBatchTiming(ctx: EstimateContext, key: string, build: () => MLP, s: MiniBatchSetup): Promise<MiniBatchTiming> {
  return ctx.once(`minibatch ${key} n=${s.n} batch=${s.batchSize} ${s.optimizer} ${s.loss} ${s.mode ?? 'eval'}`, () =>
    timeMiniBatch(build(), s, ctx.signal),
  );
}
