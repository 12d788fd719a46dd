// Figures of deep-linear: Figure 2 of Neural Rank Collapse (full-loss vs centroid-loss solutions, vs λ and vs σ).
import { finiteRows, meanBy, MissingData, num, okRows, seedCount, values, type Rec } from '../src/plot/data.ts';
import { chart, seedsNote } from '../src/plot/kit.ts';
import { errorBarLayer, figureSpec, labelField, logAxis, orderedColor } from '../src/plot/style.ts';
import type { Spec } from '../src/plot/render.ts';
import type { FigureDef } from '../src/plot/types.ts';
import type { tables } from './deep-linear.ts';

type T = typeof tables;

/** The distances of Figure 2: field, legend label, dash pattern. */
const SERIES: [string, string, number[]][] = [
  ['dist_trained', 'trained deep product ‖Θ*_C − Θ*‖_F', [1, 0]],
  ['dist_closed', 'shallow closed form ‖θ*_C − θ*‖_F', [2, 3]],
  ['thm53_bound', 'Theorem 5.3 bound', [7, 4]],
];

/** Seed means per (λ, σ) in long form, one row per distance in `present`; the lower error bar is clipped at a tenth of the value (log axis). */
function distanceRows(rows: Rec[], present: typeof SERIES): Rec[] {
  const mean = meanBy(
    rows,
    ['lambda', 'sigma'],
    present.map(([f]) => f),
  );
  const long: Rec[] = [];
  for (const r of mean)
    for (const [f, label] of present)
      long.push({
        lambda: r.lambda,
        sigma: r.sigma,
        quantity: label,
        value: r[f],
        value_lo: Math.max(num(r[`${f}_lo`]), num(r[f]) / 10),
        value_hi: r[`${f}_hi`],
        n: r.n,
      });
  return long;
}

/** The line layer of Figure 2: one line per distance (dash pattern) and per value of the other parameter (colour), log y. */
function distanceLines(x: Spec, data: Rec[], present: typeof SERIES, color: Spec): Spec {
  return {
    mark: { type: 'line', point: true },
    encoding: {
      x,
      y: {
        field: 'value',
        type: 'quantitative',
        scale: { type: 'log' },
        axis: logAxis('distance (Frobenius)', values(data, 'value', 'value_lo', 'value_hi')),
      },
      color,
      strokeDash: {
        field: 'quantity',
        type: 'nominal',
        title: null,
        scale: { domain: present.map((s) => s[1]), range: present.map((s) => s[2]) },
        legend: {
          orient: 'bottom',
          direction: 'vertical',
          symbolType: 'stroke',
          symbolStrokeColor: '#333',
          symbolStrokeWidth: 2,
          symbolSize: 500,
        },
      },
      detail: { field: 'quantity' },
    },
  };
}

function figure2(vs: 'lambda' | 'sigma'): FigureDef<T> {
  const other = vs === 'lambda' ? 'sigma' : 'lambda';
  const sym = { lambda: 'λ', sigma: 'σ' };
  return {
    name: `figure2_vs_${vs}`,
    build({ table }) {
      const rows = okRows(table('cells', ['lambda', 'sigma', 'dist_trained', 'thm53_bound', 'dist_closed?', 'seed?', 'status?']));
      const present = SERIES.filter(([f]) => rows.some((r) => Number.isFinite(num(r[f]))));
      const data = finiteRows(distanceRows(rows, present), ['lambda', 'sigma'], [vs, 'value']);
      if (!data.length) throw new MissingData('cells.csv has no positive distances');
      const order = labelField(data, other);
      const x = {
        field: vs,
        type: 'quantitative',
        scale: { type: 'log' },
        axis: logAxis(vs === 'lambda' ? 'weight decay λ' : 'σ (within-blob std.)', values(data, vs)),
      };
      const color = orderedColor(other, sym[other], order);
      const spec = figureSpec(
        `Figure 2: distance between full-loss and centroid-loss solutions vs ${sym[vs]}`,
        `deep linear autoencoder; one line per ${sym[other]}; log-log; ${seedsNote(seedCount(rows))}`,
        {
          data: { values: data },
          width: 420,
          height: 300,
          layer: [distanceLines(x, data, present, color), errorBarLayer(x, 'value', color)],
        },
      );
      return chart(
        this.name,
        `Figure 2 (${vs === 'lambda' ? 'left' : 'right'}): distance vs ${sym[vs]}`,
        `NRC Figure 2 ${vs === 'lambda' ? 'left' : 'right'}: ‖Θ*_C − Θ*‖ of the trained products, the closed-form shallow solutions, and the Theorem 5.3 bound (dashed).`,
        spec,
      );
    },
  };
}

/** The figures of the experiment, in the order index.html shows them. */
export const figures: FigureDef<T>[] = [figure2('lambda'), figure2('sigma')];
