// Figures of gradient-rank: Prop. 3.1 of Neural Rank Collapse (batch-gradient rank vs batch size) and the layer ranks on degenerate data.
import { distinct, finiteRows, formatValue, hasField, meanBy, seedCount } from '../src/plot/data.ts';
import { chart, seedsNote } from '../src/plot/kit.ts';
import { figureSpec, labelField, orderedColor } from '../src/plot/style.ts';
import type { FigureDef } from '../src/plot/types.ts';
import type { tables } from './gradient-rank.ts';

type T = typeof tables;

const gradientRank: FigureDef<T> = {
  name: 'gradient_rank',
  build({ table }) {
    const rows = finiteRows(table('gradient_rank', ['layer', 'batch_size', 'rank', 'seed?']), ['layer', 'batch_size', 'rank']);
    const mean = meanBy(rows, ['layer', 'batch_size'], ['rank']);
    const layers = labelField(mean, 'layer', 'W');
    const sizes = distinct(mean, 'batch_size').map(Number);
    const bound = sizes.map((b) => ({ batch_size: b, bound: b }));
    const x = { field: 'batch_size', type: 'quantitative', title: 'batch size B', axis: { tickMinStep: 1 } };
    const spec = figureSpec(
      'Proposition 3.1: rank of the batch gradient ≤ batch size',
      `numerical rank of ∇_{W_l} of the loss on a batch of B samples; dashed: rank = B; ${seedsNote(seedCount(rows))}`,
      {
        width: 380,
        height: 280,
        layer: [
          {
            data: { values: bound },
            mark: { type: 'line', strokeDash: [6, 4], color: '#888' },
            encoding: { x, y: { field: 'bound', type: 'quantitative' } },
          },
          {
            data: { values: mean },
            mark: { type: 'line', point: true },
            encoding: {
              x,
              y: { field: 'rank', type: 'quantitative', title: 'numerical rank of the gradient', axis: { tickMinStep: 1 } },
              color: { field: 'layer_label', type: 'nominal', title: 'layer', sort: layers },
            },
          },
        ],
      },
    );
    return chart(
      this.name,
      'Prop. 3.1: gradient rank vs batch size',
      'NRC Prop. 3.1: the gradient of a batch of B samples w.r.t. any weight matrix has rank at most B.',
      spec,
    );
  },
};

const degenerate: FigureDef<T> = {
  name: 'degenerate_ranks',
  build({ table }) {
    const rows = finiteRows(table('degenerate', ['layer', 'rank', 'k', 'lambda?', 'seed?']), ['layer', 'rank', 'k']);
    if (!hasField(rows, 'lambda')) for (const r of rows) r.lambda = 0;
    const mean = meanBy(rows, ['layer', 'lambda'], ['rank', 'k']);
    const layers = labelField(mean, 'layer', 'W');
    const lambdas = labelField(mean, 'lambda');
    const ks = distinct(rows, 'k');
    const spec = figureSpec(
      'Numerical rank of each layer after training on K distinct points',
      `σ = 0 (degenerate data); dashed: K = ${ks.map(formatValue).join(', ')}; ${seedsNote(seedCount(rows))}`,
      {
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
          {
            data: { values: ks.map((k) => ({ k })) },
            mark: { type: 'rule', strokeDash: [6, 4], color: '#d62728', strokeWidth: 2 },
            encoding: { y: { field: 'k', type: 'quantitative' } },
          },
        ],
      },
    );
    return chart(
      this.name,
      'Ranks on degenerate data',
      'With weight decay, training on K distinct points leaves every weight matrix with rank at most K (NRC Sec. 3).',
      spec,
    );
  },
};

/** The figures of the experiment, in the order index.html shows them. */
export const figures: FigureDef<T>[] = [gradientRank, degenerate];
