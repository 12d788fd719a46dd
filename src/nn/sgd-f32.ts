// Mini-batch SGD with `--dtype f32` kept in float32 from end to end (as PyTorch trains a float32 model):
// float32 master parameters, gradient and velocity live in wasm memory for the whole run, the forward and
// backward read and write them in place, and the update is one SIMD pass (src/linalg/layers.ts sgdStepF32).
// model.params (float64) receives the master parameters at sync() (the trainer calls it at every report
// and at the end); in between, model.params is stale. Only the data loss runs in float64.
import { allFiniteF32, releaseResident, residentF32, sgdStepF32 } from '../linalg/index.ts';
import { lossValueAndGradRows } from './losses.ts';
import type { MLP } from './mlp.ts';
import type { Objective } from './objective.ts';

export class Float32Sgd {
  private readonly p: Float32Array;
  private readonly g: Float32Array;
  private readonly v: Float32Array;
  /** [start, end, 2 lambda] runs of the parameter vector with one weight decay each (NRC Eq. 3). */
  private readonly segments: [number, number, number][] = [];
  private first = true;
  private finished = false;

  /** The float32 optimiser for model, or undefined when it does not apply (float64 model, batchnorm). */
  static create(model: MLP, momentum: number, nesterov: boolean, lambdas: Float64Array): Float32Sgd | undefined {
    if (model.dtype !== 'f32' || model.batchnorm.some(Boolean)) return undefined;
    return new Float32Sgd(model, momentum, nesterov, lambdas);
  }

  private constructor(
    private readonly model: MLP,
    private readonly momentum: number,
    private readonly nesterov: boolean,
    private readonly lambdas: Float64Array,
  ) {
    const n = model.params.length;
    this.p = residentF32(n);
    this.p.set(model.params);
    this.g = residentF32(n);
    this.v = residentF32(n);
    model.offsets.forEach((o, l) => {
      const last = this.segments[this.segments.length - 1];
      if (last && last[2] === 2 * lambdas[l] && last[1] === o.W) last[1] = o.end;
      else this.segments.push([o.W, o.end, 2 * lambdas[l]]);
    });
    model.f32Master = { params: this.p, grad: this.g, finish: () => this.finish() };
  }

  /** L_lambda of a mini-batch objective at the master parameters (data loss + lambda ||Theta||^2, NRC Eq. 3), gradient into the master gradient. */
  valueAndGrad(obj: Objective): number {
    const model = this.model,
      mode = obj.opts.mode ?? 'train';
    const ws = model.ensureWorkspace(obj.X.rows);
    const { out, delta } = model.runForLoss(ws, obj.X, 0, mode, obj.opts.updateRunning ?? true);
    const data = lossValueAndGradRows(obj.opts.loss, obj.X.rows, model.widths.at(-1)!, out, obj.Y, delta, obj.opts.sampleWeights);
    model.backpropToMaster(ws, true);
    let penalty = 0;
    for (const [a, b, lam2] of this.segments) {
      if (lam2 === 0) continue;
      let s = 0;
      for (let i = a; i < b; i++) s += this.p[i] * this.p[i];
      penalty += (lam2 / 2) * s;
    }
    return data + penalty;
  }

  /** Whether the last gradient is finite. */
  gradientFinite(): boolean {
    return allFiniteF32(this.g);
  }

  /** p -= lr v with v = mu v + (g + 2 lambda p) (PyTorch's SGD with momentum; the first step takes v = g). */
  step(lr: number): void {
    for (const [a, b, lam2] of this.segments) {
      sgdStepF32(this.p.subarray(a, b), this.g.subarray(a, b), this.v.subarray(a, b), lr, this.momentum, lam2, this.first, this.nesterov);
    }
    this.first = false;
  }

  /** Master parameters, velocity and whether the next step is the first (copies), for checkpoints. */
  exportState(): { p: Float32Array; v: Float32Array; first: boolean } {
    return { p: this.p.slice(), v: this.v.slice(), first: this.first };
  }

  /** Set what exportState returned (the same model). */
  importState(st: { p: Float32Array; v: Float32Array; first: boolean }): void {
    if (st.p.length !== this.p.length) throw new RangeError(`Float32Sgd.importState: ${st.p.length} parameters, the model has ${this.p.length}`);
    this.p.set(st.p);
    this.v.set(st.v);
    this.first = st.first;
  }

  /** model.params = the master parameters (widened to float64). */
  sync(): void {
    this.model.params.set(this.p);
  }

  /** sync() and hand the parameters back to the model (later forwards round model.params again); idempotent. */
  finish(): void {
    if (this.finished) return;
    this.finished = true;
    this.sync();
    if (this.model.f32Master?.params === this.p) this.model.f32Master = null;
    releaseResident(this.v);
    releaseResident(this.g);
    releaseResident(this.p);
  }
}
