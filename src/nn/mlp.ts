// Multilayer perceptron z_out = act(BN?(z_in W^T + b)) with one flat parameter vector and reusable workspaces.
import { Matrix } from '../linalg/index.ts';
import { checkStop } from '../linalg/interrupt.ts';
import type { Rng } from '../random/index.ts';
import { type Activation, applyActivation, multiplyActivationDerivative } from './activations.ts';
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
  /** Precision of the forward/backward products (src/nn/precision.ts). */
  readonly dtype: Dtype;
  private workspaces = new Map<number, Workspace>();

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
    this.activations = perLayer(opts.activation, (l) => (l === L - 1 ? opts.outputActivation ?? 'identity' : (act as Activation)), 'activation');
    this.bias = perLayer(opts.bias, () => (opts.bias as boolean | undefined) ?? true, 'bias');
    this.batchnorm = perLayer(opts.batchnorm, (l) => ((opts.batchnorm as boolean | undefined) ?? false) && l < L - 1, 'batchnorm');
    this.bnMomentum = opts.bnMomentum ?? 0.1;
    this.bnEps = opts.bnEps ?? 1e-5;
    this.dtype = opts.dtype ?? 'f64';
    if (this.dtype !== 'f64' && this.dtype !== 'f32') throw new RangeError(`MLP: dtype must be 'f64' or 'f32', got '${String(this.dtype)}'`);
    const { offsets, size } = layerLayout(this.widths, this.bias, this.batchnorm);
    this.offsets = offsets;
    this.params = new Float64Array(size);
    this.layers = makeViews(this.params, this.widths, offsets);
    this.bnState = this.batchnorm.map((bn, l) => (bn ? { runningMean: new Float64Array(w[l + 1]), runningVar: new Float64Array(w[l + 1]).fill(1) } : null));
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
      widths: this.widths, activations: this.activations, bias: this.bias, batchnorm: this.batchnorm,
      offsets: this.offsets, params, layers: makeViews(params, this.widths, this.offsets),
      bnState: this.bnState.map((s) => (s ? { runningMean: s.runningMean.slice(), runningVar: s.runningVar.slice() } : null)),
      bnMomentum: this.bnMomentum, bnEps: this.bnEps, dtype: this.dtype, workspaces: new Map(),
    });
    return copy;
  }

  /** Parameters and batchnorm running statistics (copies), for checkpoints. */
  exportState(): { params: Float64Array; running: Float64Array[] } {
    return { params: this.params.slice(), running: this.runningStats() };
  }

  /** Set what exportState returned (same architecture). */
  importState(state: { params: Float64Array; running: Float64Array[] }): void {
    if (state.params.length !== this.params.length) throw new RangeError(`MLP.importState: ${state.params.length} parameters, the model has ${this.params.length}`);
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
    for (const s of this.bnState) if (s) { s.runningMean.set(running[i++]); s.runningVar.set(running[i++]); }
  }

  /** Free the cached forward/backward buffers. */
  releaseWorkspaces(): void {
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
      res.layers = [];
      for (let l = from; l < this.depth; l++) {
        res.layers[l] = {
          input: ws.inputs[l].clone(), linear: ws.linear[l].clone(), preActivation: ws.pre[l].clone(), output: ws.out[l].clone(),
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
    if (this.workspaces.size >= 3) this.workspaces.delete(this.workspaces.keys().next().value!);
    const L = this.depth;
    const w = this.widths;
    const linear: Matrix[] = [];
    const xhat: (Matrix | null)[] = [];
    const pre: Matrix[] = [];
    const out: Matrix[] = [];
    const delta: Matrix[] = [];
    const bnCache: (BatchnormCache | null)[] = [];
    for (let l = 0; l < L; l++) {
      const d = w[l + 1];
      linear.push(new Matrix(n, d));
      if (this.batchnorm[l]) {
        xhat.push(new Matrix(n, d));
        pre.push(new Matrix(n, d));
        bnCache.push({ mean: new Float64Array(d), invStd: new Float64Array(d) });
      } else {
        xhat.push(null);
        pre.push(linear[l]);
        bnCache.push(null);
      }
      out.push(this.activations[l] === 'identity' ? pre[l] : new Matrix(n, d));
      delta.push(new Matrix(n, d));
    }
    const ws: Workspace = { n, linear, xhat, pre, out, delta, dInput: new Map(), bnCache, inputs: new Array(L), scratch: new Float64Array(2 * Math.max(...w)) };
    this.workspaces.set(n, ws);
    return ws;
  }

  /** @internal Forward layers from..to-1 on Z (input of layer `from`); returns the last output buffer. */
  run(ws: Workspace, Z: Matrix, from: number, mode: Mode, updateRunning: boolean, to = this.depth): Matrix {
    if (Z.cols !== this.widths[from]) throw new RangeError(`MLP.forward: input has ${Z.cols} columns, layer ${from} expects ${this.widths[from]}`);
    let z = Z;
    for (let l = from; l < to; l++) {
      checkStop(); // a stop request is seen between the products of a pass
      ws.inputs[l] = z;
      const { W, b, gamma, beta } = this.layers[l];
      const lin = ws.linear[l];
      gemmDtype(this.dtype, z, W, { transB: true, C: lin }); // z W^T
      const d = W.rows;
      const a = lin.data;
      if (b) for (let i = 0; i < a.length; i += d) for (let j = 0; j < d; j++) a[i + j] += b[j];
      if (this.batchnorm[l]) {
        batchnormForward(a, ws.n, d, gamma!, beta!, this.bnState[l]!, ws.bnCache[l]!, ws.xhat[l]!.data, ws.pre[l].data,
          mode === 'train', this.bnMomentum, this.bnEps, updateRunning && mode === 'train');
      }
      applyActivation(this.activations[l], ws.pre[l].data, ws.out[l].data);
      z = ws.out[l];
    }
    return z;
  }

  /**
   * @internal Backward from ws.delta[L-1] (= dLoss/dOutput, overwritten) down to layer `from`.
   * Writes parameter gradients into `grad` views (skipped when null) and, if asked, dLoss/dz^from.
   */
  backprop(ws: Workspace, from: number, mode: Mode, grad: LayerViews[] | null, inputGrad: boolean): Matrix | null {
    const L = this.depth;
    let dIn: Matrix | null = null;
    for (let l = L - 1; l >= from; l--) {
      checkStop();
      const dz = ws.delta[l];
      multiplyActivationDerivative(this.activations[l], ws.pre[l].data, ws.out[l].data, dz.data);
      const g = grad ? grad[l] : null;
      if (this.batchnorm[l]) {
        batchnormBackward(dz.data, ws.n, this.widths[l + 1], ws.xhat[l]!.data, this.layers[l].gamma!, ws.bnCache[l]!,
          g ? g.gamma : null, g ? g.beta : null, mode === 'train', ws.scratch);
      }
      if (g) {
        gemmDtype(this.dtype, dz, ws.inputs[l], { transA: true, C: g.W }); // dZ^T z_in (out x in)
        if (g.b) {
          const gb = g.b.fill(0);
          const d = gb.length;
          const a = dz.data;
          for (let i = 0; i < a.length; i += d) for (let j = 0; j < d; j++) gb[j] += a[i + j];
        }
      }
      if (l > from) {
        gemmDtype(this.dtype, dz, this.layers[l].W, { C: ws.delta[l - 1] }); // dZ W
      } else if (inputGrad) {
        let buf = ws.dInput.get(l);
        if (!buf) { buf = new Matrix(ws.n, this.widths[l]); ws.dInput.set(l, buf); }
        gemmDtype(this.dtype, dz, this.layers[l].W, { C: buf });
        dIn = buf;
      }
    }
    return dIn;
  }
}
