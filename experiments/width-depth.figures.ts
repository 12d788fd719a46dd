// Figures of width-depth: Figures 4-5 of Neural Rank Collapse (soft rank vs width and vs depth).
import { distinct, finiteRows, hasField, meanBy, num, seedCount, type Rec } from '../src/plot/data.ts';
import { chart, seedsNote } from '../src/plot/kit.ts';
import { errorBarLayer, figureSpec, labelField, orderedColor } from '../src/plot/style.ts';
import type { FigureDef } from '../src/plot/types.ts';
import type { tables } from './width-depth.ts';

type T = typeof tables;

function softRankFigure(kind: 'width' | 'depth'): FigureDef<T> {
  return {
    name: kind === 'width' ? 'figure4_width' : 'figure5_depth',
    build({ table }) {
      const rows = finiteRows(table(kind, ['lambda', kind, 'layer', 'soft_rank', 'seed?']), ['lambda', kind, 'layer', 'soft_rank']);
      if (!hasField(rows, 'seed')) for (const r of rows) r.seed = 0;
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
        perNet.push({
          lambda: layers[0].lambda,
          [kind]: layers[0][kind],
          seed: layers[0].seed,
          soft_rank: inner.reduce((a, r) => a + num(r.soft_rank), 0) / inner.length,
        });
      }
      const mean = meanBy(perNet, ['lambda', kind], ['soft_rank']);
      const lambdas = labelField(mean, 'lambda');
      const color = orderedColor('lambda', 'λ', lambdas);
      const x =
        kind === 'width'
          ? {
              field: 'width',
              type: 'quantitative',
              scale: { type: 'log', base: 2 },
              axis: { title: 'width n of the hidden layers', format: '~g', values: distinct(mean, 'width') },
            }
          : {
              field: 'depth',
              type: 'quantitative',
              axis: { title: 'number of hidden layers', tickMinStep: 1, values: distinct(mean, 'depth') },
              scale: { zero: false, padding: 12 },
            };
      const spec = figureSpec(
        kind === 'width' ? 'Figure 4: soft rank rk(0.1) of the hidden-to-hidden layers vs width' : 'Figure 5: soft rank rk(0.1) per layer vs depth',
        `rk(ε) = min{r : e(r) ≤ 0.1}, averaged over ${kind === 'width' ? 'the intermediate layers' : 'all layers'}; ${seedsNote(seedCount(rows))}${seedCount(rows) > 1 ? ' (bars: ± SD)' : ''}`,
        {
          data: { values: mean },
          width: 400,
          height: 280,
          layer: [
            {
              mark: { type: 'line', point: true },
              encoding: { x, y: { field: 'soft_rank', type: 'quantitative', title: 'average rk(0.1)' }, color },
            },
            errorBarLayer(x, 'soft_rank', color),
          ],
        },
      );
      return chart(
        this.name,
        kind === 'width' ? 'Figure 4: rk(0.1) vs width' : 'Figure 5: rk(0.1) vs depth',
        kind === 'width'
          ? 'NRC Figure 4: the rank of stationary points depends only mildly on the width and decreases with λ.'
          : 'NRC Figure 5: at fixed width (2 × input), the average rank does not depend on depth for large enough λ.',
        spec,
      );
    },
  };
}

/** Figure 4 as a per-layer view too: soft rank of every layer vs width, one panel per λ. */
const widthPerLayer: FigureDef<T> = {
  name: 'width_per_layer',
  build({ table }) {
    const rows = finiteRows(table('width', ['lambda', 'width', 'layer', 'soft_rank', 'seed?']), ['lambda', 'width', 'layer', 'soft_rank']);
    const mean = meanBy(rows, ['lambda', 'width', 'layer'], ['soft_rank']);
    const lambdas = labelField(mean, 'lambda', 'λ = ');
    const layers = labelField(mean, 'layer', 'W');
    const spec = figureSpec('Soft rank rk(0.1) of every layer vs width', seedsNote(seedCount(rows)), {
      data: { values: mean },
      facet: { column: { field: 'lambda_label', type: 'ordinal', sort: lambdas, title: null } },
      spec: {
        width: 200,
        height: 180,
        mark: { type: 'line', point: true },
        encoding: {
          x: {
            field: 'width',
            type: 'quantitative',
            scale: { type: 'log', base: 2 },
            axis: { title: 'width n', format: '~g', values: distinct(mean, 'width') },
          },
          y: { field: 'soft_rank', type: 'quantitative', title: 'rk(0.1)' },
          color: { field: 'layer_label', type: 'ordinal', sort: layers, title: 'layer', scale: { scheme: { name: 'viridis', extent: [0, 0.85] } } },
        },
      },
    });
    return chart(
      this.name,
      'rk(0.1) of each layer vs width',
      'Per-layer soft ranks behind Figure 4 (layer 1 is input-to-hidden, the last is hidden-to-output).',
      spec,
    );
  },
};

/** The figures of the experiment, in the order index.html shows them. */
export const figures: FigureDef<T>[] = [softRankFigure('width'), softRankFigure('depth'), widthPerLayer];
