import { mkdtempSync, readFileSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'csv-stringify/sync';
import {
  ByteSink,
  cellFill,
  csvHeader,
  csvLines,
  encodeCsvRows,
  formatField,
  loadCommitted,
  manifestText,
  ResultStore,
  type Manifest,
} from '../../src/runner/store.ts';
import { journalLine, type JournalRecord } from '../../src/runner/journal.ts';
import { completeRow } from '../../src/runner/run.ts';
import type { Row } from '../../src/runner/types.ts';
import { Rng } from '../../src/random/index.ts';

function manifest(hash = 'h1'): Manifest {
  return {
    store_format: 2,
    nrc_version: '0',
    experiment: 'toy',
    command: ['nrc'],
    preset: 'default',
    params: {},
    seeds: [0],
    config_hash: hash,
    shard: null,
    git_commit: null,
    node_version: process.version,
    threads: 1,
    started_at: '',
    finished_at: null,
    status: 'running',
    cells_total: 3,
    tables: { a: ['x', 'y'], b: ['z'] },
    committed_bytes: {},
    cells: [],
  };
}
const record = (i: number) => ({ index: i, key: `k${i}`, seed: 0, params: {}, status: 'ok' as const, seconds: 0, started_at: '', finished_at: '' });

describe('formatField', () => {
  it('writes numbers that round-trip and explicit booleans', () => {
    for (const v of [0.1, 1 / 3, 1e-300, -2.5e17, Math.PI]) expect(Number(formatField(v))).toBe(v);
    expect(formatField(true)).toBe('true');
    expect(formatField(NaN)).toBe('NaN');
    expect(formatField(undefined)).toBe('');
  });
});

describe('ResultStore', () => {
  it('commits cells and truncates rows written after the last commit (a kill between append and manifest)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'nrc-store-'));
    const s = ResultStore.open(dir, manifest());
    s.commitCell(record(0), {
      a: [
        { x: 1, y: 'q,"r"' },
        { x: 2, y: 3 },
      ],
      b: [{ z: 0.5 }],
    });
    const committedA = readFileSync(join(dir, 'a.csv'), 'utf8');
    expect(committedA).toBe('x,y\n1,"q,""r"""\n2,3\n');
    // A crash after appending part of the next cell's rows, before its manifest commit:
    appendFileSync(join(dir, 'a.csv'), '9,9\n9,');
    s.close();
    const reopened = ResultStore.open(dir, manifest());
    expect(readFileSync(join(dir, 'a.csv'), 'utf8')).toBe(committedA);
    expect(reopened.doneKeys()).toEqual(new Set(['k0']));
    reopened.commitCell(record(1), { a: [{ x: 3, y: 4 }] });
    expect(readFileSync(join(dir, 'a.csv'), 'utf8')).toBe(`${committedA}3,4\n`);
    expect(readFileSync(join(dir, 'b.csv'), 'utf8')).toBe('z\n0.5\n');
    expect(reopened.manifest.cells.map((c) => c.rows)).toEqual([
      { a: 2, b: 1 },
      { a: 1, b: 0 },
    ]);
  });
  it('writes each journal line as journalLine (JSON.stringify) writes that record, tables with awkward names included', () => {
    const dir = mkdtempSync(join(tmpdir(), 'nrc-store-'));
    const m = { ...manifest(), tables: { b: ['z'], '10': ['x'], 'q"\\é': ['y'], '2': ['w'], a: ['x'] } };
    const s = ResultStore.open(dir, m);
    s.commitCell(record(0), { b: [{ z: 1 }], '10': [{ x: 'é' }], 'q"\\é': [{ y: 2 }, { y: 3 }] });
    s.commitCell({ ...record(1), params: { p: 'a"b', shape: [8, 6] }, message: 'line "1"' }, { '2': [{ w: 0.1 }], a: [] });
    s.close();
    const lines = readFileSync(join(dir, 'journal.jsonl'), 'utf8').split('\n').slice(0, -1);
    expect(lines).toHaveLength(2);
    for (const line of lines) expect(`${line}\n`).toBe(journalLine(JSON.parse(line) as JournalRecord));
    expect(loadCommitted(dir)?.cells.map((c) => c.key)).toEqual(['k0', 'k1']);
  });
  it('refuses a directory holding another configuration', () => {
    const dir = mkdtempSync(join(tmpdir(), 'nrc-store-'));
    ResultStore.open(dir, manifest('h1')).close();
    expect(() => ResultStore.open(dir, manifest('h2'))).toThrow(/holds a different configuration/);
  });
});

