// Multilayer perceptron z_out = act(BN?(z_in W^T + b)) with one flat parameter vector and reusable workspaces.
import {
  Matrix,
  activationBackward,
  activationBackwardF32,
  biasActivation,
  biasActivationF32,
  gemmF32,
  releaseResident,
  residentF32,
  residentF64,
} from '../linalg/index.ts';
import { checkStop } from '../linalg/interrupt.ts';
import type { Rng } from '../random/index.ts';
import type { Activation } from './activations.ts';
import { type BatchnormCache, type BatchnormState, batchnormBackward, batchnormForward } from './batchnorm.ts';
import { type InitSpec, initializeLayers } from './init.ts';
import { type LayerOffsets, type LayerViews, layerLayout, makeViews } from './params.ts';
import { type Dtype, gemmDtype } from './precision.ts';

export interface MLPOptions {
  /** d_0, d_1, ..., d_L: input width, hidden widths, output width. */
  widths: number[];
  /** One activation for every hidden layer, or one per layer (length L). Default 'tanh'. */
  activation?: Activation | Activation[];
  /** Activation of the last layer when `activation` is a single value. Default 'identity'. */
  outputActivation?: Activation;
  /** Biases on every layer, or per layer. Default true. */
  bias?: boolean | boolean[];
  /** Batchnorm after the linear map of every hidden layer (true) or per layer (array). Default false. */
  batchnorm?: boolean | boolean[];
  /** Default PyTorch uniform +-1/sqrt(fan_in). */
  init?: InitSpec;
  bnMomentum?: number;
  bnEps?: number;
  /** Precision of the forward/backward products ('f32': float32 GEMM, float64 elsewhere). Default 'f64'. */
  dtype?: Dtype;
}

export type Mode = 'train' | 'eval';

/** Every layer's input z^l, linear map z^l W^T + b, pre-activation (after batchnorm if any) and output z^{l+1}. */
export interface LayerRecord {
  input: Matrix;
  linear: Matrix;
  preActivation: Matrix;
  output: Matrix;
}

export interface ForwardResult {
  output: Matrix;
  layers?: LayerRecord[];
}

/** Per-batch-size buffers of forward and backward (reused across steps). */
export interface Workspace {
  n: number;
  linear: Matrix[];
  xhat: (Matrix | null)[];
  pre: Matrix[];
  out: Matrix[];
  delta: Matrix[]; // dLoss/d(output of layer l), n x d_{l+1}
  dInput: Map<number, Matrix>; // dLoss/d(input of layer j), n x d_j
  bnCache: (BatchnormCache | null)[];
  inputs: Matrix[]; // input of each layer in the last forward
  scratch: Float64Array;
  /** dtype 'f32' without batchnorm: the step's float32 buffers (the float64 ones then hold only the output). */
  f32: Float32Workspace | null;
}

/**
 * Float32 buffers of a step, resident in wasm memory: the layers' linear maps (= pre-activations), outputs
 * and deltas, the weights and biases rounded once per forward, the input, a gradient buffer for W_l.
 */
interface Float32Workspace {
  input: Float32Array;
  /** The float32 input the last forward read: `input`, or a caller's staged copy (run's Z32). */
  input0: Float32Array | null;
  linear: Float32Array[];
  out: Float32Array[];
  delta: Float32Array[];
  W: Float32Array[];
  b: (Float32Array | null)[];
  gradW: Float32Array;
  /** dLoss/dz^from (allocated on first use). */
  dInput: Float32Array | null;
}

/** A step's output and dLoss/dOutput arrays (float32 in a float32 step's wasm buffers, else the float64 ones). */
export interface StepArrays {
  out: Float64Array | Float32Array;
  delta: Float64Array | Float32Array;
}

