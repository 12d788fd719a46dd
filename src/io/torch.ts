// PyTorch checkpoints written by torch.save (the zip format of torch >= 1.6: <name>/data.pkl, <name>/data/<key>,
// optionally <name>/byteorder), read without Python and without running code. data.pkl is decoded by a
// restricted pickle machine (protocols 2-5, binary opcodes) that knows only what state dicts contain: dicts,
// OrderedDicts, lists, tuples, numbers, strings, None/bools, tensors rebuilt by torch._utils._rebuild_tensor_v2 /
// _rebuild_parameter and the typed storages named in persistent ids. Any other global is refused (exit 2) with
// its name, before anything is called: nothing in the file is ever executed.
import { DataFileError, halfToNumber } from './npy.ts';
import { ZipArchive, isZip } from './zip.ts';

/** A tensor of a checkpoint, materialised in C (row-major) order as float64. */
export interface TorchTensor {
  name: string;
  shape: number[];
  dtype: TorchDtype;
  data: Float64Array;
}

export type TorchDtype = 'float64' | 'float32' | 'float16' | 'bfloat16' | 'int64' | 'int32' | 'int16' | 'int8' | 'uint8' | 'bool';

const STORAGES: Record<string, { dtype: TorchDtype; size: number }> = {
  DoubleStorage: { dtype: 'float64', size: 8 },
  FloatStorage: { dtype: 'float32', size: 4 },
  HalfStorage: { dtype: 'float16', size: 2 },
  BFloat16Storage: { dtype: 'bfloat16', size: 2 },
  LongStorage: { dtype: 'int64', size: 8 },
  IntStorage: { dtype: 'int32', size: 4 },
  ShortStorage: { dtype: 'int16', size: 2 },
  CharStorage: { dtype: 'int8', size: 1 },
  ByteStorage: { dtype: 'uint8', size: 1 },
  BoolStorage: { dtype: 'bool', size: 1 },
};

const CALLABLES = new Set([
  'collections.OrderedDict',
  'torch._utils._rebuild_tensor_v2',
  'torch._utils._rebuild_parameter',
  'torch._utils._rebuild_parameter_with_state',
]);

class Global {
  constructor(readonly path: string) {}
}
class Tuple {
  constructor(readonly items: unknown[]) {}
}
class StorageRef {
  constructor(
    readonly dtype: TorchDtype,
    readonly size: number,
    readonly key: string,
    readonly numel: number,
  ) {}
}
class TensorRef {
  constructor(
    readonly storage: StorageRef,
    readonly offset: number,
    readonly shape: number[],
    readonly stride: number[],
  ) {}
}
const MARK = Symbol('mark');

function allowedGlobal(module: string, name: string, file: string): Global {
  const path = `${module}.${name}`;
  if (CALLABLES.has(path) || (module === 'torch' && name in STORAGES)) return new Global(path);
  throw new DataFileError(
    file,
    `refused: the pickle references the global '${path}', which a state dict does not contain (accepted: dicts, lists, tuples, tensors and their storages); nothing was executed`,
  );
}

function ints(v: unknown, what: string, file: string): number[] {
  if (!(v instanceof Tuple) || !v.items.every((x) => typeof x === 'number' && Number.isInteger(x)))
    throw new DataFileError(file, `bad checkpoint: ${what} is not a tuple of integers`);
  return v.items as number[];
}

function call(fn: unknown, args: unknown, file: string): unknown {
  if (!(fn instanceof Global) || !CALLABLES.has(fn.path))
    throw new DataFileError(file, 'bad checkpoint: REDUCE on something that is not an accepted callable');
  const a = args instanceof Tuple ? args.items : [];
  switch (fn.path) {
    case 'collections.OrderedDict': {
      const m = new Map<unknown, unknown>();
      if (a.length > 0 && Array.isArray(a[0])) for (const kv of a[0] as unknown[]) if (kv instanceof Tuple) m.set(kv.items[0], kv.items[1]);
      return m;
    }
    case 'torch._utils._rebuild_tensor_v2': {
      const [storage, offset] = a;
      if (!(storage instanceof StorageRef) || typeof offset !== 'number')
        throw new DataFileError(file, 'bad checkpoint: _rebuild_tensor_v2 without a storage and offset');
      const shape = ints(a[2], 'a tensor size', file);
      const stride = ints(a[3], 'a tensor stride', file);
      if (shape.length !== stride.length) throw new DataFileError(file, 'bad checkpoint: tensor size and stride differ in length');
      return new TensorRef(storage, offset, shape, stride);
    }
    default: // _rebuild_parameter(data, requires_grad, hooks[, state]): the tensor itself
      if (!(a[0] instanceof TensorRef)) throw new DataFileError(file, 'bad checkpoint: _rebuild_parameter without a tensor');
      return a[0];
  }
}

