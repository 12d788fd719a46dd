// Training loops: full-batch GD and L-BFGS to a gradient-norm tolerance, mini-batch SGD/Adam by epochs.
import { Matrix } from '../linalg/index.ts';
import { type Checkpoints, type LoopCheckpoint, type State, checkStop, noCheckpoints } from '../linalg/interrupt.ts';
import type { Rng } from '../random/index.ts';
import { strongWolfe } from './linesearch.ts';
import { type LossKind, type Target, targetRows } from './losses.ts';
import type { MLP, Mode } from './mlp.ts';
import { type MiniBatchCursor, MiniBatchStepper } from './minibatch.ts';
import { Objective, type WeightDecay } from './objective.ts';
import { LbfgsMemory, type OptimizerSpec, type StepSchedule, scheduledLr } from './optimizers.ts';
import { allFinite, dotVec, norm2 } from './params.ts';
import type { Dtype } from './precision.ts';

export type TrainStatus = 'converged' | 'max_iters' | 'diverged' | 'aborted' | 'stalled';

/** What a training run reports per step (full batch) or per epoch (mini-batch). */
export interface StepReport {
  /** Steps taken (full batch) or epochs completed (mini-batch); 0 = initial point. */
  iter: number;
  /** L_lambda on the full training set (NaN for mini-batch runs with fullGradient: false: then the mean batch loss). */
  loss: number;
  /** ||grad L_lambda|| on the full training set (NaN when not computed). */
  gradNorm: number;
  /** Per layer ||grad_W L_0 + 2 lambda W||_F / ||2 lambda W||_F (NRC Eq. 4); NaN where lambda = 0. */
  stationarity: Float64Array;
  lr: number;
  /** Precision of the products behind this report (full batch; see TrainOptions.mixed). */
  precision?: Dtype;
}

/**
 * Mixed precision of full-batch training (TrainOptions.mixed): float32 products until the float32 floor, then
 * float64 to the tolerance. The float32 phase ends at the first of: ||grad L_lambda|| < tol (checked again in
 * float64), the line search finding no decrease (the float32 loss cannot resolve the step), or `patience`
 * steps without a new lowest ||grad L_lambda|| (the float32 gradient has stopped decreasing). The float64
 * phase starts from the same parameters with a float64 gradient and an empty L-BFGS memory.
 */
export interface MixedPrecision {
  /** Steps without a new lowest gradient norm that end the float32 phase (default 50). */
  patience?: number;
}

export interface TrainOptions {
  loss: LossKind;
  weightDecay?: WeightDecay;
  optimizer: OptimizerSpec;
  /** Maximum steps (gd, lbfgs) or epochs (sgd, adam). */
  maxIters: number;
  /** Stop with 'converged' when ||grad L_lambda|| < tol (full gradient; checked at reports for mini-batch). Default 0. */
  tol?: number;
  schedule?: StepSchedule;
  /** Needed by mini-batch optimisers for the per-epoch shuffles. */
  rng?: Rng;
  signal?: AbortSignal;
  /** Called at iter 0 and every `reportEvery` steps/epochs and at the end. */
  onStep?: (report: StepReport) => void;
  reportEvery?: number;
  /** Keep every report in result.history. */
  history?: boolean;
  /** Batchnorm mode of the training forward passes (default 'train'). */
  mode?: Mode;
  /** Mini-batch runs: evaluate the full-batch loss and gradient at each report (default true). */
  fullGradient?: boolean;
  /** Per-sample weights replacing 1/N (full batch only). */
  sampleWeights?: Float64Array;
  /** Train only the sub-network from layer j on X = z^j (layers < j are frozen). */
  from?: number;
  /**
   * Checkpoint hooks (src/runner/checkpoint.ts): the loop marks every step (mini-batch) as a consistent point
   * and resumes from a saved state, giving the same parameters and reports as an uninterrupted run.
   */
  checkpoint?: Checkpoints;
  /** Full batch: start in float32 products and switch to float64 at the float32 floor (MixedPrecision). */
  mixed?: MixedPrecision;
}

