// Figure of svd-demo: the singular values of each random matrix.
import { finiteRows, meanBy, seedCount } from '../src/plot/data.ts';
import { chart, seedsNote } from '../src/plot/kit.ts';
import { figureSpec } from '../src/plot/style.ts';
import type { FigureDef } from '../src/plot/types.ts';
import type { tables } from './svd-demo.ts';

type T = typeof tables;

const svdDemo: FigureDef<T> = {
  name: 'singular_values',
  build({ table }) {
    const rows = finiteRows(table('singular_values', ['m', 'n', 'index', 'value', 'seed?']), ['m', 'n', 'index', 'value']);
    const mean = meanBy(rows, ['m', 'n', 'index'], ['value']);
    for (const r of mean) r.shape = `${r.m} × ${r.n}`;
    const spec = figureSpec('Singular values of Gaussian matrices', seedsNote(seedCount(rows)), {
      data: { values: mean },
      width: 380,
      height: 260,
      mark: { type: 'line', point: { size: 12 } },
      encoding: { x: { field: 'index', type: 'quantitative', title: 'index' }, y: { field: 'value', type: 'quantitative', title: 'singular value' }, color: { field: 'shape', type: 'nominal', title: 'm × n' } },
    });
    return chart(this.name, 'Singular values', 'Spectrum of each random matrix.', spec);
  },
};

/** The figures of the experiment, in the order index.html shows them. */
export const figures: FigureDef<T>[] = [svdDemo];
