// svd-demo: singular values of a seeded Gaussian random matrix; the smallest end-to-end path
// from the CLI to a CSV (foundation issue). With entries N(0, 1/m), the singular values of a tall
// m x n matrix fill [1 - sqrt(n/m), 1 + sqrt(n/m)] (Marchenko-Pastur edges), printed for comparison.
import { Matrix, frobeniusNorm, singularValues } from '../src/linalg/index.ts';
import { finiteRows, meanBy, seedCount } from '../src/plot/data.ts';
import { chart, seedsNote } from '../src/plot/kit.ts';
import { figureSpec } from '../src/plot/style.ts';
import type { FigureDef } from '../src/plot/types.ts';
import { defineExperiment } from '../src/runner/types.ts';

type SvdDemoParams = { m: number; n: number };

/** Tables of a run (CSV files) and their columns; the figures below are checked against them. */
export const tables = {
  singular_values: ['m', 'n', 'seed', 'index', 'value'],
  summary: ['m', 'n', 'seed', 'status', 's_max', 's_min', 'mp_upper', 'mp_lower', 'frobenius_identity_error'],
} as const;

/** The spectrum of each matrix shape (mean over seeds). A larger experiment keeps its figures in NAME.figures.ts. */
const singularValuesFigure: FigureDef<typeof tables> = {
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
      encoding: {
        x: { field: 'index', type: 'quantitative', title: 'index' },
        y: { field: 'value', type: 'quantitative', title: 'singular value' },
        color: { field: 'shape', type: 'nominal', title: 'm × n' },
      },
    });
    return chart(this.name, 'Singular values', 'Spectrum of each random matrix.', spec);
  },
};

export default defineExperiment<SvdDemoParams, typeof tables>({
  name: 'svd-demo',
  summary: 'Singular values of a seeded Gaussian random matrix (checks the CLI-to-CSV path)',
  description:
    'Draws an m x n matrix with i.i.d. N(0, 1/m) entries from the cell seed and writes its singular values, ' +
    'the identity sum(s^2) = ||A||_F^2 as a check, and the Marchenko-Pastur edges 1 -/+ sqrt(n/m) for comparison.',
  params: [
    { name: 'm', kind: 'int', grid: true, positive: true, max: 4000, default: 200, help: 'rows of the matrix' },
    { name: 'n', kind: 'int', grid: true, positive: true, max: 4000, default: 100, help: 'columns of the matrix' },
  ],
  presets: {
    quick: { m: 20, n: 10 },
    default: {},
    paper: { m: 784, n: 400 },
  },
  tables,
  figures: [singularValuesFigure],
  estimateBytes: ({ m, n }) => 8 * 6 * m * n,
  runCell({ params, rng }) {
    const { m, n } = params;
    const A = new Matrix(m, n, rng.normals(m * n, 1 / Math.sqrt(m)));
    const s = singularValues(A);
    const fro2 = frobeniusNorm(A) ** 2;
    const sum2 = s.reduce((acc, v) => acc + v * v, 0);
    const ratio = Math.sqrt(Math.min(m, n) / Math.max(m, n));
    return {
      status: 'ok',
      rows: {
        singular_values: Array.from(s, (value, i) => ({ index: i + 1, value })),
        summary: [
          {
            s_max: s[0],
            s_min: s[s.length - 1],
            mp_upper: (1 + ratio) * Math.sqrt(Math.max(m, n) / m),
            mp_lower: (1 - ratio) * Math.sqrt(Math.max(m, n) / m),
            frobenius_identity_error: Math.abs(sum2 - fro2) / fro2,
          },
        ],
      },
    };
  },
});