export interface TrainResult {
  status: TrainStatus;
  /** Steps (full batch) or epochs (mini-batch) completed. */
  iters: number;
  loss: number;
  gradNorm: number;
  stationarity: Float64Array;
  /** Objective evaluations (forward + backward passes over the full batch or a mini-batch). */
  evaluations: number;
  message?: string;
  history?: StepReport[];
  /** Mixed precision: steps taken with float32 products (the remaining iters - f32Iters used float64). */
  f32Iters?: number;
}

/** The training loop as a generator: it yields after every step (or mini-batch) and returns the result. */
function trainSteps(model: MLP, X: Matrix, Y: Target, opts: TrainOptions): Generator<void, TrainResult> {
  if (X.rows !== targetRows(Y)) throw new RangeError(`train: X has ${X.rows} rows, targets ${targetRows(Y)}`);
  if (!(opts.maxIters >= 0)) throw new RangeError(`train: maxIters must be >= 0`);
  const kind = opts.optimizer.kind;
  if (kind === 'sgd' || kind === 'adam') return handBackParams(model, trainMiniBatch(model, X, Y, opts));
  return trainFullBatch(model, X, Y, opts);
}

/** Train `model` in place on (X, Y), synchronously. X and Y must not change during training (they are staged into wasm memory once). */
export function train(model: MLP, X: Matrix, Y: Target, opts: TrainOptions): TrainResult {
  const steps = trainSteps(model, X, Y, opts);
  for (;;) {
    const next = steps.next();
    if (next.done) return next.value;
  }
}

/**
 * Train like `train`, but give the event loop a turn every `yieldMs` milliseconds, so a Ctrl-C
 * (which sets opts.signal) is seen within a step instead of at the end of training. Same result.
 */
export async function trainAsync(model: MLP, X: Matrix, Y: Target, opts: TrainOptions & { yieldMs?: number }): Promise<TrainResult> {
  const steps = trainSteps(model, X, Y, opts);
  const every = opts.yieldMs ?? 50;
  let last = performance.now();
  for (;;) {
    const next = steps.next();
    if (next.done) return next.value;
    if (performance.now() - last >= every) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      last = performance.now();
    }
  }
}

class Reporter {
  readonly history: StepReport[] = [];
  constructor(
    readonly opts: TrainOptions,
    private readonly objective: Objective,
  ) {}
  /** The report of a step; g is the gradient at the parameters `at` (default the model's: not so inside a line search's trials). */
  make(iter: number, loss: number, g: Float64Array | null, lr: number, precision?: Dtype, at?: Float64Array): StepReport {
    return {
      iter,
      loss,
      gradNorm: g ? norm2(g) : NaN,
      stationarity: g ? this.objective.stationarity(g, at) : new Float64Array(this.objective.model.depth).fill(NaN),
      lr,
      ...(precision ? { precision } : {}),
    };
  }
  emit(r: StepReport): void {
    if (this.opts.history) this.history.push(r);
    this.opts.onStep?.(r);
  }
  due(iter: number): boolean {
    return iter % (this.opts.reportEvery ?? 1) === 0;
  }
}

function finish(
  rep: Reporter,
  last: StepReport,
  status: TrainStatus,
  evaluations: number,
  emitLast: boolean,
  message?: string,
  f32Iters?: number,
): TrainResult {
  if (emitLast) rep.emit(last);
  return {
    status,
    iters: last.iter,
    loss: last.loss,
    gradNorm: last.gradNorm,
    stationarity: last.stationarity,
    evaluations,
    ...(message ? { message } : {}),
    ...(rep.history.length || rep.opts.history ? { history: rep.history } : {}),
    ...(f32Iters !== undefined ? { f32Iters } : {}),
  };
}

/** The checkpoint hook of one training run, and what a finished run saved (then the run is not repeated). */
function trainingCheckpoint(model: MLP, opts: TrainOptions): { ck: LoopCheckpoint; resumed?: Record<string, State>; finished?: TrainResult } {
  const ck = (opts.checkpoint ?? noCheckpoints).loop(`train-${opts.optimizer.kind}`);
  const saved = ck.restored;
  if (!saved) return { ck };
  const st = saved.state as Record<string, State>;
  if (saved.done) {
    model.importState(st.model as never);
    const result = st.result as unknown as TrainResult;
    return { ck, finished: result };
  }
  return { ck, resumed: st };
}

