import { describe, expect, it } from 'vitest';
import { Matrix } from '../../src/linalg/index.ts';
import { Rng } from '../../src/random/index.ts';
import { ACTIVATIONS, type LossKind, MLP, Objective, type WeightDecay, lossValueAndGrad } from '../../src/nn/index.ts';
import { exactGradient, fdGradient, relErr } from './fd.ts';

const randn = (rng: Rng, r: number, c: number, s = 1) => new Matrix(r, c, rng.normals(r * c, s));
const labels = (rng: Rng, n: number, k: number) => Int32Array.from({ length: n }, (_, i) => (i < k ? i : rng.int(k)));
const LOSSES: LossKind[] = ['squared', 'mse', 'cross-entropy'];

describe('finite-difference gradient checks', () => {
  for (const act of ACTIVATIONS) {
    for (const bias of [true, false]) {
      for (const loss of LOSSES) {
        it(`${act}, bias ${bias}, ${loss}, weight decay on both groups`, () => {
          const rng = new Rng(`fd-${act}-${bias}-${loss}`);
          const model = new MLP({ widths: [4, 6, 5, 3], activation: act, bias, init: { kind: 'scaled', scale: 1.5 } }, rng.child('m'));
          const X = randn(rng, 7, 4);
          const Y = loss === 'cross-entropy' ? labels(rng, 7, 3) : randn(rng, 7, 3);
          const obj = new Objective(model, X, Y, { loss, weightDecay: { feature: 0.03, last: 0.07 } });
          const err = relErr(exactGradient(obj), fdGradient(obj));
          expect(err).toBeLessThan(1e-6);
        });
      }
    }
  }

  it('cross-entropy with one-hot matrix targets equals integer labels (value and gradient)', () => {
    const rng = new Rng('ce');
    const F = randn(rng, 5, 4);
    const lab = labels(rng, 5, 4);
    const onehot = Matrix.fromFunction(5, 4, (i, j) => (lab[i] === j ? 1 : 0));
    const g1 = new Matrix(5, 4),
      g2 = new Matrix(5, 4);
    const v1 = lossValueAndGrad('cross-entropy', F, lab, g1);
    const v2 = lossValueAndGrad('cross-entropy', F, onehot, g2);
    expect(Math.abs(v1 - v2)).toBeLessThan(1e-14);
    expect(relErr(g1.data, g2.data)).toBeLessThan(1e-14);
    // uniform logits: loss = log K
    expect(lossValueAndGrad('cross-entropy', new Matrix(3, 4), new Int32Array([0, 1, 2]), null)).toBeCloseTo(Math.log(4), 14);
  });

  it('squared loss is (1/N) sum ||f - y||^2 and mse is that divided by c', () => {
    const F = Matrix.fromRows([
      [1, 2],
      [3, 4],
    ]);
    const Y = Matrix.fromRows([
      [0, 0],
      [1, 1],
    ]);
    expect(lossValueAndGrad('squared', F, Y, null)).toBeCloseTo((1 + 4 + 4 + 9) / 2, 14);
    expect(lossValueAndGrad('mse', F, Y, null)).toBeCloseTo((1 + 4 + 4 + 9) / 4, 14);
  });

  it('weight decay adds lambda * sum_l (||W_l||^2 + ||b_l||^2) (NRC Eq. 3)', () => {
    const rng = new Rng('wd');
    const model = new MLP({ widths: [3, 4, 2] }, rng);
    const X = randn(rng, 5, 3),
      Y = randn(rng, 5, 2);
    const base = new Objective(model, X, Y, { loss: 'squared' }).valueAndGrad(null, null);
    const reg = new Objective(model, X, Y, { loss: 'squared', weightDecay: { feature: 0.1, last: 0.3 } }).valueAndGrad(null, null);
    const sq = (a: ArrayLike<number>) => Array.from(a).reduce((s, v) => s + v * v, 0);
    const [l1, l2] = model.layers;
    expect(reg - base).toBeCloseTo(0.1 * (sq(l1.W.data) + sq(l1.b!)) + 0.3 * (sq(l2.W.data) + sq(l2.b!)), 13);
  });

  for (const bias of [true, false]) {
    it(`batchnorm in train mode (bias ${bias}), tanh and relu layers`, () => {
      const rng = new Rng(`bn-${bias}`);
      const model = new MLP({ widths: [4, 6, 5, 3], activation: ['tanh', 'relu', 'identity'], bias, batchnorm: true }, rng.child('m'));
      model.layers[0].gamma!.set(rng.normals(6, 0.5, 1));
      model.layers[1].beta!.set(rng.normals(5, 0.5));
      const X = randn(rng, 9, 4),
        Y = labels(rng, 9, 3);
      const obj = new Objective(model, X, Y, { loss: 'cross-entropy', weightDecay: 0.02, mode: 'train' });
      expect(relErr(exactGradient(obj), fdGradient(obj))).toBeLessThan(1e-6);
    });
  }

  it('batchnorm in eval mode uses running statistics and has a matching gradient', () => {
    const rng = new Rng('bn-eval');
    const model = new MLP({ widths: [4, 6, 3], batchnorm: true }, rng.child('m'));
    model.bnState[0]!.runningMean.set(rng.normals(6, 0.3));
    model.bnState[0]!.runningVar.set(rng.uniforms(6, 0.5, 2));
    const X = randn(rng, 5, 4),
      Y = randn(rng, 5, 3);
    const obj = new Objective(model, X, Y, { loss: 'mse', weightDecay: 0.01, mode: 'eval' });
    expect(relErr(exactGradient(obj), fdGradient(obj))).toBeLessThan(1e-6);
    // train mode normalises each feature of the batch to mean 0, variance 1 (before gamma, beta)
    const rec = model.forward(X, { mode: 'train', record: true }).layers![0].preActivation;
    for (let j = 0; j < 6; j++) {
      const col = rec.col(j);
      const m = col.reduce((s, v) => s + v, 0) / 5;
      const v = col.reduce((s, x) => s + (x - m) ** 2, 0) / 5;
      expect(Math.abs(m)).toBeLessThan(1e-12);
      expect(v).toBeCloseTo(1 / (1 + 1e-5 / (v + 1e-5)), 3);
    }
  });

  it('batchnorm running statistics follow PyTorch (momentum 0.1, unbiased variance)', () => {
    const model = new MLP({ widths: [1, 1, 1], batchnorm: true, bias: false, activation: 'identity' }, new Rng(1));
    model.layers[0].W.data[0] = 1;
    const X = Matrix.column([1, 2, 3, 6]);
    model.forward(X, { mode: 'train', updateRunning: true });
    expect(model.bnState[0]!.runningMean[0]).toBeCloseTo(0.1 * 3, 14);
    expect(model.bnState[0]!.runningVar[0]).toBeCloseTo(0.9 + (0.1 * (4 + 1 + 0 + 9)) / 3, 14);
  });

  it('per-sample weights and sub-network (from = j) gradients', () => {
    const rng = new Rng('sw');
    const model = new MLP({ widths: [3, 5, 4, 2], activation: 'tanh' }, rng.child('m'));
    const Z = randn(rng, 6, 5),
      Y = randn(rng, 6, 2);
    const obj = new Objective(model, Z, Y, { loss: 'squared', weightDecay: 0.05, from: 1, sampleWeights: rng.uniforms(6, 0, 1) });
    const g = exactGradient(obj);
    expect(relErr(g, fdGradient(obj))).toBeLessThan(1e-6);
    for (let i = 0; i < model.offsets[0].end; i++) expect(g[i]).toBe(0);
  });
});

