// Figures of "Perturbation analysis of neural collapse" (Tirer et al.): UFM closed form (Thm 2.1),
// central-path flow (Thm 3.1), spectrum of F_kk (Figure 1), layer-wise training (Figure 2) and the
// weight-decay ablation (Table 1 as Markdown plus a bar chart).
import { columnsOf, distinct, finiteRows, findColumns, hasColumns, values, formatValue, loadRows, meanBy, MissingData, num, seedCount, type Rec } from '../data.ts';
import { errorBarLayer, figureSpec, labelField, logAxis, orderedColor } from '../style.ts';
import type { Spec } from '../render.ts';
import type { ChartFigure, Figure, FigureDef } from '../types.ts';

const SEEDS = (n: number): string => (n > 1 ? `mean over ${n} seeds (bars: ± SD)` : 'one seed');

function chart(name: string, title: string, caption: string, spec: Spec): ChartFigure {
  return { kind: 'chart', name, title, caption, spec };
}

// ---------------------------------------------------------------- ufm

const UFM_FILES = ['ufm.csv', 'cells.csv', 'results.csv'];

const ufmRho: FigureDef = {
  name: 'ufm_rho',
  build({ dir }) {
    const { file, columns } = findColumns(dir, UFM_FILES, [/^lambda_h$/, /^lambda_w$/, /^(rho|rho_measured|measured_rho|rho_hat)$/i, /^rho_?(closed|closed_form|theory|expected|formula)$|^closed_form_rho$/i]);
    const [lh, lw, rho, closed] = columns;
    const rows = finiteRows(loadRows(dir, file, [lh, lw, rho, closed]).map((r) => ({ lambda_h: r[lh], lambda_w: r[lw], rho: r[rho], closed: r[closed] })), ['lambda_h', 'lambda_w', 'rho', 'closed']);
    if (!rows.length) throw new MissingData(`${file} has no finite rho`);
    for (const r of rows) r.c = Math.sqrt(num(r.lambda_h) * num(r.lambda_w));
    const hi = Math.max(...rows.map((r) => Math.max(num(r.rho), num(r.closed))), 1e-12);
    const lambdas = labelField(rows, 'lambda_w');
    const spec = figureSpec('UFM (Thm 2.1): measured ρ vs closed form', 'H̄ᵀH̄ = ρ I_K at the minimiser, ρ = (1 − c)√(λ_W/λ_H) for c = √(λ_H λ_W) ≤ 1, else 0; dashed: equality', {
      width: 320,
      height: 300,
      layer: [
        { data: { values: [{ v: 0 }, { v: hi }] }, mark: { type: 'line', strokeDash: [6, 4], color: '#888' }, encoding: { x: { field: 'v', type: 'quantitative' }, y: { field: 'v', type: 'quantitative' } } },
        {
          data: { values: rows },
          mark: { type: 'point', filled: true, size: 60 },
          encoding: {
            x: { field: 'closed', type: 'quantitative', title: 'closed-form ρ' },
            y: { field: 'rho', type: 'quantitative', title: 'measured ρ' },
            color: orderedColor('lambda_w', 'λ_W', lambdas),
            tooltip: [{ field: 'lambda_h' }, { field: 'lambda_w' }],
          },
        },
      ],
    });
    return chart(this.name, 'UFM: ρ measured vs closed form', 'Perturbation paper Thm 2.1: points on the dashed diagonal agree with the closed form.', spec);
  },
};