/** End a checkpointed training run: keep the final model and result (the run is then skipped on resume). */
function finishTraining(ck: LoopCheckpoint, model: MLP, result: TrainResult): TrainResult {
  ck.finish({ model: model.exportState(), result: result as unknown as State });
  return result;
}

/** Mixed-precision state of a full-batch run: the phase, the lowest gradient norm of the float32 phase and its step, the float32 steps taken. */
interface MixedState {
  phase: Dtype;
  best: number;
  bestIter: number;
  f32Iters: number;
  switching: boolean;
}

/** A full-batch run (GD or L-BFGS, optionally mixed precision) between steps: parameters, gradient, L-BFGS memory, counters. */
class FullBatchRun {
  readonly objective: Objective;
  readonly rep: Reporter;
  readonly n: number;
  readonly x: Float64Array;
  readonly g: Float64Array;
  readonly xNew: Float64Array;
  readonly gNew: Float64Array;
  evaluations = 0;
  f = NaN;
  iter = 0;
  lr: number;
  readonly lbfgs: Extract<OptimizerSpec, { kind: 'lbfgs' }> | null;
  readonly memory: LbfgsMemory | null;
  private readonly d: Float64Array | null;
  private readonly s: Float64Array | null;
  private readonly yv: Float64Array | null;
  // Mixed precision: the phase, the lowest gradient norm of the float32 phase and its step, the float32 steps taken
  readonly dtype0: Dtype;
  private readonly patience: number;
  phase: Dtype | null;
  private best = Infinity;
  private bestIter = 0;
  private f32Iters = 0;
  private switching = false;

  constructor(
    readonly model: MLP,
    X: Matrix,
    Y: Target,
    readonly opts: TrainOptions,
  ) {
    this.objective = new Objective(model, X, Y, {
      loss: opts.loss,
      weightDecay: opts.weightDecay,
      mode: opts.mode,
      sampleWeights: opts.sampleWeights,
      from: opts.from,
      staticData: true, // (X, Y) are the training set: staged into wasm memory once
    });
    this.rep = new Reporter(opts, this.objective);
    const n = (this.n = model.params.length);
    this.x = model.params.slice();
    this.g = new Float64Array(n);
    this.lr = opts.optimizer.kind === 'gd' ? opts.optimizer.lr : NaN;
    this.lbfgs = opts.optimizer.kind === 'lbfgs' ? opts.optimizer : null;
    this.memory = this.lbfgs ? new LbfgsMemory(n, this.lbfgs.memory ?? 10) : null;
    this.d = this.lbfgs ? new Float64Array(n) : null;
    this.xNew = new Float64Array(n);
    this.gNew = new Float64Array(n);
    this.s = this.lbfgs ? new Float64Array(n) : null;
    this.yv = this.lbfgs ? new Float64Array(n) : null;
    this.dtype0 = model.dtype;
    this.patience = opts.mixed?.patience ?? 50;
    this.phase = opts.mixed ? 'f32' : null;
  }

  /** The objective and its gradient at xv (into gv), counted. */
  readonly fg = (xv: Float64Array, gv: Float64Array): number => {
    this.evaluations++;
    return this.objective.valueAndGrad(xv, gv);
  };

  /** Start: from a saved state (resumed), or by evaluating the objective at the model's parameters. */
  begin(resumed: Record<string, State> | undefined): void {
    const model = this.model;
    if (resumed && this.phase)
      ({
        phase: this.phase,
        best: this.best,
        bestIter: this.bestIter,
        f32Iters: this.f32Iters,
        switching: this.switching,
      } = resumed.mixed as unknown as MixedState);
    if (this.phase) model.setDtype(this.phase);
    if (!resumed) {
      this.f = this.fg(this.x, this.g);
      return;
    }
    model.setRunningStats(resumed.running as Float64Array[]);
    this.x.set(resumed.x as Float64Array);
    this.g.set(resumed.g as Float64Array);
    this.f = resumed.f as number;
    this.iter = resumed.iter as number;
    this.lr = resumed.lr as number;
    this.evaluations = resumed.evaluations as number;
    this.rep.history.push(...(resumed.history as unknown as StepReport[]));
    this.memory?.importState(resumed.memory as never);
  }

