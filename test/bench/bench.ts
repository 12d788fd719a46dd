// nrc benchmarks: `npm run bench` (table) or `npm run -s bench -- --json` (one JSON object per
// line: {"name", "gflops", "seconds", ...}). Optional filter: `npm run bench -- gemm_f64`.
// Each benchmark is one entry in BENCHES below: a name, a nominal flop count (or null), the
// timed function, and optional baselines (the plain TypeScript kernel, ml-matrix) measured in
// the same run; ratios are baseline seconds / our seconds (higher is better). When a python3 with
// numpy is on the machine (any; on Debian: apt-get install python3-numpy libopenblas0-pthread), the same
// operations are timed in numpy side by side (test/bench/numpy-reference.py) and a `vs numpy`
// column is added; --no-numpy skips it. Likewise, when /usr/bin/python3 (or python3) can import torch,
// test/bench/torch-reference.py times the same names in PyTorch (CPU) and a `vs torch` column is added;
// --no-torch skips it. `npm run bench:deps` (scripts/bench-deps.sh, Debian, root) installs both baselines.
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Matrix as MlMatrix, CholeskyDecomposition, SingularValueDecomposition } from 'ml-matrix';
import { Matrix } from '../../src/linalg/matrix.ts';
import { getEngine } from '../../src/linalg/wasm/engine.ts';
import { gemmTypeScript, gemmF32 } from '../../src/linalg/gemm.ts';
import {
  gemmWasm,
  enableFastGemm,
  disableFastGemm,
  fastGemmStatus,
  setThreads,
  getThreads,
  wasmStats,
  resetWasmStats,
  setWasmTiming,
} from '../../src/linalg/fast.ts';
import * as linalg from '../../src/linalg/index.ts';
import { Objective } from '../../src/nn/objective.ts';
import { MLP } from '../../src/nn/mlp.ts';
import { train } from '../../src/nn/train.ts';
import { Rng } from '../../src/random/index.ts';
import { mnistDataset, mnistSubset } from '../../src/data/mnist.ts';
import { deepRfm } from '../../src/kernels/deep-rfm.ts';
import { analyzeFeatures } from '../../src/commands/analyze.ts';

const args = process.argv.slice(2);
const json = args.includes('--json');
const filters = args.filter((a) => !a.startsWith('--'));

// ---- helpers -------------------------------------------------------------------------------
let seed = 42;
function rand(n: number): Float64Array {
  const a = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    seed = (seed * 16807) % 2147483647;
    a[i] = seed / 2147483647 - 0.5;
  }
  return a;
}
const cache = new Map<string, unknown>();
function memo<T>(key: string, make: () => T): T {
  if (!cache.has(key)) cache.set(key, make());
  return cache.get(key) as T;
}
const randMatrix = (m: number, n: number) => memo(`M${m}x${n}`, () => new Matrix(m, n, rand(m * n)));
const randF32 = (n: number) => memo(`F${n}`, () => Float32Array.from(rand(n)));
const toMl = (A: Matrix) =>
  memo(`ml:${A.rows}x${A.cols}`, () => {
    const rows: number[][] = [];
    for (let i = 0; i < A.rows; i++) rows.push(Array.from(A.row(i)));
    return new MlMatrix(rows);
  });
function spd(n: number): Matrix {
  return memo(`spd${n}`, () => {
    const X = randMatrix(n, n);
    const S = gemmWithKernel(true, X, X);
    for (let i = 0; i < n; i++) S.data[i * n + i] += n;
    return S;
  });
}
function gemmWithKernel(fast: boolean, A: Matrix, B: Matrix): Matrix {
  const C = new Matrix(A.cols, B.cols);
  (fast ? gemmWasm : gemmTypeScript)(A.cols, B.cols, A.rows, 1, A.data, true, B.data, false, 0, C.data);
  return C;
}
/** Run fn after one warm-up until maxReps runs or minSeconds elapsed; best time in seconds. */
function time(fn: () => void, opts: { warmup?: boolean; minSeconds?: number; maxReps?: number } = {}): number {
  if (opts.warmup ?? true) fn();
  const minS = opts.minSeconds ?? 0.6,
    maxReps = opts.maxReps ?? 5;
  let best = Infinity,
    total = 0,
    reps = 0;
  while (reps < maxReps && (reps === 0 || total < minS)) {
    const t0 = performance.now();
    fn();
    const s = (performance.now() - t0) / 1000;
    best = Math.min(best, s);
    total += s;
    reps++;
  }
  return best;
}
function isNotImplemented(e: unknown): boolean {
  return /not implemented/i.test(String((e as Error)?.message ?? e));
}

