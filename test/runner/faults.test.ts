// Results that survive real faults: one writer per directory, a commit journal proven
// against the tables, validated manifests, stray temporaries removed, --overwrite that deletes
// only nrc's files, two concurrent writers and a full disk with 0 rows lost or duplicated.
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { spawn, spawnSync } from 'node:child_process';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ResultStore, type Manifest } from '../../src/runner/store.ts';
import { LOCK_FILE } from '../../src/runner/lock.ts';
import { shellQuote } from '../../src/runner/quote.ts';
import { binPath, runCli } from '../helpers/cli.ts';

const tmp = () => mkdtempSync(join(tmpdir(), 'nrc-faults-'));

function manifest(): Manifest {
  return {
    store_format: 2,
    nrc_version: '0',
    experiment: 'toy',
    command: ['nrc'],
    preset: 'default',
    params: {},
    seeds: [0],
    config_hash: 'h',
    shard: null,
    git_commit: null,
    node_version: process.version,
    threads: 1,
    started_at: '',
    finished_at: null,
    status: 'running',
    cells_total: 3,
    tables: { a: ['x', 'y'] },
    committed_bytes: {},
    cells: [],
  };
}
const record = (i: number) => ({ index: i, key: `k${i}`, seed: 0, params: {}, status: 'ok' as const, seconds: 0, started_at: '', finished_at: '' });

/** A directory with cells k0, k1, k2 committed (rows "i,i" and "i,i+1"), lock released. */
function threeCells(): string {
  const dir = tmp();
  const s = ResultStore.open(dir, manifest());
  for (let i = 0; i < 3; i++)
    s.commitCell(record(i), {
      a: [
        { x: i, y: i },
        { x: i, y: i + 1 },
      ],
    });
  s.finish('complete');
  s.close();
  return dir;
}
const journal = (dir: string) => readFileSync(join(dir, 'journal.jsonl'), 'utf8').split('\n').slice(0, -1);

/** pid of a process that has exited. */
function deadPid(): number {
  return spawnSync(process.execPath, ['-e', '0']).pid!;
}

describe('lock: one writer per results directory', () => {
  it('a live holder is refused, naming its pid and host; after release the directory opens', () => {
    const dir = tmp();
    const s = ResultStore.open(dir, manifest());
    expect(existsSync(join(dir, LOCK_FILE))).toBe(true);
    expect(() => ResultStore.open(dir, manifest())).toThrow(new RegExp(`in use by nrc pid ${process.pid} on ${hostname()}`));
    s.close();
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
    ResultStore.open(dir, manifest()).close();
  });
  it('the lock of a dead process on this host is taken over', () => {
    const dir = threeCells();
    const pid = deadPid();
    writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ pid, host: hostname(), started_at: '2020-01-01T00:00:00Z' }));
    const s = ResultStore.open(dir, manifest());
    expect(s.doneKeys().size).toBe(3);
    expect(JSON.parse(readFileSync(join(dir, LOCK_FILE), 'utf8')).pid).toBe(process.pid);
    s.close();
  });
  it('a lock held on another host is refused', () => {
    const dir = threeCells();
    writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ pid: 1, host: 'elsewhere', started_at: 'x' }));
    expect(() => ResultStore.open(dir, manifest())).toThrow(/in use by nrc pid 1 on elsewhere/);
  });
});

