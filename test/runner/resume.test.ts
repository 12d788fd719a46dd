// Sweeps that survive: kill -9 at random points then resume, and shards merged, both equal an
// uninterrupted single-process run.
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/random/index.ts';
import { binPath, runCli, spawnAndKillWhen, spawnCli } from '../helpers/cli.ts';

const tmp = () => mkdtempSync(join(tmpdir(), 'nrc-resume-'));
// 24 cells of about 0.1 s each on one thread (a 200-row grid took 20 ms a cell: on a quiet machine the whole
// sweep fit into one group commit, and no kill could land in its middle).
const grid = ['run', 'svd-demo', '--m', '700,720,740,760,780,800', '--n', '500,520', '--seeds', '2', '--quiet', '--no-plot'];
const tables = ['singular_values.csv', 'summary.csv'];

/** Cells committed in `dir`: complete lines of its commit journal. */
export function committedCells(dir: string): number {
  try {
    return readFileSync(join(dir, 'journal.jsonl'), 'utf8').split('\n').length - 1;
  } catch {
    return 0;
  }
}

function csvLinesOf(dir: string, table: string): string[] {
  return readFileSync(join(dir, table), 'utf8').split('\n');
}

describe('crash-safe resumable results', () => {
  it('a sweep killed with SIGKILL several times, then resumed, equals an uninterrupted run', async () => {
    const reference = tmp();
    expect((await runCli([...grid, '--out', reference])).code).toBe(0);
    const dir = tmp();
    const rng = new Rng('kill-points');
    const committedAfterKill: number[] = [];
    const committed = () => committedCells(dir);
    for (const target of [2, 7, 13, 19]) {
      // Kill once `target` cells are committed, at a random moment inside the next cell or its commit.
      await spawnAndKillWhen([...grid, '--out', dir], () => committed() >= target, rng.int(60));
      committedAfterKill.push(committed());
      // After every kill, each CSV is parseable: whole rows only, no duplicate row.
      for (const t of tables) {
        const lines = csvLinesOf(dir, t);
        const cols = lines[0].split(',').length;
        expect(lines.at(-1)).toBe('');
        for (const l of lines.slice(1, -1)) expect(l.split(',').length).toBe(cols);
      }
    }
    // At least one kill landed in the middle of the sweep (not before the first or after the last cell).
    expect(committedAfterKill.some((n) => n > 0 && n < 24)).toBe(true);
    const resumed = spawnCli([...grid, '--out', dir]);
    expect(resumed.code).toBe(0);
    for (const t of tables) {
      const sorted = (lines: string[]) => [...lines].sort();
      expect(sorted(csvLinesOf(dir, t))).toEqual(sorted(csvLinesOf(reference, t)));
    }
    const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
    expect(manifest.status).toBe('complete');
    expect(manifest.cells).toHaveLength(24);
  }, 120_000);

  it('4 shards run as parallel processes and merged equal the single-process run, byte for byte', async () => {
    const reference = tmp();
    expect((await runCli([...grid, '--out', reference])).code).toBe(0);
    const base = tmp();
    const shardDirs = [0, 1, 2, 3].map((i) => join(base, `s${i}`));
    await Promise.all(
      shardDirs.map(
        (d, i) =>
          new Promise<void>((resolve, reject) => {
            const child = spawn(process.execPath, [binPath, ...grid, '--shard', `${i}/4`, '--out', d], {
              stdio: 'ignore',
              env: { ...process.env, NRC_THREADS: '1' },
            });
            child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`shard ${i} exited ${code}`))));
          }),
      ),
    );
    const counts = shardDirs.map((d) => JSON.parse(readFileSync(join(d, 'manifest.json'), 'utf8')).cells.length);
    expect(counts.reduce((a: number, b: number) => a + b, 0)).toBe(24);
    const merged = join(base, 'merged');
    expect((await runCli(['merge', ...shardDirs.slice(0, 3), '--out', join(base, 'partial'), '-q', '--no-plot'])).stderr).toMatch(
      /cells are missing/,
    );
    expect((await runCli(['merge', shardDirs[0], shardDirs[0], '--out', join(base, 'dup'), '-q', '--no-plot'])).stderr).toMatch(/is in both/);
    const m = await runCli(['merge', ...shardDirs, '--out', merged, '-q', '--no-plot']);
    expect(m.code).toBe(0);
    for (const t of tables) expect(readFileSync(join(merged, t), 'utf8')).toBe(readFileSync(join(reference, t), 'utf8'));
    expect(readdirSync(merged)).toContain('manifest.json');
  }, 120_000);
});

describe('Ctrl-C', () => {
  it('stops with exit code 130, keeps committed cells, prints how to resume; the resume completes the grid', async () => {
    const dir = tmp();
    const args = ['run', 'svd-demo', '--m', '700,720,740,760,780,800,820,840', '--n', '500', '--no-plot', '--out', dir];
    const { code, stderr } = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, [binPath, ...args], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, NRC_THREADS: '1' } });
      let err = '';
      child.stderr.on('data', (d) => {
        err += String(d);
      });
      // Interrupt once the first cell is committed.
      const poll = setInterval(() => {
        try {
          if (committedCells(dir) >= 1) {
            clearInterval(poll);
            child.kill('SIGINT');
          }
        } catch {
          /* not written yet */
        }
      }, 50);
      child.on('exit', (c) => {
        clearInterval(poll);
        resolve({ code: c, stderr: err });
      });
    });
    expect(code).toBe(130);
    expect(stderr).toMatch(/Resume with: nrc run svd-demo .*--out/);
    const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
    expect(manifest.status).toBe('interrupted');
    expect(manifest.cells.length).toBeGreaterThanOrEqual(1);
    expect(manifest.cells.length).toBeLessThan(8);
    const resumed = spawnCli([...args, '--quiet']);
    expect(resumed.code).toBe(0);
    const done = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
    expect(done.cells.map((c: { index: number }) => c.index).sort((a: number, b: number) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  }, 120_000);
});
