// Load matrices and labels that users bring, dispatching on the file extension:
// .npy / .npz (NumPy), .safetensors and Hugging Face sharded *.safetensors.index.json, torch.save checkpoints
// (.pt, .pth, .bin, .ckpt; zip format), .csv / .tsv / .txt (numeric text). Errors are DataFileError
// (exit code 2) naming the file and what is wrong.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import { Matrix } from '../linalg/index.ts';
import { DataFileError, decodeNpy, readNpy } from './npy.ts';
import { readSafetensors } from './safetensors.ts';
import { readMatrixCsv } from './matrix-csv.ts';
import { readTorch } from './torch.ts';
import { ZipArchive } from './zip.ts';

export { DataFileError } from './npy.ts';

type Kind = 'npy' | 'npz' | 'safetensors' | 'index' | 'torch' | 'csv';

export const ACCEPTED = '.npy, .npz, .safetensors, .safetensors.index.json, .pt/.pth/.bin/.ckpt (torch.save), .csv';

/** A FIFO, device or directory as a data file would block or fail late: refuse it at once. */
export function requireRegularFile(path: string): void {
  if (!statSync(path).isFile()) throw new DataFileError(path, `not a regular file (a FIFO, device or directory); give a file (${ACCEPTED})`);
}

function kindOf(path: string): Kind {
  if (!existsSync(path)) throw new DataFileError(path, 'cannot read (no such file)');
  requireRegularFile(path);
  const lower = path.toLowerCase();
  if (lower.endsWith('.index.json')) return 'index';
  const ext = extname(lower);
  if (ext === '.npy') return 'npy';
  if (ext === '.npz') return 'npz';
  if (ext === '.safetensors') return 'safetensors';
  if (['.pt', '.pth', '.bin', '.ckpt'].includes(ext)) return 'torch';
  if (ext === '.csv' || ext === '.tsv' || ext === '.txt') return 'csv';
  throw new DataFileError(path, `unsupported file type '${ext || '(none)'}' (accepted: ${ACCEPTED})`);
}

/** True if the path has an extension nrc reads (for directory listings). */
export function isDataFile(path: string): boolean {
  const lower = path.toLowerCase();
  return (
    lower.endsWith('.index.json') || ['.npy', '.npz', '.safetensors', '.pt', '.pth', '.bin', '.ckpt', '.csv', '.tsv', '.txt'].includes(extname(lower))
  );
}

/** A named tensor of any rank, values as float64 in C order. */
export interface NamedTensor {
  name: string;
  shape: number[];
  data: Float64Array;
}

/** `*` and `?` glob on names (`*` matches across dots). */
export function globToRegExp(glob: string): RegExp {
  return new RegExp(
    `^${glob
      .split('')
      .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&')))
      .join('')}$`,
  );
}

/**
 * Every tensor of a file: the array of a .npy / .csv (named after the file), the members of a .npz, every tensor of a
 * .safetensors file or of the shards an index.json names, or the tensors of a torch.save checkpoint (`key` selects a
 * nested entry, see readTorch). Returns the checkpoint key used, if any.
 */
export function loadTensors(path: string, opts: { key?: string } = {}): { key: string | null; tensors: NamedTensor[] } {
  const kind = kindOf(path);
  if (opts.key !== undefined && kind !== 'torch') throw new DataFileError(path, '--key applies to torch.save checkpoints (.pt, .pth, .bin, .ckpt)');
  switch (kind) {
    case 'npy': {
      const a = readNpy(path);
      return { key: null, tensors: [{ name: basename(path), shape: a.shape, data: a.data }] };
    }
    case 'csv': {
      const m = readMatrixCsv(path).matrix;
      return { key: null, tensors: [{ name: basename(path), shape: [m.rows, m.cols], data: m.data }] };
    }
    case 'safetensors':
      return { key: null, tensors: readSafetensors(path).tensors.map((t) => ({ name: t.name, shape: t.shape, data: t.data })) };
    case 'torch':
      return readTorch(path, opts);
    case 'npz': {
      const zip = ZipArchive.open(path);
      const names = zip.names().filter((n) => n.endsWith('.npy'));
      if (names.length === 0) throw new DataFileError(path, 'not a .npz archive (no .npy members)');
      return {
        key: null,
        tensors: names.map((n) => {
          const a = decodeNpy(zip.read(n), `${path}:${n}`);
          return { name: n.slice(0, -4), shape: a.shape, data: a.data };
        }),
      };
    }
    case 'index': {
      let map: Record<string, string>;
      try {
        map = (JSON.parse(readFileSync(path, 'utf8')) as { weight_map?: Record<string, string> }).weight_map ?? {};
      } catch (e) {
        throw new DataFileError(path, `bad index: ${(e as Error).message}`);
      }
      const shards = [...new Set(Object.values(map))];
      if (shards.length === 0) throw new DataFileError(path, "bad index: no 'weight_map' entries");
      const byName = new Map<string, NamedTensor>();
      for (const shard of shards) {
        const f = join(dirname(path), shard);
        if (!existsSync(f)) throw new DataFileError(path, `shard '${shard}' named in the index is missing`);
        for (const t of readSafetensors(f).tensors) byName.set(t.name, { name: t.name, shape: t.shape, data: t.data });
      }
      const missing = Object.keys(map).filter((n) => !byName.has(n));
      if (missing.length > 0) throw new DataFileError(path, `tensor '${missing[0]}' is not in its shard '${map[missing[0]]}'`);
      return { key: null, tensors: Object.keys(map).map((n) => byName.get(n)!) };
    }
  }
}

