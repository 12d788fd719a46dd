// Load matrices and labels that users bring, dispatching on the file extension:
// .npy (NumPy), .safetensors, .csv / .tsv / .txt (numeric text). Errors are DataFileError
// (exit code 2) naming the file and what is wrong.
import { existsSync, statSync } from 'node:fs';
import { basename, extname } from 'node:path';
import { Matrix } from '../linalg/index.ts';
import { DataFileError, readNpy } from './npy.ts';
import { readSafetensors } from './safetensors.ts';
import { readMatrixCsv } from './matrix-csv.ts';

export { DataFileError } from './npy.ts';

type Kind = 'npy' | 'safetensors' | 'csv';

/** A FIFO, device or directory as a data file would block or fail late: refuse it at once. */
export function requireRegularFile(path: string): void {
  if (!statSync(path).isFile()) throw new DataFileError(path, 'not a regular file (a FIFO, device or directory); give a .npy, .safetensors or .csv file');
}

function kindOf(path: string): Kind {
  if (!existsSync(path)) throw new DataFileError(path, 'cannot read (no such file)');
  requireRegularFile(path);
  const ext = extname(path).toLowerCase();
  if (ext === '.npy') return 'npy';
  if (ext === '.safetensors') return 'safetensors';
  if (ext === '.csv' || ext === '.tsv' || ext === '.txt') return 'csv';
  throw new DataFileError(path, `unsupported file type '${ext || '(none)'}' (accepted: .npy, .safetensors, .csv)`);
}

function shapeText(shape: number[]): string {
  return `(${shape.join(', ')}${shape.length === 1 ? ',' : ''})`;
}

/** A named 2-D matrix from a file. */
export interface NamedMatrix { name: string; matrix: Matrix }

/**
 * Every 2-D matrix in a file: the array of a .npy / .csv file (named after the file), or every 2-D
 * tensor of a .safetensors file (named after the tensor; tensors of other ranks, e.g. biases, skipped).
 */
export function loadWeights(path: string): NamedMatrix[] {
  const kind = kindOf(path);
  if (kind === 'safetensors') {
    const { tensors } = readSafetensors(path);
    const out = tensors.filter((t) => t.shape.length === 2).map((t) => ({ name: t.name, matrix: new Matrix(t.shape[0], t.shape[1], t.data) }));
    if (out.length === 0) throw new DataFileError(path, `bad shape: no 2-D tensor (found ${tensors.map((t) => `${t.name} ${shapeText(t.shape)}`).join(', ') || 'no tensors'})`);
    return out;
  }
  return [{ name: basename(path), matrix: loadMatrix(path) }];
}

/**
 * One 2-D matrix (N x d, samples as rows): a .npy of 2 dimensions, a numeric .csv, or the single
 * 2-D tensor of a .safetensors file (or the one named `tensor`).
 */
export function loadMatrix(path: string, opts: { tensor?: string } = {}): Matrix {
  const kind = kindOf(path);
  if (kind === 'npy') {
    const a = readNpy(path);
    if (a.shape.length !== 2) throw new DataFileError(path, `bad shape ${shapeText(a.shape)}: expected a 2-D array (samples x features)`);
    if (a.dtype === 'b1') throw new DataFileError(path, 'wrong dtype: bool, expected a float or integer matrix');
    return new Matrix(a.shape[0], a.shape[1], a.data);
  }
  if (kind === 'csv') return readMatrixCsv(path).matrix;
  const { tensors } = readSafetensors(path);
  const candidates = opts.tensor !== undefined ? tensors.filter((t) => t.name === opts.tensor) : tensors.filter((t) => t.shape.length === 2);
  if (opts.tensor !== undefined && candidates.length === 0) throw new DataFileError(path, `no tensor named '${opts.tensor}' (found ${tensors.map((t) => t.name).join(', ')})`);
  if (candidates.length !== 1) {
    throw new DataFileError(path, `expected exactly one 2-D tensor, found ${candidates.length} (${tensors.map((t) => `${t.name} ${shapeText(t.shape)}`).join(', ')})`);
  }
  const t = candidates[0];
  if (t.shape.length !== 2) throw new DataFileError(path, `bad shape: tensor '${t.name}' is ${shapeText(t.shape)}, expected 2-D`);
  return new Matrix(t.shape[0], t.shape[1], t.data);
}

/** Check and convert label values: integers >= 0 (floats are accepted when integer-valued). */
function toLabels(values: Float64Array, path: string): Int32Array {
  const out = new Int32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isInteger(v)) throw new DataFileError(path, `wrong dtype: label ${i} is ${v}, expected integers`);
    if (v < 0 || v > 2 ** 31 - 1) throw new DataFileError(path, `label ${i} is ${v}, expected a non-negative class index`);
    out[i] = v;
  }
  return out;
}

function labelsFromShape(shape: number[], data: Float64Array, path: string): Int32Array {
  const isVector = shape.length === 1 || (shape.length === 2 && (shape[0] === 1 || shape[1] === 1));
  if (!isVector) throw new DataFileError(path, `bad shape ${shapeText(shape)}: labels must be 1-D (or N x 1)`);
  return toLabels(data, path);
}

/**
 * Class labels (one integer >= 0 per sample): a 1-D (or N x 1) integer .npy (floats holding
 * integers are accepted), a one-column .csv, or the single 1-D tensor of a .safetensors file.
 */
export function loadLabels(path: string, opts: { tensor?: string } = {}): Int32Array {
  const kind = kindOf(path);
  if (kind === 'npy') {
    const a = readNpy(path);
    return labelsFromShape(a.shape, a.data, path);
  }
  if (kind === 'csv') {
    const m = readMatrixCsv(path).matrix;
    return labelsFromShape([m.rows, m.cols], m.data, path);
  }
  const { tensors } = readSafetensors(path);
  const candidates = opts.tensor !== undefined ? tensors.filter((t) => t.name === opts.tensor) : tensors.filter((t) => t.shape.length === 1);
  if (candidates.length !== 1) throw new DataFileError(path, `expected exactly one 1-D label tensor, found ${candidates.length} (${tensors.map((t) => `${t.name} ${shapeText(t.shape)}`).join(', ')})`);
  return labelsFromShape(candidates[0].shape, candidates[0].data, path);
}
