// One step of mini-batch training on L_lambda (NRC Eq. 3), shared by nn/train's mini-batch loop and the epoch loop of
// the MNIST experiments (nn/mnist-training): the batch's rows gathered into reused buffers, its loss and gradient,
// and the optimiser update — float64 SGD/Adam on model.params, or (--dtype f32 SGD without batchnorm) float32 master
// parameters, gradient and velocity resident for the whole run (src/nn/sgd-f32.ts) — and the loop's checkpoints.
import type { Matrix } from '../linalg/index.ts';
import type { LoopCheckpoint, State } from '../linalg/interrupt.ts';
import type { Rng, RngState } from '../random/index.ts';
import { type Target, selectTargetRows } from './losses.ts';
import type { MLP } from './mlp.ts';
import { type BatchBuffers, type ObjectiveOptions, batchBuffers, layerLambdas } from './objective.ts';
import { AdamState, SgdState } from './optimizers.ts';
import { allFinite } from './params.ts';
import { Float32Sgd } from './sgd-f32.ts';

/** The update rule of a mini-batch loop (PyTorch semantics, see nn/optimizers). */
export type MiniBatchRule = { kind: 'sgd'; momentum?: number; nesterov?: boolean } | { kind: 'adam'; beta1?: number; beta2?: number; eps?: number };

/** Where a mini-batch loop stands: before the batch at `start` of `epoch`, with that epoch's permutation. */
export interface MiniBatchCursor {
  epoch: number;
  start: number;
  perm: Int32Array;
  /** Sum of batch losses times batch sizes so far in the epoch. */
  lossSum: number;
  lr: number;
  /** The shuffle stream after it drew `perm`. */
  rng: RngState;
}

export class MiniBatchStepper {
  readonly update: SgdState | AdamState;
  /** The float32 optimiser, when it applies (model.dtype 'f32', SGD, no batchnorm, the whole network trained). */
  readonly fast: Float32Sgd | undefined;
  private readonly g: Float64Array;
  private readonly batchOf: (size: number) => BatchBuffers;

  constructor(
    private readonly model: MLP,
    private readonly X: Matrix,
    private readonly Y: Target,
    objective: ObjectiveOptions,
    rule: MiniBatchRule,
  ) {
    const n = model.params.length;
    this.g = new Float64Array(n);
    this.update =
      rule.kind === 'sgd'
        ? new SgdState(n, rule.momentum ?? 0, rule.nesterov ?? false)
        : new AdamState(n, rule.beta1 ?? 0.9, rule.beta2 ?? 0.999, rule.eps ?? 1e-8);
    this.batchOf = batchBuffers(model, X, Y, objective);
    const whole = !(objective.from ?? 0);
    this.fast =
      rule.kind === 'sgd' && whole
        ? Float32Sgd.create(model, rule.momentum ?? 0, rule.nesterov ?? false, layerLambdas(objective.weightDecay, model.depth))
        : undefined;
  }

  /** L_lambda of the mini-batch of rows `idx` and its gradient (kept for step); `finite` is false on a NaN/Inf loss or gradient. */
  batch(idx: Int32Array): { f: number; finite: boolean } {
    const size = idx.length,
      d = this.X.cols,
      X = this.X.data;
    const b = this.batchOf(size);
    for (let r = 0; r < size; r++) b.X.data.set(X.subarray(idx[r] * d, idx[r] * d + d), r * d);
    selectTargetRows(this.Y, idx, b.Y);
    const f = this.fast ? this.fast.valueAndGrad(b.obj) : b.obj.valueAndGrad(null, this.g);
    return { f, finite: Number.isFinite(f) && (this.fast ? this.fast.gradientFinite() : allFinite(this.g)) };
  }

  /** Apply the update of the last batch's gradient with step size lr. */
  step(lr: number): void {
    if (this.fast) this.fast.step(lr);
    else this.update.step(this.model.params, this.g, lr);
  }

  /** model.params = the current parameters (a no-op unless float32 master parameters are kept). */
  sync(): void {
    this.fast?.sync();
  }

  /** sync() and hand the parameters back to the model for good (idempotent; call when the loop is left). */
  finish(): void {
    this.fast?.finish();
  }

  /**
   * Mark a consistent point of the loop, before the batch at `at.start`: the parameters and the optimiser state change
   * only in step(), the running statistics of batchnorm during the batch's forward pass (so they, the counters in `at`
   * and the stream position are copied now). `extra` adds the loop's own state.
   */
  point(
    ck: LoopCheckpoint,
    rng: Rng,
    perm: Int32Array,
    at: { epoch: number; start: number; lossSum: number; lr: number } & Record<string, State>,
    extra: () => Record<string, State>,
  ): void {
    const running = this.model.runningStats();
    const position = rng.exportState();
    ck.point(() => ({
      ...at,
      ...extra(),
      perm,
      rng: position as unknown as State,
      running,
      params: this.model.params,
      optimizer: this.update.exportState() as unknown as State,
      fast: this.fast ? (this.fast.exportState() as unknown as State) : null,
    }));
  }

  /** Restore what point() saved into the model and the optimiser; returns the cursor to continue from. */
  restore(st: Record<string, State>): MiniBatchCursor {
    this.model.importState({ params: st.params as Float64Array, running: st.running as Float64Array[] });
    this.update.importState(st.optimizer as never);
    if (this.fast) this.fast.importState(st.fast as never);
    return {
      epoch: st.epoch as number,
      start: st.start as number,
      perm: st.perm as Int32Array,
      lossSum: st.lossSum as number,
      lr: st.lr as number,
      rng: st.rng as unknown as RngState,
    };
  }
}