function shapeText(shape: number[]): string {
  return `(${shape.join(', ')}${shape.length === 1 ? ',' : ''})`;
}

/** A named 2-D matrix from a file; `shape` is the tensor's own shape when it was reshaped (conv weights). */
export interface NamedMatrix {
  name: string;
  matrix: Matrix;
  shape?: number[];
}

/**
 * Every weight matrix in a file: 2-D tensors as they are, 3-D and 4-D tensors (convolution kernels, out x in x kh x kw)
 * as out x (in * kh * kw), the usual matricisation; tensors of rank 0 or 1 (biases, counters) are skipped.
 * `select` keeps only tensor names matching the glob; `key` picks a nested torch checkpoint entry.
 */
export function loadWeights(path: string, opts: { select?: string; key?: string; allowEmpty?: boolean } = {}): NamedMatrix[] {
  const { tensors } = loadTensors(path, { key: opts.key });
  const re = opts.select !== undefined ? globToRegExp(opts.select) : null;
  const chosen = re ? tensors.filter((t) => re.test(t.name)) : tensors;
  if (re && chosen.length === 0 && opts.allowEmpty) return [];
  if (re && chosen.length === 0)
    throw new DataFileError(path, `--select ${opts.select} matches no tensor (found ${tensors.map((t) => t.name).join(', ')})`);
  const out: NamedMatrix[] = [];
  for (const t of chosen) {
    if (t.shape.length === 2) out.push({ name: t.name, matrix: new Matrix(t.shape[0], t.shape[1], t.data) });
    else if (t.shape.length === 3 || t.shape.length === 4) {
      const cols = t.shape.slice(1).reduce((a, b) => a * b, 1);
      out.push({ name: t.name, matrix: new Matrix(t.shape[0], cols, t.data), shape: t.shape.slice() });
    }
  }
  if (out.length === 0)
    throw new DataFileError(
      path,
      `bad shape: no 2-D, 3-D or 4-D tensor (found ${tensors.map((t) => `${t.name} ${shapeText(t.shape)}`).join(', ') || 'no tensors'})`,
    );
  return out;
}

/**
 * One 2-D matrix (N x d, samples as rows): a .npy of 2 dimensions, a numeric .csv, or the single
 * 2-D tensor of a .safetensors / .npz / torch / index.json file (or the one named `tensor`).
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
  const { tensors } = loadTensors(path);
  const candidates = opts.tensor !== undefined ? tensors.filter((t) => t.name === opts.tensor) : tensors.filter((t) => t.shape.length === 2);
  if (opts.tensor !== undefined && candidates.length === 0)
    throw new DataFileError(path, `no tensor named '${opts.tensor}' (found ${tensors.map((t) => t.name).join(', ')})`);
  if (candidates.length !== 1) {
    throw new DataFileError(
      path,
      `expected exactly one 2-D tensor, found ${candidates.length} (${tensors.map((t) => `${t.name} ${shapeText(t.shape)}`).join(', ')})`,
    );
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
  const { tensors } = loadTensors(path);
  const candidates = opts.tensor !== undefined ? tensors.filter((t) => t.name === opts.tensor) : tensors.filter((t) => t.shape.length === 1);
  if (candidates.length !== 1)
    throw new DataFileError(
      path,
      `expected exactly one 1-D label tensor, found ${candidates.length} (${tensors.map((t) => `${t.name} ${shapeText(t.shape)}`).join(', ')})`,
    );
  return labelsFromShape(candidates[0].shape, candidates[0].data, path);
}
