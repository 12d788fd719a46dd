// The global-mean convention under unbalanced classes, and accurate reductions.
import { describe, expect, it } from 'vitest';
import { CompensatedSums, Matrix, pairwiseSum, pairwiseSumSquares } from '../../src/linalg/index.ts';
import { classStats, collapseMetrics, globalMeanConventions, traceSigmaW } from '../../src/metrics/collapse.ts';
import { Rng } from '../../src/random/index.ts';
import { labelsWithCounts, randn, randomOrthogonal, samplesAround, simplexMeans } from './helpers.ts';

// double-double arithmetic (Dekker 1971): [hi, lo] with |lo| <= ulp(hi)/2, about 106 bits
type DD = [number, number];
function twoSum(a: number, b: number): DD {
  const s = a + b;
  const bb = s - a;
  return [s, a - (s - bb) + (b - bb)];
}
function split(a: number): DD {
  const c = 134217729 * a;
  const h = c - (c - a);
  return [h, a - h];
}
function twoProd(a: number, b: number): DD {
  const p = a * b;
  const [ah, al] = split(a);
  const [bh, bl] = split(b);
  return [p, ah * bh - p + ah * bl + al * bh + al * bl];
}
function ddAdd(x: DD, y: DD): DD {
  const [s, e] = twoSum(x[0], y[0]);
  const t = e + x[1] + y[1];
  return twoSum(s, t);
}
function ddMul(x: DD, y: DD): DD {
  const [p, e] = twoProd(x[0], y[0]);
  return twoSum(p, e + x[0] * y[1] + x[1] * y[0]);
}
function ddDiv(x: DD, n: number): DD {
  const q = x[0] / n;
  const [p, e] = twoProd(q, n);
  const r = (x[0] - p - e + x[1]) / n;
  return twoSum(q, r);
}

/** tr Sigma_W in double-double: class means, residuals, squares and sums all in ~106 bits. */
function traceSigmaWReference(X: Matrix, labels: Int32Array, K: number): number {
  const { rows: N, cols: d } = X;
  const sums: DD[] = Array.from({ length: K * d }, () => [0, 0]);
  const counts = new Int32Array(K);
  for (let i = 0; i < N; i++) {
    counts[labels[i]]++;
    for (let j = 0; j < d; j++) sums[labels[i] * d + j] = ddAdd(sums[labels[i] * d + j], [X.data[i * d + j], 0]);
  }
  const means = sums.map((s, idx) => ddDiv(s, counts[Math.floor(idx / d)]));
  let total: DD = [0, 0];
  for (let i = 0; i < N; i++)
    for (let j = 0; j < d; j++) {
      const m = means[labels[i] * d + j];
      const r = ddAdd([X.data[i * d + j], 0], [-m[0], -m[1]]);
      total = ddAdd(total, ddMul(r, r));
    }
  return ddDiv(total, N)[0] + ddDiv(total, N)[1];
}

