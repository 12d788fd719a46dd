// Figures of nn-decomposition (AGOP paper Sec. 5): NC1 through the SVD parts of each layer, the Neural Feature Ansatz correlation, training curves.
import { distinct, finiteRows, meanBy, MissingData, num, seedCount, thin, values } from '../src/plot/data.ts';
import { chart, seedsNote, trainingFigure } from '../src/plot/kit.ts';
import { errorBarLayer, figureSpec, labelField, logAxis } from '../src/plot/style.ts';
import type { FigureDef } from '../src/plot/types.ts';
import type { tables } from './nn-decomposition.ts';

type T = typeof tables;

function stageShort(stage: string): string {
  const s = stage.toLowerCase();
  if (/^(input|in|x)$/.test(s)) return 'input';
  if (/s_?v|svt|right|sv_t/.test(s)) return 'S Vᵀ';
  if (/out/.test(s)) return 'output';
  return stage;
}

const decomposition: FigureDef<T> = {
  name: 'nc1_decomposition',
  build({ table }) {
    const rows = finiteRows(table('decomposition', ['epoch', 'layer', 'stage', 'nc1', 'seed?']), ['epoch', 'layer'], ['nc1']);
    if (!rows.length) throw new MissingData('decomposition.csv has no positive nc1');
    // Stages in the order the CSV lists them (input, S V^T, output).
    const stageOrder: string[] = [];
    for (const r of rows) if (!stageOrder.includes(String(r.stage))) stageOrder.push(String(r.stage));
    const epochs = distinct(rows, 'epoch').map(Number);
    const shown = new Set(thin(epochs, 6));
    const mean = meanBy(
      rows.filter((r) => shown.has(num(r.epoch))),
      ['epoch', 'layer', 'stage'],
      ['nc1'],
    );
    const layers = distinct(mean, 'layer').map(Number);
    const steps: string[] = [];
    for (const l of layers) for (const s of stageOrder) steps.push(`${l}: ${stageShort(s)}`);
    for (const r of mean) r.step = `${r.layer}: ${stageShort(String(r.stage))}`;
    for (const r of mean) r.nc1_lo = Math.max(num(r.nc1_lo), num(r.nc1) / 10);
    const x = {
      field: 'step',
      type: 'ordinal',
      sort: steps,
      title: 'layer: stage (input → S Vᵀ·input → output = relu(U S Vᵀ·input))',
      axis: { labelAngle: -55, labelOverlap: false },
    };
    const color = { field: 'epoch', type: 'ordinal', title: 'epoch', scale: { scheme: { name: 'blues', extent: [0.3, 1] } } };
    const spec = figureSpec(
      'NC1 through each layer’s SVD: input, S Vᵀ, output',
      `AGOP paper Sec. 5 (Figs. 2, 7): W_l = U S Vᵀ; log y; ${seedsNote(seedCount(rows), true)}`,
      {
        data: { values: mean },
        width: { step: 30 },
        height: 280,
        layer: [
          {
            mark: { type: 'line', point: true },
            encoding: {
              x,
              y: {
                field: 'nc1',
                type: 'quantitative',
                scale: { type: 'log' },
                axis: logAxis('NC1 = tr Σ_W / tr Σ_B', values(mean, 'nc1', 'nc1_lo', 'nc1_hi')),
              },
              color,
              detail: { field: 'epoch' },
            },
          },
          errorBarLayer(x, 'nc1', color),
        ],
      },
    );
    return chart(
      this.name,
      'NC1 through input / S Vᵀ / output',
      'The within-class variability falls mostly at S Vᵀ (the right singular structure), not at U or the nonlinearity.',
      spec,
    );
  },
};

const nfa: FigureDef<T> = {
  name: 'nfa_correlation',
  build({ table }) {
    const rows = finiteRows(table('nfa', ['epoch', 'layer', 'nfa_corr', 'seed?']), ['epoch', 'layer', 'nfa_corr']);
    const mean = meanBy(rows, ['epoch', 'layer'], ['nfa_corr']);
    const layers = labelField(mean, 'layer', 'layer ');
    const x = { field: 'epoch', type: 'quantitative', title: 'epoch' };
    const color = { field: 'layer_label', type: 'ordinal', sort: layers, title: null, scale: { scheme: { name: 'viridis', extent: [0, 0.85] } } };
    const spec = figureSpec(
      'Neural Feature Ansatz: corr(W_lᵀ W_l, AGOP_l^{1/2}) over training',
      `Pearson correlation after subtracting each matrix’s mean entry; ${seedsNote(seedCount(rows), true)}`,
      {
        data: { values: mean },
        width: 400,
        height: 260,
        layer: [
          {
            mark: { type: 'line', point: { size: 16 } },
            encoding: {
              x,
              y: {
                field: 'nfa_corr',
                type: 'quantitative',
                title: 'NFA correlation',
                scale: { domain: [Math.min(0, ...mean.map((r) => num(r.nfa_corr_lo))), 1] },
              },
              color,
            },
          },
          {
            mark: { type: 'area', opacity: 0.15 },
            transform: [{ filter: 'datum.n > 1' }],
            encoding: { x, y: { field: 'nfa_corr_lo', type: 'quantitative' }, y2: { field: 'nfa_corr_hi' }, color },
          },
        ],
      },
    );
    return chart(
      this.name,
      'NFA correlation over epochs',
      'AGOP paper: the Gram of each layer’s weights correlates with the square root of the AGOP w.r.t. its input (about 0.7 for MNIST MLPs).',
      spec,
    );
  },
};

/** The figures of the experiment, in the order index.html shows them. */
export const figures: FigureDef<T>[] = [decomposition, nfa, trainingFigure<T>('train', 'training', 'Training loss and accuracy')];
