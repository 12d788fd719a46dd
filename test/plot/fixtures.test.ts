// The figure fixtures are the experiments' declared tables: every fixture CSV is a table the experiment declares
// (tables or finalTables), its header is exactly that table's column list, and every row has one field per column.
// (That a fixture row names only declared columns is checked by the compiler: see FixtureRow in fixtures.ts.)
import { describe, expect, it } from 'vitest';
import { findExperiment } from '../../experiments/index.ts';
import { tables as ufmTables } from '../../experiments/ufm.ts';
import { FIXTURES, tableCsv } from './fixtures.ts';

describe('figure fixtures against the declared tables', () => {
  for (const [name, fx] of Object.entries(FIXTURES)) {
    it(name, async () => {
      const exp = (await findExperiment(name))!;
      expect(exp, name).toBeDefined();
      const declared: Record<string, readonly string[]> = { ...exp.tables, ...exp.finalTables };
      const csvs = Object.entries(fx.files()).filter(([file]) => file.endsWith('.csv'));
      expect(csvs.length, `${name}: fixture CSVs`).toBeGreaterThan(0);
      for (const [file, content] of csvs) {
        const table = file.slice(0, -4);
        expect(Object.keys(declared), `${name}: ${file}`).toContain(table);
        const [header, ...lines] = Buffer.from(content).toString('utf8').split('\n');
        expect(header.split(','), `${name}: ${file} header`).toEqual([...declared[table]]);
        expect(lines.pop(), `${name}: ${file} ends with a newline`).toBe('');
        expect(lines.length, `${name}: ${file} rows`).toBeGreaterThan(0);
        for (const line of lines) expect(line.split(',').length, `${name}: ${file} fields per row`).toBe(declared[table].length);
      }
    });
  }

  it('writes rows by column name, leaving unfilled columns empty', () => {
    const csv = tableCsv(ufmTables.ufm, [{ rho: 0.5, lambda_h: 0.1, status: 'ok' }]);
    const [header, row] = csv.split('\n');
    const fields = Object.fromEntries(header.split(',').map((c, i) => [c, row.split(',')[i]]));
    expect(fields.lambda_h).toBe('0.1');
    expect(fields.rho).toBe('0.5');
    expect(fields.status).toBe('ok');
    expect(fields.lambda_w).toBe('');
    // @ts-expect-error a column the table does not declare is a type error
    tableCsv(ufmTables.ufm, [{ not_a_column: 1 }]);
  });
});
