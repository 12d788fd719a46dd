// Figures of deep-rfm (AGOP paper): NC1/NC2 per layer and stage, KRR accuracy, the linearised Gram recursion (Thm 4.3), Gram heatmaps.
import { distinct, finiteRows, formatValue, hasField, meanBy, MissingData, num, seedCount, values, type Rec } from '../src/plot/data.ts';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { readNpy } from '../src/io/npy.ts';
import { chart, configLabels, optional, seedsNote } from '../src/plot/kit.ts';
import type { Spec } from '../src/plot/render.ts';
import { errorBarLayer, figureSpec, heatmap, logAxis } from '../src/plot/style.ts';
import type { FigureDef } from '../src/plot/types.ts';
import type { tables } from './deep-rfm.ts';

type T = typeof tables;

/** Deep RFM stages in the paper's order, with the paper's notation. */
const STAGES: [string, string][] = [
  ['input', 'X_l (layer input)'],
  ['agop', 'M_l^{1/2} X_l (after AGOP)'],
  ['features', 'Φ(M_l^{1/2} X_l) (random features)'],
];

/** Parameters of a Deep RFM configuration (a row of panels each when a run varies them). */
const RFM_CONFIG = ['dataset', 'kernel', 'bandwidth', 'ridge', 'feature_map', 'width', 'n', 'sigma'] as const;

const deepRfmCollapse: FigureDef<T> = {
  name: 'deep_rfm_nc',
  build({ table }) {
    const rows = table('layers', ['layer', 'stage', 'nc1', 'nc2_gram', 'seed?', ...optional(RFM_CONFIG)]);
    const configs = configLabels(rows, RFM_CONFIG);
    const long: Rec[] = [];
    for (const r of rows) {
      long.push({ _config: r._config, layer: r.layer, stage: r.stage, seed: r.seed, metric: 'NC1 = tr Σ_W / tr Σ_B', value: r.nc1 });
      long.push({ _config: r._config, layer: r.layer, stage: r.stage, seed: r.seed, metric: 'NC2 = ‖M̂ᵀM̂ − Σ_ETF‖_F', value: r.nc2_gram });
    }
    const mean = finiteRows(meanBy(long, ['_config', 'metric', 'layer', 'stage'], ['value']), ['layer'], ['value']);
    if (!mean.length) throw new MissingData('layers.csv has no positive nc1/nc2_gram');
    for (const r of mean) r.value_lo = Math.max(num(r.value_lo), num(r.value) / 10);
    const known = new Map(STAGES);
    const stageValues = distinct(mean, 'stage').map(String);
    const order = [...STAGES.map(([s]) => s).filter((s) => stageValues.includes(s)), ...stageValues.filter((s) => !known.has(s))];
    for (const r of mean) r.stage_label = known.get(String(r.stage)) ?? String(r.stage);
    const labels = order.map((s) => known.get(s) ?? s);
    const x = { field: 'layer', type: 'quantitative', title: 'layer l', axis: { tickMinStep: 1 } };
    const color = {
      field: 'stage_label',
      type: 'nominal',
      title: 'stage',
      sort: labels,
      scale: { domain: labels, range: ['#1f77b4', '#d62728', '#2ca02c', '#9467bd'].slice(0, labels.length) },
      legend: { orient: 'bottom', direction: 'horizontal' },
    };
    const facet: Spec = { column: { field: 'metric', type: 'nominal', title: null, sort: ['NC1 = tr Σ_W / tr Σ_B'] } };
    if (configs.length > 1) facet.row = { field: '_config', type: 'nominal', title: null };
    const spec = figureSpec(
      'Deep RFM: neural collapse per layer for the three stages',
      `AGOP paper Sec. 4, Figs. 3-4; log y; ${seedsNote(seedCount(rows), true)}`,
      {
        data: { values: mean },
        facet,
        spec: {
          width: 300,
          height: 220,
          layer: [
            {
              mark: { type: 'line', point: true },
              encoding: {
                x,
                y: {
                  field: 'value',
                  type: 'quantitative',
                  scale: { type: 'log' },
                  axis: logAxis('value', values(mean, 'value', 'value_lo', 'value_hi')),
                },
                color,
              },
            },
            errorBarLayer(x, 'value', color),
          ],
        },
        resolve: { scale: { y: 'independent' } },
      },
    );
    return chart(
      this.name,
      'Deep RFM: NC1 and NC2 per layer',
      'NC1 and NC2 fall by orders of magnitude at the AGOP stage; the random-feature map does not reduce NC1 (AGOP paper).',
      spec,
    );
  },
};

