// Deep Recursive Feature Machine (AGOP paper, Algorithm 1): per layer normalise, kernel ridge regression,
// AGOP M_l, X_{l+1} = Phi_l(M_l^{1/2} X_l); a final KRR readout on X_{L+1}. Samples are rows, so
// M^{1/2} x for every sample is the product X M^{1/2} (M symmetric).
import { Matrix, gemm, releaseMatrix, residentMatrix, sqrtPSD } from '../linalg/index.ts';
import { type Checkpoints, type State, checkStop, noCheckpoints } from '../linalg/interrupt.ts';
import type { Rng } from '../random/index.ts';
import { type Dataset, normalizeRows, oneHot } from '../data/dataset.ts';
import { kernelAgop, normalizeByMaxEntry } from './agop.ts';
import { type FeatureMapName, randomFeatureMap } from './features.ts';
import { type KernelName, type KernelSpec, kernelFromSquaredDistances, kernelMatrix, squaredDistances } from './kernel.ts';
import { accuracy, krrSolve } from './krr.ts';

export interface DeepRfmOptions {
  /** Number of AGOP + feature layers L (paper: 18, then the readout). */
  depth: number;
  kernel: KernelName;
  /** Kernel bandwidth L (paper: 2.0). */
  bandwidth: number;
  /** KRR ridge mu (paper says 0; the authors' runs effectively used 1e-3). */
  ridge: number;
  featureMap: FeatureMapName;
  /** Random-feature width D (paper: 1024 ReLU, 4096 cosine). */
  width: number;
  /** Bandwidth s of cosine random features (paper: 0.05 for l1-Laplace features); ignored by ReLU maps. */
  featureBandwidth?: number;
  /**
   * 'max' (default): M_l divided by its largest absolute entry, as the authors' reference code does.
   * With ReLU features (positively homogeneous) followed by row normalisation this changes nothing;
   * with cosine features it fixes the scale the feature bandwidth acts on. 'none': M_l as defined,
   * (1/N) sum_i J_i' J_i (Sec. 3.3; Algorithm 1 writes the sum without 1/N).
   */
  agopNormalization?: 'max' | 'none';
  /**
   * Precision of the AGOP's W'W product (`kernelAgop`'s `precision`): 'f32' (default) float32 products over
   * 1024-row chunks summed in float64, about 2x faster with the AGOP within 1e-5 relative of 'f64' (all float64).
   */
  agopPrecision?: 'f64' | 'f32';
  /** One-hot target values (App. C: +1 in the class, -1 outside). */
  targetOn?: number;
  targetOff?: number;
  signal?: AbortSignal;
  /** Checkpoint hooks: the start of every layer is a consistent point (its input features are saved). */
  checkpoint?: Checkpoints;
  /** Progress inside the run (fraction in [0, 1]). */
  onProgress?: (fraction: number, message: string) => void;
}

export interface DeepRfmLayer {
  /** 1..L for AGOP layers, L + 1 for the readout. */
  layer: number;
  /** X_l after row normalisation (what the kernel sees). */
  input: Matrix;
  /** M_l^{1/2} X_l (undefined for the readout). */
  agop?: Matrix;
  /** Phi_l(M_l^{1/2} X_l) = X_{l+1} before its normalisation (undefined for the readout). */
  features?: Matrix;
  /** The same stages for the test samples (when a test set is given). */
  testInput?: Matrix;
  testAgop?: Matrix;
  /** M_l (after the chosen normalisation). */
  M?: Matrix;
  /** KRR at this layer: accuracy on its training data and on the test set (NaN without one). */
  trainAccuracy: number;
  testAccuracy: number;
  /**
   * Test accuracy of KRR refitted with the Mahalanobis kernel k_M(x, z) = k(||x - z||_M), ||v||_M^2 = v' M_l v, on
   * X_l (the authors' per-layer report; = KRR on M_l^{1/2} X_l); NaN for the readout or without a test set.
   */
  refitTestAccuracy: number;
  krrMethod: string;
}

/**
 * Run Deep RFM on a training set (and carry a test set through the same maps). Calls `onLayer` for
 * each layer as soon as it is done, so callers can measure and drop the matrices.
 */
