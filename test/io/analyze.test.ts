import { describe, expect, it, vi } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from '@commander-js/extra-typings';
import { analyzeFeatures, analyzeWeights, registerAnalyze, runAnalyze } from '../../src/commands/analyze.ts';
import { UsageError } from '../../src/runner/errors.ts';
import { encodeNpy, writeNpy } from '../../src/io/npy.ts';
import { writeSafetensors } from '../../src/io/safetensors.ts';
import { Matrix } from '../../src/linalg/index.ts';
import { Rng } from '../../src/random/index.ts';
import { labelsWithCounts, mul, randn, samplesAround, simplexMeans } from '../metrics/helpers.ts';

const dir = mkdtempSync(join(tmpdir(), 'nrc-analyze-'));
const K = 3;
const d = 4;
const labels = labelsWithCounts([6, 4, 5]);
const rng = new Rng('analyze');
const X = samplesAround(randn(K, d, rng, 3), labels, randn(labels.length, d, rng, 0.3));
writeNpy(join(dir, 'feats.npy'), { shape: [X.rows, X.cols], data: X.data }, { dtype: 'f4' });
writeNpy(join(dir, 'labels.npy'), { shape: [labels.length], data: labels }, { dtype: 'i8' });
writeNpy(join(dir, 'short-labels.npy'), { shape: [labels.length - 1], data: labels.slice(1) }, { dtype: 'i4' });
const W = randn(K, d, rng);
writeNpy(join(dir, 'W.npy'), { shape: [K, d], data: W.data });
writeNpy(join(dir, 'Wt.npy'), { shape: [K, d], data: W.data }, { fortranOrder: false });
const lowRank = mul(randn(6, 2, rng), randn(2, 5, rng));
writeSafetensors(join(dir, 'model.safetensors'), [
  { name: 'fc1.weight', shape: [6, 5], data: lowRank.data },
  { name: 'fc1.bias', shape: [6], data: new Float64Array(6) },
  { name: 'fc2.weight', shape: [3, 6], data: randn(3, 6, rng).data, dtype: 'F32' },
]);

const FEATURE_KEYS = ['nc1', 'nc1_trace', 'nc2_etf', 'nc2_gram', 'nc3', 'wcss', 'tcv_upper', 'samples', 'classes', 'dim'];

function usage(f: () => unknown): UsageError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(UsageError);
    expect((e as UsageError).exitCode).toBe(2);
    return e as UsageError;
  }
  throw new Error('expected a UsageError');
}

describe('nrc analyze FEATURES --labels LABELS', () => {
  it('--json prints one object with the documented keys', () => {
    const out = JSON.parse(runAnalyze(join(dir, 'feats.npy'), { labels: join(dir, 'labels.npy'), json: true }));
    for (const k of FEATURE_KEYS) expect(out).toHaveProperty(k);
    expect(out.samples).toBe(15);
    expect(out.classes).toBe(3);
    expect(out.dim).toBe(4);
    expect(out.nc3).toBeNull();
    expect(out.nc1).toBeGreaterThan(0);
    expect(out.tcv_upper).toBeLessThanOrEqual(out.wcss);
    expect(out.class_sizes).toEqual([6, 4, 5]);
    const withW = JSON.parse(runAnalyze(join(dir, 'feats.npy'), { labels: join(dir, 'labels.npy'), classifier: join(dir, 'W.npy'), json: true }));
    expect(typeof withW.nc3).toBe('number');
  });

  it('collapsed features at a simplex ETF analyse to zeros', () => {
    const lab = labelsWithCounts([3, 3, 3]);
    const M = simplexMeans(3, 5, 2);
    const r = analyzeFeatures(samplesAround(M, lab), lab, { classifier: M });
    expect(r.nc1).toBeLessThan(1e-25);
    expect(r.nc1_trace).toBeLessThan(1e-25);
    expect(r.nc2_etf).toBeLessThan(1e-12);
    expect(r.nc2_gram).toBeLessThan(1e-12);
    expect(r.nc3!).toBeLessThan(1e-12);
    expect(r.wcss).toBeLessThan(1e-25);
    expect(r.tcv_upper).toBeLessThan(1e-25);
  });

  it('the table and --out CSV', () => {
    const out = join(dir, 'out-features');
    const text = runAnalyze(join(dir, 'feats.npy'), { labels: join(dir, 'labels.npy'), out });
    expect(text).toMatch(/^samples\s+15$/m);
    expect(text).toMatch(/^nc1_trace\s+\d/m);
    const csv = readFileSync(join(out, 'features.csv'), 'utf8').split('\n');
    expect(csv[0]).toMatch(
      /^file,labels,samples,classes,dim,nc1,nc1_trace,nc2_etf,nc2_gram,nc3,cdnv,nc2_orthogonal,wcss,kmeans_wcss,tcv_upper,ncc_accuracy,/,
    );
    expect(csv[1]).toMatch(/feats\.npy,.*labels\.npy,15,3,4,/);
    expect(readFileSync(join(out, 'classes.csv'), 'utf8').split('\n')[0]).toBe('file,class,count,nc1_class');
  });

  it('bad input: exit code 2 with a message naming the file or option', () => {
    expect(usage(() => runAnalyze(join(dir, 'feats.npy'), { labels: join(dir, 'short-labels.npy') })).message).toMatch(
      /short-labels\.npy holds 14 labels but FEATURES .*feats\.npy has 15 rows/,
    );
    expect(usage(() => runAnalyze(join(dir, 'feats.npy'), {})).message).toMatch(/--labels LABELS is required/);
    const bytes = encodeNpy({ shape: [15, 4], data: X.data });
    writeFileSync(join(dir, 'trunc.npy'), bytes.subarray(0, bytes.length - 9));
    expect(usage(() => runAnalyze(join(dir, 'trunc.npy'), { labels: join(dir, 'labels.npy') })).message).toMatch(/FEATURES .*trunc\.npy: truncated/);
    writeNpy(join(dir, 'flabels.npy'), { shape: [15], data: Array.from(labels, (v) => v + 0.5) });
    expect(usage(() => runAnalyze(join(dir, 'feats.npy'), { labels: join(dir, 'flabels.npy') })).message).toMatch(/flabels\.npy: wrong dtype/);
    writeNpy(join(dir, 'Wbad.npy'), { shape: [2, 7], data: new Float64Array(14) });
    expect(usage(() => runAnalyze(join(dir, 'feats.npy'), { labels: join(dir, 'labels.npy'), classifier: join(dir, 'Wbad.npy') })).message).toMatch(
      /--classifier .*Wbad\.npy is 2x7/,
    );
    expect(usage(() => runAnalyze(undefined, {})).message).toMatch(/give FEATURES/);
    expect(usage(() => runAnalyze(join(dir, 'feats.npy'), { labels: join(dir, 'labels.npy'), rank: '3' })).message).toMatch(
      /--rank and --eps apply to --weights/,
    );
  });
});

