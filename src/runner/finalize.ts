// After the grid: tables computed across cells (an experiment's `finalize`), then the figures.
import { existsSync, readFileSync } from 'node:fs';
import { parseCsv, parseField } from '../io/csv-read.ts';
import type { ResultStore } from './store.ts';
import type { FigureDef } from '../plot/types.ts';
import type { Experiment, ParamValue, Row } from './types.ts';

/** Read a table written by the store (header + rows) back into typed rows. */
export function readTable(path: string): Row[] {
  if (!existsSync(path)) return [];
  const records = parseCsv(readFileSync(path, 'utf8'));
  if (records.length === 0) return [];
  const [header, ...body] = records;
  return body.map((r) => Object.fromEntries(header.map((c, i) => [c, parseField(r[i] ?? '')])));
}

export async function finalizeRun(exp: Experiment, store: ResultStore, opts: { plot: boolean; quiet: boolean }): Promise<void> {
  if (exp.finalize && exp.finalTables) {
    const tables: Record<string, Row[]> = {};
    for (const name of Object.keys(exp.tables)) tables[name] = readTable(store.tablePath(name));
    const grid = store.manifest.params as Record<string, ParamValue[]>;
    const extra = exp.finalize(tables, { grid });
    for (const [name, columns] of Object.entries(exp.finalTables)) store.writeTable(name, columns, extra[name] ?? []);
  }
  if (opts.plot) await drawFiguresSafely(store.dir, opts.quiet, exp.figures);
}

/** The experiment's figures of a run; they never fail it: a drawing error is reported and the CSVs stand. */
export async function drawFiguresSafely(dir: string, quiet: boolean, figures: readonly FigureDef[] | undefined): Promise<void> {
  try {
    const { drawFigures } = await import('../plot/index.ts');
    const files = await drawFigures(dir, figures, { format: 'png' });
    if (!quiet && files.length) process.stderr.write(`figures: ${files.length} files in ${dir}/figures (open ${dir}/index.html)\n`);
  } catch (e) {
    process.stderr.write(`warning: figures were not drawn: ${(e as Error).message}\n`);
  }
}