// ---- the list ------------------------------------------------------------------------------
interface Baseline {
  /** Time one run of the baseline (seconds), or undefined to skip. */
  seconds: () => number | undefined;
  /** When the baseline runs a different size, the flops it did (ratio is then by GFLOP/s). */
  flops?: number;
  note?: string;
}
interface Bench {
  name: string;
  flops: number | null;
  threads?: number;
  run: () => void;
  setup?: () => void;
  ts?: Baseline;
  mlmatrix?: Baseline;
  extra?: () => Record<string, unknown>;
  /** Run only when a filter argument names it (keeps the default `npm run bench` within ~3 minutes). */
  optIn?: boolean;
  timing?: { warmup?: boolean; minSeconds?: number; maxReps?: number };
}

const BENCHES: Bench[] = [];

// GEMM float64 / float32 at the two hot sizes, 1 and 2 threads.
const GEMM_SIZES: [number, number, number][] = [
  [2000, 784, 400],
  [10000, 784, 400],
];
const tsRate = new Map<string, number>();
for (const [m, k, n] of GEMM_SIZES) {
  const flops = 2 * m * n * k;
  for (const dtype of ['f64', 'f32'] as const) {
    for (const t of [1, 2]) {
      const key = `${m}x${k}x${n}`;
      BENCHES.push({
        name: `gemm_${dtype}_${key}_t${t}`,
        flops,
        threads: t,
        run:
          dtype === 'f64'
            ? () => {
                const A = randMatrix(m, k),
                  B = randMatrix(k, n);
                const C = memo(`C${m}x${n}`, () => new Float64Array(m * n));
                gemmWasm(m, n, k, 1, A.data, false, B.data, false, 0, C);
              }
            : () => {
                const a = randF32(m * k),
                  b = randF32(k * n);
                const c = memo(`c32${m}x${n}`, () => new Float32Array(m * n));
                gemmF32(m, n, k, 1, a, false, b, false, 0, c);
              },
        ts: {
          // the TypeScript kernel is single-threaded; timed once per size (f64) and reused
          seconds: () => {
            if (!tsRate.has(key)) {
              const A = randMatrix(m, k),
                B = randMatrix(k, n),
                C = new Float64Array(m * n);
              tsRate.set(
                key,
                time(() => gemmTypeScript(m, n, k, 1, A.data, false, B.data, false, 0, C), { warmup: m <= 2000, maxReps: 1 }),
              );
            }
            return tsRate.get(key);
          },
          note: 'TypeScript kernel, float64, 1 thread',
        },
        mlmatrix: {
          // ml-matrix runs ~1 GFLOP/s: timed at 1000 rows, compared by GFLOP/s
          seconds: () =>
            memo('mlgemm', () => {
              const A = toMl(randMatrix(1000, k)),
                B = toMl(randMatrix(k, n));
              return time(() => A.mmul(B), { maxReps: 1 });
            }),
          flops: 2 * 1000 * n * k,
          note: 'ml-matrix mmul (float64, 1 thread) at 1000x784x400, ratio by GFLOP/s',
        },
        extra: () => {
          // copy cost of the JS <-> wasm memory round trip at this size (on 2 threads the calling thread's copies
          // overlap the worker's compute: the share of the calling thread's time, not time added to the product)
          setWasmTiming(true);
          resetWasmStats();
          if (dtype === 'f64') {
            const A = randMatrix(m, k),
              B = randMatrix(k, n),
              C = new Float64Array(m * n);
            gemmWasm(m, n, k, 1, A.data, false, B.data, false, 0, C);
          } else gemmF32(m, n, k, 1, randF32(m * k), false, randF32(k * n), false, 0, new Float32Array(m * n));
          setWasmTiming(false);
          const tot = wasmStats.copyInSeconds + wasmStats.copyOutSeconds + wasmStats.computeSeconds;
          return {
            copy_in_s: +wasmStats.copyInSeconds.toFixed(5),
            copy_out_s: +wasmStats.copyOutSeconds.toFixed(5),
            copy_fraction: +((wasmStats.copyInSeconds + wasmStats.copyOutSeconds) / tot).toFixed(4),
            // pipelined products: the share of the row blocks the calling thread computed (it also does the copies)
            ...(wasmStats.blocks > 0 && t > 1 ? { main_block_share: +(wasmStats.mainBlocks / wasmStats.blocks).toFixed(3) } : {}),
          };
        },
      });
    }
  }
}

