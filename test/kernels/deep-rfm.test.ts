import { describe, expect, it } from 'vitest';
import { Matrix, gemm } from '../../src/linalg/index.ts';
import { Rng } from '../../src/random/index.ts';
import { kernelMatrix } from '../../src/kernels/kernel.ts';
import { krrSolve } from '../../src/kernels/krr.ts';
import { deepRfm, type DeepRfmLayer } from '../../src/kernels/deep-rfm.ts';
import { linearizedDeepRfm, linearizedKappa } from '../../src/kernels/linearized.ts';
import { collapseMetrics } from '../../src/metrics/collapse.ts';
import { gaussianMixture } from '../../src/data/gaussian-mixture.ts';
import { normalizeRows, trainTestSplit } from '../../src/data/dataset.ts';
import deepRfmExperiment from '../../experiments/deep-rfm.ts';
import { cellParams, makeCellContext } from '../helpers/context.ts';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { readNpy, writeNpy } from '../../src/io/npy.ts';

describe('kernel ridge regression', () => {
  for (const name of ['laplace', 'gaussian'] as const) {
    it(`interpolates its training data at mu = 0 (${name})`, () => {
      const rng = new Rng(`krr-${name}`);
      const X = new Matrix(30, 4, rng.normals(120));
      const Y = new Matrix(30, 3, rng.normals(90));
      const K = kernelMatrix(X, X, { name, bandwidth: 2 });
      const sol = krrSolve(K, Y, 0);
      expect(sol.method).toBe('cholesky');
      const P = gemm(K, sol.alpha);
      let err = 0;
      for (let t = 0; t < P.data.length; t++) err = Math.max(err, Math.abs(P.data[t] - Y.data[t]));
      expect(err).toBeLessThan(1e-8);
    });
  }

  it('falls back on a singular kernel matrix (duplicated samples) and still fits the data', () => {
    const X = Matrix.fromRows([
      [0, 1],
      [0, 1],
      [1, 0],
      [1, 0],
    ]);
    const Y = Matrix.fromRows([[1], [1], [-1], [-1]]);
    const K = kernelMatrix(X, X, { name: 'laplace', bandwidth: 2 });
    const sol = krrSolve(K, Y, 0);
    expect(sol.method).not.toBe('cholesky');
    const P = gemm(K, sol.alpha);
    for (let i = 0; i < 4; i++) expect(P.data[i]).toBeCloseTo(Y.data[i], 6);
  });
});

describe('Deep RFM', () => {
  it('keeps NC1 at 0 on data that is already collapsed', () => {
    const rng = new Rng('collapsed');
    const K = 4;
    const means = new Matrix(K, 12, rng.normals(K * 12));
    const labels = Int32Array.from({ length: 40 }, (_, i) => Math.floor(i / 10));
    const X = new Matrix(40, 12);
    for (let i = 0; i < 40; i++) X.data.set(means.row(labels[i]), i * 12);
    const layers: DeepRfmLayer[] = [];
    for (const kernel of ['laplace', 'gaussian'] as const) {
      deepRfm(
        { X, labels, classes: K },
        undefined,
        {
          depth: 1,
          kernel,
          bandwidth: 2,
          ridge: 1e-3,
          featureMap: 'relu',
          width: 64,
        },
        rng.child(kernel),
        (l) => layers.push(l),
      );
    }
    expect(layers.length).toBe(4);
    for (const l of layers) {
      for (const S of [l.input, l.agop, l.features]) {
        if (!S) continue;
        expect(collapseMetrics(S, labels).nc1Trace).toBeLessThan(1e-20);
      }
      expect(l.trainAccuracy).toBe(1);
    }
  });

  it('collapses a Gaussian mixture at the agop stage over a few layers', () => {
    const g = gaussianMixture({ k: 3, n: 120, dim: 20, sigma: 1, radius: 2 }, new Rng('gm-rfm'));
    const nc1: number[] = [];
    deepRfm(g, undefined, { depth: 4, kernel: 'gaussian', bandwidth: 2, ridge: 1e-3, featureMap: 'relu', width: 128 }, new Rng('rfm'), (l) => {
      if (l.agop) nc1.push(collapseMetrics(l.agop, g.labels).nc1Trace);
    });
    expect(nc1.length).toBe(4);
    expect(nc1[3]).toBeLessThan(nc1[0] / 10);
  });
});

