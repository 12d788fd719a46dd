import { mkdtempSync, readFileSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatField, ResultStore, type Manifest } from '../../src/runner/store.ts';

function manifest(hash = 'h1'): Manifest {
  return {
    store_format: 2, nrc_version: '0', experiment: 'toy', command: ['nrc'], preset: 'default', params: {}, seeds: [0], config_hash: hash,
    shard: null, git_commit: null, node_version: process.version, threads: 1, started_at: '', finished_at: null,
    status: 'running', cells_total: 3, tables: { a: ['x', 'y'], b: ['z'] }, committed_bytes: {}, cells: [],
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
    s.commitCell(record(0), { a: [{ x: 1, y: 'q,"r"' }, { x: 2, y: 3 }], b: [{ z: 0.5 }] });
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
    expect(reopened.manifest.cells.map((c) => c.rows)).toEqual([{ a: 2, b: 1 }, { a: 1, b: 0 }]);
  });
  it('refuses a directory holding another configuration', () => {
    const dir = mkdtempSync(join(tmpdir(), 'nrc-store-'));
    ResultStore.open(dir, manifest('h1')).close();
    expect(() => ResultStore.open(dir, manifest('h2'))).toThrow(/holds a different configuration/);
  });
});
