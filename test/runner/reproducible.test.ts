// Same command, same seed, same bytes: two runs of every experiment's quick preset give byte-identical CSVs
// (DESIGN.md, "random/"); wall-clock times live in manifest.json and journal.jsonl, never in a table.
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { catalog, loadExperiments } from '../../experiments/index.ts';
import { runCli } from '../helpers/cli.ts';

const csvFiles = (dir: string) =>
  readdirSync(dir)
    .filter((f) => f.endsWith('.csv'))
    .sort();

describe('two quick runs with one seed give the same CSV bytes', () => {
  it('no table declares a wall-clock column', async () => {
    for (const exp of await loadExperiments()) {
      const columns = Object.values({ ...exp.tables, ...exp.finalTables }).flat();
      expect(
        columns.filter((c) => /seconds|elapsed|wall|time_s$/.test(c)),
        exp.name,
      ).toEqual([]);
    }
  });

  for (const { name } of catalog) {
    it(name, { timeout: 120000 }, async () => {
      const dirs = [0, 1].map(() => mkdtempSync(join(tmpdir(), `nrc-repro-${name}-`)));
      for (const out of dirs) {
        const r = await runCli(['run', name, '--preset', 'quick', '--seed', '3', '--quiet', '--no-plot', '--threads', '1', '--out', out]);
        expect([0, 3]).toContain(r.code); // 3: a cell ended not ok, which is recorded the same way both times
      }
      const files = csvFiles(dirs[0]);
      expect(files.length).toBeGreaterThan(0);
      expect(csvFiles(dirs[1])).toEqual(files);
      for (const f of files) expect(readFileSync(join(dirs[1], f)).equals(readFileSync(join(dirs[0], f))), `${name}/${f}`).toBe(true);
    });
  }
});
