import { Matrix } from '../../src/linalg/matrix.ts';
import { Objective } from '../../src/nn/objective.ts';
import { MLP } from '../../src/nn/mlp.ts';
import { Rng } from '../../src/random/index.ts';
import { wasmStats, resetWasmStats, setWasmTiming } from '../../src/linalg/fast.ts';
const dtype = (process.argv[2] ?? 'f32') as 'f64' | 'f32';
const widths = [784, 400, 300, 400, 784], n = 10000;
const rng = new Rng('bench');
const X = new Matrix(n, widths[0], rng.normals(n * widths[0]));
const Y = new Matrix(n, widths[4], rng.normals(n * widths[4]));
const obj = new Objective(new MLP({ widths, activation: 'tanh', dtype }, rng.child('model')), X, Y, { loss: 'squared', weightDecay: 1e-3 });
const g = new Float64Array(obj.size);
obj.valueAndGrad(null, g);
for (let r = 0; r < 4; r++) {
  setWasmTiming(true); resetWasmStats();
  const t0 = performance.now();
  obj.valueAndGrad(null, g);
  console.log(dtype, ((performance.now() - t0) / 1000).toFixed(3), 's', JSON.stringify(wasmStats));
}
