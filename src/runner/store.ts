// A run's results directory (DESIGN.md, "io/": append-as-you-go, crash-safe).
//
// One writer at a time (lock.ts). Commit protocol for a group of finished cells: (1) append their
// rows to every table, each write completed, (2) append one record per cell to journal.jsonl
// (journal.ts) with the byte ranges and checksums of its rows: the cells are committed. Cells that
// finish quickly are grouped (at most FLUSH_INTERVAL_MS of computation is held in memory before it
// is written; its rows are encoded then, the whole group in one pass), so a sweep of many small cells
// costs a few writes per group, not per cell. fsync is
// grouped too (SYNC_INTERVAL_MS). manifest.json is a readable summary rewritten atomically at most
// every MANIFEST_INTERVAL_MS (longer when it is large, so rewriting stays a small share of the run)
// and at the end. Opening
// a directory again validates manifest and journal, proves the journal against the tables and cuts
// every table back to its committed length: no half row, no duplicate, no committed row lost.
// A failed write (ENOSPC, EDQUOT, EIO, ...) cuts the tables back and ends the sweep with
// EXIT.storage; the same command resumes once the fault is gone.
import {
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  readSync,
  statSync,
  truncateSync,
  writeFileSync,
  accessSync,
  constants,
  unlinkSync,
} from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { z } from 'zod';
import { EXIT, UsageError } from './errors.ts';
import { acquireLock, type DirLock } from './lock.ts';
import { removeStrayTemporaries, writeFileAtomic } from '../io/atomic.ts';
import { CellRecordSchema, JOURNAL_FILE, journalPath, readJournal, sha256, verifyJournal, writeFully, type JournalRecord } from './journal.ts';
import type { Row } from './types.ts';
import { columnName } from './params.ts';
import { writeDouble } from '../io/format-double.ts';

/** Version of the on-disk layout; a directory of another format is refused (not resumed, merged or plotted). */
export const STORE_FORMAT = 2;
export const MANIFEST_INTERVAL_MS = 2000;
/**
 * Rewriting manifest.json and fsync each take at most 1/COST_RATIO of the run: the next one waits
 * at least that many times the last one's duration (a large manifest, a slow disk). The manifest,
 * only a summary (the journal is the commit), gets a smaller share: MANIFEST_COST_RATIO.
 */
const COST_RATIO = 100;
const MANIFEST_COST_RATIO = 300;
/**
 * Group commit of fast cells: finished cells stay in memory until this much time has passed since
 * the last write (a cell that took longer is written at once). A kill -9 therefore loses at most
 * this much computation (those cells run again on resume); nothing written is ever lost.
 */
export const FLUSH_INTERVAL_MS = 200;
/** ... or until this many bytes of rows wait (rows not yet encoded count as 8 bytes a field: FLUSH_FIELDS). */
const FLUSH_BYTES = 4 << 20;
const FLUSH_FIELDS = FLUSH_BYTES / 8;
/**
 * Group commit: tables and journal are fsynced (tables first) at most this often and when the
 * store closes. A kill -9 loses nothing committed (written bytes live in the page cache); a power
 * cut may lose the cells of the last interval (longer on a slow disk, see COST_RATIO), which the
 * next open reports as a table cut short.
 */
export const SYNC_INTERVAL_MS = 1000;

export type CellRecord = z.infer<typeof CellRecordSchema>;

const nonNegInt = z.number().int().nonnegative();
export const ManifestSchema = z.object({
  store_format: z.literal(STORE_FORMAT),
  nrc_version: z.string(),
  experiment: z.string().min(1),
  command: z.array(z.string()),
  preset: z.string(),
  params: z.record(z.string(), z.array(z.unknown())),
  seeds: z.array(z.number().int()),
  config_hash: z.string().min(1),
  shard: z.object({ index: nonNegInt, count: z.number().int().positive() }).nullable(),
  git_commit: z.string().nullable(),
  node_version: z.string(),
  threads: z.number(),
  started_at: z.string(),
  finished_at: z.string().nullable(),
  status: z.enum(['running', 'complete', 'complete_with_failures', 'interrupted', 'failed']),
  cells_total: nonNegInt,
  tables: z.record(z.string(), z.array(z.string()).readonly()),
  committed_bytes: z.record(z.string(), nonNegInt),
  cells: z.array(CellRecordSchema),
});
export type Manifest = z.infer<typeof ManifestSchema>;

