// Figure of central-path (perturbation paper Thm 3.1): NC1~ and e^{2λ_H t} tr Σ_W / tr Σ_B along the flow.
import { distinct, finiteRows, formatValue, isFilled, MissingData, values, type Rec } from '../src/plot/data.ts';
import { chart } from '../src/plot/kit.ts';
import { figureSpec, logAxis } from '../src/plot/style.ts';
import type { FigureDef } from '../src/plot/types.ts';
import type { tables } from './central-path.ts';

type T = typeof tables;

const centralPath: FigureDef<T> = {
  name: 'central_path',
  build({ table }) {
    // tw, tb: e^{2 lambda_H t} tr Sigma_W and tr Sigma_B (Thm 3.1)
    const series: ['nc1_trace' | 'tw' | 'tb', string][] = [
      ['nc1_trace', 'NC1~ = tr Σ_W / tr Σ_B'],
      ['tw', 'e^{2λ_H t} tr Σ_W'],
      ['tb', 'e^{2λ_H t} tr Σ_B'],
    ];
    const rows = table('flow', ['t', 'nc1_trace', 'tw', 'tb', 'lambda_h', 'seed?']);
    const long: Rec[] = [];
    for (const r of rows)
      for (const [c, label] of series)
        long.push({ t: r.t, panel: label, value: r[c], run: `λ_H = ${formatValue(r.lambda_h)}`, seed: isFilled(r.seed) ? r.seed : 0 });
    const data = finiteRows(long, ['t'], ['value']);
    if (!data.length) throw new MissingData('flow.csv has no positive values');
    const runs = distinct(data, 'run').map(String);
    const spec = figureSpec(
      'Central path (Thm 3.1): within/between-class variability along the flow',
      `dH/dt = −Kn ∇L(H) with W = W*(H); NC1~ must decrease, e^{2λ_H t} tr Σ_W decrease, e^{2λ_H t} tr Σ_B increase; log y (flow.csv)`,
      {
        data: { values: data },
        facet: { column: { field: 'panel', type: 'nominal', title: null, sort: series.map(([, l]) => l) } },
        spec: {
          width: 240,
          height: 200,
          mark: { type: 'line' },
          encoding: {
            x: { field: 't', type: 'quantitative', title: 't' },
            y: { field: 'value', type: 'quantitative', scale: { type: 'log' }, axis: logAxis(null, values(data, 'value')) },
            color:
              runs.length > 1
                ? { field: 'run', type: 'ordinal', title: null, scale: { scheme: { name: 'viridis', extent: [0, 0.85] } }, sort: runs }
                : { value: '#1f77b4' },
            detail: { field: 'seed' },
          },
        },
        resolve: { scale: { y: 'independent' } },
      },
    );
    return chart(this.name, 'Central path: monotone quantities', 'Perturbation paper Thm 3.1 along the central-path flow.', spec);
  },
};

/** The figures of the experiment, in the order index.html shows them. */
export const figures: FigureDef<T>[] = [centralPath];