// The same products on operands resident in wasm memory (src/linalg/resident.ts), as the MLP's steps and the
// Deep RFM layer hold them: no copy between JavaScript arrays and wasm memory, the kernel and the threads alone.
for (const [m, k, n] of GEMM_SIZES) {
  for (const dtype of ['f64', 'f32'] as const) {
    for (const t of [1, 2]) {
      const key = `${m}x${k}x${n}`;
      const operands = () =>
        memo(`resident_${dtype}_${key}`, () => {
          const res = dtype === 'f64' ? linalg.residentF64 : linalg.residentF32;
          const a = res(m * k),
            b = res(k * n);
          a.set(randMatrix(m, k).data);
          b.set(randMatrix(k, n).data);
          return { a, b, c: res(m * n) };
        });
      BENCHES.push({
        name: `gemm_${dtype}_${key}_resident_t${t}`,
        flops: 2 * m * n * k,
        threads: t,
        setup: () => {
          operands();
        },
        run: () => {
          const { a, b, c } = operands();
          if (dtype === 'f64') gemmWasm(m, n, k, 1, a as Float64Array, false, b as Float64Array, false, 0, c as Float64Array);
          else gemmF32(m, n, k, 1, a as Float32Array, false, b as Float32Array, false, 0, c as Float32Array);
        },
      });
    }
  }
}

// SVD (the linalg engineer's functions; cost should be dominated by GEMM).
function svdEntry(name: string, m: number, n: number, valuesOnly: boolean, baselines: boolean): Bench {
  const run = () => {
    const A = randMatrix(m, n);
    if (valuesOnly) linalg.singularValues(A);
    else linalg.svd(A);
  };
  return {
    name,
    flops: null,
    run,
    // large ones: a single cold run, no baselines (keeps `npm run bench` within ~2 minutes)
    timing: baselines ? { maxReps: 3 } : { warmup: false, maxReps: 1 },
    ts: !baselines
      ? undefined
      : {
          seconds: () => {
            disableFastGemm();
            try {
              return time(run, { warmup: false, maxReps: 1 });
            } finally {
              enableFastGemm();
            }
          },
          note: 'same function, TypeScript GEMM',
        },
    mlmatrix: baselines
      ? {
          seconds: () => {
            const A = toMl(randMatrix(m, n));
            return time(
              () =>
                new SingularValueDecomposition(A, {
                  computeLeftSingularVectors: !valuesOnly,
                  computeRightSingularVectors: !valuesOnly,
                  autoTranspose: true,
                }),
              { warmup: false, maxReps: 1 },
            );
          },
          note: 'ml-matrix SingularValueDecomposition',
        }
      : undefined,
  };
}
BENCHES.push(
  svdEntry('svd_values_784x400', 784, 400, true, true),
  svdEntry('svd_thin_784x400', 784, 400, false, true),
  svdEntry('svd_values_1000x1000', 1000, 1000, true, false),
  svdEntry('svd_thin_1000x1000', 1000, 1000, false, false),
);

// Symmetric eigendecomposition with vectors, n = 200, 500, 1000 (tridiagonalisation, divide and conquer,
// back-transformation).
for (const n of [200, 500, 1000]) {
  const sym = () =>
    memo(`sym${n}`, () => {
      const E = randMatrix(n, n);
      return linalg.add(E, linalg.transpose(E));
    });
  const run = () => {
    linalg.eigSym(sym());
  };
  BENCHES.push({
    name: `eig_sym_${n}`,
    flops: null,
    run,
    setup: () => {
      sym();
    },
    timing: n < 1000 ? { maxReps: 5 } : { maxReps: 2, minSeconds: 0 },
    ts: {
      seconds: () => {
        disableFastGemm();
        try {
          return time(run, { warmup: false, maxReps: 1 });
        } finally {
          enableFastGemm();
        }
      },
      note: 'same function, TypeScript kernels',
    },
  });
}