describe('journal: proven against the tables', () => {
  it('commits one journal line per cell, and manifest.json is not rewritten per cell', () => {
    const dir = threeCells();
    const lines = journal(dir).map((l) => JSON.parse(l));
    expect(lines.map((l) => l.cell.key)).toEqual(['k0', 'k1', 'k2']);
    expect(lines.map((l) => l.ranges.a)).toEqual([
      [4, 12],
      [12, 20],
      [20, 28],
    ]);
    expect(readFileSync(join(dir, 'a.csv'), 'utf8')).toBe('x,y\n0,0\n0,1\n1,1\n1,2\n2,2\n2,3\n');
  });
  it('a commit cut short in the journal (no newline) is not committed: its rows are cut and it runs again', () => {
    const dir = threeCells();
    appendFileSync(join(dir, 'a.csv'), '3,3\n3,4\n');
    appendFileSync(join(dir, 'journal.jsonl'), '{"cell":{"index":3');
    const s = ResultStore.open(dir, manifest());
    expect([...s.doneKeys()]).toEqual(['k0', 'k1', 'k2']);
    expect(readFileSync(join(dir, 'a.csv'), 'utf8')).toBe('x,y\n0,0\n0,1\n1,1\n1,2\n2,2\n2,3\n');
    s.commitCell(record(3), { a: [{ x: 3, y: 3 }] });
    s.close();
    expect(journal(dir)).toHaveLength(4);
    expect(JSON.parse(journal(dir)[3]).ranges.a).toEqual([28, 32]);
  });
  const damage: [string, (dir: string) => void, RegExp][] = [
    [
      'an edited byte',
      (d) => writeFileSync(join(d, 'a.csv'), readFileSync(join(d, 'a.csv'), 'utf8').replace('1,2', '1,7')),
      /a\.csv: bytes 12-20 of cell k1 differ from what was committed/,
    ],
    [
      'a truncated table',
      (d) => writeFileSync(join(d, 'a.csv'), 'x,y\n0,0\n0,1\n1,1\n'),
      /a\.csv: cut short: cell k1 is committed up to byte 20, the file has 16 bytes/,
    ],
    [
      'a removed record',
      (d) =>
        writeFileSync(
          join(d, 'journal.jsonl'),
          `${journal(d)
            .filter((_, i) => i !== 1)
            .join('\n')}\n`,
        ),
      /a\.csv: cell k2 is recorded at bytes 20-28, but the previous commit ends at byte 12/,
    ],
    ['a duplicated record', (d) => appendFileSync(join(d, 'journal.jsonl'), `${journal(d)[0]}\n`), /cell k0 is committed twice \(line 4\)/],
    ['a record that is not JSON', (d) => writeFileSync(join(d, 'journal.jsonl'), `${journal(d)[0]}\nxx\n`), /journal\.jsonl: line 2 is not JSON/],
    [
      'a negative range',
      (d) => writeFileSync(join(d, 'journal.jsonl'), `${journal(d)[0].replace('[4,12]', '[-5,12]')}\n`),
      /line 1 is not a valid commit record \(ranges\.a\.0/,
    ],
    [
      'an edited header',
      (d) => writeFileSync(join(d, 'a.csv'), readFileSync(join(d, 'a.csv'), 'utf8').replace('x,y', 'x,z')),
      /a\.csv: its header differs/,
    ],
    ['a missing table', (d) => rmSync(join(d, 'a.csv')), /a\.csv: missing, but journal\.jsonl records committed rows/],
    [
      'committed_bytes -5',
      (d) =>
        editManifest(d, (m) => {
          m.committed_bytes = { a: -5 };
        }),
      /manifest\.json: not a valid nrc manifest \(committed_bytes\.a/,
    ],
    [
      'committed_bytes "abc"',
      (d) =>
        editManifest(d, (m) => {
          (m.committed_bytes as unknown) = { a: 'abc' };
        }),
      /not a valid nrc manifest \(committed_bytes\.a/,
    ],
    ['a manifest {}', (d) => writeFileSync(join(d, 'manifest.json'), '{}'), /not a valid nrc manifest/],
    [
      'a cut manifest',
      (d) => writeFileSync(join(d, 'manifest.json'), readFileSync(join(d, 'manifest.json'), 'utf8').slice(0, 50)),
      /not a readable nrc manifest/,
    ],
    [
      'another store format',
      (d) =>
        editManifest(d, (m) => {
          (m as { store_format: number }).store_format = 1;
          m.nrc_version = '0.0.9';
        }),
      /written by nrc 0\.0\.9 \(store format 1\); this is nrc \S+ \(store format 2\)/,
    ],
  ];
  for (const [what, harm, message] of damage) {
    it(`refuses ${what} with a message naming file, cell and what differs`, () => {
      const dir = threeCells();
      harm(dir);
      expect(() => ResultStore.open(dir, manifest())).toThrow(message);
      expect(existsSync(join(dir, LOCK_FILE))).toBe(false); // a refused open leaves no lock behind
    });
  }
  it('removes stray temporary files of dead processes when a directory is opened', () => {
    const dir = threeCells();
    const stray = join(dir, `manifest.json.tmp-${deadPid()}`);
    writeFileSync(stray, '{"cut');
    ResultStore.open(dir, manifest()).close();
    expect(existsSync(stray)).toBe(false);
  });
});

function editManifest(dir: string, edit: (m: Manifest) => void): void {
  const m = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as Manifest;
  edit(m);
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify(m));
}

const sweep = ['run', 'svd-demo', '--m', '30,31,32,33,34,35,36,37', '--n', '20,21,22', '--seeds', '2', '--quiet', '--no-plot'];

describe('CLI over damaged or foreign directories', () => {
  it('resume, merge and plot exit 2 (no stack trace) on an edited table', async () => {
    const dir = tmp();
    expect((await runCli([...sweep, '--out', dir])).code).toBe(0);
    const p = join(dir, 'summary.csv');
    writeFileSync(p, readFileSync(p, 'utf8').replace(/\n(\d)/, '\n9$1'));
    for (const args of [
      [...sweep, '--out', dir],
      ['merge', dir, '--out', join(tmp(), 'm'), '-q'],
      ['plot', dir, '-q'],
    ]) {
      const r = await runCli(args);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/summary\.csv: bytes \d+-\d+ of cell \S+ differ from what was committed/);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
  }, 60_000);
  it('--overwrite refuses a directory holding files nrc did not write, and deletes nothing', async () => {
    const foreign = tmp();
    writeFileSync(join(foreign, 'manifest.json'), '{"mine": true}');
    writeFileSync(join(foreign, 'thesis.tex'), 'x');
    const r = await runCli([...sweep, '--out', foreign, '--overwrite']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--overwrite: .* is not a valid nrc results directory/);
    expect(readdirSync(foreign).sort()).toEqual(['manifest.json', 'thesis.tex']);
    const ours = tmp();
    expect((await runCli([...sweep, '--out', ours])).code).toBe(0);
    writeFileSync(join(ours, 'notes.txt'), 'keep me');
    const r2 = await runCli([...sweep, '--out', ours, '--overwrite']);
    expect(r2.code).toBe(2);
    expect(r2.stderr).toMatch(/holds files nrc did not write \(notes\.txt\)/);
    rmSync(join(ours, 'notes.txt'));
    expect((await runCli([...sweep, '--out', ours, '--overwrite'])).code).toBe(0);
    expect(journal(ours)).toHaveLength(48);
  }, 60_000);
});

/** Start the real bin; resolves with its exit code and stderr. */
function start(args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [binPath, ...args], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, NRC_THREADS: '1' } });
    let stderr = '';
    child.stderr.on('data', (d) => {
      stderr += String(d);
    });
    child.on('exit', (code) => resolve({ code, stderr }));
  });
}