export function deepRfm(train: Dataset, test: Dataset | undefined, opts: DeepRfmOptions, rng: Rng, onLayer: (layer: DeepRfmLayer) => void): void {
  const Y = oneHot(train.labels, train.classes, { on: opts.targetOn ?? 1, off: opts.targetOff ?? -1 });
  const ck = (opts.checkpoint ?? noCheckpoints).loop('deep-rfm');
  if (ck.restored?.done) return;
  const saved = ck.restored?.state as { l: number; X: Float64Array; cols: number; T: Float64Array | null; testCols: number } | undefined;
  let X = saved ? new Matrix(train.X.rows, saved.cols, saved.X) : train.X;
  let T = saved ? (saved.T && test ? new Matrix(test.X.rows, saved.testCols, saved.T) : undefined) : test?.X;
  const L = opts.depth;
  for (let l = saved ? saved.l : 1; l <= L + 1; l++) {
    const at: Record<string, State> = { l, X: X.data, cols: X.cols, T: T ? T.data : null, testCols: T ? T.cols : 0 };
    ck.point(() => at);
    checkStop();
    if (opts.signal?.aborted) throw new Error('deepRfm: aborted');
    const Xn = normalizeRows(X);
    const Tn = T ? normalizeRows(T) : undefined;
    const spec: KernelSpec = { name: opts.kernel, bandwidth: opts.bandwidth };
    // D2 and k(X, X) (N x N, dead after the AGOP) live in wasm memory: the products read them in place
    const N = Xn.rows;
    const D2 = squaredDistances(Xn, Xn, undefined, residentMatrix(N, N));
    const Kxx = kernelFromSquaredDistances(D2, spec.name, spec.bandwidth, residentMatrix(N, N));
    const sol = krrSolve(Kxx, Y, opts.ridge);
    const trainAccuracy = accuracy(gemm(Kxx, sol.alpha), train.labels);
    const testAccuracy = Tn && test ? accuracy(gemm(kernelMatrix(Tn, Xn, spec), sol.alpha), test.labels) : NaN;
    if (l === L + 1) {
      releaseMatrix(D2);
      releaseMatrix(Kxx);
      onLayer({ layer: l, input: Xn, testInput: Tn, trainAccuracy, testAccuracy, refitTestAccuracy: NaN, krrMethod: sol.method });
      opts.onProgress?.(1, `readout: train acc ${trainAccuracy.toFixed(3)}`);
      ck.finish({ l });
      break;
    }
    opts.onProgress?.((l - 0.5) / (L + 1), `layer ${l}: AGOP`);
    let M = kernelAgop(Xn, Xn, sol.alpha, spec, {
      squaredDistances: D2,
      kernelMatrix: Kxx,
      precision: opts.agopPrecision ?? 'f32',
      onBatch: () => {
        checkStop();
        return opts.signal?.aborted === true;
      },
    });
    releaseMatrix(D2);
    releaseMatrix(Kxx);
    if ((opts.agopNormalization ?? 'max') === 'max') M = normalizeByMaxEntry(M);
    const Mh = sqrtPSD(M); // M_l^{1/2} (Algorithm 1)
    const Xt = gemm(Xn, Mh);
    const Tt = Tn ? gemm(Tn, Mh) : undefined;
    // refit with k_M: ||x - z||_M = ||M^{1/2} x - M^{1/2} z||, so the kernel of the agop stage (AGOP paper, Sec. 3.3)
    let refitTestAccuracy = NaN;
    if (Tt && test) {
      const solM = krrSolve(kernelFromSquaredDistances(squaredDistances(Xt, Xt), spec.name, spec.bandwidth), Y, opts.ridge);
      refitTestAccuracy = accuracy(gemm(kernelMatrix(Tt, Xt, spec), solM.alpha), test.labels);
    }
    const phi = randomFeatureMap(opts.featureMap, Xt.cols, opts.width, rng.child(`layer-${l}`), opts.featureBandwidth ?? 1);
    const Xnext = phi.apply(Xt);
    const Tnext = Tt ? phi.apply(Tt) : undefined;
    onLayer({
      layer: l,
      input: Xn,
      agop: Xt,
      features: Xnext,
      testInput: Tn,
      testAgop: Tt,
      M,
      trainAccuracy,
      testAccuracy,
      refitTestAccuracy,
      krrMethod: sol.method,
    });
    opts.onProgress?.(l / (L + 1), `layer ${l} done`);
    X = Xnext;
    T = Tnext;
  }
}
