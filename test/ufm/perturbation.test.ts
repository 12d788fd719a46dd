// Perturbation matrix F (Eq. 5), the exact Theorem 4.1 operator, Theorem 4.2 / App. D spectra, commutation identities.
import { describe, expect, it } from 'vitest';
import { Matrix, commutation, frobeniusNorm, gemm, kron, maxAbsDiff, sub, transpose } from '../../src/linalg/index.ts';
import { Rng } from '../../src/random/index.ts';
import { collapsedMinimiser, intraBlockSpectrum, theorem21 } from '../../src/bounds/ufm.ts';
import { matrixE, perturbationMatrix, perturbationMatrixExact, randomOrthonormal } from '../../src/ufm/index.ts';
import { checkTheorem41, checkTheorem42, finiteDifferenceJacobian, linearisation } from '../../src/check/ufm-checks.ts';

const rng = new Rng('ufm-perturbation');

describe('commutation-matrix identities of App. D (K_{d,K} = commutation(d, K))', () => {
  const d = 4,
    K = 3;
  const Kdk = commutation(d, K);
  it('K_{d,K}^T (X1 (x) X2) K_{d,K} = X2 (x) X1 for X1 d x d, X2 K x K', () => {
    const X1 = new Matrix(d, d, rng.child('X1').normals(d * d));
    const X2 = new Matrix(K, K, rng.child('X2').normals(K * K));
    const lhs = gemm(gemm(Kdk, kron(X1, X2), { transA: true }), Kdk);
    expect(maxAbsDiff(lhs, kron(X2, X1))).toBeLessThan(1e-14);
  });
  it('Eq. 12: K_{d,K} (x (x) Y) = Y (x) x for x in R^K, Y d x m', () => {
    const x = new Matrix(K, 1, rng.child('x').normals(K));
    const Y = new Matrix(d, 5, rng.child('Y').normals(d * 5));
    expect(maxAbsDiff(gemm(Kdk, kron(x, Y)), kron(Y, x))).toBeLessThan(1e-14);
  });
  it('E*^T = K_{d,K} (-c I_K (x) 1_n^T (x) I_d) at the collapsed minimiser', () => {
    const n = 2,
      lambdaH = 0.4,
      lambdaW = 0.9;
    const { H, W } = collapsedMinimiser(K, n, d, lambdaH, lambdaW, randomOrthonormal(rng.child('R'), d, K));
    const c = theorem21(lambdaH, lambdaW).c;
    const rhs = gemm(Kdk, kron(kron(Matrix.eye(K, -c), Matrix.fill(1, n, 1)), Matrix.eye(d)));
    expect(maxAbsDiff(transpose(matrixE(W, H, K, n)), rhs)).toBeLessThan(1e-14);
  });
});

describe('F built by code equals the Jacobian of the Eq. 2 minimiser by finite differences', () => {
  // F_exact (Theorem 4.1) is the Jacobian itself: agreement to finite-difference accuracy (step 1e-4, solver ||grad|| <= 1e-13).
  // F of Eq. 5 drops the O(beta^-2) Neumann remainder M^2/beta^2: its distance is about ||M||^2/beta^2 and falls 100x per 10x beta.
  it('collapsed H0: exact operator to 1e-9, Eq. 5 to O(beta^-2)', () => {
    const r100 = checkTheorem41({ K: 2, n: 2, d: 3, lambdaH: 0.3, lambdaW: 0.8, beta: 100, seed: 2 });
    const r1000 = checkTheorem41({ K: 2, n: 2, d: 3, lambdaH: 0.3, lambdaW: 0.8, beta: 1000, seed: 2 });
    expect(r100.measured).toBeLessThan(1e-9);
    expect(r1000.measured).toBeLessThan(1e-9);
    expect(r100.firstOrderError).toBeLessThan(1e-3);
    expect(r1000.firstOrderError).toBeLessThan(1e-5);
    const ratio = r100.firstOrderError / r1000.firstOrderError;
    expect(ratio).toBeGreaterThan(50);
    expect(ratio).toBeLessThan(200);
  });
  it('non-collapsed H0 (Theorem 4.1 in general): exact operator to 1e-8', () => {
    const r = checkTheorem41({ K: 2, n: 2, d: 3, lambdaH: 0.3, lambdaW: 0.8, beta: 10, seed: 5, collapsed: false, noise: 0.4 });
    expect(r.measured).toBeLessThan(1e-8);
    expect(r.firstOrderError).toBeGreaterThan(1e-4); // beta = 10: Eq. 5 is visibly only first order
  });
  it('finite-difference Jacobian at a collapsed H0 is symmetric like F', () => {
    const K = 2,
      n = 2,
      d = 3,
      lambdaH = 0.2,
      lambdaW = 1.1,
      beta = 50;
    const { H, W } = collapsedMinimiser(K, n, d, lambdaH, lambdaW);
    const cfg = { K, n, d, lambdaH, lambdaW, beta, H0: H };
    const { J } = finiteDifferenceJacobian(cfg, H, 1e-4);
    expect(maxAbsDiff(J, transpose(J))).toBeLessThan(1e-8);
    expect(maxAbsDiff(J, perturbationMatrixExact(W, H, cfg))).toBeLessThan(1e-8);
  });
});

