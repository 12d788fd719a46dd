import { describe, expect, it } from 'vitest';
import { Matrix, gemm, rank, singularValues } from '../../src/linalg/index.ts';
import { Rng } from '../../src/random/index.ts';
import {
  MLP,
  Objective,
  agop,
  batchGradient,
  centroidLoss,
  centroidObjective,
  lemma33Residuals,
  lossGradient,
  outputJacobians,
  productMatrix,
  sampleGradient,
  sampleJacobian,
  train,
} from '../../src/nn/index.ts';
import { exactGradient, fdGradient, relErr } from './fd.ts';

const randn = (rng: Rng, r: number, c: number, s = 1) => new Matrix(r, c, rng.normals(r * c, s));

/** K distinct points (rows of P) repeated, plus optional Gaussian noise of std sigma. */
function clustered(rng: Rng, P: Matrix, perCluster: number, sigma = 0): { X: Matrix; part: Int32Array } {
  const K = P.rows,
    d = P.cols;
  const X = new Matrix(K * perCluster, d);
  const part = new Int32Array(K * perCluster);
  for (let i = 0; i < X.rows; i++) {
    const k = i % K;
    part[i] = k;
    for (let j = 0; j < d; j++) X.data[i * d + j] = P.get(k, j) + sigma * rng.normal();
  }
  return { X, part };
}

describe('Proposition 3.1: a batch of K samples gives gradients of rank <= K', () => {
  it('every layer, K = 1, 2, 3', () => {
    const rng = new Rng('prop31');
    const model = new MLP({ widths: [9, 12, 10, 8], activation: 'tanh' }, rng.child('m'));
    const X = randn(rng, 20, 9),
      Y = randn(rng, 20, 8);
    for (const K of [1, 2, 3]) {
      const rows = Array.from({ length: K }, (_, i) => 3 * i + 1);
      const grads = K === 1 ? sampleGradient(model, X, Y, rows[0], { loss: 'squared' }) : batchGradient(model, X, Y, { loss: 'squared' }, rows);
      expect(grads).toHaveLength(3);
      for (const G of grads) expect(rank(G)).toBe(K); // generic data: exactly K
    }
    // the full batch of 20 samples exceeds the smaller dimension, so its gradients are full rank
    const full = lossGradient(model, X, Y, { loss: 'squared' }).gradW;
    expect(rank(full[1])).toBe(10);
  });
});

describe('data with exactly K distinct points give layers of rank <= K at a stationary point', () => {
  it('tanh network, L-BFGS with weight decay', () => {
    const rng = new Rng('degenerate');
    const K = 3;
    const P = randn(rng, K, 8);
    const { X } = clustered(rng, P, 5);
    const Yp = randn(rng, K, 6, 0.7);
    const Y = Matrix.fromFunction(X.rows, 6, (i, j) => Yp.get(i % K, j));
    const model = new MLP({ widths: [8, 10, 9, 6], activation: 'tanh' }, rng.child('m'));
    const lambda = 1e-2;
    const res = train(model, X, Y, { loss: 'squared', weightDecay: lambda, optimizer: { kind: 'lbfgs' }, maxIters: 3000, tol: 1e-11 });
    expect(res.status).toBe('converged');
    for (const layer of model.layers) {
      const s = singularValues(layer.W);
      expect(s[0]).toBeGreaterThan(1e-2);
      expect(s[K] / s[0]).toBeLessThan(1e-8); // ||W - rank-K|| <= ||grad L_lambda|| / (2 lambda)
    }
  });
});

