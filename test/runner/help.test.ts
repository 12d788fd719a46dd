// `nrc run NAME --help` shows what each preset runs for an option, not a built-in default that no preset uses.
import { describe, expect, it } from 'vitest';
import { findExperiment } from '../../experiments/index.ts';
import { presetValues } from '../../src/commands/program.ts';

describe("help shows the presets' values", () => {
  it('a grid axis that the presets set: the default preset first, then the others', async () => {
    const exp = (await findExperiment('gaussian-mixture'))!;
    const lambda = exp.params.find((s) => s.name === 'lambda')!;
    expect(presetValues(lambda, exp)).toBe(
      `default ${exp.presets.default.lambda!.toString()}; quick ${exp.presets.quick.lambda!.toString()}; paper ${exp.presets.paper.lambda!.toString()}`,
    );
    expect(presetValues(lambda, exp)).not.toContain(`default ${String(lambda.default)};`);
  });

  it('an option no preset sets: one value', async () => {
    const exp = (await findExperiment('gaussian-mixture'))!;
    const saveData = exp.params.find((s) => s.name === 'saveData')!;
    expect(presetValues(saveData, exp)).toBe('default false');
  });
});
