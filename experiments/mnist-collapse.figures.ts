// Figures of mnist-collapse: Figure 3 of Neural Rank Collapse (tails e(r) and TCV per layer over training) and the training curves.
import { distinct, finiteRows, meanBy, MissingData, num, seedCount, thin, values, type Rec } from '../src/plot/data.ts';
import { chart, seedsNote, trainingFigure } from '../src/plot/kit.ts';
import { figureSpec, labelField, logAxis } from '../src/plot/style.ts';
import type { FigureDef } from '../src/plot/types.ts';
import type { tables } from './mnist-collapse.ts';

type T = typeof tables;

const figure3Tails: FigureDef<T> = {
  name: 'figure3_tails',
  build({ table }) {
    const rows = finiteRows(table('tails', ['lambda', 'epoch', 'layer', 'r', 'e_r', 'seed?']), ['lambda', 'epoch', 'layer', 'r', 'e_r']);
    const mean = meanBy(rows, ['lambda', 'epoch', 'layer', 'r'], ['e_r']);
    // Thin long curves to at most 150 points each (the SVG stays small; the shape is unchanged).
    const curves = new Map<string, Rec[]>();
    for (const r of mean) {
      const id = `${r.lambda}|${r.epoch}|${r.layer}`;
      if (!curves.has(id)) curves.set(id, []);
      curves.get(id)!.push(r);
    }
    const data: Rec[] = [];
    for (const c of curves.values())
      data.push(
        ...thin(
          c.sort((a, b) => num(a.r) - num(b.r)),
          150,
        ),
      );
    const lambdas = labelField(data, 'lambda', 'λ = ');
    const layers = labelField(data, 'layer', 'W');
    const epochs = distinct(data, 'epoch').map(Number);
    const spec = figureSpec(
      'Figure 3: singular-value tails e(r) of each layer during training',
      `e(r) = Σ_{i≥r} s_i / Σ_i s_i; one curve per recorded epoch, light (early) to dark (late); rows: layers, columns: λ; ${seedsNote(seedCount(rows))}`,
      {
        data: { values: data },
        facet: {
          row: { field: 'layer_label', type: 'ordinal', sort: layers, title: null },
          column: { field: 'lambda_label', type: 'ordinal', sort: lambdas, title: null },
        },
        spec: {
          width: 200,
          height: 130,
          mark: { type: 'line', strokeWidth: 1.5, clip: true },
          encoding: {
            x: { field: 'r', type: 'quantitative', title: 'r', scale: { zero: false, nice: false } },
            y: { field: 'e_r', type: 'quantitative', title: 'e(r)', scale: { domain: [0, 1] } },
            color: {
              field: 'epoch',
              type: 'quantitative',
              title: 'epoch',
              scale: { scheme: { name: 'blues', extent: [0.25, 1] }, domain: [Math.min(...epochs), Math.max(...epochs)] },
            },
            detail: { field: 'epoch', type: 'quantitative' },
          },
        },
        resolve: { scale: { x: 'independent' } },
      },
    );
    return chart(
      this.name,
      'Figure 3: e(r) curves by epoch',
      'NRC Figure 3 (top rows): the tail of each weight matrix’s spectrum lightens during training, more for larger λ.',
      spec,
    );
  },
};

const figure3Tcv: FigureDef<T> = {
  name: 'figure3_tcv',
  build({ table }) {
    const rows = finiteRows(table('tcv', ['lambda', 'epoch', 'layer', 'wcss', 'seed?']), ['lambda', 'epoch', 'layer', 'wcss']);
    const mean = meanBy(rows, ['lambda', 'epoch', 'layer'], ['wcss']).filter((r) => num(r.wcss) > 0);
    if (!mean.length) throw new MissingData('tcv.csv has no positive wcss');
    const lambdas = labelField(mean, 'lambda', 'λ = ');
    const layers = labelField(mean, 'layer', 'layer ');
    const spec = figureSpec(
      'Figure 3 (bottom): estimated TCV of each layer over training',
      `WCSS of the class partition of each hidden layer’s output; ${seedsNote(seedCount(rows))}`,
      {
        data: { values: mean },
        facet: { column: { field: 'lambda_label', type: 'ordinal', sort: lambdas, title: null } },
        spec: {
          width: 220,
          height: 180,
          mark: { type: 'line', point: { size: 16 } },
          encoding: {
            x: { field: 'epoch', type: 'quantitative', title: 'epoch' },
            y: { field: 'wcss', type: 'quantitative', scale: { type: 'log' }, axis: logAxis('TCV estimate (WCSS)', values(mean, 'wcss')) },
            color: { field: 'layer_label', type: 'ordinal', sort: layers, title: null, scale: { scheme: { name: 'viridis', extent: [0, 0.85] } } },
          },
        },
      },
    );
    return chart(
      this.name,
      'Figure 3: TCV per layer over epochs',
      'NRC Figure 3 (bottom row): the TCV estimate falls after the first epochs and is smaller for larger λ.',
      spec,
    );
  },
};

/** The figures of the experiment, in the order index.html shows them. */
export const figures: FigureDef<T>[] = [figure3Tails, figure3Tcv, trainingFigure<T>('train', 'training', 'Training loss and accuracy')];
