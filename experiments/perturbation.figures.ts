// Figures of perturbation (perturbation paper Fig. 1, Thm 4.2): spectra of the blocks F_kk and F_kk′.
import { distinct, finiteRows, formatValue, isFilled, meanBy, MissingData, num } from '../src/plot/data.ts';
import { chart } from '../src/plot/kit.ts';
import type { Spec } from '../src/plot/render.ts';
import { figureSpec, labelField, orderedColor } from '../src/plot/style.ts';
import type { FigureDef } from '../src/plot/types.ts';
import type { tables } from './perturbation.ts';

type T = typeof tables;

function spectrumFigure(block: 'intra' | 'inter'): FigureDef<T> {
  return {
    name: block === 'intra' ? 'figure1_spectrum_intra' : 'spectrum_inter',
    build({ table }) {
      const rows = finiteRows(table('spectrum', ['lambda_h', 'block', 'index', 'value', 'closed_form?', 'lambda_w?', 'beta?']), [
        'lambda_h',
        'index',
        'value',
      ]);
      const mine = rows.filter((r) => String(r.block) === block);
      if (!mine.length) throw new MissingData(`spectrum.csv has no ${block} rows`);
      for (const r of mine)
        r.setting = ['lambda_w', 'beta']
          .filter((c) => isFilled(r[c]))
          .map((c) => `${c === 'beta' ? 'β' : 'λ_W'} = ${formatValue(r[c])}`)
          .join(', ');
      const settings = distinct(mine, 'setting').map(String);
      const hasClosed = mine.some((r) => Number.isFinite(num(r.closed_form)));
      const mean = meanBy(mine, ['setting', 'lambda_h', 'index'], ['value', 'closed_form']);
      const lambdas = labelField(mean, 'lambda_h');
      const color = orderedColor('lambda_h', 'λ_H', lambdas);
      const x = {
        field: 'index',
        type: 'quantitative',
        title: block === 'intra' ? 'index of the singular value of F_kk' : 'index of the singular value of F_kk′',
      };
      const y = { field: 'value', type: 'quantitative', title: 'singular value', scale: { zero: false } };
      const layers: Spec[] = [{ mark: { type: 'line', interpolate: 'step-after', strokeWidth: 2.5 }, encoding: { x, y, color } }];
      if (hasClosed)
        layers.push({
          mark: { type: 'line', interpolate: 'step-after', strokeWidth: 1.2, strokeDash: [3, 3], color: 'black' },
          transform: [{ filter: 'isFinite(datum.closed_form)' }],
          encoding: { x, y: { field: 'closed_form', type: 'quantitative' }, detail: { field: 'lambda_h_label' } },
        });
      const body: Spec =
        settings.length > 1
          ? {
              data: { values: mean },
              facet: { column: { field: 'setting', type: 'nominal', title: null } },
              spec: { width: 300, height: 240, layer: layers },
            }
          : { data: { values: mean }, width: 460, height: 300, layer: layers };
      const spec = figureSpec(
        block === 'intra' ? 'Figure 1: the effect of λ_H on the spectrum of F_kk' : 'Spectrum of the inter-class blocks F_kk′',
        `${settings.length === 1 && settings[0] ? settings[0] + '; ' : ''}lines: computed singular values, sorted${hasClosed ? '; black dashed: closed form of App. D' : ''}`,
        body,
      );
      return chart(
        this.name,
        block === 'intra' ? 'Figure 1: spectrum of F_kk per λ_H' : 'Spectrum of F_kk′ per λ_H',
        block === 'intra'
          ? 'Perturbation paper Fig. 1: the step-wise decreasing spectrum of the intra-class block; almost all singular values decrease as λ_H increases.'
          : 'Thm 4.2: the inter-class blocks are rank one with σ_max = 2λ_H(1 − √(λ_H λ_W))/β.',
        spec,
      );
    },
  };
}

/** The figures of the experiment, in the order index.html shows them. */
export const figures: FigureDef<T>[] = [spectrumFigure('intra'), spectrumFigure('inter')];
