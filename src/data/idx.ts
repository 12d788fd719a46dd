// IDX files (LeCun's MNIST format, also used by Fashion-MNIST): full MNIST from a user's
// --data-dir with the four standard file names, gzipped or not (DESIGN.md, "src/data/").
// Format: 2 zero bytes, a type byte, a dimension count, each dimension as a big-endian uint32,
// then the values in row-major order (big-endian for the multi-byte types).
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { Matrix } from '../linalg/index.ts';
import type { Rng } from '../random/index.ts';
import { type Dataset, subsetIndices } from './dataset.ts';

/** IDX type codes and their byte sizes. */
const IDX_TYPES = {
  0x08: { name: 'uint8', bytes: 1 },
  0x09: { name: 'int8', bytes: 1 },
  0x0b: { name: 'int16', bytes: 2 },
  0x0c: { name: 'int32', bytes: 4 },
  0x0d: { name: 'float32', bytes: 4 },
  0x0e: { name: 'float64', bytes: 8 },
} as const;
export type IdxTypeCode = keyof typeof IDX_TYPES;

export interface IdxArray {
  /** Type code (0x08 = unsigned byte, the MNIST files' type). */
  type: IdxTypeCode;
  /** Dimensions, e.g. [60000, 28, 28] for images, [60000] for labels. */
  dims: number[];
  /** The values, row-major; uint8 data stays a Uint8Array (view of the file buffer). */
  data: Uint8Array | Float64Array;
}

/** The four standard files of MNIST / Fashion-MNIST (each may also end in .gz). */
export const IDX_FILES = {
  train: { images: 'train-images-idx3-ubyte', labels: 'train-labels-idx1-ubyte' },
  test: { images: 't10k-images-idx3-ubyte', labels: 't10k-labels-idx1-ubyte' },
} as const;
export type IdxPart = keyof typeof IDX_FILES;

