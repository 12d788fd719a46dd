// Figures of wd-ablation (perturbation paper Table 1): the table as Markdown and a bar chart.
import { distinct, finiteRows, isFilled, meanBy, MissingData, num, seedCount, values, type Rec } from '../src/plot/data.ts';
import { chart, seedsNote } from '../src/plot/kit.ts';
import { errorBarLayer, figureSpec, logAxis } from '../src/plot/style.ts';
import type { Figure, FigureContext, FigureDef } from '../src/plot/types.ts';
import type { finalTables, tables } from './wd-ablation.ts';

type T = typeof tables & typeof finalTables;

/** Per-seed NC metrics of metrics.csv: `setting` = the config, `loss_label` = "MSE loss" or "CE loss", nc2 = nc2_etf. */
function ablationRows({ table }: FigureContext<T>): { rows: Rec[]; metrics: string[] } {
  const rows = table('metrics', ['config', 'loss?', 'nc1', 'nc2_etf', 'nc3?', 'seed?', 'status?']).map(({ config, loss, nc2_etf, ...rest }): Rec => ({
    ...rest,
    setting: config,
    loss_type: loss,
    nc2: nc2_etf,
  }));
  // Per-seed rows only (a table that also holds mean/SD rows marks them in the seed column); cells that did not end ok are left out.
  const perSeed = rows.filter((r) => (r.seed === undefined || typeof r.seed === 'number') && (!isFilled(r.status) || r.status === 'ok'));
  for (const r of perSeed) {
    const loss = typeof r.loss_type === 'string' ? r.loss_type.toUpperCase() : '';
    r.loss_label = loss ? `${loss} loss` : 'all';
  }
  const metrics = ['nc1', 'nc2', 'nc3'].filter((m) => perSeed.some((r) => Number.isFinite(num(r[m]))));
  if (!perSeed.length || !metrics.length) throw new MissingData('metrics.csv has no per-seed NC rows');
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

const table1: FigureDef<T> = {
  name: 'table1',
  build(ctx): Figure {
    const { rows, metrics } = ablationRows(ctx);
    const settings = order(rows, 'setting');
    const losses = order(rows, 'loss_label');
    const mean = meanBy(rows, ['setting', 'loss_label'], metrics);
    const get = (s: string, l: string): Rec | undefined => mean.find((r) => r.setting === s && r.loss_label === l);
    // Welch t against the baseline from wd-ablation's table1.csv, when present (nc2 is its nc2_etf)
    const tRows = ctx.table('table1', ['config', 'loss', 'metric', 't_vs_baseline'], { ifPresent: true });
    const tOf = (s: string, l: string, m: string): string => {
      const r = tRows.find(
        (x) => x.config === s && `${String(x.loss).toUpperCase()} loss` === l && (x.metric === m || (m === 'nc2' && x.metric === 'nc2_etf')),
      );
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
      const cells = losses.flatMap((l) =>
        metrics.map((m) => {
          const r = get(s, l);
          return r ? meanSd(num(r[m]), num(r[`${m}_sd`]), num(r.n)) + tOf(s, l, m) : '—';
        }),
      );
      lines.push(`| ${s} | ${cells.join(' | ')} |`);
    }
    return {
      kind: 'markdown',
      name: 'table1',
      title: 'Table 1: weight-decay ablation',
      caption: 'Mean ± SD over seeds, shaped like Table 1 of the perturbation paper.',
      text: lines.join('\n') + '\n',
    };
  },
};

const ablationBars: FigureDef<T> = {
  name: 'wd_ablation_bars',
  build(ctx) {
    const { rows, metrics } = ablationRows(ctx);
    const settings = order(rows, 'setting');
    const losses = order(rows, 'loss_label');
    const long: Rec[] = [];
    for (const r of rows)
      for (const m of metrics) long.push({ setting: r.setting, loss_label: r.loss_label, metric: m.toUpperCase(), value: r[m], seed: r.seed });
    const mean = finiteRows(meanBy(long, ['metric', 'setting', 'loss_label'], ['value']), [], ['value']);
    for (const r of mean) r.value_lo = Math.max(num(r.value_lo), num(r.value) / 10);
    // Bars on a log axis start at a power of ten below the smallest value of their panel.
    for (const m of distinct(mean, 'metric')) {
      const mine = mean.filter((r) => r.metric === m);
      const base = 10 ** Math.floor(Math.log10(Math.min(...mine.map((r) => num(r.value_lo)))));
      for (const r of mine) r.base = base;
    }
    const x = { field: 'setting', type: 'nominal', sort: settings, title: null, axis: { labelAngle: -35, labelOverlap: false, labelLimit: 160 } };
    const color = {
      field: 'loss_label',
      type: 'nominal',
      sort: losses,
      title: null,
      scale: { range: ['#1f77b4', '#ff7f0e', '#2ca02c', '#9467bd'] },
      legend: { orient: 'bottom' },
    };
    const xOffset = { field: 'loss_label', sort: losses };
    const spec = figureSpec('Weight-decay ablation: NC metrics of the deepest features', `log y; ${seedsNote(seedCount(rows), true)}`, {
      data: { values: mean },
      facet: { column: { field: 'metric', type: 'nominal', title: null } },
      spec: {
        width: Math.max(240, 60 * settings.length),
        height: 220,
        layer: [
          {
            mark: { type: 'bar' },
            encoding: {
              x,
              xOffset,
              y: {
                field: 'value',
                type: 'quantitative',
                scale: { type: 'log' },
                axis: logAxis('value', values(mean, 'value', 'value_lo', 'value_hi', 'base')),
              },
              y2: { field: 'base' },
              color,
            },
          },
          errorBarLayer(x, 'value', { value: '#333' }, xOffset),
        ],
      },
      resolve: { scale: { y: 'independent' } },
    });
    return chart(
      this.name,
      'Weight-decay ablation (bar chart)',
      'Modifying the weight decay of the feature layers moves NC further from the baseline than modifying the last layer’s.',
      spec,
    );
  },
};

/** The figures of the experiment, in the order index.html shows them. */
export const figures: FigureDef<T>[] = [table1, ablationBars];