export class MLP {
  readonly widths: readonly number[];
  readonly activations: readonly Activation[];
  readonly bias: readonly boolean[];
  readonly batchnorm: readonly boolean[];
  readonly offsets: readonly LayerOffsets[];
  /** All trainable parameters, layer by layer: W_l (row-major, out x in), b_l, gamma_l, beta_l. */
  readonly params: Float64Array;
  /** Views of params: layers[l].W is W_{l+1} of the paper (1-based there, 0-based here). */
  readonly layers: readonly LayerViews[];
  /** Running statistics of the batchnorm layers (null where none). */
  readonly bnState: readonly (BatchnormState | null)[];
  readonly bnMomentum: number;
  readonly bnEps: number;
  /** Precision of the forward/backward products (src/nn/precision.ts); setDtype changes it. */
  get dtype(): Dtype {
    return this.precision;
  }
  private precision: Dtype;
  private workspaces = new Map<number, Workspace>();
  /**
   * @internal Float32 master parameters (params' layout, resident) and their gradient, while a float32
   * optimiser (src/nn/sgd-f32.ts) owns the parameters: float32 forwards read these instead of rounding params.
   */
  f32Master: { params: Float32Array; grad: Float32Array; finish: () => void } | null = null;

  constructor(opts: MLPOptions, rng: Rng) {
    const w = opts.widths;
    if (w.length < 2 || w.some((x) => !Number.isInteger(x) || x < 1)) throw new RangeError(`MLP: widths must be >= 2 positive integers, got [${w}]`);
    const L = w.length - 1;
    const perLayer = <T>(v: T | T[] | undefined, dflt: (l: number) => T, name: string): T[] => {
      if (Array.isArray(v)) {
        if (v.length !== L) throw new RangeError(`MLP: ${name} has ${v.length} entries, expected ${L} (one per layer)`);
        return v.slice();
      }
      return Array.from({ length: L }, (_, l) => dflt(l));
    };
    this.widths = w.slice();
    const act = opts.activation ?? 'tanh';
    this.activations = perLayer(opts.activation, (l) => (l === L - 1 ? (opts.outputActivation ?? 'identity') : (act as Activation)), 'activation');
    this.bias = perLayer(opts.bias, () => (opts.bias as boolean | undefined) ?? true, 'bias');
    this.batchnorm = perLayer(opts.batchnorm, (l) => ((opts.batchnorm as boolean | undefined) ?? false) && l < L - 1, 'batchnorm');
    this.bnMomentum = opts.bnMomentum ?? 0.1;
    this.bnEps = opts.bnEps ?? 1e-5;
    this.precision = checkDtype(opts.dtype ?? 'f64');
    const { offsets, size } = layerLayout(this.widths, this.bias, this.batchnorm);
    this.offsets = offsets;
    this.params = new Float64Array(size);
    this.layers = makeViews(this.params, this.widths, offsets);
    this.bnState = this.batchnorm.map((bn, l) =>
      bn ? { runningMean: new Float64Array(w[l + 1]), runningVar: new Float64Array(w[l + 1]).fill(1) } : null,
    );
    initializeLayers(this.layers as LayerViews[], opts.init ?? { kind: 'pytorch' }, rng);
  }

  /** Number of layers L. */
  get depth(): number {
    return this.widths.length - 1;
  }

  get numParams(): number {
    return this.params.length;
  }

  /** Deep copy (parameters and running statistics). */
  clone(): MLP {
    const copy = Object.create(MLP.prototype) as MLP;
    const params = this.params.slice();
    Object.assign(copy, {
      widths: this.widths,
      activations: this.activations,
      bias: this.bias,
      batchnorm: this.batchnorm,
      offsets: this.offsets,
      params,
      layers: makeViews(params, this.widths, this.offsets),
      bnState: this.bnState.map((s) => (s ? { runningMean: s.runningMean.slice(), runningVar: s.runningVar.slice() } : null)),
      bnMomentum: this.bnMomentum,
      bnEps: this.bnEps,
      precision: this.precision,
      workspaces: new Map(),
    });
    return copy;
  }

  /**
   * Switch the precision of later forwards and backwards (mixed-precision training: float32 first, then float64);
   * the cached workspaces are freed when it changes. Not while a float32 optimiser owns the parameters.
   */
  setDtype(dtype: Dtype): void {
    if (checkDtype(dtype) === this.precision) return;
    if (this.f32Master) throw new Error('MLP.setDtype: a float32 optimiser owns the parameters');
    this.releaseWorkspaces();
    this.precision = dtype;
  }

  /** Parameters and batchnorm running statistics (copies), for checkpoints. */
  exportState(): { params: Float64Array; running: Float64Array[] } {
    return { params: this.params.slice(), running: this.runningStats() };
  }