/** Parse the bytes of one IDX file (already gunzipped); `name` appears in every error. */
export function parseIdx(bytes: Uint8Array, name: string): IdxArray {
  if (bytes.length < 4) throw new Error(`idx: ${name} is too short for an IDX header (${bytes.length} bytes)`);
  if (bytes[0] !== 0 || bytes[1] !== 0) throw new Error(`idx: ${name} is not an IDX file (magic number does not start with two zero bytes)`);
  const code = bytes[2] as IdxTypeCode;
  const info = IDX_TYPES[code];
  if (!info) throw new Error(`idx: ${name} has unknown IDX type code 0x${bytes[2].toString(16)}`);
  const ndim = bytes[3];
  if (ndim < 1) throw new Error(`idx: ${name} declares 0 dimensions`);
  const header = 4 + 4 * ndim;
  if (bytes.length < header)
    throw new Error(`idx: ${name} is truncated: header of ${ndim} dimensions needs ${header} bytes, file has ${bytes.length}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims: number[] = [];
  let count = 1;
  for (let i = 0; i < ndim; i++) {
    const d = view.getUint32(4 + 4 * i, false);
    dims.push(d);
    count *= d;
  }
  const need = header + count * info.bytes;
  if (bytes.length < need) {
    throw new Error(`idx: ${name} is truncated: dimensions [${dims.join(', ')}] of ${info.name} need ${need} bytes, file has ${bytes.length}`);
  }
  if (bytes.length > need)
    throw new Error(`idx: ${name} is malformed: ${bytes.length - need} bytes after the data of dimensions [${dims.join(', ')}]`);
  if (code === 0x08) return { type: code, dims, data: bytes.subarray(header, need) };
  const data = new Float64Array(count);
  for (let i = 0, off = header; i < count; i++, off += info.bytes) {
    if (code === 0x09) data[i] = view.getInt8(off);
    else if (code === 0x0b) data[i] = view.getInt16(off, false);
    else if (code === 0x0c) data[i] = view.getInt32(off, false);
    else if (code === 0x0d) data[i] = view.getFloat32(off, false);
    else data[i] = view.getFloat64(off, false);
  }
  return { type: code, dims, data };
}

/** Encode an array as IDX bytes (big-endian), e.g. to write test fixtures or export a subset. */
export function encodeIdx(type: IdxTypeCode, dims: number[], values: ArrayLike<number>): Uint8Array {
  const info = IDX_TYPES[type];
  if (!info) throw new RangeError(`encodeIdx: unknown type code ${type}`);
  const count = dims.reduce((a, b) => a * b, 1);
  if (values.length !== count) throw new RangeError(`encodeIdx: ${values.length} values for dimensions [${dims.join(', ')}]`);
  const header = 4 + 4 * dims.length;
  const out = new Uint8Array(header + count * info.bytes);
  const view = new DataView(out.buffer);
  out[2] = type;
  out[3] = dims.length;
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  for (let i = 0, off = header; i < count; i++, off += info.bytes) {
    const v = values[i];
    if (type === 0x08) view.setUint8(off, v);
    else if (type === 0x09) view.setInt8(off, v);
    else if (type === 0x0b) view.setInt16(off, v, false);
    else if (type === 0x0c) view.setInt32(off, v, false);
    else if (type === 0x0d) view.setFloat32(off, v, false);
    else view.setFloat64(off, v, false);
  }
  return out;
}

/** Read and parse one IDX file, gunzipping it when it starts with the gzip magic bytes. */
export function readIdx(path: string): IdxArray {
  let raw: Uint8Array;
  try {
    if (!statSync(path).isFile()) throw new Error('not a regular file (a FIFO, device or directory)');
    raw = readFileSync(path);
  } catch (e) {
    throw new Error(`idx: cannot read ${path}: ${(e as Error).message}`);
  }
  if (raw.length >= 2 && raw[0] === 0x1f && raw[1] === 0x8b) {
    try {
      raw = gunzipSync(raw);
    } catch (e) {
      throw new Error(`idx: ${path} is a corrupt or truncated gzip file: ${(e as Error).message}`);
    }
  }
  return parseIdx(raw, path);
}

/** Path of a standard IDX file in `dir`: NAME, NAME.gz, or the common variant with a dot (train-images.idx3-ubyte). */
export function findIdxFile(dir: string, name: string): string | undefined {
  const dotted = name.replace(/-(idx\d-ubyte)$/, '.$1');
  for (const candidate of [name, `${name}.gz`, dotted, `${dotted}.gz`]) {
    const p = join(dir, candidate);
    if (existsSync(p)) return p;
  }
  return undefined;
}

/** Undefined when `dir` holds all four standard files, else a message naming the first missing one. */
export function checkIdxDir(dir: string): string | undefined {
  if (!existsSync(dir)) return `data directory ${dir} does not exist`;
  for (const part of ['train', 'test'] as const) {
    for (const name of [IDX_FILES[part].images, IDX_FILES[part].labels]) {
      if (!findIdxFile(dir, name)) return `data directory ${dir} has no ${name} (nor ${name}.gz): expected the four MNIST/Fashion-MNIST IDX files`;
    }
  }
  return undefined;
}

export interface IdxImages {
  /** count * rows * cols grey values 0..255, row-major per image. */
  pixels: Uint8Array;
  labels: Int32Array;
  count: number;
  rows: number;
  cols: number;
}

const cache = new Map<string, IdxImages>();

/** Images and labels of one part (train or t10k) of an IDX directory, validated against each other. Cached per directory. */
export function loadIdxPart(dir: string, part: IdxPart): IdxImages {
  const key = `${dir}\0${part}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const names = IDX_FILES[part];
  const imgPath = findIdxFile(dir, names.images);
  const lblPath = findIdxFile(dir, names.labels);
  if (!imgPath) throw new Error(`idx: missing ${join(dir, names.images)} (or .gz)`);
  if (!lblPath) throw new Error(`idx: missing ${join(dir, names.labels)} (or .gz)`);
  const img = readIdx(imgPath);
  const lbl = readIdx(lblPath);
  if (img.type !== 0x08 || img.dims.length !== 3) {
    throw new Error(`idx: ${imgPath} should hold uint8 images [count, rows, cols], found ${IDX_TYPES[img.type].name} [${img.dims.join(', ')}]`);
  }
  if (lbl.type !== 0x08 || lbl.dims.length !== 1) {
    throw new Error(`idx: ${lblPath} should hold uint8 labels [count], found ${IDX_TYPES[lbl.type].name} [${lbl.dims.join(', ')}]`);
  }
  const [count, rows, cols] = img.dims;
  if (lbl.dims[0] !== count) throw new Error(`idx: ${lblPath} has ${lbl.dims[0]} labels but ${imgPath} has ${count} images`);
  const labels = Int32Array.from(lbl.data as Uint8Array);
  for (let i = 0; i < count; i++) {
    if (labels[i] > 9) throw new Error(`idx: ${lblPath} has label ${labels[i]} at position ${i}, expected 0..9`);
  }
  const out = { pixels: img.data as Uint8Array, labels, count, rows, cols };
  cache.set(key, out);
  return out;
}

/** Samples `idx` of an IDX part as a dataset: grey values / 255 in [0, 1], 10 classes. */
export function idxDataset(dir: string, part: IdxPart, idx?: ArrayLike<number>): Dataset {
  const raw = loadIdxPart(dir, part);
  const px = raw.rows * raw.cols;
  const pick = idx ?? Int32Array.from({ length: raw.count }, (_, i) => i);
  const X = new Matrix(pick.length, px);
  const labels = new Int32Array(pick.length);
  for (let r = 0; r < pick.length; r++) {
    const i = pick[r];
    if (!(i >= 0 && i < raw.count)) throw new RangeError(`idxDataset: index ${i} outside 0..${raw.count - 1}`);
    const src = raw.pixels.subarray(i * px, (i + 1) * px);
    for (let j = 0; j < px; j++) X.data[r * px + j] = src[j] / 255;
    labels[r] = raw.labels[i];
  }
  return { X, labels, classes: 10 };
}

/**
 * Seeded subsets of an IDX directory: nTrain samples of the training files and nTest of the t10k
 * files (stratified by class unless told otherwise). The two files are disjoint by construction.
 */
export function idxSplit(dir: string, opts: { nTrain: number; nTest: number; stratify?: boolean }, rng: Rng): { train: Dataset; test: Dataset } {
  const stratify = opts.stratify ?? true;
  const tr = loadIdxPart(dir, 'train');
  const te = loadIdxPart(dir, 'test');
  if (opts.nTrain > tr.count) throw new RangeError(`idx: ${opts.nTrain} training samples requested, the training files in ${dir} hold ${tr.count}`);
  if (opts.nTest > te.count) throw new RangeError(`idx: ${opts.nTest} test samples requested, the t10k files in ${dir} hold ${te.count}`);
  const trainIdx = subsetIndices(tr.labels, 10, opts.nTrain, rng.child('train'), stratify);
  const testIdx = subsetIndices(te.labels, 10, opts.nTest, rng.child('test'), stratify);
  return { train: idxDataset(dir, 'train', trainIdx), test: idxDataset(dir, 'test', testIdx) };
}
