// Compare the tables of two results directories: every CSV of one is in the other with the same
// bytes, apart from wall-clock `seconds` columns (compared by position: same columns, same rows,
// every other field identical). Prints one line per table; exit 0 when all agree, 1 otherwise.
//   node src/bin/run-ts.js test/cluster/compare.ts EXPECTED_DIR ACTUAL_DIR
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseCsv } from '../../src/io/csv-read.ts';

/** Columns that hold wall-clock times (differ between any two runs). */
const TIMING_COLUMNS = new Set(['seconds']);

export function compareTable(expected: string, actual: string): string | undefined {
  if (expected === actual) return undefined;
  const a = parseCsv(expected);
  const b = parseCsv(actual);
  if (a.length !== b.length) return `${a.length - 1} rows expected, ${b.length - 1} found`;
  if (a.length === 0) return 'differs';
  if (a[0].join(',') !== b[0].join(',')) return `header ${a[0].join(',')} expected, ${b[0].join(',')} found`;
  const timing = a[0].map((c) => TIMING_COLUMNS.has(c));
  if (!timing.some(Boolean)) return 'bytes differ (no timing column to excuse it)';
  for (let r = 1; r < a.length; r++) {
    for (let c = 0; c < a[0].length; c++) {
      if (!timing[c] && a[r][c] !== b[r][c]) return `row ${r}, column ${a[0][c]}: ${a[r][c]} expected, ${b[r][c]} found`;
    }
  }
  // Same fields except timings: the bytes of everything else agree iff the re-joined records do.
  return undefined;
}

function main(): number {
  const [expectedDir, actualDir] = process.argv.slice(2);
  if (!expectedDir || !actualDir) {
    process.stderr.write('usage: compare.ts EXPECTED_DIR ACTUAL_DIR\n');
    return 2;
  }
  const tables = readdirSync(expectedDir)
    .filter((f) => f.endsWith('.csv'))
    .sort();
  const extra = readdirSync(actualDir).filter((f) => f.endsWith('.csv') && !tables.includes(f));
  let bad = 0;
  if (tables.length === 0) {
    process.stdout.write(`FAIL ${expectedDir} holds no tables\n`);
    bad++;
  }
  for (const f of extra) {
    process.stdout.write(`FAIL ${f}: only in ${actualDir}\n`);
    bad++;
  }
  for (const f of tables) {
    const other = join(actualDir, f);
    const why = existsSync(other) ? compareTable(readFileSync(join(expectedDir, f), 'utf8'), readFileSync(other, 'utf8')) : `missing in ${actualDir}`;
    if (why) bad++;
    process.stdout.write(`${why ? 'FAIL' : 'same'} ${f}${why ? `: ${why}` : ''}\n`);
  }
  return bad ? 1 : 0;
}

process.exitCode = main();
