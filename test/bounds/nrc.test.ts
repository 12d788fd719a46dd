import { describe, expect, it } from 'vitest';
import { Matrix, pinv, singularValues, svd } from '../../src/linalg/index.ts';
import {
  centroidData,
  centroidRidgeSolution,
  linearRidgeLoss,
  prop41Bound,
  prop41BoundIsotropic,
  rankKRidgeSolution,
  ridgeSolution,
  theorem53,
  theorem53Bound,
  theorem54,
  theorem54Bound,
} from '../../src/bounds/nrc.ts';
import { centroids, wcss, wcssX } from '../../src/metrics/clusters.ts';
import { Rng } from '../../src/random/index.ts';
import { labelsWithCounts, mul, randn, samplesAround, transposed } from '../metrics/helpers.ts';

function frobDiff(A: Matrix, B: Matrix): number {
  let s = 0;
  for (let i = 0; i < A.data.length; i++) s += (A.data[i] - B.data[i]) ** 2;
  return Math.sqrt(s);
}

function frob(A: Matrix): number {
  return Math.sqrt(A.data.reduce((s, v) => s + v * v, 0));
}

/** Remark 5.2 with rows: X_lambda = [X; sqrt(N lambda) I], Y_lambda = [Y; 0]. */
function augmented(X: Matrix, Y: Matrix, lambda: number, N = X.rows): { Xl: Matrix; Yl: Matrix } {
  const d = X.cols;
  const Xl = Matrix.fromFunction(X.rows + d, d, (i, j) => (i < X.rows ? X.get(i, j) : i - X.rows === j ? Math.sqrt(N * lambda) : 0));
  const Yl = Matrix.fromFunction(Y.rows + d, Y.cols, (i, j) => (i < Y.rows ? Y.get(i, j) : 0));
  return { Xl, Yl };
}

/** Clustered linear-regression data: K blobs in R^d with spread sigma, targets = cluster target + noise. */
function clustered(seed: string, N: number, d: number, c: number, K: number, sigma: number, targetNoise: number) {
  const rng = new Rng(seed);
  const labels = labelsWithCounts(Array.from({ length: K }, (_, k) => Math.floor(N / K) + (k < N % K ? 1 : 0)));
  const X = samplesAround(randn(K, d, rng, 2), labels, randn(N, d, rng, sigma));
  const Y = samplesAround(randn(K, c, rng), labels, randn(N, c, rng, targetNoise));
  return { X, Y, labels };
}

describe('ridge solutions (NRC Eq. 21, Remark 5.2) against independent computations', () => {
  const { X, Y, labels } = clustered('ridge', 30, 4, 3, 3, 0.5, 0.2);
  const lambda = 0.05;

  it('theta* solves the normal equations theta (X^T X + N lambda I) = Y^T X and equals pinv of the augmented system', () => {
    const theta = ridgeSolution(X, Y, lambda);
    expect([theta.rows, theta.cols]).toEqual([3, 4]);
    const A = mul(transposed(X), X);
    for (let i = 0; i < 4; i++) A.set(i, i, A.get(i, i) + 30 * lambda);
    expect(frobDiff(mul(theta, A), mul(transposed(Y), X))).toBeLessThan(1e-9);
    const { Xl, Yl } = augmented(X, Y, lambda);
    expect(frobDiff(theta, transposed(mul(pinv(Xl), Yl)))).toBeLessThan(1e-9);
    // it is the minimiser: the loss grows in random directions
    const rng = new Rng('dir');
    const L0 = linearRidgeLoss(theta, X, Y, lambda);
    for (let t = 0; t < 5; t++) {
      const D = randn(3, 4, rng, 1e-3);
      expect(
        linearRidgeLoss(
          new Matrix(
            3,
            4,
            theta.data.map((v, i) => v + D.data[i]),
          ),
          X,
          Y,
          lambda,
        ),
      ).toBeGreaterThan(L0);
    }
  });

  it('theta*_C is the pi-weighted ridge on the K centroids and has rank <= K', () => {
    const thetaC = centroidRidgeSolution(X, Y, labels, lambda);
    const { centroids: Cx, counts } = centroids(X, labels);
    const { centroids: Cy } = centroids(Y, labels);
    const w = (k: number) => Math.sqrt(counts[k]);
    const Xw = Matrix.fromFunction(3, 4, (k, j) => w(k) * Cx.get(k, j));
    const Yw = Matrix.fromFunction(3, 3, (k, j) => w(k) * Cy.get(k, j));
    const { Xl, Yl } = augmented(Xw, Yw, lambda, 30);
    expect(frobDiff(thetaC, transposed(mul(pinv(Xl), Yl)))).toBeLessThan(1e-9);
    const s = singularValues(ridgeSolution(centroidData(X, Y, labels).Xbar, centroidData(X, Y, labels).Ybar, lambda));
    expect(s.length).toBe(3);
    const K2 = labels.map((l) => (l === 2 ? 1 : l));
    expect(singularValues(centroidRidgeSolution(X, Y, K2, lambda))[2]).toBeLessThan(1e-10); // 2 parts -> rank 2
  });
});