/** A write that failed for want of space or a device error: the sweep stops, the directory stays consistent. */
export class StoreWriteError extends Error {
  readonly exitCode = EXIT.storage;
  constructor(dir: string, what: string, e: unknown, bytes: number) {
    const code = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
    const advice =
      code === 'ENOSPC' || code === 'EDQUOT' ? `free at least ${Math.max(bytes, 4096)} bytes (more for the cells still to run)` : 'fix the device';
    super(`${dir}: cannot write ${what} (${code}); every committed cell is kept: ${advice} and run the same command again to resume`);
    this.name = 'StoreWriteError';
  }
}

/** Text of one CSV field: numbers in shortest round-trip form, booleans as true/false, missing as empty. */
export function formatField(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number') return Number.isNaN(v) ? 'NaN' : String(v);
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  return String(v);
}

/** One CSV field as RFC 4180 text: quoted, with inner quotes doubled, when it holds a comma, quote, CR or LF. */
export function csvField(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** A growable byte buffer that CSV rows are encoded into: ASCII text copied byte by byte, anything else through Buffer.write. */
export class ByteSink {
  buf: Buffer;
  length = 0;
  constructor(capacity = 1 << 16) {
    this.buf = Buffer.allocUnsafe(capacity);
  }

  /** Room for `n` more bytes. */
  reserve(n: number): void {
    if (this.length + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(2 * this.buf.length, this.length + n));
    this.buf.copy(next, 0, 0, this.length);
    this.buf = next;
  }

  text(s: string): void {
    const n = s.length;
    this.reserve(3 * n); // UTF-8 needs at most 3 bytes per UTF-16 unit
    const b = this.buf;
    if (n > 64) {
      this.length += b.write(s, this.length, 'utf8'); // a long text: one native copy is cheaper than the loop
      return;
    }
    let o = this.length;
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c > 0x7f) {
        o += b.write(s.slice(i), o, 'utf8');
        break;
      }
      b[o++] = c;
    }
    this.length = o;
  }

  /** String(v) of a number, as bytes. */
  number(v: number): void {
    this.reserve(MAX_NUMBER_BYTES);
    this.length = writeNumber(this.buf, this.length, v);
  }

  byte(c: number): void {
    this.reserve(1);
    this.buf[this.length++] = c;
  }

  bytes(src: Uint8Array): void {
    this.reserve(src.length);
    this.buf.set(src, this.length);
    this.length += src.length;
  }

  /** Bytes [start, end) written so far (a view: valid until the next write or clear). */
  view(start = 0, end = this.length): Buffer {
    return this.buf.subarray(start, end);
  }

  /** Empty it, keeping its memory unless it grew large. */
  clear(): void {
    this.length = 0;
    if (this.buf.length > 2 * FLUSH_BYTES) this.buf = Buffer.allocUnsafe(1 << 16);
  }
}

/** The longest String(x) of a double ("-1.2345678901234567e-308"), with room to spare. */
const MAX_NUMBER_BYTES = 32;
const COMMA = 0x2c;
const NEWLINE = 0x0a;
const UNSET = Symbol('unset');

/** Write String(v) at `o` (room for MAX_NUMBER_BYTES): 32-bit integers digit by digit, other numbers by writeDouble; returns the end. */
function writeNumber(b: Uint8Array, o: number, v: number): number {
  if ((v | 0) !== v) return writeDouble(b, o, v);
  let u = v; // -0 is 0 here, as String(-0) is "0"
  if (u < 0) {
    b[o++] = 0x2d;
    u = -u;
  }
  let digits = 1;
  for (let p = 10; p <= u; p *= 10) digits++;
  o += digits;
  for (let i = o - 1; u >= 10; i--) {
    const q = Math.floor(u / 10);
    b[i] = 0x30 + u - 10 * q;
    u = q;
  }
  b[o - digits] = 0x30 + u;
  return o;
}

