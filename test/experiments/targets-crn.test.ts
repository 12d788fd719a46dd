// +-1 targets (AGOP App. C), common random numbers across lambda (NRC Sec. 6.3-6.4 vary lambda
// alone), and the train-loss plateau rule of width-depth with its reached_rule flag.
import { describe, expect, it } from 'vitest';
import mnistCollapse, { type MnistCollapseParams } from '../../experiments/mnist-collapse.ts';
import nnDecomposition from '../../experiments/nn-decomposition.ts';
import widthDepth, { type WidthDepthParams } from '../../experiments/width-depth.ts';
import { encodeTargets, plateauReached, tanhMlp, trainEpochs, validateMnistData } from '../../src/nn/mnist-training.ts';
import { Matrix } from '../../src/linalg/index.ts';
import { Rng } from '../../src/random/index.ts';
import { cellParams, makeCellContext } from '../helpers/context.ts';

const noSignal = { signal: new AbortController().signal };

describe('target encoding (item 1)', () => {
  it('pm1 is +1 for the class and -1 elsewhere; onehot keeps the labels', () => {
    const labels = Int32Array.from([2, 0, 1]);
    const Y = encodeTargets(labels, 3, 'pm1') as Matrix;
    expect(Array.from(Y.data)).toEqual([-1, -1, 1, 1, -1, -1, -1, 1, -1]);
    expect(encodeTargets(labels, 3, 'onehot')).toBe(labels);
  });

  it('the training loss uses the encoding: a zero network has MSE 1 on +-1 targets and 1/K on one-hot ones', async () => {
    const X = new Matrix(
      20,
      4,
      Float64Array.from({ length: 80 }, (_, i) => Math.sin(i)),
    );
    const labels = Int32Array.from({ length: 20 }, (_, i) => i % 10);
    const lossAt0 = async (targets: string) => {
      const model = tanhMlp(4, [3], 10, new Rng('zero'));
      model.params.fill(0);
      let loss = NaN;
      const training = { epochs: 0, lr: 0.1, batchSize: 5, optimizer: 'sgd', momentum: 0, loss: 'mse', dtype: 'f64' as const, targets };
      await trainEpochs(
        noSignal,
        model,
        { X, labels, classes: 10 },
        {
          lambda: 0,
          training,
          every: 1,
          rng: new Rng(0),
          onRecord: (_e, l) => {
            loss = l;
          },
        },
      );
      return loss;
    };
    expect(await lossAt0('pm1')).toBeCloseTo(1, 14);
    expect(await lossAt0('onehot')).toBeCloseTo(0.1, 15);
  });

  it("nn-decomposition defaults to the paper's +-1 targets; pm1 with cross-entropy is rejected before work", () => {
    expect(nnDecomposition.params.find((s) => s.name === 'targets')!.default).toBe('pm1');
    for (const exp of [mnistCollapse, widthDepth]) expect(exp.params.find((s) => s.name === 'targets')!.default).toBe('onehot');
    const p = cellParams(nnDecomposition, 'quick');
    expect(validateMnistData({ ...p, loss: 'cross-entropy' })).toMatch(/--targets pm1/);
    expect(validateMnistData(p)).toBeUndefined();
  });
});

describe('common random numbers across lambda (item 2)', () => {
  it('mnist-collapse: the epoch-0 rows (WCSS per layer, spectra, accuracies) are equal for every lambda', { timeout: 30000 }, async () => {
    const p = cellParams<MnistCollapseParams>(mnistCollapse, 'quick', { epochs: 0 });
    const a = await mnistCollapse.runCell(makeCellContext({ ...p, lambda: 1e-4 }, 5));
    const b = await mnistCollapse.runCell(makeCellContext({ ...p, lambda: 3e-3 }, 5));
    expect(b.rows.tcv).toEqual(a.rows.tcv);
    expect(b.rows.tails).toEqual(a.rows.tails);
    expect(b.rows.train[0].train_acc).toBe(a.rows.train[0].train_acc);
    expect(b.rows.train[0].loss).toBeGreaterThan(a.rows.train[0].loss as number); // L_lambda at init: only the decay term differs
    const c = await mnistCollapse.runCell(makeCellContext({ ...p, lambda: 1e-4 }, 6));
    expect(c.rows.tcv[1].wcss).not.toBe(a.rows.tcv[1].wcss); // another seed, other digits and weights
  });

  it('width-depth: networks of equal architecture start equal for every lambda', { timeout: 30000 }, async () => {
    const p = cellParams<WidthDepthParams>(widthDepth, 'quick', { epochs: 0, sweep: 'width' });
    const a = await widthDepth.runCell(makeCellContext({ ...p, lambda: 1e-3 }, 2));
    const b = await widthDepth.runCell(makeCellContext({ ...p, lambda: 1e-2 }, 2));
    const strip = (rows: typeof a.rows.width) => rows.map((r) => ({ ...r, train_loss: undefined }));
    expect(strip(b.rows.width)).toEqual(strip(a.rows.width));
    expect(new Set(a.rows.width.map((r) => r.train_loss)).size).toBe(2); // two architectures, two initial networks
  });
});

describe('width-depth stopping rule (item 3)', () => {
  it('plateau rule: relative fall of the loss over the window below tol', () => {
    expect(plateauReached([10, 5, 4.99], 1, 0.01)).toBe(true); // 0.01 / 5 = 0.002 < 0.01
    expect(plateauReached([10, 5, 4.9], 1, 0.01)).toBe(false); // 0.1 / 5 = 0.02
    expect(plateauReached([10, 9.95], 2, 0.01)).toBe(false); // not enough epochs yet
    expect(plateauReached([10, 9.99, 9.95], 2, 0.01)).toBe(true);
  });

  it(
    'a network that hits the epoch cap is flagged (reached_rule false, status not_converged); one that plateaus is not',
    { timeout: 30000 },
    async () => {
      const p = cellParams<WidthDepthParams>(widthDepth, 'quick', { sweep: 'depth', depths: [1], n: 100, nTest: 20 });
      const capped = await widthDepth.runCell(makeCellContext({ ...p, epochs: 2, plateauWindow: 5, plateauTol: 1e-3 }, 1));
      expect(capped.status).toBe('not_converged');
      expect(capped.message).toMatch(/no loss plateau/);
      for (const r of capped.rows.depth) {
        expect(r.reached_rule).toBe(false);
        expect(r.epochs).toBe(2);
      }
      const stopped = await widthDepth.runCell(makeCellContext({ ...p, epochs: 200, plateauWindow: 1, plateauTol: 0.5 }, 1));
      expect(stopped.status).toBe('ok');
      for (const r of stopped.rows.depth) {
        expect(r.reached_rule).toBe(true);
        expect(r.epochs as number).toBeLessThan(200);
      }
    },
  );
});
