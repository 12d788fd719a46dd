// Reading a run's tables for figures: a missing file or column skips that figure (MissingData),
// numbers are parsed, seeds are averaged, and grid values get short labels (1e-4, 0.05, 10).
import { closeSync, existsSync, openSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { parseCsvTable, parseField, readCsvTable, type CsvTable } from '../io/csv-read.ts';

/** A figure cannot be drawn from what the directory holds (a table or column is missing or empty). */
export class MissingData extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MissingData';
  }
}

export type Value = number | string;
export type Rec = Record<string, Value>;

/** A CSV field for a figure by io/csv-read.ts parseField's rule; a missing (empty) field is NaN, booleans keep their text. */
export function fieldValue(text: string): Value {
  const v = parseField(text);
  if (v === undefined) return NaN;
  return typeof v === 'boolean' ? text : v;
}

const tableCache = new Map<string, CsvTable | null>();
/** Committed length (bytes) of a table file, as its directory's journal proves it: only those bytes are read. */
const committedLength = new Map<string, number>();

/** Forget cached tables and committed lengths (a redraw after the files changed). */
export function clearTableCache(): void {
  tableCache.clear();
  committedLength.clear();
}

/** Read only the committed bytes of each table `name` (file `name.csv` in `dir`): rows of a commit that did not finish are not drawn. */
export function limitToCommitted(dir: string, bytes: Record<string, number>): void {
  for (const [name, n] of Object.entries(bytes)) committedLength.set(join(dir, `${name}.csv`), n);
}

function readCommitted(path: string): CsvTable {
  const limit = committedLength.get(path);
  if (limit === undefined) return readCsvTable(path);
  const buf = Buffer.alloc(limit);
  const fd = openSync(path, 'r');
  let done = 0;
  try {
    while (done < limit) {
      const n = readSync(fd, buf, done, limit - done, done);
      if (n === 0) break;
      done += n;
    }
  } finally {
    closeSync(fd);
  }
  return parseCsvTable(buf.subarray(0, done).toString('utf8'), path);
}

function readTableCached(path: string): CsvTable | null {
  if (!tableCache.has(path)) tableCache.set(path, existsSync(path) ? readCommitted(path) : null);
  return tableCache.get(path) ?? null;
}

/** Column wishes: 'name' (required) or 'name?' (optional). Names match exactly (tables use snake_case). */
function resolveColumns(columns: string[], wanted: string[], file: string): string[] {
  const present = new Set(columns);
  const out: string[] = [];
  for (const w of wanted) {
    const optional = w.endsWith('?');
    const name = optional ? w.slice(0, -1) : w;
    if (present.has(name)) out.push(name);
    else if (!optional) throw new MissingData(`${file} has no column ${name}`);
  }
  return out;
}

/** Rows of `file` (in dir) with the wanted columns, parsed; MissingData when the file is absent or empty or lacks a required column. */
export function loadRows(dir: string, file: string, wanted: string[]): Rec[] {
  const t = readTableCached(join(dir, file));
  if (!t) throw new MissingData(`${file} not found`);
  const columns = resolveColumns(t.columns, wanted, file);
  if (t.rows.length === 0) throw new MissingData(`${file} has no rows`);
  return t.rows.map((r) => {
    const rec: Rec = {};
    for (const c of columns) rec[c] = fieldValue(r[c]);
    return rec;
  });
}

export function num(v: Value | undefined): number {
  return typeof v === 'number' ? v : NaN;
}

/** A field that holds a value: neither absent (the table has no such column) nor empty (read as NaN). */
export function isFilled(v: Value | undefined): v is Value {
  return v !== undefined && !(typeof v === 'number' && Number.isNaN(v));
}

/** Whether some row fills `field`: a column that is absent and a column whose fields are all empty count the same. */
export function hasField(rows: Rec[], field: string): boolean {
  return rows.some((r) => isFilled(r[field]));
}

