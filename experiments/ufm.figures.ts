// Figures of ufm (perturbation paper Thm 2.1): measured ρ vs the closed form, and NC1 vs c = √(λ_H λ_W).
import { finiteRows, MissingData, num, values } from '../src/plot/data.ts';
import { chart } from '../src/plot/kit.ts';
import { figureSpec, labelField, logAxis, orderedColor } from '../src/plot/style.ts';
import type { FigureDef } from '../src/plot/types.ts';
import type { tables } from './ufm.ts';

type T = typeof tables;

const ufmRho: FigureDef<T> = {
  name: 'ufm_rho',
  build({ table }) {
    const rows = finiteRows(
      table('ufm', ['lambda_h', 'lambda_w', 'rho', 'rho_closed_form']).map((r) => ({
        lambda_h: r.lambda_h,
        lambda_w: r.lambda_w,
        rho: r.rho,
        closed: r.rho_closed_form,
      })),
      ['lambda_h', 'lambda_w', 'rho', 'closed'],
    );
    if (!rows.length) throw new MissingData('ufm.csv has no finite rho');
    for (const r of rows) r.c = Math.sqrt(num(r.lambda_h) * num(r.lambda_w));
    const hi = Math.max(...rows.map((r) => Math.max(num(r.rho), num(r.closed))), 1e-12);
    const lambdas = labelField(rows, 'lambda_w');
    const spec = figureSpec(
      'UFM (Thm 2.1): measured ρ vs closed form',
      'H̄ᵀH̄ = ρ I_K at the minimiser, ρ = (1 − c)√(λ_W/λ_H) for c = √(λ_H λ_W) ≤ 1, else 0; dashed: equality',
      {
        width: 320,
        height: 300,
        layer: [
          {
            data: { values: [{ v: 0 }, { v: hi }] },
            mark: { type: 'line', strokeDash: [6, 4], color: '#888' },
            encoding: { x: { field: 'v', type: 'quantitative' }, y: { field: 'v', type: 'quantitative' } },
          },
          {
            data: { values: rows },
            mark: { type: 'point', filled: true, size: 60 },
            encoding: {
              x: { field: 'closed', type: 'quantitative', title: 'closed-form ρ' },
              y: { field: 'rho', type: 'quantitative', title: 'measured ρ' },
              color: orderedColor('lambda_w', 'λ_W', lambdas),
              tooltip: [{ field: 'lambda_h' }, { field: 'lambda_w' }],
            },
          },
        ],
      },
    );
    return chart(
      this.name,
      'UFM: ρ measured vs closed form',
      'Perturbation paper Thm 2.1: points on the dashed diagonal agree with the closed form.',
      spec,
    );
  },
};

const ufmNc1: FigureDef<T> = {
  name: 'ufm_nc1',
  build({ table }) {
    const rows = finiteRows(table('ufm', ['lambda_h', 'lambda_w', 'nc1']), ['lambda_h', 'lambda_w', 'nc1']);
    for (const r of rows) {
      r.c = Math.sqrt(num(r.lambda_h) * num(r.lambda_w));
      r.nc1_plot = Math.max(num(r.nc1), 1e-18);
    }
    if (!rows.length) throw new MissingData('ufm.csv has no finite nc1');
    const lambdas = labelField(rows, 'lambda_w');
    const spec = figureSpec('UFM minimisers: NC1 vs c = √(λ_H λ_W)', 'Thm 2.1: collapse (NC1 = 0) for c ≤ 1; values below 1e-18 drawn at 1e-18', {
      data: { values: rows },
      width: 380,
      height: 260,
      layer: [
        {
          mark: { type: 'point', filled: true, size: 50 },
          encoding: {
            x: { field: 'c', type: 'quantitative', scale: { type: 'log' }, axis: logAxis('c = √(λ_H λ_W)', values(rows, 'c')) },
            y: { field: 'nc1_plot', type: 'quantitative', scale: { type: 'log' }, axis: logAxis('nc1', values(rows, 'nc1_plot')) },
            color: orderedColor('lambda_w', 'λ_W', lambdas),
          },
        },
        {
          data: { values: [{ c: 1 }] },
          mark: { type: 'rule', strokeDash: [6, 4], color: '#d62728' },
          encoding: { x: { field: 'c', type: 'quantitative' } },
        },
      ],
    });
    return chart(this.name, 'UFM: NC1 vs c', 'Below c = 1 (red) the minimiser is collapsed; above it the minimiser is 0.', spec);
  },
};

/** The figures of the experiment, in the order index.html shows them. */
export const figures: FigureDef<T>[] = [ufmRho, ufmNc1];
