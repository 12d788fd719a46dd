// The catalog of experiments/index.ts (what `nrc list` shows without loading any experiment) against the experiments.
import { describe, expect, it } from 'vitest';
import { catalog, findExperiment, loadExperiments } from '../../experiments/index.ts';

describe('experiment catalog', () => {
  it("names and summaries are the experiments' own, each name once", async () => {
    const loaded = await loadExperiments();
    expect(loaded.map((e) => e.name)).toEqual(catalog.map((e) => e.name));
    expect(loaded.map((e) => e.summary)).toEqual(catalog.map((e) => e.summary));
    expect(new Set(catalog.map((e) => e.name)).size).toBe(catalog.length);
  });

  it('findExperiment loads one by name and answers undefined for an unknown name', async () => {
    expect((await findExperiment('svd-demo'))?.name).toBe('svd-demo');
    expect(await findExperiment('no-such-experiment')).toBeUndefined();
  });
});
