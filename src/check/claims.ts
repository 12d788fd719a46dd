// The list `nrc check` runs: each paper's claims on small configurations, then reference outputs.
import type { Claim } from './types.ts';
import { referenceClaim, type ReferenceRun } from './reference.ts';
import { theoryClaims } from './claims-theory.ts';
import { nrcClaims } from './claims-nrc.ts';
import { deepLinearClaims } from './claims-deep-linear.ts';
import { ufmClaims } from './claims-ufm.ts';
import { fidelityClaims } from './claims-fidelity.ts';
import { metricClaims } from './claims-metrics.ts';

/** Small deterministic runs compared with results/reference/ (regenerate: nrc check --update-reference). */
export const referenceRuns: ReferenceRun[] = [
  { name: 'svd-demo', experiment: 'svd-demo', args: { preset: 'quick' }, tables: ['singular_values', 'summary'], rtol: 1e-9 },
  // L-BFGS paths may differ in the last bits across machines: only columns fixed by the data or by the converged point
  // (deep-linear trains to ||grad|| < 1e-10, so its distances are accurate to ~1e-8) are compared, at rtol 1e-6.
  {
    name: 'deep-linear',
    experiment: 'deep-linear',
    args: { preset: 'quick' },
    tables: ['cells', 'slopes'],
    rtol: 1e-6,
    ignore: ['iters_full', 'iters_centroid', 'grad_norm_full', 'grad_norm_centroid', 'f64_iters_full', 'f64_iters_centroid'],
  },
  {
    name: 'gaussian-mixture',
    experiment: 'gaussian-mixture',
    args: { preset: 'quick' },
    tables: ['cells'],
    rtol: 1e-6,
    ignore: ['iters', 'grad_norm', 'f64_iterations'],
  },
];

export const claims: Claim[] = [
  ...theoryClaims,
  ...nrcClaims,
  ...deepLinearClaims,
  ...ufmClaims,
  ...fidelityClaims,
  ...metricClaims,
  ...referenceRuns.map(referenceClaim),
];