/** Keep rows whose listed fields are finite numbers, and whose `positive` fields (log axes) are > 0. */
export function finiteRows(rows: Rec[], fields: string[], positive: string[] = []): Rec[] {
  return rows.filter((r) =>
    [...fields, ...positive].every((f) => {
      const v = r[f];
      return typeof v === 'number' && Number.isFinite(v) && (!positive.includes(f) || v > 0);
    }),
  );
}

/** Rows whose `status` (if present) is ok-like. */
export function okRows(rows: Rec[]): Rec[] {
  return rows.filter((r) => r.status === undefined || typeof r.status === 'number' || r.status === 'ok' || r.status === 'not_converged');
}

/** Sorted distinct values of a field. */
export function distinct(rows: Rec[], field: string): Value[] {
  const set = new Set(rows.map((r) => r[field]));
  return [...set].sort((a, b) =>
    typeof a === 'number' && typeof b === 'number' ? a - b : String(a).localeCompare(String(b), 'en', { numeric: true }),
  );
}

/**
 * Mean over the rows sharing `keys` of each value field, with the standard deviation over them
 * (`<field>_sd`, 0 for one row), `<field>_lo`/`<field>_hi` = mean -/+ sd, and the count `n`.
 * Non-finite values are left out of a mean; a group with none gives NaN.
 */
export function meanBy(rows: Rec[], keys: string[], fields: string[]): Rec[] {
  const groups = new Map<string, { key: Rec; values: number[][] }>();
  for (const r of rows) {
    const id = JSON.stringify(keys.map((k) => r[k]));
    let g = groups.get(id);
    if (!g) {
      g = { key: Object.fromEntries(keys.map((k) => [k, r[k]])), values: fields.map(() => []) };
      groups.set(id, g);
    }
    fields.forEach((f, j) => {
      const v = r[f];
      if (typeof v === 'number' && Number.isFinite(v)) g.values[j].push(v);
    });
  }
  return [...groups.values()].map(({ key, values }) => {
    const out: Rec = { ...key };
    let n = 0;
    fields.forEach((f, j) => {
      const xs = values[j];
      n = Math.max(n, xs.length);
      const mean = xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN;
      const sd = xs.length > 1 ? Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (xs.length - 1)) : 0;
      out[f] = mean;
      out[`${f}_sd`] = sd;
      out[`${f}_lo`] = mean - sd;
      out[`${f}_hi`] = mean + sd;
    });
    out.n = n;
    return out;
  });
}

/** Short label of a grid value: 1e-4, 2.5e-3, 0.05, 1, 300, 1e+5 -> 1e5. */
export function formatValue(v: Value): string {
  if (typeof v !== 'number') return v;
  if (!Number.isFinite(v)) return String(v);
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 0.01 && a < 1e4) return String(Number(v.toPrecision(3)));
  const [mant, exp] = v.toExponential(2).split('e');
  return `${Number(mant)}e${Number(exp)}`;
}

/** Number of seeds behind the means (for captions). */
export function seedCount(rows: Rec[]): number {
  return rows.length && 'seed' in rows[0] ? distinct(rows, 'seed').length : 1;
}

/** Keep at most `max` points of a curve: all when few, otherwise evenly spread indices plus the ends. */
export function thin<T>(xs: T[], max: number): T[] {
  if (xs.length <= max) return xs;
  const out: T[] = [];
  const step = (xs.length - 1) / (max - 1);
  let last = -1;
  for (let i = 0; i < max; i++) {
    const k = Math.round(i * step);
    if (k !== last) out.push(xs[k]);
    last = k;
  }
  return out;
}

/** The finite numbers of some fields over rows (for axis ticks). */
export function values(rows: Rec[], ...fields: string[]): number[] {
  const out: number[] = [];
  for (const r of rows)
    for (const f of fields) {
      const v = r[f];
      if (typeof v === 'number' && Number.isFinite(v)) out.push(v);
    }
  return out;
}