describe('Deep RFM with the float32 AGOP product', () => {
  it("gives the float64 reference's accuracies and NC1 (to 1e-4 relative) over two layers", () => {
    const g = gaussianMixture({ k: 3, n: 400, dim: 20, sigma: 1, radius: 2 }, new Rng('gm-rfm-f32'));
    const run = (agopPrecision: 'f64' | 'f32') => {
      const out: { acc: number; nc1: number[] }[] = [];
      deepRfm(
        g,
        undefined,
        { depth: 2, kernel: 'laplace', bandwidth: 2, ridge: 1e-3, featureMap: 'relu', width: 64, agopPrecision },
        new Rng('rfm-f32'),
        (l) => {
          out.push({
            acc: l.trainAccuracy,
            nc1: [l.input, l.agop, l.features].filter((S) => S !== undefined).map((S) => collapseMetrics(S, g.labels).nc1Trace),
          });
        },
      );
      return out;
    };
    const ref = run('f64'),
      fast = run('f32');
    expect(fast.length).toBe(3);
    for (let l = 0; l < ref.length; l++) {
      expect(fast[l].acc).toBe(ref[l].acc);
      for (let s = 0; s < ref[l].nc1.length; s++) expect(Math.abs(fast[l].nc1[s] - ref[l].nc1[s])).toBeLessThan(1e-4 * ref[l].nc1[s]);
    }
  });
});

describe('Deep RFM refit with k_M', () => {
  it("refit_test_acc is the test accuracy of KRR with the Mahalanobis kernel ||x - z||_M of the layer's M", () => {
    const g = gaussianMixture({ k: 3, n: 90, dim: 12, sigma: 0.25, radius: 1 }, new Rng('refit'));
    const { train, test } = trainTestSplit(g, { nTrain: 60, nTest: 30 }, new Rng('refit-split'));
    const layers: DeepRfmLayer[] = [];
    const opts = { depth: 2, kernel: 'laplace' as const, bandwidth: 2, ridge: 1e-3, featureMap: 'relu' as const, width: 64 };
    deepRfm(train, test, opts, new Rng('rfm'), (l) => layers.push(l));
    const l1 = layers[0];
    // independent: k_M(x, z) = exp(-sqrt((x - z)' M (x - z)) / L) on the normalised inputs
    const Xn = l1.input;
    const Tn = l1.testInput!;
    const M = l1.M!;
    const kM = (A: Matrix, B: Matrix) => {
      const out = new Matrix(A.rows, B.rows);
      for (let i = 0; i < A.rows; i++)
        for (let j = 0; j < B.rows; j++) {
          const v = Array.from({ length: 12 }, (_, a) => A.get(i, a) - B.get(j, a));
          let q = 0;
          for (let a = 0; a < 12; a++) for (let b = 0; b < 12; b++) q += v[a] * M.get(a, b) * v[b];
          out.set(i, j, Math.exp(-Math.sqrt(Math.max(q, 0)) / 2));
        }
      return out;
    };
    const Y = new Matrix(60, 3);
    Y.data.fill(-1);
    train.labels.forEach((k, i) => Y.set(i, k, 1));
    const alpha = krrSolve(kM(Xn, Xn), Y, 1e-3).alpha;
    const pred = gemm(kM(Tn, Xn), alpha);
    let hit = 0;
    for (let i = 0; i < 30; i++) {
      let best = 0;
      for (let k = 1; k < 3; k++) if (pred.get(i, k) > pred.get(i, best)) best = k;
      if (best === test.labels[i]) hit++;
    }
    expect(l1.refitTestAccuracy).toBeCloseTo(hit / 30, 12);
    expect(l1.refitTestAccuracy).toBeGreaterThan(0.8);
    expect(layers[layers.length - 1].refitTestAccuracy).toBeNaN(); // the readout has no M
  });

  it('the experiment writes refit_test_acc per layer', async () => {
    const res = await deepRfmExperiment.runCell(makeCellContext(cellParams(deepRfmExperiment, 'quick', { dataset: 'gaussian', depth: 2 }), 0));
    expect(deepRfmExperiment.tables.accuracy).toContain('refit_test_acc');
    const acc = res.rows.accuracy;
    expect(acc.slice(0, 2).every((r) => (r.refit_test_acc as number) > 0.3 && (r.refit_test_acc as number) <= 1)).toBe(true);
    expect(acc[2].refit_test_acc).toBeNaN();
  });
});