/** The bytes of data.pkl and a read position; a read past the end is refused as truncated. */
class PickleBytes {
  p = 0;
  private readonly v: DataView;
  private readonly dec = new TextDecoder();
  constructor(
    private readonly bytes: Uint8Array,
    private readonly file: string,
  ) {
    this.v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  need(n: number): void {
    if (this.p + n > this.bytes.length) throw new DataFileError(this.file, 'truncated: data.pkl ends inside an opcode');
  }
  skip(n: number): void {
    this.need(n);
    this.p += n;
  }
  u8(): number {
    this.need(1);
    return this.bytes[this.p++];
  }
  u16(): number {
    this.need(2);
    const x = this.v.getUint16(this.p, true);
    this.p += 2;
    return x;
  }
  u32(): number {
    this.need(4);
    const x = this.v.getUint32(this.p, true);
    this.p += 4;
    return x;
  }
  i32(): number {
    this.need(4);
    const x = this.v.getInt32(this.p, true);
    this.p += 4;
    return x;
  }
  u64(): number {
    this.need(8);
    const x = Number(this.v.getBigUint64(this.p, true));
    this.p += 8;
    return x;
  }
  /** BINFLOAT is big-endian. */
  f64be(): number {
    this.need(8);
    const x = this.v.getFloat64(this.p, false);
    this.p += 8;
    return x;
  }
  str(n: number): string {
    this.need(n);
    const s = this.dec.decode(this.bytes.subarray(this.p, this.p + n));
    this.p += n;
    return s;
  }
  take(n: number): Uint8Array {
    this.need(n);
    const b = this.bytes.slice(this.p, this.p + n);
    this.p += n;
    return b;
  }
  line(): string {
    const e = this.bytes.indexOf(0x0a, this.p);
    if (e < 0) throw new DataFileError(this.file, 'truncated: data.pkl');
    const s = this.dec.decode(this.bytes.subarray(this.p, e));
    this.p = e + 1;
    return s;
  }
  /** A little-endian two's-complement integer of n bytes (LONG1, LONG4). */
  long(n: number): number {
    this.need(n);
    let x = 0n;
    for (let i = n - 1; i >= 0; i--) x = (x << 8n) | BigInt(this.bytes[this.p + i]);
    if (n > 0 && this.bytes[this.p + n - 1] & 0x80) x -= 1n << BigInt(8 * n);
    this.p += n;
    return Number(x);
  }
}

const NO_SCALAR = Symbol('no scalar');

/** The value of an opcode that pushes a number, string, bytes, None or a bool; NO_SCALAR for any other opcode. */
function scalarOpcode(op: number, r: PickleBytes): unknown {
  switch (op) {
    case 0x4a:
      return r.i32(); // BININT
    case 0x4b:
      return r.u8(); // BININT1
    case 0x4d:
      return r.u16(); // BININT2
    case 0x8a:
      return r.long(r.u8()); // LONG1
    case 0x8b:
      return r.long(r.u32()); // LONG4
    case 0x47:
      return r.f64be(); // BINFLOAT
    case 0x4e:
      return null;
    case 0x88:
      return true;
    case 0x89:
      return false;
    case 0x58:
      return r.str(r.u32()); // BINUNICODE
    case 0x8c:
      return r.str(r.u8()); // SHORT_BINUNICODE
    case 0x8d:
      return r.str(r.u64()); // BINUNICODE8
    case 0x55:
      return r.str(r.u8()); // SHORT_BINSTRING
    case 0x54:
      return r.str(r.u32()); // BINSTRING
    case 0x43:
      return r.take(r.u8()); // SHORT_BINBYTES
    case 0x42:
      return r.take(r.u32()); // BINBYTES
    default:
      return NO_SCALAR;
  }
}

/** BINPERSID: the persistent id ('storage', StorageClass, key, location, numel) of a tensor's storage. */
function storageRef(pid: unknown, file: string): StorageRef {
  if (!(pid instanceof Tuple) || pid.items[0] !== 'storage' || !(pid.items[1] instanceof Global))
    throw new DataFileError(file, 'bad checkpoint: a persistent id that is not a storage');
  const cls = pid.items[1].path.replace(/^torch\./, '');
  const st = STORAGES[cls];
  if (!st) throw new DataFileError(file, `refused: storage type '${pid.items[1].path}'`);
  return new StorageRef(st.dtype, st.size, String(pid.items[2]), Number(pid.items[4]));
}

/** The stack and memo of the restricted pickle machine, and its checked stack operations. */
class PickleMachine {
  readonly stack: unknown[] = [];
  readonly memo = new Map<number, unknown>();
  constructor(
    readonly r: PickleBytes,
    readonly file: string,
  ) {}

