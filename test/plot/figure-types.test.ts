// Figures are typed against their experiment's declared tables: asking for a table or a column that the experiment
// does not declare is a type error. tsc runs in `npm test`, so each @ts-expect-error line below fails it when the
// typing stops catching the mistake; at run time the same requests are refused with MissingData.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tables as mnistTables } from '../../experiments/mnist-collapse.ts';
import { tables as svdTables } from '../../experiments/svd-demo.ts';
import { clearTableCache, MissingData } from '../../src/plot/data.ts';
import { optional, trainingFigure } from '../../src/plot/kit.ts';
import { figureContext } from '../../src/plot/registry.ts';
import type { FigureContext, TableWith } from '../../src/plot/types.ts';

const dir = mkdtempSync(join(tmpdir(), 'nrc-figure-types-'));
writeFileSync(join(dir, 'singular_values.csv'), 'm,n,seed,index,value\n3,2,0,1,1.5\n3,2,0,2,0.25\n');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function context(): FigureContext<typeof svdTables> {
  clearTableCache();
  return figureContext(dir, { experiment: 'svd-demo' }, () => {});
}

describe('figure column requests are checked against the declared tables', () => {
  it('reads declared columns, optional ones when present', () => {
    const { table } = context();
    expect(table('singular_values', ['index', 'value', 'seed?'])).toEqual([
      { index: 1, value: 1.5, seed: 0 },
      { index: 2, value: 0.25, seed: 0 },
    ]);
    expect(table('singular_values', ['index', ...optional(['m', 'n'] as const)])[1]).toEqual({ index: 2, m: 3, n: 2 });
    expect(table('summary', ['s_max'], { ifPresent: true })).toEqual([]);
    expect(() => table('summary', ['s_max'])).toThrow(MissingData);
  });

  it('a column or table that is not declared does not type-check (and is refused at run time)', () => {
    const { table } = context();
    // @ts-expect-error 'lambda' is not a column of singular_values
    expect(() => table('singular_values', ['index', 'lambda'])).toThrow(/singular_values.csv has no column lambda/);
    // @ts-expect-error summary declares no column 'index'
    expect(() => table('summary', ['index'])).toThrow(MissingData);
    // @ts-expect-error there is no table 'singular_value'
    expect(() => table('singular_value', ['index'])).toThrow(/singular_value.csv not found/);
  });

  it('a shared figure takes only a table that has the columns it draws', () => {
    const train: TableWith<typeof mnistTables, 'epoch' | 'loss'> = 'train';
    expect(trainingFigure<typeof mnistTables>(train, 'training', 'Training').name).toBe('training');
    // @ts-expect-error tails has no loss column
    expect(trainingFigure<typeof mnistTables>('tails', 'training', 'Training').name).toBe('training');
  });
});
