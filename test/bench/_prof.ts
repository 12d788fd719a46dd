import { MLP } from '../../src/nn/mlp.ts';
import { train } from '../../src/nn/train.ts';
import { Rng } from '../../src/random/index.ts';
import { mnistDataset } from '../../src/data/mnist.ts';
import { setLayerBackend } from '../../src/linalg/layers.ts';
import { wasmStats, resetWasmStats, setWasmTiming } from '../../src/linalg/fast.ts';
const data = mnistDataset();
const dtype = (process.argv[2] ?? 'f64') as 'f64' | 'f32';
if (process.argv[3] === 'ts') setLayerBackend(undefined);
for (let r = 0; r < 2; r++) {
  const rng = new Rng('bench-mlp');
  const model = new MLP({ widths: [784, 512, 512, 512, 512, 512, 10], activation: 'relu', bias: false, dtype }, rng.child('model'));
  setWasmTiming(true); resetWasmStats();
  const t0 = performance.now();
  train(model, data.X, data.labels, { loss: 'mse', optimizer: { kind: 'sgd', lr: 0.05, momentum: 0.9, batchSize: 128 }, maxIters: 1, rng: rng.child('sgd'), fullGradient: false });
  console.log(dtype, process.argv[3] ?? 'wasm', ((performance.now() - t0) / 1000).toFixed(3), 's', JSON.stringify(wasmStats));
}
