// Small results directories for the figure tests: CSVs shaped like each experiment's declared tables (the header of
// each fixture CSV is the table's column list, imported from the experiment module), with values that look like real
// runs. Rows name their columns: a column the table does not declare is a type error; columns a fixture does not fill
// are left empty.
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tables as centralPathTables } from '../../experiments/central-path.ts';
import { tables as deepLinearTables } from '../../experiments/deep-linear.ts';
import { tables as deepRfmTables } from '../../experiments/deep-rfm.ts';
import { tables as gaussianMixtureTables } from '../../experiments/gaussian-mixture.ts';
import { tables as gradientRankTables } from '../../experiments/gradient-rank.ts';
import { tables as layerwiseTables } from '../../experiments/layerwise.ts';
import { tables as mnistCollapseTables } from '../../experiments/mnist-collapse.ts';
import { tables as nnDecompositionTables } from '../../experiments/nn-decomposition.ts';
import { tables as perturbationTables } from '../../experiments/perturbation.ts';
import { tables as ufmTables } from '../../experiments/ufm.ts';
import { tables as wdAblationTables } from '../../experiments/wd-ablation.ts';
import { tables as widthDepthTables } from '../../experiments/width-depth.ts';
import { encodeNpy } from '../../src/io/npy.ts';

type Cell = string | number | boolean;

/** A fixture row of a table with columns C: values by column name; a column left out is an empty field. */
export type FixtureRow<C extends readonly string[]> = Partial<Record<C[number], Cell>>;

/** The CSV of a declared table: its column list as the header, then each row's values in that order ('' where unfilled). */
export function tableCsv<C extends readonly string[]>(columns: C, rows: readonly FixtureRow<C>[]): string {
  const line = (r: FixtureRow<C>): string => columns.map((c: C[number]) => String(r[c] ?? '')).join(',');
  return [columns.join(','), ...rows.map(line)].join('\n') + '\n';
}

/** Deterministic uniform numbers in [0, 1). */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

export function makeRunDir(experiment: string, files: Record<string, string | Uint8Array>): string {
  const dir = mkdtempSync(join(tmpdir(), `nrc-plot-${experiment}-`));
  mkdirSync(dir, { recursive: true });
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
  // A valid results store around the files: each CSV a table, all its rows committed by one cell.
  const tables: Record<string, string[]> = {};
  const ranges: Record<string, [number, number]> = {};
  const digests: Record<string, string> = {};
  const rows: Record<string, number> = {};
  for (const [name, content] of Object.entries(files)) {
    if (!name.endsWith('.csv')) continue;
    const bytes = Buffer.from(content);
    const headerEnd = bytes.indexOf(10) + 1;
    const table = name.slice(0, -4);
    tables[table] = bytes
      .subarray(0, headerEnd - 1)
      .toString('utf8')
      .split(',');
    ranges[table] = [headerEnd, bytes.length];
    digests[table] = createHash('sha256').update(bytes.subarray(headerEnd)).digest('hex');
    rows[table] = bytes.subarray(headerEnd).toString('utf8').split('\n').length - 1;
  }
  const cell = { index: 0, key: 'fixture', seed: 0, params: {}, status: 'ok', seconds: 0, started_at: '', finished_at: '', rows };
  writeFileSync(join(dir, 'journal.jsonl'), `${JSON.stringify({ cell, ranges, sha256: digests })}\n`);
  writeFileSync(
    join(dir, 'manifest.json'),
    JSON.stringify(
      {
        store_format: 2,
        experiment,
        command: ['nrc', 'run', experiment, '--preset', 'quick'],
        preset: 'quick',
        status: 'complete',
        started_at: '2025-01-01T00:00:00.000Z',
        finished_at: '2025-01-01T00:01:00.000Z',
        nrc_version: '0.1.0',
        params: { lambda: [1e-4, 1e-3] },
        seeds: [0],
        config_hash: 'fixture',
        shard: null,
        git_commit: null,
        node_version: process.version,
        threads: 1,
        cells_total: 1,
        tables,
        committed_bytes: Object.fromEntries(Object.entries(ranges).map(([t, r]) => [t, r[1]])),
        cells: [cell],
      },
      null,
      2,
    ),
  );
  return dir;
}

