// Regularised training objective L_lambda (NRC Eq. 3) and its exact gradient by backpropagation.
import { Matrix, residentCopy, residentF32 } from '../linalg/index.ts';
import { type LossKind, type Target, lossValueAndGradRows, targetRows } from './losses.ts';
import type { MLP, Mode, Workspace } from './mlp.ts';
import { type LayerViews, sumSquares } from './params.ts';

/**
 * Weight decay lambda * sum_l (||W_l||_F^2 + ||b_l||^2) (NRC Eq. 3), added to the loss.
 * A number applies to every layer; `feature` covers layers 1..L-1 and `last` layer L (perturbation
 * paper: lambda_H and lambda_W). `batchnorm` (default true) also decays gamma, beta with `feature`.
 * Note PyTorch's `weight_decay=wd` corresponds to lambda = wd / 2 here.
 */
export type WeightDecay = number | { feature: number; last: number; batchnorm?: boolean };

export function layerLambdas(weightDecay: WeightDecay | undefined, depth: number): Float64Array {
  const out = new Float64Array(depth);
  for (let l = 0; l < depth; l++) {
    if (weightDecay === undefined) out[l] = 0;
    else if (typeof weightDecay === 'number') out[l] = weightDecay;
    else out[l] = l === depth - 1 ? weightDecay.last : weightDecay.feature;
    if (!(out[l] >= 0)) throw new RangeError(`weight decay must be >= 0, got ${out[l]} for layer ${l + 1}`);
  }
  return out;
}

function decayBatchnorm(weightDecay: WeightDecay | undefined): boolean {
  return typeof weightDecay === 'object' ? (weightDecay.batchnorm ?? true) : true;
}

export interface ObjectiveOptions {
  loss: LossKind;
  weightDecay?: WeightDecay;
  /** Per-sample weights replacing 1/N (e.g. pi_k for the centroid loss, NRC Eq. 8). */
  sampleWeights?: Float64Array;
  /** Batchnorm mode; default 'train'. */
  mode?: Mode;
  /** Sub-network starting at layer j: X is then z^j; layers < j are constants (no gradient, no weight decay). */
  from?: number;
  /** With from > 0: still decay the layers before j (NRC Eq. 8 keeps lambda ||Theta||^2 of all layers). Default false. */
  decayAll?: boolean;
  /** Update batchnorm running statistics on each evaluation (default true in train mode). */
  updateRunning?: boolean;
  /**
   * X and Y stay unchanged while the objective is in use (full-batch training): they are copied into wasm memory
   * once (X rounded to float32 once for float32 steps), so no step copies or converts them. Default false: X and
   * Y are read afresh on every evaluation (mini-batch buffers are rewritten in place between steps).
   */
  staticData?: boolean;
}

/** L_lambda(Theta) = data loss + lambda * ||Theta||^2 on a fixed data set, as a function of model.params. */
export class Objective {
  readonly model: MLP;
  readonly X: Matrix;
  readonly Y: Target;
  readonly opts: ObjectiveOptions;
  readonly lambdas: Float64Array;
  private readonly gradViewsCache = new WeakMap<Float64Array, LayerViews[]>();
  /** With staticData: the copies in wasm memory, each made on first use. */
  private readonly staged: { X?: Matrix; X32?: Float32Array; Y?: Target } = {};

  constructor(model: MLP, X: Matrix, Y: Target, opts: ObjectiveOptions) {
    if (X.rows !== targetRows(Y)) throw new RangeError(`Objective: X has ${X.rows} rows, targets ${targetRows(Y)}`);
    this.model = model;
    this.X = X;
    this.Y = Y;
    this.opts = opts;
    this.lambdas = layerLambdas(opts.weightDecay, model.depth);
  }

  get size(): number {
    return this.model.params.length;
  }

  /** lambda * ||Theta||^2 over the decayed parameters. */
  penalty(): number {
    const bn = decayBatchnorm(this.opts.weightDecay);
    let s = 0;
    const from = this.opts.decayAll ? 0 : (this.opts.from ?? 0);
    this.model.layers.forEach((layer, l) => {
      const lam = this.lambdas[l];
      if (lam === 0 || l < from) return;
      let q = sumSquares(layer.W.data);
      if (layer.b) q += sumSquares(layer.b);
      if (bn && layer.gamma) q += sumSquares(layer.gamma) + sumSquares(layer.beta!);
      s += lam * q;
    });
    return s;
  }

  /** Data loss only (L_0), no gradient. */
  dataLoss(): number {
    const ws = this.model.ensureWorkspace(this.X.rows);
    const mode = this.opts.mode ?? 'train';
    const d = this.stepData(ws);
    const { out } = this.model.runForLoss(ws, d.X, this.opts.from ?? 0, mode, false, d.X32);
    return lossValueAndGradRows(this.opts.loss, this.X.rows, this.model.widths.at(-1)!, out, d.Y, null, this.opts.sampleWeights);
  }

  /** X (and X in float32 for a float32 step) and Y as a step reads them: with staticData the staged copies, else X and Y. */
  private stepData(ws: Workspace): { X: Matrix; X32?: Float32Array; Y: Target } {
    if (!this.opts.staticData) return { X: this.X, Y: this.Y };
    const st = this.staged;
    st.Y ??= this.Y instanceof Matrix ? residentCopy(this.Y) : this.Y; // (labels are read by the TypeScript loop)
    if (ws.f32) {
      if (!st.X32) (st.X32 = residentF32(this.X.data.length)).set(this.X.data);
      return { X: this.X, X32: st.X32, Y: st.Y };
    }
    st.X ??= residentCopy(this.X);
    return { X: st.X, Y: st.Y };
  }