const deepRfmAccuracy: FigureDef<T> = {
  name: 'deep_rfm_accuracy',
  build({ table }) {
    const rows = finiteRows(table('accuracy', ['layer', 'train_acc', 'test_acc', 'seed?']), ['layer']);
    const mean = meanBy(rows, ['layer'], ['train_acc', 'test_acc']);
    const spec = figureSpec('Deep RFM: kernel ridge regression accuracy per layer', seedsNote(seedCount(rows), true), {
      data: { values: mean },
      transform: [{ fold: ['train_acc', 'test_acc'], as: ['set', 'accuracy'] }, { filter: 'isFinite(datum.accuracy)' }],
      width: 360,
      height: 240,
      mark: { type: 'line', point: true },
      encoding: {
        x: { field: 'layer', type: 'quantitative', title: 'layer l', axis: { tickMinStep: 1 } },
        y: { field: 'accuracy', type: 'quantitative', title: 'accuracy', scale: { zero: false } },
        color: { field: 'set', type: 'nominal', title: null, scale: { domain: ['train_acc', 'test_acc'], range: ['#1f77b4', '#ff7f0e'] } },
      },
    });
    return chart(this.name, 'Deep RFM: accuracy per layer', 'Train and test accuracy of the KRR predictor at each layer.', spec);
  },
};

const linearized: FigureDef<T> = {
  name: 'linearized_gram_error',
  build({ table }) {
    const rows = finiteRows(
      table('linearized', ['layer', 'gram_error', 'gram_error_fro?', 'lambda_k?', 'lambda_phi?', 'seed?']),
      ['layer'],
      ['gram_error'],
    );
    if (!hasField(rows, 'lambda_k'))
      for (const r of rows) {
        r.lambda_k = NaN;
        r.lambda_phi = NaN;
      }
    const mean = meanBy(rows, ['lambda_k', 'lambda_phi', 'layer'], ['gram_error']);
    for (const r of mean)
      r.setting = Number.isFinite(num(r.lambda_k)) ? `λ_k = ${formatValue(r.lambda_k)}, λ_Φ = ${formatValue(r.lambda_phi)}` : 'linearised Deep RFM';
    const spec = figureSpec(
      'Linearised Deep RFM (Thm 4.3): distance of the Gram matrix to y yᵀ',
      `‖X̃_lᵀ X̃_l − y yᵀ‖ per layer, log y (a straight line = exponential convergence); ${seedsNote(seedCount(rows), true)}`,
      {
        data: { values: mean },
        width: 380,
        height: 260,
        mark: { type: 'line', point: true },
        encoding: {
          x: { field: 'layer', type: 'quantitative', title: 'layer l', axis: { tickMinStep: 1 } },
          y: { field: 'gram_error', type: 'quantitative', scale: { type: 'log' }, axis: logAxis('Gram error', values(mean, 'gram_error')) },
          color: { field: 'setting', type: 'nominal', title: null, legend: { orient: 'bottom' } },
        },
      },
    );
    return chart(this.name, 'Linearised Deep RFM: Gram error', 'AGOP paper Thm 4.3: the Gram matrix converges exponentially to y yᵀ.', spec);
  },
};

