// Flat parameter vector of an MLP: every W_l, b_l (and batchnorm gamma, beta) is a view into one Float64Array.
import { Matrix } from '../linalg/index.ts';

/** Offsets of one layer's parameters inside the flat vector. */
export interface LayerOffsets {
  W: number;
  b: number; // -1 when the layer has no bias
  gamma: number; // -1 when no batchnorm
  beta: number; // -1 when no batchnorm
  end: number;
}

/** Per-layer matrix/vector views into a flat buffer with the layout of a model. */
export interface LayerViews {
  W: Matrix; // out x in
  b: Float64Array | null;
  gamma: Float64Array | null;
  beta: Float64Array | null;
}

export function layerLayout(
  widths: readonly number[],
  bias: readonly boolean[],
  batchnorm: readonly boolean[],
): { offsets: LayerOffsets[]; size: number } {
  const offsets: LayerOffsets[] = [];
  let p = 0;
  for (let l = 0; l + 1 < widths.length; l++) {
    const din = widths[l];
    const dout = widths[l + 1];
    const W = p;
    p += din * dout;
    const b = bias[l] ? p : -1;
    if (bias[l]) p += dout;
    const gamma = batchnorm[l] ? p : -1;
    if (batchnorm[l]) p += dout;
    const beta = batchnorm[l] ? p : -1;
    if (batchnorm[l]) p += dout;
    offsets.push({ W, b, gamma, beta, end: p });
  }
  return { offsets, size: p };
}

export function makeViews(buf: Float64Array, widths: readonly number[], offsets: readonly LayerOffsets[]): LayerViews[] {
  return offsets.map((o, l) => {
    const din = widths[l];
    const dout = widths[l + 1];
    return {
      W: new Matrix(dout, din, buf.subarray(o.W, o.W + dout * din)),
      b: o.b >= 0 ? buf.subarray(o.b, o.b + dout) : null,
      gamma: o.gamma >= 0 ? buf.subarray(o.gamma, o.gamma + dout) : null,
      beta: o.beta >= 0 ? buf.subarray(o.beta, o.beta + dout) : null,
    };
  });
}

export { dot as dotVec, norm2, sumSquares } from '../linalg/ops.ts';

export function allFinite(v: ArrayLike<number>): boolean {
  for (let i = 0; i < v.length; i++) if (!Number.isFinite(v[i])) return false;
  return true;
}
