import { describe, expect, it } from 'vitest';
import widthDepth, { type WidthDepthParams, networks } from '../../experiments/width-depth.ts';
import { cellParams, makeCellContext } from '../helpers/context.ts';

describe('width-depth', () => {
  const base = cellParams<WidthDepthParams>(widthDepth, 'quick');

  it('maps the sweeps onto networks: 4 hidden layers of width n, or D hidden layers of width 2 x input', () => {
    expect(networks({ ...base, sweep: 'width', widths: [12, 24] })).toEqual([
      { value: 12, hidden: [12, 12, 12, 12] },
      { value: 24, hidden: [24, 24, 24, 24] },
    ]);
    // quick: pool 7 -> 4x4 = 16 inputs -> width 32
    expect(networks({ ...base, sweep: 'depth', depths: [1, 3] })).toEqual([
      { value: 1, hidden: [32] },
      { value: 3, hidden: [32, 32, 32] },
    ]);
    expect(networks({ ...base, sweep: 'depth', depths: [2], depthSweepWidth: 5 })).toEqual([{ value: 2, hidden: [5, 5] }]);
  });

  it('quick preset: exact columns, one row per layer, rk(0.1) within [1, min(rows, cols)], reproducible', { timeout: 30000 }, async () => {
    expect(widthDepth.tables).toEqual({
      width: ['lambda', 'seed', 'width', 'layer', 'soft_rank', 'epochs', 'reached_rule', 'train_loss', 'train_acc', 'test_acc'],
      depth: ['lambda', 'seed', 'depth', 'layer', 'soft_rank', 'epochs', 'reached_rule', 'train_loss', 'train_acc', 'test_acc'],
    });
    const w = await widthDepth.runCell(makeCellContext({ ...base, sweep: 'width' }, 2));
    expect(w.status).toBe('not_converged'); // quick: 3 epochs, no loss plateau yet (flagged)
    expect(Object.keys(w.rows)).toEqual(['width']);
    const rows = w.rows.width;
    expect(rows.map((r) => `${r.width}:${r.layer}`)).toEqual([12, 24].flatMap((n) => [1, 2, 3, 4, 5].map((l) => `${n}:${l}`)));
    for (const r of rows) {
      const n = r.width as number;
      const shape = r.layer === 1 ? [n, 16] : r.layer === 5 ? [10, n] : [n, n];
      expect(Number.isInteger(r.soft_rank)).toBe(true);
      expect(r.soft_rank as number).toBeGreaterThanOrEqual(1);
      expect(r.soft_rank as number).toBeLessThanOrEqual(Math.min(shape[0], shape[1]));
    }
    const d = await widthDepth.runCell(makeCellContext({ ...base, sweep: 'depth' }, 2));
    expect(d.status).toBe('not_converged');
    expect(d.rows.depth.map((r) => `${r.depth}:${r.layer}`)).toEqual(['1:1', '1:2', '2:1', '2:2', '2:3']);
    for (const r of d.rows.depth) {
      const shape = r.layer === 1 ? [32, 16] : r.layer === (r.depth as number) + 1 ? [10, 32] : [32, 32];
      expect(r.soft_rank as number).toBeGreaterThanOrEqual(1);
      expect(r.soft_rank as number).toBeLessThanOrEqual(Math.min(shape[0], shape[1]));
    }
    const again = await widthDepth.runCell(makeCellContext({ ...base, sweep: 'width' }, 2));
    expect(again.rows).toEqual(w.rows);
  });

  it('heavy weight decay gives lower soft ranks than none', { timeout: 30000 }, async () => {
    const p = { ...base, sweep: 'width', widths: [24], epochs: 30, batchSize: 20 };
    const lo = await widthDepth.runCell(makeCellContext({ ...p, lambda: 0 }, 1));
    const hi = await widthDepth.runCell(makeCellContext({ ...p, lambda: 0.03 }, 1));
    const sum = (rows: typeof lo.rows.width) => rows.reduce((s, r) => s + (r.soft_rank as number), 0);
    expect(sum(hi.rows.width)).toBeLessThan(sum(lo.rows.width));
  });

  it('a diverging network marks the cell diverged with a message naming it', { timeout: 30000 }, async () => {
    const res = await widthDepth.runCell(makeCellContext({ ...base, sweep: 'depth', lr: 1e30, lambda: 1, momentum: 0 }, 0));
    expect(res.status).toBe('diverged');
    expect(res.message).toMatch(/depth 1: non-finite/);
  });
});
