// Optimiser specifications, step learning-rate schedule, and the per-parameter update rules of SGD and Adam.
import { dotVec } from './params.ts';

export type OptimizerSpec =
  /** Full-batch gradient descent theta <- theta - lr grad L_lambda. */
  | { kind: 'gd'; lr: number }
  /** Full-batch L-BFGS with a strong-Wolfe line search; memory = stored (s, y) pairs, default 10. */
  | { kind: 'lbfgs'; memory?: number; c1?: number; c2?: number; maxLineSearch?: number }
  /** Mini-batch SGD with (heavy-ball or Nesterov) momentum, PyTorch semantics: v <- mu v + g; theta <- theta - lr v. */
  | { kind: 'sgd'; lr: number; momentum?: number; nesterov?: boolean; batchSize: number }
  /** Mini-batch Adam (Kingma & Ba), PyTorch defaults beta1 0.9, beta2 0.999, eps 1e-8. */
  | { kind: 'adam'; lr: number; beta1?: number; beta2?: number; eps?: number; batchSize: number };

/** Step schedule: lr_t = lr * gamma^floor(t / stepSize) (t = step for full batch, epoch for mini-batch). */
export interface StepSchedule {
  stepSize: number;
  gamma: number;
}

export function scheduledLr(lr: number, t: number, schedule?: StepSchedule): number {
  if (!schedule) return lr;
  return lr * Math.pow(schedule.gamma, Math.floor(t / schedule.stepSize));
}

/** State of SGD with momentum. */
export class SgdState {
  private readonly velocity: Float64Array;
  private started = false;
  constructor(
    size: number,
    private readonly momentum: number,
    private readonly nesterov: boolean,
  ) {
    this.velocity = new Float64Array(size);
  }

  step(x: Float64Array, g: Float64Array, lr: number): void {
    const mu = this.momentum;
    const v = this.velocity;
    if (mu === 0) {
      for (let i = 0; i < x.length; i++) x[i] -= lr * g[i];
      return;
    }
    // one pass over x, v, g (the arrays exceed the caches: each pass is memory-bound)
    const first = !this.started;
    this.started = true;
    const nest = this.nesterov;
    for (let i = 0; i < x.length; i++) {
      const vi = first ? g[i] : mu * v[i] + g[i];
      v[i] = vi;
      x[i] -= lr * (nest ? g[i] + mu * vi : vi);
    }
  }

  /** The momentum buffer (a copy) and whether it has been started, for checkpoints. */
  exportState(): { velocity: Float64Array; started: boolean } {
    return { velocity: this.velocity.slice(), started: this.started };
  }

  importState(s: { velocity: Float64Array; started: boolean }): void {
    this.velocity.set(s.velocity);
    this.started = s.started;
  }
}

/** State of Adam. */
export class AdamState {
  private readonly m: Float64Array;
  private readonly v: Float64Array;
  private t = 0;
  constructor(
    size: number,
    private readonly beta1: number,
    private readonly beta2: number,
    private readonly eps: number,
  ) {
    this.m = new Float64Array(size);
    this.v = new Float64Array(size);
  }

  step(x: Float64Array, g: Float64Array, lr: number): void {
    this.t++;
    const { m, v, beta1: b1, beta2: b2, eps } = this;
    const c1 = 1 - Math.pow(b1, this.t);
    const c2 = 1 - Math.pow(b2, this.t);
    for (let i = 0; i < x.length; i++) {
      const gi = g[i];
      m[i] = b1 * m[i] + (1 - b1) * gi;
      v[i] = b2 * v[i] + (1 - b2) * gi * gi;
      x[i] -= (lr * (m[i] / c1)) / (Math.sqrt(v[i] / c2) + eps);
    }
  }

  /** First and second moments (copies) and the step count, for checkpoints. */
  exportState(): { m: Float64Array; v: Float64Array; t: number } {
    return { m: this.m.slice(), v: this.v.slice(), t: this.t };
  }

  importState(s: { m: Float64Array; v: Float64Array; t: number }): void {
    this.m.set(s.m);
    this.v.set(s.v);
    this.t = s.t;
  }
}

/** L-BFGS memory and two-loop recursion (Nocedal & Wright, Alg. 7.4): d = -H g. */
export class LbfgsMemory {
  private readonly s: Float64Array[] = [];
  private readonly y: Float64Array[] = [];
  private readonly rho: number[] = [];
  private readonly alpha: Float64Array;
  constructor(
    private readonly size: number,
    private readonly memory: number,
  ) {
    this.alpha = new Float64Array(memory);
  }

  get length(): number {
    return this.s.length;
  }

  reset(): void {
    this.s.length = 0;
    this.y.length = 0;
    this.rho.length = 0;
  }

  /** Store (s, y) if the curvature s^T y is safely positive; returns whether it was stored. */
  push(s: Float64Array, y: Float64Array): boolean {
    const sy = dotVec(s, y);
    const yy = dotVec(y, y);
    if (!(sy > 1e-12 * Math.sqrt(dotVec(s, s) * yy))) return false;
    let sBuf: Float64Array;
    let yBuf: Float64Array;
    if (this.s.length === this.memory) {
      sBuf = this.s.shift()!;
      yBuf = this.y.shift()!;
      this.rho.shift();
    } else {
      sBuf = new Float64Array(this.size);
      yBuf = new Float64Array(this.size);
    }
    sBuf.set(s);
    yBuf.set(y);
    this.s.push(sBuf);
    this.y.push(yBuf);
    this.rho.push(1 / sy);
    return true;
  }

  /** The stored pairs (oldest first) and 1 / s^T y, for checkpoints; the arrays are the live ones (copy to keep). */
  exportState(): { s: Float64Array[]; y: Float64Array[]; rho: number[] } {
    return { s: this.s.slice(), y: this.y.slice(), rho: this.rho.slice() };
  }

  importState(st: { s: Float64Array[]; y: Float64Array[]; rho: number[] }): void {
    this.reset();
    for (let k = 0; k < st.s.length; k++) {
      this.s.push(Float64Array.from(st.s[k]));
      this.y.push(Float64Array.from(st.y[k]));
      this.rho.push(st.rho[k]);
    }
  }

  direction(g: Float64Array, d: Float64Array): void {
    const m = this.s.length;
    for (let i = 0; i < d.length; i++) d[i] = -g[i];
    for (let k = m - 1; k >= 0; k--) {
      const a = this.rho[k] * dotVec(this.s[k], d);
      this.alpha[k] = a;
      const yk = this.y[k];
      for (let i = 0; i < d.length; i++) d[i] -= a * yk[i];
    }
    if (m > 0) {
      const gamma = dotVec(this.s[m - 1], this.y[m - 1]) / dotVec(this.y[m - 1], this.y[m - 1]);
      for (let i = 0; i < d.length; i++) d[i] *= gamma;
    }
    for (let k = 0; k < m; k++) {
      const b = this.rho[k] * dotVec(this.y[k], d);
      const sk = this.s[k];
      const c = this.alpha[k] - b;
      for (let i = 0; i < d.length; i++) d[i] += c * sk[i];
    }
  }
}
