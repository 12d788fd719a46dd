// Shared pieces of the perturbation-paper network experiments (Tirer et al. Sec. 5, App. E): a ReLU MLP with
// batchnorm as in App. E.1 (Linear + BN + ReLU hidden layers, linear classifier with or without bias), PyTorch's
// weight-decay convention mapped onto nn/'s lambda, and the NC metrics of the deepest features (Sec. 5, App. E.2).
import { Matrix } from '../linalg/index.ts';
import { collapseMetrics, globalMeanFromChoice, type GlobalMeanChoice } from '../metrics/index.ts';
import { type Dtype, MLP, type WeightDecay } from './index.ts';
import type { Rng } from '../random/index.ts';

export interface ClassifierMlpOptions {
  input: number;
  hidden: number[];
  classes: number;
  /** Batchnorm after every hidden linear map (App. E.1; ResNet18 in App. E.2 has batchnorm too). */
  batchnorm: boolean;
  /** Bias of the last (classification) layer; hidden layers always have biases (PyTorch nn.Linear default). */
  classifierBias: boolean;
  /** Precision of the matrix products (src/nn/precision.ts). */
  dtype?: Dtype;
}

/** input -> [Linear + (BN) + ReLU] x hidden -> Linear classifier, PyTorch default init (uniform +-1/sqrt(fan_in)). */
export function classifierMlp(o: ClassifierMlpOptions, rng: Rng): MLP {
  const L = o.hidden.length + 1;
  return new MLP(
    {
      widths: [o.input, ...o.hidden, o.classes],
      activation: 'relu',
      outputActivation: 'identity',
      bias: Array.from({ length: L }, (_, l) => (l === L - 1 ? o.classifierBias : true)),
      batchnorm: o.batchnorm,
      init: { kind: 'pytorch' },
      dtype: o.dtype ?? 'f64',
    },
    rng,
  );
}

/**
 * PyTorch `weight_decay=wd` adds wd * theta to the gradient, the gradient of (wd/2) ||theta||^2, so in NRC Eq. 3's
 * convention (lambda ||theta||^2 in the loss) lambda = wd / 2. `feature` covers every layer but the last (weights,
 * biases, batchnorm gamma/beta: lambda_H's analogue), `last` the classifier (lambda_W's analogue), Tirer et al. Sec. 5.
 */
export function pytorchWeightDecay(featureWd: number, lastWd: number): WeightDecay {
  return { feature: featureWd / 2, last: lastWd / 2, batchnorm: true };
}

/** Fraction of rows of `outputs` whose largest entry is at the label. */
export function accuracyOf(outputs: Matrix, labels: ArrayLike<number>): number {
  if (outputs.rows === 0) return NaN;
  const c = outputs.cols;
  let hit = 0;
  for (let i = 0; i < outputs.rows; i++) {
    let best = 0;
    for (let k = 1; k < c; k++) if (outputs.data[i * c + k] > outputs.data[i * c + best]) best = k;
    if (best === labels[i]) hit++;
  }
  return hit / outputs.rows;
}

/** Deepest features h(x) (input of the classifier, eval mode) and the network outputs, in one forward pass. */
export function deepestFeatures(model: MLP, X: Matrix): { features: Matrix; outputs: Matrix } {
  const L = model.depth;
  const res = model.forward(X, { mode: 'eval', record: true });
  return { features: res.layers![L - 1].input, outputs: res.output };
}

export interface DeepestCollapse {
  nc1: number;
  nc1Trace: number;
  nc2Etf: number;
  nc3: number;
  nc1PerClass: Float64Array;
}

/**
 * NC1 = (1/K) tr(Sigma_W Sigma_B^+), NC1~ = tr Sigma_W / tr Sigma_B (Eq. 3), NC2 and NC3 (Sec. 5, App. E.2) and the
 * per-class NC1^(k) (App. E.2) of features H (N x d) with the classifier W (K x d, out x in).
 */
export function deepestCollapse(features: Matrix, labels: ArrayLike<number>, classifier: Matrix, globalMean?: GlobalMeanChoice): DeepestCollapse {
  const m = collapseMetrics(features, labels, { classifier, globalMean: globalMeanFromChoice(globalMean) });
  return { nc1: m.nc1, nc1Trace: m.nc1Trace, nc2Etf: m.nc2Etf, nc3: m.nc3 ?? NaN, nc1PerClass: m.nc1PerClass };
}