  /** Mark the consistent point before this step's report. */
  point(ck: LoopCheckpoint): void {
    // Consistent point, before this step's report: x, g and the stored L-BFGS pairs change only after the step's
    // line search (memory.push reuses the oldest pair's buffers, after the last stop check of the step).
    const { phase, best, bestIter, f32Iters, switching, x, g, rep } = this;
    const at = {
      f: this.f,
      iter: this.iter,
      lr: this.lr,
      evaluations: this.evaluations,
      running: this.model.runningStats(),
      memory: this.memory ? (this.memory.exportState() as unknown as State) : null,
      mixed: phase ? { phase, best, bestIter, f32Iters, switching } : null,
    };
    const historyLength = rep.history.length;
    ck.point(() => ({ ...at, x, g, history: rep.history.slice(0, historyLength) as unknown as State }));
  }

  /**
   * Float32 phase, at a finite point: track the lowest gradient norm, and at the float32 floor (MixedPrecision) switch to a
   * float64 gradient at the same parameters with an empty L-BFGS memory. True when it switched.
   */
  switchedToF64(): boolean {
    const gradNorm = norm2(this.g);
    if (gradNorm < this.best) {
      this.best = gradNorm;
      this.bestIter = this.iter;
    }
    if (!(this.switching || gradNorm < (this.opts.tol ?? 0) || this.iter - this.bestIter >= this.patience)) return false;
    this.model.setDtype('f64');
    this.f = this.fg(this.x, this.gNew);
    this.g.set(this.gNew);
    this.memory?.reset();
    this.phase = 'f64';
    this.f32Iters = this.iter;
    this.switching = false;
    return true;
  }

  /** Mixed precision: the float32 steps taken, for the result. */
  mixedResult(): number | undefined {
    return this.phase ? (this.phase === 'f32' ? this.iter : this.f32Iters) : undefined;
  }

  /** One gradient-descent step at the scheduled learning rate. */
  gradientStep(): void {
    const { x, g, xNew, gNew, n } = this;
    const lr = (this.lr = scheduledLr((this.opts.optimizer as { lr: number }).lr, this.iter, this.opts.schedule));
    for (let i = 0; i < n; i++) xNew[i] = x[i] - lr * g[i];
    this.f = this.fg(xNew, gNew);
    x.set(xNew);
    g.set(gNew);
  }

  /**
   * One L-BFGS step with a strong-Wolfe line search (restarted once from steepest descent). 'f32-floor': no decrease in
   * the float32 phase, the step is retried in float64 (x and g are unchanged); 'stalled': no decrease at all.
   */
  lbfgsStep(): 'ok' | 'f32-floor' | 'stalled' {
    const { x, g, xNew, gNew, n } = this;
    const memory = this.memory!,
      d = this.d!,
      lbfgs = this.lbfgs!;
    let result;
    let fresh = memory.length === 0;
    for (;;) {
      memory.direction(g, d);
      if (!(dotVec(g, d) < 0)) {
        memory.reset();
        memory.direction(g, d);
        fresh = true;
      }
      const alpha0 = fresh ? Math.min(1, 1 / norm2(g)) : 1;
      result = strongWolfe(this.fg, x, this.f, g, d, alpha0, xNew, gNew, { c1: lbfgs.c1, c2: lbfgs.c2, maxEvals: lbfgs.maxLineSearch });
      if (result.ok || fresh) break;
      memory.reset();
      fresh = true;
    }
    if (!result.ok && this.phase === 'f32') {
      this.switching = true;
      return 'f32-floor';
    }
    if (!result.ok) return 'stalled';
    const s = this.s!,
      yv = this.yv!;
    for (let i = 0; i < n; i++) {
      s[i] = xNew[i] - x[i];
      yv[i] = gNew[i] - g[i];
    }
    memory.push(s, yv);
    x.set(xNew);
    g.set(gNew);
    this.f = result.f;
    return 'ok';
  }

