// Build a CellContext for calling an experiment's runCell directly in tests.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cellKey, cellKeyOf, cellRng } from '../../src/runner/params.ts';
import type { CellContext, CellParams, Experiment } from '../../src/runner/types.ts';

/** Defaults of an experiment, overridden by a preset and then by `overrides` (grid params must be scalars here). */
export function cellParams<P extends CellParams>(exp: Experiment<P>, preset: string, overrides: Partial<P> = {}): P {
  const params: CellParams = {};
  for (const spec of exp.params) params[spec.name] = spec.default;
  const pre = exp.presets[preset] ?? {};
  for (const [k, v] of Object.entries(pre))
    params[k] = Array.isArray(v) && exp.params.find((s) => s.name === k)?.kind !== 'ints' ? (v as never[])[0] : (v as never);
  return { ...params, ...overrides } as P;
}

/**
 * The context the runner gives the cell (same key, same ctx.rng: src/runner/params.ts cellKey and cellRng). Without `exp`
 * the parameters' own order stands for the declaration order (cellParams builds them in that order).
 */
export function makeCellContext<P extends CellParams>(params: P, seed = 0, outDir?: string, exp?: Experiment<P>): CellContext<P> {
  const key = exp ? cellKey(exp, params, seed) : cellKeyOf(Object.entries(params), seed);
  return {
    params,
    seed,
    rng: cellRng(key),
    cellKey: key,
    outDir: outDir ?? mkdtempSync(join(tmpdir(), 'nrc-test-')),
    progress: () => {},
    log: () => {},
    signal: new AbortController().signal,
  };
}