describe('nrc analyze --weights', () => {
  it('--json: every 2-D tensor with shape, singular values, rel_tail, dist_rank, soft_rank, stable_rank', () => {
    const out = JSON.parse(
      runAnalyze(undefined, { weights: [join(dir, 'model.safetensors'), join(dir, 'W.npy')], rank: '2', eps: '0.1', json: true }),
    );
    expect(out.weights.map((w: { name: string }) => w.name)).toEqual(['fc1.weight', 'fc2.weight', 'W.npy']);
    for (const w of out.weights)
      for (const k of ['name', 'rows', 'cols', 'singular_values', 'rel_tail', 'dist_rank', 'soft_rank', 'stable_rank']) expect(w).toHaveProperty(k);
    const fc1 = out.weights[0];
    expect([fc1.rows, fc1.cols]).toEqual([6, 5]);
    expect(fc1.singular_values.length).toBe(5);
    expect(fc1.rel_tail).toBeLessThan(1e-20); // rank-2 matrix at r = 2
    expect(fc1.soft_rank).toBeLessThanOrEqual(3);
    expect(out.rank).toBe(2);
    expect(out.eps).toBe(0.1);
  });

  it('analyzeWeights defaults and --out CSV', () => {
    const r = analyzeWeights([{ name: 'I', matrix: Matrix.eye(4) }]);
    expect(r.weights[0].rank).toBe(4);
    expect(r.weights[0].stable_rank).toBeCloseTo(4, 10);
    expect(r.weights[0].soft_rank).toBe(5); // flat spectrum: e(4) = 1/4 > 0.1, e(5) = 0
    const out = join(dir, 'out-weights');
    runAnalyze(undefined, { weights: [join(dir, 'model.safetensors')], out });
    expect(readFileSync(join(out, 'weights.csv'), 'utf8').split('\n')[0]).toBe(
      'file,tensor,rows,cols,tensor_shape,rank,rel_tail,dist_rank,eps,soft_rank,stable_rank,effective_rank',
    );
    expect(readFileSync(join(out, 'singular_values.csv'), 'utf8').split('\n').length).toBe(1 + 5 + 3 + 1);
  });

  it('bad input: rank larger than a matrix, eps out of range, both modes, unreadable file', () => {
    expect(usage(() => runAnalyze(undefined, { weights: [join(dir, 'model.safetensors')], rank: '6' })).message).toMatch(
      /--rank 6 is larger than fc1\.weight/,
    );
    expect(usage(() => runAnalyze(undefined, { weights: [join(dir, 'W.npy')], rank: '-1' })).message).toMatch(/--rank "-1"/);
    expect(usage(() => runAnalyze(undefined, { weights: [join(dir, 'W.npy')], eps: 'abc' })).message).toMatch(/--eps "abc"/);
    expect(usage(() => runAnalyze(join(dir, 'feats.npy'), { weights: [join(dir, 'W.npy')] })).message).toMatch(/not both/);
    expect(usage(() => runAnalyze(undefined, { weights: [join(dir, 'missing.safetensors')] })).message).toMatch(/missing\.safetensors: cannot read/);
  });
});

describe('registerAnalyze', () => {
  it('adds the analyze subcommand to a commander program', async () => {
    const program = new Command('nrc').exitOverride();
    registerAnalyze(program);
    const chunks: string[] = [];
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => {
      chunks.push(String(s));
      return true;
    });
    try {
      await program.parseAsync(['analyze', '--weights', join(dir, 'W.npy'), '--json'], { from: 'user' });
    } finally {
      spy.mockRestore();
    }
    const out = JSON.parse(chunks.join(''));
    expect(out.weights[0].name).toBe('W.npy');
    await expect(
      program.parseAsync(['analyze', join(dir, 'feats.npy'), '--labels', join(dir, 'short-labels.npy')], { from: 'user' }),
    ).rejects.toThrow(UsageError);
  });
});