describe('Theorem 5.3', () => {
  it('the bound holds on random clustered instances and matches its formula', () => {
    let cases = 0;
    for (const lambda of [1e-3, 1e-2, 1e-1, 1]) {
      for (const sigma of [0.01, 0.1, 1]) {
        const { X, Y, labels } = clustered(`t53/${lambda}/${sigma}`, 24, 3, 2, 3, sigma, sigma);
        const r = theorem53(X, Y, labels, lambda);
        const { Xbar, Ybar } = centroidData(X, Y, labels);
        expect(r.wcss).toBeCloseTo(wcss(X, Y, labels), 14);
        expect(r.bound).toBeCloseTo((r.wcss / lambda) * ((3 / (24 * lambda)) * frob(Ybar) * frob(Xbar) + Math.sqrt(3)), 10);
        expect(r.bound).toBe(theorem53Bound(r.wcss, lambda, 3, 24, frob(Ybar), frob(Xbar)));
        expect(r.distance).toBeCloseTo(frobDiff(r.thetaStar, r.thetaStarC), 14);
        expect(r.distance).toBeLessThanOrEqual(r.bound);
        expect(r.holds).toBe(true);
        cases++;
      }
    }
    expect(cases).toBe(12);
  });

  it('collapsed data (WCSS = 0): theta* = theta*_C', () => {
    const { X, Y, labels } = clustered('t53/0', 12, 3, 2, 3, 0, 0);
    const r = theorem53(X, Y, labels, 0.1);
    expect(r.wcss).toBe(0);
    expect(r.distance).toBeLessThan(1e-12);
  });
});

