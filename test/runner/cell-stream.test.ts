// A cell run directly in a test draws the same numbers as the same cell run by the CLI: one key and one stream derivation.
import { describe, expect, it } from 'vitest';
import { loadExperiments } from '../../experiments/index.ts';
import { cellKey, cellRng, expandGrid, resolveParams } from '../../src/runner/params.ts';
import { cellParams, makeCellContext } from '../helpers/context.ts';

const experiments = await loadExperiments();

describe("test contexts use the runner's cell stream", () => {
  for (const exp of experiments) {
    it(exp.name, () => {
      const p = cellParams(exp, 'quick');
      const ctx = makeCellContext(p, 3);
      expect(ctx.cellKey).toBe(cellKey(exp, p, 3));
      expect(makeCellContext(p, 3, undefined, exp).cellKey).toBe(ctx.cellKey);
      expect(Array.from(ctx.rng.normals(4))).toEqual(Array.from(cellRng(cellKey(exp, p, 3)).normals(4)));
    });
  }

  it("the runner keys the quick grid's first cell as the test context does", () => {
    const exp = experiments.find((e) => e.name === 'svd-demo')!;
    const resolved = resolveParams(exp, 'quick', {});
    const [first] = expandGrid(exp, resolved, [0]);
    expect(makeCellContext(first.params, 0).cellKey).toBe(first.key);
  });
});
