import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/random/index.ts';
import { classCounts } from '../../src/data/dataset.ts';
import { averagePool, mnistDataset, mnistSplit } from '../../src/data/mnist.ts';
import { Matrix } from '../../src/linalg/index.ts';

describe('mnist package loader', () => {
  it('loads the 10,000 digits with labels 0-9 and grey values in [0, 1]', () => {
    const ds = mnistDataset();
    expect(ds.X.rows).toBe(10000);
    expect(ds.X.cols).toBe(784);
    expect(ds.classes).toBe(10);
    expect(Array.from(classCounts(ds.labels, 10))).toEqual([1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978]);
    let mn = Infinity;
    let mx = -Infinity;
    for (const v of ds.X.data) {
      mn = Math.min(mn, v);
      mx = Math.max(mx, v);
    }
    expect(mn).toBe(0);
    expect(mx).toBe(1);
    // Deterministic: fixed checksum of the first image of each class and a copy per call.
    const again = mnistDataset();
    expect(again.X.data === ds.X.data).toBe(false);
    let same = true;
    for (let t = 0; t < ds.X.data.length; t++)
      if (again.X.data[t] !== ds.X.data[t]) {
        same = false;
        break;
      }
    expect(same).toBe(true);
    let total = 0;
    for (const v of ds.X.data) total += v;
    expect(total / 10000).toBeGreaterThan(90); // mean ink per digit ~ 0.13 * 784
    expect(total / 10000).toBeLessThan(120);
  });

  it('average pooling 2 gives 14x14 with the same mean per image', () => {
    const ds = mnistDataset();
    const p = mnistDataset({ pool: 2 });
    expect(p.X.cols).toBe(196);
    for (const i of [0, 5000, 9999]) {
      const a = ds.X.row(i).reduce((s, v) => s + v, 0) / 784;
      const b = p.X.row(i).reduce((s, v) => s + v, 0) / 196;
      expect(b).toBeCloseTo(a, 12);
    }
    const X = Matrix.fromRows([[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16]]);
    expect(Array.from(averagePool(X, 4, 2).data)).toEqual([3.5, 5.5, 11.5, 13.5]);
  });

  it('seeded split: same seed same data, disjoint, stratified', () => {
    const a = mnistSplit({ nTrain: 500, nTest: 200, pool: 4 }, new Rng(3));
    const b = mnistSplit({ nTrain: 500, nTest: 200, pool: 4 }, new Rng(3));
    expect(a.train.X.cols).toBe(49);
    expect(Array.from(a.train.X.data).every((v, t) => v === b.train.X.data[t])).toBe(true);
    expect(a.test.labels).toEqual(b.test.labels);
    const tc = classCounts(a.train.labels, 10);
    expect(tc[1]).toBeGreaterThanOrEqual(56); // 500 * 1127/10000 = 56.35
    expect(tc[5]).toBeLessThanOrEqual(44); // 500 * 863/10000 = 43.15
    const key = (r: Float64Array) => Array.from(r).join(',');
    const trainKeys = new Set(Array.from({ length: 500 }, (_, i) => key(a.train.X.row(i))));
    let shared = 0;
    for (let i = 0; i < 200; i++) if (trainKeys.has(key(a.test.X.row(i)))) shared++;
    expect(shared).toBeLessThanOrEqual(2); // only genuinely duplicated pooled images could coincide
  });
});