describe('linearised Deep RFM (Sec. 4.2, Thm 4.3)', () => {
  const g = gaussianMixture({ k: 3, n: 60, dim: 80, sigma: 1, radius: 1 }, new Rng('lin'));
  const Xn = normalizeRows(g.X);
  const G1 = gemm(Xn, Xn, { transB: true });
  /** Fixed point c of G = c y y' + lambda_Phi I: on span(y) the map is c -> kappa^{-1} ((c n + lPhi) / (c n + lPhi + lK))^2. */
  function floor(n: number, lK: number, lPhi: number, kappa: number): number {
    let c = 1;
    for (let t = 0; t < 200; t++) c = ((c * n + lPhi) / (c * n + lPhi + lK)) ** 2 / kappa;
    return n * Math.abs(c - 1);
  }

  it("contracts ||Xtilde' Xtilde - y y'|| to the fixed point of the collapsed Gram (kappa = 1)", () => {
    const out = linearizedDeepRfm(G1, g.labels, 3, { depth: 6, lambdaK: 0.1, lambdaPhi: 1, kappa: 'none' });
    expect(out.length).toBe(7);
    for (let l = 2; l < out.length; l++) expect(out[l].gramError).toBeLessThanOrEqual(out[l - 1].gramError * (1 + 1e-9));
    expect(out[1].gramError).toBeGreaterThan(2 * out[3].gramError);
    expect(out[6].gramError).toBeCloseTo(floor(20, 0.1, 1, 1), 4);
  });

  it("with the paper's kappa the recursion settles at n (c - 1), c its scalar fixed point", () => {
    const kappa = linearizedKappa(1e-3, 1);
    expect(kappa).toBeCloseTo(0.996, 12);
    const out = linearizedDeepRfm(G1, g.labels, 3, { depth: 6, lambdaK: 1e-3, lambdaPhi: 1 });
    expect(out[0].gramError).toBeGreaterThan(10);
    expect(out[6].gramError).toBeCloseTo(floor(20, 1e-3, 1, kappa), 6); // ~0.0784
  });
});

describe('deep-rfm experiment', () => {
  it("reads a user's .npy features and labels", async () => {
    const g = gaussianMixture({ k: 3, n: 90, dim: 10, sigma: 0.5, radius: 2 }, new Rng('npy'));
    const dir = makeCellContext({}, 0).outDir;
    writeNpy(join(dir, 'x.npy'), { shape: [90, 10], data: g.X.data });
    writeNpy(join(dir, 'y.npy'), { shape: [90], data: g.labels }, { dtype: 'i8' });
    const params = cellParams(deepRfmExperiment, 'quick', {
      dataset: 'npy',
      features: join(dir, 'x.npy'),
      labels: join(dir, 'y.npy'),
      n: 60,
      nTest: 30,
      depth: 1,
      linN: 0,
    });
    const res = await deepRfmExperiment.runCell(makeCellContext(params, 0));
    expect(res.status).toBe('ok');
    expect(res.rows.layers.length).toBe(4);
    expect(res.rows.accuracy[0].train_acc).toBe(1);
  });

  it('quick preset on a Gaussian mixture writes all tables', async () => {
    const params = cellParams(deepRfmExperiment, 'quick', { dataset: 'gaussian', n: 120, nTest: 60, k: 3, dim: 20, depth: 2, linN: 60 });
    expect(deepRfmExperiment.validate?.(params)).toBeUndefined();
    const res = await deepRfmExperiment.runCell(makeCellContext(params, 1));
    expect(res.status).toBe('ok');
    expect(res.rows.layers.length).toBe(2 * 3 + 1);
    expect(res.rows.accuracy.length).toBe(3);
    expect(res.rows.linearized.length).toBe(3);
    for (const r of res.rows.layers) expect(Number.isFinite(r.nc1 as number)).toBe(true);
    const again = await deepRfmExperiment.runCell(makeCellContext(params, 1));
    expect(again.rows.layers).toEqual(res.rows.layers);
  });

  it('--save-gram writes the centred-normalised Gram of the agop stage as .npy', async () => {
    const params = cellParams(deepRfmExperiment, 'quick', {
      dataset: 'gaussian',
      n: 90,
      nTest: 30,
      k: 3,
      dim: 20,
      depth: 2,
      linN: 0,
      saveGram: '2',
      gramN: 30,
    });
    expect(deepRfmExperiment.validate?.(params)).toBeUndefined();
    const ctx = makeCellContext(params, 2);
    const res = await deepRfmExperiment.runCell(ctx);
    expect(res.status).toBe('ok');
    const files = readdirSync(ctx.outDir).filter((f) => f.endsWith('.npy'));
    expect(files.length).toBe(1);
    expect(files[0]).toMatch(/layer2\.npy$/);
    const a = readNpy(join(ctx.outDir, files[0]));
    expect(a.shape).toEqual([30, 30]);
    for (let i = 0; i < 30; i++) expect(a.data[i * 31]).toBeCloseTo(1, 12);
    expect(deepRfmExperiment.validate?.({ ...params, saveGram: '3' })).toMatch(/exceeds --depth/);
  });
});