const ufmNc1: FigureDef = {
  name: 'ufm_nc1',
  build({ dir }) {
    const { file, columns } = findColumns(dir, UFM_FILES, [/^lambda_h$/, /^lambda_w$/, /^nc1(_trace|_tilde)?$/i]);
    const [lh, lw, nc1] = columns;
    const rows = finiteRows(loadRows(dir, file, [lh, lw, nc1]).map((r) => ({ lambda_h: r[lh], lambda_w: r[lw], nc1: r[nc1] })), ['lambda_h', 'lambda_w', 'nc1']);
    for (const r of rows) { r.c = Math.sqrt(num(r.lambda_h) * num(r.lambda_w)); r.nc1_plot = Math.max(num(r.nc1), 1e-18); }
    if (!rows.length) throw new MissingData(`${file} has no finite nc1`);
    const lambdas = labelField(rows, 'lambda_w');
    const spec = figureSpec('UFM minimisers: NC1 vs c = √(λ_H λ_W)', 'Thm 2.1: collapse (NC1 = 0) for c ≤ 1; values below 1e-18 drawn at 1e-18', {
      data: { values: rows },
      width: 380,
      height: 260,
      layer: [
        { mark: { type: 'point', filled: true, size: 50 }, encoding: { x: { field: 'c', type: 'quantitative', scale: { type: 'log' }, axis: logAxis('c = √(λ_H λ_W)', values(rows, 'c')) }, y: { field: 'nc1_plot', type: 'quantitative', scale: { type: 'log' }, axis: logAxis(nc1, values(rows, 'nc1_plot')) }, color: orderedColor('lambda_w', 'λ_W', lambdas) } },
        { data: { values: [{ c: 1 }] }, mark: { type: 'rule', strokeDash: [6, 4], color: '#d62728' }, encoding: { x: { field: 'c', type: 'quantitative' } } },
      ],
    });
    return chart(this.name, 'UFM: NC1 vs c', 'Below c = 1 (red) the minimiser is collapsed; above it the minimiser is 0.', spec);
  },
};

// ---------------------------------------------------------------- central-path

const centralPath: FigureDef = {
  name: 'central_path',
  build({ dir }) {
    const candidates = ['central_path.csv', 'path.csv', 'trajectory.csv', 'flow.csv'];
    const { file, columns } = findColumns(dir, candidates, [/^(t|time)$/i, /nc1/i]);
    const all = columnsOf(dir, file)!;
    const [t, nc1Col] = columns;
    const nc1 = all.find((c) => /nc1.*(tilde|trace)|(tilde|trace).*nc1/i.test(c)) ?? nc1Col;
    const pick = (re: RegExp, scaled: RegExp): string | undefined => all.find((c) => re.test(c) && scaled.test(c)) ?? all.find((c) => re.test(c));
    const sw = pick(/sigma_w|(^|_)sw($|_)/i, /exp|scaled|e2|weighted|times/i);
    const sb = pick(/sigma_b|(^|_)sb($|_)/i, /exp|scaled|e2|weighted|times/i);
    const lh = all.find((c) => /^lambda_h$/.test(c));
    const series: [string, string][] = [[nc1, 'NC1~ = tr Σ_W / tr Σ_B']];
    if (sw) series.push([sw, 'e^{2λ_H t} tr Σ_W']);
    if (sb) series.push([sb, 'e^{2λ_H t} tr Σ_B']);
    const rows = loadRows(dir, file, [t, ...series.map(([c]) => c), ...(lh ? [lh] : []), 'seed?']);
    const long: Rec[] = [];
    for (const r of rows) for (const [c, label] of series) long.push({ t: r[t], panel: label, value: r[c], run: lh ? `λ_H = ${formatValue(r[lh])}` : 'flow', seed: r.seed ?? 0 });
    const data = finiteRows(long, ['t'], ['value']);
    if (!data.length) throw new MissingData(`${file} has no positive values`);
    const runs = distinct(data, 'run').map(String);
    const spec = figureSpec('Central path (Thm 3.1): within/between-class variability along the flow', `dH/dt = −Kn ∇L(H) with W = W*(H); NC1~ must decrease, e^{2λ_H t} tr Σ_W decrease, e^{2λ_H t} tr Σ_B increase; log y (${file})`, {
      data: { values: data },
      facet: { column: { field: 'panel', type: 'nominal', title: null, sort: series.map(([, l]) => l) } },
      spec: {
        width: 240,
        height: 200,
        mark: { type: 'line' },
        encoding: {
          x: { field: 't', type: 'quantitative', title: 't' },
          y: { field: 'value', type: 'quantitative', scale: { type: 'log' }, axis: logAxis(null, values(data, 'value')) },
          color: runs.length > 1 ? { field: 'run', type: 'ordinal', title: null, scale: { scheme: { name: 'viridis', extent: [0, 0.85] } }, sort: runs } : { value: '#1f77b4' },
          detail: { field: 'seed' },
        },
      },
      resolve: { scale: { y: 'independent' } },
    });
    return chart(this.name, 'Central path: monotone quantities', 'Perturbation paper Thm 3.1 along the central-path flow.', spec);
  },
};