const LAMBDAS = [1e-4, 1e-3, 1e-2, 1e-1];
const SIGMAS = [0.01, 0.05, 0.1, 0.5];
const SEEDS = [0, 1];

type GaussianMixture = typeof gaussianMixtureTables;

export function gaussianMixture(): Record<string, string> {
  const rnd = lcg(1);
  const layers: FixtureRow<GaussianMixture['layers']>[] = [];
  const cells: FixtureRow<GaussianMixture['cells']>[] = [];
  for (const lambda of LAMBDAS)
    for (const sigma of SIGMAS)
      for (const seed of SEEDS) {
        const dim = 20;
        const wcss = dim * sigma * sigma * (1 + 0.05 * (rnd() - 0.5));
        cells.push({
          lambda,
          sigma,
          seed,
          k: 4,
          n: 200,
          dim,
          status: 'ok',
          converged: true,
          iters: 500,
          loss: 0.01,
          grad_norm: 1e-6,
          wcss_x: wcss,
          prop41_bound: Math.sqrt(dim) * sigma ** 2 * (Math.sqrt(dim) + Math.sqrt(4 / 200)),
          prop41_holds: true,
          tcv_upper: wcss * 0.98,
        });
        for (let layer = 1; layer <= 4; layer++) {
          const collapse = Math.min(1, (sigma * sigma) / (lambda * 10)) * (0.5 + 0.1 * layer);
          const rel = Math.min(0.9, 1e-6 + collapse * (1 + 0.1 * rnd()));
          layers.push({
            lambda,
            sigma,
            seed,
            layer,
            rows: 16,
            cols: 20,
            rel_tail: rel,
            dist_rank: Math.sqrt(rel),
            soft_rank: 4 + Math.round(10 * rel),
            stationarity: 1e-4,
            rank: 4,
          });
        }
      }
  return { 'cells.csv': tableCsv(gaussianMixtureTables.cells, cells), 'layers.csv': tableCsv(gaussianMixtureTables.layers, layers) };
}

type GradientRank = typeof gradientRankTables;

export function gradientRank(): Record<string, string> {
  const rows: FixtureRow<GradientRank['gradient_rank']>[] = [];
  for (let layer = 1; layer <= 4; layer++)
    for (let batchSize = 1; batchSize <= 12; batchSize++)
      rows.push({ layer, batch_size: batchSize, rank: Math.min(batchSize, 8 + layer), tol: 1e-10, seed: 0 });
  const deg: FixtureRow<GradientRank['degenerate']>[] = [];
  for (const lambda of [1e-3, 1e-2])
    for (let layer = 1; layer <= 4; layer++) deg.push({ layer, k: 4, rank: lambda === 1e-3 ? 4 : 3, lambda, seed: 0 });
  return { 'gradient_rank.csv': tableCsv(gradientRankTables.gradient_rank, rows), 'degenerate.csv': tableCsv(gradientRankTables.degenerate, deg) };
}

export function deepLinear(): Record<string, string> {
  const rnd = lcg(2);
  const rows: FixtureRow<typeof deepLinearTables.cells>[] = [];
  for (const lambda of LAMBDAS)
    for (const sigma of SIGMAS)
      for (const seed of SEEDS) {
        const dist = ((sigma * sigma) / lambda) * 0.01 * (1 + 0.1 * rnd());
        rows.push({
          lambda,
          sigma,
          seed,
          k: 4,
          n: 200,
          dim: 20,
          status: 'ok',
          dist_trained: dist,
          dist_closed: dist * 0.7,
          thm53_bound: dist * 50,
          thm53_holds: true,
          thm54_lhs: dist * dist,
          thm54_bound: dist * dist * 100,
          thm54_holds: true,
          wcss_xy: sigma * sigma * 20,
          tcv_labels: 0,
          iters_full: 100,
          iters_centroid: 100,
          converged: true,
        });
      }
  return { 'cells.csv': tableCsv(deepLinearTables.cells, rows) };
}

type MnistCollapse = typeof mnistCollapseTables;

