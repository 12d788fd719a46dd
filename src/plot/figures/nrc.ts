// Figures of Neural Rank Collapse (Zangrando et al.): Figure 1 and Prop. 4.1 (gaussian-mixture),
// Prop. 3.1 (gradient-rank), Figure 2 (deep-linear), Figure 3 (mnist-collapse), Figures 4-5
// (width-depth).
import { distinct, finiteRows, values, formatValue, loadRows, meanBy, MissingData, num, okRows, seedCount, thin, type Rec } from '../data.ts';
import { errorBarLayer, figureSpec, heatmap, labelField, logAxis, orderedColor } from '../style.ts';
import type { ChartFigure, FigureDef } from '../types.ts';
import type { Spec } from '../render.ts';
import { AUTOENCODER_CONFIG_COLUMNS } from '../../nn/autoencoder.ts';

const SEEDS = (n: number): string => (n > 1 ? `mean over ${n} seeds` : 'one seed');

/** Columns that describe a configuration beside the figure's own axes (declared once, with the autoencoder). */
const CONFIG_COLUMNS: readonly string[] = AUTOENCODER_CONFIG_COLUMNS;

/** A label per configuration when the run varied parameters that the figure does not plot. */
export function configLabels(rows: Rec[], columns: readonly string[]): string[] {
  const varying = columns.filter((c) => rows.length && c in rows[0] && distinct(rows, c).length > 1);
  for (const r of rows) r._config = varying.map((c) => `${c}=${formatValue(r[c])}`).join(', ');
  return distinct(rows, '_config').map(String);
}

function chart(name: string, title: string, caption: string, spec: Spec): ChartFigure {
  return { kind: 'chart', name, title, caption, spec };
}

// ---------------------------------------------------------------- gaussian-mixture

const figure1: FigureDef = {
  name: 'figure1_rel_tail',
  build({ dir }) {
    const raw = okRows(loadRows(dir, 'layers.csv', ['lambda', 'sigma', 'layer', 'rel_tail', 'seed?', 'rank?', 'status?', ...CONFIG_COLUMNS.map((c) => `${c}?`)]));
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
      const t = log ? (Math.log(v) - Math.log(lo)) / (Math.log(hi) - Math.log(lo) || 1) : (v - Math.min(0, lo)) / ((hi - Math.min(0, lo)) || 1);
      r._dark = t < 0.55 ? 1 : 0; // viridis is dark at the low end
      r._text = (v < 0.001 ? v.toExponential(0).replace('e-', 'e-') : v.toFixed(3).replace(/^0\./, '.')) + (unconverged.has(key(r)) ? '*' : '');
    }
    const notAt = [...new Set(rows.filter((x) => unconverged.has(key(x))).map((x) => `λ=${x.lambda} σ=${x.sigma}`))];
    const ranks = distinct(rows.filter((r) => typeof r.rank === 'number'), 'rank');
    const r = ranks.length === 1 ? String(ranks[0]) : 'r';
    const spec = figureSpec(
      `Figure 1: relative distance of each weight matrix to rank ${r}`,
      [`rel_tail(${r}) = Σ_{j>${r}} s_j² / Σ_j s_j² at convergence; ${SEEDS(seedCount(rows))}; colour ${log ? 'log scale, ' : ''}shared by all panels`,
        ...(notAt.length ? [`* not converged (gradient tolerance not reached): ${notAt.slice(0, 8).join(', ')}${notAt.length > 8 ? ', ...' : ''}`] : [])],
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
    return chart(this.name, 'Figure 1: rel_tail per layer over (λ, σ)', 'NRC Figure 1: one heatmap per weight matrix of the distance to the closest rank-K matrix, relative to ‖W‖²_F; low (dark) = low rank. Cells of small grids show the value.', spec);
  },
};