  /** Set what exportState returned (same architecture). */
  importState(state: { params: Float64Array; running: Float64Array[] }): void {
    if (state.params.length !== this.params.length)
      throw new RangeError(`MLP.importState: ${state.params.length} parameters, the model has ${this.params.length}`);
    this.params.set(state.params);
    this.setRunningStats(state.running);
  }

  /** Copies of the batchnorm running means and variances, layer by layer (empty without batchnorm). */
  runningStats(): Float64Array[] {
    const running: Float64Array[] = [];
    for (const s of this.bnState) if (s) running.push(s.runningMean.slice(), s.runningVar.slice());
    return running;
  }

  setRunningStats(running: Float64Array[]): void {
    let i = 0;
    for (const s of this.bnState)
      if (s) {
        s.runningMean.set(running[i++]);
        s.runningVar.set(running[i++]);
      }
  }

  /** Free the cached forward/backward buffers. */
  releaseWorkspaces(): void {
    for (const ws of this.workspaces.values()) freeWorkspace(ws);
    this.workspaces.clear();
  }

  /** Views of the layers in another buffer with this model's layout (e.g. a gradient vector). */
  viewsOf(buf: Float64Array): LayerViews[] {
    if (buf.length !== this.params.length) throw new RangeError(`viewsOf: buffer has ${buf.length} entries, model has ${this.params.length}`);
    return makeViews(buf, this.widths, this.offsets);
  }

  /** Copy of W_l (0-based). */
  weight(l: number): Matrix {
    return this.layers[l].W.clone();
  }

  /**
   * Forward pass on X (N x d_0); `record` returns copies of every layer's input, linear map, pre-activation and output.
   * `from` runs the sub-network starting at layer j with X = z^j (the input of layer j).
   * Train mode uses batch statistics and updates running statistics of batchnorm layers.
   */
  forward(X: Matrix, opts: { mode?: Mode; record?: boolean; from?: number; updateRunning?: boolean } = {}): ForwardResult {
    const ws = this.ensureWorkspace(X.rows);
    const from = opts.from ?? 0;
    const out = this.run(ws, X, from, opts.mode ?? 'eval', opts.updateRunning ?? false);
    const res: ForwardResult = { output: out.clone() };
    if (opts.record) {
      this.widen(ws, from, this.depth);
      res.layers = [];
      for (let l = from; l < this.depth; l++) {
        res.layers[l] = {
          input: ws.inputs[l].clone(),
          linear: ws.linear[l].clone(),
          preActivation: ws.pre[l].clone(),
          output: ws.out[l].clone(),
        };
      }
    }
    return res;
  }

  /** Network output in eval mode. */
  predict(X: Matrix): Matrix {
    return this.forward(X, { mode: 'eval' }).output;
  }

  /** Representation z^j (the input of 0-based layer j; z^0 = X, z^L = output). */
  representation(X: Matrix, j: number, mode: Mode = 'eval'): Matrix {
    if (j === 0) return X.clone();
    const ws = this.ensureWorkspace(X.rows);
    this.run(ws, X, 0, mode, false, j);
    return ws.out[j - 1].clone();
  }

  // ---- engine (internal, used by objective/theory) ----

  /** @internal Workspace for batch size n (a few sizes are kept, e.g. batch and last partial batch). */
  ensureWorkspace(n: number): Workspace {
    const cached = this.workspaces.get(n);
    if (cached) return cached;
    if (this.workspaces.size >= 3) {
      const first = this.workspaces.keys().next().value!;
      freeWorkspace(this.workspaces.get(first)!);
      this.workspaces.delete(first);
    }
    const L = this.depth;
    // With float32 steps the float64 buffers serve only the output, the loss gradient and recorded copies;
    // otherwise they are the step's own buffers, resident in wasm memory so products and kernels need no copies.
    const f32 = this.dtype === 'f32' && !this.batchnorm.some(Boolean);
    const buf = (rows: number, cols: number) => new Matrix(rows, cols, f32 ? new Float64Array(rows * cols) : residentF64(rows * cols));
    const w = this.widths;
    const linear: Matrix[] = [];
    const xhat: (Matrix | null)[] = [];
    const pre: Matrix[] = [];
    const out: Matrix[] = [];
    const delta: Matrix[] = [];
    const bnCache: (BatchnormCache | null)[] = [];
    for (let l = 0; l < L; l++) {
      const d = w[l + 1];
      linear.push(buf(n, d));
      if (this.batchnorm[l]) {
        xhat.push(buf(n, d));
        pre.push(buf(n, d));
        bnCache.push({ mean: new Float64Array(d), invStd: new Float64Array(d) });
      } else {
        xhat.push(null);
        pre.push(linear[l]);
        bnCache.push(null);
      }
      out.push(this.activations[l] === 'identity' ? pre[l] : buf(n, d));
      delta.push(buf(n, d));
    }
    const ws: Workspace = {
      n,
      linear,
      xhat,
      pre,
      out,
      delta,
      dInput: new Map(),
      bnCache,
      inputs: new Array(L),
      scratch: new Float64Array(2 * Math.max(...w)),
      f32: f32 ? this.float32Workspace(n) : null,
    };
    this.workspaces.set(n, ws);
    return ws;
  }