  push(x: unknown): void {
    this.stack.push(x);
  }

  /** The items above the topmost MARK (the MARK is removed too). */
  popMark(): unknown[] {
    const stack = this.stack;
    let i = stack.length - 1;
    while (i >= 0 && stack[i] !== MARK) i--;
    if (i < 0) throw new DataFileError(this.file, 'bad pickle: no MARK on the stack');
    const items = stack.splice(i + 1);
    stack.pop();
    return items;
  }

  top(): unknown {
    if (this.stack.length === 0) throw new DataFileError(this.file, 'bad pickle: stack underflow');
    return this.stack[this.stack.length - 1];
  }

  pop(): unknown {
    if (this.stack.length === 0) throw new DataFileError(this.file, 'bad pickle: stack underflow');
    return this.stack.pop();
  }

  setItems(target: unknown, kv: unknown[]): void {
    if (!(target instanceof Map)) throw new DataFileError(this.file, 'bad pickle: SETITEM on something that is not a dict');
    for (let i = 0; i + 1 < kv.length; i += 2) target.set(kv[i], kv[i + 1]);
  }

  append(target: unknown, items: unknown[]): void {
    if (!Array.isArray(target)) throw new DataFileError(this.file, 'bad pickle: APPEND on something that is not a list');
    target.push(...items);
  }
}

/** Opcodes that build tuples, lists and dicts; false for any other opcode. */
function containerOpcode(op: number, m: PickleMachine): boolean {
  switch (op) {
    case 0x28:
      m.push(MARK);
      break;
    case 0x7d:
      m.push(new Map());
      break; // EMPTY_DICT
    case 0x5d:
      m.push([]);
      break; // EMPTY_LIST
    case 0x29:
      m.push(new Tuple([]));
      break; // EMPTY_TUPLE
    case 0x74:
      m.push(new Tuple(m.popMark()));
      break; // TUPLE
    case 0x85:
      m.push(new Tuple([m.pop()]));
      break;
    case 0x86: {
      const b = m.pop();
      const a = m.pop();
      m.push(new Tuple([a, b]));
      break;
    }
    case 0x87: {
      const c = m.pop();
      const b = m.pop();
      const a = m.pop();
      m.push(new Tuple([a, b, c]));
      break;
    }
    case 0x6c:
      m.push(m.popMark());
      break; // LIST
    case 0x64: {
      const kv = m.popMark();
      const d = new Map();
      m.setItems(d, kv);
      m.push(d);
      break;
    } // DICT
    default:
      return itemOpcode(op, m);
  }
  return true;
}

/** Opcodes that add items to the dict or list on top of the stack; false for any other opcode. */
function itemOpcode(op: number, m: PickleMachine): boolean {
  switch (op) {
    case 0x73: {
      const val = m.pop();
      const key = m.pop();
      m.setItems(m.top(), [key, val]);
      break;
    } // SETITEM
    case 0x75: {
      const kv = m.popMark();
      m.setItems(m.top(), kv);
      break;
    } // SETITEMS
    case 0x61: {
      const x = m.pop();
      m.append(m.top(), [x]);
      break;
    } // APPEND
    case 0x65: {
      const xs = m.popMark();
      m.append(m.top(), xs);
      break;
    } // APPENDS
    default:
      return false;
  }
  return true;
}

/** Opcodes of the memo and of stack housekeeping (PROTO, FRAME, POP, POP_MARK, DUP); false for any other opcode. */
function memoOrStackOpcode(op: number, m: PickleMachine): boolean {
  const r = m.r;
  switch (op) {
    case 0x80:
      r.u8();
      break; // PROTO
    case 0x95:
      r.skip(8);
      break; // FRAME
    case 0x71:
      m.memo.set(r.u8(), m.top());
      break; // BINPUT
    case 0x72:
      m.memo.set(r.u32(), m.top());
      break; // LONG_BINPUT
    case 0x94:
      m.memo.set(m.memo.size, m.top());
      break; // MEMOIZE
    case 0x68:
    case 0x6a: {
      // BINGET, LONG_BINGET
      const k = op === 0x68 ? r.u8() : r.u32();
      if (!m.memo.has(k)) throw new DataFileError(m.file, `bad pickle: memo ${k} is not set`);
      m.push(m.memo.get(k));
      break;
    }
    case 0x30:
      m.pop();
      break; // POP
    case 0x31:
      m.popMark();
      break; // POP_MARK
    case 0x32:
      m.push(m.top());
      break; // DUP
    default:
      return false;
  }
  return true;
}

/** Opcodes that name globals, call them, and refer to storages (GLOBAL, STACK_GLOBAL, REDUCE, BUILD, BINPERSID); false for any other. */
function objectOpcode(op: number, m: PickleMachine): boolean {
  const file = m.file;
  switch (op) {
    case 0x63: {
      const module = m.r.line();
      const name = m.r.line();
      m.push(allowedGlobal(module, name, file));
      break;
    } // GLOBAL
    case 0x93: {
      const name = m.pop();
      const module = m.pop();
      m.push(allowedGlobal(String(module), String(name), file));
      break;
    } // STACK_GLOBAL
    case 0x52: {
      const args = m.pop();
      const fn = m.pop();
      m.push(call(fn, args, file));
      break;
    } // REDUCE
    case 0x62: {
      m.pop();
      if (!(m.top() instanceof Map)) throw new DataFileError(file, 'bad pickle: BUILD on something that is not a dict');
      break;
    } // BUILD: OrderedDict._metadata, ignored
    case 0x51:
      m.push(storageRef(m.pop(), file));
      break; // BINPERSID
    default:
      return false;
  }
  return true;
}

/** Run the restricted pickle machine on data.pkl; persistent ids become StorageRefs. */
export function unpickle(bytes: Uint8Array, file: string): unknown {
  const r = new PickleBytes(bytes, file);
  const m = new PickleMachine(r, file);
  for (;;) {
    const op = r.u8();
    if (op === 0x2e) return m.pop(); // STOP
    if (containerOpcode(op, m) || memoOrStackOpcode(op, m) || objectOpcode(op, m)) continue;
    const value = scalarOpcode(op, r);
    if (value === NO_SCALAR)
      throw new DataFileError(
        file,
        `refused: pickle opcode 0x${op.toString(16)} ('${String.fromCharCode(op)}') at byte ${r.p - 1} is not one a state dict uses`,
      );
    m.push(value);
  }
}

function decode(dtype: TorchDtype, v: DataView, off: number, little: boolean): number {
  switch (dtype) {
    case 'float64':
      return v.getFloat64(off, little);
    case 'float32':
      return v.getFloat32(off, little);
    case 'float16':
      return halfToNumber(v.getUint16(off, little));
    case 'bfloat16': {
      const b = new DataView(new ArrayBuffer(4));
      b.setUint32(0, v.getUint16(off, little) << 16);
      return b.getFloat32(0);
    }
    case 'int64':
      return Number(v.getBigInt64(off, little));
    case 'int32':
      return v.getInt32(off, little);
    case 'int16':
      return v.getInt16(off, little);
    case 'int8':
      return v.getInt8(off);
    case 'uint8':
      return v.getUint8(off);
    case 'bool':
      return v.getUint8(off) ? 1 : 0;
  }
}

/** A parsed checkpoint: the unpickled object with TensorRefs at the leaves, plus what is needed to materialise them. */
export interface TorchCheckpoint {
  file: string;
  root: unknown;
  materialise(t: unknown, name: string): TorchTensor;
}

/** Open a torch.save zip archive and unpickle data.pkl (tensors are materialised on demand). */
export function openTorch(file: string): TorchCheckpoint {
  const zip = ZipArchive.open(file);
  if (!isZip(zip.bytes)) {
    const legacy = zip.bytes[0] === 0x80;
    throw new DataFileError(
      file,
      legacy
        ? 'legacy torch.save format (before torch 1.6, not a zip archive); re-save it with torch.save(obj, path) from torch >= 1.6'
        : 'not a torch.save zip archive',
    );
  }
  const pkl = zip.names().find((n) => /^[^/]+\/data\.pkl$/.test(n)) ?? zip.names().find((n) => n.endsWith('/data.pkl') || n === 'data.pkl');
  if (!pkl) throw new DataFileError(file, 'not a torch.save archive (no data.pkl entry)');
  const prefix = pkl.slice(0, pkl.length - 'data.pkl'.length);
  const bo = zip.entries.has(`${prefix}byteorder`) ? new TextDecoder().decode(zip.read(`${prefix}byteorder`)).trim() : 'little';
  if (bo !== 'little' && bo !== 'big') throw new DataFileError(file, `bad checkpoint: byteorder '${bo}'`);
  const little = bo === 'little';
  const root = unpickle(zip.read(pkl), file);
  return {
    file,
    root,
    materialise(t: unknown, name: string): TorchTensor {
      if (!(t instanceof TensorRef)) throw new DataFileError(file, `'${name}' is not a tensor`);
      const st = t.storage;
      const raw = zip.read(`${prefix}data/${st.key}`);
      if (raw.length < st.numel * st.size)
        throw new DataFileError(file, `truncated: storage ${st.key} of '${name}' holds ${raw.length} bytes, expected ${st.numel * st.size}`);
      const n = t.shape.reduce((a, b) => a * b, 1);
      let maxIndex = t.offset;
      for (let k = 0; k < t.shape.length; k++) if (t.shape[k] > 0) maxIndex += (t.shape[k] - 1) * t.stride[k];
      if (n > 0 && (t.offset < 0 || maxIndex >= st.numel))
        throw new DataFileError(
          file,
          `bad checkpoint: '${name}' (offset ${t.offset}, strides ${t.stride.join(',')}) reaches past its storage of ${st.numel} elements`,
        );
      const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
      const data = new Float64Array(n);
      const idx = new Array<number>(t.shape.length).fill(0);
      let src = t.offset;
      for (let i = 0; i < n; i++) {
        data[i] = decode(st.dtype, view, src * st.size, little);
        for (let k = t.shape.length - 1; k >= 0; k--) {
          idx[k]++;
          src += t.stride[k];
          if (idx[k] < t.shape[k]) break;
          src -= idx[k] * t.stride[k];
          idx[k] = 0;
        }
      }
      return { name, shape: t.shape.slice(), dtype: st.dtype, data };
    },
  };
}

/** Names (dotted paths) of every tensor under a node, with the nodes themselves. */
function walk(node: unknown, prefix: string, out: [string, unknown][]): void {
  if (node instanceof TensorRef) {
    out.push([prefix, node]);
    return;
  }
  const join = (k: unknown) => (prefix === '' ? String(k) : `${prefix}.${String(k)}`);
  if (node instanceof Map) for (const [k, v] of node) walk(v, join(k), out);
  else if (Array.isArray(node)) node.forEach((v, i) => walk(v, join(i), out));
  else if (node instanceof Tuple) node.items.forEach((v, i) => walk(v, join(i), out));
}

/** Keys tried, in order, when a checkpoint nests its state dict (e.g. {'model': ..., 'optimizer': ..., 'epoch': 7}). */
export const STATE_DICT_KEYS = ['state_dict', 'model_state_dict', 'model', 'module', 'net', 'network'];

function hasTensors(node: unknown): boolean {
  const out: [string, unknown][] = [];
  walk(node, '', out);
  return out.length > 0;
}

/**
 * The tensors of a checkpoint. `key` (dotted path, e.g. 'model' or 'ema.model') selects a sub-object; without it a
 * top-level dict that holds non-tensor entries and one of STATE_DICT_KEYS is narrowed to that key. Returns the key used.
 */
export function readTorch(file: string, opts: { key?: string } = {}): { key: string | null; tensors: TorchTensor[] } {
  const ck = openTorch(file);
  let node = ck.root;
  let key: string | null = null;
  if (opts.key !== undefined) {
    for (const part of opts.key.split('.')) {
      if (!(node instanceof Map) || !node.has(part)) {
        const have = node instanceof Map ? [...node.keys()].map(String).join(', ') : 'not a dict';
        throw new DataFileError(file, `--key ${opts.key}: no entry '${part}' (found: ${have})`);
      }
      node = node.get(part);
    }
    key = opts.key;
  } else if (node instanceof Map && ![...node.values()].every((x) => x instanceof TensorRef)) {
    const k = STATE_DICT_KEYS.find((c) => node instanceof Map && node.has(c) && hasTensors(node.get(c)));
    if (k !== undefined) {
      node = (node as Map<unknown, unknown>).get(k);
      key = k;
    }
  }
  const found: [string, unknown][] = [];
  walk(node, '', found);
  return { key, tensors: found.map(([name, t]) => ck.materialise(t, name)) };
}