/** True when every UTF-16 unit of `s` is ASCII (its UTF-8 bytes are its char codes). */
function isAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7f) return false;
  return true;
}

/** A field's CSV text: numbers as String(x) (never quoted), anything else through formatField and csvField. */
function fieldText(v: unknown): string {
  return typeof v === 'number' ? String(v) : csvField(formatField(v));
}

/**
 * Append rows as CSV lines (LF-terminated), fields in `columns` order; numbers are written straight as bytes, the text of other
 * values is reused while the value repeats. A column a row does not hold (`in`) takes its value from `fill` (the cell's seed,
 * status and parameters), as if the row held it; those bytes are made once per call.
 */
export function encodeCsvRows(sink: ByteSink, columns: readonly string[], rows: readonly Row[], fill?: Row): void {
  const width = columns.length;
  const last: unknown[] = new Array<unknown>(width).fill(UNSET);
  const lastText: string[] = new Array<string>(width).fill('');
  // the text of each filled column, made when first needed; ASCII texts are copied byte by byte, others through sink.text
  const fillText: (string | undefined)[] = new Array<string | undefined>(width).fill(undefined);
  const fillAscii: boolean[] = new Array<boolean>(width).fill(true);
  let rowBound = width * (MAX_NUMBER_BYTES + 1) + 1; // a row of numbers: their bytes, commas and newline
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i];
    sink.reserve(rowBound);
    let b = sink.buf;
    let o = sink.length;
    for (let j = 0; j < width; j++) {
      if (j > 0) b[o++] = COMMA;
      const c = columns[j];
      const v = r[c];
      if (typeof v === 'number') o = writeNumber(b, o, v);
      else if (v === undefined) {
        if (fill !== undefined && !(c in r)) {
          let f = fillText[j];
          if (f === undefined) {
            f = fillText[j] = fieldText(fill[c]);
            fillAscii[j] = isAscii(f);
            rowBound += f.length;
            sink.length = o;
            sink.reserve(rowBound);
            b = sink.buf;
          }
          if (fillAscii[j]) for (let k = 0; k < f.length; k++) b[o++] = f.charCodeAt(k);
          else {
            sink.length = o;
            sink.text(f);
            sink.reserve(rowBound);
            b = sink.buf;
            o = sink.length;
          }
        }
      } else {
        if (v !== last[j]) {
          last[j] = v;
          lastText[j] = fieldText(v);
        }
        sink.length = o;
        sink.text(lastText[j]); // may grow the buffer: room for the rest of the row again
        sink.reserve(rowBound);
        b = sink.buf;
        o = sink.length;
      }
    }
    b[o++] = NEWLINE;
    sink.length = o;
  }
}

/** The values a cell's rows take for the columns they leave out: its parameters (snake_case names, shapes joined with x), `seed` and `status`. */
export function cellFill(params: Record<string, unknown>, seed: number, status: string): Row {
  const fill = Object.create(null) as Row; // no inherited keys: a column named like an Object method is not filled from it
  for (const [k, v] of Object.entries(params)) fill[columnName(k)] = (Array.isArray(v) ? v.join('x') : v) as Row[string];
  fill.seed = seed;
  fill.status = status;
  return fill;
}

export function csvLines(columns: readonly string[], rows: Row[]): string {
  const sink = new ByteSink();
  encodeCsvRows(sink, columns, rows);
  return sink.view().toString('utf8');
}

export function csvHeader(columns: readonly string[]): string {
  return `${columns.map(csvField).join(',')}\n`;
}

/** Write `text` to a temporary file, completed and fsynced, and rename it over `path` (never a partial file in place). */
function writeAtomic(path: string, text: string, dir: string): void {
  try {
    writeFileAtomic(path, text, { sync: true });
  } catch (e) {
    throw new StoreWriteError(dir, path, e, Buffer.byteLength(text));
  }
}

