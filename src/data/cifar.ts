// CIFAR-10 binary batches from a user's --data-dir (used by the AGOP paper and by Tirer et al., Fig. 2):
// data_batch_1.bin ... data_batch_5.bin (training) and test_batch.bin. Each record is 1 label byte (0-9)
// then 3072 pixel bytes: the 1024 red values of the 32x32 image row-major, then the green, then the blue.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Matrix } from '../linalg/index.ts';
import type { Rng } from '../random/index.ts';
import { type Dataset, subsetIndices } from './dataset.ts';

export const CIFAR_SIDE = 32;
export const CIFAR_CHANNELS = 3;
export const CIFAR_PIXELS = CIFAR_CHANNELS * CIFAR_SIDE * CIFAR_SIDE; // 3072
export const CIFAR_RECORD = 1 + CIFAR_PIXELS; // 3073 bytes
export const CIFAR_CLASSES = 10;
export const CIFAR_FILES = {
  train: ['data_batch_1.bin', 'data_batch_2.bin', 'data_batch_3.bin', 'data_batch_4.bin', 'data_batch_5.bin'],
  test: ['test_batch.bin'],
} as const;
export type CifarPart = keyof typeof CIFAR_FILES;

/** True when `dir` holds any CIFAR-10 binary batch (then it is read as CIFAR-10, not as IDX files). */
export function isCifarDir(dir: string): boolean {
  return [...CIFAR_FILES.train, ...CIFAR_FILES.test].some((f) => existsSync(join(dir, f)));
}

/** The batch files of a part present in `dir` (training: any of data_batch_1..5.bin, in order). */
export function cifarPartFiles(dir: string, part: CifarPart): string[] {
  return CIFAR_FILES[part].map((f) => join(dir, f)).filter((p) => existsSync(p));
}

/** Check one batch's bytes: a whole number of 3073-byte records, every label 0..9; returns the record count. */
export function checkCifarBytes(bytes: Uint8Array, name: string): number {
  if (bytes.length === 0 || bytes.length % CIFAR_RECORD !== 0) {
    throw new Error(
      `cifar: ${name} has ${bytes.length} bytes, not a positive multiple of ${CIFAR_RECORD} (1 label byte + 3072 pixel bytes per image)`,
    );
  }
  const count = bytes.length / CIFAR_RECORD;
  for (let i = 0; i < count; i++) {
    const label = bytes[i * CIFAR_RECORD];
    if (label > 9) throw new Error(`cifar: ${name} has label ${label} in record ${i}, expected 0..9`);
  }
  return count;
}

const checked = new Map<string, string | undefined>();

/**
 * Undefined when `dir` holds at least one training batch and test_batch.bin, each a whole number of records
 * with labels 0..9 (file sizes and every label are checked before any work); else a message naming the problem.
 */
export function checkCifarDir(dir: string): string | undefined {
  if (checked.has(dir)) return checked.get(dir);
  let msg: string | undefined;
  if (!existsSync(dir)) msg = `data directory ${dir} does not exist`;
  else if (cifarPartFiles(dir, 'train').length === 0)
    msg = `data directory ${dir} has test_batch.bin but no data_batch_1.bin ... data_batch_5.bin (CIFAR-10 training batches)`;
  else if (cifarPartFiles(dir, 'test').length === 0) msg = `data directory ${dir} has CIFAR-10 training batches but no test_batch.bin`;
  else {
    try {
      for (const f of [...cifarPartFiles(dir, 'train'), ...cifarPartFiles(dir, 'test')]) {
        const size = statSync(f).size;
        if (size === 0 || size % CIFAR_RECORD !== 0)
          throw new Error(`cifar: ${f} has ${size} bytes, not a positive multiple of ${CIFAR_RECORD} (1 label byte + 3072 pixel bytes per image)`);
        checkCifarBytes(readFileSync(f), f);
      }
    } catch (e) {
      msg = (e as Error).message;
    }
  }
  checked.set(dir, msg);
  return msg;
}