// ---------------------------------------------------------------- perturbation

function spectrumFigure(block: 'intra' | 'inter'): FigureDef {
  return {
    name: block === 'intra' ? 'figure1_spectrum_intra' : 'spectrum_inter',
    build({ dir }) {
      const rows = finiteRows(loadRows(dir, 'spectrum.csv', ['lambda_h', 'block', 'index', 'value', 'closed_form?', 'lambda_w?', 'beta?']), ['lambda_h', 'index', 'value']);
      const mine = rows.filter((r) => String(r.block) === block);
      if (!mine.length) throw new MissingData(`spectrum.csv has no ${block} rows`);
      for (const r of mine) r.setting = ['lambda_w', 'beta'].filter((c) => c in r).map((c) => `${c === 'beta' ? 'β' : 'λ_W'} = ${formatValue(r[c])}`).join(', ');
      const settings = distinct(mine, 'setting').map(String);
      const hasClosed = mine.some((r) => Number.isFinite(num(r.closed_form)));
      const mean = meanBy(mine, ['setting', 'lambda_h', 'index'], ['value', 'closed_form']);
      const lambdas = labelField(mean, 'lambda_h');
      const color = orderedColor('lambda_h', 'λ_H', lambdas);
      const x = { field: 'index', type: 'quantitative', title: block === 'intra' ? 'index of the singular value of F_kk' : 'index of the singular value of F_kk′' };
      const y = { field: 'value', type: 'quantitative', title: 'singular value', scale: { zero: false } };
      const layers: Spec[] = [{ mark: { type: 'line', interpolate: 'step-after', strokeWidth: 2.5 }, encoding: { x, y, color } }];
      if (hasClosed) layers.push({ mark: { type: 'line', interpolate: 'step-after', strokeWidth: 1.2, strokeDash: [3, 3], color: 'black' }, transform: [{ filter: 'isFinite(datum.closed_form)' }], encoding: { x, y: { field: 'closed_form', type: 'quantitative' }, detail: { field: 'lambda_h_label' } } });
      const body: Spec = settings.length > 1
        ? { data: { values: mean }, facet: { column: { field: 'setting', type: 'nominal', title: null } }, spec: { width: 300, height: 240, layer: layers } }
        : { data: { values: mean }, width: 460, height: 300, layer: layers };
      const spec = figureSpec(
        block === 'intra' ? 'Figure 1: the effect of λ_H on the spectrum of F_kk' : 'Spectrum of the inter-class blocks F_kk′',
        `${settings.length === 1 && settings[0] ? settings[0] + '; ' : ''}lines: computed singular values, sorted${hasClosed ? '; black dashed: closed form of App. D' : ''}`,
        body,
      );
      return chart(this.name, block === 'intra' ? 'Figure 1: spectrum of F_kk per λ_H' : 'Spectrum of F_kk′ per λ_H', block === 'intra'
        ? 'Perturbation paper Fig. 1: the step-wise decreasing spectrum of the intra-class block; almost all singular values decrease as λ_H increases.'
        : 'Thm 4.2: the inter-class blocks are rank one with σ_max = 2λ_H(1 − √(λ_H λ_W))/β.', spec);
    },
  };
}

// ---------------------------------------------------------------- layerwise

const layerwise: FigureDef = {
  name: 'figure2_layerwise',
  build({ dir }) {
    const rows = finiteRows(loadRows(dir, ['layerwise.csv', 'layers.csv'], ['layers', 'nc1', 'nc1_trace|nc1_tilde', 'seed?'], { anyCsv: true }), ['layers']);
    const long: Rec[] = [];
    for (const r of rows) {
      long.push({ layers: r.layers, seed: r.seed, metric: 'NC1 = (1/K) tr(Σ_W Σ_B⁺)', value: r.nc1 });
      long.push({ layers: r.layers, seed: r.seed, metric: 'NC1~ = tr Σ_W / tr Σ_B', value: r.nc1_trace });
    }
    const mean = finiteRows(meanBy(long, ['metric', 'layers'], ['value']), [], ['value']);
    if (!mean.length) throw new MissingData('layerwise table has no positive nc1');
    for (const r of mean) r.value_lo = Math.max(num(r.value_lo), num(r.value) / 10);
    const x = { field: 'layers', type: 'quantitative', title: 'number of hidden layers (each trained on top of the frozen previous ones)', axis: { tickMinStep: 1 } };
    const color = { field: 'metric', type: 'nominal', title: null, legend: { orient: 'bottom' } };
    const spec = figureSpec('Figure 2: layer-wise training, NC1 of the deepest features', `log y; ${SEEDS(seedCount(rows))}`, {
      data: { values: mean },
      width: 420,
      height: 280,
      layer: [
        { mark: { type: 'line', point: true }, encoding: { x, y: { field: 'value', type: 'quantitative', scale: { type: 'log' }, axis: logAxis('NC1 metric', values(mean, 'value', 'value_lo', 'value_hi')) }, color } },
        errorBarLayer(x, 'value', color),
      ],
    });
    return chart(this.name, 'Figure 2: layer-wise training', 'Perturbation paper Fig. 2: both NC1 metrics decrease as layers are added on top of frozen ones.', spec);
  },
};