/** Average-pool a square n x n matrix to at most m x m cells. */
function pool(data: Float64Array, n: number, m: number): { size: number; values: Float64Array } {
  if (n <= m) return { size: n, values: data };
  const size = m;
  const out = new Float64Array(size * size);
  const edges = Array.from({ length: size + 1 }, (_, i) => Math.round((i * n) / size));
  for (let a = 0; a < size; a++) {
    for (let b = 0; b < size; b++) {
      let s = 0;
      let c = 0;
      for (let i = edges[a]; i < edges[a + 1]; i++)
        for (let j = edges[b]; j < edges[b + 1]; j++) {
          s += data[i * n + j];
          c++;
        }
      out[a * size + b] = s / c;
    }
  }
  return { size, values: out };
}

const gramHeatmaps: FigureDef<T> = {
  name: 'gram_heatmaps',
  build({ dir, warn }) {
    const files = existsSync(dir)
      ? readdirSync(dir)
          .filter((f) => /gram.*layer(\d+)\.npy$/.test(f))
          .sort()
      : [];
    if (!files.length) throw new MissingData('no Gram matrices saved (run with --save-gram LAYERS)');
    // One run (hash and seed) only: the files that share the first file's prefix.
    const prefix = (f: string): string => f.replace(/layer\d+\.npy$/, '');
    const chosen = files.filter((f) => prefix(f) === prefix(files[0]));
    if (chosen.length < files.length)
      warn(`gram_heatmaps: drawing ${prefix(files[0])}* (${files.length - chosen.length} other Gram files not drawn)`);
    const MAX = 80;
    const values: Rec[] = [];
    const layers: string[] = [];
    let n0 = 0;
    for (const f of chosen.sort((a, b) => Number(/layer(\d+)/.exec(a)![1]) - Number(/layer(\d+)/.exec(b)![1]))) {
      const arr = readNpy(join(dir, f));
      if (arr.shape.length !== 2 || arr.shape[0] !== arr.shape[1]) {
        warn(`gram_heatmaps: ${f} is not a square matrix; skipped`);
        continue;
      }
      const n = arr.shape[0];
      n0 = n;
      const { size, values: v } = pool(arr.data, n, MAX);
      const label = `layer ${/layer(\d+)/.exec(f)![1]}`;
      layers.push(label);
      for (let i = 0; i < size; i++) for (let j = 0; j < size; j++) values.push({ layer: label, i, j, g: v[i * size + j] });
    }
    if (!values.length) throw new MissingData('no square Gram matrix found');
    const order = [...new Set(values.map((r) => Number(r.i)))].map(String);
    for (const r of values) {
      r.i = String(r.i);
      r.j = String(r.j);
    }
    const spec = figureSpec(
      'Deep RFM: centred, normalised Gram matrices (samples sorted by class)',
      `${n0} samples${n0 > MAX ? `, averaged into ${MAX} × ${MAX} blocks` : ''}; diverging scale on [−1, 1]; block structure = collapse`,
      heatmap({
        values,
        x: { field: 'j', title: 'sample (sorted by class)', order },
        y: { field: 'i', title: 'sample (sorted by class)', order: [...order].reverse() },
        color: { field: 'g', title: 'normalised inner product', domain: [-1, 1], scheme: 'redblue', reverse: true },
        facet: { field: 'layer', title: null, order: layers },
        columns: Math.min(4, layers.length),
        cellSize: Math.max(2, Math.floor(200 / Math.min(MAX, n0))),
        axisLabels: false,
      }),
    );
    return chart(
      this.name,
      'Deep RFM: Gram matrices',
      'AGOP paper Figs. 1, 5, 6: Gram matrices of the AGOP-stage features for selected layers.',
      spec,
    );
  },
};

/** The figures of the experiment, in the order index.html shows them. */
export const figures: FigureDef<T>[] = [deepRfmCollapse, linearized, deepRfmAccuracy, gramHeatmaps];