describe('Theorem 4.2 and App. D spectra match the computed blocks', () => {
  it('Fig. 1 setting (beta = 100, K = 4, d = 10, n = 10, lambda_W = sqrt 2, lambda_H = 0.3)', () => {
    const r = checkTheorem42({ K: 4, n: 10, d: 10, lambdaH: 0.3, lambdaW: Math.SQRT2, beta: 100, seed: 1 });
    expect(r.sigmaMaxIntra.measured).toBeCloseTo(1, 12);
    expect(r.sigmaMinIntra.measured).toBeCloseTo(1 - Math.sqrt(0.3 / Math.SQRT2) / 100, 12);
    expect(r.sigmaMaxInter.measured).toBeCloseTo((2 * 0.3 * (1 - Math.sqrt(0.3 * Math.SQRT2))) / 100, 13);
    expect(r.interRank.measured).toBe(1);
    expect(r.spectrumError.measured).toBeLessThan(1e-12);
    expect(r.spectrumErrorExact.measured).toBeLessThan(1e-12);
  }, 20000);
  it('small beta (2) and another shape: App. D is exact for the Eq. 5 matrix, not only asymptotically', () => {
    const r = checkTheorem42({ K: 3, n: 2, d: 5, lambdaH: 0.6, lambdaW: 0.7, beta: 2, seed: 2 });
    expect(r.spectrumError.measured).toBeLessThan(1e-12);
    expect(r.spectrumErrorExact.measured).toBeLessThan(1e-12);
  });
  it('App. D intra spectrum has (d-K)/(dn) of its values equal to 1 and sigma_min with multiplicity K(n-1)', () => {
    const K = 4,
      n = 10,
      d = 10;
    const s = intraBlockSpectrum(K, n, d, 0.3, Math.SQRT2, 100);
    expect(s.filter((v) => Math.abs(v - 1) < 1e-15).length).toBe(d - K);
    const smin = 1 - Math.sqrt(0.3 / Math.SQRT2) / 100;
    expect(s.filter((v) => Math.abs(v - smin) < 1e-15).length).toBe(K * (n - 1));
  });
  it('F is first order: F_exact - F = O(beta^-2) in Frobenius norm', () => {
    const K = 2,
      n = 3,
      d = 3,
      lambdaH = 0.3,
      lambdaW = 1;
    const { H, W } = collapsedMinimiser(K, n, d, lambdaH, lambdaW);
    const diff = (beta: number) => {
      const cfg = { K, n, d, lambdaH, lambdaW, beta, H0: H };
      return frobeniusNorm(sub(perturbationMatrixExact(W, H, cfg), perturbationMatrix(W, H, cfg)));
    };
    const ratio = diff(100) / diff(1000);
    expect(ratio).toBeGreaterThan(90);
    expect(ratio).toBeLessThan(110);
  });
});

describe('linearisation: the true change of the Eq. 2 minimiser vs F vec(dH0)', () => {
  it('exact error shrinks like ||dH0||; first-order error floors at O(beta^-2)', () => {
    const cfg = { K: 3, n: 3, d: 4, lambdaH: 0.3, lambdaW: Math.SQRT2 };
    const rows10 = linearisation({ ...cfg, beta: 10 }, [1e-1, 1e-2, 1e-3], new Rng(7));
    const rows100 = linearisation({ ...cfg, beta: 100 }, [1e-1, 1e-2, 1e-3], new Rng(7));
    for (const rows of [rows10, rows100]) {
      expect(rows.every((r) => r.converged)).toBe(true);
      expect(rows[1].errorExact / rows[0].errorExact).toBeLessThan(0.2);
      expect(rows[2].errorExact / rows[1].errorExact).toBeLessThan(0.2);
    }
    // floors: about 100x smaller at 10x beta
    expect(rows10[2].errorFirstOrder / rows100[2].errorFirstOrder).toBeGreaterThan(30);
  });
});