  private float32Workspace(n: number): Float32Workspace {
    const w = this.widths,
      L = this.depth;
    const linear: Float32Array[] = [],
      out: Float32Array[] = [],
      delta: Float32Array[] = [],
      W: Float32Array[] = [],
      b: (Float32Array | null)[] = [];
    let maxW = 0;
    for (let l = 0; l < L; l++) {
      const d = w[l + 1];
      linear.push(residentF32(n * d));
      out.push(this.activations[l] === 'identity' ? linear[l] : residentF32(n * d));
      delta.push(residentF32(n * d));
      W.push(residentF32(d * w[l]));
      b.push(this.bias[l] ? residentF32(d) : null);
      maxW = Math.max(maxW, d * w[l]);
    }
    return { input: residentF32(n * Math.max(...w)), input0: null, linear, out, delta, W, b, gradW: residentF32(maxW), dInput: null };
  }

  /**
   * @internal Forward layers from..to-1 on Z (input of layer `from`); returns the last output buffer. Z32, when
   * given, is Z already rounded to float32 in wasm memory: a float32 step reads it in place instead of converting Z.
   */
  run(ws: Workspace, Z: Matrix, from: number, mode: Mode, updateRunning: boolean, to = this.depth, Z32?: Float32Array): Matrix {
    if (Z.cols !== this.widths[from]) throw new RangeError(`MLP.forward: input has ${Z.cols} columns, layer ${from} expects ${this.widths[from]}`);
    if (ws.f32) return this.runF32(ws, ws.f32, Z, from, to, Z32, true);
    let z = Z;
    for (let l = from; l < to; l++) {
      checkStop(); // a stop request is seen between the products of a pass
      ws.inputs[l] = z;
      const { W, b, gamma, beta } = this.layers[l];
      const lin = ws.linear[l];
      gemmDtype(this.dtype, z, W, { transB: true, C: lin }); // z W^T
      const d = W.rows,
        act = this.activations[l];
      if (this.batchnorm[l]) {
        if (b) biasActivation('identity', ws.n, d, lin.data, b, lin.data);
        batchnormForward(
          lin.data,
          ws.n,
          d,
          gamma!,
          beta!,
          this.bnState[l]!,
          ws.bnCache[l]!,
          ws.xhat[l]!.data,
          ws.pre[l].data,
          mode === 'train',
          this.bnMomentum,
          this.bnEps,
          updateRunning && mode === 'train',
        );
        biasActivation(act, ws.n, d, ws.pre[l].data, null, ws.out[l].data);
      } else {
        biasActivation(act, ws.n, d, lin.data, b, ws.out[l].data); // act(z W^T + b)
      }
      z = ws.out[l];
    }
    return z;
  }

  /**
   * @internal Forward of a loss evaluation: run, except that a float32 step leaves its output in float32 (not
   * widened). Returns the arrays the loss reads (the output) and writes (dLoss/dOutput: backprop's `deltaWritten`).
   */
  runForLoss(ws: Workspace, Z: Matrix, from: number, mode: Mode, updateRunning: boolean, Z32?: Float32Array): StepArrays {
    const L = this.depth;
    if (ws.f32 && from < L) {
      if (Z.cols !== this.widths[from]) throw new RangeError(`MLP.forward: input has ${Z.cols} columns, layer ${from} expects ${this.widths[from]}`);
      this.runF32(ws, ws.f32, Z, from, L, Z32, false);
      return { out: ws.f32.out[L - 1], delta: ws.f32.delta[L - 1] };
    }
    return { out: this.run(ws, Z, from, mode, updateRunning, L, Z32).data, delta: ws.delta[L - 1].data };
  }

