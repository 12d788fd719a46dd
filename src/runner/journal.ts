// The commit journal of a results directory: `journal.jsonl`, one JSON line per committed cell,
// appended (with those of the cells committed in the same group) after their rows were appended
// to the tables. A record
// holds the cell, the byte range it added to each table and a SHA-256 of those bytes, so
// committing costs O(that cell's rows) and a reader can prove the tables hold exactly the
// committed cells. manifest.json is only a summary, rewritten now and then.
import * as crypto from 'node:crypto';
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, readSync, statSync, truncateSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { UsageError } from './errors.ts';

export const JOURNAL_FILE = 'journal.jsonl';

const nonNegInt = z.number().int().nonnegative();

export const CellRecordSchema = z.object({
  index: nonNegInt,
  key: z.string().min(1),
  seed: z.number().int(),
  params: z.record(z.string(), z.unknown()),
  status: z.enum(['ok', 'not_converged', 'diverged', 'failed']),
  message: z.string().optional(),
  seconds: z.number().nonnegative(),
  started_at: z.string(),
  finished_at: z.string(),
  rows: z.record(z.string(), nonNegInt),
});

export const JournalRecordSchema = z.object({
  cell: CellRecordSchema,
  /** [start, end) byte offsets this cell added to each table. */
  ranges: z.record(z.string(), z.tuple([nonNegInt, nonNegInt])),
  /** SHA-256 (hex) of each table's added bytes. */
  sha256: z.record(z.string(), z.string().regex(/^[0-9a-f]{64}$/)),
});
export type JournalRecord = z.infer<typeof JournalRecordSchema>;

/** One-shot crypto.hash where Node has it (20.12+), else a Hash object. */
const oneShot = (crypto as { hash?: (algorithm: string, data: Uint8Array | string, encoding: 'hex') => string }).hash;

export function sha256(bytes: Uint8Array | string): string {
  return oneShot ? oneShot('sha256', bytes, 'hex') : crypto.createHash('sha256').update(bytes).digest('hex');
}

export function journalPath(dir: string): string {
  return join(dir, JOURNAL_FILE);
}

/** The journal line of one record (JSON.stringify of it; `cellJson` when the cell's JSON is at hand); the cell is committed (for any later reader, and across a kill) once the line is written whole. */
export function journalLine(record: JournalRecord, cellJson = JSON.stringify(record.cell)): string {
  return `{"cell":${cellJson},"ranges":${JSON.stringify(record.ranges)},"sha256":${JSON.stringify(record.sha256)}}\n`;
}

/** fsync a file by path (data on the device, not only in the page cache). */
export function syncFile(path: string): void {
  const fd = openSync(path, 'r+');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

export { writeFully } from '../io/atomic.ts';

/**
 * Read and validate the journal. A last line without its newline is a commit cut short by a kill:
 * it is not committed (and, with `repair`, cut off). Any other bad line is damage: UsageError.
 */
export function readJournal(dir: string, repair: boolean): JournalRecord[] {
  const path = journalPath(dir);
  if (!existsSync(path)) return [];
  const text = readFileSync(path, 'utf8');
  const lastNewline = text.lastIndexOf('\n');
  if (lastNewline + 1 < text.length && repair) truncateSync(path, Buffer.byteLength(text.slice(0, lastNewline + 1)));
  const lines = text
    .slice(0, lastNewline + 1)
    .split('\n')
    .slice(0, -1);
  const seen = new Set<string>();
  return lines.map((line, i) => {
    let parsed;
    try {
      parsed = JournalRecordSchema.safeParse(JSON.parse(line));
    } catch {
      throw new UsageError(`${path}: line ${i + 1} is not JSON; the directory is damaged (restore it, or run again with another --out)`);
    }
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new UsageError(
        `${path}: line ${i + 1} is not a valid commit record (${issue.path.join('.') || 'record'}: ${issue.message}); the directory is damaged`,
      );
    }
    if (seen.has(parsed.data.cell.key))
      throw new UsageError(`${path}: cell ${parsed.data.cell.key} is committed twice (line ${i + 1}); the directory is damaged`);
    seen.add(parsed.data.cell.key);
    return parsed.data;
  });
}

/** Reads a file front to back in large chunks: each range asked for starts where the previous one ended (memory O(chunk), one read per chunk). */
class SequentialReader {
  private buf = Buffer.alloc(0);
  private bufStart = 0;
  constructor(
    private readonly fd: number,
    private readonly chunk = 4 << 20,
  ) {}

  /** Bytes [start, end) of the file (fewer when the file ends first). */
  read(start: number, end: number): Buffer {
    const bufEnd = this.bufStart + this.buf.length;
    if (start >= this.bufStart && end <= bufEnd) return this.buf.subarray(start - this.bufStart, end - this.bufStart);
    const size = Math.max(this.chunk, end - start);
    const next = Buffer.allocUnsafe(size);
    let done = 0;
    while (done < size) {
      const n = readSync(this.fd, next, done, size - done, start + done);
      if (n === 0) break;
      done += n;
    }
    this.buf = next.subarray(0, done);
    this.bufStart = start;
    return this.buf.subarray(0, Math.min(done, end - start));
  }
}

/**
 * Check the journal against the tables: each table's ranges follow one another from its header,
 * every range lies inside the file and its bytes have the recorded checksum. Returns each table's
 * committed length. Any difference: UsageError naming the file, the cell and what differs.
 */
export function verifyJournal(
  dir: string,
  tables: Record<string, readonly string[]>,
  headerBytes: (name: string) => number,
  records: JournalRecord[],
): Record<string, number> {
  const committed: Record<string, number> = {};
  for (const name of Object.keys(tables)) {
    const path = join(dir, `${name}.csv`);
    let end = headerBytes(name);
    if (!existsSync(path)) {
      if (records.some((r) => (r.ranges[name]?.[1] ?? 0) > (r.ranges[name]?.[0] ?? 0)))
        throw new UsageError(`${path}: missing, but ${JOURNAL_FILE} records committed rows in it; the directory is damaged`);
      committed[name] = end;
      continue;
    }
    const size = statSync(path).size;
    const fd = openSync(path, 'r');
    const reader = new SequentialReader(fd);
    try {
      for (const r of records) {
        const range = r.ranges[name];
        const digest = r.sha256[name];
        if (!range || !digest)
          throw new UsageError(`${journalPath(dir)}: cell ${r.cell.key} has no range for table ${name}; the directory is damaged`);
        const [start, stop] = range;
        if (start !== end || stop < start)
          throw new UsageError(
            `${path}: cell ${r.cell.key} is recorded at bytes ${start}-${stop}, but the previous commit ends at byte ${end} (records removed, reordered or edited); the directory is damaged`,
          );
        if (stop > size)
          throw new UsageError(
            `${path}: cut short: cell ${r.cell.key} is committed up to byte ${stop}, the file has ${size} bytes; the directory is damaged`,
          );
        if (sha256(reader.read(start, stop)) !== digest)
          throw new UsageError(
            `${path}: bytes ${start}-${stop} of cell ${r.cell.key} differ from what was committed (checksum mismatch: the table was edited or damaged)`,
          );
        end = stop;
      }
    } finally {
      closeSync(fd);
    }
    committed[name] = end;
  }
  return committed;
}
