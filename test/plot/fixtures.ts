// Small results directories for the figure tests: CSVs shaped like each experiment's tables
// (column names from the experiment issues), with values that look like real runs.
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeNpy } from '../../src/io/npy.ts';

type Cell = string | number | boolean;

function csv(columns: string[], rows: Cell[][]): string {
  return [columns.join(','), ...rows.map((r) => r.map(String).join(','))].join('\n') + '\n';
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

export function gaussianMixture(): Record<string, string> {
  const rnd = lcg(1);
  const layers: Cell[][] = [];
  const cells: Cell[][] = [];
  for (const lambda of LAMBDAS)
    for (const sigma of SIGMAS)
      for (const seed of SEEDS) {
        const d = 20;
        const wcss = d * sigma * sigma * (1 + 0.05 * (rnd() - 0.5));
        cells.push([
          lambda,
          sigma,
          seed,
          4,
          200,
          d,
          'ok',
          true,
          500,
          0.01,
          1e-6,
          wcss,
          Math.sqrt(d) * sigma ** 2 * (Math.sqrt(d) + Math.sqrt(4 / 200)),
          true,
          wcss * 0.98,
        ]);
        for (let layer = 1; layer <= 4; layer++) {
          const collapse = Math.min(1, (sigma * sigma) / (lambda * 10)) * (0.5 + 0.1 * layer);
          const rel = Math.min(0.9, 1e-6 + collapse * (1 + 0.1 * rnd()));
          layers.push([lambda, sigma, seed, layer, 16, 20, rel, Math.sqrt(rel), 4 + Math.round(10 * rel), 1e-4, 4]);
        }
      }
  return {
    'cells.csv': csv(
      [
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
      ],
      cells,
    ),
    'layers.csv': csv(['lambda', 'sigma', 'seed', 'layer', 'rows', 'cols', 'rel_tail', 'dist_rank', 'soft_rank', 'stationarity', 'rank'], layers),
  };
}

export function gradientRank(): Record<string, string> {
  const rows: Cell[][] = [];
  for (let layer = 1; layer <= 4; layer++) for (let b = 1; b <= 12; b++) rows.push([layer, b, Math.min(b, 8 + layer), 1e-10, 0]);
  const deg: Cell[][] = [];
  for (const lambda of [1e-3, 1e-2]) for (let layer = 1; layer <= 4; layer++) deg.push([layer, 4, lambda === 1e-3 ? 4 : 3, lambda, 0]);
  return {
    'gradient_rank.csv': csv(['layer', 'batch_size', 'rank', 'tol', 'seed'], rows),
    'degenerate.csv': csv(['layer', 'k', 'rank', 'lambda', 'seed'], deg),
  };
}

export function deepLinear(): Record<string, string> {
  const rnd = lcg(2);
  const rows: Cell[][] = [];
  for (const lambda of LAMBDAS)
    for (const sigma of SIGMAS)
      for (const seed of SEEDS) {
        const dist = ((sigma * sigma) / lambda) * 0.01 * (1 + 0.1 * rnd());
        rows.push([
          lambda,
          sigma,
          seed,
          4,
          200,
          20,
          'ok',
          dist,
          dist * 0.7,
          dist * 50,
          true,
          dist * dist,
          dist * dist * 100,
          true,
          sigma * sigma * 20,
          0,
          100,
          100,
          true,
        ]);
      }
  return {
    'cells.csv': csv(
      [
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
      ],
      rows,
    ),
  };
}

export function mnistCollapse(): Record<string, string> {
  const tails: Cell[][] = [];
  const tcv: Cell[][] = [];
  const train: Cell[][] = [];
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
          tails.push([lambda, 0, epoch, layer, r, acc / total]);
          acc -= s[r - 1];
        }
        if (layer < 4) tcv.push([lambda, 0, epoch, layer, ((5 + layer) * Math.exp(-epoch / 30)) / (1 + 100 * lambda) + 0.1]);
      }
      train.push([lambda, 0, epoch, Math.exp(-epoch / 20), 0.5 + epoch / 120, 0.45 + epoch / 130]);
    }
  return {
    'tails.csv': csv(['lambda', 'seed', 'epoch', 'layer', 'r', 'e_r'], tails),
    'tcv.csv': csv(['lambda', 'seed', 'epoch', 'layer', 'wcss'], tcv),
    'train.csv': csv(['lambda', 'seed', 'epoch', 'loss', 'train_acc', 'test_acc'], train),
  };
}

