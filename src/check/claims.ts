// The list `nrc check` runs: each paper's claims on small configurations, then reference outputs.
import type { Claim } from './types.ts';
import { referenceClaim, type ReferenceRun } from './reference.ts';
import { theoryClaims } from './claims-theory.ts';
import { nrcClaims } from './claims-nrc.ts';
import { ufmClaims } from './claims-ufm.ts';

/** Small deterministic runs compared with results/reference/ (regenerate: nrc check --update-reference). */
export const referenceRuns: ReferenceRun[] = [
  { name: 'svd-demo', experiment: 'svd-demo', args: { preset: 'quick' }, tables: ['singular_values', 'summary'], rtol: 1e-9 },
];

export const claims: Claim[] = [
  ...theoryClaims,
  ...nrcClaims,
  ...ufmClaims,
  ...referenceRuns.map(referenceClaim),
];