// ---------------------------------------------------------------- wd-ablation

const ABLATION_FILES = ['metrics.csv', 'ablation.csv', 'wd_ablation.csv', 'runs.csv', 'results.csv', 'cells.csv'];

function ablationRows(dir: string): { rows: Rec[]; metrics: string[] } {
  const { file } = findColumns(dir, ABLATION_FILES, [/^(setting|wd_setting|variant|config|ablation|wd|weight_decay_setting)$/i, /^nc1$/i, /^nc2(_etf)?$/i]);
  const rows = loadRows(dir, file, ['setting|wd_setting|variant|config|ablation|wd|weight_decay_setting', 'loss_type|loss_fn|loss|objective?', 'bias?', 'nc1', 'nc2|nc2_etf', 'nc3?', 'seed?', 'status?']);
  // Per-seed rows only (a table that also holds mean/SD rows marks them in the seed column); cells that did not end ok are left out.
  const perSeed = rows.filter((r) => (r.seed === undefined || typeof r.seed === 'number') && (r.status === undefined || r.status === 'ok'));
  for (const r of perSeed) {
    const loss = typeof r.loss_type === 'string' ? r.loss_type.toUpperCase() : '';
    r.loss_label = loss ? `${loss} loss` : 'all';
  }
  const metrics = ['nc1', 'nc2', 'nc3'].filter((m) => perSeed.some((r) => Number.isFinite(num(r[m]))));
  if (!perSeed.length || !metrics.length) throw new MissingData(`${file} has no per-seed NC rows`);
  return { rows: perSeed, metrics };
}

function order(rows: Rec[], field: string): string[] {
  const out: string[] = [];
  for (const r of rows) if (!out.includes(String(r[field]))) out.push(String(r[field]));
  return out;
}

/** 0.0061 ± 4e-4 like Table 1: mean to 2-3 significant digits, SD to one. */
function meanSd(mean: number, sd: number, n: number): string {
  if (!Number.isFinite(mean)) return '—';
  const m = Math.abs(mean) >= 1e-3 && Math.abs(mean) < 1e3 ? String(Number(mean.toPrecision(2))) : mean.toExponential(1).replace(/\.0e/, 'e');
  if (n < 2) return m;
  const s = sd <= 1e-9 * Math.abs(mean) ? '0' : sd >= 1e-3 && sd < 1e3 ? String(Number(sd.toPrecision(1))) : sd.toExponential(0);
  return `${m} ± ${s}`;
}

