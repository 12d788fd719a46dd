import { describe, expect, it } from 'vitest';
import { Matrix } from '../../src/linalg/index.ts';
import { centroids, kmeans, tcvUpper, wcss, wcssParts, wcssX } from '../../src/metrics/clusters.ts';
import { classIndex, oneHot } from '../../src/metrics/classes.ts';
import { Rng } from '../../src/random/index.ts';
import { labelsWithCounts, randn, samplesAround } from './helpers.ts';

describe('centroids and WCSS (NRC Eq. 6)', () => {
  it('centroids of a partition', () => {
    const Z = Matrix.fromRows([
      [0, 0],
      [2, 0],
      [10, 10],
      [0, 4],
    ]);
    const { centroids: C, counts } = centroids(Z, [0, 0, 1, 0]);
    expect(C.toRows()).toEqual([
      [2 / 3, 4 / 3],
      [10, 10],
    ]);
    expect(Array.from(counts)).toEqual([3, 1]);
  });

  it('WCSS of K identical points is 0, with and without labels', () => {
    const Z = Matrix.fromRows([
      [1, 2],
      [1, 2],
      [1, 2],
      [1, 2],
    ]);
    expect(wcss(Z, null, [0, 1, 2, 0])).toBe(0);
    expect(wcss(Z, oneHot([0, 1, 2, 0], 3), [0, 1, 2, 0])).toBe(0);
    // points equal to their class centroid: also 0
    const P = Matrix.fromRows([
      [1, 1],
      [5, 5],
      [1, 1],
      [5, 5],
    ]);
    expect(wcssX(P, [0, 1, 0, 1])).toBe(0);
  });

  it('label part by hand', () => {
    // two samples in one cluster: z = 0 and 2 (centroid 1), y = 0 and 1 (centroid 0.5)
    const Z = Matrix.fromRows([[0], [2]]);
    const Y = Matrix.fromRows([[0], [1]]);
    const p = wcssParts(Z, Y, [0, 0]);
    expect(p.features).toBe(1); // (1 + 1) / 2
    expect(p.labels).toBe(0.25); // (0.25 + 0.25) / 2
    expect(p.total).toBe(1.25);
    expect(wcss(Z, Y, [0, 1])).toBe(0);
  });
});

describe('k-means++ / Lloyd and tcv_upper (NRC Def. 3.2)', () => {
  const rng = new Rng('clusters');
  const K = 4;
  const labels = labelsWithCounts([30, 10, 25, 15]);
  const centers = randn(K, 5, rng, 6);

  it('recovers well-separated blobs: k-means WCSS equals the class partition WCSS', () => {
    const X = samplesAround(centers, labels, randn(labels.length, 5, rng, 0.1));
    const res = kmeans(X, K, { rng: new Rng(1), restarts: 6 });
    const cls = wcssX(X, labels);
    expect(res.converged).toBe(true);
    expect(res.wcss).toBeCloseTo(cls, 12);
    expect(res.wcss).toBeCloseTo(wcssX(X, res.assignment), 12);
  });

  it('started from the class partition, k-means never ends above it (noisy, overlapping classes)', () => {
    for (let t = 0; t < 5; t++) {
      const r = new Rng(`overlap/${t}`);
      const X = samplesAround(randn(K, 3, r, 1), labels, randn(labels.length, 3, r, 2));
      const cls = wcssX(X, labels);
      const res = kmeans(X, K, { rng: r, restarts: 0, starts: [labels] });
      expect(res.wcss).toBeLessThanOrEqual(cls);
      expect(res.wcss).toBeLessThan(cls); // Lloyd improves a noisy partition
      const t2 = tcvUpper(X, null, labels, { rng: r, restarts: 3 });
      expect(t2.tcvUpper).toBe(Math.min(t2.classWcss, t2.kmeansWcss));
      expect(t2.kmeansWcss).toBeLessThanOrEqual(cls);
    }
  });

  it('tcv_upper on (z, one-hot y) with the label part; same seed gives the same result', () => {
    const X = samplesAround(centers, labels, randn(labels.length, 5, rng, 1));
    const ci = classIndex(labels);
    const Y = oneHot(ci.labels, ci.classes);
    const a = tcvUpper(X, Y, labels, { rng: new Rng(7), restarts: 3 });
    const b = tcvUpper(X, Y, labels, { rng: new Rng(7), restarts: 3 });
    expect(a.tcvUpper).toBe(b.tcvUpper);
    expect(Array.from(a.kmeansAssignment)).toEqual(Array.from(b.kmeansAssignment));
    expect(a.classWcss).toBeCloseTo(wcssX(X, labels), 12); // label part vanishes on the class partition
    expect(a.tcvUpper).toBeLessThanOrEqual(a.classWcss);
    expect(a.kmeansWcss).toBeCloseTo(wcss(X, Y, a.kmeansAssignment), 10);
  });
});
