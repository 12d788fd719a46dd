// --dtype f32: the network's products in float32, everything else float64; results close to f64.
import { describe, expect, it } from 'vitest';
import mnistCollapse from '../../experiments/mnist-collapse.ts';
import { cellParams, makeCellContext } from '../helpers/context.ts';

describe('--dtype f32 on mnist-collapse (quick)', () => {
  it('evaluates the same loss to float32 precision at epoch 0 and trains to a nearby loss', async () => {
    const run = async (dtype: 'f64' | 'f32') => {
      // Same random stream for both (a cell's stream is keyed by all its parameters, dtype included).
      const ctx = makeCellContext(cellParams(mnistCollapse, 'quick', { dtype: 'f64', lambda: 1e-3 }), 0);
      const r = await mnistCollapse.runCell({ ...ctx, params: { ...ctx.params, dtype } });
      expect(r.status).toBe('ok');
      return r.rows.train.map((row) => Number(row.loss));
    };
    const f64 = await run('f64');
    const f32 = await run('f32');
    expect(f32.length).toBe(f64.length);
    // Epoch 0 is a forward pass of the same initial network: float32 products, float64 accumulation elsewhere.
    expect(Math.abs(f32[0] - f64[0]) / f64[0]).toBeLessThan(1e-5);
    expect(f32[0]).not.toBe(f64[0]);
    // SGD trajectories then drift apart by rounding; the trained losses stay close.
    expect(Math.abs(f32.at(-1)! - f64.at(-1)!) / f64.at(-1)!).toBeLessThan(0.05);
  }, 60_000);
});
