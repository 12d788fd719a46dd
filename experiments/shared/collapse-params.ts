// The NC metrics' options as experiment parameters (shared by every experiment that reports NC2/NC3).
import { GLOBAL_MEAN_CHOICES } from '../../src/metrics/index.ts';
import type { ParamSpec } from '../../src/runner/types.ts';
/** --global-mean: mu_G of the NC metrics (auto: all samples for NC1/NC1~, mean of the class means for NC2/NC3). */
export const globalMeanParam: ParamSpec = {
  name: 'globalMean',
  kind: 'string',
  choices: [...GLOBAL_MEAN_CHOICES],
  default: 'auto',
  help:
    'mu_G of the NC metrics: auto (all samples for NC1/NC1~, the mean of the class means for NC2/NC3, so an exact ETF scores 0 ' +
    'with unbalanced classes), samples or class-means for every metric',
};