  /** Forward in float32 on the resident buffers; the float64 output buffer of layer to-1 receives the result when `widen`. */
  private runF32(ws: Workspace, s: Float32Workspace, Z: Matrix, from: number, to: number, Z32: Float32Array | undefined, widen: boolean): Matrix {
    const n = ws.n;
    const len = n * this.widths[from];
    const staged = Z32 !== undefined && Z32.length >= len;
    let z = staged ? Z32.subarray(0, len) : s.input.subarray(0, len);
    if (!staged) z.set(Z.data);
    s.input0 = z;
    for (let l = from; l < to; l++) {
      ws.inputs[l] = l === from ? Z : ws.out[l - 1];
      const d = this.widths[l + 1],
        k = this.widths[l];
      const { W, b } = this.weightsF32(s, l, true);
      gemmF32(n, d, k, 1, z, false, W, true, 0, s.linear[l]); // z W^T
      biasActivationF32(this.activations[l], n, d, s.linear[l], b, s.out[l]);
      z = s.out[l];
    }
    if (to > from && widen) ws.out[to - 1].data.set(z);
    return ws.out[to - 1];
  }

  /** Layer l's float32 weights and bias: views of the master parameters, else params rounded into s (when `refresh`). */
  private weightsF32(s: Float32Workspace, l: number, refresh: boolean): { W: Float32Array; b: Float32Array | null } {
    const m = this.f32Master;
    if (m) {
      const o = this.offsets[l],
        size = this.widths[l + 1] * this.widths[l];
      return { W: m.params.subarray(o.W, o.W + size), b: o.b >= 0 ? m.params.subarray(o.b, o.b + this.widths[l + 1]) : null };
    }
    if (refresh) {
      const { W, b } = this.layers[l];
      s.W[l].set(W.data);
      if (b) s.b[l]!.set(b);
    }
    return { W: s.W[l], b: s.b[l] };
  }

  /** With float32 steps, copy layers from..to-1 of the last forward into the float64 buffers (recorded forwards). */
  private widen(ws: Workspace, from: number, to: number): void {
    if (!ws.f32) return;
    for (let l = from; l < to; l++) {
      ws.linear[l].data.set(ws.f32.linear[l]);
      if (ws.out[l] !== ws.linear[l]) ws.out[l].data.set(ws.f32.out[l]);
    }
  }

  /**
   * @internal Backward from ws.delta[L-1] (= dLoss/dOutput, overwritten) down to layer `from`.
   * Writes parameter gradients into `grad` views (skipped when null) and, if asked, dLoss/dz^from.
   * `deltaWritten`: dLoss/dOutput is in runForLoss's `delta` array (a float32 step's own buffer), not ws.delta.
   */
  backprop(ws: Workspace, from: number, mode: Mode, grad: LayerViews[] | null, inputGrad: boolean, deltaWritten = false): Matrix | null {
    if (ws.f32) return this.backpropF32(ws, ws.f32, from, grad, inputGrad, undefined, deltaWritten);
    const L = this.depth;
    let dIn: Matrix | null = null;
    for (let l = L - 1; l >= from; l--) {
      checkStop();
      const dz = ws.delta[l];
      const g = grad ? grad[l] : null;
      const d = this.widths[l + 1],
        act = this.activations[l];
      if (this.batchnorm[l]) {
        activationBackward(act, ws.n, d, ws.pre[l].data, ws.out[l].data, dz.data, null);
        batchnormBackward(
          dz.data,
          ws.n,
          d,
          ws.xhat[l]!.data,
          this.layers[l].gamma!,
          ws.bnCache[l]!,
          g ? g.gamma : null,
          g ? g.beta : null,
          mode === 'train',
          ws.scratch,
        );
        if (g?.b) activationBackward('identity', ws.n, d, dz.data, dz.data, dz.data, g.b); // column sums of dZ
      } else {
        activationBackward(act, ws.n, d, ws.pre[l].data, ws.out[l].data, dz.data, g?.b ?? null); // dZ *= act', g_b = 1^T dZ
      }
      if (g) gemmDtype(this.dtype, dz, ws.inputs[l], { transA: true, C: g.W }); // dZ^T z_in (out x in)
      if (l > from) {
        gemmDtype(this.dtype, dz, this.layers[l].W, { C: ws.delta[l - 1] }); // dZ W
      } else if (inputGrad) {
        let buf = ws.dInput.get(l);
        if (!buf) {
          buf = new Matrix(ws.n, this.widths[l]);
          ws.dInput.set(l, buf);
        }
        gemmDtype(this.dtype, dz, this.layers[l].W, { C: buf });
        dIn = buf;
      }
    }
    return dIn;
  }