export function mnistCollapse(): Record<string, string> {
  const tails: FixtureRow<MnistCollapse['tails']>[] = [];
  const tcv: FixtureRow<MnistCollapse['tcv']>[] = [];
  const train: FixtureRow<MnistCollapse['train']>[] = [];
  const lambdas = [1e-4, 1e-3, 1e-2];
  const epochs = [0, 10, 20, 30, 40, 50];
  const sizes = [64, 64, 32, 10];
  for (const lambda of lambdas)
    for (const epoch of epochs) {
      for (let layer = 1; layer <= 4; layer++) {
        const m = sizes[layer - 1];
        const decay = 0.02 + (epoch / 50) * lambda * 30;
        const s = Array.from({ length: m }, (_, i) => Math.exp(-decay * i) + 0.05 * (1 - epoch / 60));
        const total = s.reduce((a, b) => a + b, 0);
        let acc = total;
        for (let r = 1; r <= m; r++) {
          tails.push({ lambda, seed: 0, epoch, layer, r, e_r: acc / total });
          acc -= s[r - 1];
        }
        if (layer < 4) tcv.push({ lambda, seed: 0, epoch, layer, wcss: ((5 + layer) * Math.exp(-epoch / 30)) / (1 + 100 * lambda) + 0.1 });
      }
      train.push({ lambda, seed: 0, epoch, loss: Math.exp(-epoch / 20), train_acc: 0.5 + epoch / 120, test_acc: 0.45 + epoch / 130 });
    }
  return {
    'tails.csv': tableCsv(mnistCollapseTables.tails, tails),
    'tcv.csv': tableCsv(mnistCollapseTables.tcv, tcv),
    'train.csv': tableCsv(mnistCollapseTables.train, train),
  };
}

type WidthDepth = typeof widthDepthTables;

export function widthDepth(): Record<string, string> {
  const w: FixtureRow<WidthDepth['width']>[] = [];
  const d: FixtureRow<WidthDepth['depth']>[] = [];
  for (const lambda of [1e-4, 1e-3, 1e-2])
    for (const seed of SEEDS) {
      for (const width of [16, 32, 64, 128])
        for (let layer = 1; layer <= 5; layer++)
          w.push({ lambda, seed, width, layer, soft_rank: Math.round(30 / (1 + 300 * lambda) + Math.log2(width) + seed) });
      for (const depth of [1, 2, 3, 4])
        for (let layer = 1; layer <= depth + 1; layer++)
          d.push({ lambda, seed, depth, layer, soft_rank: Math.round(40 / (1 + 300 * lambda) + layer + seed) });
    }
  return { 'width.csv': tableCsv(widthDepthTables.width, w), 'depth.csv': tableCsv(widthDepthTables.depth, d) };
}

type DeepRfm = typeof deepRfmTables;

export function deepRfm(withGram = true): Record<string, string | Uint8Array> {
  const layers: FixtureRow<DeepRfm['layers']>[] = [];
  const acc: FixtureRow<DeepRfm['accuracy']>[] = [];
  const lin: FixtureRow<DeepRfm['linearized']>[] = [];
  const config = { dataset: 'mnist', kernel: 'laplace', bandwidth: 2, ridge: 1e-3, feature_map: 'relu', width: 1024, n: 500, sigma: 0 } as const;
  for (const seed of SEEDS)
    for (let layer = 1; layer <= 8; layer++) {
      const base = Math.exp(-0.6 * layer) * (1 + 0.1 * seed);
      layers.push({ ...config, seed, layer, stage: 'input', nc1: base, nc2_gram: base * 2, nc1_pinv: base, nc2_etf: base });
      layers.push({ ...config, seed, layer, stage: 'agop', nc1: base * 0.5, nc2_gram: base, nc1_pinv: base, nc2_etf: base });
      layers.push({ ...config, seed, layer, stage: 'features', nc1: base * 0.6, nc2_gram: base * 1.2, nc1_pinv: base, nc2_etf: base });
      acc.push({ ...config, seed, layer, train_acc: 0.9 + layer / 100, test_acc: 0.85 + layer / 200, krr_method: 'cholesky' });
      lin.push({
        dataset: 'mnist',
        n: 500,
        sigma: 0,
        lambda_k: 0.1,
        lambda_phi: 0.1,
        lin_kappa: 1.5,
        seed,
        layer,
        gram_error: Math.exp(-layer),
        gram_error_fro: Math.exp(-layer) * 3,
      });
    }
  const files: Record<string, string | Uint8Array> = {
    'layers.csv': tableCsv(deepRfmTables.layers, layers),
    'accuracy.csv': tableCsv(deepRfmTables.accuracy, acc),
    'linearized.csv': tableCsv(deepRfmTables.linearized, lin),
  };
  if (withGram) {
    const n = 40;
    const K = 4;
    for (const layer of [1, 4, 8]) {
      const g = new Float64Array(n * n);
      const strength = layer / 8;
      for (let i = 0; i < n; i++)
        for (let j = 0; j < n; j++) {
          const same = Math.floor(i / (n / K)) === Math.floor(j / (n / K));
          g[i * n + j] = i === j ? 1 : same ? 0.3 + 0.7 * strength : -0.1 - 0.23 * strength + 0.1 * Math.sin(i * j);
        }
      files[`deep-rfm-gram-abc123-seed0-layer${layer}.npy`] = encodeNpy({ shape: [n, n], data: g });
    }
  }
  return files;
}

