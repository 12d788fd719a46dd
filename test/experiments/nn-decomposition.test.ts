// nn-decomposition (AGOP paper Sec. 5, App. D): tables, the S V^T stage, per-layer AGOPs, NFA, reproducibility.
import { describe, expect, it } from 'vitest';
import exp, { buildNetwork, measureLayers } from '../../experiments/nn-decomposition.ts';
import { Matrix, gemm } from '../../src/linalg/index.ts';
import { layerAgops, rightSingularProjection, varianceRatios } from '../../src/metrics/decomposition.ts';
import { classStats, nc1Trace, nfaCorrelation, traceSigmaB, traceSigmaW } from '../../src/metrics/index.ts';
import { MLP, agop } from '../../src/nn/index.ts';
import { Rng } from '../../src/random/index.ts';
import { cellParams, makeCellContext } from '../helpers/context.ts';

const quick = () => cellParams(exp, 'quick');

describe('nn-decomposition experiment', () => {
  it('quick preset writes the declared columns, finite values at epoch 0, and is reproducible from the seed', async () => {
    const a = await exp.runCell(makeCellContext(quick(), 3));
    const b = await exp.runCell(makeCellContext(quick(), 3));
    expect(a.status).toBe('ok');
    expect(exp.tables.decomposition).toEqual(['init_scale', 'lr', 'seed', 'epoch', 'layer', 'stage', 'nc1']);
    expect(exp.tables.nfa).toEqual(['init_scale', 'lr', 'seed', 'epoch', 'layer', 'variant', 'nfa_corr']);
    expect(exp.tables.train).toEqual(['init_scale', 'lr', 'seed', 'epoch', 'loss', 'train_acc', 'test_acc']);
    expect(exp.tables.variance).toEqual(['init_scale', 'lr', 'seed', 'epoch', 'layer', 'within_over_total', 'between_over_total']);
    const p = quick();
    const records = p.epochs / p.every + 1; // epochs 0, 2, 4
    expect(a.rows.train.map((r) => r.epoch)).toEqual([0, 2, 4]);
    expect(a.rows.decomposition).toHaveLength(records * p.depth * 3);
    // sqrt_agop and agop at every record, delta_sqrt_agop after epoch 0
    expect(a.rows.nfa).toHaveLength(records * p.depth * 2 + (records - 1) * p.depth);
    for (const key of ['decomposition', 'nfa', 'variance']) {
      const rows0 = a.rows[key].filter((r) => r.epoch === 0);
      expect(rows0.length).toBeGreaterThan(0);
      for (const r of rows0) for (const v of Object.values(r)) if (typeof v === 'number') expect(Number.isFinite(v)).toBe(true);
    }
    expect(a.rows.nfa.some((r) => r.epoch === 0 && r.variant === 'delta_sqrt_agop')).toBe(false);
    // the output of layer l is the input of layer l + 1
    const nc = (e: number, l: number, s: string) => a.rows.decomposition.find((r) => r.epoch === e && r.layer === l && r.stage === s)!.nc1 as number;
    expect(nc(4, 2, 'input')).toBe(nc(4, 1, 'output'));
    for (const r of a.rows.variance) expect((r.within_over_total as number) + (r.between_over_total as number)).toBeCloseTo(1, 12);
    expect(JSON.stringify(b.rows)).toBe(JSON.stringify(a.rows));
    const c = await exp.runCell(makeCellContext(quick(), 4));
    expect(JSON.stringify(c.rows.nfa)).not.toBe(JSON.stringify(a.rows.nfa));
  }, 30000);

  it('rejects more digits than the mnist package holds', () => {
    expect(exp.validate!({ ...quick(), n: 9500, nTest: 1000 })).toMatch(/10000/);
  });
});

