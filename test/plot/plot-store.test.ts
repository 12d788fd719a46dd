// nrc plot over a results store: only committed bytes are drawn, a partial run or merge is marked
// on every figure and in index.html, and figures that cannot be written end with exit 5.
import { appendFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { clearTableCache, limitToCommitted, loadRows } from '../../src/plot/data.ts';
import { loadCommitted } from '../../src/runner/store.ts';
import { runCli } from '../helpers/cli.ts';

const sweep = ['run', 'svd-demo', '--m', '30,31,32', '--n', '20,21', '--seeds', '2', '--quiet', '--no-plot'];
const tmp = () => mkdtempSync(join(tmpdir(), 'nrc-plot-store-'));

async function swept(): Promise<string> {
  const dir = tmp();
  expect((await runCli([...sweep, '--out', dir])).code).toBe(0);
  return dir;
}

describe('nrc plot reads only committed bytes', () => {
  it('rows after the last commit (a half row of a cut commit) are not read', async () => {
    const dir = await swept();
    appendFileSync(join(dir, 'summary.csv'), '99,98,0,ok,1,2');
    const committed = loadCommitted(dir)!;
    clearTableCache();
    limitToCommitted(dir, committed.committed_bytes);
    const rows = loadRows(dir, 'summary.csv', ['m', 'n']);
    expect(rows).toHaveLength(12);
    expect(rows.map((r) => r.m)).not.toContain(99);
    const r = await runCli(['plot', dir, '-q']);
    expect(r.code).toBe(0);
  }, 60_000);
});

describe('a partial run or merge is marked', () => {
  it('every figure and index.html say how many cells are committed', async () => {
    const dir = await swept();
    const journal = readFileSync(join(dir, 'journal.jsonl'), 'utf8').split('\n');
    writeFileSync(join(dir, 'journal.jsonl'), `${journal.slice(0, 5).join('\n')}\n`); // 5 of 12 cells committed
    const r = await runCli(['plot', dir, '--format', 'svg', '-q']);
    expect(r.code).toBe(0);
    const html = readFileSync(join(dir, 'index.html'), 'utf8');
    expect(html).toContain('<strong>Partial results:</strong> 5 of 12 cells committed');
    const svgs = readdirSync(join(dir, 'figures')).filter((f) => f.endsWith('.svg'));
    expect(svgs.length).toBeGreaterThan(0);
    for (const f of svgs) expect(readFileSync(join(dir, 'figures', f), 'utf8')).toContain('partial: 5 of 12 cells committed');
  }, 60_000);
});

describe('figures that cannot be written', () => {
  it('exit 5 naming the directory, not "files written"', async () => {
    const dir = await swept();
    rmSync(join(dir, 'figures'), { recursive: true, force: true });
    writeFileSync(join(dir, 'figures'), 'a file where the figures directory goes');
    const r = await runCli(['plot', dir]);
    expect(r.code).toBe(5);
    expect(r.stderr).toMatch(/figure files could not be written .*figures: (EEXIST|ENOTDIR)/);
    expect(r.stderr).not.toMatch(/files written/);
  }, 60_000);
});