describe('model basics', () => {
  it('initialisations: PyTorch bound 1/sqrt(fan_in), scaled bound, Gaussian std', () => {
    const rng = new Rng('init');
    const a = new MLP({ widths: [100, 50] }, rng.child(1));
    const b = new MLP({ widths: [100, 50], init: { kind: 'scaled', scale: 0.2 } }, rng.child(1));
    const c = new MLP({ widths: [100, 200], init: { kind: 'gaussian', std: 0.3 } }, rng.child(2));
    const maxAbs = (v: Float64Array) => v.reduce((m, x) => Math.max(m, Math.abs(x)), 0);
    expect(maxAbs(a.layers[0].W.data)).toBeLessThanOrEqual(0.1);
    expect(maxAbs(a.layers[0].W.data)).toBeGreaterThan(0.099);
    expect(maxAbs(a.layers[0].b!)).toBeLessThanOrEqual(0.1);
    for (let i = 0; i < 5000; i++) expect(b.layers[0].W.data[i]).toBeCloseTo(0.2 * a.layers[0].W.data[i], 15);
    const w = c.layers[0].W.data;
    const sd = Math.sqrt(w.reduce((s, x) => s + x * x, 0) / w.length);
    expect(sd).toBeGreaterThan(0.29);
    expect(sd).toBeLessThan(0.31);
    expect(maxAbs(c.layers[0].b!)).toBe(0);
  });

  it('forward records are consistent: output = act(preActivation), next input = output, linear = z W^T + b', () => {
    const rng = new Rng('rec');
    const model = new MLP({ widths: [3, 4, 2], activation: 'relu' }, rng);
    const X = randn(rng, 5, 3);
    const { output, layers } = model.forward(X, { record: true });
    expect(layers).toHaveLength(2);
    const l0 = layers![0];
    for (let i = 0; i < 5; i++)
      for (let j = 0; j < 4; j++) {
        let s = model.layers[0].b![j];
        for (let p = 0; p < 3; p++) s += X.get(i, p) * model.layers[0].W.get(j, p);
        expect(l0.linear.get(i, j)).toBeCloseTo(s, 14);
        expect(l0.output.get(i, j)).toBe(Math.max(0, l0.preActivation.get(i, j)));
      }
    expect(layers![1].input.data).toEqual(l0.output.data);
    expect(output.data).toEqual(layers![1].output.data);
    expect(model.representation(X, 1).data).toEqual(l0.output.data);
  });
});

