// The figure fixtures are shaped like the experiments' declared tables: every fixture CSV is a table the experiment
// declares (tables or finalTables), and every column it holds is one of that table's columns.
import { describe, expect, it } from 'vitest';
import { findExperiment } from '../../experiments/index.ts';
import { FIXTURES } from './fixtures.ts';

describe('figure fixtures against the declared tables', () => {
  for (const [name, fx] of Object.entries(FIXTURES)) {
    it(name, async () => {
      const exp = (await findExperiment(name))!;
      expect(exp, name).toBeDefined();
      const declared: Record<string, readonly string[]> = { ...exp.tables, ...exp.finalTables };
      for (const [file, content] of Object.entries(fx.files())) {
        if (!file.endsWith('.csv')) continue;
        const table = file.slice(0, -4);
        expect(Object.keys(declared), `${name}: ${file}`).toContain(table);
        const header = Buffer.from(content).toString('utf8').split('\n')[0].split(',');
        expect(
          header.filter((c) => !declared[table].includes(c)),
          `${name}: ${file} columns not in the table`,
        ).toEqual([]);
      }
    });
  }
});