type NnDecomposition = typeof nnDecompositionTables;

export function nnDecomposition(): Record<string, string> {
  const dec: FixtureRow<NnDecomposition['decomposition']>[] = [];
  const nfa: FixtureRow<NnDecomposition['nfa']>[] = [];
  const train: FixtureRow<NnDecomposition['train']>[] = [];
  for (const seed of SEEDS)
    for (const epoch of [0, 20, 40, 60, 80, 100]) {
      for (let layer = 1; layer <= 5; layer++) {
        const base = Math.exp(-layer * 0.3 * (epoch / 100)) * (1 + 0.05 * seed);
        dec.push({ seed, epoch, layer, stage: 'input', nc1: base });
        dec.push({ seed, epoch, layer, stage: 'sv', nc1: base * (1 - (0.5 * epoch) / 100) });
        dec.push({ seed, epoch, layer, stage: 'output', nc1: base * (1 - (0.45 * epoch) / 100) });
        nfa.push({ seed, epoch, layer, nfa_corr: 0.2 + 0.5 * (epoch / 100) + 0.02 * seed });
      }
      train.push({ seed, epoch, loss: Math.exp(-epoch / 30), train_acc: 0.5 + epoch / 250 });
    }
  return {
    'decomposition.csv': tableCsv(nnDecompositionTables.decomposition, dec),
    'nfa.csv': tableCsv(nnDecompositionTables.nfa, nfa),
    'train.csv': tableCsv(nnDecompositionTables.train, train),
  };
}

export function ufm(): Record<string, string> {
  const rows: FixtureRow<typeof ufmTables.ufm>[] = [];
  for (const lambdaH of [0.01, 0.1, 0.5, 1, 2])
    for (const lambdaW of [0.1, 0.5, 1]) {
      const c = Math.sqrt(lambdaH * lambdaW);
      const rho = c <= 1 ? (1 - c) * Math.sqrt(lambdaW / lambdaH) : 0;
      rows.push({
        lambda_h: lambdaH,
        lambda_w: lambdaW,
        k: 4,
        dim: 10,
        n: 10,
        rho: rho * (1 + 1e-6),
        rho_closed_form: rho,
        nc1: c <= 1 ? 1e-12 : 0,
        rho_error: 1e-9,
      });
    }
  return { 'ufm.csv': tableCsv(ufmTables.ufm, rows) };
}

export function centralPath(): Record<string, string> {
  const rows: FixtureRow<typeof centralPathTables.flow>[] = [];
  for (const lambdaH of [0.01, 0.1])
    for (let step = 0; step <= 50; step++) {
      const t = step * 0.1;
      const tw = 3 * Math.exp(-0.5 * t);
      const tb = 1 + 0.2 * t;
      rows.push({
        lambda_h: lambdaH,
        t,
        nc1_trace: 2 * Math.exp(-t),
        trace_sigma_w: tw * Math.exp(-2 * lambdaH * t),
        trace_sigma_b: tb * Math.exp(-2 * lambdaH * t),
        tw,
        tb,
      });
    }
  return { 'flow.csv': tableCsv(centralPathTables.flow, rows) };
}