const table1: FigureDef = {
  name: 'table1',
  build({ dir }): Figure {
    const { rows, metrics } = ablationRows(dir);
    const settings = order(rows, 'setting');
    const losses = order(rows, 'loss_label');
    const mean = meanBy(rows, ['setting', 'loss_label'], metrics);
    const get = (s: string, l: string): Rec | undefined => mean.find((r) => r.setting === s && r.loss_label === l);
    // Welch t against the baseline from wd-ablation's table1.csv, when present (nc2 is its nc2_etf)
    const tWish = ['config', 'loss', 'metric', 't_vs_baseline'];
    const tRows = hasColumns(dir, 'table1.csv', tWish) ? loadRows(dir, 'table1.csv', tWish) : [];
    const tOf = (s: string, l: string, m: string): string => {
      const r = tRows.find((x) => x.config === s && `${String(x.loss).toUpperCase()} loss` === l && (x.metric === m || (m === 'nc2' && x.metric === 'nc2_etf')));
      const t = r ? num(r.t_vs_baseline) : NaN;
      return Number.isFinite(t) ? ` (t ${t.toFixed(1)})` : '';
    };
    const head = ['WD setting', ...losses.flatMap((l) => metrics.map((m) => `${l === 'all' ? '' : l + ' '}${m.toUpperCase()}`))];
    const lines = [
      '# Table 1: effect of modifying the weight decay on NC metrics of the deepest features',
      '',
      `Mean ± SD over ${seedCount(rows)} seed(s) (sample SD)${tRows.length ? '; (t ...) = Welch t against the baseline of the same loss, |t| > 3 resolved' : ''}. Perturbation paper, Table 1 (MLP on MNIST here).`,
      '',
      `| ${head.join(' | ')} |`,
      `|${head.map((_, i) => (i === 0 ? ' --- ' : ' ---: ')).join('|')}|`,
    ];
    for (const s of settings) {
      const cells = losses.flatMap((l) => metrics.map((m) => {
        const r = get(s, l);
        return r ? meanSd(num(r[m]), num(r[`${m}_sd`]), num(r.n)) + tOf(s, l, m) : '—';
      }));
      lines.push(`| ${s} | ${cells.join(' | ')} |`);
    }
    return { kind: 'markdown', name: 'table1', title: 'Table 1: weight-decay ablation', caption: 'Mean ± SD over seeds, shaped like Table 1 of the perturbation paper.', text: lines.join('\n') + '\n' };
  },
};

const ablationBars: FigureDef = {
  name: 'wd_ablation_bars',
  build({ dir }) {
    const { rows, metrics } = ablationRows(dir);
    const settings = order(rows, 'setting');
    const losses = order(rows, 'loss_label');
    const long: Rec[] = [];
    for (const r of rows) for (const m of metrics) long.push({ setting: r.setting, loss_label: r.loss_label, metric: m.toUpperCase(), value: r[m], seed: r.seed });
    const mean = finiteRows(meanBy(long, ['metric', 'setting', 'loss_label'], ['value']), [], ['value']);
    for (const r of mean) r.value_lo = Math.max(num(r.value_lo), num(r.value) / 10);
    // Bars on a log axis start at a power of ten below the smallest value of their panel.
    for (const m of distinct(mean, 'metric')) {
      const mine = mean.filter((r) => r.metric === m);
      const base = 10 ** Math.floor(Math.log10(Math.min(...mine.map((r) => num(r.value_lo)))));
      for (const r of mine) r.base = base;
    }
    const x = { field: 'setting', type: 'nominal', sort: settings, title: null, axis: { labelAngle: -35, labelOverlap: false, labelLimit: 160 } };
    const color = { field: 'loss_label', type: 'nominal', sort: losses, title: null, scale: { range: ['#1f77b4', '#ff7f0e', '#2ca02c', '#9467bd'] }, legend: { orient: 'bottom' } };
    const xOffset = { field: 'loss_label', sort: losses };
    const spec = figureSpec('Weight-decay ablation: NC metrics of the deepest features', `log y; ${SEEDS(seedCount(rows))}`, {
      data: { values: mean },
      facet: { column: { field: 'metric', type: 'nominal', title: null } },
      spec: {
        width: Math.max(240, 60 * settings.length),
        height: 220,
        layer: [
          { mark: { type: 'bar' }, encoding: { x, xOffset, y: { field: 'value', type: 'quantitative', scale: { type: 'log' }, axis: logAxis('value', values(mean, 'value', 'value_lo', 'value_hi', 'base')) }, y2: { field: 'base' }, color } },
          errorBarLayer(x, 'value', { value: '#333' }, xOffset),
        ],
      },
      resolve: { scale: { y: 'independent' } },
    });
    return chart(this.name, 'Weight-decay ablation (bar chart)', 'Modifying the weight decay of the feature layers moves NC further from the baseline than modifying the last layer’s.', spec);
  },
};

export const PERTURBATION_FIGURES: Record<string, FigureDef[]> = {
  ufm: [ufmRho, ufmNc1],
  'central-path': [centralPath],
  perturbation: [spectrumFigure('intra'), spectrumFigure('inter')],
  layerwise: [layerwise],
  'wd-ablation': [table1, ablationBars],
};
