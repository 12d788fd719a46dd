import { describe, expect, it } from 'vitest';
import { Matrix, eigSym } from '../../src/linalg/index.ts';
import {
  cdnv,
  centeredNormalizedGram,
  classMeans,
  collapseMetrics,
  nc1,
  nc1PerClass,
  nc1Trace,
  nc2Etf,
  nc2Gram,
  nc2Orthogonal,
  nc3,
  sigmaB,
  sigmaW,
} from '../../src/metrics/collapse.ts';
import { nfaCorrelation } from '../../src/metrics/nfa.ts';
import { Rng } from '../../src/random/index.ts';
import { labelsWithCounts, mul, randn, randomOrthogonal, samplesAround, simplexMeans, transposed } from './helpers.ts';

describe('exactly collapsed features at a simplex ETF', () => {
  const K = 4;
  const d = 7;
  const Q = randomOrthogonal(d, new Rng('etf'));
  const M = simplexMeans(K, d, 3, Q);
  const labels = labelsWithCounts([5, 5, 5, 5]);
  const X = samplesAround(M, labels);

  it('NC1 = NC1~ = 0, NC2 (both) = 0, NC3 = 0 for the self-dual classifier, CDNV = 0', () => {
    const m = collapseMetrics(X, labels, { classifier: M });
    // zero up to the round-off of the means (residuals ~1e-16, squared)
    expect(m.nc1).toBeLessThan(1e-25);
    expect(m.nc1Trace).toBeLessThan(1e-25);
    expect(m.cdnv).toBeLessThan(1e-25);
    expect(m.nc1).toBeGreaterThanOrEqual(0);
    expect(m.nc2Etf).toBeLessThan(1e-12);
    expect(m.nc2Gram).toBeLessThan(1e-12);
    expect(m.nc3!).toBeLessThan(1e-12);
    expect(m.samples).toBe(20);
    expect(m.classes).toBe(K);
    expect(m.dim).toBe(d);
  });

  it('the centred-normalised Gram of samples: 1 within a class, -1/(K-1) across (AGOP Fig. 1)', () => {
    const G = centeredNormalizedGram(X, labels);
    for (let i = 0; i < X.rows; i++)
      for (let j = 0; j < X.rows; j++) {
        expect(G.get(i, j)).toBeCloseTo(labels[i] === labels[j] ? 1 : -1 / (K - 1), 12);
      }
  });
});

describe('orthogonal class means (hand-computed values)', () => {
  const labels = labelsWithCounts([4, 4, 4]);

  it('equal norms: centring turns an orthogonal frame into the simplex ETF, every NC2 is 0', () => {
    const X = samplesAround(
      Matrix.fromRows([
        [2, 0, 0, 0],
        [0, 2, 0, 0],
        [0, 0, 2, 0],
      ]),
      labels,
    );
    expect(nc2Etf(X, labels)).toBeLessThan(1e-12);
    expect(nc2Gram(X, labels)).toBeLessThan(1e-12);
    expect(nc2Orthogonal(X, labels)).toBeLessThan(1e-12);
  });

  it('means e1, e2, 2 e3: nc2_etf = sqrt(2 - 4/sqrt 5), nc2_gram = sqrt(1/2 + 4 (1/2 - 1/sqrt 2)^2), orthogonal-frame distance sqrt(2 - 4/sqrt 6)', () => {
    // centred means (2,-1,-2)/3, (-1,2,-2)/3, (-1,-1,4)/3: Gram [[1,0,-1],[0,1,-1],[-1,-1,2]], ||G||_F = sqrt 10, <G, I - J/3> = 4
    const X = samplesAround(
      Matrix.fromRows([
        [1, 0, 0],
        [0, 1, 0],
        [0, 0, 2],
      ]),
      labels,
    );
    expect(nc2Etf(X, labels)).toBeCloseTo(Math.sqrt(2 - 4 / Math.sqrt(5)), 12);
    expect(nc2Gram(X, labels)).toBeCloseTo(Math.sqrt(0.5 + 4 * (0.5 - 1 / Math.sqrt(2)) ** 2), 12);
    // uncentred Gram diag(1, 1, 4) against I/sqrt 3
    expect(nc2Orthogonal(X, labels)).toBeCloseTo(Math.sqrt(2 - 4 / Math.sqrt(6)), 12);
  });
});

