// nrc analyze on real-model inputs: torch checkpoints, .npz, sharded safetensors, many inputs, streaming.
import { describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateRawSync } from 'node:zlib';
import { expandInputs, runAnalyze } from '../../src/commands/analyze.ts';
import { UsageError } from '../../src/runner/errors.ts';
import { loadWeights } from '../../src/io/load.ts';
import { encodeNpy, writeNpy } from '../../src/io/npy.ts';
import { encodeSafetensors, writeSafetensors } from '../../src/io/safetensors.ts';
import { singularValues } from '../../src/linalg/index.ts';
import { classStats, collapseMetricsFromStats } from '../../src/metrics/collapse.ts';
import { streamClassStats } from '../../src/metrics/stream.ts';
import { Rng } from '../../src/random/index.ts';
import { labelsWithCounts, randn, samplesAround } from '../metrics/helpers.ts';
import { runCli } from '../helpers/cli.ts';

const fx = join(import.meta.dirname, '..', 'fixtures', 'torch');
const expected = JSON.parse(readFileSync(join(fx, 'expected.json'), 'utf8'));
const dir = mkdtempSync(join(tmpdir(), 'nrc-analyze-inputs-'));
const rng = new Rng('analyze-inputs');

/** A minimal zip writer (stored or deflated entries) for .npz fixtures. */
function zip(entries: { name: string; data: Uint8Array }[], deflate = false): Buffer {
  const locals: Buffer[] = [];
  const central: Buffer[] = [];
  let off = 0;
  for (const e of entries) {
    const body = deflate ? deflateRawSync(e.data) : Buffer.from(e.data);
    const name = Buffer.from(e.name);
    const lh = Buffer.alloc(30);
    lh.writeUInt32LE(0x04034b50, 0);
    lh.writeUInt16LE(deflate ? 8 : 0, 8);
    lh.writeUInt32LE(body.length, 18);
    lh.writeUInt32LE(e.data.length, 22);
    lh.writeUInt16LE(name.length, 26);
    const ch = Buffer.alloc(46);
    ch.writeUInt32LE(0x02014b50, 0);
    ch.writeUInt16LE(deflate ? 8 : 0, 10);
    ch.writeUInt32LE(body.length, 20);
    ch.writeUInt32LE(e.data.length, 24);
    ch.writeUInt16LE(name.length, 28);
    ch.writeUInt32LE(off, 42);
    locals.push(lh, name, body);
    central.push(ch, name);
    off += 30 + name.length + body.length;
  }
  const cd = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(off, 16);
  return Buffer.concat([...locals, cd, end]);
}

