// UFM of Tirer et al.: Eq. 1/2 objective, W*(H), gradient vs finite differences, Theorem 2.1 via the solver.
import { describe, expect, it } from 'vitest';
import { Matrix } from '../../src/linalg/index.ts';
import { Rng } from '../../src/random/index.ts';
import { theorem21 } from '../../src/bounds/ufm.ts';
import { optimalW, reducedObjective, ufmObjective } from '../../src/ufm/index.ts';
import { checkTheorem21 } from '../../src/check/ufm-checks.ts';

const rng = new Rng('ufm-model');

describe('UFM objective (Eq. 1, Eq. 2)', () => {
  const K = 3,
    n = 4,
    d = 5;
  const H = new Matrix(K * n, d, rng.child('H').normals(K * n * d));
  const H0 = new Matrix(K * n, d, rng.child('H0').normals(K * n * d));
  const cfg = { K, n, d, lambdaH: 0.3, lambdaW: 0.5, beta: 7, H0 };

  it('W*(H) minimises f in W (gradient in W vanishes; perturbing W increases f)', () => {
    const W = optimalW(H, cfg);
    const f0 = ufmObjective(W, H, cfg);
    const D = new Matrix(K, d, rng.child('D').normals(K * d));
    for (const t of [1e-3, -1e-3]) {
      const Wt = new Matrix(
        K,
        d,
        W.data.map((v, i) => v + t * D.data[i]),
      );
      expect(ufmObjective(Wt, H, cfg)).toBeGreaterThan(f0);
    }
    // directional derivative by central differences ~ 0
    const e = 1e-5;
    const Wp = new Matrix(
      K,
      d,
      W.data.map((v, i) => v + e * D.data[i]),
    );
    const Wm = new Matrix(
      K,
      d,
      W.data.map((v, i) => v - e * D.data[i]),
    );
    expect(Math.abs((ufmObjective(Wp, H, cfg) - ufmObjective(Wm, H, cfg)) / (2 * e))).toBeLessThan(1e-9);
  });

  it('Kn grad_H f(W*(H), H; H0) matches central finite differences (Eq. 2 and Eq. 1)', () => {
    for (const c of [cfg, { K, n, d, lambdaH: 0.3, lambdaW: 0.5 }]) {
      const g = reducedObjective(H, c).gradient;
      let worst = 0;
      const e = 1e-6;
      for (let i = 0; i < H.size; i++) {
        const Hp = H.clone();
        Hp.data[i] += e;
        const Hm = H.clone();
        Hm.data[i] -= e;
        const fd = ((reducedObjective(Hp, c).value - reducedObjective(Hm, c).value) / (2 * e)) * K * n;
        worst = Math.max(worst, Math.abs(fd - g.data[i]));
      }
      expect(worst).toBeLessThan(1e-7);
    }
  });
});

describe('Theorem 2.1 via the solver', () => {
  it('c <= 1: collapsed minimiser, Hbar^T Hbar = rho I with rho = (1-c) sqrt(lambda_W/lambda_H), W = sqrt(lambda_H/lambda_W) Hbar^T', () => {
    for (const [lambdaH, lambdaW] of [
      [0.1, 0.5],
      [0.5, 1.5],
    ]) {
      const r = checkTheorem21({ K: 4, n: 5, d: 7, lambdaH, lambdaW, seed: 3 });
      const t = theorem21(lambdaH, lambdaW);
      expect(r.converged).toBe(true);
      expect(t.collapsed).toBe(true);
      expect(Math.abs(r.measured - t.rho) / t.rho).toBeLessThan(1e-9);
      expect(r.gramError).toBeLessThan(1e-9);
      expect(r.wError).toBeLessThan(1e-9);
      expect(r.traceSigmaW).toBeLessThan(1e-18);
      expect(r.nc1Trace).toBeLessThan(1e-18);
      expect(Math.abs(r.value - t.minValue)).toBeLessThan(1e-12);
    }
  });

  it('closed form: rho for lambda_H = 0.1, lambda_W = 0.5 and c - c^2/2 minimum', () => {
    const t = theorem21(0.1, 0.5);
    const c = Math.sqrt(0.05);
    expect(t.rho).toBeCloseTo((1 - c) * Math.sqrt(5), 14);
    expect(t.minValue).toBeCloseTo(c - (c * c) / 2, 14);
  });

  it('c > 1: the minimiser is (0, 0)', () => {
    const r = checkTheorem21({ K: 3, n: 4, d: 5, lambdaH: 2, lambdaW: 1, seed: 4 });
    expect(r.converged).toBe(true);
    expect(r.expected).toBe(0);
    expect(r.measured).toBeLessThan(1e-20);
    expect(Math.abs(r.value - 0.5)).toBeLessThan(1e-14);
  });
});