  /** End the run: the parameters and precision back on the model, the result kept by the checkpoint. */
  end(ck: LoopCheckpoint, report: StepReport, status: TrainStatus, emitLast: boolean, message?: string): TrainResult {
    this.model.params.set(this.x);
    this.model.setDtype(this.dtype0);
    return finishTraining(ck, this.model, finish(this.rep, report, status, this.evaluations, emitLast, message, this.mixedResult()));
  }
}

function* trainFullBatch(model: MLP, X: Matrix, Y: Target, opts: TrainOptions): Generator<void, TrainResult> {
  const { ck, resumed, finished } = trainingCheckpoint(model, opts);
  if (finished) return finished;
  const run = new FullBatchRun(model, X, Y, opts);
  const rep = run.rep;
  const tol = opts.tol ?? 0;
  run.begin(resumed);
  for (;;) {
    run.point(ck);
    checkStop();
    const finite = Number.isFinite(run.f) && allFinite(run.g);
    if (run.phase === 'f32' && finite && run.switchedToF64()) continue;
    // (at run.x: model.params holds the last point evaluated, a line-search trial, or after a resume not yet x)
    const report = rep.make(run.iter, run.f, run.g, run.lr, run.phase ?? undefined, run.x);
    const emitted = rep.due(run.iter);
    if (emitted) rep.emit(report);
    const end = (status: TrainStatus, message?: string): TrainResult => run.end(ck, report, status, !emitted, message);
    if (!finite) return end('diverged', `non-finite loss or gradient at step ${run.iter}`);
    if (report.gradNorm < tol) return end('converged');
    if (run.iter >= opts.maxIters) return end('max_iters');
    if (opts.signal?.aborted) return end('aborted');
    if (!run.lbfgs) run.gradientStep();
    else {
      const step = run.lbfgsStep();
      if (step === 'f32-floor') {
        yield; // the float32 floor: the step is retried in float64
        continue;
      }
      if (step === 'stalled')
        return end('stalled', `line search found no decrease at step ${run.iter} (gradient norm ${report.gradNorm.toExponential(3)})`);
    }
    run.iter++;
    yield;
  }
}

/** Run a mini-batch loop; if it is left early (return() or throw on the generator), a float32 optimiser still hands the parameters back. */
function* handBackParams(model: MLP, steps: Generator<void, TrainResult>): Generator<void, TrainResult> {
  try {
    return yield* steps;
  } finally {
    model.f32Master?.finish();
  }
}

/** The mini-batch optimiser of opts and its batch size on N samples; throws on options a mini-batch run cannot take. */
function miniBatchSpec(opts: TrainOptions, N: number): { spec: Extract<OptimizerSpec, { batchSize: number }>; rng: Rng; B: number } {
  const spec = opts.optimizer as Extract<OptimizerSpec, { batchSize: number }>;
  if (!opts.rng) throw new Error(`train: optimizer '${spec.kind}' needs opts.rng for the mini-batch shuffles`);
  if (opts.from) throw new Error(`train: 'from' is supported only by full-batch optimisers`);
  const B = Math.min(spec.batchSize, N);
  if (!(B >= 1)) throw new RangeError(`train: batchSize must be >= 1`);
  return { spec, rng: opts.rng, B };
}

/** The full-batch objective a mini-batch run reports (its data staged once: X and Y are the training set). */
function fullObjective(model: MLP, X: Matrix, Y: Target, opts: TrainOptions): Objective {
  return new Objective(model, X, Y, { loss: opts.loss, weightDecay: opts.weightDecay, mode: opts.mode, updateRunning: false, staticData: true });
}

