// The peers' metrics: known cases and an independent straightforward computation to 1e-12.
import { describe, expect, it } from 'vitest';
import { Matrix, eigSym } from '../../src/linalg/index.ts';
import { classStats } from '../../src/metrics/collapse.ts';
import {
  biasCollapse,
  classifierEtf,
  equiangularity,
  equinorm,
  geometryMetrics,
  hypersphericalUniformity,
  nc4,
  nccAccuracy,
  selfDuality,
  subspaceAlignment,
  uniformDuality,
} from '../../src/metrics/geometry.ts';
import { Rng } from '../../src/random/index.ts';
import { labelsWithCounts, mul, randn, randomOrthogonal, samplesAround, simplexMeans } from './helpers.ts';

const K = 5;
const d = 9;

describe('known cases', () => {
  it('an exact simplex ETF with a self-dual classifier and b = -W mu_G (unbalanced classes)', () => {
    const rng = new Rng('geometry-etf');
    const M = simplexMeans(K, d, 2, randomOrthogonal(d, rng));
    const shift = Float64Array.from({ length: d }, (_, j) => j - 3);
    const Mshift = Matrix.fromFunction(K, d, (k, j) => M.get(k, j) + shift[j]);
    const labels = labelsWithCounts([50, 30, 20, 10, 5]);
    const X = samplesAround(Mshift, labels, randn(labels.length, d, rng, 0.01));
    const W = Matrix.fromFunction(K, d, (k, j) => 3 * M.get(k, j));
    const b = Array.from({ length: K }, (_, k) => -W.row(k).reduce((s, v, j) => s + v * shift[j], 0));
    const s = classStats(X, labels);
    const g = geometryMetrics(s, X, W, b);
    expect(g.ncc_accuracy).toBe(1);
    expect(g.nc4).toBe(0);
    expect(g.w_etf!).toBeLessThan(1e-12);
    expect(g.self_duality!).toBeLessThan(1e-2); // the noise moves the means by ~1e-3
    expect(g.equinorm).toBeLessThan(1e-2);
    expect(g.w_equinorm!).toBeLessThan(1e-12);
    expect(g.equiangular_std).toBeLessThan(1e-2);
    expect(Math.abs(g.equiangular_mean)).toBeLessThan(1e-2);
    expect(g.gnc2).toBeCloseTo(-0.5 * Math.log((2 * K) / (K - 1)), 3);
    expect(g.unc3!).toBeLessThan(1e-4);
    expect(g.bias_collapse!).toBeLessThan(0.05);
    expect(g.subspace_alignment!).toBeGreaterThan(1 - 1e-4);
    // without noise everything is exact
    const E = samplesAround(Mshift, labels);
    const ge = geometryMetrics(classStats(E, labels), E, W, b);
    for (const v of [ge.self_duality!, ge.equinorm, ge.equiangular_std, Math.abs(ge.equiangular_mean), ge.max_angle, ge.unc3!, ge.bias_collapse!])
      expect(v).toBeLessThan(1e-12);
    expect(ge.gnc2).toBeCloseTo(-0.5 * Math.log((2 * K) / (K - 1)), 12);
    for (const c of ge.subspace_cosines!) expect(c).toBeCloseTo(1, 12);
    expect(ge.subspace_cosines).toHaveLength(K - 1);
  });

  it('orthogonal frames: classifier ETF error sqrt(2 - 2 sqrt((K-1)/K)); orthogonal subspaces have cosines 0', () => {
    const Q = randomOrthogonal(d, new Rng('geometry-orth'));
    const W = Matrix.fromFunction(K, d, (k, j) => Q.get(k, j));
    expect(classifierEtf(W)).toBeCloseTo(Math.sqrt(2 - 2 * Math.sqrt((K - 1) / K)), 12);
    expect(equinorm(W)).toBeLessThan(1e-12);
    // means in the span of rows K.. of Q (orthogonal to W's rows); K = 4 means need rank 3 <= d - K
    const M = Matrix.fromFunction(4, d, (k, j) => (k < 3 ? Q.get(K + k, j) : -(Q.get(K, j) + Q.get(K + 1, j) + Q.get(K + 2, j))));
    const W4 = Matrix.fromFunction(4, d, (k, j) => Q.get(k, j));
    const sa = subspaceAlignment(W4, M);
    for (const c of sa.cosines) expect(Math.abs(c)).toBeLessThan(1e-12);
    expect(sa.alignment).toBeLessThan(1e-24);
  });

  it('collapsed features: NC4 counts a classifier that disagrees with the nearest centre', () => {
    const M = simplexMeans(3, 4, 1);
    const labels = labelsWithCounts([4, 4, 4]);
    const X = samplesAround(M, labels);
    const swapped = Matrix.fromRows([M.row(1), M.row(0), M.row(2)].map((r) => Array.from(r)));
    expect(nc4(X, M, M)).toBe(0);
    expect(nc4(X, M, swapped)).toBeCloseTo(8 / 12, 15);
    expect(nccAccuracy(X, labels, M)).toBe(1);
  });
});