  /** @internal backprop of a float32 step from the output's ws.delta into the float32 master gradient (f32Master.grad). */
  backpropToMaster(ws: Workspace, deltaWritten = false): void {
    if (!ws.f32 || !this.f32Master) throw new Error('backpropToMaster: no float32 step or master parameters');
    this.backpropF32(ws, ws.f32, 0, null, false, this.f32Master.grad, deltaWritten);
  }

  /**
   * backprop in float32 on the resident buffers of the last forward; gradients widened into `grad` once per
   * layer, or (with `master`) written in float32 into master, which has params' layout.
   */
  private backpropF32(
    ws: Workspace,
    s: Float32Workspace,
    from: number,
    grad: LayerViews[] | null,
    inputGrad: boolean,
    master: Float32Array | undefined,
    deltaWritten: boolean,
  ): Matrix | null {
    const L = this.depth,
      n = ws.n;
    if (!deltaWritten) s.delta[L - 1].set(ws.delta[L - 1].data);
    let dIn: Matrix | null = null;
    for (let l = L - 1; l >= from; l--) {
      const dz = s.delta[l],
        d = this.widths[l + 1],
        k = this.widths[l],
        o = this.offsets[l];
      const g = grad ? grad[l] : null;
      const gb = g ? g.b : master && o.b >= 0 ? ws.scratch.subarray(0, d) : null;
      activationBackwardF32(this.activations[l], n, d, s.linear[l], s.out[l], dz, gb); // dZ *= act', g_b = 1^T dZ
      if (g || master) {
        const gW = master ? master.subarray(o.W, o.W + d * k) : s.gradW.subarray(0, d * k);
        gemmF32(d, k, n, 1, dz, true, l === from ? s.input0!.subarray(0, n * k) : s.out[l - 1], false, 0, gW); // dZ^T z_in
        if (g) g.W.data.set(gW);
        else if (gb) master!.set(gb, o.b);
      }
      const W = this.weightsF32(s, l, false).W;
      if (l > from) {
        gemmF32(n, k, d, 1, dz, false, W, false, 0, s.delta[l - 1]); // dZ W
      } else if (inputGrad) {
        let buf = ws.dInput.get(l);
        if (!buf) {
          buf = new Matrix(n, k);
          ws.dInput.set(l, buf);
        }
        s.dInput ??= residentF32(n * Math.max(...this.widths));
        const dz0 = s.dInput.subarray(0, n * k);
        gemmF32(n, k, d, 1, dz, false, W, false, 0, dz0);
        buf.data.set(dz0);
        dIn = buf;
      }
    }
    return dIn;
  }
}

function checkDtype(dtype: Dtype): Dtype {
  if (dtype !== 'f64' && dtype !== 'f32') throw new RangeError(`MLP: dtype must be 'f64' or 'f32', got '${String(dtype)}'`);
  return dtype;
}

/** Give a workspace's resident buffers back to wasm memory. */
function freeWorkspace(ws: Workspace): void {
  const all: (Float64Array | Float32Array)[] = [...ws.linear, ...ws.pre, ...ws.out, ...ws.delta].map((m) => m.data);
  for (const x of ws.xhat) if (x) all.push(x.data);
  const s = ws.f32;
  if (s)
    all.push(
      s.input,
      s.gradW,
      ...(s.dInput ? [s.dInput] : []),
      ...s.linear,
      ...s.out,
      ...s.delta,
      ...s.W,
      ...s.b.filter((b): b is Float32Array => b !== null),
    );
  for (const x of new Set(all)) releaseResident(x);
}
