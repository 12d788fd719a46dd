import { describe, expect, it } from 'vitest';
import mnistCollapse, { type MnistCollapseParams } from '../../experiments/mnist-collapse.ts';
import { trainEpochs, tanhMlp, loadMnistData } from '../../src/nn/mnist-training.ts';
import { cellParams, makeCellContext } from '../helpers/context.ts';
import { Rng } from '../../src/random/index.ts';

describe('mnist-collapse', () => {
  const params = cellParams<MnistCollapseParams>(mnistCollapse, 'quick');

  it('quick preset writes the three tables with exact columns and sane numbers, reproducibly', { timeout: 30000 }, async () => {
    const a = await mnistCollapse.runCell(makeCellContext(params, 3));
    expect(a.status).toBe('ok');
    expect(mnistCollapse.tables).toEqual({
      tails: ['lambda', 'seed', 'epoch', 'layer', 'r', 'e_r'],
      tcv: ['lambda', 'seed', 'epoch', 'layer', 'wcss'],
      train: ['lambda', 'seed', 'epoch', 'loss', 'train_acc', 'test_acc'],
    });
    // quick: 7x7 inputs (49), hidden 16,16, 10 classes; records at epochs 0, 2, 4
    const epochs = [0, 2, 4];
    expect(a.rows.train.map((r) => r.epoch)).toEqual(epochs);
    const dims = [
      [16, 49],
      [16, 16],
      [10, 16],
    ];
    const tails = a.rows.tails;
    expect(tails.length).toBe(epochs.length * (16 + 16 + 10));
    for (const epoch of epochs) {
      dims.forEach(([rows, cols], l) => {
        const e = tails.filter((t) => t.epoch === epoch && t.layer === l + 1);
        expect(e.map((t) => t.r)).toEqual(Array.from({ length: Math.min(rows, cols) }, (_, i) => i + 1));
        expect(e[0].e_r).toBe(1); // e(1) = 1 (NRC Eq. 22)
        for (let i = 1; i < e.length; i++) expect(e[i].e_r as number).toBeLessThanOrEqual(e[i - 1].e_r as number);
        expect(e[e.length - 1].e_r as number).toBeGreaterThan(0);
      });
    }
    // TCV rows: layers 0 (input) .. L-1; the input's WCSS does not change with training
    const tcv = a.rows.tcv;
    expect(tcv.length).toBe(epochs.length * 3);
    const input = tcv.filter((t) => t.layer === 0).map((t) => t.wcss as number);
    expect(new Set(input).size).toBe(1);
    expect(input[0]).toBeGreaterThan(0.5); // mean squared distance to class means of pooled digits
    for (const t of tcv) expect(t.wcss as number).toBeGreaterThan(0);
    // training reduces L_lambda and beats chance
    const losses = a.rows.train.map((r) => r.loss as number);
    expect(losses[2]).toBeLessThan(losses[0]);
    expect(a.rows.train[2].train_acc as number).toBeGreaterThan(0.2);
    for (const r of a.rows.train) {
      expect(r.test_acc as number).toBeGreaterThanOrEqual(0);
      expect(r.test_acc as number).toBeLessThanOrEqual(1);
    }
    const b = await mnistCollapse.runCell(makeCellContext(params, 3));
    expect(b.rows).toEqual(a.rows);
    const c = await mnistCollapse.runCell(makeCellContext(params, 4));
    expect(c.rows.train[0].loss).not.toBe(a.rows.train[0].loss);
  });

  it('stronger weight decay lightens the spectral tail (smaller e(r) for r past the bulk)', async () => {
    const p = { ...params, epochs: 6, every: 6 };
    const lo = await mnistCollapse.runCell(makeCellContext({ ...p, lambda: 0 }, 1));
    const hi = await mnistCollapse.runCell(makeCellContext({ ...p, lambda: 0.03 }, 1));
    const tail = (rows: typeof lo.rows.tails, layer: number) => rows.find((t) => t.epoch === 6 && t.layer === layer && t.r === 8)!.e_r as number;
    for (const layer of [1, 2]) expect(tail(hi.rows.tails, layer)).toBeLessThan(tail(lo.rows.tails, layer));
  });

  it('a diverging run is recorded as diverged with the rows recorded so far', async () => {
    const res = await mnistCollapse.runCell(makeCellContext({ ...params, lr: 1e30, lambda: 1, momentum: 0 }, 0));
    expect(res.status).toBe('diverged');
    expect(res.message).toMatch(/non-finite/);
    expect(res.rows.train[0].epoch).toBe(0);
  });

  it('stops when the signal is aborted', async () => {
    const data = loadMnistData(params, new Rng(1));
    const model = tanhMlp(49, [8], 10, new Rng(2));
    const controller = new AbortController();
    controller.abort();
    const res = await trainEpochs({ signal: controller.signal }, model, data.train, {
      lambda: 0,
      training: params,
      every: 1,
      rng: new Rng(3),
    });
    expect(res).toMatchObject({ status: 'failed', epochs: 0, message: 'aborted' });
  });

  it('rejects more samples than the package has, and a missing data directory, before any work', () => {
    expect(mnistCollapse.validate!({ ...params, n: 9500, nTest: 1000 })).toMatch(/--n 9500 \+ --n-test 1000 exceed the 10000 digits/);
    expect(mnistCollapse.validate!({ ...params, dataDir: '/nonexistent/mnist' })).toMatch(
      /--data-dir: data directory \/nonexistent\/mnist does not exist/,
    );
    expect(mnistCollapse.validate!(params)).toBeUndefined();
  });
});
