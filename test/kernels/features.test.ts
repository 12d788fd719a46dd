import { describe, expect, it } from 'vitest';
import { Matrix, gemm } from '../../src/linalg/index.ts';
import { Rng } from '../../src/random/index.ts';
import { reluFeatureInnerProduct } from '../../src/bounds/agop.ts';
import { checkPropA1 } from '../../src/check/kernel-checks.ts';
import { type FeatureMapName, randomFeatureMap } from '../../src/kernels/features.ts';

describe('Prop. A.1 (ReLU random features)', () => {
  it('closed form: 1 at r = 1, 0 at r = -1, 1/pi at r = 0, arc-cosine kernel in between', () => {
    expect(reluFeatureInnerProduct(1)).toBeCloseTo(1, 15);
    expect(reluFeatureInnerProduct(-1)).toBeCloseTo(0, 15);
    expect(reluFeatureInnerProduct(0)).toBeCloseTo(1 / Math.PI, 15);
    for (const r of [-0.7, 0.2, 0.95]) {
      const arccos = (Math.sqrt(1 - r * r) + (Math.PI - Math.acos(r)) * r) / Math.PI;
      expect(reluFeatureInnerProduct(r)).toBeCloseTo(arccos, 14);
    }
  });

  for (const r of [-0.5, 0, 0.3, 0.9]) {
    it(`Monte-Carlo mean of relu(Wx)'relu(Wy) within 4 standard errors of the closed form (r = ${r})`, () => {
      const res = checkPropA1(new Rng(`a1-${r}`), { r, d: 10, D: 64, trials: 500 });
      expect(res.standardError).toBeGreaterThan(0);
      expect(res.standardError).toBeLessThan(0.02);
      expect(Math.abs(res.measured - res.expected)).toBeLessThan(4 * res.standardError);
    });
  }

  it('the relu map draws W with entries N(0, 2/D): E||Phi(x)||^2 = ||x||^2', () => {
    const phi = randomFeatureMap('relu', 8, 4000, new Rng('norm'));
    let v = 0;
    for (const w of phi.W.data) v += w * w;
    expect(Math.abs(v / phi.W.data.length / (2 / 4000) - 1)).toBeLessThan(0.04); // sd of the mean ~ 0.8%
    const x = new Matrix(1, 8, Float64Array.from([1, 0, 0, 0, 0, 0, 0, 0]));
    const f = phi.apply(x);
    let s = 0;
    for (const t of f.data) s += t * t;
    expect(Math.abs(s - 1)).toBeLessThan(0.1); // std ~ sqrt(5/4000) * ... ~ 0.035
  });
});

describe('cosine random Fourier features approximate their named kernels', () => {
  const cases: [FeatureMapName, (x: Float64Array, z: Float64Array, s: number) => number][] = [
    ['cos-gaussian', (x, z, s) => Math.exp(-x.reduce((a, v, i) => a + (v - z[i]) ** 2, 0) / (2 * s * s))],
    ['cos-laplace', (x, z, s) => Math.exp(-Math.sqrt(x.reduce((a, v, i) => a + (v - z[i]) ** 2, 0)) / s)],
    ['cos-laplace-l1', (x, z, s) => Math.exp(-x.reduce((a, v, i) => a + Math.abs(v - z[i]), 0) / s)],
  ];
  for (const [name, kernel] of cases) {
    it(name, () => {
      const rng = new Rng(`rff-${name}`);
      const X = new Matrix(4, 3, rng.normals(12, 0.4));
      const s = 1.2;
      const phi = randomFeatureMap(name, 3, 20000, rng.child('map'), s);
      const F = phi.apply(X);
      const G = gemm(F, F, { transB: true });
      for (let i = 0; i < 4; i++)
        for (let j = 0; j < 4; j++) {
          // Monte-Carlo error ~ 1/sqrt(D) ~ 0.007
          expect(Math.abs(G.get(i, j) - kernel(X.row(i), X.row(j), s))).toBeLessThan(0.04);
        }
    });
  }
});
