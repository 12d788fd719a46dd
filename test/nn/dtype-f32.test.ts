// MLP with dtype 'f32' (src/nn/precision.ts): float32 GEMMs in forward/backward, float64 elsewhere.
// (Placed under test/linalg/ because it exercises gemmF32 through the MLP; move to test/nn/ if preferred.)
import { describe, expect, it } from 'vitest';
import { Matrix, gemm, getThreads, maxAbsDiff, setThreads } from '../../src/linalg/index.ts';
import { MLP, Objective, gemmDtype, lossValueAndGrad, train } from '../../src/nn/index.ts';
import { Rng } from '../../src/random/index.ts';

function norm(v: Float64Array): number {
  let s = 0;
  for (const x of v) s += x * x;
  return Math.sqrt(s);
}

describe("MLP dtype 'f32'", () => {
  it('gemmDtype f32 agrees with float64 GEMM to float32 accuracy, all transpose flags, beta', () => {
    const rng = new Rng('gemm-dtype');
    const A = new Matrix(70, 50, rng.normals(3500)),
      B = new Matrix(50, 40, rng.normals(2000));
    const ref = gemm(A, B);
    const got = gemmDtype('f32', A, B);
    expect(maxAbsDiff(got, ref)).toBeLessThan(1e-4);
    expect(maxAbsDiff(got, ref)).toBeGreaterThan(0);
    const At = new Matrix(50, 70),
      Bt = new Matrix(40, 50);
    for (let i = 0; i < 70; i++) for (let j = 0; j < 50; j++) At.data[j * 70 + i] = A.data[i * 50 + j];
    for (let i = 0; i < 50; i++) for (let j = 0; j < 40; j++) Bt.data[j * 50 + i] = B.data[i * 40 + j];
    expect(maxAbsDiff(gemmDtype('f32', At, Bt, { transA: true, transB: true }), ref)).toBeLessThan(1e-4);
    const C = Matrix.fill(70, 40, 1);
    gemmDtype('f32', A, B, { C, alpha: 2, beta: -1 });
    for (let i = 0; i < C.data.length; i++) expect(Math.abs(C.data[i] - (2 * ref.data[i] - 1))).toBeLessThan(2e-4);
    expect(gemmDtype('f64', A, B).data).toEqual(ref.data);
  });

  it('loss and gradient match float64 to ~1e-5 relative; clone keeps the dtype; training runs', () => {
    const rng = new Rng('mlp-f32');
    const X = new Matrix(200, 30, rng.normals(6000)),
      Y = new Matrix(200, 5, rng.normals(1000));
    const m64 = new MLP({ widths: [30, 40, 40, 5], activation: 'tanh' }, rng.child('init'));
    const m32 = m64.clone();
    m32.setDtype('f32');
    const m32b = new MLP({ widths: [30, 40, 40, 5], activation: 'tanh', dtype: 'f32' }, new Rng('x'));
    expect(m32b.dtype).toBe('f32');
    expect(m32b.clone().dtype).toBe('f32');
    const o64 = new Objective(m64, X, Y, { loss: 'squared', weightDecay: 1e-3 });
    const o32 = new Objective(m32, X, Y, { loss: 'squared', weightDecay: 1e-3 });
    const g64 = new Float64Array(o64.size),
      g32 = new Float64Array(o32.size);
    const l64 = o64.valueAndGrad(null, g64),
      l32 = o32.valueAndGrad(null, g32);
    expect(Math.abs(l32 - l64)).toBeLessThan(1e-5 * Math.abs(l64));
    const diff = g64.map((x, i) => x - g32[i]);
    expect(norm(diff)).toBeLessThan(1e-5 * norm(g64));
    expect(norm(diff)).toBeGreaterThan(0);
    const r = train(m32, X, Y, { loss: 'squared', optimizer: { kind: 'gd', lr: 0.05 }, maxIters: 20 });
    expect(r.loss).toBeLessThan(l32);
    expect(() => new MLP({ widths: [3, 2], dtype: 'f16' as never }, rng)).toThrow(RangeError);
  });

  it('float32 SGD (float32 master parameters): follows float64 SGD to 1e-4, relu and tanh, momentum, Nesterov, weight decay; hands params back', () => {
    const rng = new Rng('sgd-f32');
    const X = new Matrix(300, 20, rng.normals(6000));
    const labels = Int32Array.from({ length: 300 }, (_, i) => i % 4);
    for (const [act, nesterov] of [
      ['relu', false],
      ['tanh', true],
    ] as const) {
      const m64 = new MLP({ widths: [20, 32, 32, 4], activation: act }, rng.child(`init-${act}`));
      const m32 = m64.clone();
      m32.setDtype('f32');
      const opts = (model: MLP) =>
        train(model, X, labels, {
          loss: 'mse' as const,
          weightDecay: 1e-3,
          optimizer: { kind: 'sgd' as const, lr: 0.05, momentum: 0.9, nesterov, batchSize: 64 },
          maxIters: 3,
          rng: new Rng('shuffle'),
          fullGradient: true,
        });
      const r64 = opts(m64),
        r32 = opts(m32);
      expect(m32.f32Master).toBeNull();
      expect(r32.status).toBe(r64.status);
      expect(Math.abs(r32.loss - r64.loss)).toBeLessThan(1e-4 * r64.loss);
      const diff = m64.params.map((x, i) => x - m32.params[i]);
      expect(norm(diff)).toBeLessThan(1e-4 * norm(m64.params));
      expect(norm(diff)).toBeGreaterThan(0);
      // model.params holds float32 values after the run
      expect(m32.params.every((x) => Math.fround(x) === x)).toBe(true);
    }
  });

  it('a float64 and a float32 step (loss and gradient) have the same bits on 1 and 2 threads', () => {
    const rng = new Rng('threads-step');
    const X = new Matrix(600, 100, rng.normals(60000)),
      Y = new Matrix(600, 10, rng.normals(6000));
    const t0 = getThreads();
    try {
      for (const dtype of ['f64', 'f32'] as const) {
        for (const activation of ['tanh', 'relu'] as const) {
          const model = new MLP({ widths: [100, 500, 10], activation, dtype }, rng.child(`${dtype}${activation}`));
          const obj = new Objective(model, X, Y, { loss: 'squared', weightDecay: 1e-3 });
          const run = (t: number) => {
            setThreads(t);
            const g = new Float64Array(obj.size);
            return { f: obj.valueAndGrad(null, g), g };
          };
          const a = run(1),
            b = run(2);
          expect(Object.is(a.f, b.f)).toBe(true);
          expect(a.g.every((v, i) => Object.is(v, b.g[i]))).toBe(true);
        }
      }
    } finally {
      setThreads(t0);
    }
  });

  it('an objective with staticData (X, Y staged in wasm memory once) gives the bits of one reading X and Y each step, f64 and f32, every loss, 1 and 2 threads', () => {
    const rng = new Rng('static-data');
    const n = 600,
      c = 500; // n c above the loss kernel's parallel threshold
    const X = new Matrix(n, 40, rng.normals(n * 40)),
      Y = new Matrix(n, c, rng.normals(n * c)),
      labels = Int32Array.from({ length: n }, (_, i) => (i * 7) % c);
    const sampleWeights = rng.uniforms(n);
    const t0 = getThreads();
    try {
      for (const [loss, target, weights] of [
        ['squared', Y, undefined],
        ['mse', Y, sampleWeights],
        ['squared', labels, undefined],
        ['cross-entropy', labels, sampleWeights],
      ] as const) {
        const model = new MLP({ widths: [40, 64, c], activation: 'tanh' }, rng.child(loss));
        const opts = { loss, weightDecay: 1e-3, sampleWeights: weights };
        const plain = new Objective(model, X, target, opts),
          staged = new Objective(model, X, target, { ...opts, staticData: true });
        for (const dtype of ['f64', 'f32', 'f64'] as const) {
          model.setDtype(dtype);
          for (const t of [1, 2]) {
            setThreads(t);
            const ga = new Float64Array(plain.size),
              gb = new Float64Array(plain.size);
            const fa = plain.valueAndGrad(null, ga),
              fb = staged.valueAndGrad(null, gb);
            expect(Number.isFinite(fa)).toBe(true);
            expect(Object.is(fa, fb)).toBe(true);
            expect(ga.every((v, i) => Object.is(v, gb[i]))).toBe(true);
            expect(Object.is(plain.dataLoss(), staged.dataLoss())).toBe(true);
            // the loss read off the step's own (float32) output equals the loss of the widened output
            expect(Object.is(lossValueAndGrad(loss, model.forward(X).output, target, null, weights), plain.dataLoss())).toBe(true);
          }
        }
      }
    } finally {
      setThreads(t0);
    }
  });

  it('float32 SGD hands the parameters back when training is left by an exception or an abort', () => {
    const rng = new Rng('sgd-f32-exit');
    const X = new Matrix(256, 10, rng.normals(2560));
    const labels = Int32Array.from({ length: 256 }, (_, i) => i % 3);
    const model = new MLP({ widths: [10, 16, 3], activation: 'relu', dtype: 'f32' }, rng.child('init'));
    const before = model.params.slice();
    let reports = 0;
    expect(() =>
      train(model, X, labels, {
        loss: 'mse',
        optimizer: { kind: 'sgd', lr: 0.1, momentum: 0.9, batchSize: 32 },
        maxIters: 5,
        rng: new Rng('s'),
        onStep: () => {
          if (++reports === 2) throw new Error('stop');
        },
      }),
    ).toThrow('stop');
    expect(model.f32Master).toBeNull();
    expect(norm(model.params.map((x, i) => x - before[i]))).toBeGreaterThan(0); // one epoch's updates reached params
    const ac = new AbortController();
    ac.abort();
    const r = train(model, X, labels, {
      loss: 'mse',
      optimizer: { kind: 'sgd', lr: 0.1, batchSize: 32 },
      maxIters: 5,
      rng: new Rng('s'),
      signal: ac.signal,
    });
    expect(r.status).toBe('aborted');
    expect(model.f32Master).toBeNull();
  });

  it("the MNIST epoch loop (trainEpochs) keeps float32 master parameters: the same bits as train()'s float32 SGD, float32 values in params", async () => {
    const { trainEpochs } = await import('../../src/nn/mnist-training.ts');
    const rng = new Rng('epochs-f32');
    const N = 200;
    const ds = { X: new Matrix(N, 12, rng.normals(N * 12)), labels: Int32Array.from({ length: N }, (_, i) => i % 4), classes: 4 };
    const build = () => new MLP({ widths: [12, 16, 16, 4], activation: 'tanh', dtype: 'f32' }, new Rng('epochs-f32-init'));
    const training = {
      epochs: 3,
      lr: 0.05,
      batchSize: 32,
      optimizer: 'sgd',
      momentum: 0.9,
      loss: 'squared',
      dtype: 'f32' as const,
      targets: 'onehot',
    };
    const a = build();
    let recorded = 0;
    const res = await trainEpochs({ signal: new AbortController().signal }, a, ds, {
      lambda: 1e-3,
      training,
      every: 1,
      rng: new Rng('t'),
      onRecord: (_e, loss) => {
        recorded = loss;
      },
    });
    expect(res.status).toBe('ok');
    expect(a.f32Master).toBeNull();
    expect(a.params.every((x) => Math.fround(x) === x)).toBe(true);
    const b = build();
    const r = train(b, ds.X, ds.labels, {
      loss: 'squared',
      weightDecay: 1e-3,
      optimizer: { kind: 'sgd', lr: 0.05, momentum: 0.9, batchSize: 32 },
      maxIters: 3,
      rng: new Rng('t'),
    });
    expect(Buffer.from(a.params.buffer)).toEqual(Buffer.from(b.params.buffer));
    expect(recorded).toBe(r.loss); // the record after the last epoch sees the synced parameters
    // the float64 optimiser on the same float32 products gives other parameters (the float32 path is the one taken)
    const c = build();
    await trainEpochs({ signal: new AbortController().signal }, c, ds, {
      lambda: 1e-3,
      training: { ...training, optimizer: 'adam', lr: 1e-3 },
      every: 3,
      rng: new Rng('t'),
    });
    expect(c.params.some((x) => Math.fround(x) !== x)).toBe(true);
  });
});
