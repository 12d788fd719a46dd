// NumPy .npy files (format versions 1.0, 2.0, 3.0): read and write. Spec:
// numpy.lib.format — magic "\x93NUMPY", major, minor, header length (uint16 for v1, uint32 for
// v2/v3), a Python-literal dict {'descr', 'fortran_order', 'shape'} padded so the data starts at a
// multiple of 64 bytes, then the raw array (C or Fortran order).
import { isIntegerText } from './number.ts';
import { closeSync, fstatSync, openSync, readFileSync, readSync, writeFileSync } from 'node:fs';

/** A data file that cannot be used: names the file and what is wrong. Bad input, so exit code 2. */
export class DataFileError extends Error {
  readonly exitCode = 2;
  readonly file: string;
  constructor(file: string, what: string) {
    super(`${file}: ${what}`);
    this.name = 'DataFileError';
    this.file = file;
  }
}

/** Element types nrc reads: float (f2, f4, f8), signed and unsigned integers, bool. */
export type NpyDtype = 'f2' | 'f4' | 'f8' | 'i1' | 'i2' | 'i4' | 'i8' | 'u1' | 'u2' | 'u4' | 'u8' | 'b1';
const DTYPES: readonly string[] = ['f2', 'f4', 'f8', 'i1', 'i2', 'i4', 'i8', 'u1', 'u2', 'u4', 'u8', 'b1'];

