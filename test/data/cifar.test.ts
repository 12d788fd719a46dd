// CIFAR-10 binary batches (1 label byte + 3072 pixel bytes per record: R, G, B planes of 32x32)
// read from --data-dir, validated before any work; tested on small files written in that format here.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import deepRfm from '../../experiments/deep-rfm.ts';
import mnistCollapse, { type MnistCollapseParams } from '../../experiments/mnist-collapse.ts';
import { inputDim, validateMnistData } from '../../src/nn/mnist-training.ts';
import { CIFAR_RECORD, checkCifarDir, cifarDataset, cifarSplit, loadCifarPart } from '../../src/data/cifar.ts';
import { Rng } from '../../src/random/index.ts';
import { cellParams, makeCellContext } from '../helpers/context.ts';

/** Pixel byte of record i (global index), channel c, row y, column x. */
const pixel = (i: number, c: number, y: number, x: number) => (i * 7 + c * 50 + y * 3 + x) % 256;

/** Bytes of `count` records starting at global index `first`; label of record i = i % 10 unless `label` says otherwise. */
function batch(first: number, count: number, label: (i: number) => number = (i) => i % 10): Uint8Array {
  const b = new Uint8Array(count * CIFAR_RECORD);
  for (let r = 0; r < count; r++) {
    const i = first + r;
    b[r * CIFAR_RECORD] = label(i);
    for (let c = 0; c < 3; c++)
      for (let y = 0; y < 32; y++) for (let x = 0; x < 32; x++) b[r * CIFAR_RECORD + 1 + c * 1024 + y * 32 + x] = pixel(i, c, y, x);
  }
  return b;
}

function cifarDir(files: Record<string, Uint8Array>): string {
  const dir = mkdtempSync(join(tmpdir(), 'nrc-cifar-'));
  for (const [name, bytes] of Object.entries(files)) writeFileSync(join(dir, name), bytes);
  return dir;
}

const good = () => cifarDir({ 'data_batch_1.bin': batch(0, 30), 'data_batch_2.bin': batch(30, 20), 'test_batch.bin': batch(1000, 20) });

describe('CIFAR-10 binary batches', () => {
  it('reads the records of every training batch in order, values / 255, channel-major features', () => {
    const dir = good();
    expect(checkCifarDir(dir)).toBeUndefined();
    const tr = loadCifarPart(dir, 'train');
    expect(tr.count).toBe(50);
    expect(loadCifarPart(dir, 'test').count).toBe(20);
    const ds = cifarDataset(dir, 'train', [0, 37]); // 37 = record 7 of data_batch_2.bin
    expect(ds.X.cols).toBe(3072);
    expect(Array.from(ds.labels)).toEqual([0, 7]);
    expect(ds.X.get(1, 0)).toBe(pixel(37, 0, 0, 0) / 255);
    expect(ds.X.get(1, 1024 + 5 * 32 + 9)).toBe(pixel(37, 1, 5, 9) / 255); // green, row 5, column 9
    expect(ds.X.get(0, 2 * 1024 + 31 * 32 + 31)).toBe(pixel(0, 2, 31, 31) / 255);
  });

  it('pools each channel: pool 2 gives 3 x 16 x 16 averages of 2 x 2 blocks', () => {
    const ds = cifarDataset(good(), 'test', [3], 2);
    expect(ds.X.cols).toBe(768);
    const avg = (c: number, y: number, x: number) =>
      (pixel(1003, c, 2 * y, 2 * x) + pixel(1003, c, 2 * y, 2 * x + 1) + pixel(1003, c, 2 * y + 1, 2 * x) + pixel(1003, c, 2 * y + 1, 2 * x + 1)) /
      (4 * 255);
    expect(ds.X.get(0, 256 + 3 * 16 + 4)).toBeCloseTo(avg(1, 3, 4), 14);
    expect(ds.X.get(0, 2 * 256 + 15 * 16 + 15)).toBeCloseTo(avg(2, 15, 15), 14);
  });

  it('a seeded stratified split draws disjoint train and test sets of the requested sizes, the same for the same seed', () => {
    const dir = good();
    const a = cifarSplit(dir, { nTrain: 20, nTest: 10, pool: 4 }, new Rng(1));
    const b = cifarSplit(dir, { nTrain: 20, nTest: 10, pool: 4 }, new Rng(1));
    expect(a.train.X.rows).toBe(20);
    expect(a.train.X.cols).toBe(192);
    expect(Array.from(a.train.X.data)).toEqual(Array.from(b.train.X.data));
    expect(new Set(a.train.labels).size).toBe(10); // stratified: two of each class
  });

  it('rejects bad files before any work: sizes not a multiple of 3073, labels > 9, a missing test batch', () => {
    const truncated = cifarDir({ 'data_batch_1.bin': batch(0, 3).subarray(0, 3 * CIFAR_RECORD - 1), 'test_batch.bin': batch(0, 2) });
    expect(checkCifarDir(truncated)).toMatch(/9218 bytes, not a positive multiple of 3073/);
    const badLabel = cifarDir({ 'data_batch_1.bin': batch(0, 4, (i) => (i === 2 ? 10 : 0)), 'test_batch.bin': batch(0, 2) });
    expect(checkCifarDir(badLabel)).toMatch(/label 10 in record 2, expected 0\.\.9/);
    expect(checkCifarDir(cifarDir({ 'data_batch_1.bin': batch(0, 2) }))).toMatch(/no test_batch\.bin/);
  });

  it('MNIST-type experiments and deep-rfm read --data-dir CIFAR-10 (3 (32/pool)^2 inputs) and validate it', { timeout: 30000 }, async () => {
    const dir = good();
    const p = cellParams<MnistCollapseParams>(mnistCollapse, 'quick', { dataDir: dir, n: 20, nTest: 10, pool: 4, hidden: [8], epochs: 1, every: 1 });
    expect(validateMnistData(p)).toBeUndefined();
    expect(inputDim(p)).toBe(192);
    expect(validateMnistData({ ...p, n: 51 })).toMatch(/--n 51 exceeds the 50 images/);
    expect(validateMnistData({ ...p, pool: 7 })).toMatch(/must divide 32/);
    const res = await mnistCollapse.runCell(makeCellContext(p, 0));
    expect(res.status).toBe('ok');
    expect(res.rows.tails.filter((r) => r.epoch === 0 && r.layer === 1)).toHaveLength(8); // W_1 is 8 x 192
    const bad = cifarDir({ 'data_batch_1.bin': batch(0, 2), 'test_batch.bin': batch(0, 2).subarray(1) });
    const q = cellParams(deepRfm, 'quick', { dataDir: bad, n: 2, nTest: 1, linN: 0 });
    expect(deepRfm.validate!(q)).toMatch(/^--data-dir: cifar: .*test_batch\.bin has 6145 bytes/);
    const r = cellParams(deepRfm, 'quick', { dataDir: dir, n: 30, nTest: 10, linN: 0, depth: 1, width: 16 });
    expect(deepRfm.validate!(r)).toBeUndefined();
    const out = await deepRfm.runCell(makeCellContext(r, 0));
    expect(out.status).toBe('ok');
    expect(out.rows.accuracy.length).toBeGreaterThan(0);
  });
});