describe('decomposition metrics', () => {
  it('NFA correlation of a matrix with itself is 1 (and with a positive rescaling plus shift)', () => {
    const rng = new Rng('nfa');
    const A = new Matrix(7, 5, rng.normals(35));
    const G = gemm(A, A, { transA: true });
    expect(nfaCorrelation(G, G)).toBeCloseTo(1, 14);
    const H = new Matrix(
      5,
      5,
      G.data.map((v) => 3 * v + 2),
    );
    expect(nfaCorrelation(G, H)).toBeCloseTo(1, 14);
  });

  it('NC1 of the S V^T stage equals NC1 of X V S computed from an independent SVD construction', () => {
    // W = U S V^T built from known orthonormal factors: U = 2x2 rotation, V^T = rows of a 3x3 rotation
    const rng = new Rng('svt');
    const c = Math.cos(0.7),
      s = Math.sin(0.7);
    const U = Matrix.fromFunction(
      2,
      2,
      (i, j) =>
        [
          [c, -s],
          [s, c],
        ][i][j],
    );
    const a = 0.4,
      b = 1.1;
    const R1 = [
      [Math.cos(a), -Math.sin(a), 0],
      [Math.sin(a), Math.cos(a), 0],
      [0, 0, 1],
    ];
    const R2 = [
      [1, 0, 0],
      [0, Math.cos(b), -Math.sin(b)],
      [0, Math.sin(b), Math.cos(b)],
    ];
    const R = Matrix.fromFunction(3, 3, (i, j) => R1[i][0] * R2[0][j] + R1[i][1] * R2[1][j] + R1[i][2] * R2[2][j]);
    const Vt = Matrix.fromFunction(2, 3, (i, j) => R.get(i, j));
    const S = [3, 0.5];
    const W = gemm(
      U,
      Matrix.fromFunction(2, 3, (i, j) => S[i] * Vt.get(i, j)),
    );
    const N = 30;
    const X = new Matrix(N, 3, rng.normals(N * 3));
    const labels = Int32Array.from({ length: N }, (_, i) => i % 3);
    const XVS = Matrix.fromFunction(N, 2, (i, j) => S[j] * (X.get(i, 0) * Vt.get(j, 0) + X.get(i, 1) * Vt.get(j, 1) + X.get(i, 2) * Vt.get(j, 2)));
    const P = rightSingularProjection(X, W);
    expect(nc1Trace(P, labels)).toBeCloseTo(nc1Trace(XVS, labels), 12);
    // U is orthogonal, so NC1 of W x equals NC1 of S V^T x (AGOP Sec. 5, cyclic trace)
    expect(nc1Trace(gemm(X, W, { transB: true }), labels)).toBeCloseTo(nc1Trace(XVS, labels), 12);
  });

  it('variance ratios use Sigma_T = Sigma_W + Sigma_B (App. D)', () => {
    const rng = new Rng('ratios');
    const X = new Matrix(20, 4, rng.normals(80));
    const labels = Int32Array.from({ length: 20 }, (_, i) => (i < 12 ? 0 : i < 16 ? 1 : 2));
    const s = classStats(X, labels);
    const w = traceSigmaW(s),
      bt = traceSigmaB(s);
    const r = varianceRatios(X, labels);
    expect(r.withinOverTotal).toBeCloseTo(w / (w + bt), 14);
    expect(r.betweenOverTotal).toBeCloseTo(bt / (w + bt), 14);
  });

  it('layerAgops equals nn/agop at every layer', () => {
    const rng = new Rng('agop');
    const model = new MLP({ widths: [6, 5, 4, 3], activation: 'relu', bias: false }, rng.child('m'));
    const X = new Matrix(11, 6, rng.normals(66));
    const all = layerAgops(model, X);
    for (let l = 0; l < 3; l++) {
      const ref = agop(model, X, l);
      for (let i = 0; i < ref.data.length; i++) expect(all[l].data[i]).toBeCloseTo(ref.data[i], 12);
    }
  });

  it('buildNetwork: hidden init bounds follow the init kind, readout is PyTorch default, and measureLayers at init has no delta rows', () => {
    const rng = new Rng('build');
    const net = buildNetwork({ depth: 2, width: 8, initScale: 0.2, init: 'xavier' }, 10, 3, rng);
    const max = (m: Matrix) => Math.max(...Array.from(m.data, Math.abs));
    expect(max(net.layers[0].W)).toBeLessThanOrEqual(0.2 * Math.sqrt(6 / 18));
    expect(max(net.layers[1].W)).toBeLessThanOrEqual(0.2 * Math.sqrt(6 / 16));
    expect(max(net.layers[2].W)).toBeLessThanOrEqual(1 / Math.sqrt(8));
    expect(max(net.layers[2].W)).toBeGreaterThan(0.2 * Math.sqrt(6 / 11));
    const torch = buildNetwork({ depth: 2, width: 8, initScale: 0.2, init: 'pytorch' }, 10, 3, new Rng('build'));
    expect(max(torch.layers[0].W)).toBeLessThanOrEqual(0.2 / Math.sqrt(10));
    const X = new Matrix(12, 10, rng.normals(120));
    const labels = Int32Array.from({ length: 12 }, (_, i) => i % 3);
    const m = measureLayers(net, X, labels, [net.layers[0].W.clone(), net.layers[1].W.clone()], 0);
    expect(m.nfa.map((r) => r.variant)).toEqual(['sqrt_agop', 'agop', 'sqrt_agop', 'agop']);
    expect(m.decomposition[0].nc1).toBeCloseTo(nc1Trace(X, labels), 14);
  });
});
