// Pieces that the figures of several experiments share: a chart figure, the seeds note of a subtitle, labels of
// configurations a figure does not plot, and training curves (loss and accuracy over epochs).
import { distinct, finiteRows, formatValue, hasField, loadRows, meanBy, num, seedCount, values, type Rec } from './data.ts';
import type { Spec } from './render.ts';
import { figureSpec, labelField, logAxis, orderedColor } from './style.ts';
import type { ChartFigure, FigureDef, Tables, TableWith } from './types.ts';

export function chart(name: string, title: string, caption: string, spec: Spec): ChartFigure {
  return { kind: 'chart', name, title, caption, spec };
}

/** "mean over 3 seeds" or "one seed"; with `sdBars`, the mean notes its ± SD bars. */
export function seedsNote(n: number, sdBars = false): string {
  return n > 1 ? `mean over ${n} seeds${sdBars ? ' (bars: ± SD)' : ''}` : 'one seed';
}

/** A label per configuration when the run varied parameters that the figure does not plot (in `_config`). */
export function configLabels(rows: Rec[], columns: readonly string[]): string[] {
  const varying = columns.filter((c) => hasField(rows, c) && distinct(rows, c).length > 1);
  for (const r of rows) r._config = varying.map((c) => `${c}=${formatValue(r[c])}`).join(', ');
  return distinct(rows, '_config').map(String);
}

/**
 * Training curves (loss; accuracy if recorded) from `table`, one of the experiment's tables with `epoch` and
 * `loss` columns (train_acc, test_acc, lambda and seed are drawn when the table has them); one colour per λ.
 */
export function trainingFigure<T extends Tables>(table: TableWith<T, 'epoch' | 'loss'>, name: string, title: string): FigureDef<T> {
  return {
    name,
    build({ dir }) {
      const rows = finiteRows(loadRows(dir, `${table}.csv`, ['epoch', 'loss', 'train_acc?', 'test_acc?', 'lambda?', 'seed?']), ['epoch']);
      if (!hasField(rows, 'lambda')) for (const r of rows) r.lambda = NaN;
      const fields = ['loss', 'train_acc', 'test_acc'].filter((f) => rows.some((r) => Number.isFinite(num(r[f]))));
      const mean = meanBy(rows, ['lambda', 'epoch'], fields);
      const hasLambda = mean.some((r) => Number.isFinite(num(r.lambda)));
      const lambdas = labelField(mean, 'lambda', 'λ = ');
      const color = hasLambda ? orderedColor('lambda', null, lambdas) : { value: '#1f77b4' };
      const x = { field: 'epoch', type: 'quantitative', title: 'epoch' };
      const panels: Spec[] = [
        {
          transform: [{ filter: 'isFinite(datum.loss) && datum.loss > 0' }],
          width: 300,
          height: 220,
          mark: { type: 'line' },
          encoding: {
            x,
            y: { field: 'loss', type: 'quantitative', scale: { type: 'log' }, axis: logAxis('training loss', values(mean, 'loss')) },
            color,
          },
        },
      ];
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
            strokeDash: {
              field: 'set',
              type: 'nominal',
              title: null,
              scale: {
                domain: ['train_acc', 'test_acc'],
                range: [
                  [1, 0],
                  [5, 3],
                ],
              },
            },
          },
        });
      }
      const spec = figureSpec(title, seedsNote(seedCount(rows)), {
        data: { values: mean },
        hconcat: panels,
        resolve: { scale: { color: 'shared' } },
      });
      return chart(name, title, 'Training loss (log) and accuracy over epochs.', spec);
    },
  };
}

/** The optional form (`name?`) of each column, for FigureContext.table. */
export function optional<C extends string>(columns: readonly C[]): `${C}?`[] {
  return columns.map((c): `${C}?` => `${c}?`);
}
