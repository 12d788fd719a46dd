import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import gradientRank, { type GradientRankParams } from '../../experiments/gradient-rank.ts';
import { readCsvTable, toNumber } from '../../src/io/csv-read.ts';
import { runCli } from '../helpers/cli.ts';
import { cellParams, makeCellContext } from '../helpers/context.ts';

describe('gradient-rank', () => {
  const p = cellParams<GradientRankParams>(gradientRank, 'quick');

  it(
    'Prop 3.1: the batch gradient of every layer has rank min(b, rows, cols) <= b; degenerate data give layers of rank <= K',
    { timeout: 30000 },
    async () => {
      const r = await gradientRank.runCell(makeCellContext(p, 0));
      expect(r.status).toBe('ok');
      const g = r.rows.gradient_rank;
      expect(g).toHaveLength(4 * p.batch);
      const shapes = [
        [8, 8],
        [6, 8],
        [8, 6],
        [8, 8],
      ];
      for (const row of g) {
        const b = row.batch_size as number;
        const [m, n] = shapes[(row.layer as number) - 1];
        expect([row.rows, row.cols]).toEqual([m, n]);
        expect(row.rank as number).toBeLessThanOrEqual(b);
        expect(row.holds).toBe(true);
        // generic data: the bound is attained until the shape caps it
        expect(row.rank).toBe(Math.min(b, m, n));
        expect(row.tol as number).toBeGreaterThan(0);
        expect(row.tol as number).toBeLessThan(1e-12);
      }
      const d = r.rows.degenerate;
      expect(d.map((x) => x.layer)).toEqual([1, 2, 3, 4]);
      for (const row of d) {
        expect(row.rank as number).toBeLessThanOrEqual(p.k);
        expect(row.holds).toBe(true);
        expect(row.bound_holds).toBe(true);
        expect(row.s_k_plus_1 as number).toBeLessThanOrEqual(row.stationarity_bound as number);
        expect(row.rel_tail as number).toBeLessThan(1e-12);
        expect(row.stationarity as number).toBeLessThan(1e-4);
      }
    },
  );

  it('validate refuses a batch larger than N and lambda = 0', () => {
    expect(gradientRank.validate!(p)).toBeUndefined();
    expect(gradientRank.validate!({ ...p, batch: 31 })).toMatch(/--batch 31 exceeds --n 30/);
    expect(gradientRank.validate!({ ...p, lambda: 0 })).toMatch(/--lambda must be > 0/);
  });

  it('CLI quick preset: exact columns, ranks never above the batch size, same seed same bytes', { timeout: 30000 }, async () => {
    const a = mkdtempSync(join(tmpdir(), 'nrc-gr-'));
    const b = mkdtempSync(join(tmpdir(), 'nrc-gr-'));
    const args = ['run', 'gradient-rank', '--preset', 'quick', '--quiet', '--no-plot'];
    expect((await runCli([...args, '--out', a])).code).toBe(0);
    expect((await runCli([...args, '--out', b])).code).toBe(0);
    const g = readCsvTable(join(a, 'gradient_rank.csv'));
    expect(g.columns).toEqual([
      'layer',
      'batch_size',
      'rank',
      'tol',
      'rows',
      'cols',
      'holds',
      'lambda',
      'sigma',
      'seed',
      'k',
      'n',
      'dim',
      'hidden',
      'radius',
    ]);
    for (const row of g.rows) expect(toNumber(row.rank)).toBeLessThanOrEqual(toNumber(row.batch_size));
    const d = readCsvTable(join(a, 'degenerate.csv'));
    expect(d.columns).toEqual([
      'layer',
      'rows',
      'cols',
      'k',
      'rank',
      'tol',
      's_k_plus_1',
      'stationarity_bound',
      'bound_holds',
      'rel_tail',
      'stationarity',
      'holds',
      'iters',
      'grad_norm',
      'status',
      'lambda',
      'seed',
      'n',
      'dim',
      'hidden',
      'radius',
      'dtype',
      'f32_iterations',
      'f64_iterations',
    ]);
    for (const row of d.rows) {
      expect(toNumber(row.rank)).toBeLessThanOrEqual(3);
      expect(row.status).toBe('ok');
    }
    for (const f of ['gradient_rank.csv', 'degenerate.csv']) expect(readFileSync(join(b, f), 'utf8')).toBe(readFileSync(join(a, f), 'utf8'));
  });
});