function* trainMiniBatch(model: MLP, X: Matrix, Y: Target, opts: TrainOptions): Generator<void, TrainResult> {
  const N = X.rows;
  const { spec, rng, B } = miniBatchSpec(opts, N);
  const full = fullObjective(model, X, Y, opts);
  const rep = new Reporter(opts, full);
  const gFull = new Float64Array(model.params.length);
  const useFull = opts.fullGradient ?? true;
  const tol = opts.tol ?? 0;
  let evaluations = 0;
  const { ck, resumed, finished } = trainingCheckpoint(model, opts);
  if (finished) return finished; // (before a float32 optimiser takes the parameters, which it would hand back on return)
  // --dtype f32 SGD: float32 parameters, gradient and velocity for the whole run (src/nn/sgd-f32.ts)
  const stepper = new MiniBatchStepper(model, X, Y, { loss: opts.loss, weightDecay: opts.weightDecay, mode: opts.mode }, spec);
  const measure = (epoch: number, meanBatchLoss: number, lr: number): StepReport => {
    stepper.sync();
    if (!useFull) return rep.make(epoch, meanBatchLoss, null, lr);
    evaluations++;
    const f = full.valueAndGrad(null, gFull);
    return rep.make(epoch, f, gFull, lr);
  };
  const shuffleRng = rng.child('minibatch');
  let lr = scheduledLr(spec.lr, 0, opts.schedule);
  let report: StepReport;
  let measured: boolean;
  let cursor: MiniBatchCursor | undefined;
  if (resumed) {
    cursor = stepper.restore(resumed);
    report = resumed.report as unknown as StepReport;
    measured = resumed.measured as boolean;
    evaluations = resumed.evaluations as number;
    rep.history.push(...(resumed.history as unknown as StepReport[]));
  } else {
    report = measure(0, NaN, lr);
    measured = useFull;
    rep.emit(report);
  }
  for (let epoch = cursor?.epoch ?? 0; ; epoch++) {
    const endWith = (status: TrainStatus, r: StepReport, emitLast: boolean, message?: string) => {
      stepper.finish();
      return finishTraining(ck, model, finish(rep, r, status, evaluations, emitLast, message));
    };
    let perm: Int32Array;
    let lossSum = 0;
    let first = 0;
    if (cursor) {
      ({ perm, lossSum, start: first, lr } = cursor);
      shuffleRng.restore(cursor.rng);
      cursor = undefined;
    } else {
      if (measured && !(Number.isFinite(report.loss) && Number.isFinite(report.gradNorm)))
        return endWith('diverged', report, false, `non-finite full-batch loss or gradient after epoch ${epoch}`);
      if (measured && report.gradNorm < tol) return endWith('converged', report, false);
      if (epoch >= opts.maxIters) return endWith('max_iters', report, false);
      lr = scheduledLr(spec.lr, epoch, opts.schedule);
      perm = shuffleRng.permutation(N);
    }
    // One consistent point before each mini-batch and one after the last (before the epoch's reports).
    for (let start = first; ; start += B) {
      const at = { epoch, start, lossSum, lr, evaluations, measured, report: report as unknown as State, historyLength: rep.history.length };
      stepper.point(ck, shuffleRng, perm, at, () => ({ history: rep.history.slice(0, at.historyLength) as unknown as State }));
      checkStop();
      if (opts.signal?.aborted) return endWith('aborted', rep.make(epoch, NaN, null, lr), true);
      if (start >= N) break;
      const size = Math.min(B, N - start);
      evaluations++;
      const { f, finite } = stepper.batch(perm.subarray(start, start + size));
      if (!finite) return endWith('diverged', rep.make(epoch, f, null, lr), true, `non-finite mini-batch loss or gradient in epoch ${epoch + 1}`);
      lossSum += f * size;
      stepper.step(lr);
      yield;
    }
    const due = rep.due(epoch + 1);
    if (due || epoch + 1 >= opts.maxIters || tol > 0) {
      report = measure(epoch + 1, lossSum / N, lr);
      measured = useFull;
      if (due || epoch + 1 >= opts.maxIters) rep.emit(report);
    } else {
      report = rep.make(epoch + 1, lossSum / N, null, lr);
      measured = false;
    }
  }
}
