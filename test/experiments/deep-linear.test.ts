import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import deepLinear, { type DeepLinearParams, logLogSlope, slopeRows } from '../../experiments/deep-linear.ts';
import { cellTag, mixtureData } from '../../src/nn/autoencoder.ts';
import { readCsvTable, toNumber } from '../../src/io/csv-read.ts';
import { readNpy } from '../../src/io/npy.ts';
import { Matrix, eigSym, gemm } from '../../src/linalg/index.ts';
import { runCli } from '../helpers/cli.ts';
import { cellParams, makeCellContext } from '../helpers/context.ts';

const tmp = () => mkdtempSync(join(tmpdir(), 'nrc-dl-'));
const close = (a: number, b: number, rtol = 1e-9) => expect(Math.abs(a - b)).toBeLessThanOrEqual(rtol * Math.max(1e-12, Math.abs(b)));

/** Spectral filter of a symmetric PSD Gram G: sum_i f(e_i) v_i v_i^T. */
function filterGram(G: Matrix, f: (e: number, i: number) => number): Matrix {
  const { values, vectors: V } = eigSym(G);
  const n = G.rows;
  const out = new Matrix(n, n);
  for (let i = 0; i < n; i++) {
    const w = f(values[i], i);
    for (let a = 0; a < n; a++) for (let b = 0; b < n; b++) out.data[a * n + b] += w * V.data[a * n + i] * V.data[b * n + i];
  }
  return out;
}

const frob = (A: Matrix) => Math.sqrt(A.data.reduce((s, v) => s + v * v, 0));
const diff = (A: Matrix, B: Matrix) => Math.sqrt(A.data.reduce((s, v, i) => s + (v - B.data[i]) ** 2, 0));

/**
 * Independent recomputation for the autoencoder (Y = X): theta* = G (G + N lambda I)^{-1} with G = X^T X is the spectral
 * filter e/(e + N lambda) of G (Remark 5.2), theta*_C the same filter of Xbar^T Xbar (Eq. 21), and theta*_K keeps the K
 * largest eigenvalues, since Q = G (G + N lambda I)^{-1/2} is itself a spectral function of G (Eq. 35-36).
 */
function recompute(X: Matrix, labels: Int32Array, K: number, lambda: number) {
  const N = X.rows;
  const d = X.cols;
  const shrink = (e: number) => e / (e + N * lambda);
  const Xbar = new Matrix(N, d);
  const sums = new Matrix(K, d);
  const counts = new Array(K).fill(0);
  for (let i = 0; i < N; i++) {
    counts[labels[i]]++;
    for (let j = 0; j < d; j++) sums.data[labels[i] * d + j] += X.data[i * d + j];
  }
  for (let i = 0; i < N; i++) for (let j = 0; j < d; j++) Xbar.data[i * d + j] = sums.data[labels[i] * d + j] / counts[labels[i]];
  const G = gemm(X, X, { transA: true });
  const thetaStar = filterGram(G, shrink);
  const thetaStarC = filterGram(gemm(Xbar, Xbar, { transA: true }), shrink);
  const thetaStarK = filterGram(G, (e, i) => (i < K ? shrink(e) : 0));
  let wcssX = 0;
  for (let i = 0; i < X.data.length; i++) wcssX += (X.data[i] - Xbar.data[i]) ** 2 / N;
  const wcssXY = 2 * wcssX; // (x, y) pairs with y = x (Eq. 6)
  const normBar = frob(Xbar);
  return {
    distClosed: diff(thetaStar, thetaStarC),
    thm53Bound: (wcssXY / lambda) * ((d / (N * lambda)) * normBar * normBar + Math.sqrt(d)),
    thm54Lhs: diff(thetaStar, thetaStarK) ** 2,
    thm54Bound: ((d * d) / lambda) * wcssX, // c = d, TCV_K(Y) <= label-only WCSS of the components
    wcssX,
    wcssXY,
  };
}