/** A decoded array: values converted to float64 and laid out in C (row-major) order whatever the file's order. */
export interface NpyArray {
  shape: number[];
  dtype: NpyDtype;
  /** The file's byte order: '<' little, '>' big, '|' not applicable. */
  byteOrder: '<' | '>' | '|';
  fortranOrder: boolean;
  version: 1 | 2 | 3;
  data: Float64Array;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

/** IEEE half precision bits -> number. */
export function halfToNumber(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 31) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

/** Parse the header dict; throws DataFileError naming the field that is wrong. */
function parseHeader(text: string, file: string): { descr: string; fortranOrder: boolean; shape: number[] } {
  const descrMatch = /['"]descr['"]\s*:\s*(['"])([^'"]*)\1/.exec(text);
  if (!descrMatch) {
    if (/['"]descr['"]\s*:\s*\[/.test(text))
      throw new DataFileError(file, 'wrong dtype: structured arrays are not supported (expected a plain numeric array)');
    throw new DataFileError(file, "bad .npy header: no 'descr' entry");
  }
  const fo = /['"]fortran_order['"]\s*:\s*(True|False)/.exec(text);
  if (!fo) throw new DataFileError(file, "bad .npy header: no 'fortran_order' entry");
  const sh = /['"]shape['"]\s*:\s*\(([^)]*)\)/.exec(text);
  if (!sh) throw new DataFileError(file, "bad .npy header: no 'shape' entry");
  const parts = sh[1]
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  const shape = parts.map((p) => {
    const digits = p.replace(/L$/, '');
    const n = Number(digits);
    if (!isIntegerText(digits) || !Number.isSafeInteger(n))
      throw new DataFileError(file, `bad shape: dimension '${p}' is not a non-negative integer`);
    return n;
  });
  return { descr: descrMatch[2], fortranOrder: fo[1] === 'True', shape };
}

function parseDescr(descr: string, file: string): { dtype: NpyDtype; byteOrder: '<' | '>' | '|'; size: number } {
  let order = descr[0];
  let rest = descr.slice(1);
  if (!'<>|='.includes(order)) {
    order = '|';
    rest = descr;
  }
  if (order === '=') order = '<'; // native order of the machines numpy runs on in practice
  const code = rest === '?' ? 'b1' : rest;
  if (!DTYPES.includes(code)) {
    throw new DataFileError(file, `wrong dtype '${descr}' (accepted: float64, float32, float16, int8..int64, uint8..uint64, bool)`);
  }
  return { dtype: code as NpyDtype, byteOrder: order as '<' | '>' | '|', size: Number(code.slice(1)) };
}

/** Read element k of the given dtype from a DataView. */
function reader(dtype: NpyDtype, little: boolean): (v: DataView, off: number) => number {
  switch (dtype) {
    case 'f8':
      return (v, o) => v.getFloat64(o, little);
    case 'f4':
      return (v, o) => v.getFloat32(o, little);
    case 'f2':
      return (v, o) => halfToNumber(v.getUint16(o, little));
    case 'i1':
      return (v, o) => v.getInt8(o);
    case 'i2':
      return (v, o) => v.getInt16(o, little);
    case 'i4':
      return (v, o) => v.getInt32(o, little);
    case 'i8':
      return (v, o) => Number(v.getBigInt64(o, little));
    case 'u1':
    case 'b1':
      return (v, o) => v.getUint8(o);
    case 'u2':
      return (v, o) => v.getUint16(o, little);
    case 'u4':
      return (v, o) => v.getUint32(o, little);
    case 'u8':
      return (v, o) => Number(v.getBigUint64(o, little));
  }
}

/** Map the C-order index of every element to its Fortran-order offset (element units). */
function fortranToC(values: Float64Array, shape: number[]): Float64Array {
  if (shape.length < 2) return values;
  const n = values.length;
  const out = new Float64Array(n);
  const dims = shape.length;
  const fStride = new Array<number>(dims);
  fStride[0] = 1;
  for (let k = 1; k < dims; k++) fStride[k] = fStride[k - 1] * shape[k - 1];
  const idx = new Array<number>(dims).fill(0);
  for (let c = 0; c < n; c++) {
    let f = 0;
    for (let k = 0; k < dims; k++) f += idx[k] * fStride[k];
    out[c] = values[f];
    for (let k = dims - 1; k >= 0; k--) {
      if (++idx[k] < shape[k]) break;
      idx[k] = 0;
    }
  }
  return out;
}

/** Decode the bytes of a .npy file. `file` names it in error messages. */
export function decodeNpy(bytes: Uint8Array, file = '<buffer>'): NpyArray {
  if (bytes.length < 10) throw new DataFileError(file, `truncated: ${bytes.length} bytes, too short for a .npy header`);
  for (let i = 0; i < MAGIC.length; i++) if (bytes[i] !== MAGIC[i]) throw new DataFileError(file, 'not a .npy file (bad magic string)');
  const major = bytes[6];
  if (major !== 1 && major !== 2 && major !== 3)
    throw new DataFileError(file, `unsupported .npy format version ${major}.${bytes[7]} (accepted: 1.0, 2.0, 3.0)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let start: number;
  let hlen: number;
  if (major === 1) {
    hlen = view.getUint16(8, true);
    start = 10;
  } else {
    if (bytes.length < 12) throw new DataFileError(file, 'truncated: header length missing');
    hlen = view.getUint32(8, true);
    start = 12;
  }
  if (start + hlen > bytes.length)
    throw new DataFileError(file, `truncated: header needs ${hlen} bytes, the file has ${bytes.length - start} after the preamble`);
  const headerBytes = bytes.subarray(start, start + hlen);
  const text = major === 3 ? new TextDecoder('utf-8').decode(headerBytes) : Buffer.from(headerBytes).toString('latin1');
  const { descr, fortranOrder, shape } = parseHeader(text, file);
  const { dtype, byteOrder, size } = parseDescr(descr, file);
  const count = shape.reduce((a, b) => a * b, 1);
  const dataStart = start + hlen;
  const need = count * size;
  const have = bytes.length - dataStart;
  const shapeText = `(${shape.join(', ')}${shape.length === 1 ? ',' : ''})`;
  if (have < need) throw new DataFileError(file, `truncated: shape ${shapeText} of ${descr} needs ${need} data bytes, the file has ${have}`);
  if (have > need) throw new DataFileError(file, `bad shape: header says ${shapeText} (${need} bytes of ${descr}) but ${have} data bytes follow`);
  const read = reader(dtype, byteOrder !== '>');
  const raw = new Float64Array(count);
  for (let k = 0; k < count; k++) raw[k] = read(view, dataStart + k * size);
  const data = fortranOrder ? fortranToC(raw, shape) : raw;
  return { shape, dtype, byteOrder, fortranOrder, version: major as 1 | 2 | 3, data };
}

export interface NpyWriteOptions {
  /** Element type to store (default f8). Integer dtypes require integer values. f2 is not written. */
  dtype?: Exclude<NpyDtype, 'f2'>;
  /** Format version (default 1; 2 is chosen automatically when a v1 header would not fit). */
  version?: 1 | 2 | 3;
  /** Store in Fortran (column-major) order; `data` is always given in C order. */
  fortranOrder?: boolean;
}

/** Element order in the file: C order, or Fortran order (reverse the roles of the indices); entry f = C-order index of the f-th stored value. */
function fileOrder(shape: number[], count: number, fortranOrder: boolean): Int32Array {
  const order = new Int32Array(count);
  if (fortranOrder && shape.length >= 2) {
    const dims = shape.length;
    const cStride = new Array<number>(dims);
    cStride[dims - 1] = 1;
    for (let k = dims - 2; k >= 0; k--) cStride[k] = cStride[k + 1] * shape[k + 1];
    const idx = new Array<number>(dims).fill(0);
    for (let f = 0; f < count; f++) {
      let c = 0;
      for (let k = 0; k < dims; k++) c += idx[k] * cStride[k];
      order[f] = c;
      for (let k = 0; k < dims; k++) {
        if (++idx[k] < shape[k]) break;
        idx[k] = 0;
      }
    }
  } else for (let k = 0; k < count; k++) order[k] = k;
  return order;
}

/** Store one value as `dtype` (little-endian) at byte `off`. */
function setElement(view: DataView, off: number, dtype: Exclude<NpyDtype, 'f2'>, v: number): void {
  switch (dtype) {
    case 'f8':
      view.setFloat64(off, v, true);
      break;
    case 'f4':
      view.setFloat32(off, v, true);
      break;
    case 'i1':
      view.setInt8(off, v);
      break;
    case 'i2':
      view.setInt16(off, v, true);
      break;
    case 'i4':
      view.setInt32(off, v, true);
      break;
    case 'i8':
      view.setBigInt64(off, BigInt(v), true);
      break;
    case 'u1':
    case 'b1':
      view.setUint8(off, v);
      break;
    case 'u2':
      view.setUint16(off, v, true);
      break;
    case 'u4':
      view.setUint32(off, v, true);
      break;
    case 'u8':
      view.setBigUint64(off, BigInt(v), true);
      break;
  }
}

/** Encode an array (values in C order) as .npy bytes. */
export function encodeNpy(array: { shape: number[]; data: ArrayLike<number> }, opts: NpyWriteOptions = {}): Uint8Array {
  const dtype = opts.dtype ?? 'f8';
  const { shape } = array;
  const count = shape.reduce((a, b) => a * b, 1);
  if (count !== array.data.length)
    throw new RangeError(`encodeNpy: shape (${shape.join(', ')}) holds ${count} values, data has ${array.data.length}`);
  const size = Number(dtype.slice(1));
  const order = size === 1 ? '|' : '<';
  const shapeText = `(${shape.join(', ')}${shape.length === 1 ? ',' : ''})`;
  const dict = `{'descr': '${order}${dtype}', 'fortran_order': ${opts.fortranOrder ? 'True' : 'False'}, 'shape': ${shapeText}, }`;
  let version = opts.version ?? 1;
  const pad = (pre: number) => {
    const unpadded = pre + dict.length + 1;
    return dict + ' '.repeat((64 - (unpadded % 64)) % 64) + '\n';
  };
  let header = pad(10);
  if (version === 1 && header.length >= 65536) version = 2;
  if (version !== 1) header = pad(12);
  const pre = version === 1 ? 10 : 12;
  const headerBytes = version === 3 ? new TextEncoder().encode(header) : Buffer.from(header, 'latin1');
  const out = new Uint8Array(pre + headerBytes.length + count * size);
  out.set(MAGIC, 0);
  out[6] = version;
  out[7] = 0;
  const view = new DataView(out.buffer);
  if (version === 1) view.setUint16(8, headerBytes.length, true);
  else view.setUint32(8, headerBytes.length, true);
  out.set(headerBytes, pre);
  const base = pre + headerBytes.length;
  const order2 = fileOrder(shape, count, opts.fortranOrder ?? false);
  for (let k = 0; k < count; k++) {
    const v = array.data[order2[k]];
    if (dtype[0] !== 'f' && !Number.isInteger(v)) throw new RangeError(`encodeNpy: value ${v} cannot be stored as ${dtype}`);
    setElement(view, base + k * size, dtype, v);
  }
  return out;
}

/** Read a .npy file; errors name the file and what is wrong. */
export function readNpy(path: string): NpyArray {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new DataFileError(path, `cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  return decodeNpy(bytes, path);
}

/** Write a .npy file (values given in C order). */
export function writeNpy(path: string, array: { shape: number[]; data: ArrayLike<number> }, opts: NpyWriteOptions = {}): void {
  writeFileSync(path, encodeNpy(array, opts));
}

/** The header of a .npy file and where its data start, read without the data (for streaming). */
export interface NpyHeader {
  shape: number[];
  dtype: NpyDtype;
  byteOrder: '<' | '>' | '|';
  fortranOrder: boolean;
  size: number;
  dataStart: number;
}

/** Read only the header of a .npy file (the first 64 kB at most), checking that the data length matches the shape. */
export function readNpyHeader(path: string): NpyHeader {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    throw new DataFileError(path, `cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  try {
    const head = Buffer.alloc(65536 + 12);
    const n = readSync(fd, head, 0, head.length, 0);
    const total = fstatSync(fd).size;
    const bytes = head.subarray(0, n);
    if (bytes.length < 10) throw new DataFileError(path, `truncated: ${bytes.length} bytes, too short for a .npy header`);
    for (let i = 0; i < MAGIC.length; i++) if (bytes[i] !== MAGIC[i]) throw new DataFileError(path, 'not a .npy file (bad magic string)');
    const major = bytes[6];
    if (major !== 1 && major !== 2 && major !== 3)
      throw new DataFileError(path, `unsupported .npy format version ${major}.${bytes[7]} (accepted: 1.0, 2.0, 3.0)`);
    const start = major === 1 ? 10 : 12;
    const hlen = major === 1 ? bytes.readUInt16LE(8) : bytes.readUInt32LE(8);
    if (start + hlen > bytes.length) throw new DataFileError(path, 'truncated or oversized .npy header');
    const text = bytes.subarray(start, start + hlen).toString(major === 3 ? 'utf8' : 'latin1');
    const { descr, fortranOrder, shape } = parseHeader(text, path);
    const { dtype, byteOrder, size } = parseDescr(descr, path);
    const need = shape.reduce((a, b) => a * b, 1) * size;
    const have = total - start - hlen;
    if (have < need) throw new DataFileError(path, `truncated: the shape needs ${need} data bytes, the file has ${have}`);
    if (have > need) throw new DataFileError(path, `bad shape: the header's shape needs ${need} data bytes but ${have} follow`);
    return { shape, dtype, byteOrder, fortranOrder, size, dataStart: start + hlen };
  } finally {
    closeSync(fd);
  }
}

/** Rows [row0, row0 + rows) of a C-order 2-D .npy as float64 (one read). */
export function readNpyRows(fd: number, h: NpyHeader, row0: number, rows: number, buf?: Buffer): Float64Array {
  const cols = h.shape[1];
  const bytes = rows * cols * h.size;
  const b = buf && buf.length >= bytes ? buf : Buffer.alloc(bytes);
  let got = 0;
  while (got < bytes) {
    const n = readSync(fd, b, got, bytes - got, h.dataStart + row0 * cols * h.size + got);
    if (n <= 0) throw new DataFileError(`fd ${fd}`, 'truncated while streaming');
    got += n;
  }
  const view = new DataView(b.buffer, b.byteOffset, bytes);
  const out = new Float64Array(rows * cols);
  const little = h.byteOrder !== '>';
  if (h.dtype === 'f4' && little) {
    const f = new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + bytes));
    out.set(f);
    return out;
  }
  if (h.dtype === 'f8' && little) {
    out.set(new Float64Array(b.buffer.slice(b.byteOffset, b.byteOffset + bytes)));
    return out;
  }
  const read = reader(h.dtype, little);
  for (let k = 0; k < out.length; k++) out[k] = read(view, k * h.size);
  return out;
}
