// --global-mean reaches the experiments that report NC2/NC3 (layerwise, wd-ablation, deep-rfm).
import { describe, expect, it } from 'vitest';
import { loadExperiments } from '../../experiments/index.ts';

const experiments = await loadExperiments();
import { deepestCollapse } from '../../src/nn/classifier.ts';
import { globalMeanFromChoice } from '../../src/metrics/collapse.ts';
import { Rng } from '../../src/random/index.ts';
import { labelsWithCounts, randomOrthogonal, samplesAround, simplexMeans } from '../metrics/helpers.ts';

describe('--global-mean in the experiments', () => {
  it('layerwise, wd-ablation and deep-rfm declare it, default auto, with the three choices', () => {
    for (const name of ['layerwise', 'wd-ablation', 'deep-rfm']) {
      const spec = experiments.find((e) => e.name === name)!.params.find((s) => s.name === 'globalMean');
      expect(spec, name).toBeDefined();
      expect(spec!.default).toBe('auto');
      expect(spec!.choices).toEqual(['auto', 'samples', 'class-means']);
    }
  });

  it('maps the command-line spelling onto the metric option', () => {
    expect(globalMeanFromChoice('auto')).toBeUndefined();
    expect(globalMeanFromChoice(undefined)).toBeUndefined();
    expect(globalMeanFromChoice('samples')).toBe('samples');
    expect(globalMeanFromChoice('class-means')).toBe('classMeans');
  });

  it('deepestCollapse: an exact ETF with unbalanced classes scores NC2 = NC3 = 0 under auto and class-means, not under samples', () => {
    const K = 5;
    const d = 8;
    const labels = labelsWithCounts(Array.from({ length: K }, (_, k) => Math.round(200 * 0.6 ** k)));
    const M = simplexMeans(K, d, 1, randomOrthogonal(d, new Rng('gm-exp')));
    const H = samplesAround(M, labels);
    for (const choice of ['auto', 'class-means'] as const) {
      const c = deepestCollapse(H, labels, M, choice);
      expect(c.nc2Etf, choice).toBeLessThan(1e-12);
      expect(c.nc3, choice).toBeLessThan(1e-12);
    }
    const biased = deepestCollapse(H, labels, M, 'samples');
    expect(biased.nc2Etf).toBeGreaterThan(0.1);
    expect(biased.nc3).toBeGreaterThan(0.1);
  });
});
