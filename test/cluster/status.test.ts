// nrc status on real results directories: complete and interrupted shards, a running cell with a
// checkpoint, failed cells, shards not given, and directories that are not nrc's.
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findCheckpoint } from '../../src/commands/status.ts';
import { runCli, spawnAndKillWhen } from '../helpers/cli.ts';

/** Cells committed in `dir`: complete lines of its commit journal. */
function committedCells(dir: string): number {
  try {
    return readFileSync(join(dir, 'journal.jsonl'), 'utf8').split('\n').length - 1;
  } catch {
    return 0;
  }
}

const tmp = () => mkdtempSync(join(tmpdir(), 'nrc-status-'));
const grid = ['run', 'svd-demo', '--m', '300,310,320,330', '--n', '200', '--quiet', '--no-plot'];

interface Status {
  directories: {
    dir: string;
    state: string;
    cells: number;
    done: number;
    running: number;
    failed: number;
    remaining: number;
    running_cells: { key: string; checkpoint_age_s: number | null }[];
    failed_cells: { key: string; status: string }[];
    cpu_seconds: number;
    cpu_seconds_left: number | null;
  }[];
  total: {
    cells: number;
    done: number;
    running: number;
    failed: number;
    remaining: number;
    not_covered: number;
    cpu_seconds: number;
    cpu_seconds_left: number | null;
    estimate_basis: string;
  };
}

async function status(dirs: string[]): Promise<Status> {
  const r = await runCli(['status', '--json', ...dirs]);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as Status;
}

function journalKeys(dir: string): string[] {
  return readFileSync(join(dir, 'journal.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => (JSON.parse(l) as { cell: { key: string } }).cell.key);
}

describe('nrc status', () => {
  it('counts the cells of complete and interrupted shards, and the CPU time used and left', async () => {
    const base = tmp();
    const shard0 = join(base, 'shard-0');
    const shard1 = join(base, 'shard-1');
    expect((await runCli([...grid, '--shard', '0/2', '--out', shard0])).code).toBe(0);
    // shard 1 killed with SIGKILL once one of its two cells is committed
    await spawnAndKillWhen([...grid, '--shard', '1/2', '--out', shard1], () => committedCells(shard1) >= 1, 0);
    const s = await status([shard0, shard1]);
    const [a, b] = s.directories;
    expect(a).toMatchObject({ state: 'complete', cells: 2, done: 2, running: 0, failed: 0, remaining: 0 });
    expect(b.cells).toBe(2);
    expect(b.done).toBe(committedCells(shard1));
    expect(b.running).toBe(0); // the writer is gone
    expect(b.done + b.remaining).toBe(2);
    expect(s.total).toMatchObject({ cells: 4, done: a.done + b.done, remaining: b.remaining, not_covered: 0 });
    expect(s.total.cpu_seconds).toBeGreaterThan(0);
    if (b.remaining > 0) {
      expect(b.state).toBe('stopped');
      expect(s.total.cpu_seconds_left).toBeGreaterThan(0);
      expect(s.total.estimate_basis).toMatch(/mean of \d+ finished cells/);
    }
    // the text form names each directory and the totals
    const text = await runCli(['status', shard0, shard1]);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain(`${shard0}: svd-demo shard 0/2, complete`);
    expect(text.stdout).toMatch(/total \(2 directories, svd-demo\): \d done, 0 running, 0 failed, \d remaining of 4/);
    // one shard of two given: the other shard's cells are counted as not covered
    expect((await status([shard0])).total.not_covered).toBe(2);
  });

  it('shows the running cell with the age of its checkpoint while a live writer holds the directory', async () => {
    const dir = tmp();
    expect((await runCli([...grid, '--out', dir])).code).toBe(0);
    // Make it look mid-run: drop the last two commits from the journal, a live writer (this process) holds the lock.
    const lines = readFileSync(join(dir, 'journal.jsonl'), 'utf8').split('\n').filter(Boolean);
    const keys = journalKeys(dir);
    writeFileSync(join(dir, 'journal.jsonl'), `${lines.slice(0, 2).join('\n')}\n`);
    writeFileSync(
      join(dir, '.nrc.lock'),
      JSON.stringify({ pid: process.pid, host: hostname(), started_at: new Date(Date.now() - 600_000).toISOString() }),
    );
    mkdirSync(join(dir, 'checkpoints'));
    const ckpt = join(dir, 'checkpoints', 'x.ckpt');
    writeFileSync(ckpt, 'nrc-checkpoint 1\n');
    expect(findCheckpoint(dir, keys[2])).toBeUndefined(); // another cell's file is not this cell's checkpoint
    const expected = join(dir, 'checkpoints', `${createHash('sha256').update(keys[2]).digest('hex').slice(0, 16)}.ckpt`);
    writeFileSync(expected, 'nrc-checkpoint 1\n');
    const old = (Date.now() - 120_000) / 1000;
    utimesSync(expected, old, old);
    expect(findCheckpoint(dir, keys[2])?.path).toBe(expected);
    const s = await status([dir]);
    const d = s.directories[0];
    expect(d).toMatchObject({ state: 'complete', cells: 4, done: 2, running: 1, remaining: 1 });
    expect(d.running_cells[0].key).toBe(keys[2]);
    expect(d.running_cells[0].checkpoint_age_s).toBeGreaterThan(110);
    expect(d.running_cells[0].checkpoint_age_s).toBeLessThan(3600);
    const text = await runCli(['status', dir]);
    expect(text.stdout).toMatch(/running: .*\(for \d+ s, checkpoint 2 min old\)/);
  });

  it('counts cells that did not end ok as failed, with their status', async () => {
    const dir = tmp();
    const r = await runCli(['run', 'gaussian-mixture', '--preset', 'quick', '--max-iters', '2', '--quiet', '--no-plot', '--out', dir]);
    expect(r.code).toBe(3);
    const d = (await status([dir])).directories[0];
    expect(d).toMatchObject({ cells: 2, done: 0, failed: 2, remaining: 0, running: 0 });
    expect(d.failed_cells.map((c) => c.status)).toEqual(['not_converged', 'not_converged']);
  });

  it('exits 2 with one line for a directory that is not an nrc results directory', async () => {
    const dir = tmp();
    writeFileSync(join(dir, 'notes.txt'), 'hello');
    const r = await runCli(['status', dir]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain(`${dir} is not an nrc results directory`);
    expect((await runCli(['status', join(dir, 'missing')])).code).toBe(2);
  });
});