// Cholesky 4000 (blocked around GEMM).
{
  const n = 4000;
  const run = () => {
    linalg.cholesky(spd(n));
  };
  BENCHES.push({
    name: `cholesky_f64_${n}`,
    flops: n ** 3 / 3,
    run,
    timing: { maxReps: 2, minSeconds: 0 },
    setup: () => {
      spd(n);
    },
    ts: {
      seconds: () => {
        disableFastGemm();
        try {
          return time(run, { warmup: false, maxReps: 1 });
        } finally {
          enableFastGemm();
        }
      },
      note: 'same function, TypeScript GEMM',
    },
    mlmatrix: {
      seconds: () => {
        const A = toMl(spd(1000));
        return time(() => new CholeskyDecomposition(A), { warmup: false, maxReps: 1 });
      },
      flops: 1000 ** 3 / 3,
      note: 'ml-matrix CholeskyDecomposition at n=1000, ratio by GFLOP/s',
    },
  });
}

// Training and Deep RFM workloads, float64, 1 and 2 threads. Single timed runs after one warm-up
// (they take seconds each); times are noisy on a shared machine.
{
  // One full-batch loss + gradient of the paper's autoencoder 784-400-300-400-784 (tanh) on N = 10000,
  // float64 and float32 products (MLP dtype, src/nn/precision.ts).
  for (const dtype of ['f64', 'f32'] as const) {
    for (const t of [1, 2]) {
      const widths = [784, 400, 300, 400, 784],
        n = 10000;
      let flops = 0;
      for (let l = 0; l + 1 < widths.length; l++) flops += 3 * 2 * n * widths[l] * widths[l + 1]; // forward + two backward GEMMs
      // Same set-up as src/nn/bench.ts secondsPerGradientStep (random X, Y; squared loss; weight decay 1e-3), built once.
      const step = () =>
        memo(`ae_step_${dtype}`, () => {
          const rng = new Rng('bench');
          const X = new Matrix(n, widths[0], rng.normals(n * widths[0]));
          const Y = new Matrix(n, widths[4], rng.normals(n * widths[4]));
          const obj = new Objective(new MLP({ widths, activation: 'tanh', dtype }, rng.child('model')), X, Y, {
            loss: 'squared',
            weightDecay: 1e-3,
            staticData: true, // as full-batch training (src/nn/train.ts)
          });
          const g = new Float64Array(obj.size);
          return () => obj.valueAndGrad(null, g);
        });
      BENCHES.push({
        name: `autoencoder_step_n10000_${dtype}_t${t}`,
        flops,
        threads: t,
        setup: () => {
          step();
        },
        run: () => {
          step()();
        },
        timing: { warmup: true, maxReps: 3, minSeconds: 0 }, // as torch-reference.py and numpy-reference.py: best of three
      });
    }
  }
  // One SGD epoch (batch 128, momentum 0.9) of the AGOP paper's MLP: 5 hidden layers of width 512, ReLU, no bias, MSE,
  // on the 10,000 MNIST digits of the mnist package.
  const mnist = () => memo('mnist', () => mnistDataset());
  for (const [dtype, t] of [
    ['f64', 1],
    ['f64', 2],
    ['f32', 1],
    ['f32', 2],
  ] as const) {
    BENCHES.push({
      name: `mlp_sgd_epoch_mnist10000_${dtype}_t${t}`,
      flops: null,
      threads: t,
      setup: () => {
        mnist();
      },
      run: () => {
        const data = mnist();
        const rng = new Rng('bench-mlp');
        const model = new MLP({ widths: [784, 512, 512, 512, 512, 512, 10], activation: 'relu', bias: false, dtype }, rng.child('model'));
        train(model, data.X, data.labels, {
          loss: 'mse',
          optimizer: { kind: 'sgd', lr: 0.05, momentum: 0.9, batchSize: 128 },
          maxIters: 1,
          rng: rng.child('sgd'),
          fullGradient: false,
        });
      },
      timing: { warmup: true, maxReps: 2, minSeconds: 0 }, // as torch-reference.py: one warm-up, best of two
    });
  }
  // One Deep RFM layer on 5000 digits (Laplace kernel, bandwidth 2, ridge 1e-3, 1024 ReLU features): kernel matrix,
  // KRR solve (N = 5000), AGOP, M^{1/2}, features. Timed up to the end of layer 1 (the readout is not run).
  // Mostly GEMM (the AGOP); ~45 s on 2 threads, so the 1-thread run is opt-in: `npm run bench -- deep_rfm_layer_n5000_t1`.
  for (const t of [2, 1]) {
    BENCHES.push({
      name: `deep_rfm_layer_n5000_t${t}`,
      flops: null,
      threads: t,
      optIn: t === 1,
      // (the digits are loaded before the clock starts: the figure is the layer's)
      setup: () => {
        memo('mnist5000', () => mnistSubset(5000, new Rng('bench-rfm-data')));
      },
      run: () => {
        const train5000 = memo('mnist5000', () => mnistSubset(5000, new Rng('bench-rfm-data')));
        const ac = new AbortController();
        try {
          deepRfm(
            train5000,
            undefined,
            {
              depth: 1,
              kernel: 'laplace',
              bandwidth: 2,
              ridge: 1e-3,
              featureMap: 'relu',
              width: 1024,
              signal: ac.signal,
            },
            new Rng('bench-rfm'),
            (layer) => {
              if (layer.layer === 1) ac.abort();
            },
          );
        } catch (e) {
          if (!ac.signal.aborted) throw e;
        }
      },
      timing: { warmup: false, maxReps: 1, minSeconds: 0 },
    });
  }
}

