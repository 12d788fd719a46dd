// Elementwise work of an MLP layer z_out = act(z_in W^T + b) (DESIGN.md conventions) and the buffers it
// runs on. The TypeScript loops here are the reference and the fallback; src/linalg/fast.ts installs a
// backend that runs them as SIMD kernels on the worker threads (src/linalg/wasm/assembly/elementwise.ts)
// when the buffers live in wasm memory (`residentF64` / `residentF32`), so a training step's activations
// stay there between products and no operand is copied. The float64 kernels give the reference's bits
// for identity and relu, and tanh within 4.5e-16 relative (2 ulp; its own polynomial and exp); the
// float32 ones the reference bits except tanh, within 2^-21 relative.
// Every kernel gives the same bits for any thread count.

/** Layer activations the kernels know (src/nn/activations.ts names the same three). */
export type LayerActivation = 'identity' | 'tanh' | 'relu';
const ACT_CODE: Record<LayerActivation, number> = { identity: 0, tanh: 1, relu: 2 };

type Real = Float64Array | Float32Array;

/** What the WebAssembly engine provides (src/linalg/wasm/engine.ts); every call may decline (false / undefined). */
export interface LayerBackend {
  residentF64(length: number): Float64Array | undefined;
  residentF32(length: number): Float32Array | undefined;
  release(x: Real): void;
  biasActivation(op: 0 | 1, act: number, n: number, d: number, x: Real, b: Real | null, out: Real): boolean;
  activationBackward(op: 0 | 1, act: number, n: number, d: number, pre: Real, out: Real, delta: Real, gb: Float64Array | null): boolean;
  sgdStepF32(p: Float32Array, g: Float32Array, v: Float32Array, lr: number, mu: number, lam2: number, first: boolean, nesterov: boolean): boolean;
  allFiniteF32(x: Float32Array): boolean | undefined;
  squaredLossRows(op: 0 | 1, n: number, c: number, out: Real, y: Float64Array, w: Float64Array, delta: Real | null, sums: Float64Array): boolean;
}

let backend: LayerBackend | undefined;

/** Install (or with undefined remove) the fast backend. */
export function setLayerBackend(b: LayerBackend | undefined): void {
  backend = b;
}

/**
 * A zeroed float64 array the layer kernels and the GEMM address in place (wasm memory) when the fast path
 * is on, else an ordinary array. Freed by `releaseResident` or when garbage collected (keep the array
 * itself, not only subarrays of it, while in use).
 */
export function residentF64(length: number): Float64Array {
  return backend?.residentF64(length)?.fill(0) ?? new Float64Array(length);
}

/** float32 version of residentF64. */
export function residentF32(length: number): Float32Array {
  return backend?.residentF32(length)?.fill(0) ?? new Float32Array(length);
}

/** Free a resident array now (no-op for ordinary arrays). */
export function releaseResident(x: Real): void {
  backend?.release(x);
}

const f32 = Math.fround;

/** x += b (row by row; b: length d or null), then out = act(x) on n x d row-major matrices (out may be x), float64. */
export function biasActivation(act: LayerActivation, n: number, d: number, x: Float64Array, b: Float64Array | null, out: Float64Array): void {
  if (backend?.biasActivation(0, ACT_CODE[act], n, d, x, b, out)) return;
  biasActivationReference(act, n, d, x, b, out, false);
}

/** float32 version of biasActivation (every operation rounded to float32). */
export function biasActivationF32(act: LayerActivation, n: number, d: number, x: Float32Array, b: Float32Array | null, out: Float32Array): void {
  if (backend?.biasActivation(1, ACT_CODE[act], n, d, x, b, out)) return;
  biasActivationReference(act, n, d, x, b, out, true);
}

/** The TypeScript loops of biasActivation (single rounds each operation to float32: Math.fround). */
export function biasActivationReference(act: LayerActivation, n: number, d: number, x: Real, b: Real | null, out: Real, single: boolean): void {
  const r = single ? f32 : (v: number) => v;
  for (let i = 0; i < n * d; i += d) {
    for (let j = 0; j < d; j++) {
      const v = b ? (x[i + j] = r(x[i + j] + b[j])) : x[i + j];
      out[i + j] = act === 'tanh' ? r(Math.tanh(v)) : act === 'relu' ? (v > 0 ? v : 0) : v;
    }
  }
}

/**
 * delta *= act'(pre) on n x d matrices (tanh' = 1 - out^2 from the stored output, relu' = [pre > 0]) and,
 * when gb is given, gb[j] = sum_i delta[i, j] (float64 sums over the rows in order), float64.
 */
export function activationBackward(
  act: LayerActivation,
  n: number,
  d: number,
  pre: Float64Array,
  out: Float64Array,
  delta: Float64Array,
  gb: Float64Array | null,
): void {
  if (backend?.activationBackward(0, ACT_CODE[act], n, d, pre, out, delta, gb)) return;
  activationBackwardReference(act, n, d, pre, out, delta, gb, false);
}

