// A run's results directory: CSV tables appended cell by cell and a manifest.json that commits
// each finished cell atomically (DESIGN.md, "io/": append-as-you-go, crash-safe).
//
// Commit protocol for one cell: (1) append the cell's rows to every table with one write each and
// fsync, (2) write the manifest (cell entry + each table's new byte length) to a temporary file and
// rename it over manifest.json. A kill between (1) and (2) leaves whole rows past the committed
// length; opening the directory again truncates every table to its committed length, so no row is
// ever half-written or duplicated, and no committed row is lost.
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, statSync, truncateSync, writeFileSync, writeSync, accessSync, constants, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'csv-stringify/sync';
import { UsageError } from '../commands/errors.ts';
import type { CellStatus, Row } from './types.ts';

export interface CellRecord {
  index: number;
  key: string;
  seed: number;
  params: Record<string, unknown>;
  status: CellStatus;
  message?: string;
  seconds: number;
  started_at: string;
  finished_at: string;
  /** Rows this cell added to each table, in commit order. */
  rows: Record<string, number>;
}

export interface Manifest {
  nrc_version: string;
  experiment: string;
  command: string[];
  preset: string;
  /** Resolved parameters: each a list of values (grid axes have several). */
  params: Record<string, unknown[]>;
  seeds: number[];
  /** Hash of (experiment, params, seeds): the configuration a directory holds. */
  config_hash: string;
  shard: { index: number; count: number } | null;
  git_commit: string | null;
  node_version: string;
  threads: number;
  started_at: string;
  finished_at: string | null;
  status: 'running' | 'complete' | 'complete_with_failures' | 'interrupted' | 'failed';
  cells_total: number;
  tables: Record<string, readonly string[]>;
  /** Committed byte length of each table's CSV. */
  committed_bytes: Record<string, number>;
  cells: CellRecord[];
}

/** Text of one CSV field: numbers in shortest round-trip form, booleans as true/false, missing as empty. */
export function formatField(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number') return Number.isNaN(v) ? 'NaN' : String(v);
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  return String(v);
}

export function csvLines(columns: readonly string[], rows: Row[]): string {
  if (rows.length === 0) return '';
  return stringify(rows.map((r) => columns.map((c) => formatField(r[c]))), { eof: true, record_delimiter: 'unix' });
}

export function csvHeader(columns: readonly string[]): string {
  return stringify([columns as string[]], { eof: true, record_delimiter: 'unix' });
}

function writeAtomic(path: string, text: string): void {
  const tmp = `${path}.tmp-${process.pid}`;
  const fd = openSync(tmp, 'w');
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}

/** Make sure `dir` exists and can be written; UsageError otherwise. */
export function ensureWritableDir(dir: string, option = '--out'): void {
  try {
    mkdirSync(dir, { recursive: true });
    accessSync(dir, constants.W_OK);
    const probe = join(dir, `.nrc-write-test-${process.pid}`);
    writeFileSync(probe, '');
    unlinkSync(probe);
  } catch (e) {
    throw new UsageError(`${option} ${JSON.stringify(dir)}: cannot write there (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); give a writable directory`);
  }
}

export function readManifest(dir: string): Manifest | undefined {
  const p = join(dir, 'manifest.json');
  if (!existsSync(p)) return undefined;
  try {
    return JSON.parse(readFileSync(p, 'utf8')) as Manifest;
  } catch (e) {
    throw new UsageError(`${p}: not a readable nrc manifest (${(e as Error).message})`);
  }
}

export class ResultStore {
  readonly dir: string;
  readonly manifest: Manifest;

  private constructor(dir: string, manifest: Manifest) {
    this.dir = dir;
    this.manifest = manifest;
  }

  /** Start a new directory (tables get their header) or reopen one holding the same configuration. */
  static open(dir: string, fresh: Manifest): ResultStore {
    ensureWritableDir(dir);
    const old = readManifest(dir);
    if (old) {
      if (old.experiment !== fresh.experiment || old.config_hash !== fresh.config_hash) {
        throw new UsageError(`--out ${JSON.stringify(dir)}: holds a different configuration (${old.experiment}, preset ${old.preset}); resume only with the same experiment and parameters, or choose another --out (or --overwrite)`);
      }
      const sameShard = JSON.stringify(old.shard) === JSON.stringify(fresh.shard);
      if (!sameShard) {
        throw new UsageError(`--shard: ${dir} holds shard ${old.shard ? `${old.shard.index}/${old.shard.count}` : 'none'}; use the same --shard or another --out`);
      }
      const store = new ResultStore(dir, { ...old, command: fresh.command, status: 'running', finished_at: null, threads: fresh.threads });
      store.truncateToCommitted();
      store.writeManifest();
      return store;
    }
    const store = new ResultStore(dir, fresh);
    for (const [name, columns] of Object.entries(fresh.tables)) {
      const header = csvHeader(columns);
      writeAtomic(store.tablePath(name), header);
      store.manifest.committed_bytes[name] = Buffer.byteLength(header);
    }
    store.writeManifest();
    return store;
  }

  tablePath(name: string): string {
    return join(this.dir, `${name}.csv`);
  }

  /** Keys of cells already committed. */
  doneKeys(): Set<string> {
    return new Set(this.manifest.cells.map((c) => c.key));
  }

  private truncateToCommitted(): void {
    for (const [name, columns] of Object.entries(this.manifest.tables)) {
      const p = this.tablePath(name);
      const committed = this.manifest.committed_bytes[name] ?? 0;
      if (!existsSync(p)) {
        if (committed > 0 && this.manifest.cells.length > 0) throw new UsageError(`${p}: missing, but the manifest says it holds committed rows; the directory is damaged`);
        writeAtomic(p, csvHeader(columns));
        this.manifest.committed_bytes[name] = Buffer.byteLength(csvHeader(columns));
        continue;
      }
      const size = statSync(p).size;
      if (size < committed) throw new UsageError(`${p}: shorter than its committed length (${size} < ${committed} bytes); the directory is damaged`);
      if (size > committed) truncateSync(p, committed);
    }
  }

  /** Append a finished cell's rows to every table and commit it in the manifest. */
  commitCell(record: Omit<CellRecord, 'rows'>, rows: Record<string, Row[]>): void {
    const counts: Record<string, number> = {};
    for (const [name, columns] of Object.entries(this.manifest.tables)) {
      const tableRows = rows[name] ?? [];
      counts[name] = tableRows.length;
      if (tableRows.length === 0) continue;
      const text = csvLines(columns, tableRows);
      const fd = openSync(this.tablePath(name), 'a');
      try {
        writeSync(fd, text);
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      this.manifest.committed_bytes[name] += Buffer.byteLength(text);
    }
    for (const name of Object.keys(rows)) {
      if (!(name in this.manifest.tables)) throw new Error(`experiment ${this.manifest.experiment} produced rows for undeclared table ${name}`);
    }
    this.manifest.cells.push({ ...record, rows: counts });
    this.writeManifest();
  }

  /** Write a table computed after the grid (finalize) in one atomic step. */
  writeTable(name: string, columns: readonly string[], rows: Row[]): void {
    writeAtomic(this.tablePath(name), csvHeader(columns) + csvLines(columns, rows));
  }

  finish(status: Manifest['status']): void {
    this.manifest.status = status;
    this.manifest.finished_at = new Date().toISOString();
    this.writeManifest();
  }

  writeManifest(): void {
    writeAtomic(join(this.dir, 'manifest.json'), `${JSON.stringify(this.manifest, null, 2)}\n`);
  }
}