export function perturbation(): Record<string, string> {
  const rows: FixtureRow<typeof perturbationTables.spectrum>[] = [];
  const lambdaW = Math.SQRT2;
  const setting = { lambda_w: lambdaW, beta: 100 };
  for (const lambdaH of [0.001, 0.01, 0.1, 0.5]) {
    for (let index = 1; index <= 100; index++) {
      const step = index <= 6 ? 1 : index <= 40 ? 1 - (Math.sqrt(lambdaH / lambdaW) / 100) * 0.5 : 1 - Math.sqrt(lambdaH / lambdaW) / 100;
      rows.push({ lambda_h: lambdaH, ...setting, block: 'intra', index, value: step, closed_form: step });
    }
    for (let index = 1; index <= 20; index++) {
      const value = index === 1 ? (2 * lambdaH * (1 - Math.sqrt(lambdaH * lambdaW))) / 100 : 0;
      rows.push({ lambda_h: lambdaH, ...setting, block: 'inter', index, value });
    }
  }
  return { 'spectrum.csv': tableCsv(perturbationTables.spectrum, rows) };
}

export function layerwise(): Record<string, string> {
  const rows: FixtureRow<typeof layerwiseTables.layerwise>[] = [];
  for (const seed of SEEDS)
    for (let layers = 1; layers <= 8; layers++)
      rows.push({
        seed,
        layers,
        nc1: 2 * Math.exp(-0.3 * layers) * (1 + 0.1 * seed),
        nc1_trace: Math.exp(-0.25 * layers),
        train_loss: 0.5 / layers,
        train_acc: 0.9,
      });
  return { 'layerwise.csv': tableCsv(layerwiseTables.layerwise, rows) };
}

export function wdAblation(): Record<string, string> {
  const rows: FixtureRow<typeof wdAblationTables.metrics>[] = [];
  const settings = ['baseline', 'WDx2 for W', 'WDx2 for H', 'WD=0 for W', 'WD=0 for H'];
  const scale = [1, 0.7, 0.5, 2, 10];
  for (const [s, config] of settings.entries())
    for (const loss of ['mse', 'ce'])
      for (const seed of [0, 1, 2]) {
        const base = (loss === 'mse' ? 8e-4 : 4e-3) * scale[s] * (1 + 0.05 * seed);
        rows.push({ config, loss, seed, nc1: base, nc2_etf: 0.07 * Math.sqrt(scale[s]) * (1 + 0.03 * seed), nc3: 0.1 * Math.sqrt(scale[s]) });
      }
  return { 'metrics.csv': tableCsv(wdAblationTables.metrics, rows) };
}

/** Every experiment with a fixture and the figure files it should produce. */
export const FIXTURES: Record<string, { files: () => Record<string, string | Uint8Array>; figures: string[] }> = {
  'gaussian-mixture': { files: gaussianMixture, figures: ['figure1_rel_tail', 'prop41_bound'] },
  'gradient-rank': { files: gradientRank, figures: ['gradient_rank', 'degenerate_ranks'] },
  'deep-linear': { files: deepLinear, figures: ['figure2_vs_lambda', 'figure2_vs_sigma'] },
  'mnist-collapse': { files: mnistCollapse, figures: ['figure3_tails', 'figure3_tcv', 'training'] },
  'width-depth': { files: widthDepth, figures: ['figure4_width', 'figure5_depth', 'width_per_layer'] },
  'deep-rfm': { files: () => deepRfm(true), figures: ['deep_rfm_nc', 'linearized_gram_error', 'deep_rfm_accuracy', 'gram_heatmaps'] },
  'nn-decomposition': { files: nnDecomposition, figures: ['nc1_decomposition', 'nfa_correlation', 'training'] },
  ufm: { files: ufm, figures: ['ufm_rho', 'ufm_nc1'] },
  'central-path': { files: centralPath, figures: ['central_path'] },
  perturbation: { files: perturbation, figures: ['figure1_spectrum_intra', 'spectrum_inter'] },
  layerwise: { files: layerwise, figures: ['figure2_layerwise'] },
  'wd-ablation': { files: wdAblation, figures: ['wd_ablation_bars'] },
};
