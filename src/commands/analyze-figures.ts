// Figures of `nrc analyze --out DIR`: each NC metric across the inputs in the order given (layers or epochs),
// and, for weights, singular values and the tails e(r) per matrix in the style of NRC Figure 3.
import { basename } from 'node:path';
import { finiteRows, MissingData, num, type Rec } from '../plot/data.ts';
import { figureSpec } from '../plot/style.ts';
import type { ChartFigure, FigureDef } from '../plot/types.ts';

/** Metrics drawn across inputs, with their definitions (README, "Metrics: which NC is which"). */
const METRICS: [string, string][] = [
  ['nc1', 'NC1 = (1/K) tr(Σ_W Σ_B⁺)'],
  ['nc1_trace', 'NC1~ = tr Σ_W / tr Σ_B'],
  ['nc2_etf', 'NC2 (Tirer et al.)'],
  ['nc2_gram', 'NC2 (AGOP paper)'],
  ['nc3', 'NC3'],
  ['nc4', 'NC4 (classifier vs NCC disagreement)'],
  ['ncc_accuracy', 'NCC accuracy'],
  ['cdnv', 'CDNV'],
  ['w_etf', 'classifier ETF error'],
  ['self_duality', 'self-duality'],
  ['equinorm', 'equinorm (CoV of mean norms)'],
  ['equiangular_std', 'equiangularity (std of cosines)'],
  ['gnc2', 'GNC2 (log hyperspherical energy)'],
  ['unc3', 'UNC3'],
  ['tcv_upper', 'tcv_upper'],
];

function metricFigure(metric: string, title: string): FigureDef {
  return {
    name: `analyze_${metric}`,
    build({ table }): ChartFigure {
      const rows = table('features', ['file', metric]);
      const pts: Rec[] = [];
      rows.forEach((r, i) => {
        if (Number.isFinite(num(r[metric]))) pts.push({ index: i + 1, input: basename(String(r.file)), value: num(r[metric]) });
      });
      if (pts.length < 2) throw new MissingData(`features.csv has fewer than two inputs with a finite ${metric}`);
      const positive = pts.every((p) => num(p.value) > 0);
      const spec = figureSpec(title, `across the ${pts.length} inputs, in the order given${positive ? '; log y' : ''}`, {
        data: { values: pts },
        width: 420,
        height: 240,
        mark: { type: 'line', point: true },
        encoding: {
          x: { field: 'index', type: 'quantitative', title: 'input (order given)', axis: { tickMinStep: 1 } },
          y: { field: 'value', type: 'quantitative', title: metric, scale: positive ? { type: 'log' } : {} },
          tooltip: [{ field: 'input' }, { field: 'value' }],
        },
      });
      return { kind: 'chart', name: this.name, title, caption: `${metric} of each input (file names in features.csv).`, spec };
    },
  };
}

const singularValues: FigureDef = {
  name: 'analyze_singular_values',
  build({ table }): ChartFigure[] {
    const rows = finiteRows(table('singular_values', ['file', 'tensor', 'index', 'singular_value']), ['index'], ['singular_value']);
    if (rows.length === 0) throw new MissingData('singular_values.csv has no positive singular values');
    const groups = new Map<string, Rec[]>();
    for (const r of rows) {
      const key = `${basename(String(r.file))}: ${String(r.tensor)}`;
      if (!groups.has(key)) groups.set(key, []);
      groups.get(key)!.push({ ...r, matrix: key });
    }
    const tails: Rec[] = [];
    for (const list of groups.values()) {
      // e(r) = sum_{i >= r} s_i / sum_i s_i (NRC Eq. 22)
      const total = list.reduce((a, r) => a + num(r.singular_value), 0);
      let rest = total;
      for (const r of list) {
        tails.push({ matrix: r.matrix, r: r.index, e: rest / total });
        rest -= num(r.singular_value);
      }
    }
    const color = { field: 'matrix', type: 'nominal', title: null, legend: { orient: 'bottom', columns: 2 } };
    const sv = figureSpec('Singular values per weight matrix', 'log y', {
      data: { values: [...groups.values()].flat() },
      width: 420,
      height: 260,
      mark: { type: 'line', point: groups.size <= 6 },
      encoding: {
        x: { field: 'index', type: 'quantitative', title: 'i' },
        y: { field: 'singular_value', type: 'quantitative', title: 's_i', scale: { type: 'log' } },
        color,
      },
    });
    const e = figureSpec('Tails e(r) = Σ_{i≥r} s_i / Σ_i s_i per weight matrix', 'NRC Eq. 22, Fig. 3 style; log y', {
      data: { values: tails.filter((t) => num(t.e) > 0) },
      width: 420,
      height: 260,
      mark: { type: 'line' },
      encoding: {
        x: { field: 'r', type: 'quantitative', title: 'r' },
        y: { field: 'e', type: 'quantitative', title: 'e(r)', scale: { type: 'log' } },
        color,
      },
    });
    return [
      { kind: 'chart', name: 'analyze_singular_values', title: 'Singular values', caption: 'Singular values of every analysed matrix.', spec: sv },
      {
        kind: 'chart',
        name: 'analyze_tails',
        title: 'Tails e(r)',
        caption: 'e(r) of every analysed matrix (NRC Eq. 22; rk(ε) is the first r with e(r) ≤ ε).',
        spec: e,
      },
    ];
  },
};

/** The figures of an analyze --out directory (its tables are features.csv and singular_values.csv). */
export const ANALYZE_FIGURES: FigureDef[] = [...METRICS.map(([m, t]) => metricFigure(m, t)), singularValues];