describe('deep-linear: declaration', () => {
  it("declares cells with the issue's columns first and slopes as a table computed after the grid", () => {
    expect(deepLinear.tables.cells.slice(0, 19)).toEqual([
      'lambda',
      'sigma',
      'seed',
      'k',
      'n',
      'dim',
      'status',
      'dist_trained',
      'dist_closed',
      'thm53_bound',
      'thm53_holds',
      'thm54_lhs',
      'thm54_bound',
      'thm54_holds',
      'wcss_xy',
      'tcv_labels',
      'iters_full',
      'iters_centroid',
      'converged',
    ]);
    expect(deepLinear.finalTables!.slopes.slice(0, 11)).toEqual([
      'lambda',
      'seed',
      'k',
      'n',
      'dim',
      'sigma_min',
      'sigma_max',
      'points_trained',
      'slope_trained',
      'points_closed',
      'slope_closed',
    ]);
    expect(deepLinear.presets.paper).toMatchObject({ k: 10, n: 10000, dim: 784, hidden: [400, 300, 400] });
  });

  it("validate refuses d > N (Thm 5.4 needs max(c, d) <= N), lambda = 0 and the autoencoder's bad inputs", () => {
    const p = cellParams<DeepLinearParams>(deepLinear, 'quick');
    expect(deepLinear.validate!(p)).toBeUndefined();
    expect(deepLinear.validate!({ ...p, dim: 31 })).toMatch(/--dim 31 must be at most --n 30/);
    expect(deepLinear.validate!({ ...p, lambda: 0 })).toMatch(/--lambda 0 must be > 0/);
    expect(deepLinear.validate!({ ...p, n: 2 })).toMatch(/--n 2 must be at least --k 3/);
  });

  it('logLogSlope recovers exact power laws and skips sigma = 0 and zero distances', () => {
    expect(logLogSlope([0.1, 0.2, 0.4], [3e-2, 12e-2, 48e-2]).slope).toBeCloseTo(2, 12);
    expect(logLogSlope([0, 0.1, 0.3], [0, 5, 15])).toEqual({ slope: expect.closeTo(1, 12), points: 2 });
    expect(logLogSlope([0.1], [1])).toEqual({ slope: null, points: 1 });
    const rows = slopeRows(
      [0.1, 0.2, 0.4].map((sigma) => ({ lambda: 0.01, seed: 0, sigma, status: 'ok', dist_trained: sigma ** 2, dist_closed: sigma ** 3 })),
    );
    expect(rows).toHaveLength(1);
    expect(rows[0].slope_trained).toBeCloseTo(2, 12);
    expect(rows[0].slope_closed).toBeCloseTo(3, 12);
    expect(rows[0].slope_trained_low).toBeCloseTo(2, 12);
  });
});

