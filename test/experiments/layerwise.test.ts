import { describe, expect, it } from 'vitest';
import layerwise, { type LayerwiseParams, type RoundResult, trainLayerwise } from '../../experiments/layerwise.ts';
import { Matrix } from '../../src/linalg/index.ts';
import { MLP } from '../../src/nn/index.ts';
import { insertHiddenLayer } from '../../src/nn/grow.ts';
import { Rng } from '../../src/random/index.ts';
import { cellParams, makeCellContext } from '../helpers/context.ts';

describe('layerwise (Tirer et al. Sec. 5, App. E.1, Fig. 2)', () => {
  const params = cellParams<LayerwiseParams>(layerwise, 'quick');

  it('quick preset: one row per hidden layer with exact columns, sane numbers, reproducible from the seed', { timeout: 20000 }, async () => {
    expect(layerwise.tables).toEqual({ layerwise: ['seed', 'layers', 'nc1', 'nc1_trace', 'train_loss', 'train_acc', 'test_acc'] });
    const a = await layerwise.runCell(makeCellContext(params, 5));
    expect(a.status).toBe('ok');
    const rows = a.rows.layerwise;
    expect(rows.map((r) => r.layers)).toEqual([1, 2, 3]);
    for (const r of rows) {
      expect(Object.keys(r).sort()).toEqual(['layers', 'nc1', 'nc1_trace', 'test_acc', 'train_acc', 'train_loss']);
      expect(r.nc1 as number).toBeGreaterThan(0);
      expect(r.nc1_trace as number).toBeGreaterThan(0);
      expect(r.train_loss as number).toBeGreaterThan(0);
      expect(r.train_loss as number).toBeLessThan(Math.log(10) + 0.5); // CE near or below chance level
      expect(r.train_acc as number).toBeGreaterThan(0.1); // better than chance after training
      expect(r.train_acc as number).toBeLessThanOrEqual(1);
    }
    const b = await layerwise.runCell(makeCellContext(params, 5));
    expect(b.rows).toEqual(a.rows);
    const c = await layerwise.runCell(makeCellContext(params, 6));
    expect(c.rows.layerwise[0].nc1).not.toBe(a.rows.layerwise[0].nc1);
  });

  it('each round updates only the new hidden layer and the classifier; earlier layers stay bit-identical', { timeout: 20000 }, async () => {
    const snaps: { layers: number; model: MLP }[] = [];
    await trainLayerwise(makeCellContext(params, 1), (r: RoundResult) => snaps.push({ layers: r.layers, model: r.model.clone() }));
    expect(snaps.map((s) => s.layers)).toEqual([1, 2, 3]);
    for (let i = 1; i < snaps.length; i++) {
      const prev = snaps[i - 1].model;
      const cur = snaps[i].model;
      expect(cur.depth).toBe(prev.depth + 1);
      // frozen hidden layers 0 .. depth(prev)-2: parameters and batchnorm running statistics unchanged, bit for bit
      for (let l = 0; l < prev.depth - 1; l++) {
        const o = prev.offsets[l];
        expect(cur.offsets[l]).toEqual(o);
        expect(Array.from(cur.params.subarray(o.W, o.end))).toEqual(Array.from(prev.params.subarray(o.W, o.end)));
        expect(Array.from(cur.bnState[l]!.runningMean)).toEqual(Array.from(prev.bnState[l]!.runningMean));
        expect(Array.from(cur.bnState[l]!.runningVar)).toEqual(Array.from(prev.bnState[l]!.runningVar));
      }
      // the classifier was trained further from its previous weights (same shape, moved)
      const Wprev = prev.layers[prev.depth - 1].W.data;
      const Wcur = cur.layers[cur.depth - 1].W.data;
      expect(Wcur.length).toBe(Wprev.length);
      let diff = 0;
      for (let i2 = 0; i2 < Wcur.length; i2++) diff = Math.max(diff, Math.abs(Wcur[i2] - Wprev[i2]));
      expect(diff).toBeGreaterThan(0);
      expect(diff).toBeLessThan(0.5); // a continuation, not a re-initialisation
    }
  });

  it('insertHiddenLayer keeps every trained layer and puts a default-initialised layer before the classifier', () => {
    const rng = new Rng('grow');
    const m = new MLP(
      { widths: [5, 4, 4, 3], activation: 'relu', outputActivation: 'identity', batchnorm: true, bias: [true, true, false] },
      rng.child('a'),
    );
    for (let i = 0; i < m.params.length; i++) m.params[i] += 0.01 * i; // "trained"
    m.bnState[0]!.runningMean.fill(0.3);
    const g = insertHiddenLayer(m, rng.child('b'));
    expect(g.widths).toEqual([5, 4, 4, 4, 3]);
    expect(g.batchnorm).toEqual([true, true, true, false]);
    expect(g.bias).toEqual([true, true, true, false]);
    expect(g.activations).toEqual(['relu', 'relu', 'relu', 'identity']);
    for (const [from, to] of [
      [0, 0],
      [1, 1],
      [2, 3],
    ]) {
      const a = m.offsets[from];
      const b = g.offsets[to];
      expect(Array.from(g.params.subarray(b.W, b.end))).toEqual(Array.from(m.params.subarray(a.W, a.end)));
    }
    expect(Array.from(g.bnState[0]!.runningMean)).toEqual([0.3, 0.3, 0.3, 0.3]);
    // new layer: PyTorch default init, W and b uniform on +-1/sqrt(4), batchnorm gamma = 1, beta = 0
    const nl = g.layers[2];
    for (const v of [...nl.W.data, ...nl.b!]) expect(Math.abs(v)).toBeLessThanOrEqual(0.5);
    expect(Array.from(nl.gamma!)).toEqual([1, 1, 1, 1]);
    expect(Array.from(nl.beta!)).toEqual([0, 0, 0, 0]);
    // the representation feeding the new layer is the old network's last hidden representation
    const X = new Matrix(
      6,
      5,
      Float64Array.from({ length: 30 }, (_, i) => Math.sin(i)),
    );
    expect(Array.from(g.representation(X, 2).data)).toEqual(Array.from(m.representation(X, 2).data));
  });
});
