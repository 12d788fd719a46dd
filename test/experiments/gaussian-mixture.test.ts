import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import gaussianMixture, { type GaussianMixtureParams } from '../../experiments/gaussian-mixture.ts';
import { autoencoderWidths, cellTag, estimateAutoencoderBytes, mixtureData } from '../../src/nn/autoencoder.ts';
import { prop41Bound, prop41BoundIsotropic } from '../../src/bounds/nrc.ts';
import { readCsvTable, toNumber } from '../../src/io/csv-read.ts';
import { readNpy } from '../../src/io/npy.ts';
import { Matrix, singularValues } from '../../src/linalg/index.ts';
import { wcssX } from '../../src/metrics/index.ts';
import { runCli } from '../helpers/cli.ts';
import { cellParams, makeCellContext } from '../helpers/context.ts';

const tmp = () => mkdtempSync(join(tmpdir(), 'nrc-gm-'));
const close = (a: number, b: number, rtol = 1e-12) => expect(Math.abs(a - b)).toBeLessThanOrEqual(rtol * Math.max(1, Math.abs(b)));

describe('gaussian-mixture: declaration', () => {
  it("declares the tables with the issue's columns first, then the parameters that identify a cell", () => {
    expect(gaussianMixture.tables).toEqual({
      cells: [
        'lambda',
        'sigma',
        'seed',
        'k',
        'n',
        'dim',
        'status',
        'converged',
        'iters',
        'loss',
        'grad_norm',
        'wcss_x',
        'prop41_bound',
        'prop41_holds',
        'tcv_upper',
        'prop41_bound_general',
        'hidden',
        'radius',
        'optimizer',
        'dtype',
        'f32_iterations',
        'f64_iterations',
      ],
      layers: [
        'lambda',
        'sigma',
        'seed',
        'layer',
        'rows',
        'cols',
        'rel_tail',
        'dist_rank',
        'soft_rank',
        'stationarity',
        'rank',
        'k',
        'n',
        'dim',
        'hidden',
        'radius',
        'optimizer',
      ],
      singular_values: ['lambda', 'sigma', 'seed', 'layer', 'index', 'value', 'k', 'n', 'dim', 'hidden', 'radius', 'optimizer'],
      theorem34: [
        'lambda',
        'sigma',
        'seed',
        'layer',
        'j',
        'wcss_j',
        'lemma33_residual',
        'implied_constant',
        'dist_rank',
        'dist_bound',
        'dist_bound_holds',
        'k',
        'n',
        'dim',
        'hidden',
        'radius',
        'optimizer',
      ],
    });
    expect(gaussianMixture.presets.paper).toMatchObject({ k: 10, n: 10000, dim: 784, hidden: [400, 300, 400] });
  });

  it('validate refuses a rank above the smallest width, empty hidden widths and n < k', () => {
    const p = cellParams<GaussianMixtureParams>(gaussianMixture, 'quick');
    expect(gaussianMixture.validate!(p)).toBeUndefined();
    expect(gaussianMixture.validate!({ ...p, rank: 7 })).toMatch(/--rank 7 exceeds the smallest layer width 6/);
    expect(gaussianMixture.validate!({ ...p, hidden: [] })).toMatch(/--hidden/);
    expect(gaussianMixture.validate!({ ...p, n: 2 })).toMatch(/--n 2 must be at least --k 3/);
  });

  it('estimates memory so that the paper size fits and absurd sizes are refused before any work', async () => {
    const paper = estimateAutoencoderBytes({ n: 10000, dim: 784, hidden: [400, 300, 400] });
    expect(paper).toBeGreaterThan(8 * 10000 * 784 * 4); // at least the data, targets and output buffers
    expect(paper).toBeLessThan(2 ** 31);
    const out = tmp();
    const r = await runCli(['run', 'gaussian-mixture', '--preset', 'quick', '--n', '1000000', '--dim', '100000', '--out', out, '--quiet']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/GiB of memory/);
    expect(readdirSync(out).filter((f) => f.endsWith('.csv'))).toEqual([]);
  });
});

