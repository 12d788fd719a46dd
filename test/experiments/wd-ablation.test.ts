import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import wdAblation, { type WdAblationParams, classifierBiasOf, configWeightDecay, table1 } from '../../experiments/wd-ablation.ts';
import { classifierMlp, pytorchWeightDecay } from '../../src/nn/classifier.ts';
import { loadMnistData } from '../../src/nn/mnist-training.ts';
import { Matrix } from '../../src/linalg/index.ts';
import { Objective } from '../../src/nn/index.ts';
import { Rng } from '../../src/random/index.ts';
import { readTable } from '../../src/runner/finalize.ts';
import type { Row } from '../../src/runner/types.ts';
import { runCli } from '../helpers/cli.ts';
import { cellParams, makeCellContext } from '../helpers/context.ts';

describe('wd-ablation (Tirer et al. Sec. 5, App. E.2, Table 1)', () => {
  const params = cellParams<WdAblationParams>(wdAblation, 'quick');

  it(
    'declares the tables with exact columns; a quick cell gives one metrics row and ten per-class rows, reproducibly',
    { timeout: 20000 },
    async () => {
      expect(wdAblation.tables).toEqual({
        metrics: ['config', 'loss', 'seed', 'nc1', 'nc1_trace', 'nc2_etf', 'nc3', 'train_acc', 'test_acc', 'train_loss', 'status'],
        per_class: ['config', 'loss', 'seed', 'class', 'nc1'],
      });
      expect(wdAblation.finalTables).toEqual({ table1: ['config', 'loss', 'metric', 'mean', 'sd', 'seeds', 't_vs_baseline'] });
      const p = { ...params, config: 'baseline', loss: 'cross-entropy' };
      const a = await wdAblation.runCell(makeCellContext(p, 2));
      expect(a.status).toBe('ok');
      expect(a.rows.metrics).toHaveLength(1);
      const m = a.rows.metrics[0];
      for (const k of ['nc1', 'nc1_trace', 'nc2_etf', 'nc3']) expect(m[k] as number).toBeGreaterThan(0);
      expect(m.nc2_etf as number).toBeLessThanOrEqual(2); // distance of two unit-Frobenius matrices
      expect(m.nc3 as number).toBeLessThanOrEqual(2);
      expect(m.train_acc as number).toBeGreaterThan(0.2);
      // per-class NC1^(k): nc1 = sum_k pi_k NC1^(k) (App. E.2; (1/K) sum_k for balanced classes)
      const per = a.rows.per_class;
      expect(per.map((r) => r.class)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
      const { train } = loadMnistData(p, new Rng(`wd-ablation/2`).child('data'));
      const counts = new Array(10).fill(0);
      for (const y of train.labels) counts[y]++;
      const weighted = per.reduce((s, r) => s + (counts[r.class as number] / train.labels.length) * (r.nc1 as number), 0);
      expect(weighted).toBeCloseTo(m.nc1 as number, 12);
      const b = await wdAblation.runCell(makeCellContext(p, 2));
      expect(b.rows).toEqual(a.rows);
      const c = await wdAblation.runCell(makeCellContext(p, 3));
      expect(c.rows.metrics[0].nc1).not.toBe(m.nc1);
    },
  );

  it('maps the configurations to PyTorch weight decay and that to lambda = wd/2 (NRC Eq. 3)', () => {
    expect(configWeightDecay('baseline', 5e-4)).toEqual({ feature: 5e-4, last: 5e-4 });
    expect(configWeightDecay('features-x2', 5e-4)).toEqual({ feature: 1e-3, last: 5e-4 });
    expect(configWeightDecay('last-x2', 5e-4)).toEqual({ feature: 5e-4, last: 1e-3 });
    expect(configWeightDecay('features-0', 5e-4)).toEqual({ feature: 0, last: 5e-4 });
    expect(configWeightDecay('last-0', 5e-4)).toEqual({ feature: 5e-4, last: 0 });
    expect(pytorchWeightDecay(1e-3, 0)).toEqual({ feature: 5e-4, last: 0, batchnorm: true });
    expect(classifierBiasOf({ classifierBias: 'auto', loss: 'mse' })).toBe(false);
    expect(classifierBiasOf({ classifierBias: 'auto', loss: 'cross-entropy' })).toBe(true);
  });

  it('zero decay on the features leaves their gradient equal to the data-loss gradient; the last layer gets + wd * W (PyTorch)', () => {
    const rng = new Rng('wd-grad');
    const model = classifierMlp({ input: 6, hidden: [5, 4], classes: 3, batchnorm: true, classifierBias: false }, rng);
    for (let i = 0; i < model.params.length; i++) model.params[i] += 0.05 * Math.cos(i); // move gamma/beta off 1/0
    const X = new Matrix(
      9,
      6,
      Float64Array.from({ length: 54 }, (_, i) => Math.sin(1.3 * i)),
    );
    const Y = Int32Array.from({ length: 9 }, (_, i) => i % 3);
    const wd = 5e-4;
    const grad = (decay: ReturnType<typeof pytorchWeightDecay> | number) => {
      const g = new Float64Array(model.params.length);
      new Objective(model, X, Y, { loss: 'mse', weightDecay: decay, mode: 'train', updateRunning: false }).valueAndGrad(null, g);
      return g;
    };
    const data = grad(0);
    const c = configWeightDecay('features-0', wd);
    const g = grad(pytorchWeightDecay(c.feature, c.last));
    const last = model.offsets[model.depth - 1];
    expect(Array.from(g.subarray(0, last.W))).toEqual(Array.from(data.subarray(0, last.W))); // feature layers: bit-identical
    for (let i = last.W; i < last.end; i++) expect(g[i]).toBeCloseTo(data[i] + wd * model.params[i], 15); // PyTorch: grad + wd * theta
    // baseline: every parameter (weights, biases, batchnorm gamma/beta) gets + wd * theta
    const base = configWeightDecay('baseline', wd);
    const gb = grad(pytorchWeightDecay(base.feature, base.last));
    for (let i = 0; i < g.length; i++) expect(gb[i]).toBeCloseTo(data[i] + wd * model.params[i], 15);
  });

  it('table1 holds mean and SD (n-1) over seeds per (config, loss, metric), equal to an independent computation', () => {
    const metrics: Row[] = [];
    const vals: Record<string, number[]> = { nc1: [0.1, 0.4, 0.25], nc2_etf: [1, 2, 4] };
    for (let s = 0; s < 3; s++) {
      metrics.push({
        config: 'features-0',
        loss: 'mse',
        seed: s,
        nc1: vals.nc1[s],
        nc1_trace: 1,
        nc2_etf: vals.nc2_etf[s],
        nc3: 0.5,
        train_acc: 1,
        test_acc: 0.9,
        status: 'ok',
      });
    }
    metrics.push({ config: 'features-0', loss: 'mse', seed: 3, status: 'diverged' }); // does not count
    metrics.push({
      config: 'baseline',
      loss: 'cross-entropy',
      seed: 0,
      nc1: 0.2,
      nc1_trace: 1,
      nc2_etf: 0.3,
      nc3: 0.4,
      train_acc: 1,
      test_acc: 1,
      status: 'ok',
    });
    const t = table1(metrics);
    // Table 1 row order: baseline first, then by configuration; metrics in declared order
    expect(t.slice(0, 6).map((r) => [r.config, r.loss, r.metric])).toEqual(
      ['nc1', 'nc1_trace', 'nc2_etf', 'nc3', 'train_acc', 'test_acc'].map((k) => ['baseline', 'cross-entropy', k]),
    );
    const base = t.find((r) => r.config === 'baseline' && r.metric === 'nc1')!;
    expect(base.mean).toBe(0.2);
    expect(base.sd).toBeNaN();
    expect(base.seeds).toBe(1);
    const nc1 = t.find((r) => r.config === 'features-0' && r.metric === 'nc1')!;
    expect(nc1.seeds).toBe(3);
    expect(nc1.mean as number).toBeCloseTo(0.25, 15);
    expect(nc1.sd as number).toBeCloseTo(0.15, 15); // deviations -0.15, 0.15, 0: sqrt(0.045 / 2)
    const nc2 = t.find((r) => r.config === 'features-0' && r.metric === 'nc2_etf')!;
    expect(nc2.mean as number).toBeCloseTo(7 / 3, 14);
    expect(nc2.sd as number).toBeCloseTo(Math.sqrt(((1 - 7 / 3) ** 2 + (2 - 7 / 3) ** 2 + (4 - 7 / 3) ** 2) / 2), 14);
    expect(base.t_vs_baseline).toBeNull(); // the baseline row has no t
  });

  it('table1 reports Welch t of each configuration against the baseline of the same loss', () => {
    const row = (config: string, seed: number, nc1: number): Row => ({
      config,
      loss: 'mse',
      seed,
      nc1,
      nc1_trace: 1,
      nc2_etf: 1,
      nc3: 1,
      train_acc: 1,
      test_acc: 1,
      status: 'ok',
    });
    const metrics = [row('baseline', 0, 1), row('baseline', 1, 2), row('baseline', 2, 3), row('features-x2', 0, 0.2), row('features-x2', 1, 0.4)];
    const t = table1(metrics).find((r) => r.config === 'features-x2' && r.metric === 'nc1')!;
    // means 0.3 and 2, variances 0.02 and 1: t = (0.3 - 2) / sqrt(0.02/2 + 1/3)
    expect(t.t_vs_baseline as number).toBeCloseTo(-1.7 / Math.sqrt(0.01 + 1 / 3), 13);
    expect(table1(metrics).find((r) => r.config === 'features-x2' && r.metric === 'nc3')!.t_vs_baseline).toBeNaN(); // no spread
  });

  it('a run with two seeds writes table1.csv whose means and SDs match metrics.csv', { timeout: 30000 }, async () => {
    const out = mkdtempSync(join(tmpdir(), 'nrc-wd-'));
    const r = await runCli([
      'run',
      'wd-ablation',
      '--preset',
      'quick',
      '--config',
      'baseline,features-0',
      '--loss',
      'cross-entropy',
      '--seeds',
      '2',
      '--epochs',
      '2',
      '--out',
      out,
      '--quiet',
      '--no-plot',
    ]);
    expect(r.code).toBe(0);
    const metrics = readTable(join(out, 'metrics.csv'));
    expect(metrics).toHaveLength(4);
    const t = readTable(join(out, 'table1.csv'));
    expect(readFileSync(join(out, 'table1.csv'), 'utf8').split('\n')[0]).toBe('config,loss,metric,mean,sd,seeds,t_vs_baseline');
    expect(t).toHaveLength(2 * 6);
    for (const row of t) {
      const xs = metrics.filter((m) => m.config === row.config && m.loss === row.loss).map((m) => m[row.metric as string] as number);
      expect(xs).toHaveLength(2);
      expect(row.seeds).toBe(2);
      expect(row.mean as number).toBeCloseTo((xs[0] + xs[1]) / 2, 14);
      expect(row.sd as number).toBeCloseTo(Math.abs(xs[0] - xs[1]) / Math.SQRT2, 14); // n = 2: |x1 - x2| / sqrt(2)
    }
    // common random numbers: same seed -> same data and initial weights across configurations, so the metrics
    // of baseline and features-0 differ only through the weight decay (they are close but not equal)
    const nc1 = (config: string, seed: number) => metrics.find((m) => m.config === config && m.seed === seed)!.nc1 as number;
    expect(nc1('baseline', 0)).not.toBe(nc1('features-0', 0));
    expect(Math.abs(nc1('baseline', 0) - nc1('features-0', 0)) / nc1('baseline', 0)).toBeLessThan(0.05);
  });
});
