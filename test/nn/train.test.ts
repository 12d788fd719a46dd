import { describe, expect, it } from 'vitest';
import { Matrix, gemm, solveSPD } from '../../src/linalg/index.ts';
import { Rng } from '../../src/random/index.ts';
import { MLP, Objective, type OptimizerSpec, type StepReport, scheduledLr, train, trainAsync } from '../../src/nn/index.ts';

const randn = (rng: Rng, r: number, c: number, s = 1) => new Matrix(r, c, rng.normals(r * c, s));

/** Ridge solution with samples as rows: theta* = Y^T X (X^T X + N lambda I)^{-1} (= Y X^T (X X^T + N lambda I)^{-1} with columns). */
function ridge(X: Matrix, Y: Matrix, lambda: number): Matrix {
  const A = gemm(X, X, { transA: true });
  for (let i = 0; i < A.rows; i++) A.data[i * A.cols + i] += X.rows * lambda;
  const B = gemm(X, Y, { transA: true }); // X^T Y (d x c)
  const thetaT = solveSPD(A, B); // (X^T X + N lambda I)^{-1} X^T Y = theta*^T
  return Matrix.fromFunction(Y.cols, X.cols, (i, j) => thetaT.get(j, i));
}

function maxDiff(a: Matrix, b: Matrix): number {
  let m = 0;
  for (let i = 0; i < a.data.length; i++) m = Math.max(m, Math.abs(a.data[i] - b.data[i]));
  return m;
}

describe('linear model reaches the closed-form ridge solution (NRC Remark 5.2)', () => {
  const rng = new Rng('ridge');
  const N = 40,
    d = 5,
    c = 3,
    lambda = 0.01;
  const X = randn(rng, N, d);
  const Y = randn(rng, N, c);
  const make = () => new MLP({ widths: [d, c], activation: 'identity', bias: false }, rng.child('m'));

  for (const optimizer of [{ kind: 'gd', lr: 0.25 }, { kind: 'lbfgs' }] as OptimizerSpec[]) {
    it(`${optimizer.kind}`, () => {
      const model = make();
      const res = train(model, X, Y, { loss: 'squared', weightDecay: lambda, optimizer, maxIters: 5000, tol: 1e-12 });
      expect(res.status).toBe('converged');
      expect(res.gradNorm).toBeLessThan(1e-12);
      expect(maxDiff(model.layers[0].W, ridge(X, Y, lambda))).toBeLessThan(1e-8);
      // at the stationary point grad_W L_0 = -2 lambda W (NRC Eq. 4): residual ~ 0
      expect(res.stationarity[0]).toBeLessThan(1e-9);
      if (optimizer.kind === 'lbfgs') expect(res.iters).toBeLessThan(30);
    });
  }
});

describe('L-BFGS on a smooth nonlinear problem', () => {
  it('reaches gradient norm 1e-9 on a tanh network with weight decay; per-layer stationarity ~ 0', () => {
    const rng = new Rng('lbfgs-tanh');
    const X = randn(rng, 30, 6);
    const Y = randn(rng, 30, 4, 0.5);
    const model = new MLP({ widths: [6, 8, 7, 4], activation: 'tanh' }, rng.child('m'));
    const history: StepReport[] = [];
    const res = train(model, X, Y, {
      loss: 'squared',
      weightDecay: { feature: 1e-2, last: 2e-2 },
      optimizer: { kind: 'lbfgs' },
      maxIters: 3000,
      tol: 1e-9,
      onStep: (r) => history.push(r),
    });
    expect(res.status).toBe('converged');
    expect(res.gradNorm).toBeLessThan(1e-9);
    for (const s of res.stationarity) expect(s).toBeLessThan(1e-6);
    expect(history[0].iter).toBe(0);
    expect(history.at(-1)!.iter).toBe(res.iters);
    expect(history.at(-1)!.loss).toBeLessThan(history[0].loss);
    // the model holds the final parameters
    expect(Math.abs(res.loss - history.at(-1)!.loss)).toBe(0);
  });

  it("reports the stationarity of every step at that step's parameters, not at the line search's last trial", () => {
    const rng = new Rng('lbfgs-stationarity');
    const X = randn(rng, 40, 5);
    const Y = randn(rng, 40, 3, 0.5);
    const opts = { loss: 'squared' as const, weightDecay: 1e-2 };
    const model = new MLP({ widths: [5, 9, 3], activation: 'tanh' }, rng.child('m'));
    const start = model.clone();
    const reports: StepReport[] = [];
    for (let iters = 1; iters <= 6; iters++) {
      const m = start.clone();
      const res = train(m, X, Y, { ...opts, optimizer: { kind: 'lbfgs' }, maxIters: iters, onStep: (r) => reports.push(r) });
      // the objective's own stationarity at the final parameters (where the last report's gradient was taken)
      const obj = new Objective(m, X, Y, opts);
      const g = new Float64Array(obj.size);
      obj.valueAndGrad(null, g);
      const want = obj.stationarity(g);
      res.stationarity.forEach((s, l) => expect(Object.is(s, want[l])).toBe(true));
    }
    // stationarity(g, at) reads W from `at`: doubling W halves the residual's ratio
    const obj = new Objective(model, X, Y, opts);
    const g = new Float64Array(obj.size);
    obj.valueAndGrad(null, g);
    const twice = obj.stationarity(
      g,
      model.params.map((v) => 2 * v),
    );
    obj.stationarity(g).forEach((s, l) => expect(twice[l]).toBeCloseTo(s / 2, 14));
    expect(reports.length).toBeGreaterThan(6);
  });
});