describe('gaussian-mixture: quick preset through the CLI', () => {
  const out = tmp();
  const args = ['run', 'gaussian-mixture', '--preset', 'quick', '--save-data', '--save-weights', '--quiet', '--no-plot'];
  const run = runCli([...args, '--out', out]);

  it('writes the four tables with exactly the declared columns; both cells converge', { timeout: 30000 }, async () => {
    const r = await run;
    expect(r.code).toBe(0);
    for (const [name, columns] of Object.entries(gaussianMixture.tables)) {
      expect(readCsvTable(join(out, `${name}.csv`)).columns).toEqual(columns);
    }
    const cells = readCsvTable(join(out, 'cells.csv')).rows;
    expect(cells.map((c) => [c.lambda, c.sigma, c.status, c.converged])).toEqual([
      ['0.001', '0.05', 'ok', 'true'],
      ['0.01', '0.05', 'ok', 'true'],
    ]);
    for (const c of cells) expect(toNumber(c.grad_norm)).toBeLessThan(1e-7);
    const layers = readCsvTable(join(out, 'layers.csv')).rows;
    expect(layers).toHaveLength(8);
    expect(layers.map((l) => `${l.layer}:${l.rows}x${l.cols}`).slice(0, 4)).toEqual(['1:8x8', '2:6x8', '3:8x6', '4:8x8']);
    const theorem34 = readCsvTable(join(out, 'theorem34.csv')).rows;
    expect(theorem34).toHaveLength(2 * 10); // layers l = 1..4, j = 0..l-1
  });

  it('Prop 4.1 columns agree with the data saved by --save-data', { timeout: 30000 }, async () => {
    await run;
    const cells = readCsvTable(join(out, 'cells.csv')).rows;
    const p = cellParams<GaussianMixtureParams>(gaussianMixture, 'quick');
    const prefix = `data_${cellTag(p, 0, ['k', 'n', 'dim', 'sigma', 'radius'])}`;
    const X = readNpy(join(out, `${prefix}_X.npy`));
    const labels = readNpy(join(out, `${prefix}_labels.npy`));
    expect(X.shape).toEqual([30, 8]);
    expect(labels.shape).toEqual([30]);
    expect(labels.dtype).toBe('i4');
    const Xm = new Matrix(30, 8, X.data);
    const lab = Int32Array.from(labels.data);
    const wx = wcssX(Xm, lab);
    const bound = prop41BoundIsotropic(8, 0.05, 3, 30);
    close(bound, 0.05 ** 2 * Math.sqrt(8) * (Math.sqrt(8) + Math.sqrt(3 / 30)));
    for (const c of cells) {
      close(toNumber(c.wcss_x), wx);
      close(toNumber(c.prop41_bound), bound);
      // balanced isotropic: the general form equals the isotropic one
      close(toNumber(c.prop41_bound_general), prop41Bound([0, 1, 2].map(() => ({ covariance: Matrix.eye(8, 0.0025), count: 10 }))));
      close(toNumber(c.prop41_bound_general), bound, 1e-12);
      expect(c.prop41_holds).toBe(String(wx <= bound));
      expect(toNumber(c.tcv_upper)).toBeLessThanOrEqual(wx * (1 + 1e-12));
      expect(toNumber(c.tcv_upper)).toBeGreaterThan(0);
    }
    // the saved data are the experiment's data
    expect(Array.from(mixtureData(p, 0).X.data)).toEqual(Array.from(X.data));
  });

  it('layers.csv: rel_tail in [0, 1], consistent with the singular values and with the saved weights', { timeout: 30000 }, async () => {
    await run;
    const layers = readCsvTable(join(out, 'layers.csv')).rows;
    const sv = readCsvTable(join(out, 'singular_values.csv')).rows;
    const p = cellParams<GaussianMixtureParams>(gaussianMixture, 'quick');
    for (const l of layers) {
      const relTail = toNumber(l.rel_tail);
      expect(relTail).toBeGreaterThanOrEqual(0);
      expect(relTail).toBeLessThanOrEqual(1);
      expect(l.rank).toBe('3'); // --rank 0 = K
      const s = sv.filter((x) => x.lambda === l.lambda && x.layer === l.layer).map((x) => toNumber(x.value));
      expect(s).toHaveLength(Math.min(toNumber(l.rows), toNumber(l.cols)));
      for (let i = 1; i < s.length; i++) expect(s[i]).toBeLessThanOrEqual(s[i - 1]);
      const total = s.reduce((a, v) => a + v * v, 0);
      const tail = s.slice(3).reduce((a, v) => a + v * v, 0);
      close(relTail, tail / total, 1e-9);
      close(toNumber(l.dist_rank), Math.sqrt(tail), 1e-9);
      const soft = toNumber(l.soft_rank);
      expect(Number.isInteger(soft) && soft >= 1 && soft <= s.length + 1).toBe(true);
      expect(toNumber(l.stationarity)).toBeLessThan(1e-3); // converged: grad_W L_0 = -2 lambda W (Eq. 4)
      // the saved W_l has exactly these singular values
      const tag = cellTag({ ...p, lambda: Number(l.lambda) }, 0, [
        'lambda',
        'sigma',
        'k',
        'n',
        'dim',
        'hidden',
        'radius',
        'optimizer',
        'lr',
        'gradTol',
        'maxIters',
      ]);
      const W = readNpy(join(out, `weights_${tag}_W${l.layer}.npy`));
      expect(W.shape).toEqual([toNumber(l.rows), toNumber(l.cols)]);
      const sW = singularValues(new Matrix(W.shape[0], W.shape[1], W.data));
      sW.forEach((v, i) => close(v, s[i], 1e-12));
    }
    // at sigma = 0.05 both lambdas give layers within 1e-8 of rank K (Figure 1's collapsed corner)
    for (const l of layers) expect(toNumber(l.rel_tail)).toBeLessThan(1e-8);
  });

  it('theorem34.csv: WCSS_0 = 2 wcss_x (y = x), implied constant = lambda dist / WCSS_j, the distance bound holds', { timeout: 30000 }, async () => {
    await run;
    const cells = readCsvTable(join(out, 'cells.csv')).rows;
    const rows = readCsvTable(join(out, 'theorem34.csv')).rows;
    for (const t of rows) {
      const j = toNumber(t.j);
      expect(j).toBeLessThan(toNumber(t.layer));
      const c = cells.find((x) => x.lambda === t.lambda)!;
      if (j === 0) close(toNumber(t.wcss_j), 2 * toNumber(c.wcss_x), 1e-12);
      close(toNumber(t.implied_constant), (toNumber(t.lambda) * toNumber(t.dist_rank)) / toNumber(t.wcss_j), 1e-12);
      expect(toNumber(t.lemma33_residual)).toBeGreaterThan(0);
      expect(t.dist_bound_holds).toBe('true');
      expect(toNumber(t.dist_rank)).toBeLessThanOrEqual(toNumber(t.dist_bound));
    }
  });

  it('same seed, same bytes in every CSV (wall times are in the manifest, not in a table)', { timeout: 30000 }, async () => {
    await run;
    const again = tmp();
    expect((await runCli([...args, '--out', again])).code).toBe(0);
    for (const name of ['cells', 'layers', 'singular_values', 'theorem34']) {
      expect(readFileSync(join(again, `${name}.csv`), 'utf8')).toBe(readFileSync(join(out, `${name}.csv`), 'utf8'));
    }
    const files = (d: string) =>
      readdirSync(d)
        .filter((f) => f.endsWith('.npy'))
        .sort();
    expect(files(again)).toEqual(files(out));
    for (const f of files(out)) expect(readFileSync(join(again, f)).equals(readFileSync(join(out, f)))).toBe(true);
  });
});

