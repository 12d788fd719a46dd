// Every experiment nrc knows, in the order `nrc list` shows them; the CLI builds `nrc list` and
// `nrc run NAME` from this list.
import type { Experiment } from '../src/runner/types.ts';
import gaussianMixture from './gaussian-mixture.ts';
import gradientRank from './gradient-rank.ts';
import deepLinear from './deep-linear.ts';
import mnistCollapse from './mnist-collapse.ts';
import widthDepth from './width-depth.ts';
import deepRfm from './deep-rfm.ts';
import nnDecomposition from './nn-decomposition.ts';
import ufm from './ufm.ts';
import centralPath from './central-path.ts';
import perturbation from './perturbation.ts';
import layerwise from './layerwise.ts';
import wdAblation from './wd-ablation.ts';
import svdDemo from './svd-demo.ts';

export const experiments: Experiment[] = ([
  // Neural Rank Collapse
  gaussianMixture,
  gradientRank,
  deepLinear,
  mnistCollapse,
  widthDepth,
  // AGOP as a mechanism for deep neural collapse
  deepRfm,
  nnDecomposition,
  // Perturbation analysis of neural collapse
  ufm,
  centralPath,
  perturbation,
  layerwise,
  wdAblation,
  // The CLI-to-CSV path
  svdDemo,
] as unknown[]) as Experiment[];

export function findExperiment(name: string): Experiment | undefined {
  return experiments.find((e) => e.name === name);
}
