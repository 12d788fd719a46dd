// .safetensors files: 8-byte little-endian header length n, an n-byte JSON header
// {name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {...}}, then the tensor bytes
// (offsets relative to the end of the header), little-endian, C order.
import { readFileSync, writeFileSync } from 'node:fs';
import { DataFileError, halfToNumber } from './npy.ts';

export type SafetensorsDtype = 'F64' | 'F32' | 'F16' | 'BF16' | 'I64' | 'I32' | 'I16' | 'I8' | 'U64' | 'U32' | 'U16' | 'U8' | 'BOOL';
const SIZES: Record<SafetensorsDtype, number> = {
  F64: 8,
  F32: 4,
  F16: 2,
  BF16: 2,
  I64: 8,
  I32: 4,
  I16: 2,
  I8: 1,
  U64: 8,
  U32: 4,
  U16: 2,
  U8: 1,
  BOOL: 1,
};

/** One tensor, values converted to float64 in C order. */
export interface SafeTensor {
  name: string;
  dtype: SafetensorsDtype;
  shape: number[];
  data: Float64Array;
}

function read(dtype: SafetensorsDtype, view: DataView, off: number): number {
  switch (dtype) {
    case 'F64':
      return view.getFloat64(off, true);
    case 'F32':
      return view.getFloat32(off, true);
    case 'F16':
      return halfToNumber(view.getUint16(off, true));
    case 'BF16': {
      const b = new DataView(new ArrayBuffer(4));
      b.setUint32(0, view.getUint16(off, true) << 16, true);
      return b.getFloat32(0, true);
    }
    case 'I64':
      return Number(view.getBigInt64(off, true));
    case 'I32':
      return view.getInt32(off, true);
    case 'I16':
      return view.getInt16(off, true);
    case 'I8':
      return view.getInt8(off);
    case 'U64':
      return Number(view.getBigUint64(off, true));
    case 'U32':
      return view.getUint32(off, true);
    case 'U16':
      return view.getUint16(off, true);
    case 'U8':
    case 'BOOL':
      return view.getUint8(off);
  }
}