describe('weight decay in one pass (penaltyAndGradient)', () => {
  it('gives the bits of penalty() and addPenaltyGradient(g): biases, batchnorm decayed or not, a sub-network, decayAll', () => {
    const rng = new Rng('one-pass');
    const X = new Matrix(12, 5, rng.normals(60));
    const model = new MLP({ widths: [5, 7, 6, 3], activation: 'tanh', batchnorm: true, bias: [true, false, true] }, rng.child('m'));
    const cases: { weightDecay: WeightDecay; from?: number; decayAll?: boolean }[] = [
      { weightDecay: 1e-2 },
      { weightDecay: { feature: 3e-3, last: 0.07, batchnorm: false } },
      { weightDecay: { feature: 0, last: 0.05 } },
      { weightDecay: 2e-2, from: 1 },
      { weightDecay: 2e-2, from: 1, decayAll: true },
    ];
    for (const c of cases) {
      const obj = new Objective(model, X, new Matrix(12, 3, rng.normals(36)), { loss: 'squared', ...c });
      const g0 = new Float64Array(model.params.length).map(() => rng.normal());
      const a = g0.slice(),
        b = g0.slice();
      const pen = obj.penaltyAndGradient(a);
      obj.addPenaltyGradient(b);
      expect(pen).toBe(obj.penalty());
      expect(pen).toBeGreaterThan(0);
      expect(Buffer.from(a.buffer)).toEqual(Buffer.from(b.buffer));
      expect(a.some((x, i) => x !== g0[i])).toBe(true);
    }
    // and the penalty is lambda ||Theta||^2 (NRC Eq. 3) of the decayed blocks
    const obj = new Objective(model, X, X, { loss: 'squared', weightDecay: 1e-2 });
    let q = 0;
    for (const x of model.params) q += x * x;
    expect(Math.abs(obj.penaltyAndGradient(new Float64Array(model.params.length)) - 1e-2 * q)).toBeLessThan(1e-15);
  });
});