describe('unbalanced classes at an exact simplex ETF', () => {
  const K = 10;
  const d = 16;
  const counts = Array.from({ length: K }, (_, k) => Math.round(1000 * 0.6 ** k));
  const labels = labelsWithCounts(counts);
  const rng = new Rng('unbalanced-etf');
  const M = simplexMeans(K, d, 1, randomOrthogonal(d, rng));
  const X = samplesAround(M, labels, randn(labels.length, d, rng, 1e-6));

  it('nc2_etf, nc2_gram and nc3 are ~1e-7 with the default (class-means) centring', () => {
    expect(counts[0]).toBe(1000);
    expect(counts[K - 1]).toBe(10);
    const m = collapseMetrics(X, labels, { classifier: M });
    expect(m.nc2Etf).toBeLessThan(1e-6);
    expect(m.nc2Gram).toBeLessThan(1e-5); // sums K^2 entries; the smallest class (10 samples) moves its mean by ~3e-7
    expect(m.nc3!).toBeLessThan(1e-6);
    expect(m.nc2Etf).toBeGreaterThan(1e-9); // the noise is seen, not rounded away
    const exact = collapseMetrics(samplesAround(M, labels), labels, { classifier: M });
    expect(exact.nc2Etf).toBeLessThan(1e-12);
    expect(exact.nc2Gram).toBeLessThan(1e-12);
    expect(exact.nc3!).toBeLessThan(1e-12);
  });

  it("centring on the mean of all samples ('samples') reproduces the biased values of the issue", () => {
    const m = collapseMetrics(X, labels, { classifier: M, globalMean: 'samples' });
    expect(m.nc2Etf).toBeGreaterThan(0.5);
    expect(m.nc2Gram).toBeGreaterThan(1.5);
    expect(m.nc3!).toBeGreaterThan(0.3);
  });

  it('NC1 keeps the sample-mean Sigma_B by default; the option switches every metric', () => {
    expect(globalMeanConventions()).toEqual({ dispersion: 'samples', geometry: 'classMeans' });
    expect(globalMeanConventions({ globalMean: 'samples' })).toEqual({ dispersion: 'samples', geometry: 'samples' });
    const def = classStats(X, labels);
    const cm = classStats(X, labels, { globalMean: 'classMeans' });
    const sm = classStats(X, labels, { globalMean: 'samples' });
    expect(Array.from(def.globalMean)).toEqual(Array.from(sm.globalMean));
    expect(Array.from(def.geometryGlobalMean)).toEqual(Array.from(cm.geometryGlobalMean));
    // mean of the class means of an exact ETF is 0 (up to the noise)
    for (const v of def.geometryGlobalMean) expect(Math.abs(v)).toBeLessThan(1e-6);
  });
});

describe('accurate reductions', () => {
  it('pairwise and compensated sums against exact integer sums', () => {
    // 0.1 repeated: the running sum drifts, pairwise / compensated stay within a few ulps
    const n = 1_000_000;
    const a = new Float64Array(n).fill(0.1);
    const exact = n * 0.1; // 0.1 (as a double) * 1e6 rounded once
    let naive = 0;
    for (const v of a) naive += v;
    expect(Math.abs(naive - exact) / exact).toBeGreaterThan(1e-12);
    expect(Math.abs(pairwiseSum(a) - exact) / exact).toBeLessThan(5e-15);
    const c = new CompensatedSums(1);
    for (const v of a) c.add(0, v);
    expect(Math.abs(c.value(0) - exact) / exact).toBeLessThan(2e-16);
    // sum of squares of integers: exact in doubles below 2^53
    const b = Float64Array.from({ length: 1000 }, (_, i) => i + 1);
    expect(pairwiseSumSquares(b)).toBe((1000 * 1001 * 2001) / 6);
    expect(pairwiseSumSquares(b, 10, 20)).toBe(Array.from({ length: 10 }, (_, i) => (i + 11) ** 2).reduce((x, y) => x + y));
  });

  it('tr Sigma_W at 5000 x 64 is within 1e-15 (relative) of a double-double reference; a running sum is not', () => {
    const N = 5000;
    const d = 64;
    const K = 10;
    const rng = new Rng('trace-accuracy');
    const labels = Int32Array.from({ length: N }, () => rng.int(K));
    const X = randn(N, d, rng);
    for (let i = 0; i < X.data.length; i++) X.data[i] = 3 + X.data[i] * (1 + (i % 7));
    const ref = traceSigmaWReference(X, labels, K);
    const s = classStats(X, labels);
    const ours = traceSigmaW(s);
    expect(Math.abs(ours - ref) / ref).toBeLessThan(1e-15);
    let naive = 0;
    for (const v of s.within.data) naive += v * v;
    naive /= N;
    expect(Math.abs(naive - ref) / ref).toBeGreaterThan(2e-15);
  });
});
