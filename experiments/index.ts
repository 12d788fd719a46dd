// Every experiment nrc knows; the CLI builds `nrc list` and `nrc run NAME` from this list.
import type { Experiment } from '../src/runner/types.ts';
import svdDemo from './svd-demo.ts';

export const experiments: Experiment[] = ([
  svdDemo,
] as unknown[]) as Experiment[];

export function findExperiment(name: string): Experiment | undefined {
  return experiments.find((e) => e.name === name);
}