const prop41: FigureDef = {
  name: 'prop41_bound',
  build({ dir }) {
    const rows = loadRows(dir, 'cells.csv', ['sigma', 'wcss_x', 'prop41_bound', 'tcv_upper?', 'prop41_bound_general?', 'seed?', 'status?']);
    const series: [string, string][] = [
      ['wcss_x', 'measured WCSS of x (component partition)'],
      ['tcv_upper', 'TCV upper bound (best of partition, k-means)'],
      ['prop41_bound', 'Prop. 4.1 bound, isotropic form'],
      ['prop41_bound_general', 'Prop. 4.1 bound, general form'],
    ];
    const present = series.filter(([f]) => rows.some((r) => Number.isFinite(num(r[f]))));
    const mean = meanBy(rows, ['sigma'], present.map(([f]) => f));
    const long: Rec[] = [];
    for (const r of mean) for (const [f, label] of present) long.push({ sigma: r.sigma, quantity: label, value: r[f], value_lo: r[`${f}_lo`], value_hi: r[`${f}_hi`], n: r.n });
    const data = finiteRows(long, [], ['sigma', 'value']);
    if (!data.length) throw new MissingData('cells.csv has no positive sigma with finite wcss_x');
    const domain = present.map(([, l]) => l);
    const dash = present.map(([f]) => (f.startsWith('prop41') ? [6, 4] : [1, 0]));
    const colors = ['#1f77b4', '#2ca02c', '#d62728', '#ff7f0e'].slice(0, 4);
    const x = { field: 'sigma', type: 'quantitative', scale: { type: 'log' }, axis: logAxis('σ (within-blob std.)', values(data, 'sigma')) };
    const y = { field: 'value', type: 'quantitative', scale: { type: 'log' }, axis: logAxis('within-cluster variation of the input', values(data, 'value')) };
    const color = { field: 'quantity', type: 'nominal', title: null, scale: { domain, range: present.map(([f]) => colors[series.findIndex(([g]) => g === f)]) }, legend: { orient: 'bottom', direction: 'vertical', symbolType: 'stroke', symbolStrokeWidth: 2, symbolSize: 300 } };
    const spec = figureSpec('Proposition 4.1: TCV of the input vs its bound', [`averaged over λ and seeds (${seedCount(rows)} seed${seedCount(rows) > 1 ? 's' : ''}); the bound must lie above the measurements`], {
      data: { values: data },
      width: 420,
      height: 300,
      layer: [
        { mark: { type: 'line', point: true }, encoding: { x, y, color, strokeDash: { field: 'quantity', type: 'nominal', title: null, scale: { domain, range: dash } } } },
      ],
    });
    return chart(this.name, 'Prop. 4.1: measured vs bound', 'NRC Prop. 4.1: TCV_{K,0} ≤ √d σ² (√d + √(K/N)) for a balanced isotropic mixture, against the WCSS of the component partition.', spec);
  },
};

// ---------------------------------------------------------------- gradient-rank

const gradientRank: FigureDef = {
  name: 'gradient_rank',
  build({ dir }) {
    const rows = finiteRows(loadRows(dir, 'gradient_rank.csv', ['layer', 'batch_size', 'rank', 'seed?']), ['layer', 'batch_size', 'rank']);
    const mean = meanBy(rows, ['layer', 'batch_size'], ['rank']);
    const layers = labelField(mean, 'layer', 'W');
    const sizes = distinct(mean, 'batch_size').map(Number);
    const bound = sizes.map((b) => ({ batch_size: b, bound: b }));
    const x = { field: 'batch_size', type: 'quantitative', title: 'batch size B', axis: { tickMinStep: 1 } };
    const spec = figureSpec('Proposition 3.1: rank of the batch gradient ≤ batch size', `numerical rank of ∇_{W_l} of the loss on a batch of B samples; dashed: rank = B; ${SEEDS(seedCount(rows))}`, {
      width: 380,
      height: 280,
      layer: [
        { data: { values: bound }, mark: { type: 'line', strokeDash: [6, 4], color: '#888' }, encoding: { x, y: { field: 'bound', type: 'quantitative' } } },
        {
          data: { values: mean },
          mark: { type: 'line', point: true },
          encoding: { x, y: { field: 'rank', type: 'quantitative', title: 'numerical rank of the gradient', axis: { tickMinStep: 1 } }, color: { field: 'layer_label', type: 'nominal', title: 'layer', sort: layers } },
        },
      ],
    });
    return chart(this.name, 'Prop. 3.1: gradient rank vs batch size', 'NRC Prop. 3.1: the gradient of a batch of B samples w.r.t. any weight matrix has rank at most B.', spec);
  },
};

