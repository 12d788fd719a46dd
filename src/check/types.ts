// One row of `nrc check`: a claim of a paper measured on one small configuration.
import type { Experiment } from '../runner/types.ts';

export interface CheckRow {
  /** Id of the claim that produced the row (what `nrc check --only` matches); set by the runner. */
  id?: string;
  /** Short name of the claim, e.g. "NRC Thm 5.3". */
  claim: string;
  /** The configuration it was measured on, e.g. "lambda=1e-3 sigma=0.1 seed=0". */
  config: string;
  measured: number;
  /** The bound or expected value. */
  expected: number;
  /** How measured relates to expected: `<=` a bound (with slack `tolerance`), `~=` equal within relative tolerance (absolute when expected is 0), `>=`. */
  relation: '<=' | '~=' | '>=';
  tolerance: number;
  pass: boolean;
}

/**
 * What a claim may use beyond src/: the experiments, looked up by name. The CLI (src/commands/check.ts) passes the
 * registry of experiments/, so src/check never imports experiments/ (layers point one way).
 */
export interface CheckEnv {
  /** The experiment named `name`; throws if there is none. */
  experiment(name: string): Promise<Experiment>;
}

export interface Claim {
  id: string;
  /** Runs only with --full. */
  full?: boolean;
  run(env: CheckEnv): CheckRow[] | Promise<CheckRow[]>;
}

/** Build a row, deciding pass/fail from the relation. */
export function checkRow(
  claim: string,
  config: string,
  measured: number,
  relation: CheckRow['relation'],
  expected: number,
  tolerance: number,
): CheckRow {
  let pass: boolean;
  if (!Number.isFinite(measured) || Number.isNaN(expected)) pass = false;
  else if (relation === '<=') pass = measured <= expected + tolerance * Math.max(1, Math.abs(expected));
  else if (relation === '>=') pass = measured >= expected - tolerance * Math.max(1, Math.abs(expected));
  else pass = expected === 0 ? Math.abs(measured) <= tolerance : Math.abs(measured - expected) <= tolerance * Math.abs(expected);
  return { claim, config, measured, expected, relation, tolerance, pass };
}
