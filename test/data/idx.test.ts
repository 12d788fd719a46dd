import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { IDX_FILES, checkIdxDir, encodeIdx, idxDataset, idxSplit, parseIdx, readIdx } from '../../src/data/idx.ts';
import { mnistSplit } from '../../src/data/mnist.ts';
import { Rng } from '../../src/random/index.ts';

/** A tiny IDX "MNIST": count images of 4x4 whose pixel j of image i is (7 i + j) mod 256; label i mod 10. */
function writeTinyMnist(dir: string, counts: { train: number; test: number }, gzip: boolean): void {
  for (const part of ['train', 'test'] as const) {
    const n = counts[part];
    const pixels = Array.from({ length: n * 16 }, (_, t) => (7 * Math.floor(t / 16) + (t % 16)) % 256);
    const labels = Array.from({ length: n }, (_, i) => i % 10);
    const img = encodeIdx(0x08, [n, 4, 4], pixels);
    const lbl = encodeIdx(0x08, [n], labels);
    const suffix = gzip ? '.gz' : '';
    writeFileSync(join(dir, IDX_FILES[part].images + suffix), gzip ? gzipSync(img) : img);
    writeFileSync(join(dir, IDX_FILES[part].labels + suffix), gzip ? gzipSync(lbl) : lbl);
  }
}

const tmp = () => mkdtempSync(join(tmpdir(), 'nrc-idx-'));

describe('IDX format', () => {
  it('encodes the header as magic 0 0 type ndim and big-endian dimensions', () => {
    const b = encodeIdx(0x08, [2, 3], [1, 2, 3, 4, 5, 255]);
    expect(Array.from(b)).toEqual([0, 0, 8, 2, 0, 0, 0, 2, 0, 0, 0, 3, 1, 2, 3, 4, 5, 255]);
  });

  it('round-trips every type code', () => {
    const cases: [0x08 | 0x09 | 0x0b | 0x0c | 0x0d | 0x0e, number[]][] = [
      [0x08, [0, 1, 255]],
      [0x09, [-128, 0, 127]],
      [0x0b, [-30000, 1, 30000]],
      [0x0c, [-2e9, 0, 2e9]],
      [0x0d, [0.5, -1.25, 3]],
      [0x0e, [Math.PI, -1e-300, 1e300]],
    ];
    for (const [type, values] of cases) {
      const a = parseIdx(encodeIdx(type, [3], values), 'x');
      expect(a.dims).toEqual([3]);
      expect(Array.from(a.data)).toEqual(values);
    }
  });

  it('names the file in errors for bad magic, unknown type, truncation and trailing bytes', () => {
    const good = encodeIdx(0x08, [2, 2], [1, 2, 3, 4]);
    expect(() => parseIdx(good.subarray(0, 3), 'f.idx')).toThrow(/f\.idx is too short/);
    expect(() => parseIdx(Uint8Array.from([1, 0, 8, 1, 0, 0, 0, 1, 5]), 'f.idx')).toThrow(/f\.idx is not an IDX file/);
    expect(() => parseIdx(Uint8Array.from([0, 0, 7, 1, 0, 0, 0, 1, 5]), 'f.idx')).toThrow(/f\.idx has unknown IDX type code 0x7/);
    expect(() => parseIdx(good.subarray(0, 10), 'f.idx')).toThrow(/f\.idx is truncated: header/);
    expect(() => parseIdx(good.subarray(0, good.length - 1), 'f.idx')).toThrow(
      /f\.idx is truncated: dimensions \[2, 2\] of uint8 need 16 bytes, file has 15/,
    );
    const long = new Uint8Array(good.length + 2);
    long.set(good);
    expect(() => parseIdx(long, 'f.idx')).toThrow(/f\.idx is malformed: 2 bytes after the data/);
  });

  it('reads gzipped and plain files alike, and reports a truncated gzip file by name', () => {
    const dir = tmp();
    const bytes = encodeIdx(0x08, [3], [9, 8, 7]);
    writeFileSync(join(dir, 'a'), bytes);
    writeFileSync(join(dir, 'b.gz'), gzipSync(bytes));
    expect(Array.from(readIdx(join(dir, 'a')).data)).toEqual([9, 8, 7]);
    expect(Array.from(readIdx(join(dir, 'b.gz')).data)).toEqual([9, 8, 7]);
    const gz = gzipSync(encodeIdx(0x08, [1000], new Array(1000).fill(3)));
    writeFileSync(join(dir, 'c.gz'), gz.subarray(0, gz.length - 10));
    expect(() => readIdx(join(dir, 'c.gz'))).toThrow(/c\.gz is a corrupt or truncated gzip file/);
    expect(() => readIdx(join(dir, 'missing'))).toThrow(/cannot read .*missing/);
  });
});