describe('mixed precision (float32 products to the float32 floor, then float64)', () => {
  const rng = new Rng('mixed');
  const X = randn(rng, 40, 6);
  const Y = randn(rng, 40, 6, 0.5);
  const build = () => new MLP({ widths: [6, 8, 5, 6], activation: 'tanh' }, new Rng('mixed-init'));
  const opts = {
    loss: 'squared' as const,
    weightDecay: 1e-2,
    optimizer: { kind: 'lbfgs' } as OptimizerSpec,
    maxIters: 3000,
    tol: 1e-10,
    history: true,
  };

  it('reaches a float64 gradient norm below tol after a float32 phase; reports say which precision they used', () => {
    const model = build();
    const res = train(model, X, Y, { ...opts, mixed: {} });
    expect(res.status).toBe('converged');
    expect(res.f32Iters).toBeGreaterThan(10);
    expect(res.f32Iters).toBeLessThan(res.iters);
    expect(model.dtype).toBe('f64');
    // the final gradient is a float64 one: recompute it at the returned parameters
    const check = train(model, X, Y, { ...opts, maxIters: 0 });
    expect(check.gradNorm).toBe(res.gradNorm);
    expect(check.gradNorm).toBeLessThan(1e-10);
    const h = res.history!;
    expect(h.filter((r) => r.iter < res.f32Iters!).every((r) => r.precision === 'f32')).toBe(true);
    expect(h.filter((r) => r.iter > res.f32Iters!).every((r) => r.precision === 'f64')).toBe(true);
    // the float32 phase makes real progress: its last gradient norm is far below the initial one
    const lastF32 = h.filter((r) => r.precision === 'f32').at(-1)!;
    expect(lastF32.gradNorm).toBeLessThan(1e-3 * h[0].gradNorm);
    // the float32 floor is above the tolerance: float32 products alone do not get there
    const f32 = new MLP({ widths: [6, 8, 5, 6], activation: 'tanh', dtype: 'f32' }, new Rng('mixed-init'));
    expect(train(f32, X, Y, opts).status).not.toBe('converged');
  });

  it('is deterministic and ends the float32 phase after `patience` steps without a new lowest gradient norm at most', () => {
    const a = build(),
      b = build();
    const ra = train(a, X, Y, { ...opts, mixed: { patience: 5 } });
    const rb = train(b, X, Y, { ...opts, mixed: { patience: 5 } });
    expect(Buffer.from(a.params.buffer)).toEqual(Buffer.from(b.params.buffer));
    expect(rb.f32Iters).toBe(ra.f32Iters);
    const f32 = ra.history!.filter((r) => r.precision === 'f32');
    const bestAt = f32.reduce((k, r, i) => (r.gradNorm < f32[k].gradNorm ? i : k), 0);
    expect(ra.f32Iters! - f32[bestAt].iter).toBeLessThanOrEqual(5);
  });
});