function dataRows(dir: string, table: string): string[] {
  return readFileSync(join(dir, table), 'utf8').split('\n').slice(1, -1);
}

const slow = ['run', 'svd-demo', '--m', '600,601,602,603,604', '--n', '400', '--seeds', '8', '--quiet', '--no-plot'];

describe('two concurrent writers', () => {
  it('the second is refused (exit 2 naming the holder); the directory holds every cell once', async () => {
    const dir = tmp();
    const reference = tmp();
    expect((await runCli([...slow, '--out', reference])).code).toBe(0);
    // The second writer starts once the first has committed its first cell (it is mid-sweep).
    const firstCommitted = new Promise<void>((resolve) => {
      const poll = setInterval(() => {
        if (existsSync(join(dir, 'journal.jsonl')) && readFileSync(join(dir, 'journal.jsonl'), 'utf8').length > 0) {
          clearInterval(poll);
          resolve();
        }
      }, 5);
    });
    const results = await Promise.all([start([...slow, '--out', dir]), firstCommitted.then(() => start([...slow, '--out', dir]))]);
    const codes = results.map((r) => r.code).sort((a, b) => (a ?? -1) - (b ?? -1));
    expect(codes).toEqual([0, 2]);
    expect(results.find((r) => r.code === 2)!.stderr).toMatch(/in use by nrc pid \d+ on /);
    for (const t of ['summary.csv', 'singular_values.csv']) {
      const rows = dataRows(dir, t);
      expect(new Set(rows).size).toBe(rows.length); // 0 duplicated
      expect(rows.sort()).toEqual(dataRows(reference, t).sort()); // 0 lost
    }
  }, 60_000);
});