const degenerate: FigureDef = {
  name: 'degenerate_ranks',
  build({ dir }) {
    const rows = finiteRows(loadRows(dir, 'degenerate.csv', ['layer', 'rank', 'k', 'lambda?', 'seed?']), ['layer', 'rank', 'k']);
    if (!rows.some((r) => 'lambda' in r)) for (const r of rows) r.lambda = 0;
    const mean = meanBy(rows, ['layer', 'lambda'], ['rank', 'k']);
    const layers = labelField(mean, 'layer', 'W');
    const lambdas = labelField(mean, 'lambda');
    const ks = distinct(rows, 'k');
    const spec = figureSpec('Numerical rank of each layer after training on K distinct points', `σ = 0 (degenerate data); dashed: K = ${ks.map(formatValue).join(', ')}; ${SEEDS(seedCount(rows))}`, {
      width: { step: 40 },
      height: 260,
      layer: [
        {
          data: { values: mean },
          mark: { type: 'bar' },
          encoding: {
            x: { field: 'layer_label', type: 'nominal', sort: layers, title: 'layer', axis: { labelAngle: 0 } },
            xOffset: { field: 'lambda_label', sort: lambdas },
            y: { field: 'rank', type: 'quantitative', title: 'numerical rank', axis: { tickMinStep: 1 } },
            color: orderedColor('lambda', 'λ', lambdas),
          },
        },
        { data: { values: ks.map((k) => ({ k })) }, mark: { type: 'rule', strokeDash: [6, 4], color: '#d62728', strokeWidth: 2 }, encoding: { y: { field: 'k', type: 'quantitative' } } },
      ],
    });
    return chart(this.name, 'Ranks on degenerate data', 'With weight decay, training on K distinct points leaves every weight matrix with rank at most K (NRC Sec. 3).', spec);
  },
};

// ---------------------------------------------------------------- deep-linear

function figure2(vs: 'lambda' | 'sigma'): FigureDef {
  const other = vs === 'lambda' ? 'sigma' : 'lambda';
  const sym = { lambda: 'λ', sigma: 'σ' };
  return {
    name: `figure2_vs_${vs}`,
    build({ dir }) {
      const rows = okRows(loadRows(dir, 'cells.csv', ['lambda', 'sigma', 'dist_trained', 'thm53_bound', 'dist_closed?', 'seed?', 'status?']));
      const series: [string, string, number[]][] = [
        ['dist_trained', 'trained deep product ‖Θ*_C − Θ*‖_F', [1, 0]],
        ['dist_closed', 'shallow closed form ‖θ*_C − θ*‖_F', [2, 3]],
        ['thm53_bound', 'Theorem 5.3 bound', [7, 4]],
      ];
      const present = series.filter(([f]) => rows.some((r) => Number.isFinite(num(r[f]))));
      const mean = meanBy(rows, ['lambda', 'sigma'], present.map(([f]) => f));
      const long: Rec[] = [];
      for (const r of mean) for (const [f, label] of present) long.push({ lambda: r.lambda, sigma: r.sigma, quantity: label, value: r[f], value_lo: Math.max(num(r[`${f}_lo`]), num(r[f]) / 10), value_hi: r[`${f}_hi`], n: r.n });
      const data = finiteRows(long, ['lambda', 'sigma'], [vs, 'value']);
      if (!data.length) throw new MissingData('cells.csv has no positive distances');
      const order = labelField(data, other);
      const x = { field: vs, type: 'quantitative', scale: { type: 'log' }, axis: logAxis(vs === 'lambda' ? 'weight decay λ' : 'σ (within-blob std.)', values(data, vs)) };
      const color = orderedColor(other, sym[other], order);
      const spec = figureSpec(`Figure 2: distance between full-loss and centroid-loss solutions vs ${sym[vs]}`, `deep linear autoencoder; one line per ${sym[other]}; log-log; ${SEEDS(seedCount(rows))}`, {
        data: { values: data },
        width: 420,
        height: 300,
        layer: [
          {
            mark: { type: 'line', point: true },
            encoding: {
              x,
              y: { field: 'value', type: 'quantitative', scale: { type: 'log' }, axis: logAxis('distance (Frobenius)', values(data, 'value', 'value_lo', 'value_hi')) },
              color,
              strokeDash: { field: 'quantity', type: 'nominal', title: null, scale: { domain: present.map((s) => s[1]), range: present.map((s) => s[2]) }, legend: { orient: 'bottom', direction: 'vertical', symbolType: 'stroke', symbolStrokeColor: '#333', symbolStrokeWidth: 2, symbolSize: 500 } },
              detail: { field: 'quantity' },
            },
          },
          errorBarLayer(x, 'value', color),
        ],
      });
      return chart(this.name, `Figure 2 (${vs === 'lambda' ? 'left' : 'right'}): distance vs ${sym[vs]}`, `NRC Figure 2 ${vs === 'lambda' ? 'left' : 'right'}: ‖Θ*_C − Θ*‖ of the trained products, the closed-form shallow solutions, and the Theorem 5.3 bound (dashed).`, spec);
    },
  };
}

