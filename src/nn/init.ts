// Weight initialisations: PyTorch default, Gaussian, and "init scale" (AGOP paper, App. C).
import type { Rng } from '../random/index.ts';
import type { LayerViews } from './params.ts';

export type InitSpec =
  /** PyTorch nn.Linear default: W and b uniform on +-1/sqrt(fan_in). */
  | { kind: 'pytorch' }
  /** W entries N(0, std^2); biases N(0, biasStd^2) (default 0). */
  | { kind: 'gaussian'; std: number; biasStd?: number }
  /** PyTorch default times a factor (AGOP paper App. C: "init scale 0.2"). */
  | { kind: 'scaled'; scale: number };

export function initializeLayers(layers: LayerViews[], init: InitSpec, rng: Rng): void {
  layers.forEach((layer, l) => {
    const r = rng.child(`layer${l}`);
    const fanIn = layer.W.cols;
    const W = layer.W.data;
    if (init.kind === 'gaussian') {
      for (let i = 0; i < W.length; i++) W[i] = init.std * r.normal();
      if (layer.b) for (let i = 0; i < layer.b.length; i++) layer.b[i] = (init.biasStd ?? 0) * r.normal();
    } else {
      const bound = (init.kind === 'scaled' ? init.scale : 1) / Math.sqrt(fanIn);
      for (let i = 0; i < W.length; i++) W[i] = r.uniformIn(-bound, bound);
      if (layer.b) for (let i = 0; i < layer.b.length; i++) layer.b[i] = r.uniformIn(-bound, bound);
    }
    if (layer.gamma) layer.gamma.fill(1);
    if (layer.beta) layer.beta.fill(0);
  });
}