describe('stochastic optimisers, schedules, divergence, abort', () => {
  const rng = new Rng('sgd');
  const X = randn(rng, 64, 5);
  const labels = Int32Array.from({ length: 64 }, (_, i) => (X.get(i, 0) + X.get(i, 1) > 0 ? 1 : 0) + (X.get(i, 2) > 0.5 ? 1 : 0));

  for (const optimizer of [
    { kind: 'sgd', lr: 0.1, momentum: 0.9, batchSize: 16 },
    { kind: 'adam', lr: 0.01, batchSize: 24 }, // 64 = 24 + 24 + 16: a partial last batch
  ] as OptimizerSpec[]) {
    it(`${optimizer.kind} decreases the cross-entropy and is reproducible from the seed`, () => {
      const run = () => {
        const model = new MLP({ widths: [5, 16, 3], activation: 'relu' }, new Rng('init'));
        const res = train(model, X, labels, {
          loss: 'cross-entropy',
          weightDecay: 1e-4,
          optimizer,
          maxIters: 30,
          rng: new Rng('shuffle'),
          history: true,
          schedule: { stepSize: 20, gamma: 0.5 },
        });
        return { model, res };
      };
      const a = run(),
        b = run();
      expect(a.res.status).toBe('max_iters');
      expect(a.res.iters).toBe(30);
      expect(a.res.history).toHaveLength(31);
      expect(a.res.history![30].lr).toBeCloseTo((optimizer as { lr: number }).lr * 0.5, 15);
      expect(a.res.loss).toBeLessThan(0.5 * a.res.history![0].loss);
      expect(Array.from(a.model.params)).toEqual(Array.from(b.model.params));
    });
  }

  it('SGD with batchnorm (train mode) trains, updates running statistics, and eval mode uses them', () => {
    const model = new MLP({ widths: [5, 12, 12, 3], activation: 'relu', batchnorm: true }, new Rng('bn'));
    const res = train(model, X, labels, {
      loss: 'cross-entropy',
      weightDecay: 2.5e-4,
      optimizer: { kind: 'sgd', lr: 0.05, momentum: 0.9, batchSize: 16 },
      maxIters: 20,
      rng: new Rng(5),
    });
    expect(res.status).toBe('max_iters');
    expect(res.loss).toBeLessThan(0.6);
    const rm = model.bnState[0]!.runningMean;
    expect(rm.some((v) => Math.abs(v) > 1e-3)).toBe(true);
    const a = model.forward(X, { mode: 'eval' }).output,
      b = model.forward(X, { mode: 'train' }).output;
    expect(a.data.some((v, i) => Math.abs(v - b.data[i]) > 1e-6)).toBe(true);
  });

  it('step schedule', () => {
    expect(scheduledLr(0.1, 0, { stepSize: 10, gamma: 0.1 })).toBe(0.1);
    expect(scheduledLr(0.1, 25, { stepSize: 10, gamma: 0.1 })).toBeCloseTo(0.001, 15);
  });

  it('a huge learning rate gives status "diverged" (full batch and mini-batch)', () => {
    const Y = randn(new Rng(3), 64, 3);
    const m1 = new MLP({ widths: [5, 16, 3], activation: 'relu' }, new Rng('d1'));
    const r1 = train(m1, X, Y, { loss: 'squared', optimizer: { kind: 'gd', lr: 1e6 }, maxIters: 500 });
    expect(r1.status).toBe('diverged');
    expect(r1.iters).toBeLessThan(500);
    const m2 = new MLP({ widths: [5, 16, 3], activation: 'relu' }, new Rng('d2'));
    const r2 = train(m2, X, Y, { loss: 'squared', optimizer: { kind: 'sgd', lr: 1e6, batchSize: 8 }, maxIters: 100, rng: new Rng(1) });
    expect(r2.status).toBe('diverged');
  });

  it('an aborted signal stops with status "aborted"', () => {
    const ctl = new AbortController();
    const model = new MLP({ widths: [5, 4, 3] }, new Rng('ab'));
    let steps = 0;
    const res = train(model, X, labels, {
      loss: 'cross-entropy',
      optimizer: { kind: 'gd', lr: 0.1 },
      maxIters: 1000,
      signal: ctl.signal,
      onStep: (r) => {
        steps++;
        if (r.iter === 5) ctl.abort();
      },
    });
    expect(res.status).toBe('aborted');
    expect(res.iters).toBe(5);
    expect(steps).toBe(6);
  });
});

describe('trainAsync', () => {
  const setup = () => {
    const rng = new Rng('async');
    const X = new Matrix(40, 5, rng.normals(200));
    const model = new MLP({ widths: [5, 6, 5], activation: 'tanh' }, rng.child('m'));
    return { X, model };
  };
  it('gives bit-identical parameters and result to train', async () => {
    const a = setup();
    const b = setup();
    const opts = { loss: 'squared' as const, weightDecay: 1e-2, optimizer: { kind: 'lbfgs' as const }, maxIters: 200, tol: 1e-10 };
    const ra = train(a.model, a.X, a.X, opts);
    const rb = await trainAsync(b.model, b.X, b.X, { ...opts, yieldMs: 0 });
    expect(rb.iters).toBe(ra.iters);
    expect(rb.loss).toBe(ra.loss);
    expect(Array.from(b.model.params)).toEqual(Array.from(a.model.params));
  });
  it('sees an abort raised by the event loop while it trains (Ctrl-C mid-cell)', async () => {
    const { X, model } = setup();
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 30);
    const r = await trainAsync(model, X, X, {
      loss: 'squared',
      weightDecay: 1e-6,
      optimizer: { kind: 'gd', lr: 1e-3 },
      maxIters: 1e9,
      signal: controller.signal,
      yieldMs: 5,
    });
    expect(r.status).toBe('aborted');
    expect(r.iters).toBeGreaterThan(0);
  });
});
