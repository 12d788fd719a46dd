// kill -9 at random moments while many small cells are committed in groups (journal and table
// appends) and while figures are written: 0 committed rows lost or duplicated, the resumed tables
// byte-identical to an uninterrupted run, no half-written figure, stray temporaries removed.
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/random/index.ts';
import { readJournal } from '../../src/runner/journal.ts';
import { runCli, spawnAndKillWhen, spawnCli } from '../helpers/cli.ts';

const tmp = () => mkdtempSync(join(tmpdir(), 'nrc-kill-'));
const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i).join(',');
// 400 x 6 = 2400 cells of a few microseconds of work each: commits come in groups (every 0.2 s), and a sweep
// lasts long enough (several groups, also on a fast machine) for a kill to land in the middle of it.
const CELLS = 2400;
const fast = ['run', 'svd-demo', '--m', range(10, 410), '--n', range(4, 10), '--quiet', '--no-plot'];
const tables = ['singular_values.csv', 'summary.csv'];
const journalText = (dir: string) => (existsSync(join(dir, 'journal.jsonl')) ? readFileSync(join(dir, 'journal.jsonl'), 'utf8') : '');

describe('kill -9 during group commits', () => {
  it('random kills, then a resume: tables byte-identical to an uninterrupted run, every cell committed once', async () => {
    const reference = tmp();
    expect((await runCli([...fast, '--out', reference])).code).toBe(0);
    const dir = tmp();
    const rng = new Rng('kill-during-journal-writes');
    const cellsAfterKill: number[] = [];
    for (let k = 0; k < 5; k++) {
      const before = journalText(dir).length;
      // once this process has committed something (it is in its commit loop), a random moment later
      await spawnAndKillWhen([...fast, '--out', dir], () => journalText(dir).length > before, rng.int(120));
      const records = readJournal(dir, false); // complete lines only; a cut last line is not committed
      expect(new Set(records.map((r) => r.cell.key)).size).toBe(records.length);
      cellsAfterKill.push(records.length);
    }
    expect(cellsAfterKill.some((n) => n > 0 && n < CELLS)).toBe(true); // at least one kill landed mid-sweep
    expect(spawnCli([...fast, '--out', dir]).code).toBe(0);
    for (const t of tables) expect(readFileSync(join(dir, t), 'utf8')).toBe(readFileSync(join(reference, t), 'utf8'));
    const records = readJournal(dir, false);
    expect(records).toHaveLength(CELLS);
    expect(new Set(records.map((r) => r.cell.key)).size).toBe(CELLS);
  }, 180_000);
});

/** A PNG is whole when it ends with its IEND chunk; an SVG when it ends with </svg>. */
function whole(file: string): boolean {
  const b = readFileSync(file);
  if (file.endsWith('.png')) return b.subarray(b.length - 8, b.length - 4).toString('latin1') === 'IEND';
  if (file.endsWith('.svg')) return b.toString('utf8').trimEnd().endsWith('</svg>');
  return true;
}

describe('kill -9 during figure writes', () => {
  it('leaves only whole figures; the next nrc plot removes stray temporaries and redraws the same bytes', async () => {
    const dir = tmp();
    expect((await runCli(['run', 'svd-demo', '--m', '30,40', '--n', '20', '--quiet', '--no-plot', '--out', dir])).code).toBe(0);
    expect((await runCli(['plot', dir, '--format', 'both', '-q'])).code).toBe(0);
    const figures = join(dir, 'figures');
    const reference = new Map(readdirSync(figures).map((f) => [f, readFileSync(join(figures, f))]));
    const rng = new Rng('kill-during-figure-writes');
    for (let k = 0; k < 4; k++) {
      await spawnAndKillWhen(['plot', dir, '--format', 'both', '-q'], () => true, 400 + rng.int(1200));
      for (const f of readdirSync(figures).filter((x) => !/\.tmp-\d+$/.test(x))) expect(whole(join(figures, f))).toBe(true);
    }
    writeFileSync(join(figures, 'singular-values.png.tmp-999999999'), 'cut'); // as a kill leaves it (no such pid)
    expect(spawnCli(['plot', dir, '--format', 'both', '-q']).code).toBe(0);
    expect(readdirSync(figures).filter((x) => /\.tmp-\d+$/.test(x))).toEqual([]);
    for (const [f, bytes] of reference) expect(readFileSync(join(figures, f)).equals(bytes)).toBe(true);
  }, 180_000);
});