describe('centroid-based loss (NRC Eq. 8) and Lemma 3.3', () => {
  const rng = new Rng('centroid');
  const P = randn(rng, 4, 5);
  const model = new MLP({ widths: [5, 7, 6, 3], activation: 'tanh' }, rng.child('m'));
  const Yp = randn(rng, 4, 3);

  it('equals the full loss when every sample sits at its centroid, and the residual is 0', () => {
    const { X, part } = clustered(rng, P, 6);
    const Y = Matrix.fromFunction(X.rows, 3, (i, j) => Yp.get(part[i], j));
    const full = new Objective(model, X, Y, { loss: 'squared', weightDecay: 0.01 }).valueAndGrad(null, null);
    for (const j of [0, 1, 2]) {
      const c = centroidLoss(model, X, Y, part, j, { loss: 'squared', weightDecay: 0.01 });
      expect(Math.abs(c.loss - full) / full).toBeLessThan(1e-13);
      const R = lemma33Residuals(model, X, Y, part, j, { loss: 'squared' });
      for (let l = 0; l < 3; l++) {
        if (l < j) expect(R[l]).toBeNaN();
        else expect(R[l]).toBeLessThan(1e-14);
      }
    }
  });

  it('with unequal cluster sizes the weights pi_k make L^{0,C} equal the full loss', () => {
    const part = Int32Array.from([0, 0, 0, 1, 2, 2, 3, 3, 3, 3, 3]);
    const X = Matrix.fromFunction(part.length, 5, (i, j) => P.get(part[i], j));
    const Y = Matrix.fromFunction(part.length, 3, (i, j) => Yp.get(part[i], j));
    const full = new Objective(model, X, Y, { loss: 'squared' }).valueAndGrad(null, null);
    expect(centroidLoss(model, X, Y, part, 0, { loss: 'squared' }).loss).toBeCloseTo(full, 13);
  });

  it('the residual grows like the within-cluster variance (second order, Lemma 3.3)', () => {
    const noise = new Rng('noise');
    const base = clustered(noise, P, 8);
    const E = randn(noise, base.X.rows, 5);
    const at = (sigma: number) => {
      const X = Matrix.fromFunction(base.X.rows, 5, (i, j) => base.X.get(i, j) + sigma * E.get(i, j));
      const Y = Matrix.fromFunction(X.rows, 3, (i, j) => Yp.get(base.part[i], j));
      return lemma33Residuals(model, X, Y, base.part, 0, { loss: 'squared' });
    };
    const r1 = at(1e-2),
      r2 = at(5e-3);
    for (let l = 0; l < 3; l++) {
      expect(r1[l]).toBeGreaterThan(1e-8);
      const ratio = r1[l] / r2[l];
      expect(ratio).toBeGreaterThan(3.5);
      expect(ratio).toBeLessThan(4.5);
    }
  });

  it('the centroid objective has a finite-difference-exact gradient', () => {
    const { X, part } = clustered(rng, P, 3, 0.3);
    const Y = randn(rng, X.rows, 3);
    const obj = centroidObjective(model, X, Y, part, 1, { loss: 'mse', weightDecay: 0.02 });
    expect(relErr(exactGradient(obj), fdGradient(obj))).toBeLessThan(1e-6);
  });
});

describe('product matrix and Jacobians', () => {
  it('a deep linear network computes x -> P x with P = W_L ... W_1', () => {
    const rng = new Rng('prod');
    const model = new MLP({ widths: [4, 6, 5, 3], activation: 'identity', bias: false }, rng);
    const X = randn(rng, 7, 4);
    const P = productMatrix(model);
    expect(P.rows).toBe(3);
    expect(P.cols).toBe(4);
    expect(relErr(model.predict(X).data, gemm(X, P, { transB: true }).data)).toBeLessThan(1e-14);
  });

  for (const l of [0, 1, 2]) {
    it(`Jacobian w.r.t. the input of layer ${l} matches finite differences; AGOP = mean J^T J`, () => {
      const rng = new Rng(`jac${l}`);
      const model = new MLP({ widths: [4, 6, 5, 3], activation: ['tanh', 'relu', 'tanh'], batchnorm: [false, true, false] }, rng.child('m'));
      model.bnState[1]!.runningMean.set(rng.normals(5, 0.2));
      const X = randn(rng, 5, 4);
      const J = outputJacobians(model, X, l);
      expect(J).toHaveLength(3);
      const Z = model.representation(X, l);
      const h = 1e-6;
      for (const i of [0, 3]) {
        const Ji = sampleJacobian(J, i);
        const fd = new Matrix(3, Z.cols);
        const z = Matrix.fromRows([Array.from(Z.row(i))]);
        for (let p = 0; p < Z.cols; p++) {
          const v = z.data[p];
          z.data[p] = v + h;
          const fp = model.forward(z, { from: l }).output;
          z.data[p] = v - h;
          const fm = model.forward(z, { from: l }).output;
          z.data[p] = v;
          for (let k = 0; k < 3; k++) fd.set(k, p, (fp.data[k] - fm.data[k]) / (2 * h));
        }
        expect(relErr(Ji.data, fd.data)).toBeLessThan(1e-7);
      }
      const G = agop(model, X, l);
      const ref = new Matrix(Z.cols, Z.cols);
      for (let i = 0; i < 5; i++) gemm(sampleJacobian(J, i), sampleJacobian(J, i), { transA: true, alpha: 1 / 5, beta: 1, C: ref });
      expect(relErr(G.data, ref.data)).toBeLessThan(1e-13);
    });
  }
});