export function widthDepth(): Record<string, string> {
  const w: Cell[][] = [];
  const d: Cell[][] = [];
  for (const lambda of [1e-4, 1e-3, 1e-2])
    for (const seed of SEEDS) {
      for (const width of [16, 32, 64, 128])
        for (let layer = 1; layer <= 5; layer++) w.push([lambda, seed, width, layer, Math.round(30 / (1 + 300 * lambda) + Math.log2(width) + seed)]);
      for (const depth of [1, 2, 3, 4])
        for (let layer = 1; layer <= depth + 1; layer++) d.push([lambda, seed, depth, layer, Math.round(40 / (1 + 300 * lambda) + layer + seed)]);
    }
  return {
    'width.csv': csv(['lambda', 'seed', 'width', 'layer', 'soft_rank'], w),
    'depth.csv': csv(['lambda', 'seed', 'depth', 'layer', 'soft_rank'], d),
  };
}

export function deepRfm(withGram = true): Record<string, string | Uint8Array> {
  const layers: Cell[][] = [];
  const acc: Cell[][] = [];
  const lin: Cell[][] = [];
  for (const seed of SEEDS)
    for (let layer = 1; layer <= 8; layer++) {
      const base = Math.exp(-0.6 * layer) * (1 + 0.1 * seed);
      layers.push(['mnist', 'laplace', 2, 1e-3, 'relu', 1024, 500, 0, seed, layer, 'input', base, base * 2, base, base]);
      layers.push(['mnist', 'laplace', 2, 1e-3, 'relu', 1024, 500, 0, seed, layer, 'agop', base * 0.5, base, base, base]);
      layers.push(['mnist', 'laplace', 2, 1e-3, 'relu', 1024, 500, 0, seed, layer, 'features', base * 0.6, base * 1.2, base, base]);
      acc.push(['mnist', 'laplace', 2, 1e-3, 'relu', 1024, 500, 0, seed, layer, 0.9 + layer / 100, 0.85 + layer / 200, 'cholesky']);
      lin.push(['mnist', 500, 0, 0.1, 0.1, 1.5, seed, layer, Math.exp(-layer), Math.exp(-layer) * 3]);
    }
  const files: Record<string, string | Uint8Array> = {
    'layers.csv': csv(
      [
        'dataset',
        'kernel',
        'bandwidth',
        'ridge',
        'feature_map',
        'width',
        'n',
        'sigma',
        'seed',
        'layer',
        'stage',
        'nc1',
        'nc2_gram',
        'nc1_pinv',
        'nc2_etf',
      ],
      layers,
    ),
    'accuracy.csv': csv(
      ['dataset', 'kernel', 'bandwidth', 'ridge', 'feature_map', 'width', 'n', 'sigma', 'seed', 'layer', 'train_acc', 'test_acc', 'krr_method'],
      acc,
    ),
    'linearized.csv': csv(['dataset', 'n', 'sigma', 'lambda_k', 'lambda_phi', 'lin_kappa', 'seed', 'layer', 'gram_error', 'gram_error_fro'], lin),
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

export function nnDecomposition(): Record<string, string> {
  const dec: Cell[][] = [];
  const nfa: Cell[][] = [];
  const train: Cell[][] = [];
  for (const seed of SEEDS)
    for (const epoch of [0, 20, 40, 60, 80, 100]) {
      for (let layer = 1; layer <= 5; layer++) {
        const base = Math.exp(-layer * 0.3 * (epoch / 100)) * (1 + 0.05 * seed);
        dec.push([seed, epoch, layer, 'input', base]);
        dec.push([seed, epoch, layer, 'sv', base * (1 - (0.5 * epoch) / 100)]);
        dec.push([seed, epoch, layer, 'output', base * (1 - (0.45 * epoch) / 100)]);
        nfa.push([seed, epoch, layer, 0.2 + 0.5 * (epoch / 100) + 0.02 * seed]);
      }
      train.push([seed, epoch, Math.exp(-epoch / 30), 0.5 + epoch / 250]);
    }
  return {
    'decomposition.csv': csv(['seed', 'epoch', 'layer', 'stage', 'nc1'], dec),
    'nfa.csv': csv(['seed', 'epoch', 'layer', 'nfa_corr'], nfa),
    'train.csv': csv(['seed', 'epoch', 'loss', 'train_acc'], train),
  };
}

export function ufm(): Record<string, string> {
  const rows: Cell[][] = [];
  for (const lh of [0.01, 0.1, 0.5, 1, 2])
    for (const lw of [0.1, 0.5, 1]) {
      const c = Math.sqrt(lh * lw);
      const rho = c <= 1 ? (1 - c) * Math.sqrt(lw / lh) : 0;
      rows.push([lh, lw, 4, 10, 10, rho * (1 + 1e-6), rho, c <= 1 ? 1e-12 : 0, 1e-9]);
    }
  return { 'ufm.csv': csv(['lambda_h', 'lambda_w', 'k', 'dim', 'n', 'rho', 'rho_closed_form', 'nc1', 'rho_error'], rows) };
}

export function centralPath(): Record<string, string> {
  const rows: Cell[][] = [];
  for (const lh of [0.01, 0.1])
    for (let step = 0; step <= 50; step++) {
      const t = step * 0.1;
      const tw = 3 * Math.exp(-0.5 * t);
      const tb = 1 + 0.2 * t;
      rows.push([lh, t, 2 * Math.exp(-t), tw * Math.exp(-2 * lh * t), tb * Math.exp(-2 * lh * t), tw, tb]);
    }
  return { 'flow.csv': csv(['lambda_h', 't', 'nc1_trace', 'trace_sigma_w', 'trace_sigma_b', 'tw', 'tb'], rows) };
}

export function perturbation(): Record<string, string> {
  const rows: Cell[][] = [];
  const lw = Math.SQRT2;
  for (const lh of [0.001, 0.01, 0.1, 0.5]) {
    for (let i = 1; i <= 100; i++) {
      const step = i <= 6 ? 1 : i <= 40 ? 1 - (Math.sqrt(lh / lw) / 100) * 0.5 : 1 - Math.sqrt(lh / lw) / 100;
      rows.push([lh, lw, 100, 'intra', i, step, step]);
    }
    for (let i = 1; i <= 20; i++) rows.push([lh, lw, 100, 'inter', i, i === 1 ? (2 * lh * (1 - Math.sqrt(lh * lw))) / 100 : 0, '']);
  }
  return { 'spectrum.csv': csv(['lambda_h', 'lambda_w', 'beta', 'block', 'index', 'value', 'closed_form'], rows) };
}

export function layerwise(): Record<string, string> {
  const rows: Cell[][] = [];
  for (const seed of SEEDS)
    for (let l = 1; l <= 8; l++) rows.push([seed, l, 2 * Math.exp(-0.3 * l) * (1 + 0.1 * seed), Math.exp(-0.25 * l), 0.5 / l, 0.9]);
  return { 'layerwise.csv': csv(['seed', 'layers', 'nc1', 'nc1_trace', 'train_loss', 'train_acc'], rows) };
}

export function wdAblation(): Record<string, string> {
  const rows: Cell[][] = [];
  const settings = ['baseline', 'WDx2 for W', 'WDx2 for H', 'WD=0 for W', 'WD=0 for H'];
  const scale = [1, 0.7, 0.5, 2, 10];
  for (const [s, setting] of settings.entries())
    for (const loss of ['mse', 'ce'])
      for (const seed of [0, 1, 2]) {
        const base = (loss === 'mse' ? 8e-4 : 4e-3) * scale[s] * (1 + 0.05 * seed);
        rows.push([setting, loss, seed, base, 0.07 * Math.sqrt(scale[s]) * (1 + 0.03 * seed), 0.1 * Math.sqrt(scale[s])]);
      }
  return { 'metrics.csv': csv(['config', 'loss', 'seed', 'nc1', 'nc2_etf', 'nc3'], rows) };
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