// `nrc analyze --tcv classes` on 50,000 x 512 float32 features, K = 10 and 100, with a classifier and bias: every NC
// metric (nc1, nc1_trace, cdnv, nc2_*, nc3, NCC, NC4, duality, angles, GNC2, UNC3, subspace alignment); numpy times
// the same formulas (test/bench/numpy-reference.py, analyze()).
for (const K of [10, 100]) {
  const N = 50000;
  const d = 512;
  BENCHES.push({
    name: `analyze_n50000_d512_k${K}_t2`,
    flops: null,
    threads: 2,
    run: () => {
      const { X, labels, W, b } = memo(`analyze${K}`, () => {
        const r = new Rng(`bench-analyze-${K}`);
        const lab = Int32Array.from({ length: N }, () => r.int(K));
        const M = r.normals(K * d);
        const noise = r.normals(N * d);
        const data = new Float64Array(N * d);
        for (let i = 0; i < N; i++) for (let j = 0; j < d; j++) data[i * d + j] = Math.fround(M[lab[i] * d + j] + noise[i * d + j]);
        return { X: new Matrix(N, d, data), labels: lab, W: new Matrix(K, d, r.normals(K * d)), b: r.normals(K) };
      });
      analyzeFeatures(X, labels, { classifier: W, bias: b });
    },
    timing: { warmup: false, maxReps: 2, minSeconds: 0 },
  });
}

// ---- numpy and PyTorch side by side ----------------------------------------------------------
/**
 * Baseline seconds by benchmark name (with a _t1/_t2 suffix) from a reference script run once per thread
 * count, or an empty map when the python module is not importable. `npm run bench:deps` installs both on Debian.
 */
