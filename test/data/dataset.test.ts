import { describe, expect, it } from 'vitest';
import { Matrix } from '../../src/linalg/index.ts';
import { Rng } from '../../src/random/index.ts';
import { classCounts, normalizeRows, oneHot, sortByClass, standardize, subset, trainTestSplit } from '../../src/data/dataset.ts';
import { balancedSizes, gaussianMixture } from '../../src/data/gaussian-mixture.ts';

describe('dataset helpers', () => {
  it('one-hot with configurable values', () => {
    const Y = oneHot([2, 0, 1], 3, { on: 1, off: -1 });
    expect(Array.from(Y.data)).toEqual([-1, -1, 1, 1, -1, -1, -1, 1, -1]);
    expect(Array.from(oneHot([1], 2).data)).toEqual([0, 1]);
  });

  it('sorts by class, stably', () => {
    const ds = { X: Matrix.fromRows([[0], [1], [2], [3], [4]]), labels: Int32Array.from([1, 0, 1, 0, 2]), classes: 3 };
    const s = sortByClass(ds);
    expect(Array.from(s.labels)).toEqual([0, 0, 1, 1, 2]);
    expect(Array.from(s.X.data)).toEqual([1, 3, 0, 2, 4]);
  });

  it('standardises each feature to mean 0 and std 1, constant features only centred', () => {
    const X = Matrix.fromRows([
      [1, 5, 2],
      [3, 5, 4],
      [5, 5, 9],
    ]);
    const Z = standardize(X);
    for (let j = 0; j < 3; j++) {
      const col = Z.col(j);
      const mean = col.reduce((a, b) => a + b, 0) / 3;
      const sd = Math.sqrt(col.reduce((a, b) => a + (b - mean) ** 2, 0) / 3);
      expect(mean).toBeCloseTo(0, 12);
      expect(sd).toBeCloseTo(j === 1 ? 0 : 1, 12);
    }
  });

  it('normalises rows to unit length', () => {
    const U = normalizeRows(
      Matrix.fromRows([
        [3, 4],
        [0, 0],
      ]),
    );
    expect(U.get(0, 0)).toBeCloseTo(0.6, 15);
    expect(U.get(0, 1)).toBeCloseTo(0.8, 15);
    expect([U.get(1, 0), U.get(1, 1)]).toEqual([0, 0]);
  });

  it('stratified subset keeps class shares; split is disjoint and seeded', () => {
    const labels = Int32Array.from({ length: 1000 }, (_, i) => (i < 600 ? 0 : i < 900 ? 1 : 2));
    const ds = {
      X: new Matrix(
        1000,
        1,
        Float64Array.from({ length: 1000 }, (_, i) => i),
      ),
      labels,
      classes: 3,
    };
    const s = subset(ds, 100, new Rng(1));
    expect(Array.from(classCounts(s.labels, 3))).toEqual([60, 30, 10]);
    const a = trainTestSplit(ds, { nTrain: 200, nTest: 100 }, new Rng(7));
    const b = trainTestSplit(ds, { nTrain: 200, nTest: 100 }, new Rng(7));
    expect(Array.from(a.train.X.data)).toEqual(Array.from(b.train.X.data));
    const ids = new Set([...a.train.X.data, ...a.test.X.data]);
    expect(ids.size).toBe(300);
    expect(Array.from(classCounts(a.test.labels, 3))).toEqual([60, 30, 10]);
    const c = trainTestSplit(ds, { nTrain: 200, nTest: 100 }, new Rng(8));
    expect(Array.from(c.train.X.data)).not.toEqual(Array.from(a.train.X.data));
  });
});

describe('gaussian mixture', () => {
  it('balanced, class-major, means of norm radius, within-class variance sigma^2', () => {
    const g = gaussianMixture({ k: 4, n: 4000, dim: 50, sigma: 0.5, radius: 3 }, new Rng('gm'));
    expect(g.X.rows).toBe(4000);
    expect(Array.from(classCounts(g.labels, 4))).toEqual([1000, 1000, 1000, 1000]);
    for (let i = 1; i < 4000; i++) expect(g.labels[i]).toBeGreaterThanOrEqual(g.labels[i - 1]);
    for (let c = 0; c < 4; c++) {
      const mu = g.means.row(c);
      expect(Math.hypot(...mu)).toBeCloseTo(3, 12);
    }
    // Within-class variance per coordinate: mean over 4000 x 50 squared deviations from the true means.
    let s = 0;
    for (let i = 0; i < 4000; i++) for (let j = 0; j < 50; j++) s += (g.X.get(i, j) - g.means.get(g.labels[i], j)) ** 2;
    const v = s / (4000 * 50);
    // standard error of the mean of chi^2_1 * sigma^2: sigma^2 sqrt(2 / 200000) ~ 8e-4
    expect(Math.abs(v - 0.25)).toBeLessThan(5 * 0.25 * Math.sqrt(2 / 200000));
    // Empirical class means close to the true means: error norm ~ sigma sqrt(d / n_k) = 0.11
    let err = 0;
    for (let j = 0; j < 50; j++) {
      let m = 0;
      for (let i = 0; i < 1000; i++) m += g.X.get(i, j) / 1000;
      err += (m - g.means.get(0, j)) ** 2;
    }
    expect(Math.sqrt(err)).toBeLessThan(0.2);
    const again = gaussianMixture({ k: 4, n: 4000, dim: 50, sigma: 0.5, radius: 3 }, new Rng('gm'));
    expect(Array.from(again.X.data).every((v, t) => v === g.X.data[t])).toBe(true);
  });

  it('spreads a remainder over the first classes', () => {
    expect(Array.from(balancedSizes(10, 3))).toEqual([4, 3, 3]);
  });
});