describe('invariance and non-negativity', () => {
  it('every NC metric is invariant under an orthogonal rotation of the features (and W -> W Q)', () => {
    const rng = new Rng('rotate');
    const d = 6;
    const labels = labelsWithCounts([7, 3, 9, 5]);
    const X = samplesAround(randn(4, d, rng, 2), labels, randn(labels.length, d, rng, 0.7));
    const W = randn(4, d, rng);
    const Q = randomOrthogonal(d, rng);
    const a = collapseMetrics(X, labels, { classifier: W });
    const b = collapseMetrics(mul(X, Q), labels, { classifier: mul(W, Q) });
    for (const key of ['nc1', 'nc1Trace', 'cdnv', 'nc2Etf', 'nc2Gram', 'nc2Orthogonal', 'nc3', 'traceSigmaW', 'traceSigmaB'] as const) {
      expect(b[key]!).toBeCloseTo(a[key]!, 10);
    }
    for (let k = 0; k < 4; k++) expect(b.nc1PerClass[k]).toBeCloseTo(a.nc1PerClass[k], 10);
    expect(a.nc1).toBeGreaterThan(0);
  });

  it('unbalanced classes: nc1 equals (1/K) tr(Sigma_W Sigma_B^+) computed from the d x d matrices (top K-1 eigenpairs)', () => {
    const rng = new Rng('unbalanced');
    const d = 8;
    const K = 4;
    const labels = labelsWithCounts([3, 20, 6, 11]);
    const X = samplesAround(randn(K, d, rng), labels, randn(labels.length, d, rng, 0.5));
    const SW = sigmaW(X, labels);
    const { values, vectors } = eigSym(sigmaB(X, labels));
    let expected = 0;
    for (let j = 0; j < K - 1; j++) {
      let q = 0;
      for (let a = 0; a < d; a++) for (let b = 0; b < d; b++) q += vectors.get(a, j) * SW.get(a, b) * vectors.get(b, j);
      expected += q / values[j];
    }
    expected /= K;
    expect(values[K - 1]).toBeLessThan(1e-12 * values[0]); // rank Sigma_B <= K-1 even for unequal class sizes
    expect(nc1(X, labels)).toBeCloseTo(expected, 10);
    expect(nc1PerClass(X, labels).length).toBe(K);
  });

  it('NC1 is never negative: collinear means leave round-off eigenvalues in Sigma_B that are not inverted', () => {
    const rng = new Rng('collinear');
    const d = 30;
    const dir = randn(1, d, rng);
    // three collinear class means: rank Sigma_B = 1 (< K - 1 = 2); d > N so Sigma_W is singular too
    const means = Matrix.fromFunction(3, d, (k, j) => (k - 1) * dir.get(0, j) * (1 + 1e-3 * k));
    const labels = labelsWithCounts([3, 4, 5]);
    const X = samplesAround(means, labels, randn(12, d, rng, 0.1));
    const v = nc1(X, labels);
    expect(v).toBeGreaterThanOrEqual(0);
    expect(Number.isFinite(v)).toBe(true);
    for (const p of nc1PerClass(X, labels)) expect(p).toBeGreaterThanOrEqual(0);
    for (let t = 0; t < 20; t++) {
      const r = new Rng(`nonneg/${t}`);
      const lab = labelsWithCounts([1 + (t % 4), 2, 3 + t, 1]);
      const Y = samplesAround(randn(4, 3 + (t % 5), r), lab, randn(lab.length, 3 + (t % 5), r, 1));
      expect(nc1(Y, lab)).toBeGreaterThanOrEqual(0);
    }
  });

  it('labels need not be 0..K-1; class means come in increasing label order', () => {
    const X = Matrix.fromRows([
      [1, 0],
      [3, 0],
      [0, 5],
      [0, 7],
    ]);
    const M = classMeans(X, [9, 9, 4, 4]);
    expect(M.toRows()).toEqual([
      [0, 6],
      [2, 0],
    ]);
    // tr Sigma_W = (1+1+1+1)/4 = 1; global mean (1, 3); centred means (-1, 3), (1, -3): tr Sigma_B = (10 + 10)/2
    expect(nc1Trace(X, [9, 9, 4, 4])).toBeCloseTo(1 / 10, 14);
    // a 10-row classifier is indexed by label value
    const W = Matrix.fromFunction(10, 2, (i, j) => (i === 4 ? [0, 1][j] : i === 9 ? [1, 0][j] : 7));
    expect(nc3(X, [9, 9, 4, 4], W)).toBeCloseTo(
      nc3(
        X,
        [9, 9, 4, 4],
        Matrix.fromRows([
          [0, 1],
          [1, 0],
        ]),
      ),
      14,
    );
    expect(cdnv(X, [9, 9, 4, 4])).toBeCloseTo((1 + 1) / (2 * 40), 14);
  });
});

describe('NFA correlation', () => {
  it('is Pearson correlation after removing each mean: affine images correlate +-1', () => {
    const rng = new Rng('nfa');
    const A = randn(5, 5, rng);
    const B = new Matrix(
      5,
      5,
      A.data.map((v) => 3 * v + 7),
    );
    const C = new Matrix(
      5,
      5,
      A.data.map((v) => -0.5 * v + 1),
    );
    expect(nfaCorrelation(A, B)).toBeCloseTo(1, 14);
    expect(nfaCorrelation(A, C)).toBeCloseTo(-1, 14);
    const D = Matrix.fromRows([
      [1, 2],
      [3, 4],
    ]);
    const E = Matrix.fromRows([
      [1, 3],
      [2, 5],
    ]);
    // x = (1,2,3,4) - 2.5, y = (1,3,2,5) - 2.75: sum xy = 2.625 - 0.125 - 0.375 + 3.375 = 5.5, sum x^2 = 5, sum y^2 = 8.75
    expect(nfaCorrelation(D, E)).toBeCloseTo(5.5 / Math.sqrt(5 * 8.75), 14);
    expect(nfaCorrelation(transposed(D), transposed(D))).toBeCloseTo(1, 14);
  });
});
