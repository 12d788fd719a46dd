// Numeric matrices as CSV: one row per line, comma-separated (tab, semicolon or whitespace also
// detected), an optional header line. The rule for the header: the first line is a header when
// none of its fields is a number (names only); a first line mixing numbers and text is refused
// (a typo such as `2.o` in a data row is not taken for a header).
import { parseDecimal } from './number.ts';
import { readFileSync, writeFileSync } from 'node:fs';
import { stringify } from 'csv-stringify/sync';
import { Matrix } from '../linalg/index.ts';
import { DataFileError } from './npy.ts';

function splitter(line: string): (s: string) => string[] {
  if (line.includes(',')) return (s) => s.split(',');
  if (line.includes('\t')) return (s) => s.split('\t');
  if (line.includes(';')) return (s) => s.split(';');
  return (s) => s.trim().split(/\s+/);
}

function unquote(s: string): string {
  const t = s.trim();
  return t.length >= 2 && t[0] === '"' && t[t.length - 1] === '"' ? t.slice(1, -1).trim() : t;
}

function isNumber(s: string): boolean {
  const t = unquote(s);
  return parseDecimal(t).ok || /^[+-]?(nan|inf|infinity)$/i.test(t);
}

function toNumber(s: string): number {
  const t = unquote(s);
  if (/^[+-]?(inf|infinity)$/i.test(t)) return t.startsWith('-') ? -Infinity : Infinity;
  if (/^[+-]?nan$/i.test(t)) return NaN;
  const n = parseDecimal(t);
  return n.ok ? n.value : NaN;
}

/** Parse numeric CSV text; returns the matrix and the header (if the first line is not numeric). */
export function parseMatrixCsv(text: string, file = '<text>'): { matrix: Matrix; header?: string[] } {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const rows: number[][] = [];
  let header: string[] | undefined;
  let split: ((s: string) => string[]) | undefined;
  let width = -1;
  for (let ln = 0; ln < lines.length; ln++) {
    const line = lines[ln];
    if (line.trim() === '' || line.trimStart().startsWith('#')) continue;
    split ??= splitter(line);
    const fields = split(line);
    if (rows.length === 0 && header === undefined && !fields.every(isNumber)) {
      const numbers = fields.filter(isNumber).length;
      if (numbers > 0) {
        const text = fields.find((f) => !isNumber(f))!.trim();
        throw new DataFileError(
          file,
          `line ${ln + 1} mixes numbers and text ('${text}' is not a number): a header line holds only names, a data line only numbers`,
        );
      }
      header = fields.map(unquote);
      width = fields.length;
      continue;
    }
    if (width < 0) width = fields.length;
    if (fields.length !== width) throw new DataFileError(file, `bad shape: line ${ln + 1} has ${fields.length} fields, expected ${width}`);
    const row = new Array<number>(width);
    for (let j = 0; j < width; j++) {
      if (!isNumber(fields[j])) throw new DataFileError(file, `line ${ln + 1}, column ${j + 1}: '${fields[j].trim()}' is not a number`);
      row[j] = toNumber(fields[j]);
    }
    rows.push(row);
  }
  if (rows.length === 0) throw new DataFileError(file, 'no numeric rows');
  return { matrix: Matrix.fromRows(rows), header };
}

export function readMatrixCsv(path: string): { matrix: Matrix; header?: string[] } {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new DataFileError(path, `cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  return parseMatrixCsv(text, path);
}

/** CSV text of a matrix (shortest round-trip number formatting), with an optional header line. */
export function formatMatrixCsv(M: Matrix, header?: string[]): string {
  if (header && header.length !== M.cols) throw new RangeError(`formatMatrixCsv: ${header.length} header names for ${M.cols} columns`);
  const records: (string | number)[][] = [];
  if (header) records.push(header);
  for (let i = 0; i < M.rows; i++) records.push(Array.from(M.row(i), (v) => String(v)));
  return stringify(records);
}

export function writeMatrixCsv(path: string, M: Matrix, header?: string[]): void {
  writeFileSync(path, formatMatrixCsv(M, header));
}