function pythonReference(
  label: string,
  module: string,
  scriptName: string,
  skipFlag: string,
  versionProbe: string,
): { seconds: Map<string, number>; note: string } {
  const seconds = new Map<string, number>();
  if (args.includes(skipFlag)) return { seconds, note: `${label}: skipped (${skipFlag})` };
  const script = join(dirname(fileURLToPath(import.meta.url)), scriptName);
  const python = ['/usr/bin/python3', 'python3'].find((py) => spawnSync(py, ['-c', `import ${module}`], { stdio: 'ignore' }).status === 0);
  if (!python) return { seconds, note: `${label}: not available (no vs-${label} column)` };
  for (const t of [1, 2]) {
    const env = { ...process.env, OPENBLAS_NUM_THREADS: String(t), OMP_NUM_THREADS: String(t), MKL_NUM_THREADS: String(t) };
    const r = spawnSync(python, [script, String(t), ...filters], { env, encoding: 'utf8' });
    for (const line of (r.stdout ?? '').split('\n')) {
      if (!line.trim()) continue;
      const row = JSON.parse(line) as { name: string; seconds: number };
      seconds.set(row.name, row.seconds);
    }
  }
  const version = spawnSync(python, ['-c', versionProbe], { encoding: 'utf8' }).stdout.trim();
  return { seconds, note: `${label} ${version} (${python}) timed side by side` };
}
/** numpy seconds by benchmark name (with a _t1/_t2 suffix), or an empty map when numpy is not available. */
function numpyReference(): { seconds: Map<string, number>; note: string } {
  // numpy's version and, where numpy reports it (>= 1.25), its BLAS build: it decides what "vs numpy" means.
  const probe =
    'import numpy as np\ntry:\n  b = np.show_config(mode="dicts")["Build Dependencies"]["blas"]\n  print(np.__version__, "with", b.get("name"), b.get("version"))\nexcept Exception:\n  print(np.__version__)';
  return pythonReference('numpy', 'numpy', 'numpy-reference.py', '--no-numpy', probe);
}
/** PyTorch (CPU) seconds under the same names (test/bench/torch-reference.py), or an empty map without torch. */
function torchReference(): { seconds: Map<string, number>; note: string } {
  // Debian's torch calls the system libblas.so.3: name the library the alternatives system resolves it to
  // (the reference BLAS runs ~3 GFLOP/s; `npm run bench:deps` installs the threaded OpenBLAS).
  const probe =
    'import torch, os, glob\nif torch.backends.mkl.is_available():\n  b = "MKL"\nelse:\n  p = glob.glob("/etc/alternatives/libblas.so.3*")\n  b = os.path.realpath(p[0]) if p else "system BLAS"\nprint(torch.__version__, "with", b)';
  return pythonReference('torch', 'torch', 'torch-reference.py', '--no-torch', probe);
}

/** A baseline's (numpy's, PyTorch's) time for the same operation, dtype and thread count as an nrc benchmark. */
function numpySecondsFor(ref: Map<string, number>, name: string, threads: number): number | undefined {
  name = name.replace('_resident', ''); // the baselines' operands live in their own memory: the same product
  return ref.get(/_t\d+$/.test(name) ? name : `${name}_t${threads}`);
}

// ---- runner --------------------------------------------------------------------------------
function fmt(x: number | null | undefined, d = 2): string {
  return x === null || x === undefined || !Number.isFinite(x) ? '-' : x.toFixed(d);
}