/** float32 version of activationBackward (products rounded to float32; gb still summed in float64). */
export function activationBackwardF32(
  act: LayerActivation,
  n: number,
  d: number,
  pre: Float32Array,
  out: Float32Array,
  delta: Float32Array,
  gb: Float64Array | null,
): void {
  if (backend?.activationBackward(1, ACT_CODE[act], n, d, pre, out, delta, gb)) return;
  activationBackwardReference(act, n, d, pre, out, delta, gb, true);
}

/** The TypeScript loops of activationBackward. */
export function activationBackwardReference(
  act: LayerActivation,
  n: number,
  d: number,
  pre: Real,
  out: Real,
  delta: Real,
  gb: Float64Array | null,
  single: boolean,
): void {
  const r = single ? f32 : (v: number) => v;
  if (gb) gb.fill(0, 0, d);
  for (let i = 0; i < n * d; i += d) {
    for (let j = 0; j < d; j++) {
      if (act === 'tanh') {
        const t = out[i + j];
        delta[i + j] = r(delta[i + j] * r(1 - r(t * t)));
      } else if (act === 'relu' && !(pre[i + j] > 0)) delta[i + j] = 0;
      if (gb) gb[j] += delta[i + j];
    }
  }
}

/**
 * One SGD step with momentum (PyTorch's rule) in float32 on p, with gradient g and velocity v, weight decay
 * lam2 = 2 lambda: g' = g + lam2 p; v = first ? g' : mu v + g'; p -= lr (nesterov ? g' + mu v : v).
 */
export function sgdStepF32(
  p: Float32Array,
  g: Float32Array,
  v: Float32Array,
  lr: number,
  mu: number,
  lam2: number,
  first: boolean,
  nesterov: boolean,
): void {
  if (g.length !== p.length || v.length !== p.length) throw new RangeError(`sgdStepF32: lengths ${p.length}, ${g.length}, ${v.length} differ`);
  if (backend?.sgdStepF32(p, g, v, lr, mu, lam2, first, nesterov)) return;
  sgdStepF32Reference(p, g, v, lr, mu, lam2, first, nesterov);
}

/** The TypeScript loop of sgdStepF32 (every operation rounded to float32). */
export function sgdStepF32Reference(
  p: Float32Array,
  g: Float32Array,
  v: Float32Array,
  lr: number,
  mu: number,
  lam2: number,
  first: boolean,
  nesterov: boolean,
): void {
  lr = f32(lr);
  mu = f32(mu);
  lam2 = f32(lam2);
  for (let i = 0; i < p.length; i++) {
    const gi = lam2 !== 0 ? f32(g[i] + f32(lam2 * p[i])) : g[i];
    const vi = first ? gi : f32(f32(mu * v[i]) + gi);
    v[i] = vi;
    p[i] = f32(p[i] - f32(lr * (nesterov ? f32(gi + f32(mu * vi)) : vi)));
  }
}

/** Whether every entry is finite (a SIMD pass when x is resident). */
export function allFiniteF32(x: Float32Array): boolean {
  const fast = backend?.allFiniteF32(x);
  if (fast !== undefined) return fast;
  for (let i = 0; i < x.length; i++) if (!Number.isFinite(x[i])) return false;
  return true;
}

/**
 * Squared loss sum_i w_i sum_j (out_ij - y_ij)^2 on n x c row-major matrices (the data term of NRC Eq. 3 with
 * w_i = 1/N or a sample weight) and, when delta is given, its gradient delta_ij = 2 w_i (out_ij - y_ij). out and
 * delta are float64 or float32 (r = out - y is formed in float64; a float32 delta receives it rounded). Each row's
 * sum runs over the columns in order and the rows are added in order, so every path and thread count gives the
 * same bits; the SIMD kernels run when out, y and delta are resident.
 */
export function squaredLoss(n: number, c: number, out: Real, y: Float64Array, w: Float64Array, delta: Real | null): number {
  const sums = new Float64Array(n);
  const op = out instanceof Float32Array ? 1 : 0;
  const oneType = delta === null || delta instanceof Float32Array === (op === 1); // the kernels take out and delta of one dtype
  if (oneType && backend?.squaredLossRows(op, n, c, out, y, w, delta, sums)) {
    let total = 0;
    for (let i = 0; i < n; i++) total += w[i] * sums[i];
    return total;
  }
  return squaredLossReference(n, c, out, y, w, delta);
}

/** The TypeScript loop of squaredLoss. */
export function squaredLossReference(n: number, c: number, out: Real, y: Float64Array, w: Float64Array, delta: Real | null): number {
  let total = 0;
  for (let i = 0; i < n; i++) {
    const off = i * c,
      w2 = 2 * w[i];
    let s = 0;
    for (let j = 0; j < c; j++) {
      const r = out[off + j] - y[off + j];
      s += r * r;
      if (delta) delta[off + j] = w2 * r;
    }
    total += w[i] * s;
  }
  return total;
}