export { removeStrayTemporaries };

/**
 * Refuse at once an output path nrc cannot make a results directory of: under /proc, /sys or /dev,
 * or one whose nearest existing ancestor (or itself) is not a directory (a FIFO, device or file).
 */
export function checkOutPath(dir: string, option = '--out'): void {
  const abs = resolve(dir);
  const refuse = (why: string) => new UsageError(`${option} ${JSON.stringify(dir)}: ${why}; give a directory on a disk`);
  if (/^\/(proc|sys|dev)(\/|$)/.test(abs)) throw refuse(`is under /${abs.split('/')[1]}, which holds no files of yours`);
  for (let p = abs; ; p = dirname(p)) {
    let st;
    try {
      st = statSync(p);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') {
        if (p === dirname(p)) return;
        continue;
      }
      throw refuse(`cannot be checked (${code})`);
    }
    if (!st.isDirectory()) throw refuse(p === abs ? 'exists and is not a directory' : `${p} is not a directory`);
    return;
  }
}

/** Make sure `dir` exists and can be written; UsageError otherwise. */
export function ensureWritableDir(dir: string, option = '--out'): void {
  checkOutPath(dir, option);
  try {
    mkdirSync(dir, { recursive: true });
    accessSync(dir, constants.W_OK);
    const probe = join(dir, `.nrc-write-test-${process.pid}`);
    writeFileSync(probe, '');
    unlinkSync(probe);
  } catch (e) {
    throw new UsageError(
      `${option} ${JSON.stringify(dir)}: cannot write there (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); give a writable directory`,
    );
  }
}

/** Read and validate manifest.json (undefined if there is none); UsageError on anything but a valid manifest of this format. */
export function readManifest(dir: string): Manifest | undefined {
  const p = join(dir, 'manifest.json');
  if (!existsSync(p)) return undefined;
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(p, 'utf8'));
  } catch (e) {
    throw new UsageError(`${p}: not a readable nrc manifest (${(e as Error).message})`);
  }
  const obj = (raw ?? {}) as Record<string, unknown>;
  if (typeof raw === 'object' && obj.store_format !== STORE_FORMAT && typeof obj.nrc_version === 'string') {
    throw new UsageError(
      `${p}: written by nrc ${obj.nrc_version} (store format ${String(obj.store_format ?? 1)}); this is nrc ${packageVersionOf()} (store format ${STORE_FORMAT}), which cannot resume, merge or plot it: use that nrc version or run again with another --out`,
    );
  }
  const parsed = ManifestSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new UsageError(`${p}: not a valid nrc manifest (${issue.path.join('.') || 'manifest'}: ${issue.message})`);
  }
  return parsed.data;
}