// ---------------------------------------------------------------- mnist-collapse

const figure3Tails: FigureDef = {
  name: 'figure3_tails',
  build({ dir }) {
    const rows = finiteRows(loadRows(dir, 'tails.csv', ['lambda', 'epoch', 'layer', 'r', 'e_r', 'seed?']), ['lambda', 'epoch', 'layer', 'r', 'e_r']);
    const mean = meanBy(rows, ['lambda', 'epoch', 'layer', 'r'], ['e_r']);
    // Thin long curves to at most 150 points each (the SVG stays small; the shape is unchanged).
    const curves = new Map<string, Rec[]>();
    for (const r of mean) {
      const id = `${r.lambda}|${r.epoch}|${r.layer}`;
      if (!curves.has(id)) curves.set(id, []);
      curves.get(id)!.push(r);
    }
    const data: Rec[] = [];
    for (const c of curves.values()) data.push(...thin(c.sort((a, b) => num(a.r) - num(b.r)), 150));
    const lambdas = labelField(data, 'lambda', 'λ = ');
    const layers = labelField(data, 'layer', 'W');
    const epochs = distinct(data, 'epoch').map(Number);
    const spec = figureSpec('Figure 3: singular-value tails e(r) of each layer during training', `e(r) = Σ_{i≥r} s_i / Σ_i s_i; one curve per recorded epoch, light (early) to dark (late); rows: layers, columns: λ; ${SEEDS(seedCount(rows))}`, {
      data: { values: data },
      facet: {
        row: { field: 'layer_label', type: 'ordinal', sort: layers, title: null },
        column: { field: 'lambda_label', type: 'ordinal', sort: lambdas, title: null },
      },
      spec: {
        width: 200,
        height: 130,
        mark: { type: 'line', strokeWidth: 1.5, clip: true },
        encoding: {
          x: { field: 'r', type: 'quantitative', title: 'r', scale: { zero: false, nice: false } },
          y: { field: 'e_r', type: 'quantitative', title: 'e(r)', scale: { domain: [0, 1] } },
          color: { field: 'epoch', type: 'quantitative', title: 'epoch', scale: { scheme: { name: 'blues', extent: [0.25, 1] }, domain: [Math.min(...epochs), Math.max(...epochs)] } },
          detail: { field: 'epoch', type: 'quantitative' },
        },
      },
      resolve: { scale: { x: 'independent' } },
    });
    return chart(this.name, 'Figure 3: e(r) curves by epoch', 'NRC Figure 3 (top rows): the tail of each weight matrix’s spectrum lightens during training, more for larger λ.', spec);
  },
};

const figure3Tcv: FigureDef = {
  name: 'figure3_tcv',
  build({ dir }) {
    const rows = finiteRows(loadRows(dir, 'tcv.csv', ['lambda', 'epoch', 'layer', 'wcss', 'seed?']), ['lambda', 'epoch', 'layer', 'wcss']);
    const mean = meanBy(rows, ['lambda', 'epoch', 'layer'], ['wcss']).filter((r) => num(r.wcss) > 0);
    if (!mean.length) throw new MissingData('tcv.csv has no positive wcss');
    const lambdas = labelField(mean, 'lambda', 'λ = ');
    const layers = labelField(mean, 'layer', 'layer ');
    const spec = figureSpec('Figure 3 (bottom): estimated TCV of each layer over training', `WCSS of the class partition of each hidden layer’s output; ${SEEDS(seedCount(rows))}`, {
      data: { values: mean },
      facet: { column: { field: 'lambda_label', type: 'ordinal', sort: lambdas, title: null } },
      spec: {
        width: 220,
        height: 180,
        mark: { type: 'line', point: { size: 16 } },
        encoding: {
          x: { field: 'epoch', type: 'quantitative', title: 'epoch' },
          y: { field: 'wcss', type: 'quantitative', scale: { type: 'log' }, axis: logAxis('TCV estimate (WCSS)', values(mean, 'wcss')) },
          color: { field: 'layer_label', type: 'ordinal', sort: layers, title: null, scale: { scheme: { name: 'viridis', extent: [0, 0.85] } } },
        },
      },
    });
    return chart(this.name, 'Figure 3: TCV per layer over epochs', 'NRC Figure 3 (bottom row): the TCV estimate falls after the first epochs and is smaller for larger λ.', spec);
  },
};

