// The relations between nrc's NC variants written down in the header of src/metrics/collapse.ts (R1-R8).
import { describe, expect, it } from 'vitest';
import { Matrix, pinv } from '../../src/linalg/index.ts';
import { cdnv, collapseMetrics, nc1, nc1PerClass, nc1Trace, nc2Etf, nc2Gram, sigmaB, sigmaT, sigmaW } from '../../src/metrics/collapse.ts';
import { Rng } from '../../src/random/index.ts';
import { labelsWithCounts, mul, randn, randomOrthogonal, samplesAround, simplexMeans } from './helpers.ts';

function trace(A: Matrix): number {
  let t = 0;
  for (let i = 0; i < A.rows; i++) t += A.get(i, i);
  return t;
}

/** Within-class noise confined to the first `span` coordinates (after rotation Q). */
function noiseIn(N: number, d: number, span: number, rng: Rng, Q: Matrix): Matrix {
  const E = Matrix.fromFunction(N, d, (_, j) => (j < span ? rng.normal() * 0.3 : 0));
  return mul(E, Q);
}

describe('relations between NC variants', () => {
  it('R1: nc1 = sum_k pi_k nc1_class[k] (mean over classes when balanced)', () => {
    const rng = new Rng('R1');
    for (const counts of [
      [4, 9, 2, 15],
      [6, 6, 6, 6],
    ]) {
      const labels = labelsWithCounts(counts);
      const N = labels.length;
      const X = samplesAround(randn(4, 5, rng), labels, randn(N, 5, rng, 0.8));
      const per = nc1PerClass(X, labels);
      const weighted = counts.reduce((s, n, k) => s + (n / N) * per[k], 0);
      expect(nc1(X, labels)).toBeCloseTo(weighted, 12);
      if (counts[0] === counts[1]) expect(nc1(X, labels)).toBeCloseTo(per.reduce((a, b) => a + b, 0) / 4, 12);
    }
  });

  it('R2 + R5: ETF means, balanced, scatter inside the span of the means: nc1 = (K-1)/K nc1_trace = 2 cdnv', () => {
    const K = 5;
    const d = 8;
    const rng = new Rng('R2');
    const Q = randomOrthogonal(d, rng);
    const labels = labelsWithCounts([6, 6, 6, 6, 6]);
    const M = simplexMeans(K, d, 2, Q);
    // span of the simplex means: sum-zero vectors of the first K coordinates; put noise there
    const E = Matrix.fromFunction(labels.length, d, (_, j) => (j < K ? rng.normal() * 0.3 : 0));
    for (let i = 0; i < E.rows; i++) {
      let m = 0;
      for (let j = 0; j < K; j++) m += E.get(i, j) / K;
      for (let j = 0; j < K; j++) E.set(i, j, E.get(i, j) - m);
    }
    // keep the class means exactly at the ETF: remove each class's noise mean
    for (let k = 0; k < K; k++)
      for (let j = 0; j < d; j++) {
        let m = 0;
        let n = 0;
        for (let i = 0; i < E.rows; i++)
          if (labels[i] === k) {
            m += E.get(i, j);
            n++;
          }
        for (let i = 0; i < E.rows; i++) if (labels[i] === k) E.set(i, j, E.get(i, j) - m / n);
      }
    const X = samplesAround(M, labels, mul(E, Q));
    const t = nc1Trace(X, labels);
    expect(nc1(X, labels)).toBeCloseTo(((K - 1) / K) * t, 12);
    expect(cdnv(X, labels)).toBeCloseTo(((K - 1) / (2 * K)) * t, 12);
    expect(cdnv(X, labels)).toBeCloseTo(nc1(X, labels) / 2, 12);
    // noise outside the span only adds to nc1_trace: nc1 < (K-1)/K nc1_trace
    const out = noiseIn(labels.length, d, d, rng, Q);
    const X2 = samplesAround(M, labels, out);
    expect(nc1(X2, labels)).toBeLessThan(((K - 1) / K) * nc1Trace(X2, labels));
  });

  it('R3: sum conventions: tr(S_W S_B^+) = N nc1, tr S_W / tr S_B = (N/K) nc1_trace (full-rank Sigma_B, d = K-1)', () => {
    const rng = new Rng('R3');
    const K = 4;
    const d = K - 1;
    const labels = labelsWithCounts([5, 8, 3, 9]);
    const N = labels.length;
    const X = samplesAround(randn(K, d, rng, 2), labels, randn(N, d, rng, 0.6));
    const SW = sigmaW(X, labels);
    const SB = sigmaB(X, labels);
    const SWsum = new Matrix(
      d,
      d,
      SW.data.map((v) => v * N),
    );
    const SBsum = new Matrix(
      d,
      d,
      SB.data.map((v) => v * K),
    );
    expect(trace(mul(SWsum, pinv(SBsum)))).toBeCloseTo(N * nc1(X, labels), 9);
    expect(trace(mul(SW, pinv(SB)))).toBeCloseTo(K * nc1(X, labels), 9);
    expect(trace(SWsum) / trace(SBsum)).toBeCloseTo((N / K) * nc1Trace(X, labels), 12);
  });

  it('R4: Sigma_T = Sigma_W + Sigma_B and tr Sigma_W / tr Sigma_T = nc1_trace / (1 + nc1_trace) for balanced classes; the pi-weighted form otherwise', () => {
    const rng = new Rng('R4');
    const d = 4;
    const balanced = labelsWithCounts([5, 5, 5]);
    const X = samplesAround(randn(3, d, rng), balanced, randn(15, d, rng));
    const ST = sigmaT(X);
    const sum = sigmaW(X, balanced);
    const SB = sigmaB(X, balanced);
    for (let i = 0; i < d * d; i++) expect(ST.data[i]).toBeCloseTo(sum.data[i] + SB.data[i], 12);
    const r = nc1Trace(X, balanced);
    expect(trace(sum) / trace(ST)).toBeCloseTo(r / (1 + r), 12);
    // unbalanced: Sigma_T = Sigma_W + sum_k pi_k (mu_k - mu_G)(mu_k - mu_G)^T = Sigma_W + (K/N) sum_k N_k/K ...
    const counts = [2, 7, 11];
    const lab = labelsWithCounts(counts);
    const Y = samplesAround(randn(3, d, rng), lab, randn(lab.length, d, rng));
    const m = collapseMetrics(Y, lab);
    const STu = sigmaT(Y);
    expect(trace(STu)).toBeCloseTo(
      m.traceSigmaW +
        (() => {
          // sum_k pi_k ||mu_k - mu_G||^2 from class means
          const N = lab.length;
          const mu = new Float64Array(d);
          for (let i = 0; i < N; i++) for (let j = 0; j < d; j++) mu[j] += Y.get(i, j) / N;
          let s = 0;
          for (let k = 0; k < 3; k++) {
            const mk = new Float64Array(d);
            for (let i = 0; i < N; i++) if (lab[i] === k) for (let j = 0; j < d; j++) mk[j] += Y.get(i, j) / counts[k];
            for (let j = 0; j < d; j++) s += (counts[k] / N) * (mk[j] - mu[j]) ** 2;
          }
          return s;
        })(),
      12,
    );
    expect(Math.abs(trace(STu) - m.traceSigmaW - m.traceSigmaB)).toBeGreaterThan(1e-6); // differs from Sigma_W + Sigma_B
  });

  it('R6: with equal-norm centred means nc2_etf <= 2 sqrt(K-1)/K nc2_gram; both 0 at the ETF', () => {
    // K = 4 centred means r u1, -r u1, r u2, -r u2 (equal norms, sum zero) at several angles between u1 and u2
    const K = 4;
    const labels = labelsWithCounts([3, 3, 3, 3]);
    for (const angle of [0.1, 0.5, 1, Math.PI / 2, 2.5]) {
      const u1 = [1, 0, 0];
      const u2 = [Math.cos(angle), Math.sin(angle), 0];
      const M = Matrix.fromRows([u1, u1.map((v) => -v), u2, u2.map((v) => -v)].map((u) => u.map((v) => 2 * v)));
      const X = samplesAround(M, labels, randn(12, 3, new Rng(`R6/${angle}`), 0.01));
      const etf = nc2Etf(samplesAround(M, labels), labels);
      const gram = nc2Gram(samplesAround(M, labels), labels);
      expect(gram).toBeGreaterThan(0.1);
      expect(etf).toBeLessThanOrEqual(((2 * Math.sqrt(K - 1)) / K) * gram + 1e-12);
      expect(nc2Etf(X, labels)).toBeCloseTo(etf, 1); // continuous in the features
    }
    const E = samplesAround(simplexMeans(K, 5, 3), labels);
    expect(nc2Etf(E, labels)).toBeLessThan(1e-12);
    expect(nc2Gram(E, labels)).toBeLessThan(1e-12);
  });

  it('R8: K = 2: nc2_gram = 0 always; nc2_etf = 0 for balanced classes or centring on the class means', () => {
    const rng = new Rng('R8');
    const unb = labelsWithCounts([3, 9]);
    const X = samplesAround(randn(2, 3, rng), unb, randn(12, 3, rng, 0.4));
    expect(nc2Gram(X, unb)).toBeLessThan(1e-12);
    expect(nc2Etf(X, unb, { globalMean: 'samples' })).toBeGreaterThan(0.1);
    expect(nc2Etf(X, unb)).toBeLessThan(1e-12); // default geometry centring: mean of the class means
    expect(nc2Etf(X, unb, { globalMean: 'classMeans' })).toBeLessThan(1e-12);
    const bal = labelsWithCounts([6, 6]);
    expect(nc2Etf(samplesAround(randn(2, 3, rng), bal, randn(12, 3, rng)), bal)).toBeLessThan(1e-12);
  });
});
