// The options of the autoencoder experiments (gaussian-mixture, gradient-rank, deep-linear) as ParamSpecs.
import { type AutoencoderParams, TRAINING_DTYPES } from '../../src/nn/autoencoder.ts';
import type { ParamSpec } from '../../src/runner/types.ts';

/**
 * ParamSpecs of the data, model and training options, shared by the experiments. `defaults` replaces the
 * built-in defaults (the paper's sizes, NRC Sec. 6.1) so that an experiment's `--help` shows what its
 * `default` preset runs. `grid` marks the options that form a grid.
 */
export function autoencoderParamSpecs(defaults: Partial<AutoencoderParams> = {}): ParamSpec[] {
  const specs: ParamSpec[] = [
    { name: 'lambda', kind: 'float', grid: true, min: 0, default: 1e-3, help: 'weight decay lambda on all weights and biases (NRC Eq. 3)' },
    {
      name: 'sigma',
      kind: 'float',
      grid: true,
      min: 0,
      default: 0.1,
      help: 'within-component standard deviation per coordinate (x = mu_k + sigma v)',
    },
    { name: 'k', kind: 'int', grid: true, positive: true, max: 10000, default: 10, help: 'number of mixture components K' },
    { name: 'n', kind: 'int', grid: true, positive: true, max: 1_000_000, default: 10000, help: 'number of samples N (balanced: N/K per component)' },
    { name: 'dim', kind: 'int', grid: true, positive: true, max: 100_000, default: 784, help: 'input dimension d' },
    {
      name: 'hidden',
      kind: 'ints',
      grid: true,
      positive: true,
      max: 100_000,
      default: [400, 300, 400],
      help: 'hidden widths of the autoencoder d -> hidden -> d',
    },
    { name: 'radius', kind: 'float', grid: true, min: 0, default: 1, help: 'norm of every component mean mu_k (i.i.d. Gaussian directions)' },
    {
      name: 'optimizer',
      kind: 'string',
      grid: true,
      choices: ['lbfgs', 'gd'],
      default: 'lbfgs',
      help: 'full-batch optimiser: L-BFGS (strong Wolfe) or gradient descent with --lr',
    },
    { name: 'lr', kind: 'float', grid: true, positive: true, default: 0.1, help: 'step size of gradient descent (--optimizer gd only)' },
    {
      name: 'gradTol',
      kind: 'float',
      grid: true,
      positive: true,
      default: 1e-6,
      help: 'stop when ||grad L_lambda|| is below this ("until convergence, by monitoring the norm of the gradient")',
    },
    {
      name: 'maxIters',
      kind: 'int',
      grid: true,
      positive: true,
      max: 10_000_000,
      default: 20000,
      help: 'maximum optimiser steps; a cell that reaches it is recorded as not_converged',
    },
    {
      name: 'dtype',
      kind: 'string',
      grid: true,
      choices: TRAINING_DTYPES,
      default: 'f64',
      help:
        'precision of the training products: f64; f32 (float32 products, float64 loss); mixed = float32 until the float32 floor ' +
        '(no new lowest ||grad|| in 50 steps, a failed line search, or ||grad|| < --grad-tol), then float64 to --grad-tol; analysis after training is float64',
    },
  ];
  return specs.map((spec) => (spec.name in defaults ? { ...spec, default: (defaults as Record<string, ParamSpec['default']>)[spec.name] } : spec));
}