async function main(): Promise<void> {
  const status = fastGemmStatus();
  const load = os.loadavg()[0];
  // The 128-bit multiply-add ceiling per thread: what the GEMM is reported against (of_fma_peak), measured on one
  // thread and multiplied by the thread count; the f32x4 one for f32. Also measured on 2 threads at once (per thread),
  // which is lower than the one-thread figure when the two CPUs share a core's FMA units or the machine is busy.
  const peak = getEngine()?.fmaPeakGflops();
  const peak32 = getEngine()?.fmaPeakGflops('f32');
  const peak2 = os.availableParallelism() >= 2 ? getEngine()?.fmaPeakGflops('f64', 2) : undefined;
  const header = {
    name: '_environment',
    node: process.version,
    cpus: os.availableParallelism(),
    loadavg1: +load.toFixed(2),
    kernel: status.kernel,
    threads_default: getThreads(),
    ...(peak ? { wasm_f64_fma_peak_gflops_t1: +peak.toFixed(1) } : {}),
    ...(peak32 ? { wasm_f32_fma_peak_gflops_t1: +peak32.toFixed(1) } : {}),
    ...(peak2 ? { wasm_f64_fma_peak_gflops_per_thread_t2: +peak2.toFixed(1) } : {}),
  };
  const numpy = numpyReference();
  const torch = torchReference();
  if (json) console.log(JSON.stringify({ ...header, numpy: numpy.note, torch: torch.note }));
  else {
    console.log(
      `nrc bench: node ${process.version}, ${os.availableParallelism()} cpus, load ${load.toFixed(2)}, kernel ${status.kernel}${peak ? ` (FMA ceiling per thread: f64x2 ${peak.toFixed(1)} GFLOP/s, f32x4 ${peak32?.toFixed(1)}; f64x2 on 2 threads at once ${peak2?.toFixed(1) ?? '-'})` : ''}; ${numpy.note}; ${torch.note}`,
    );
    console.log(
      `${'name'.padEnd(34)} ${'GFLOP/s'.padStart(8)} ${'seconds'.padStart(9)} ${'vs TS'.padStart(7)} ${'vs ml'.padStart(7)} ${'vs numpy'.padStart(8)} ${'vs torch'.padStart(8)}  notes`,
    );
  }
  const defaultThreads = getThreads();
  const start = performance.now();
  for (const b of BENCHES) {
    if (filters.length && !filters.some((f) => b.name.includes(f))) continue;
    if (b.optIn && !filters.some((f) => b.name.includes(f))) continue;
    setThreads(b.threads ?? defaultThreads);
    const rec: Record<string, unknown> = { name: b.name };
    try {
      b.setup?.();
      const seconds = time(b.run, b.timing);
      const gflops = b.flops === null ? null : b.flops / seconds / 1e9;
      Object.assign(rec, { gflops: gflops === null ? null : +gflops.toFixed(3), seconds: +seconds.toFixed(5), threads: b.threads ?? defaultThreads });
      for (const [key, base] of [
        ['ts', b.ts],
        ['mlmatrix', b.mlmatrix],
      ] as const) {
        if (!base) continue;
        const s = base.seconds();
        if (s === undefined) continue;
        const ratio = base.flops !== undefined && b.flops !== null ? b.flops / seconds / (base.flops / s) : s / seconds;
        rec[`vs_${key}`] = +ratio.toFixed(3);
        rec[`${key}_seconds`] = +s.toFixed(4);
        if (base.note) rec[`${key}_note`] = base.note;
      }
      const np = numpySecondsFor(numpy.seconds, b.name, b.threads ?? defaultThreads);
      if (np !== undefined) {
        rec.vs_numpy = +(np / seconds).toFixed(3);
        rec.numpy_seconds = +np.toFixed(5);
      }
      const pt = numpySecondsFor(torch.seconds, b.name, b.threads ?? defaultThreads);
      if (pt !== undefined) {
        rec.vs_torch = +(pt / seconds).toFixed(3);
        rec.torch_seconds = +pt.toFixed(5);
      }
      const ceiling = b.name.startsWith('gemm_f64') ? peak : b.name.startsWith('gemm_f32') ? peak32 : undefined;
      if (ceiling && gflops !== null) rec.of_fma_peak = +(gflops / (ceiling * (b.threads ?? defaultThreads))).toFixed(3);
      if (b.extra) Object.assign(rec, b.extra());
    } catch (e) {
      rec.skipped = true;
      rec.note = isNotImplemented(e) ? 'not implemented yet' : `error: ${(e as Error).message}`;
    }
    rec.loadavg1 = +os.loadavg()[0].toFixed(2);
    if (json) console.log(JSON.stringify(rec));
    else {
      const notes = rec.skipped
        ? String(rec.note)
        : [
            rec.of_fma_peak !== undefined ? `${(100 * (rec.of_fma_peak as number)).toFixed(0)}% of FMA ceiling` : '',
            rec.copy_fraction !== undefined ? `copies ${(100 * (rec.copy_fraction as number)).toFixed(1)}%` : '',
          ]
            .filter(Boolean)
            .join(', ');
      console.log(
        `${b.name.padEnd(34)} ${fmt(rec.gflops as number).padStart(8)} ${fmt(rec.seconds as number, 4).padStart(9)} ${fmt(rec.vs_ts as number).padStart(7)} ${fmt(rec.vs_mlmatrix as number).padStart(7)} ${fmt(rec.vs_numpy as number).padStart(8)} ${fmt(rec.vs_torch as number).padStart(8)}  ${notes}`,
      );
    }
  }
  setThreads(defaultThreads);
  if (!json) console.log(`total ${((performance.now() - start) / 1000).toFixed(1)} s`);
}

await main();