/** Decode every tensor of a .safetensors file (in the header's order) and its metadata. */
export function decodeSafetensors(bytes: Uint8Array, file = '<buffer>'): { tensors: SafeTensor[]; metadata: Record<string, string> } {
  if (bytes.length < 8) throw new DataFileError(file, `truncated: ${bytes.length} bytes, too short for a .safetensors header`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = Number(view.getBigUint64(0, true));
  if (8 + n > bytes.length)
    throw new DataFileError(file, `truncated: header says ${n} header bytes, the file has ${bytes.length - 8} after the length`);
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(Buffer.from(bytes.subarray(8, 8 + n)).toString('utf8'));
  } catch {
    throw new DataFileError(file, 'not a .safetensors file (header is not valid JSON)');
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header))
    throw new DataFileError(file, 'not a .safetensors file (header is not a JSON object)');
  const dataStart = 8 + n;
  const dataLength = bytes.length - dataStart;
  const tensors: SafeTensor[] = [];
  const spans: { name: string; begin: number; end: number }[] = [];
  let metadata: Record<string, string> = {};
  for (const [name, entry] of Object.entries(header)) {
    if (name === '__metadata__') {
      metadata = entry as Record<string, string>;
      continue;
    }
    const e = entry as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (typeof e?.dtype !== 'string' || !(e.dtype in SIZES)) {
      throw new DataFileError(file, `tensor '${name}': wrong dtype ${JSON.stringify(e?.dtype)} (accepted: F64, F32, F16, BF16, integer and BOOL)`);
    }
    const dtype = e.dtype as SafetensorsDtype;
    if (!Array.isArray(e.shape) || !e.shape.every((x) => Number.isInteger(x) && x >= 0))
      throw new DataFileError(file, `tensor '${name}': bad shape ${JSON.stringify(e.shape)}`);
    const shape = e.shape as number[];
    if (!Array.isArray(e.data_offsets) || e.data_offsets.length !== 2)
      throw new DataFileError(file, `tensor '${name}': bad data_offsets ${JSON.stringify(e.data_offsets)}`);
    const [begin, end] = e.data_offsets as number[];
    const count = shape.reduce((a, b) => a * b, 1);
    const size = SIZES[dtype];
    if (!(Number.isInteger(begin) && Number.isInteger(end) && 0 <= begin && begin <= end))
      throw new DataFileError(file, `tensor '${name}': bad data_offsets [${begin}, ${end}]`);
    if (end > dataLength) throw new DataFileError(file, `truncated: tensor '${name}' ends at data byte ${end}, the file holds ${dataLength}`);
    if (end - begin !== count * size)
      throw new DataFileError(
        file,
        `tensor '${name}': bad shape [${shape.join(', ')}] of ${dtype} needs ${count * size} bytes, its offsets span ${end - begin}`,
      );
    spans.push({ name, begin, end });
    const data = new Float64Array(count);
    const base = dataStart + begin;
    for (let k = 0; k < count; k++) data[k] = read(dtype, view, base + k * size);
    tensors.push({ name, dtype, shape, data });
  }
  // Tensors own disjoint byte ranges (the format's rule): two that share bytes mean a damaged or forged header.
  spans.sort((a, b) => a.begin - b.begin || a.end - b.end);
  for (let i = 1; i < spans.length; i++) {
    const [a, b] = [spans[i - 1], spans[i]];
    if (b.begin < a.end && b.end > b.begin)
      throw new DataFileError(
        file,
        `tensors '${a.name}' [${a.begin}, ${a.end}) and '${b.name}' [${b.begin}, ${b.end}) overlap; every tensor must own its own data bytes`,
      );
  }
  return { tensors, metadata };
}

export interface SafetensorsInput {
  name: string;
  shape: number[];
  data: ArrayLike<number>;
  dtype?: 'F64' | 'F32';
}

/** Encode tensors (values in C order) as F64 (default) or F32 .safetensors bytes. */
export function encodeSafetensors(tensors: SafetensorsInput[], metadata?: Record<string, string>): Uint8Array {
  const header: Record<string, unknown> = {};
  if (metadata) header.__metadata__ = metadata;
  let offset = 0;
  for (const t of tensors) {
    const count = t.shape.reduce((a, b) => a * b, 1);
    if (count !== t.data.length)
      throw new RangeError(`encodeSafetensors: '${t.name}' shape [${t.shape.join(', ')}] holds ${count} values, data has ${t.data.length}`);
    const dtype = t.dtype ?? 'F64';
    const bytes = count * SIZES[dtype];
    header[t.name] = { dtype, shape: t.shape, data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - ((8 + Buffer.byteLength(json)) % 8)) % 8);
  const hb = Buffer.from(json, 'utf8');
  const out = new Uint8Array(8 + hb.length + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(hb.length), true);
  out.set(hb, 8);
  let pos = 8 + hb.length;
  for (const t of tensors) {
    const f32 = (t.dtype ?? 'F64') === 'F32';
    for (let k = 0; k < t.data.length; k++) {
      if (f32) {
        view.setFloat32(pos, t.data[k], true);
        pos += 4;
      } else {
        view.setFloat64(pos, t.data[k], true);
        pos += 8;
      }
    }
  }
  return out;
}

/** Read every tensor of a .safetensors file; errors name the file and what is wrong. */
export function readSafetensors(path: string): { tensors: SafeTensor[]; metadata: Record<string, string> } {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new DataFileError(path, `cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  return decodeSafetensors(bytes, path);
}

export function writeSafetensors(path: string, tensors: SafetensorsInput[], metadata?: Record<string, string>): void {
  writeFileSync(path, encodeSafetensors(tensors, metadata));
}
