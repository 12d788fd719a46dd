// Stage timings of one Deep RFM layer on 5000 digits (the bench's deep_rfm_layer_n5000 workload), 2 threads:
// `node src/bin/run-ts.js test/bench/rfm-stages.ts [f32|f64]` (the AGOP's W'W precision; f32 is deepRfm's default).
import { performance } from 'node:perf_hooks';
import { gemm, setThreads, sqrtPSD } from '../../src/linalg/index.ts';
import { Rng } from '../../src/random/index.ts';
import { mnistSubset } from '../../src/data/mnist.ts';
import { normalizeRows, oneHot } from '../../src/data/dataset.ts';
import { kernelAgop, normalizeByMaxEntry } from '../../src/kernels/agop.ts';
import { randomFeatureMap } from '../../src/kernels/features.ts';
import { kernelFromSquaredDistances, squaredDistances } from '../../src/kernels/kernel.ts';
import { krrSolve } from '../../src/kernels/krr.ts';

setThreads(2);
const precision = process.argv[2] === 'f64' ? 'f64' : 'f32';
const train = mnistSubset(5000, new Rng('bench-rfm-data'));
const Y = oneHot(train.labels, train.classes, { on: 1, off: -1 });
const times: Record<string, number> = {};
const cpu: Record<string, number> = {};
let t = performance.now(),
  c = process.cpuUsage();
/** Wall and CPU seconds (all threads) of the stage that ends here. */
const lap = (name: string): void => {
  const n = performance.now(),
    u = process.cpuUsage(c);
  times[name] = (n - t) / 1000;
  cpu[name] = (u.user + u.system) / 1e6;
  t = n;
  c = process.cpuUsage();
};
const Xn = normalizeRows(train.X);
const spec = { name: 'laplace' as const, bandwidth: 2 };
const D2 = squaredDistances(Xn, Xn);
const K = kernelFromSquaredDistances(D2, spec.name, spec.bandwidth);
lap('kernel');
const sol = krrSolve(K, Y, 1e-3);
gemm(K, sol.alpha);
lap('solve');
const M = normalizeByMaxEntry(kernelAgop(Xn, Xn, sol.alpha, spec, { squaredDistances: D2, kernelMatrix: K, precision }));
lap('agop');
const Mh = sqrtPSD(M);
lap('sqrt');
const phi = randomFeatureMap('relu', Mh.cols, 1024, new Rng('bench-rfm').child('layer-1'), 1);
phi.apply(gemm(Xn, Mh));
lap('features');
const round = (r: Record<string, number>) =>
  Object.fromEntries([...Object.entries(r), ['total', Object.values(r).reduce((a, b) => a + b, 0)]].map(([k, v]) => [k, +(+v).toFixed(2)]));
console.log(JSON.stringify({ precision, wall: round(times), cpu: round(cpu) }));
