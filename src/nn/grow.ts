// Growing an MLP: insert a freshly initialised hidden layer before the output layer, keeping every trained
// parameter and batchnorm running statistic (layer-wise training, Tirer et al. Sec. 5 / App. E.1).
import type { Rng } from '../random/index.ts';
import type { Activation } from './activations.ts';
import type { InitSpec } from './init.ts';
import { MLP } from './mlp.ts';

export interface NewLayerOptions {
  /** Activation of the new hidden layer (default: that of the last existing hidden layer, else 'relu'). */
  activation?: Activation;
  /** Bias on the new layer (default: as the last existing hidden layer, else true). */
  bias?: boolean;
  /** Batchnorm after the new layer's linear map (default: as the last existing hidden layer, else false). */
  batchnorm?: boolean;
  /** Initialisation of the new layer (default PyTorch nn.Linear). */
  init?: InitSpec;
}

/**
 * A new MLP with one hidden layer inserted just before the output layer: widths [d_0, ..., d_{L-1}, w, d_L]
 * with w = d_{L-1}, so the old output layer (d_L x d_{L-1}) is carried over unchanged and the new layer
 * maps d_{L-1} -> d_{L-1}. Layers 0..L-2 and the output layer are copied bit for bit (parameters and
 * running statistics); only the new layer is drawn from `rng`. The input model is not modified.
 */
export function insertHiddenLayer(model: MLP, rng: Rng, opts: NewLayerOptions = {}): MLP {
  const L = model.depth;
  const w = model.widths[L - 1];
  const hasHidden = L >= 2;
  const activation = opts.activation ?? (hasHidden ? model.activations[L - 2] : 'relu');
  const bias = opts.bias ?? (hasHidden ? model.bias[L - 2] : true);
  const batchnorm = opts.batchnorm ?? (hasHidden ? model.batchnorm[L - 2] : false);
  const widths = [...model.widths.slice(0, L), w, model.widths[L]];
  const grown = new MLP(
    {
      widths,
      activation: [...model.activations.slice(0, L - 1), activation, model.activations[L - 1]],
      bias: [...model.bias.slice(0, L - 1), bias, model.bias[L - 1]],
      batchnorm: [...model.batchnorm.slice(0, L - 1), batchnorm, model.batchnorm[L - 1]],
      init: opts.init ?? { kind: 'pytorch' },
      bnMomentum: model.bnMomentum,
      bnEps: model.bnEps,
      dtype: model.dtype,
    },
    rng,
  );
  const copyLayer = (from: number, to: number) => {
    const a = model.offsets[from];
    const b = grown.offsets[to];
    if (a.end - a.W !== b.end - b.W) throw new Error(`insertHiddenLayer: layer ${from} and ${to} have different layouts`);
    grown.params.set(model.params.subarray(a.W, a.end), b.W);
    const s = model.bnState[from];
    const t = grown.bnState[to];
    if (s && t) {
      t.runningMean.set(s.runningMean);
      t.runningVar.set(s.runningVar);
    }
  };
  for (let l = 0; l < L - 1; l++) copyLayer(l, l);
  copyLayer(L - 1, L);
  return grown;
}