/** Training curves (loss; accuracy if recorded) from train.csv, one colour per λ when λ is a column. */
export function trainingFigure(name: string, title: string): FigureDef {
  return {
    name,
    build({ dir }) {
      const rows = finiteRows(loadRows(dir, 'train.csv', ['epoch', 'loss|train_loss', 'train_acc?', 'test_acc?', 'lambda?', 'seed?']), ['epoch']);
      if (!rows.some((r) => 'lambda' in r)) for (const r of rows) r.lambda = NaN;
      const fields = ['loss', 'train_acc', 'test_acc'].filter((f) => rows.some((r) => Number.isFinite(num(r[f]))));
      const mean = meanBy(rows, ['lambda', 'epoch'], fields);
      const hasLambda = mean.some((r) => Number.isFinite(num(r.lambda)));
      const lambdas = labelField(mean, 'lambda', 'λ = ');
      const color = hasLambda ? orderedColor('lambda', null, lambdas) : { value: '#1f77b4' };
      const x = { field: 'epoch', type: 'quantitative', title: 'epoch' };
      const panels: Spec[] = [{
        transform: [{ filter: 'isFinite(datum.loss) && datum.loss > 0' }],
        width: 300,
        height: 220,
        mark: { type: 'line' },
        encoding: { x, y: { field: 'loss', type: 'quantitative', scale: { type: 'log' }, axis: logAxis('training loss', values(mean, 'loss')) }, color },
      }];
      const acc = fields.filter((f) => f !== 'loss');
      if (acc.length) {
        panels.push({
          transform: [{ fold: acc, as: ['set', 'accuracy'] }, { filter: 'isFinite(datum.accuracy)' }],
          width: 300,
          height: 220,
          mark: { type: 'line' },
          encoding: {
            x,
            y: { field: 'accuracy', type: 'quantitative', title: 'accuracy', scale: { zero: false } },
            color,
            strokeDash: { field: 'set', type: 'nominal', title: null, scale: { domain: ['train_acc', 'test_acc'], range: [[1, 0], [5, 3]] } },
          },
        });
      }
      const spec = figureSpec(title, SEEDS(seedCount(rows)), { data: { values: mean }, hconcat: panels, resolve: { scale: { color: 'shared' } } });
      return chart(name, title, 'Training loss (log) and accuracy over epochs.', spec);
    },
  };
}

// ---------------------------------------------------------------- width-depth

function softRankFigure(kind: 'width' | 'depth'): FigureDef {
  return {
    name: kind === 'width' ? 'figure4_width' : 'figure5_depth',
    build({ dir }) {
      const rows = finiteRows(loadRows(dir, `${kind}.csv`, ['lambda', kind, 'layer', 'soft_rank', 'seed?']), ['lambda', kind, 'layer', 'soft_rank']);
      if (!rows.some((r) => 'seed' in r)) for (const r of rows) r.seed = 0;
      // Per network (lambda, size, seed): the average over its layers (Figure 4: the hidden-to-hidden ones).
      const nets = new Map<string, Rec[]>();
      for (const r of rows) {
        const id = `${r.lambda}|${r[kind]}|${r.seed}`;
        if (!nets.has(id)) nets.set(id, []);
        nets.get(id)!.push(r);
      }
      const perNet: Rec[] = [];
      for (const layers of nets.values()) {
        const L = Math.max(...layers.map((r) => num(r.layer)));
        const inner = kind === 'width' && L >= 3 ? layers.filter((r) => num(r.layer) > 1 && num(r.layer) < L) : layers;
        perNet.push({ lambda: layers[0].lambda, [kind]: layers[0][kind], seed: layers[0].seed, soft_rank: inner.reduce((a, r) => a + num(r.soft_rank), 0) / inner.length });
      }
      const mean = meanBy(perNet, ['lambda', kind], ['soft_rank']);
      const lambdas = labelField(mean, 'lambda');
      const color = orderedColor('lambda', 'λ', lambdas);
      const x = kind === 'width'
        ? { field: 'width', type: 'quantitative', scale: { type: 'log', base: 2 }, axis: { title: 'width n of the hidden layers', format: '~g', values: distinct(mean, 'width') } }
        : { field: 'depth', type: 'quantitative', axis: { title: 'number of hidden layers', tickMinStep: 1, values: distinct(mean, 'depth') }, scale: { zero: false, padding: 12 } };
      const spec = figureSpec(
        kind === 'width' ? 'Figure 4: soft rank rk(0.1) of the hidden-to-hidden layers vs width' : 'Figure 5: soft rank rk(0.1) per layer vs depth',
        `rk(ε) = min{r : e(r) ≤ 0.1}, averaged over ${kind === 'width' ? 'the intermediate layers' : 'all layers'}; ${SEEDS(seedCount(rows))}${seedCount(rows) > 1 ? ' (bars: ± SD)' : ''}`,
        {
          data: { values: mean },
          width: 400,
          height: 280,
          layer: [
            { mark: { type: 'line', point: true }, encoding: { x, y: { field: 'soft_rank', type: 'quantitative', title: 'average rk(0.1)' }, color } },
            errorBarLayer(x, 'soft_rank', color),
          ],
        },
      );
      return chart(this.name, kind === 'width' ? 'Figure 4: rk(0.1) vs width' : 'Figure 5: rk(0.1) vs depth', kind === 'width'
        ? 'NRC Figure 4: the rank of stationary points depends only mildly on the width and decreases with λ.'
        : 'NRC Figure 5: at fixed width (2 × input), the average rank does not depend on depth for large enough λ.', spec);
    },
  };
}