describe('disk full (small tmpfs)', () => {
  it('stops with exit 5 naming the directory; after space is freed the same command resumes with nothing lost or duplicated', async (ctx) => {
    const mnt = tmp();
    const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=160k', 'tmpfs', mnt]).status === 0;
    if (!mounted) {
      console.warn('disk-full test skipped: cannot mount a tmpfs here (needs root)');
      ctx.skip();
      return;
    }
    try {
      const reference = tmp();
      const big = ['run', 'svd-demo', '--m', Array.from({ length: 30 }, (_, i) => 40 + i).join(','), '--n', '30,31', '--quiet', '--no-plot'];
      expect((await runCli([...big, '--out', reference])).code).toBe(0);
      const dir = join(mnt, 'r');
      const filler = join(mnt, 'filler');
      mkdirSync(dir);
      writeFileSync(filler, Buffer.alloc(100 * 1024));
      const full = await start([...big, '--out', dir]);
      expect(full.code).toBe(5);
      expect(full.stderr).toMatch(new RegExp(`${dir}: cannot write .*ENOSPC.*run the same command again to resume`));
      expect(full.stderr).not.toMatch(/\n\s+at /);
      rmSync(filler);
      const resumed = await start([...big, '--out', dir]);
      expect(resumed.code).toBe(0);
      for (const t of ['summary.csv', 'singular_values.csv']) {
        const rows = dataRows(dir, t);
        expect(new Set(rows).size).toBe(rows.length);
        expect(rows.sort()).toEqual(dataRows(reference, t).sort());
      }
    } finally {
      spawnSync('umount', [mnt]);
    }
  }, 120_000);
});

describe('resume command', () => {
  it('is shell-quoted', () => {
    expect(shellQuote(['nrc', 'run', 'x', '--hidden', '8,6,8;8,8', '--out', "my dir/it's"])).toBe(
      `nrc run x --hidden '8,6,8;8,8' --out 'my dir/it'\\''s'`,
    );
  });
});

describe('signals while starting', () => {
  /** Start nrc and send `signal` after `ms`; null exit code: it came before node had even run nrc.js. */
  async function interrupt(signal: NodeJS.Signals, ms: number, dir: string): Promise<{ code: number | null; stderr: string }> {
    const child = spawn(process.execPath, [binPath, ...sweep, '--out', dir], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => {
      stderr += String(d);
    });
    const exited = new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
    await Promise.race([exited, new Promise((r) => setTimeout(r, ms))]);
    child.kill(signal); // no effect if it has already exited
    return { code: await exited, stderr };
  }
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    it(`${signal} in the first moments: exit 128 + signal number with a one-line message, nothing created`, async () => {
      // The moment to hit lies after node has booted (before it, the signal kills node itself: exit code null) and
      // before the output directory is created; how long each takes depends on the machine, so search for it:
      // double the delay while too early, bisect once a delay was too late (the directory exists, or the run ended).
      let early = 0;
      let late = Infinity;
      let ms = 300;
      let r = { code: null as number | null, stderr: '' };
      let dir = '';
      for (let attempt = 0; attempt < 12; attempt++) {
        dir = join(tmp(), 'never');
        r = await interrupt(signal, ms, dir);
        if (r.code === null) early = ms;
        else if (existsSync(dir) || r.code === 0) late = ms;
        else break;
        ms = Number.isFinite(late) ? (early + late) / 2 : 2 * ms;
      }
      expect(r.code).toBe(signal === 'SIGINT' ? 130 : 143);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(new RegExp(`nrc: interrupted \\(${signal}\\) with no cell running; every committed result is kept`));
      expect(existsSync(dir)).toBe(false);
    }, 30_000);
  }
});
