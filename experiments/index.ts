// Every experiment nrc knows; the CLI builds `nrc list` and `nrc run NAME` from this list.
import type { Experiment } from '../src/runner/types.ts';
import svdDemo from './svd-demo.ts';
import mnistCollapse from './mnist-collapse.ts';
import widthDepth from './width-depth.ts';
import gaussianMixture from './gaussian-mixture.ts';
import gradientRank from './gradient-rank.ts';
import nnDecomposition from './nn-decomposition.ts';
import deepRfm from './deep-rfm.ts';

export const experiments: Experiment[] = ([
  svdDemo,
  mnistCollapse,
  widthDepth,
  gaussianMixture,
  gradientRank,
  nnDecomposition,
  deepRfm,
] as unknown[]) as Experiment[];

export function findExperiment(name: string): Experiment | undefined {
  return experiments.find((e) => e.name === name);
}