/** Figure 4 as a per-layer view too: soft rank of every layer vs width, one panel per λ. */
const widthPerLayer: FigureDef = {
  name: 'width_per_layer',
  build({ dir }) {
    const rows = finiteRows(loadRows(dir, 'width.csv', ['lambda', 'width', 'layer', 'soft_rank', 'seed?']), ['lambda', 'width', 'layer', 'soft_rank']);
    const mean = meanBy(rows, ['lambda', 'width', 'layer'], ['soft_rank']);
    const lambdas = labelField(mean, 'lambda', 'λ = ');
    const layers = labelField(mean, 'layer', 'W');
    const spec = figureSpec('Soft rank rk(0.1) of every layer vs width', SEEDS(seedCount(rows)), {
      data: { values: mean },
      facet: { column: { field: 'lambda_label', type: 'ordinal', sort: lambdas, title: null } },
      spec: {
        width: 200,
        height: 180,
        mark: { type: 'line', point: true },
        encoding: {
          x: { field: 'width', type: 'quantitative', scale: { type: 'log', base: 2 }, axis: { title: 'width n', format: '~g', values: distinct(mean, 'width') } },
          y: { field: 'soft_rank', type: 'quantitative', title: 'rk(0.1)' },
          color: { field: 'layer_label', type: 'ordinal', sort: layers, title: 'layer', scale: { scheme: { name: 'viridis', extent: [0, 0.85] } } },
        },
      },
    });
    return chart(this.name, 'rk(0.1) of each layer vs width', 'Per-layer soft ranks behind Figure 4 (layer 1 is input-to-hidden, the last is hidden-to-output).', spec);
  },
};

// ---------------------------------------------------------------- svd-demo (the runner's demonstration experiment)

const svdDemo: FigureDef = {
  name: 'singular_values',
  build({ dir }) {
    const rows = finiteRows(loadRows(dir, 'singular_values.csv', ['m', 'n', 'index', 'value', 'seed?']), ['m', 'n', 'index', 'value']);
    const mean = meanBy(rows, ['m', 'n', 'index'], ['value']);
    for (const r of mean) r.shape = `${r.m} × ${r.n}`;
    const spec = figureSpec('Singular values of Gaussian matrices', SEEDS(seedCount(rows)), {
      data: { values: mean },
      width: 380,
      height: 260,
      mark: { type: 'line', point: { size: 12 } },
      encoding: { x: { field: 'index', type: 'quantitative', title: 'index' }, y: { field: 'value', type: 'quantitative', title: 'singular value' }, color: { field: 'shape', type: 'nominal', title: 'm × n' } },
    });
    return chart(this.name, 'Singular values', 'Spectrum of each random matrix.', spec);
  },
};

export const NRC_FIGURES: Record<string, FigureDef[]> = {
  'gaussian-mixture': [figure1, prop41],
  'gradient-rank': [gradientRank, degenerate],
  'deep-linear': [figure2('lambda'), figure2('sigma')],
  'mnist-collapse': [figure3Tails, figure3Tcv, trainingFigure('training', 'Training loss and accuracy')],
  'width-depth': [softRankFigure('width'), softRankFigure('depth'), widthPerLayer],
  'svd-demo': [svdDemo],
};

