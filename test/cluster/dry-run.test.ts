// nrc run NAME --dry-run: one row per cell with a positive, finite estimate from a real calibration,
// a Slurm suggestion, and nothing written (the --out directory is never created).
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { arrayArguments, slurmTime, suggestSlurm, type CellCost } from '../../src/runner/dry-run.ts';
import { repoRoot, runCli } from '../helpers/cli.ts';

interface DryRun {
  cells: { index: number; cpuHours: number }[];
  total: number;
  sbatch: string;
}

function parse(stdout: string): DryRun {
  const cells = [...stdout.matchAll(/^ +(\d+) {2}.*?(?:<= |>= )?([0-9.]+(?:e[-+]?\d+)?)$/gm)].map((m) => ({
    index: Number(m[1]),
    cpuHours: Number(m[2]),
  }));
  const total = /^total: (?:at most |at least )?([0-9.]+(?:e[-+]?\d+)?) CPU-h/m.exec(stdout);
  const sbatch = /^ +(sbatch --array=.*)$/m.exec(stdout);
  return { cells, total: total ? Number(total[1]) : NaN, sbatch: sbatch ? sbatch[1] : '' };
}

function resultsEntries(name: string): string[] {
  const dir = join(repoRoot, 'results', name);
  return existsSync(dir) ? readdirSync(dir).sort() : [];
}

describe('nrc run --dry-run', () => {
  const cases: [string, string[], number][] = [
    ['gaussian-mixture', ['--preset', 'quick', '--lambda', '1e-3,1e-2,1e-1'], 3],
    ['deep-linear', ['--preset', 'quick'], 3],
    ['mnist-collapse', ['--preset', 'quick', '--lambda', '1e-4,1e-3'], 2],
    ['width-depth', ['--preset', 'quick'], 2],
    ['wd-ablation', ['--preset', 'quick', '--seeds', '1'], 4],
    ['svd-demo', ['--m', '40,50', '--n', '30'], 2], // no estimate hook: the generic fallback times the first cell
  ];
  for (const [name, args, cells] of cases) {
    it(`${name}: ${cells} cells, each with a positive finite estimate; nothing written`, async () => {
      const out = join(mkdtempSync(join(tmpdir(), 'nrc-dry-')), 'never');
      const before = resultsEntries(name);
      const r = await runCli(['run', name, ...args, '--dry-run', '--threads', '1', '--out', out]);
      expect(r.code, r.stderr).toBe(0);
      const d = parse(r.stdout);
      expect(d.cells.map((c) => c.index)).toEqual(Array.from({ length: cells }, (_, i) => i));
      for (const c of d.cells) {
        expect(Number.isFinite(c.cpuHours)).toBe(true);
        expect(c.cpuHours).toBeGreaterThan(0);
      }
      expect(d.total).toBeGreaterThan(0);
      expect(d.total).toBeCloseTo(
        d.cells.reduce((s, c) => s + c.cpuHours, 0),
        1,
      );
      expect(r.stdout).toMatch(/^memory|  memory /m);
      expect(d.sbatch).toContain(`--array=0-${cells - 1} --cpus-per-task=1`);
      expect(d.sbatch).toContain(`experiments/sweeps/slurm-array.sh ${name}`);
      expect(d.sbatch).not.toContain('--dry-run');
      expect(existsSync(out)).toBe(false);
      expect(resultsEntries(name)).toEqual(before);
    }, 120_000);
  }

  it('suggests one cell per task and a time limit covering the longest shard with a margin', () => {
    const cost = (index: number, seconds: number): CellCost => ({
      index,
      key: `k${index}`,
      label: '',
      bytes: 3 * 2 ** 30,
      estimate: { cpuSeconds: 2 * seconds, wallSeconds: seconds, basis: '' },
    });
    const s = suggestSlurm([cost(0, 3600), cost(1, 7200), cost(2, 60)]);
    expect(s).toMatchObject({ tasks: 3, cellsPerTask: 1, longestTaskSeconds: 7200, timeMinutes: 160, memGiB: 4 });
    expect(slurmTime(160)).toBe('02:40:00');
    expect(slurmTime(1441)).toBe('1-00:01:00');
    expect(
      arrayArguments(['nrc', 'run', 'gaussian-mixture', '--preset', 'paper', '--dry-run', '--out', 'x', '--threads', '2', '--shard=0/2']),
    ).toEqual(['gaussian-mixture', '--preset', 'paper']);
  });
});