export interface CifarImages {
  /** Records of all batches of the part, concatenated (label byte + 3072 pixels each). */
  bytes: Uint8Array;
  labels: Int32Array;
  count: number;
}

const cache = new Map<string, CifarImages>();

/** The batches of one part, validated and concatenated. Cached per directory. */
export function loadCifarPart(dir: string, part: CifarPart): CifarImages {
  const key = `${dir}\0${part}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const files = cifarPartFiles(dir, part);
  if (files.length === 0) throw new Error(`cifar: no ${CIFAR_FILES[part].join(' / ')} in ${dir}`);
  const parts = files.map((f) => {
    const b = readFileSync(f);
    checkCifarBytes(b, f);
    return b;
  });
  const bytes = new Uint8Array(parts.reduce((s, b) => s + b.length, 0));
  let off = 0;
  for (const b of parts) {
    bytes.set(b, off);
    off += b.length;
  }
  const count = bytes.length / CIFAR_RECORD;
  const labels = Int32Array.from({ length: count }, (_, i) => bytes[i * CIFAR_RECORD]);
  const out = { bytes, labels, count };
  cache.set(key, out);
  return out;
}

/**
 * Records `idx` of a part as a dataset: values / 255 in [0, 1], each channel average-pooled with a pool x pool
 * window (pool divides 32), features ordered channel, row, column (3 (32/pool)^2 inputs), 10 classes.
 */
export function cifarDataset(dir: string, part: CifarPart, idx: ArrayLike<number>, pool = 1): Dataset {
  if (!Number.isInteger(pool) || pool < 1 || CIFAR_SIDE % pool !== 0) throw new RangeError(`cifar: pool must divide ${CIFAR_SIDE}, got ${pool}`);
  const raw = loadCifarPart(dir, part);
  const side = CIFAR_SIDE / pool;
  const d = CIFAR_CHANNELS * side * side;
  const X = new Matrix(idx.length, d);
  const labels = new Int32Array(idx.length);
  const w = 1 / (255 * pool * pool);
  for (let r = 0; r < idx.length; r++) {
    const i = idx[r];
    if (!(i >= 0 && i < raw.count)) throw new RangeError(`cifarDataset: index ${i} outside 0..${raw.count - 1}`);
    const src = i * CIFAR_RECORD + 1;
    const dst = r * d;
    for (let c = 0; c < CIFAR_CHANNELS; c++) {
      for (let y = 0; y < CIFAR_SIDE; y++) {
        for (let x = 0; x < CIFAR_SIDE; x++) {
          X.data[dst + c * side * side + Math.floor(y / pool) * side + Math.floor(x / pool)] += w * raw.bytes[src + c * 1024 + y * CIFAR_SIDE + x];
        }
      }
    }
    labels[r] = raw.labels[i];
  }
  return { X, labels, classes: CIFAR_CLASSES };
}

/** Seeded (stratified by default) subsets: nTrain records of the training batches, nTest of test_batch.bin. */
export function cifarSplit(
  dir: string,
  opts: { nTrain: number; nTest: number; pool?: number; stratify?: boolean },
  rng: Rng,
): { train: Dataset; test: Dataset } {
  const stratify = opts.stratify ?? true;
  const tr = loadCifarPart(dir, 'train');
  const te = loadCifarPart(dir, 'test');
  if (opts.nTrain > tr.count)
    throw new RangeError(`cifar: ${opts.nTrain} training samples requested, the training batches in ${dir} hold ${tr.count}`);
  if (opts.nTest > te.count) throw new RangeError(`cifar: ${opts.nTest} test samples requested, test_batch.bin in ${dir} holds ${te.count}`);
  const trainIdx = subsetIndices(tr.labels, CIFAR_CLASSES, opts.nTrain, rng.child('train'), stratify);
  const testIdx = subsetIndices(te.labels, CIFAR_CLASSES, opts.nTest, rng.child('test'), stratify);
  return { train: cifarDataset(dir, 'train', trainIdx, opts.pool), test: cifarDataset(dir, 'test', testIdx, opts.pool) };
}
