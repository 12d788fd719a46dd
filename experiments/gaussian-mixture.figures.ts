// Figures of gaussian-mixture: Figure 1 (rel_tail per layer over (λ, σ)) and Prop. 4.1 (TCV of the input vs its bound) of Neural Rank Collapse.
import { distinct, finiteRows, hasField, meanBy, MissingData, num, okRows, seedCount, values, type Rec } from '../src/plot/data.ts';
import { chart, configLabels, optional, seedsNote } from '../src/plot/kit.ts';
import { figureSpec, heatmap, labelField, logAxis } from '../src/plot/style.ts';
import type { FigureDef } from '../src/plot/types.ts';
import { AUTOENCODER_CONFIG_COLUMNS } from '../src/nn/autoencoder.ts';
import type { tables } from './gaussian-mixture.ts';

type T = typeof tables;

/** Columns that describe a configuration beside the figure's own axes. */
const CONFIG_COLUMNS = AUTOENCODER_CONFIG_COLUMNS;

const figure1: FigureDef<T> = {
  name: 'figure1_rel_tail',
  build({ table }) {
    const layerRows = table('layers', ['lambda', 'sigma', 'layer', 'rel_tail', 'seed?', 'rank?', ...optional(CONFIG_COLUMNS)]);
    // Each cell's status is in cells.csv; a layer's row carries the parameters and seed of its cell.
    const shared = CONFIG_COLUMNS.filter((c) => hasField(layerRows, c));
    const cellId = (r: Rec): string => JSON.stringify([r.lambda, r.sigma, r.seed, ...shared.map((c) => r[c])]);
    const cells = table('cells', ['lambda', 'sigma', 'seed?', 'status?', ...optional(CONFIG_COLUMNS)], { ifPresent: true });
    const status = new Map(cells.map((c) => [cellId(c), c.status]));
    for (const r of layerRows) {
      const s = status.get(cellId(r));
      if (s !== undefined) r.status = s;
    }
    const raw = okRows(layerRows);
    const rows = finiteRows(raw, ['lambda', 'sigma', 'layer', 'rel_tail']);
    if (!rows.length) throw new MissingData('layers.csv has no finite rel_tail');
    const configs = configLabels(rows, CONFIG_COLUMNS);
    const mean = meanBy(rows, ['_config', 'lambda', 'sigma', 'layer'], ['rel_tail']);
    const xs = labelField(mean, 'lambda');
    const ys = labelField(mean, 'sigma');
    const layers = labelField(mean, 'layer', 'W');
    const values = mean.map((r) => num(r.rel_tail));
    const lo = Math.min(...values);
    const hi = Math.max(...values);
    const log = lo > 0 && hi / lo > 100;
    const small = xs.length * ys.length <= 49;
    // cells some seed of which did not converge: '*' after the value, and named in the subtitle
    const key = (r: Rec) => `${r._config}|${r.lambda}|${r.sigma}`;
    const unconverged = new Set(rows.filter((r) => r.status === 'not_converged').map(key));
    for (const r of mean) {
      const v = num(r.rel_tail);
      const t = log ? (Math.log(v) - Math.log(lo)) / (Math.log(hi) - Math.log(lo) || 1) : (v - Math.min(0, lo)) / (hi - Math.min(0, lo) || 1);
      r._dark = t < 0.55 ? 1 : 0; // viridis is dark at the low end
      r._text = (v < 0.001 ? v.toExponential(0).replace('e-', 'e-') : v.toFixed(3).replace(/^0\./, '.')) + (unconverged.has(key(r)) ? '*' : '');
    }
    const notAt = [...new Set(rows.filter((x) => unconverged.has(key(x))).map((x) => `λ=${x.lambda} σ=${x.sigma}`))];
    const ranks = distinct(
      rows.filter((r) => typeof r.rank === 'number'),
      'rank',
    );
    const r = ranks.length === 1 ? String(ranks[0]) : 'r';
    const spec = figureSpec(
      `Figure 1: relative distance of each weight matrix to rank ${r}`,
      [
        `rel_tail(${r}) = Σ_{j>${r}} s_j² / Σ_j s_j² at convergence; ${seedsNote(seedCount(rows))}; colour ${log ? 'log scale, ' : ''}shared by all panels`,
        ...(notAt.length
          ? [`* not converged (gradient tolerance not reached): ${notAt.slice(0, 8).join(', ')}${notAt.length > 8 ? ', ...' : ''}`]
          : []),
      ],
      heatmap({
        values: mean,
        x: { field: 'lambda_label', title: 'weight decay λ', order: xs },
        y: { field: 'sigma_label', title: 'σ (within-blob std.)', order: ys },
        color: { field: 'rel_tail', title: `rel_tail(${r})`, log, domain: log ? [lo, hi] : [0, Math.max(hi, 1e-12)] },
        facet: { field: 'layer_label', title: null, order: layers, row: configs.length > 1 ? { field: '_config', order: configs } : undefined },
        columns: Math.min(4, layers.length),
        cellText: small ? { field: '_text' } : undefined,
      }),
    );
    return chart(
      this.name,
      'Figure 1: rel_tail per layer over (λ, σ)',
      'NRC Figure 1: one heatmap per weight matrix of the distance to the closest rank-K matrix, relative to ‖W‖²_F; low (dark) = low rank. Cells of small grids show the value.',
      spec,
    );
  },
};