describe('CSV encoding', () => {
  it('gives the bytes of csv-stringify (RFC 4180 quoting) for numbers, text with commas, quotes, newlines and non-ASCII', () => {
    const rng = new Rng('csv-fields');
    const texts = ['a', 'q,"r"', 'line\nbreak', 'λ=0.1', '', 'plain', '"', 'x,y'];
    const columns = ['i', 'v', 't', 'b', 'u'];
    const rows = Array.from({ length: 200 }, (_, i) => ({
      i: Math.floor(i / 7),
      v: rng.normal() * 10 ** rng.int(40) * (i % 5 === 0 ? 1e-300 : 1),
      t: texts[rng.int(texts.length)],
      b: i % 3 === 0,
      u: i % 4 === 0 ? undefined : -i,
    }));
    const expected = stringify(
      rows.map((r) => columns.map((c) => formatField(r[c as keyof typeof r]))),
      { eof: true, record_delimiter: 'unix' },
    );
    expect(csvLines(columns, rows)).toBe(expected);
    expect(csvHeader(['a', 'b,c', 'd"e'])).toBe(stringify([['a', 'b,c', 'd"e']], { eof: true, record_delimiter: 'unix' }));
  });
  it('fills the columns a row leaves out from the cell exactly as completeRow does (same bytes, no row copies)', () => {
    const columns = ['hidden_sizes', 'lr', 'seed', 'status', 'index', 'value', 'constructor', 'note', 'missing'];
    const cell = { index: 3, key: 'k', seed: 7, params: { hiddenSizes: [8, 6], lr: 0.1, seed: 99 } };
    const rows: Row[] = [{ index: 1, value: 0.5 }, { index: 2, value: undefined, note: 'a,b' }, { lr: 2, seed: 1, status: 'x', index: 3 }, {}];
    const fill = cellFill(cell.params, cell.seed, 'ok');
    const sink = new ByteSink();
    encodeCsvRows(sink, columns, rows, fill);
    expect(sink.view().toString()).toBe(
      csvLines(
        columns,
        rows.map((r) => completeRow(r, columns, cell, 'ok')),
      ),
    );
  });
  it('writes numbers as String does and fills non-ASCII and quoted parameters with their UTF-8 bytes', () => {
    const columns = ['name', 'k', 'x', 'seed'];
    const values = [0, -0, -1, 2 ** 31 - 1, -(2 ** 31), 2 ** 31, 1e21, 1.5e-7, NaN, -Infinity, 0.1, 123456789012345680000];
    const rows: Row[] = values.map((x, i) => ({ k: -i, x }));
    const sink = new ByteSink(16); // grows while it is written
    encodeCsvRows(sink, columns, rows, { name: 'λ, "a"', seed: 12 });
    const expected = values.map((x, i) => `"λ, ""a""",${String(-i)},${String(x)},12\n`).join('');
    expect(sink.view().toString('utf8')).toBe(expected);
  });
  it('also quotes a field holding a bare CR (csv-stringify with unix records leaves it bare, which readers take for a line end)', () => {
    expect(csvLines(['t', 'n'], [{ t: 'cr\rhere', n: 1 }])).toBe('"cr\rhere",1\n');
  });
});

describe('manifest.json text', () => {
  it('is valid JSON equal to the manifest, one line per cell', () => {
    const m = { ...manifest(), cells: [0, 1, 2].map((i) => ({ ...record(i), rows: { a: i, b: 1 } })) };
    const text = manifestText(m);
    expect(JSON.parse(text)).toEqual(m);
    expect(text.split('\n').filter((l) => l.startsWith('    {"index":'))).toHaveLength(3);
    expect(JSON.parse(manifestText(manifest()))).toEqual(manifest());
  });
});

describe('group commit', () => {
  it('holds cells finished within the flush interval in memory and writes them together (tables first, then journal)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'nrc-store-'));
    const s = ResultStore.open(dir, manifest());
    s.commitCell(record(0), { a: [{ x: 0, y: 0 }] }); // the first commit is written at once
    for (let i = 1; i < 5; i++) s.commitCell(record(i), { a: [{ x: i, y: i }] });
    const journalLines = () => readFileSync(join(dir, 'journal.jsonl'), 'utf8').split('\n').length - 1;
    expect(journalLines()).toBeLessThan(5); // (unless this machine took over 0.2 s for four tiny commits)
    s.flush();
    expect(journalLines()).toBe(5);
    expect(readFileSync(join(dir, 'a.csv'), 'utf8')).toBe('x,y\n0,0\n1,1\n2,2\n3,3\n4,4\n');
    expect(s.manifest.cells.map((c) => c.key)).toEqual(['k0', 'k1', 'k2', 'k3', 'k4']);
    s.commitCell(record(5), { a: [{ x: 5, y: 5 }] });
    s.close(); // close writes what is pending
    const reopened = ResultStore.open(dir, manifest());
    expect(reopened.doneKeys().size).toBe(6);
    reopened.close();
  });
});
