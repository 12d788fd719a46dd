// Elementwise activations of an MLP layer z_out = act(z_in W^T + b) (DESIGN.md, conventions).
export type Activation = 'tanh' | 'relu' | 'identity';

export const ACTIVATIONS: readonly Activation[] = ['tanh', 'relu', 'identity'];

/** out[i] = act(pre[i]); out may equal pre. */
export function applyActivation(act: Activation, pre: Float64Array, out: Float64Array): void {
  const n = pre.length;
  switch (act) {
    case 'tanh':
      for (let i = 0; i < n; i++) out[i] = Math.tanh(pre[i]);
      return;
    case 'relu':
      for (let i = 0; i < n; i++) {
        const v = pre[i];
        out[i] = v > 0 ? v : 0;
      }
      return;
    case 'identity':
      if (out !== pre) out.set(pre);
      return;
  }
}

/** delta[i] *= act'(pre[i]), using the stored output where cheaper (tanh' = 1 - out^2). */
export function multiplyActivationDerivative(act: Activation, pre: Float64Array, out: Float64Array, delta: Float64Array): void {
  const n = delta.length;
  switch (act) {
    case 'tanh':
      for (let i = 0; i < n; i++) {
        const t = out[i];
        delta[i] *= 1 - t * t;
      }
      return;
    case 'relu':
      for (let i = 0; i < n; i++) if (!(pre[i] > 0)) delta[i] = 0;
      return;
    case 'identity':
      return;
  }
}