let versionCache: string | undefined;
function packageVersionOf(): string {
  versionCache ??= (JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', 'package.json'), 'utf8')) as { version: string }).version;
  return versionCache;
}

/** The committed state of a directory, proven against its tables (read only): manifest with cells and committed bytes from the journal. */
export function loadCommitted(dir: string): Manifest | undefined {
  return loadJournalled(dir)?.manifest;
}

/** As loadCommitted, with the journal records (each cell's byte ranges in every table). */
export function loadJournalled(dir: string): { manifest: Manifest; records: JournalRecord[] } | undefined {
  const m = readManifest(dir);
  if (!m) return undefined;
  const records = readJournal(dir, false);
  return { manifest: withJournal(dir, m, records), records };
}

function withJournal(dir: string, m: Manifest, records: JournalRecord[]): Manifest {
  for (const [name, columns] of Object.entries(m.tables)) {
    const p = join(dir, `${name}.csv`);
    if (!existsSync(p)) continue;
    const header = Buffer.from(csvHeader(columns));
    const fd = openSync(p, 'r');
    try {
      const buf = Buffer.alloc(header.length);
      const n = readSync(fd, buf, 0, header.length, 0);
      if (n !== header.length || !buf.equals(header))
        throw new UsageError(`${p}: its header differs from the columns in manifest.json (the table was edited or damaged)`);
    } finally {
      closeSync(fd);
    }
  }
  const committed = verifyJournal(dir, m.tables, (name) => Buffer.byteLength(csvHeader(m.tables[name])), records);
  return { ...m, committed_bytes: committed, cells: records.map((r) => r.cell) };
}

/** manifest.json text: the summary fields indented, then one line per cell (valid JSON, readable, linear in the cells). */
export function manifestText(m: Manifest, cellJson: (string | undefined)[] = []): string {
  const { cells, ...rest } = m;
  const head = JSON.stringify(rest, null, 2).slice(0, -2); // without its closing "\n}"
  const body = cells.map((c, i) => `    ${(cellJson[i] ??= JSON.stringify(c))}`).join(',\n');
  return `${head},\n  "cells": [${cells.length ? `\n${body}\n  ` : ''}]\n}\n`;
}

/** Finished cells not yet written: their records and journal lines, and where each table will end (their bytes are in the store's sinks). */
interface Pending {
  cells: CellRecord[];
  json: string[];
  end: Record<string, number>;
}

const EMPTY_SHA256 = sha256(Buffer.alloc(0));

export class ResultStore {
  readonly dir: string;
  /** The committed state (cells and table lengths in the tables and the journal); cells still pending are not in it. */
  readonly manifest: Manifest;
  private readonly lock: DirLock;
  private lastManifestWrite = 0;
  private manifestWait = MANIFEST_INTERVAL_MS;
  private lastSync = Date.now();
  private syncWait = SYNC_INTERVAL_MS;
  private lastFlush = 0;
  /** Length of journal.jsonl holding exactly the committed cells (what a failed write is cut back to). */
  private journalBytes = 0;
  private pending: Pending;
  /** Each table's pending bytes (also as a list, and where the current cell's bytes start in each). */
  private readonly sinks = new Map<string, ByteSink>();
  /** Cells commitCell took, not yet encoded (see encodeDeferred), and their number of fields (rows x columns). */
  private deferred: { record: Omit<CellRecord, 'rows'>; write: (table: string, sink: ByteSink) => number }[] = [];
  private deferredFields = 0;
  /** The pending cells' journal lines. */
  private readonly journalSink = new ByteSink();
  private readonly sinkList: [string, ByteSink][];
  private readonly sinkStart: number[];
  /** JSON of each table's name (a key of the journal record's ranges and sha256), in sinkList order. */
  private readonly keyJson: string[];
  private readonly unsynced = new Set<string>();
  /** JSON of manifest.cells[i] (made once, reused by every manifest rewrite). */
  private readonly cellJson: (string | undefined)[] = [];
  /** Append-mode descriptors of the tables and the journal, opened on first use. */
  private readonly appendFds = new Map<string, number>();
  /** At process exit (process.exit, an uncaught error): write the pending cells, then release the lock. */
  private readonly onExit = () => this.close();

  private constructor(dir: string, manifest: Manifest, lock: DirLock) {
    this.dir = dir;
    this.manifest = manifest;
    this.lock = lock;
    for (const name of Object.keys(manifest.tables)) this.sinks.set(name, new ByteSink());
    this.sinkList = [...this.sinks];
    this.sinkStart = this.sinkList.map(() => 0);
    this.keyJson = this.sinkList.map(([name]) => JSON.stringify(name));
    this.pending = this.emptyPending();
    process.prependListener('exit', this.onExit);
  }

  /** Start a new directory (tables get their header) or reopen one holding the same configuration. */
  static open(dir: string, fresh: Manifest): ResultStore {
    ensureWritableDir(dir);
    const lock = acquireLock(dir);
    try {
      removeStrayTemporaries(dir);
      return ResultStore.openLocked(dir, fresh, lock);
    } catch (e) {
      lock.release();
      throw e;
    }
  }

  private static openLocked(dir: string, fresh: Manifest, lock: DirLock): ResultStore {
    const old = readManifest(dir);
    if (old) {
      if (old.experiment !== fresh.experiment || old.config_hash !== fresh.config_hash) {
        throw new UsageError(
          `--out ${JSON.stringify(dir)}: holds a different configuration (${old.experiment}, preset ${old.preset}); resume only with the same experiment and parameters, or choose another --out (or --overwrite)`,
        );
      }
      const sameShard = JSON.stringify(old.shard) === JSON.stringify(fresh.shard);
      if (!sameShard) {
        throw new UsageError(
          `--shard: ${dir} holds shard ${old.shard ? `${old.shard.index}/${old.shard.count}` : 'none'}; use the same --shard or another --out`,
        );
      }
      const state = withJournal(dir, old, readJournal(dir, true));
      const store = new ResultStore(dir, { ...state, command: fresh.command, status: 'running', finished_at: null, threads: fresh.threads }, lock);
      store.journalBytes = existsSync(journalPath(dir)) ? statSync(journalPath(dir)).size : 0;
      store.truncateToCommitted();
      store.writeManifest();
      return store;
    }
    if (existsSync(journalPath(dir)))
      throw new UsageError(
        `${journalPath(dir)}: a commit journal without manifest.json; the directory is damaged (remove it or choose another --out)`,
      );
    const committed: Record<string, number> = {};
    for (const [name, columns] of Object.entries(fresh.tables)) {
      const header = csvHeader(columns);
      writeAtomic(join(dir, `${name}.csv`), header, dir);
      committed[name] = Buffer.byteLength(header);
    }
    writeAtomic(journalPath(dir), '', dir);
    const store = new ResultStore(dir, { ...fresh, committed_bytes: committed, cells: [] }, lock);
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

  private emptyPending(): Pending {
    for (const sink of this.sinks.values()) sink.clear();
    this.journalSink.clear();
    return { cells: [], json: [], end: { ...this.manifest.committed_bytes } };
  }

  private pendingBytes(): number {
    let n = 0;
    for (const sink of this.sinks.values()) n += sink.length;
    return n;
  }

  /** Cut every table back to its committed length (rows of a cell whose commit did not finish). */
  private truncateToCommitted(): void {
    for (const [name, columns] of Object.entries(this.manifest.tables)) {
      const p = this.tablePath(name);
      const committed = this.manifest.committed_bytes[name];
      if (!existsSync(p)) {
        writeAtomic(p, csvHeader(columns), this.dir);
        continue;
      }
      if (statSync(p).size > committed) truncateSync(p, committed);
    }
  }

  /**
   * A finished cell's rows for every table (columns they leave out taken from `fill`, see cellFill): committed with the next write
   * (see FLUSH_INTERVAL_MS). The rows are encoded then too, the whole group in one pass (the encoder's code and data stay in the
   * processor's caches, which a cell's own computation evicts); the caller must not change them after this call.
   */
  commitCell(record: Omit<CellRecord, 'rows'>, rows: Record<string, readonly Row[]>, fill?: Row): void {
    let fields = 0;
    for (const name of Object.keys(rows)) {
      if (!(name in this.manifest.tables)) throw new Error(`experiment ${this.manifest.experiment} produced rows for undeclared table ${name}`);
      fields += rows[name].length * this.manifest.tables[name].length;
    }
    this.deferred.push({
      record,
      write: (name, sink) => {
        const tableRows = rows[name] ?? [];
        encodeCsvRows(sink, this.manifest.tables[name], tableRows, fill);
        return tableRows.length;
      },
    });
    this.deferredFields += fields;
    if (Date.now() - this.lastFlush >= FLUSH_INTERVAL_MS || this.deferredFields + this.pendingBytes() / 8 >= FLUSH_FIELDS) this.flush();
  }

  /** As commitCell, given the exact CSV bytes (whole rows) the cell adds to each table (merge copies them from a shard). */
  commitBytes(record: Omit<CellRecord, 'rows'>, added: Record<string, { rows: number; bytes: Uint8Array }>): void {
    this.encodeDeferred(); // the cells before it first: the journal keeps the order of the calls
    this.addCell(record, (name, sink) => {
      const a = added[name];
      if (a) sink.bytes(a.bytes);
      return a?.rows ?? 0;
    });
    if (Date.now() - this.lastFlush >= FLUSH_INTERVAL_MS || this.pendingBytes() >= FLUSH_BYTES) this.flush();
  }

  /** Encode the cells commitCell holds into the pending group, in order; a cell that cannot be encoded is left out (the first such error is thrown after the others). */
  private encodeDeferred(): void {
    const cells = this.deferred;
    if (cells.length === 0) return;
    this.deferred = [];
    this.deferredFields = 0;
    let error: unknown;
    for (const c of cells) {
      try {
        this.addCell(c.record, c.write);
      } catch (e) {
        error ??= e;
      }
    }
    if (error !== undefined) throw error;
  }

  /** Append a cell's bytes to every table's sink (`write` returns its row count) and its journal line to the pending group. */
  private addCell(record: Omit<CellRecord, 'rows'>, write: (table: string, sink: ByteSink) => number): void {
    const p = this.pending;
    const counts: Record<string, number> = {};
    const sinks = this.sinkList;
    const before = this.sinkStart;
    for (let i = 0; i < sinks.length; i++) before[i] = sinks[i][1].length;
    try {
      for (const [name, sink] of sinks) counts[name] = write(name, sink);
    } catch (e) {
      for (let i = 0; i < sinks.length; i++) sinks[i][1].length = before[i]; // nothing of a cell that could not be encoded
      throw e;
    }
    const cell = { ...record, rows: counts };
    const json = JSON.stringify(cell);
    // The journal line as journalLine({ cell, ranges, sha256 }, json) writes it, made as bytes: the ranges and sha256
    // objects' keys in table order (their JSON order: sinkList follows Object.keys of the tables), offsets integers, digests hex.
    const line = this.journalSink;
    const lineStart = line.length;
    try {
      line.text('{"cell":');
      line.text(json);
      line.text(',"ranges":{');
      for (let i = 0; i < sinks.length; i++) {
        const [name, sink] = sinks[i];
        const start = p.end[name];
        if (i > 0) line.byte(COMMA);
        line.text(this.keyJson[i]);
        line.text(':[');
        line.number(start);
        line.byte(COMMA);
        line.number(start + sink.length - before[i]);
        line.byte(0x5d); // ]
      }
      line.text('},"sha256":{');
      for (let i = 0; i < sinks.length; i++) {
        const sink = sinks[i][1];
        if (i > 0) line.byte(COMMA);
        line.text(this.keyJson[i]);
        line.text(':"');
        line.text(sink.length > before[i] ? sha256(sink.view(before[i])) : EMPTY_SHA256);
        line.byte(0x22); // "
      }
      line.text('}}\n');
    } catch (e) {
      line.length = lineStart;
      for (let i = 0; i < sinks.length; i++) sinks[i][1].length = before[i];
      throw e;
    }
    for (let i = 0; i < sinks.length; i++) {
      const [name, sink] = sinks[i];
      p.end[name] += sink.length - before[i];
    }
    p.cells.push(cell);
    p.json.push(json);
  }

  /** Write the pending cells: their rows to every table, then their journal lines (the commit). A failed write cuts both back: those cells run again. */
  flush(): void {
    let encodeError: unknown;
    try {
      this.encodeDeferred();
    } catch (e) {
      encodeError = e; // thrown once the cells that could be encoded are written
    }
    this.writePending();
    if (encodeError !== undefined) throw encodeError;
  }

  private writePending(): void {
    const p = this.pending;
    if (p.cells.length === 0) return;
    try {
      for (const [name, sink] of this.sinks) if (sink.length) this.appendBytes(name, sink.view());
      const journal = this.journalSink.view();
      writeFully(this.appendFd(journalPath(this.dir)), journal);
      if (Date.now() - this.lastSync >= this.syncWait) this.sync();
      this.journalBytes += journal.length;
    } catch (e) {
      const bytes = this.pendingBytes();
      this.pending = this.emptyPending();
      this.rollBack();
      const what =
        p.cells.length === 1
          ? `the rows of cell ${p.cells[0].key}`
          : `the rows of ${p.cells.length} cells (${p.cells[0].key} to ${p.cells[p.cells.length - 1].key})`;
      throw e instanceof StoreWriteError ? e : new StoreWriteError(this.dir, what, e, bytes);
    }
    Object.assign(this.manifest.committed_bytes, p.end);
    p.cells.forEach((c, i) => {
      this.cellJson[this.manifest.cells.length] = p.json[i];
      this.manifest.cells.push(c);
    });
    this.pending = this.emptyPending();
    this.lastFlush = Date.now();
    if (this.lastFlush - this.lastManifestWrite >= this.manifestWait) this.writeManifest();
  }

  private appendFd(path: string): number {
    let fd = this.appendFds.get(path);
    if (fd === undefined) {
      fd = openSync(path, 'a');
      this.appendFds.set(path, fd);
    }
    return fd;
  }

  private appendBytes(name: string, bytes: Uint8Array): void {
    writeFully(this.appendFd(this.tablePath(name)), bytes);
    this.unsynced.add(this.tablePath(name));
  }

  /** fsync the tables written since the last sync, then the journal. */
  private sync(): void {
    const t = Date.now();
    for (const p of this.unsynced) fsyncSync(this.appendFd(p));
    this.unsynced.clear();
    fsyncSync(this.appendFd(journalPath(this.dir)));
    this.lastSync = Date.now();
    this.syncWait = Math.max(SYNC_INTERVAL_MS, COST_RATIO * (this.lastSync - t));
  }

  /** After a failed write: the journal back to its committed records (first: nothing uncommitted stays committed), then the tables. */
  private rollBack(): void {
    try {
      truncateSync(journalPath(this.dir), this.journalBytes);
      this.truncateToCommitted();
    } catch {
      /* the next open repairs the rest */
    }
  }

  /** Write a table computed after the grid (finalize) in one atomic step. */
  writeTable(name: string, columns: readonly string[], rows: Row[]): void {
    writeAtomic(this.tablePath(name), csvHeader(columns) + csvLines(columns, rows), this.dir);
  }

  finish(status: Manifest['status']): void {
    this.flush();
    try {
      this.sync();
    } catch (e) {
      throw new StoreWriteError(this.dir, 'its tables (fsync)', e, 0);
    }
    this.manifest.status = status;
    this.manifest.finished_at = new Date().toISOString();
    this.writeManifest();
  }

  /** Write what is pending and release the directory's lock (idempotent; also done at process exit). */
  close(): void {
    process.off('exit', this.onExit);
    try {
      this.flush();
    } catch {
      /* nothing committed is lost; the pending cells run again */
    }
    try {
      this.sync();
    } catch {
      /* reported by finish or the next open */
    }
    for (const fd of this.appendFds.values()) closeSync(fd);
    this.appendFds.clear();
    this.lock.release();
  }

  writeManifest(): void {
    const t = Date.now();
    writeAtomic(join(this.dir, 'manifest.json'), manifestText(this.manifest, this.cellJson), this.dir);
    this.lastManifestWrite = Date.now();
    this.manifestWait = Math.max(MANIFEST_INTERVAL_MS, MANIFEST_COST_RATIO * (this.lastManifestWrite - t));
  }
}

/** Names nrc writes in a results directory (what --overwrite may remove). */
export function nrcEntries(m: Manifest, extraTables: readonly string[]): Set<string> {
  return new Set([
    'manifest.json',
    JOURNAL_FILE,
    '.nrc.lock',
    'figures',
    'index.html',
    'checkpoints',
    ...[...Object.keys(m.tables), ...extraTables].map((t) => `${t}.csv`),
  ]);
}