describe('Theorem 5.4', () => {
  /** Alternating least squares over theta = A B (c x K times K x d) on the augmented system: an independent rank-K minimiser. */
  function alsRankK(X: Matrix, Y: Matrix, K: number, lambda: number, iters: number): Matrix {
    const { Xl, Yl } = augmented(X, Y, lambda);
    const rng = new Rng('als');
    let B = randn(K, X.cols, rng);
    let A = new Matrix(Y.cols, K);
    const XlPinv = pinv(Xl);
    for (let t = 0; t < iters; t++) {
      A = transposed(mul(pinv(mul(Xl, transposed(B))), Yl));
      // B^T = pinv(Xl) Yl A (A^T A)^{-1}
      B = transposed(mul(mul(mul(XlPinv, Yl), A), pinv(mul(transposed(A), A))));
    }
    return mul(A, B);
  }

  it('theta*_K equals the rank-K minimiser found by alternating least squares, and attains (1/N)(||Y||^2 - sum_{i<=K} s_i(Q)^2)', () => {
    const { X, Y } = clustered('t54/als', 12, 4, 3, 3, 0.8, 0.5);
    const lambda = 0.1;
    for (const K of [1, 2]) {
      const { thetaStarK, singularValuesQ } = rankKRidgeSolution(X, Y, K, lambda);
      expect(singularValues(thetaStarK)[K]).toBeLessThan(1e-10);
      const als = alsRankK(X, Y, K, lambda, 300);
      expect(frobDiff(thetaStarK, als)).toBeLessThan(1e-6);
      const L = linearRidgeLoss(thetaStarK, X, Y, lambda);
      const top = Array.from(singularValuesQ)
        .slice(0, K)
        .reduce((s, v) => s + v * v, 0);
      expect(L).toBeCloseTo((frob(Y) ** 2 - top) / 12, 12);
      expect(L).toBeLessThanOrEqual(linearRidgeLoss(als, X, Y, lambda) + 1e-12);
      // rank-K matrices near theta*_K (perturbed factors A B) are never better
      const { U, S, V } = svd(thetaStarK);
      const A = Matrix.fromFunction(3, K, (i, j) => U.get(i, j) * S[j]);
      const B = Matrix.fromFunction(K, 4, (i, j) => V.get(j, i));
      const rng = new Rng(`t54/near/${K}`);
      for (let t = 0; t < 10; t++) {
        const dA = randn(3, K, rng, 0.05);
        const dB = randn(K, 4, rng, 0.05);
        const near = mul(
          new Matrix(
            3,
            K,
            A.data.map((v, i) => v + dA.data[i]),
          ),
          new Matrix(
            K,
            4,
            B.data.map((v, i) => v + dB.data[i]),
          ),
        );
        expect(singularValues(near)[K]).toBeLessThan(1e-10);
        expect(linearRidgeLoss(near, X, Y, lambda)).toBeGreaterThanOrEqual(L - 1e-12);
      }
    }
    // K >= rank: theta*_K = theta*
    expect(frobDiff(rankKRidgeSolution(X, Y, 3, lambda).thetaStarK, ridgeSolution(X, Y, lambda))).toBeLessThan(1e-10);
  });

  it('the bound holds on random instances, with TCV from the label partition; the SVD form is never larger', () => {
    for (const lambda of [1e-3, 1e-2, 1e-1, 1]) {
      for (const noise of [0.01, 0.3]) {
        const { X, Y, labels } = clustered(`t54/${lambda}/${noise}`, 30, 4, 3, 2, 1, noise);
        const r = theorem54(X, Y, 2, lambda, { assignment: labels });
        expect(r.preconditionHolds).toBe(true);
        expect(r.tcv).toBeCloseTo(wcssX(Y, labels), 14);
        expect(r.bound).toBe(theorem54Bound(r.tcv, lambda, 4, 3));
        expect(r.bound).toBeCloseTo(((4 * 3) / lambda) * r.tcv, 10);
        expect(r.distanceSquared).toBeLessThanOrEqual(r.boundSvd * (1 + 1e-9));
        expect(r.boundSvd).toBeLessThanOrEqual(r.bound * (1 + 1e-12));
        expect(r.holds).toBe(true);
      }
    }
    // k-means estimate of TCV when no partition is given
    const { X, Y } = clustered('t54/km', 30, 4, 3, 2, 1, 0.1);
    const r = theorem54(X, Y, 2, 0.1, { rng: new Rng(3) });
    expect(r.holds).toBe(true);
    expect(r.tcv).toBeGreaterThan(0);
  });
});

describe('Proposition 4.1', () => {
  it('balanced isotropic closed form equals the general form with Sigma_k = sigma^2 I, N_k = N/K', () => {
    const d = 5;
    const sigma = 0.3;
    const comps = Array.from({ length: 4 }, () => ({ covariance: Matrix.eye(d, sigma * sigma), count: 25 }));
    expect(prop41Bound(comps)).toBeCloseTo(prop41BoundIsotropic(d, sigma, 4, 100), 14);
    expect(prop41BoundIsotropic(d, sigma, 4, 100)).toBeCloseTo(d * sigma ** 2 + Math.sqrt(d) * sigma ** 2 * Math.sqrt(4 / 100), 14);
  });

  it('bounds the class-partition WCSS of sampled mixtures (isotropic balanced, anisotropic unbalanced)', () => {
    const rng = new Rng('prop41');
    const d = 4;
    const K = 3;
    const sigma = 0.5;
    const labels = labelsWithCounts([200, 200, 200]);
    const X = samplesAround(randn(K, d, rng, 5), labels, randn(600, d, rng, sigma));
    expect(wcssX(X, labels)).toBeLessThanOrEqual(prop41BoundIsotropic(d, sigma, K, 600));
    // anisotropic: x = mu_k + L_k v with Sigma_k = L_k L_k^T
    const counts = [50, 300, 150];
    const lab = labelsWithCounts(counts);
    const Ls = counts.map(() => randn(d, d, rng, 0.4));
    const mus = randn(K, d, rng, 5);
    const Z = Matrix.fromFunction(lab.length, d, () => 0);
    for (let i = 0; i < lab.length; i++) {
      const v = rng.normals(d);
      for (let a = 0; a < d; a++) {
        let s = mus.get(lab[i], a);
        for (let b = 0; b < d; b++) s += Ls[lab[i]].get(a, b) * v[b];
        Z.set(i, a, s);
      }
    }
    const comps = Ls.map((L, k) => ({ covariance: mul(L, transposed(L)), count: counts[k] }));
    expect(wcssX(Z, lab)).toBeLessThanOrEqual(prop41Bound(comps));
  });
});
