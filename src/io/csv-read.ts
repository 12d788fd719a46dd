// A strict RFC 4180 CSV reader: the counterpart of the tables the runner writes
// (header line, comma separated, fields quoted with "..." when they hold a comma, a quote or a
// line break, quotes doubled inside a quoted field). CRLF and LF line ends are both accepted.
import { parseDecimal } from './number.ts';
import { readFileSync } from 'node:fs';

/** A malformed CSV text: the message names the line and column (1-based) of the problem. */
export class CsvParseError extends Error {
  constructor(
    message: string,
    readonly line: number,
    readonly column: number,
  ) {
    super(message);
    this.name = 'CsvParseError';
  }
}

/**
 * Parse CSV text into records of string fields (the header is the first record).
 * - A final line break does not start an empty record; an empty text gives no records.
 * - An empty line in the middle is a record with one empty field (RFC 4180 has no comments).
 * - Quoted fields may hold commas, doubled quotes and line breaks.
 * - A quote inside an unquoted field, text after a closing quote, or a quote left open are errors.
 * - A leading UTF-8 byte-order mark is dropped.
 */
export function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  const n = text.length;
  if (i >= n) return records;
  let line = 1;
  let lineStart = i;
  let record: string[] = [];
  const where = (pos: number): [number, number] => [line, pos - lineStart + 1];

  for (;;) {
    // At the start of a field.
    let field: string;
    if (text[i] === '"') {
      const [qLine, qCol] = where(i);
      i++;
      let parts = '';
      let start = i;
      for (;;) {
        const q = text.indexOf('"', i);
        if (q < 0) throw new CsvParseError(`CSV: quoted field opened at line ${qLine}, column ${qCol} is never closed`, qLine, qCol);
        // Count line breaks inside the quoted text so later positions stay right.
        for (let p = i; p < q; p++)
          if (text[p] === '\n') {
            line++;
            lineStart = p + 1;
          }
        if (text[q + 1] === '"') {
          parts += text.slice(start, q + 1);
          i = q + 2;
          start = i;
          continue;
        }
        parts += text.slice(start, q);
        i = q + 1;
        break;
      }
      field = parts;
      if (i < n && text[i] !== ',' && text[i] !== '\n' && !(text[i] === '\r' && text[i + 1] === '\n')) {
        const [l, c] = where(i);
        throw new CsvParseError(`CSV: unexpected ${JSON.stringify(text[i])} after a closing quote at line ${l}, column ${c}`, l, c);
      }
    } else {
      let j = i;
      while (j < n) {
        const ch = text[j];
        if (ch === ',' || ch === '\n' || (ch === '\r' && text[j + 1] === '\n')) break;
        if (ch === '"') {
          const [l, c] = where(j);
          throw new CsvParseError(`CSV: quote inside an unquoted field at line ${l}, column ${c}`, l, c);
        }
        j++;
      }
      field = text.slice(i, j);
      i = j;
    }
    record.push(field);
    if (i >= n) {
      records.push(record);
      return records;
    }
    if (text[i] === ',') {
      i++;
      continue; // a comma at the very end gives a last empty field (handled by the i >= n branch below)
    }
    // Line break.
    i += text[i] === '\r' ? 2 : 1;
    records.push(record);
    record = [];
    line++;
    lineStart = i;
    if (i >= n) return records;
  }
}

/** A table read back: header and rows keyed by column name (all values strings). */
export interface CsvTable {
  columns: string[];
  rows: Record<string, string>[];
}

/**
 * Parse CSV text with a header line into rows keyed by column. Every record must have as many
 * fields as the header (a ragged row is an error naming its line).
 */
export function parseCsvTable(text: string, file = '<csv>'): CsvTable {
  const records = parseCsv(text);
  if (records.length === 0) return { columns: [], rows: [] };
  const [columns, ...body] = records;
  const rows = body.map((r, k) => {
    if (r.length !== columns.length) {
      throw new CsvParseError(`${file}: record ${k + 2} has ${r.length} fields, the header has ${columns.length}`, k + 2, 1);
    }
    const row: Record<string, string> = {};
    columns.forEach((c, j) => {
      row[c] = r[j];
    });
    return row;
  });
  return { columns, rows };
}

/** Read and parse a CSV file with a header line. */
export function readCsvTable(path: string): CsvTable {
  return parseCsvTable(readFileSync(path, 'utf8'), path);
}

/**
 * One CSV field back to a value, the inverse of the store's formatField (runner/store.ts) and the one rule for every
 * reader of nrc's tables: an empty field is a missing value (undefined); true/false are booleans; NaN, Infinity and
 * -Infinity (also inf, -inf) spelled out are numbers; decimals in the io/number.ts grammar are numbers; anything
 * else (`0x3`, `1e400`, a status) stays text.
 */
export function parseField(text: string): string | number | boolean | undefined {
  if (text === '') return undefined;
  if (text === 'true') return true;
  if (text === 'false') return false;
  if (text === 'NaN') return NaN;
  if (text === 'Infinity' || text === 'inf') return Infinity;
  if (text === '-Infinity' || text === '-inf') return -Infinity;
  const n = parseDecimal(text);
  return n.ok ? n.value : text;
}

/** A CSV field as a number (parseField's rule): missing, boolean and text fields give NaN. */
export function toNumber(field: string | undefined): number {
  const v = parseField(field ?? '');
  return typeof v === 'number' ? v : NaN;
}
