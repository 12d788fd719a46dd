// Figure of layerwise (perturbation paper Fig. 2): NC1 of the deepest features vs the number of layers.
import { finiteRows, meanBy, MissingData, num, seedCount, values, type Rec } from '../src/plot/data.ts';
import { chart, seedsNote } from '../src/plot/kit.ts';
import { errorBarLayer, figureSpec, logAxis } from '../src/plot/style.ts';
import type { FigureDef } from '../src/plot/types.ts';
import type { tables } from './layerwise.ts';

type T = typeof tables;

const layerwise: FigureDef<T> = {
  name: 'figure2_layerwise',
  build({ table }) {
    const rows = finiteRows(table('layerwise', ['layers', 'nc1', 'nc1_trace', 'seed?']), ['layers']);
    const long: Rec[] = [];
    for (const r of rows) {
      long.push({ layers: r.layers, seed: r.seed, metric: 'NC1 = (1/K) tr(Σ_W Σ_B⁺)', value: r.nc1 });
      long.push({ layers: r.layers, seed: r.seed, metric: 'NC1~ = tr Σ_W / tr Σ_B', value: r.nc1_trace });
    }
    const mean = finiteRows(meanBy(long, ['metric', 'layers'], ['value']), [], ['value']);
    if (!mean.length) throw new MissingData('layerwise table has no positive nc1');
    for (const r of mean) r.value_lo = Math.max(num(r.value_lo), num(r.value) / 10);
    const x = {
      field: 'layers',
      type: 'quantitative',
      title: 'number of hidden layers (each trained on top of the frozen previous ones)',
      axis: { tickMinStep: 1 },
    };
    const color = { field: 'metric', type: 'nominal', title: null, legend: { orient: 'bottom' } };
    const spec = figureSpec('Figure 2: layer-wise training, NC1 of the deepest features', `log y; ${seedsNote(seedCount(rows), true)}`, {
      data: { values: mean },
      width: 420,
      height: 280,
      layer: [
        {
          mark: { type: 'line', point: true },
          encoding: {
            x,
            y: {
              field: 'value',
              type: 'quantitative',
              scale: { type: 'log' },
              axis: logAxis('NC1 metric', values(mean, 'value', 'value_lo', 'value_hi')),
            },
            color,
          },
        },
        errorBarLayer(x, 'value', color),
      ],
    });
    return chart(
      this.name,
      'Figure 2: layer-wise training',
      'Perturbation paper Fig. 2: both NC1 metrics decrease as layers are added on top of frozen ones.',
      spec,
    );
  },
};

/** The figures of the experiment, in the order index.html shows them. */
export const figures: FigureDef<T>[] = [layerwise];