describe('gaussian-mixture: runCell', () => {
  it('on degenerate data (sigma = 0): wcss_x = 0 = bound, and the trained layers are rank <= K within 1e-10', { timeout: 30000 }, async () => {
    const p = cellParams<GaussianMixtureParams>(gaussianMixture, 'quick', { sigma: 0, lambda: 1e-2 });
    const r = await gaussianMixture.runCell(makeCellContext(p, 1));
    expect(r.status).toBe('ok');
    const [c] = r.rows.cells;
    expect(c.wcss_x as number).toBeLessThan(1e-28); // 0 up to the round-off of the centroids
    expect(c.prop41_bound).toBe(0);
    expect(c.prop41_holds).toBe(true);
    expect(c.tcv_upper as number).toBeLessThan(1e-28);
    expect(r.rows.layers).toHaveLength(autoencoderWidths(p).length - 1);
    for (const l of r.rows.layers) expect(l.rel_tail as number).toBeLessThan(1e-10);
    // WCSS_j of every hidden representation is 0 as well, and so is the Lemma 3.3 residual
    for (const t of r.rows.theorem34) {
      expect(t.wcss_j as number).toBeLessThan(1e-28);
      expect(t.lemma33_residual as number).toBeLessThan(1e-12);
    }
  });

  it(
    '--dtype mixed: float32 steps, then float64 steps to --grad-tol; the CSV counts both; the trained point matches f64',
    { timeout: 30000 },
    async () => {
      const p = cellParams<GaussianMixtureParams>(gaussianMixture, 'quick', { lambda: 1e-2 });
      const f64 = await gaussianMixture.runCell(makeCellContext(p, 0));
      const mixed = await gaussianMixture.runCell(makeCellContext({ ...p, dtype: 'mixed' }, 0));
      const [a] = f64.rows.cells,
        [b] = mixed.rows.cells;
      expect(mixed.status).toBe('ok');
      expect(a.f32_iterations).toBe(0);
      expect(a.f64_iterations).toBe(a.iters);
      expect(b.f32_iterations as number).toBeGreaterThan(0);
      expect(b.f64_iterations as number).toBeGreaterThan(0);
      expect((b.f32_iterations as number) + (b.f64_iterations as number)).toBe(b.iters);
      expect(b.grad_norm as number).toBeLessThan(p.gradTol);
      // both reach a stationary point to --grad-tol: the same low-rank structure
      mixed.rows.layers.forEach((l, i) => expect(Math.abs((l.rel_tail as number) - (f64.rows.layers[i].rel_tail as number))).toBeLessThan(1e-6));
      const f32 = await gaussianMixture.runCell(makeCellContext({ ...p, dtype: 'f32' }, 0));
      expect(f32.rows.cells[0].f64_iterations).toBe(0);
    },
  );

  it("larger lambda at small sigma gives a smaller rel_tail(K) (Figure 1's transition)", { timeout: 30000 }, async () => {
    // A budget the large-lambda cell converges in (at 400 iterations it stops short, with a tail of ~1e-6 that depends on the path).
    const p = cellParams<GaussianMixtureParams>(gaussianMixture, 'quick', { k: 3, n: 45, dim: 12, hidden: [10, 8, 10], sigma: 0.05, maxIters: 2000 });
    const lo = await gaussianMixture.runCell(makeCellContext({ ...p, lambda: 1e-5 }, 0));
    const hi = await gaussianMixture.runCell(makeCellContext({ ...p, lambda: 1e-2 }, 0));
    expect(hi.status).toBe('ok');
    const meanTail = (r: typeof lo) => r.rows.layers.reduce((a, l) => a + (l.rel_tail as number), 0) / r.rows.layers.length;
    expect(meanTail(lo)).toBeGreaterThan(0.01);
    expect(meanTail(hi)).toBeLessThan(1e-6);
  });

  it(
    'default preset: its grid avoids lambda < 1e-3, and its slowest cell (sigma 0.2, lambda 3e-3) converges within --max-iters',
    { timeout: 30000 },
    async () => {
      const d = gaussianMixture.presets.default;
      expect(d).toMatchObject({ lambda: [1e-3, 3e-3, 1e-2, 3e-2], sigma: [0.05, 0.1, 0.2, 0.4], maxIters: 20000, gradTol: 1e-5 });
      const p = cellParams<GaussianMixtureParams>(gaussianMixture, 'default', { lambda: 3e-3, sigma: 0.2 });
      const r = await gaussianMixture.runCell(makeCellContext(p, 0));
      expect(r.status).toBe('ok');
      const cell = r.rows.cells[0];
      expect(cell.grad_norm as number).toBeLessThan(1e-5);
      expect(cell.iters as number).toBeGreaterThan(5000); // the badly conditioned corner: needs far more than the old 4000 steps
      // unclustered for this lambda (Figure 1: above the diagonal), every layer far from rank K
      for (const l of r.rows.layers) expect(l.rel_tail as number).toBeGreaterThan(0.3);
    },
  );
});