const prop41: FigureDef<T> = {
  name: 'prop41_bound',
  build({ table }) {
    const rows = table('cells', ['sigma', 'wcss_x', 'prop41_bound', 'tcv_upper?', 'prop41_bound_general?', 'seed?', 'status?']);
    const series: [string, string][] = [
      ['wcss_x', 'measured WCSS of x (component partition)'],
      ['tcv_upper', 'TCV upper bound (best of partition, k-means)'],
      ['prop41_bound', 'Prop. 4.1 bound, isotropic form'],
      ['prop41_bound_general', 'Prop. 4.1 bound, general form'],
    ];
    const present = series.filter(([f]) => rows.some((r) => Number.isFinite(num(r[f]))));
    const mean = meanBy(
      rows,
      ['sigma'],
      present.map(([f]) => f),
    );
    const long: Rec[] = [];
    for (const r of mean)
      for (const [f, label] of present)
        long.push({ sigma: r.sigma, quantity: label, value: r[f], value_lo: r[`${f}_lo`], value_hi: r[`${f}_hi`], n: r.n });
    const data = finiteRows(long, [], ['sigma', 'value']);
    if (!data.length) throw new MissingData('cells.csv has no positive sigma with finite wcss_x');
    const domain = present.map(([, l]) => l);
    const dash = present.map(([f]) => (f.startsWith('prop41') ? [6, 4] : [1, 0]));
    const colors = ['#1f77b4', '#2ca02c', '#d62728', '#ff7f0e'].slice(0, 4);
    const x = { field: 'sigma', type: 'quantitative', scale: { type: 'log' }, axis: logAxis('σ (within-blob std.)', values(data, 'sigma')) };
    const y = {
      field: 'value',
      type: 'quantitative',
      scale: { type: 'log' },
      axis: logAxis('within-cluster variation of the input', values(data, 'value')),
    };
    const color = {
      field: 'quantity',
      type: 'nominal',
      title: null,
      scale: { domain, range: present.map(([f]) => colors[series.findIndex(([g]) => g === f)]) },
      legend: { orient: 'bottom', direction: 'vertical', symbolType: 'stroke', symbolStrokeWidth: 2, symbolSize: 300 },
    };
    const spec = figureSpec(
      'Proposition 4.1: TCV of the input vs its bound',
      [`averaged over λ and seeds (${seedCount(rows)} seed${seedCount(rows) > 1 ? 's' : ''}); the bound must lie above the measurements`],
      {
        data: { values: data },
        width: 420,
        height: 300,
        layer: [
          {
            mark: { type: 'line', point: true },
            encoding: { x, y, color, strokeDash: { field: 'quantity', type: 'nominal', title: null, scale: { domain, range: dash } } },
          },
        ],
      },
    );
    return chart(
      this.name,
      'Prop. 4.1: measured vs bound',
      'NRC Prop. 4.1: TCV_{K,0} ≤ √d σ² (√d + √(K/N)) for a balanced isotropic mixture, against the WCSS of the component partition.',
      spec,
    );
  },
};

/** The figures of the experiment, in the order index.html shows them. */
export const figures: FigureDef<T>[] = [figure1, prop41];