  /**
   * L_lambda at x (copied into model.params unless x is model.params), gradient written into g when given.
   * Returns NaN/Infinity as is; callers check.
   */
  valueAndGrad(x: Float64Array | null, g: Float64Array | null): number {
    const model = this.model;
    if (x && x !== model.params) model.params.set(x);
    const mode = this.opts.mode ?? 'train';
    const from = this.opts.from ?? 0;
    const ws = model.ensureWorkspace(this.X.rows);
    const d = this.stepData(ws);
    const { out, delta } = model.runForLoss(ws, d.X, from, mode, this.opts.updateRunning ?? true, d.X32);
    const data = lossValueAndGradRows(this.opts.loss, this.X.rows, model.widths.at(-1)!, out, d.Y, g ? delta : null, this.opts.sampleWeights);
    if (!g) return data + this.penalty();
    let views = this.gradViewsCache.get(g);
    if (!views) {
      views = model.viewsOf(g);
      this.gradViewsCache.set(g, views);
    }
    for (let l = 0; l < from; l++) g.fill(0, model.offsets[l].W, model.offsets[l].end);
    model.backprop(ws, from, mode, views, false, true);
    return data + this.penaltyAndGradient(g);
  }

  /**
   * lambda * ||Theta||^2 (NRC Eq. 3) and g += 2 lambda_l Theta_l (its gradient) in one pass over the parameters;
   * the same bits as penalty() and addPenaltyGradient(g) (each block's sum of squares in the same order).
   */
  penaltyAndGradient(g: Float64Array): number {
    const bn = decayBatchnorm(this.opts.weightDecay);
    const p = this.model.params;
    const from = this.opts.decayAll ? 0 : (this.opts.from ?? 0);
    // sum_i p_i^2 over [a, a + n) while g_i += lam2 p_i
    const block = (a: number, n: number, lam2: number): number => {
      let q = 0;
      for (let i = a; i < a + n; i++) {
        const x = p[i];
        q += x * x;
        g[i] += lam2 * x;
      }
      return q;
    };
    let s = 0;
    this.model.offsets.forEach((o, l) => {
      const lam = this.lambdas[l];
      if (lam === 0 || l < from) return;
      const lam2 = 2 * lam,
        layer = this.model.layers[l];
      let q = block(o.W, layer.W.data.length, lam2);
      if (layer.b) q += block(o.b, layer.b.length, lam2);
      if (bn && layer.gamma) q += block(o.gamma, layer.gamma.length, lam2) + block(o.beta, layer.beta!.length, lam2);
      s += lam * q;
    });
    return s;
  }

  /** g += 2 lambda_l Theta_l (gradient of the weight decay term). */
  addPenaltyGradient(g: Float64Array): void {
    const bn = decayBatchnorm(this.opts.weightDecay);
    const p = this.model.params;
    const from = this.opts.decayAll ? 0 : (this.opts.from ?? 0);
    this.model.offsets.forEach((o, l) => {
      const lam2 = 2 * this.lambdas[l];
      if (lam2 === 0 || l < from) return;
      const end = bn || o.gamma < 0 ? o.end : o.gamma;
      for (let i = o.W; i < end; i++) g[i] += lam2 * p[i];
    });
  }

  /**
   * Stationarity residual per layer, ||grad_W L_0 + 2 lambda W||_F / ||2 lambda W||_F (NRC Eq. 4),
   * from a gradient g of L_lambda at the parameters `at` (params' layout; default the model's current ones),
   * grad_W L_lambda = grad_W L_0 + 2 lambda W. NaN for a layer with lambda = 0.
   */
  stationarity(g: Float64Array, at: Float64Array = this.model.params): Float64Array {
    const model = this.model;
    const out = new Float64Array(model.depth);
    model.offsets.forEach((o, l) => {
      const n = model.layers[l].W.data.length;
      const lam2 = 2 * this.lambdas[l];
      out[l] = lam2 === 0 ? NaN : Math.sqrt(sumSquares(g.subarray(o.W, o.W + n))) / (lam2 * Math.sqrt(sumSquares(at.subarray(o.W, o.W + n))));
    });
    return out;
  }
}

/** A mini-batch's buffers (inputs, targets) and its Objective, one per batch size, reused across steps. */
export interface BatchBuffers {
  X: Matrix;
  Y: Target;
  obj: Objective;
}

/** Batch buffers for `model` on batches of (X, Y) rows, built on first use of each batch size. */
export function batchBuffers(model: MLP, X: Matrix, Y: Target, opts: ObjectiveOptions): (size: number) => BatchBuffers {
  const batches = new Map<number, BatchBuffers>();
  return (size) => {
    let b = batches.get(size);
    if (!b) {
      const Xb = new Matrix(size, X.cols);
      const Yb = Y instanceof Matrix ? new Matrix(size, Y.cols) : new Int32Array(size);
      b = { X: Xb, Y: Yb, obj: new Objective(model, Xb, Yb, opts) };
      batches.set(size, b);
    }
    return b;
  };
}