describe('--weights on torch checkpoints, .npz and sharded safetensors', () => {
  it('an MLP state dict: both Linear weights, singular values as computed from the stored floats', () => {
    const r = JSON.parse(runAnalyze(undefined, { weights: [join(fx, 'mlp.pt')], json: true }));
    expect(r.weights.map((w: { name: string }) => w.name)).toEqual(['0.weight', '2.weight']);
    const w0 = expected['mlp.pt']['0.weight'];
    const s = singularValues({ rows: 5, cols: 6, data: Float64Array.from(w0.data) } as never);
    r.weights[0].singular_values.forEach((v: number, i: number) => expect(v).toBeCloseTo(s[i], 12));
  });

  it('a CNN: the conv kernel 2x1x3x3 is analysed as 2 x 9 and says so', () => {
    const r = JSON.parse(runAnalyze(undefined, { weights: [join(fx, 'cnn.pt')], json: true }));
    expect(r.weights[0]).toMatchObject({ name: '0.weight', rows: 2, cols: 9, tensor_shape: [2, 1, 3, 3] });
    expect(r.weights[1]).toMatchObject({ name: '3.weight', rows: 3, cols: 8 });
    expect(r.weights[1].tensor_shape).toBeUndefined();
  });

  it('nested checkpoints (--key), --select, and a forbidden global: exit 2 naming it', async () => {
    const auto = JSON.parse(runAnalyze(undefined, { weights: [join(fx, 'nested.pt')], json: true }));
    expect(auto.weights.map((w: { name: string }) => w.name)).toEqual(['0.weight', '2.weight']);
    const sel = JSON.parse(runAnalyze(undefined, { weights: [join(fx, 'nested.pt')], key: 'model', select: '2.*', json: true }));
    expect(sel.weights.map((w: { name: string }) => w.name)).toEqual(['2.weight']);
    expect(() => runAnalyze(undefined, { weights: [join(fx, 'nested.pt')], select: 'fc*' })).toThrow(
      /--select fc\* matches no tensor \(found 0\.weight, 0\.bias/,
    );
    const multi = JSON.parse(
      runAnalyze(undefined, { weights: [join(fx, 'mlp.pt'), join(fx, 'dtypes.pt'), join(fx, 'cnn.pt')], select: '*.weight', json: true }),
    );
    expect(multi.weights.map((w: { file: string; name: string }) => `${w.file.split('/').pop()}:${w.name}`)).toEqual([
      'mlp.pt:0.weight',
      'mlp.pt:2.weight',
      'cnn.pt:0.weight',
      'cnn.pt:3.weight',
    ]);
    expect(() => runAnalyze(undefined, { weights: [join(fx, 'mlp.pt'), join(fx, 'cnn.pt')], select: 'fc*' })).toThrow(
      /--select fc\* matches no tensor in the 2 --weights files/,
    );
    const evil = await runCli(['analyze', '--weights', join(fx, 'evil.pt')]);
    expect(evil.code).toBe(2);
    expect(evil.stderr).toMatch(/evil\.pt: refused: the pickle references the global 'posix\.system'/);
    expect(evil.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('.npz (stored and deflated) and a Hugging Face index.json over two shards', () => {
    const A = randn(4, 3, rng);
    const B = randn(2, 5, rng);
    const entries = [
      { name: 'a.npy', data: encodeNpy({ shape: [4, 3], data: A.data }) },
      { name: 'b.npy', data: encodeNpy({ shape: [2, 5], data: B.data }, { dtype: 'f4' }) },
    ];
    writeFileSync(join(dir, 'w.npz'), zip(entries));
    writeFileSync(join(dir, 'wz.npz'), zip(entries, true));
    for (const f of ['w.npz', 'wz.npz']) {
      const m = loadWeights(join(dir, f));
      expect(m.map((x) => x.name)).toEqual(['a', 'b']);
      expect(Array.from(m[0].matrix.data)).toEqual(Array.from(A.data));
    }
    const hf = join(dir, 'hf');
    mkdirSync(hf);
    writeSafetensors(join(hf, 'model-00001-of-00002.safetensors'), [{ name: 'l1.weight', shape: [4, 3], data: A.data }]);
    writeFileSync(
      join(hf, 'model-00002-of-00002.safetensors'),
      encodeSafetensors([
        { name: 'l2.weight', shape: [2, 5], data: B.data },
        { name: 'l2.bias', shape: [2], data: [1, 2] },
      ]),
    );
    writeFileSync(
      join(hf, 'model.safetensors.index.json'),
      JSON.stringify({
        metadata: {},
        weight_map: {
          'l1.weight': 'model-00001-of-00002.safetensors',
          'l2.weight': 'model-00002-of-00002.safetensors',
          'l2.bias': 'model-00002-of-00002.safetensors',
        },
      }),
    );
    const r = JSON.parse(runAnalyze(undefined, { weights: [join(hf, 'model.safetensors.index.json')], json: true }));
    expect(r.weights.map((w: { name: string }) => w.name)).toEqual(['l1.weight', 'l2.weight']);
    // a directory of the shards and their index is read through the index only
    expect(expandInputs([hf], '--weights')).toEqual([join(hf, 'model.safetensors.index.json')]);
    writeFileSync(join(hf, 'model.safetensors.index.json'), JSON.stringify({ weight_map: { 'l3.weight': 'missing.safetensors' } }));
    expect(() => runAnalyze(undefined, { weights: [join(hf, 'model.safetensors.index.json')] })).toThrow(
      /shard 'missing\.safetensors' named in the index is missing/,
    );
  });
});

describe('--classifier FILE:TENSOR and --bias from a torch checkpoint', () => {
  it('the last Linear layer of mlp.pt (3 x 5) and its bias: NC4 and bias collapse use them', () => {
    const W = expected['mlp.pt']['2.weight'].data as number[];
    const b = expected['mlp.pt']['2.bias'].data as number[];
    const labels = labelsWithCounts([10, 10, 10]);
    const X = samplesAround(randn(3, 5, rng, 2), labels, randn(30, 5, rng, 0.5));
    writeNpy(join(dir, 'f5.npy'), { shape: [30, 5], data: X.data });
    writeNpy(join(dir, 'f5-labels.npy'), { shape: [30], data: labels }, { dtype: 'i4' });
    const r = JSON.parse(
      runAnalyze(join(dir, 'f5.npy'), {
        labels: join(dir, 'f5-labels.npy'),
        classifier: `${join(fx, 'mlp.pt')}:2.weight`,
        bias: `${join(fx, 'mlp.pt')}:2.bias`,
        json: true,
        quiet: true,
      }),
    );
    // bias collapse ||W mu_G + b|| with mu_G the mean of the class means (balanced: the sample mean)
    const mu = Array.from({ length: 5 }, (_, j) => X.col(j).reduce((a, v) => a + v, 0) / 30);
    const z = [0, 1, 2].map((k) => W.slice(k * 5, k * 5 + 5).reduce((a, w, j) => a + w * mu[j], 0) + b[k]);
    expect(r.bias_collapse).toBeCloseTo(Math.hypot(...z), 12);
    expect(r.classifier_layout).toMatchObject({ layout: 'out_in', reason: 'shape' });
    expect(typeof r.nc4).toBe('number');
    expect(() => runAnalyze(join(dir, 'f5.npy'), { labels: join(dir, 'f5-labels.npy'), classifier: `${join(fx, 'mlp.pt')}:fc.weight` })).toThrow(
      /no tensor named 'fc\.weight'/,
    );
  });
});

describe('many feature inputs in one call', () => {
  const epochs = join(dir, 'epochs');
  mkdirSync(epochs);
  const labels = labelsWithCounts([20, 20, 20]);
  const M = randn(3, 6, rng, 2);
  for (const e of [0, 1, 2, 10]) {
    const X = samplesAround(M, labels, randn(60, 6, rng, 1 / (1 + e)));
    writeNpy(join(epochs, `feats-epoch${e}.npy`), { shape: [60, 6], data: X.data }, { dtype: 'f4' });
  }
  writeNpy(join(dir, 'ep-labels.npy'), { shape: [60], data: labels }, { dtype: 'i8' });

  it('a directory in natural order, one CSV with a file column, one JSON object per input, and --overwrite', () => {
    const out = join(dir, 'ep-out');
    const opts = { labels: join(dir, 'ep-labels.npy'), out, json: true, quiet: true };
    const lines = runAnalyze([epochs], opts)
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.map((r) => r.file)).toEqual([0, 1, 2, 10].map((e) => join(epochs, `feats-epoch${e}.npy`)));
    expect(lines[3].nc1_trace).toBeLessThan(lines[0].nc1_trace);
    const csv = readFileSync(join(out, 'features.csv'), 'utf8').trim().split('\n');
    expect(csv).toHaveLength(5);
    expect(csv[0].split(',').slice(0, 3)).toEqual(['file', 'labels', 'samples']);
    expect(csv[4]).toContain('feats-epoch10.npy');
    expect(() => runAnalyze([epochs], opts)).toThrow(/--out .*ep-out already holds features\.csv, classes\.csv; pass --overwrite/);
    expect(() => runAnalyze([epochs], { ...opts, overwrite: true })).not.toThrow();
    const glob = runAnalyze([join(epochs, 'feats-epoch?.npy')], { labels: join(dir, 'ep-labels.npy'), json: true, quiet: true })
      .trim()
      .split('\n');
    expect(glob).toHaveLength(3);
    expect(() => runAnalyze([epochs], { labels: [join(dir, 'ep-labels.npy'), join(dir, 'ep-labels.npy')] })).toThrow(
      /2 --labels files for 4 FEATURES inputs/,
    );
    expect(() => runAnalyze([join(epochs, 'nothing*.npy')], { labels: join(dir, 'ep-labels.npy') })).toThrow(UsageError);
    // labels kept inside the dumps directory are not taken for features
    writeNpy(join(epochs, 'labels.npy'), { shape: [60], data: labels }, { dtype: 'i8' });
    const withLabels = runAnalyze([epochs], { labels: join(epochs, 'labels.npy'), json: true, quiet: true })
      .trim()
      .split('\n');
    expect(withLabels).toHaveLength(4);
  });

  it('--out draws one figure per metric across the inputs (CLI)', async () => {
    const out = join(dir, 'ep-fig');
    const r = await runCli(['analyze', epochs, '--labels', join(epochs, 'labels.npy'), '--out', out, '--quiet']);
    expect(r.code).toBe(0);
    for (const m of ['nc1', 'nc1_trace', 'nc2_etf', 'ncc_accuracy', 'equinorm', 'gnc2'])
      expect(existsSync(join(out, 'figures', `analyze_${m}.png`))).toBe(true);
    expect(existsSync(join(out, 'figures', 'analyze_nc3.png'))).toBe(false); // no classifier: no data, no figure
    expect(JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')).experiment).toBe('analyze');
    const again = await runCli(['analyze', epochs, '--labels', join(epochs, 'labels.npy'), '--out', out, '--quiet']);
    expect(again.code).toBe(2);
  }, 60000);
});

describe('--stream: blocked one-pass statistics', () => {
  it('matches the in-memory metrics (1e-11) for any block size, with a common offset 2e5 times the spread', () => {
    const labels = labelsWithCounts([300, 120, 55, 25]);
    const X = samplesAround(randn(4, 7, rng, 1), labels, randn(500, 7, rng, 0.05));
    for (let i = 0; i < X.data.length; i++) X.data[i] += 1e4;
    writeNpy(join(dir, 'big.npy'), { shape: [500, 7], data: X.data });
    writeNpy(join(dir, 'big-labels.npy'), { shape: [500], data: labels }, { dtype: 'i4' });
    const ref = collapseMetricsFromStats(classStats(X, labels));
    for (const blockRows of [1, 37, 500, 10000]) {
      const st = streamClassStats(join(dir, 'big.npy'), labels, { blockRows });
      const m = collapseMetricsFromStats(st);
      for (const k of ['nc1', 'nc1Trace', 'nc2Etf', 'nc2Gram', 'cdnv', 'traceSigmaW', 'traceSigmaB'] as const) {
        expect(Math.abs(m[k] - ref[k])).toBeLessThanOrEqual(1e-11 * Math.abs(ref[k])); // both paths round residuals of 1e4-sized values
      }
      expect(st.within.rows).toBe(0);
    }
    const viaCli = JSON.parse(
      runAnalyze(join(dir, 'big.npy'), { labels: join(dir, 'big-labels.npy'), stream: true, blockRows: '64', json: true, quiet: true }),
    );
    expect(viaCli.nc1_per_class.every((v: number | null) => v === null)).toBe(true);
    expect(viaCli.ncc_accuracy).toBeNull();
    expect(() => runAnalyze(join(dir, 'big.npy'), { labels: join(dir, 'big-labels.npy'), stream: true, tcv: 'kmeans' })).toThrow(
      /--tcv kmeans needs the features in memory/,
    );
  });
});