describe('deep-linear: quick preset through the CLI', () => {
  const out = tmp();
  const run = runCli(['run', 'deep-linear', '--preset', 'quick', '--save-data', '--quiet', '--no-plot', '--out', out]);

  it('writes cells.csv and slopes.csv with exactly the declared columns; every cell converges', { timeout: 30000 }, async () => {
    const r = await run;
    expect(r.code).toBe(0);
    expect(readCsvTable(join(out, 'cells.csv')).columns).toEqual(deepLinear.tables.cells);
    expect(readCsvTable(join(out, 'slopes.csv')).columns).toEqual(deepLinear.finalTables!.slopes);
    const cells = readCsvTable(join(out, 'cells.csv')).rows;
    expect(cells.map((c) => [c.lambda, c.sigma, c.status, c.converged])).toEqual([
      ['0.01', '0.05', 'ok', 'true'],
      ['0.01', '0.1', 'ok', 'true'],
      ['0.01', '0.2', 'ok', 'true'],
    ]);
    for (const c of cells) {
      expect(toNumber(c.grad_norm_full)).toBeLessThan(1e-10);
      expect(toNumber(c.grad_norm_centroid)).toBeLessThan(1e-10);
      expect(toNumber(c.rank_trained_centroid)).toBeLessThanOrEqual(3); // Theta*_C has rank <= K (Prop 3.1 on K centroids)
    }
  });

  it('Thm 5.3 / 5.4 columns agree with an independent recomputation from the --save-data files, and both hold', { timeout: 30000 }, async () => {
    await run;
    const p = cellParams<DeepLinearParams>(deepLinear, 'quick');
    const cells = readCsvTable(join(out, 'cells.csv')).rows;
    for (const c of cells) {
      const sigma = toNumber(c.sigma);
      const prefix = `data_${cellTag({ ...p, sigma }, 0, ['k', 'n', 'dim', 'sigma', 'radius'])}`;
      const Xn = readNpy(join(out, `${prefix}_X.npy`));
      const labels = Int32Array.from(readNpy(join(out, `${prefix}_labels.npy`)).data);
      expect(Xn.shape).toEqual([30, 8]);
      const X = new Matrix(30, 8, Xn.data);
      expect(Array.from(X.data)).toEqual(Array.from(mixtureData({ ...p, sigma }, 0).X.data)); // gaussian-mixture's data
      const ref = recompute(X, labels, 3, toNumber(c.lambda));
      close(toNumber(c.dist_closed), ref.distClosed, 1e-8);
      close(toNumber(c.thm53_bound), ref.thm53Bound, 1e-10);
      close(toNumber(c.thm54_lhs), ref.thm54Lhs, 1e-8);
      close(toNumber(c.thm54_bound), ref.thm54Bound, 1e-10);
      close(toNumber(c.wcss_xy), ref.wcssXY, 1e-10);
      close(toNumber(c.tcv_labels), ref.wcssX, 1e-10);
      expect(c.thm53_holds).toBe('true');
      expect(c.thm54_holds).toBe('true');
      expect(ref.distClosed).toBeLessThanOrEqual(ref.thm53Bound);
      expect(ref.thm54Lhs).toBeLessThanOrEqual(ref.thm54Bound);
      expect(toNumber(c.tcv_kmeans)).toBeLessThanOrEqual(ref.wcssX * (1 + 1e-12));
      expect(toNumber(c.thm54_lhs)).toBeLessThanOrEqual(toNumber(c.thm54_bound_svd) * (1 + 1e-9)); // Eq. 42, sharper
      expect(toNumber(c.thm54_bound_svd)).toBeLessThanOrEqual(toNumber(c.thm54_bound) * (1 + 1e-12));
    }
  });

  it('dist_closed and dist_trained grow with sigma; slopes.csv has finite slopes (trained ~ quadratic)', { timeout: 30000 }, async () => {
    await run;
    const cells = readCsvTable(join(out, 'cells.csv')).rows;
    const closed = cells.map((c) => toNumber(c.dist_closed));
    const trained = cells.map((c) => toNumber(c.dist_trained));
    for (let i = 1; i < cells.length; i++) {
      expect(closed[i]).toBeGreaterThan(closed[i - 1]);
      expect(trained[i]).toBeGreaterThan(trained[i - 1]);
    }
    const slopes = readCsvTable(join(out, 'slopes.csv')).rows;
    expect(slopes).toHaveLength(1);
    const s = slopes[0];
    expect([s.lambda, s.points_trained, s.points_closed, s.sigma_min, s.sigma_max]).toEqual(['0.01', '3', '3', '0.05', '0.2']);
    for (const col of ['slope_trained', 'slope_closed', 'slope_trained_low', 'slope_closed_low'])
      expect(Number.isFinite(toNumber(s[col]))).toBe(true);
    expect(toNumber(s.slope_trained)).toBeGreaterThan(1.8);
    expect(toNumber(s.slope_trained)).toBeLessThan(2.5);
    // the slope is the least-squares fit of the logs in cells.csv
    close(
      toNumber(s.slope_trained),
      logLogSlope(
        cells.map((c) => toNumber(c.sigma)),
        trained,
      ).slope!,
      1e-12,
    );
    close(
      toNumber(s.slope_closed),
      logLogSlope(
        cells.map((c) => toNumber(c.sigma)),
        closed,
      ).slope!,
      1e-12,
    );
  });

  it('same seed, same bytes in every CSV', { timeout: 30000 }, async () => {
    await run;
    const again = tmp();
    expect((await runCli(['run', 'deep-linear', '--preset', 'quick', '--quiet', '--no-plot', '--out', again])).code).toBe(0);
    expect(deepLinear.tables.cells).not.toContain('seconds');
    expect(readFileSync(join(again, 'cells.csv'), 'utf8')).toBe(readFileSync(join(out, 'cells.csv'), 'utf8'));
    expect(readFileSync(join(again, 'slopes.csv'), 'utf8')).toBe(readFileSync(join(out, 'slopes.csv'), 'utf8'));
  });
});

describe('deep-linear: degenerate data', () => {
  it('sigma = 0: the centroid loss is the full loss, so both trained products and both closed forms coincide', async () => {
    const p = cellParams<DeepLinearParams>(deepLinear, 'quick', { sigma: 0 });
    const res = await deepLinear.runCell(makeCellContext(p));
    expect(res.status).toBe('ok');
    const c = res.rows.cells[0];
    expect(c.dist_trained as number).toBeLessThan(1e-8 * (c.norm_trained as number));
    expect(c.norm_trained as number).toBeGreaterThan(0.5);
    expect(c.dist_closed as number).toBeLessThan(1e-12);
    expect(c.wcss_xy as number).toBeLessThan(1e-28);
    expect(c.rank_trained).toBe(3); // K distinct points: Theta* has rank <= K (Sec. 3 after Prop 3.1)
  });
});