describe('IDX MNIST directory', () => {
  for (const gzip of [false, true]) {
    it(`loads the four standard files (${gzip ? 'gzipped' : 'plain'}) with grey values / 255`, () => {
      const dir = tmp();
      writeTinyMnist(dir, { train: 30, test: 20 }, gzip);
      expect(checkIdxDir(dir)).toBeUndefined();
      const ds = idxDataset(dir, 'train');
      expect(ds.X.rows).toBe(30);
      expect(ds.X.cols).toBe(16);
      expect(ds.classes).toBe(10);
      expect(ds.X.get(3, 5)).toBeCloseTo((7 * 3 + 5) / 255, 15);
      expect(ds.labels[13]).toBe(3);
      const te = idxDataset(dir, 'test', [19, 0]);
      expect(Array.from(te.labels)).toEqual([9, 0]);
      expect(te.X.get(0, 15)).toBeCloseTo((7 * 19 + 15) / 255, 15);
    });
  }

  it('splits train/test from their own files, seeded and stratified, with pooling through mnistSplit', () => {
    const dir = tmp();
    writeTinyMnist(dir, { train: 40, test: 20 }, true);
    const a = idxSplit(dir, { nTrain: 20, nTest: 10 }, new Rng(5));
    const b = idxSplit(dir, { nTrain: 20, nTest: 10 }, new Rng(5));
    expect(Array.from(a.train.X.data)).toEqual(Array.from(b.train.X.data));
    expect(Array.from(a.train.labels).sort((x, y) => x - y)).toEqual([0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9]);
    expect(a.test.X.rows).toBe(10);
    const pooled = mnistSplit({ nTrain: 20, nTest: 10, pool: 2, dataDir: dir }, new Rng(5));
    expect(pooled.train.X.cols).toBe(4);
    // pool 2 of a 4x4 image: top-left block is pixels 0, 1, 4, 5
    const row0 = a.train.X.row(0);
    expect(pooled.train.X.get(0, 0)).toBeCloseTo((row0[0] + row0[1] + row0[4] + row0[5]) / 4, 14);
    expect(() => idxSplit(dir, { nTrain: 41, nTest: 1 }, new Rng(1))).toThrow(/41 training samples requested, the training files .* hold 40/);
  });

  it('gives clear errors for a missing, truncated or inconsistent file', () => {
    const dir = tmp();
    expect(checkIdxDir(join(dir, 'nope'))).toMatch(/does not exist/);
    writeTinyMnist(dir, { train: 12, test: 10 }, false);
    const d1 = tmp();
    writeTinyMnist(d1, { train: 12, test: 10 }, false);
    writeFileSync(join(d1, IDX_FILES.test.labels), new Uint8Array(0));
    expect(() => idxDataset(d1, 'test')).toThrow(new RegExp(`${IDX_FILES.test.labels} is too short`));
    const d2 = tmp();
    writeTinyMnist(d2, { train: 12, test: 10 }, false);
    writeFileSync(join(d2, IDX_FILES.train.images), encodeIdx(0x08, [12, 4, 4], new Array(192).fill(0)).subarray(0, 100));
    expect(() => idxDataset(d2, 'train')).toThrow(new RegExp(`${IDX_FILES.train.images} is truncated`));
    const d3 = tmp();
    writeTinyMnist(d3, { train: 12, test: 10 }, false);
    writeFileSync(join(d3, IDX_FILES.train.labels), encodeIdx(0x08, [11], new Array(11).fill(1)));
    expect(() => idxDataset(d3, 'train')).toThrow(/has 11 labels but .* has 12 images/);
    const d4 = tmp();
    writeTinyMnist(d4, { train: 12, test: 10 }, false);
    writeFileSync(join(d4, IDX_FILES.test.labels), encodeIdx(0x08, [10], [0, 1, 2, 3, 4, 5, 6, 7, 8, 12]));
    expect(() => idxDataset(d4, 'test')).toThrow(/label 12 at position 9/);
    const d5 = tmp();
    writeTinyMnist(d5, { train: 12, test: 10 }, false);
    writeFileSync(join(d5, IDX_FILES.test.images), encodeIdx(0x08, [10, 16], new Array(160).fill(0)));
    expect(() => idxDataset(d5, 'test')).toThrow(/should hold uint8 images \[count, rows, cols\], found uint8 \[10, 16\]/);
    const d6 = tmp();
    writeTinyMnist(d6, { train: 12, test: 10 }, true);
    expect(checkIdxDir(d6)).toBeUndefined();
    rmSync(join(d6, `${IDX_FILES.train.labels}.gz`));
    expect(checkIdxDir(d6)).toMatch(new RegExp(`has no ${IDX_FILES.train.labels}`));
    expect(() => idxDataset(d6, 'train')).toThrow(new RegExp(`missing .*${IDX_FILES.train.labels}`));
  });
});