describe('against a straightforward computation on random data (1e-12)', () => {
  const rng = new Rng('geometry-random');
  const labels = labelsWithCounts([40, 25, 31, 18, 22]);
  const X = samplesAround(randn(K, d, rng, 1), labels, randn(labels.length, d, rng, 0.8));
  const W = randn(K, d, rng);
  const b = Array.from(rng.normals(K));
  const s = classStats(X, labels);
  const g = geometryMetrics(s, X, W, b);
  // independent: means by plain loops, centred on the mean of the class means
  const mu = Array.from({ length: K }, (_, k) => {
    const rows = [...labels.keys()].filter((i) => labels[i] === k);
    return Array.from({ length: d }, (_, j) => rows.reduce((a, i) => a + X.get(i, j), 0) / rows.length);
  });
  const muG = Array.from({ length: d }, (_, j) => mu.reduce((a, m) => a + m[j], 0) / K);
  const C = mu.map((m) => m.map((v, j) => v - muG[j]));
  const dotv = (a: ArrayLike<number>, c: ArrayLike<number>) => {
    let t = 0;
    for (let j = 0; j < a.length; j++) t += a[j] * c[j];
    return t;
  };
  const norm = (a: ArrayLike<number>) => Math.sqrt(dotv(a, a));
  const w = (k: number) => Array.from(W.row(k));
  const close = (a: number, e: number) => expect(Math.abs(a - e)).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(e)));

  it('ncc_accuracy and nc4', () => {
    let hit = 0;
    let miss = 0;
    for (let i = 0; i < X.rows; i++) {
      const x = Array.from(X.row(i));
      const dist = mu.map((m) => m.reduce((a, v, j) => a + (x[j] - v) ** 2, 0));
      const ncc = dist.indexOf(Math.min(...dist));
      const logits = Array.from({ length: K }, (_, k) => dotv(w(k), x) + b[k]);
      const cls = logits.indexOf(Math.max(...logits));
      if (ncc === labels[i]) hit++;
      if (ncc !== cls) miss++;
    }
    expect(g.ncc_accuracy).toBe(hit / X.rows);
    expect(g.nc4).toBe(miss / X.rows);
    expect(g.nc4).toBeGreaterThan(0);
  });

  it('w_etf, self_duality, equinorm, equiangularity, gnc2, unc3, bias_collapse', () => {
    let wf = 0;
    const WW = Array.from({ length: K }, (_, k) => Array.from({ length: K }, (_, l) => dotv(w(k), w(l))));
    for (const r of WW) for (const v of r) wf += v * v;
    let e = 0;
    for (let k = 0; k < K; k++) for (let l = 0; l < K; l++) e += (WW[k][l] / Math.sqrt(wf) - ((k === l ? 1 : 0) - 1 / K) / Math.sqrt(K - 1)) ** 2;
    close(g.w_etf!, Math.sqrt(e));
    close(classifierEtf(W), Math.sqrt(e));
    const nW = Math.sqrt(W.data.reduce((a, v) => a + v * v, 0));
    const nM = Math.sqrt(C.flat().reduce((a, v) => a + v * v, 0));
    let sd = 0;
    for (let k = 0; k < K; k++) for (let j = 0; j < d; j++) sd += (W.get(k, j) / nW - C[k][j] / nM) ** 2;
    close(g.self_duality!, Math.sqrt(sd));
    close(selfDuality(W, s.geometryCenteredMeans), Math.sqrt(sd));
    const cv = (x: number[]) => {
      const m = x.reduce((a, v) => a + v, 0) / x.length;
      return Math.sqrt(x.reduce((a, v) => a + (v - m) ** 2, 0) / x.length) / m;
    };
    close(g.equinorm, cv(C.map(norm)));
    close(g.w_equinorm!, cv(Array.from({ length: K }, (_, k) => norm(w(k)))));
    const cosines: number[] = [];
    const logs: number[] = [];
    for (let k = 0; k < K; k++)
      for (let l = k + 1; l < K; l++) {
        const u = C[k].map((v) => v / norm(C[k]));
        const v2 = C[l].map((v) => v / norm(C[l]));
        cosines.push(dotv(u, v2) + 1 / (K - 1));
        logs.push(Math.log(1 / norm(u.map((x, j) => x - v2[j]))));
      }
    const mean = cosines.reduce((a, v) => a + v, 0) / cosines.length;
    close(g.equiangular_mean, mean);
    close(g.equiangular_std, Math.sqrt(cosines.reduce((a, v) => a + (v - mean) ** 2, 0) / cosines.length));
    close(g.max_angle, cosines.reduce((a, v) => a + Math.abs(v), 0) / cosines.length);
    close(equiangularity(s.geometryCenteredMeans).std, g.equiangular_std);
    close(g.gnc2, logs.reduce((a, v) => a + v, 0) / logs.length);
    close(hypersphericalUniformity(s.geometryCenteredMeans), g.gnc2);
    const cs = Array.from({ length: K }, (_, k) => dotv(w(k), C[k]) / (norm(w(k)) * norm(C[k])));
    const ds = Array.from({ length: K }, (_, k) => dotv(w(k), C[k]));
    const vr = (x: number[]) => {
      const m = x.reduce((a, v) => a + v, 0) / x.length;
      return x.reduce((a, v) => a + (v - m) ** 2, 0) / x.length;
    };
    close(g.unc3!, vr(cs));
    close(g.unc3_dot!, vr(ds));
    close(uniformDuality(W, s.geometryCenteredMeans).cos, vr(cs));
    const z = Array.from({ length: K }, (_, k) => dotv(w(k), muG) + b[k]);
    close(g.bias_collapse!, norm(z));
    close(biasCollapse(W, s.geometryGlobalMean, b), norm(z));
  });

  it('subspace alignment: ||Q_W^T Q_M||_F^2 / (K-1) with Gram-Schmidt and eigenvector bases', () => {
    // basis of the centred means by Gram-Schmidt (first K-1 are independent; the K-th is their negative sum)
    const qm: number[][] = [];
    for (let k = 0; k < K - 1; k++) {
      const v = C[k].slice();
      for (const q of qm) {
        const t = dotv(q, v);
        for (let j = 0; j < d; j++) v[j] -= t * q[j];
      }
      const n = norm(v);
      qm.push(v.map((x) => x / n));
    }
    const { vectors } = eigSym(
      mul(
        Matrix.fromFunction(d, K, (i, j) => W.get(j, i)),
        W,
      ),
    ); // W^T W, descending
    let f = 0;
    for (let a = 0; a < K - 1; a++) for (const q of qm) f += dotv(vectors.col(a), q) ** 2;
    close(g.subspace_alignment!, f / (K - 1));
    expect(g.subspace_cosines).toHaveLength(K - 1);
  });
});
