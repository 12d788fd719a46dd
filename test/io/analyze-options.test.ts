// nrc analyze options: global mean, classifier layout, --tcv and k-means.
import { describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { orientClassifier, runAnalyze } from '../../src/commands/analyze.ts';
import { UsageError } from '../../src/runner/errors.ts';
import { writeNpy } from '../../src/io/npy.ts';
import { kmeans } from '../../src/metrics/clusters.ts';
import { Rng } from '../../src/random/index.ts';
import { labelsWithCounts, randn, randomOrthogonal, samplesAround, simplexMeans, transposed } from '../metrics/helpers.ts';

const dir = mkdtempSync(join(tmpdir(), 'nrc-analyze-opts-'));
const rng = new Rng('analyze-options');

describe('--global-mean and unbalanced classes', () => {
  const K = 6;
  const d = 8;
  const counts = Array.from({ length: K }, (_, k) => Math.round(1000 * 0.6 ** k));
  const labels = labelsWithCounts(counts);
  const M = simplexMeans(K, d, 1, randomOrthogonal(d, rng));
  const X = samplesAround(M, labels, randn(labels.length, d, rng, 1e-6));
  writeNpy(join(dir, 'unb.npy'), { shape: [X.rows, d], data: X.data });
  writeNpy(join(dir, 'unb-labels.npy'), { shape: [labels.length], data: labels }, { dtype: 'i8' });
  writeNpy(join(dir, 'etf.npy'), { shape: [K, d], data: M.data });

  it('an exact ETF scores ~0 by default and is biased with --global-mean samples; the JSON says which', () => {
    const args = { labels: join(dir, 'unb-labels.npy'), classifier: join(dir, 'etf.npy'), json: true, quiet: true };
    const def = JSON.parse(runAnalyze(join(dir, 'unb.npy'), args));
    expect(def.nc2_etf).toBeLessThan(1e-6);
    expect(def.nc2_gram).toBeLessThan(1e-5);
    expect(def.nc3).toBeLessThan(1e-6);
    expect(def.global_mean).toEqual({ dispersion: 'samples', geometry: 'class-means' });
    const sm = JSON.parse(runAnalyze(join(dir, 'unb.npy'), { ...args, globalMean: 'samples' }));
    expect(sm.nc2_etf).toBeGreaterThan(0.3);
    expect(sm.global_mean).toEqual({ dispersion: 'samples', geometry: 'samples' });
    const cm = JSON.parse(runAnalyze(join(dir, 'unb.npy'), { ...args, globalMean: 'class-means' }));
    expect(cm.nc2_etf).toBe(def.nc2_etf);
    expect(cm.nc1_trace).not.toBe(def.nc1_trace); // Sigma_B now centred on the class means too
    expect(() => runAnalyze(join(dir, 'unb.npy'), { ...args, globalMean: 'mean' })).toThrow(
      /--global-mean "mean": expected one of samples, class-means/,
    );
  });
});

describe('square classifiers', () => {
  const K = 4;
  const labels = labelsWithCounts([5, 5, 5, 5]);
  const X = samplesAround(randn(K, K, rng, 3), labels, randn(20, K, rng, 0.3));
  const W = randn(K, K, rng);

  it('a square matrix is read as out x in (PyTorch Linear) and says so; --classifier-layout in-out transposes', () => {
    const a = orientClassifier(W, K, K, K - 1, 'auto', 'W');
    expect(a.report).toEqual({ layout: 'out_in', reason: 'square', rows: K, cols: K });
    expect(a.W).toBe(W);
    const b = orientClassifier(W, K, K, K - 1, 'in-out', 'W');
    expect(b.report.layout).toBe('in_out');
    expect(Array.from(b.W.data)).toEqual(Array.from(transposed(W).data));
    const c = orientClassifier(randn(K, 7, rng), 7, K, K - 1, 'auto', 'W');
    expect(c.report).toEqual({ layout: 'out_in', reason: 'shape', rows: K, cols: 7 });
    const t = orientClassifier(randn(7, K, rng), 7, K, K - 1, 'auto', 'W');
    expect(t.report).toMatchObject({ layout: 'in_out', reason: 'shape' });
    expect(() => orientClassifier(randn(7, K, rng), 7, K, K - 1, 'out-in', 'W.npy')).toThrow(UsageError);
  });

  it('through the CLI: nc3 of W and of Wᵀ differ and the JSON reports the layout', () => {
    writeNpy(join(dir, 'sq.npy'), { shape: [20, K], data: X.data });
    writeNpy(join(dir, 'sq-labels.npy'), { shape: [20], data: labels }, { dtype: 'i4' });
    writeNpy(join(dir, 'sqW.npy'), { shape: [K, K], data: W.data });
    writeNpy(join(dir, 'sqWt.npy'), { shape: [K, K], data: transposed(W).data });
    const base = { labels: join(dir, 'sq-labels.npy'), json: true, quiet: true };
    const a = JSON.parse(runAnalyze(join(dir, 'sq.npy'), { ...base, classifier: join(dir, 'sqW.npy') }));
    const b = JSON.parse(runAnalyze(join(dir, 'sq.npy'), { ...base, classifier: join(dir, 'sqWt.npy'), classifierLayout: 'in-out' }));
    expect(a.classifier_layout).toEqual({ layout: 'out_in', reason: 'square', rows: K, cols: K });
    expect(b.classifier_layout).toEqual({ layout: 'in_out', reason: 'option', rows: K, cols: K });
    expect(b.nc3).toBe(a.nc3);
    const c = JSON.parse(runAnalyze(join(dir, 'sq.npy'), { ...base, classifier: join(dir, 'sqWt.npy') }));
    expect(Math.abs(c.nc3 - a.nc3)).toBeGreaterThan(1e-3);
  });
});

describe('--tcv classes | kmeans', () => {
  it('classes (default) = class WCSS without k-means; kmeans <= it, with progress and a restart count', () => {
    const labels = labelsWithCounts([30, 30, 30]);
    const X = samplesAround(randn(3, 5, rng, 1), labels, randn(90, 5, rng, 1));
    writeNpy(join(dir, 'km.npy'), { shape: [90, 5], data: X.data });
    writeNpy(join(dir, 'km-labels.npy'), { shape: [90], data: labels }, { dtype: 'i4' });
    const base = { labels: join(dir, 'km-labels.npy'), json: true, quiet: true };
    const c = JSON.parse(runAnalyze(join(dir, 'km.npy'), base));
    expect(c.tcv).toBe('classes');
    expect(c.tcv_upper).toBe(c.wcss);
    expect(c.kmeans_wcss).toBeNull();
    const k = JSON.parse(runAnalyze(join(dir, 'km.npy'), { ...base, tcv: 'kmeans', restarts: '3' }));
    expect(k.tcv).toBe('kmeans');
    expect(k.wcss).toBe(c.wcss);
    expect(k.kmeans_wcss).toBeLessThanOrEqual(c.wcss);
    expect(k.tcv_upper).toBe(Math.min(k.wcss, k.kmeans_wcss));
    expect(() => runAnalyze(join(dir, 'km.npy'), { ...base, restarts: '3' })).toThrow(/--restarts applies to --tcv kmeans/);
    expect(() => runAnalyze(join(dir, 'km.npy'), { ...base, tcv: 'best' })).toThrow(/--tcv "best"/);
    const msgs: string[] = [];
    kmeans(X, 3, { rng: new Rng(1), restarts: 2, starts: [labels], progress: (m) => msgs.push(m) });
    expect(msgs).toHaveLength(3);
    expect(msgs[0]).toMatch(/^k-means 1\/3 \(from the given partition\): \d+ Lloyd iterations, wcss /);
    expect(msgs[2]).toMatch(/^k-means 3\/3 \(k-means\+\+ restart 2\)/);
  });
});
