// In-cell checkpoints: the whole state of a running cell, written atomically into the results directory.
//
// File: <results dir>/checkpoints/<first 16 hex digits of SHA-256(cell key)>.ckpt, one per running cell,
// removed when the cell commits. Written every --checkpoint-every minutes (default 10, 0 = off) at a
// consistent point of a loop, and when a stop is requested (SIGINT, SIGTERM, SIGUSR1; see signals.ts).
// Format (version 1):
//   line 1: `nrc-checkpoint 1`
//   line 2: JSON header {cell_key, config_hash, written_at, cell_seconds, body_bytes, sha256}: sha256 = hex SHA-256
//           of the body, cell_seconds = wall-clock seconds the cell has run so far, over all processes
//   body:   u32 LE length of a JSON tree, the tree (UTF-8), zero padding to a multiple of 8, then the binary
//           typed arrays it refers to ({"$a": "f64" | "f32" | "i32" | "u8", "o": byte offset, "n": length});
//           NaN, +-Infinity, -0 and undefined are {"$n": "NaN" | "Infinity" | "-Infinity" | "-0"} and {"$u": 1}.
// The tree is {loops: [{kind, done, state, rows}]}: one entry per loop the cell has run so far, in program
// order (training loops, solvers, flows, layer loops), each with its parameters, optimiser state (L-BFGS
// memory, SGD velocity, Adam moments), random-stream positions, counters, and the rows gathered while it ran.
// Written as <file>.tmp-<pid>, fsynced, renamed over <file>, directory fsynced. A file whose checksum, size,
// cell key or configuration does not match is reported on stderr and deleted, and the cell starts from scratch.
// A resumed cell prints `resuming <cell key> from checkpoint (<age>)` on stderr (also with --quiet), <age> as
// `12 s old`, `3 min old`, `1.5 h old`. A run stopped by a signal exits with 130 (SIGINT), 143 (SIGTERM) or 138
// (SIGUSR1) after writing the running cell's checkpoint (signals.ts).
// Test only: NRC_TEST_CHECKPOINT_AT=N stops the cell at its N-th consistent point (counting the points of
// every loop from 1 in this process) exactly as a SIGTERM would: checkpoint written, exit code 143.
import { createHash } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, readSync, renameSync, rmdirSync, unlinkSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { type Checkpoints, type LoopCheckpoint, type State, StopRequested, requestStop } from '../linalg/interrupt.ts';

export const CHECKPOINT_DIR = 'checkpoints';
const MAGIC = 'nrc-checkpoint 1';
const SIGTERM = 15;

/** The checkpoint file of a cell inside a results directory. */
export function checkpointPath(outDir: string, cellKey: string): string {
  return join(outDir, CHECKPOINT_DIR, `${createHash('sha256').update(cellKey).digest('hex').slice(0, 16)}.ckpt`);
}

/** Delete a cell's checkpoint, if any, and the checkpoint directory once empty. */
export function removeCheckpoint(outDir: string, cellKey: string): void {
  const path = checkpointPath(outDir, cellKey);
  try {
    unlinkSync(path);
  } catch {
    /* none */
  }
  try {
    rmdirSync(dirname(path));
  } catch {
    /* not empty, or absent */
  }
}

type Tree = null | boolean | number | string | Tree[] | { [key: string]: Tree };

const ARRAY_KINDS = { f64: Float64Array, f32: Float32Array, i32: Int32Array, u8: Uint8Array } as const;
type ArrayKind = keyof typeof ARRAY_KINDS;

function arrayKind(v: unknown): ArrayKind | undefined {
  if (v instanceof Float64Array) return 'f64';
  if (v instanceof Float32Array) return 'f32';
  if (v instanceof Int32Array) return 'i32';
  if (v instanceof Uint8Array) return 'u8';
  return undefined;
}

/** A state laid out as the body described above: the head (length, JSON tree, padding) and the arrays' bytes (views). */
interface Layout {
  head: Buffer;
  blobs: Uint8Array[];
  bytes: number;
}

function layoutState(value: unknown): Layout {
  const blobs: Uint8Array[] = [];
  let offset = 0;
  const walk = (v: unknown): Tree => {
    if (v === undefined) return { $u: 1 };
    if (v === null || typeof v === 'boolean' || typeof v === 'string') return v;
    if (typeof v === 'number') {
      if (Number.isNaN(v)) return { $n: 'NaN' };
      if (v === Infinity) return { $n: 'Infinity' };
      if (v === -Infinity) return { $n: '-Infinity' };
      if (Object.is(v, -0)) return { $n: '-0' };
      return v; // JSON writes the shortest text that reads back as the same double
    }
    const kind = arrayKind(v);
    if (kind) {
      const a = v as Float64Array | Float32Array | Int32Array | Uint8Array;
      const node = { $a: kind, o: offset, n: a.length };
      blobs.push(new Uint8Array(a.buffer, a.byteOffset, a.byteLength)); // written as they are, no copy
      offset += Math.ceil(a.byteLength / 8) * 8;
      return node;
    }
    if (Array.isArray(v)) return v.map(walk);
    if (typeof v === 'object') {
      const out: Record<string, Tree> = {};
      for (const [k, x] of Object.entries(v as Record<string, unknown>)) out[k] = walk(x);
      return out;
    }
    throw new TypeError(`checkpoint: cannot save a value of type ${typeof v}`);
  };
  const json = Buffer.from(JSON.stringify(walk(value)), 'utf8');
  const pad = (8 - ((4 + json.length) % 8)) % 8;
  const head = Buffer.alloc(4 + json.length + pad);
  head.writeUInt32LE(json.length, 0);
  json.copy(head, 4);
  return { head, blobs, bytes: head.length + offset };
}

/** The chunks of a layout in file order (arrays padded to multiples of 8 bytes). */
function* layoutChunks(l: Layout): Generator<Uint8Array> {
  yield l.head;
  const zeros = new Uint8Array(8);
  for (const b of l.blobs) {
    yield b;
    const pad = (8 - (b.length % 8)) % 8;
    if (pad) yield zeros.subarray(0, pad);
  }
}

/** Serialise a state (State values, and undefined inside records and lists) to the body described above. */
export function encodeState(value: unknown): Buffer {
  const l = layoutState(value);
  const body = Buffer.alloc(l.bytes);
  let at = 0;
  for (const c of layoutChunks(l)) {
    body.set(c, at);
    at += c.length;
  }
  return body;
}

/** Inverse of encodeState (typed arrays are fresh copies). */
export function decodeState(body: Buffer): unknown {
  const len = body.readUInt32LE(0);
  const head = 4 + len;
  const base = head + ((8 - (head % 8)) % 8);
  const tree = JSON.parse(body.subarray(4, head).toString('utf8')) as Tree;
  const walk = (t: Tree): unknown => {
    if (t === null || typeof t !== 'object') return t;
    if (Array.isArray(t)) return t.map(walk);
    if ('$u' in t) return undefined;
    if ('$n' in t) return t.$n === '-0' ? -0 : Number(t.$n);
    if ('$a' in t) {
      const Ctor = ARRAY_KINDS[t.$a as ArrayKind];
      const n = t.n as number;
      const start = base + (t.o as number);
      const bytes = n * Ctor.BYTES_PER_ELEMENT;
      if (!Ctor || start + bytes > body.length) throw new Error('array outside the body');
      const copy = new Uint8Array(bytes);
      copy.set(body.subarray(start, start + bytes));
      return new Ctor(copy.buffer);
    }
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(t)) out[k] = walk(x);
    return out;
  };
  return walk(tree);
}

export interface CheckpointHeader {
  cell_key: string;
  config_hash: string;
  written_at: string;
  cell_seconds: number;
  body_bytes: number;
  sha256: string;
}

/** Write `value` atomically to `path` (tmp file, fsync, rename, directory fsync); returns the bytes written. */
export function writeCheckpointFile(path: string, meta: { cellKey: string; configHash: string; cellSeconds?: number }, value: unknown): number {
  const layout = layoutState(value);
  const header = (sha256: string): Buffer =>
    Buffer.from(
      `${MAGIC}\n${JSON.stringify({
        cell_key: meta.cellKey,
        config_hash: meta.configHash,
        written_at: writtenAt,
        cell_seconds: meta.cellSeconds ?? 0,
        body_bytes: layout.bytes,
        sha256,
      } satisfies CheckpointHeader)}\n`,
      'utf8',
    );
  const writtenAt = new Date().toISOString();
  const placeholder = header('0'.repeat(64)); // the real digest has the same length: rewritten in place at the end
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}`;
  const fd = openSync(tmp, 'w');
  try {
    writeAll(fd, placeholder, 0);
    const hash = createHash('sha256');
    let at = placeholder.length;
    for (const c of layoutChunks(layout)) {
      hash.update(c);
      writeAll(fd, c, at);
      at += c.length;
    }
    writeAll(fd, header(hash.digest('hex')), 0);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
  try {
    const dfd = openSync(dirname(path), 'r');
    try {
      fsyncSync(dfd);
    } finally {
      closeSync(dfd);
    }
  } catch {
    /* directories cannot be fsynced on every platform */
  }
  return placeholder.length + layout.bytes;
}

function writeAll(fd: number, buf: Uint8Array, position: number): void {
  for (let at = 0; at < buf.length;) at += writeSync(fd, buf, at, buf.length - at, position + at);
}

/**
 * The header of a checkpoint without reading or verifying its body (cheap, for status reports: which cell,
 * written when, how long it has run); undefined when the file is missing or does not start like a checkpoint.
 */
export function readCheckpointHeader(path: string): CheckpointHeader | undefined {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return undefined;
  }
  try {
    const buf = Buffer.alloc(64 * 1024);
    const n = readSync(fd, buf, 0, buf.length, 0);
    const text = buf.subarray(0, n).toString('utf8');
    const lines = text.split('\n');
    if (lines.length < 3 || lines[0] !== MAGIC) return undefined;
    return JSON.parse(lines[1]) as CheckpointHeader;
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}

export type ReadCheckpoint = { ok: true; header: CheckpointHeader; value: unknown } | { ok: false; reason: string };

/** Read and verify a checkpoint file (magic, header, size, SHA-256, cell key, configuration). */
export function readCheckpointFile(path: string, expect: { cellKey: string; configHash: string }): ReadCheckpoint {
  let buf: Buffer;
  try {
    buf = readFileSync(path);
  } catch (e) {
    return { ok: false, reason: `unreadable (${(e as Error).message})` };
  }
  const nl1 = buf.indexOf(10);
  const nl2 = nl1 < 0 ? -1 : buf.indexOf(10, nl1 + 1);
  if (nl2 < 0 || buf.subarray(0, nl1).toString('utf8') !== MAGIC) return { ok: false, reason: 'not an nrc checkpoint (bad first line)' };
  let header: CheckpointHeader;
  try {
    header = JSON.parse(buf.subarray(nl1 + 1, nl2).toString('utf8')) as CheckpointHeader;
  } catch {
    return { ok: false, reason: 'damaged header' };
  }
  const body = buf.subarray(nl2 + 1);
  if (body.length !== header.body_bytes)
    return { ok: false, reason: `truncated or extended (${body.length} bytes, header says ${header.body_bytes})` };
  const sum = createHash('sha256').update(body).digest('hex');
  if (sum !== header.sha256) return { ok: false, reason: 'checksum mismatch (SHA-256 of the body differs from the header)' };
  if (header.cell_key !== expect.cellKey) return { ok: false, reason: `belongs to another cell (${header.cell_key})` };
  if (header.config_hash !== expect.configHash) return { ok: false, reason: 'written by another configuration' };
  try {
    return { ok: true, header, value: decodeState(body) };
  } catch (e) {
    return { ok: false, reason: `damaged body (${(e as Error).message})` };
  }
}

/** A saved checkpoint that does not fit the code that reads it (another loop order or kind): the cell restarts. */
export class CheckpointMismatch extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CheckpointMismatch';
  }
}

interface SavedLoop {
  kind: string;
  done: boolean;
  state: State;
  rows: Record<string, unknown[]>;
}

interface LoopRecord {
  kind: string;
  done: boolean;
  final?: State;
  save?: () => State;
  /** Lengths of the row arrays when the loop started, at its last consistent point, and when it finished. */
  start: Map<string, number>;
  mark: Map<string, number>;
}

export interface CellCheckpointOptions {
  outDir: string;
  cellKey: string;
  configHash: string;
  /** Minutes between timed checkpoints (0 = only when a stop is requested). */
  everyMinutes: number;
  /** Stop at this consistent point (test hook; default from NRC_TEST_CHECKPOINT_AT). */
  stopAtPoint?: number;
}

function deepCopy<T>(v: T): T {
  if (ArrayBuffer.isView(v)) return (v as unknown as Float64Array).slice() as unknown as T;
  if (Array.isArray(v)) return v.map(deepCopy) as unknown as T;
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, deepCopy(x)])) as T;
  return v;
}

/** The checkpoint of one cell: hands out loop hooks, keeps the rows gathered inside loops, writes and restores the file. */
export class CellCheckpoint implements Checkpoints {
  readonly path: string;
  private readonly everyMs: number;
  private readonly stopAt: number;
  private readonly loops: LoopRecord[] = [];
  private readonly arrays = new Map<string, unknown[]>();
  private saved: SavedLoop[] = [];
  private points = 0;
  private lastWrite = performance.now();
  private readonly started = performance.now();
  /** Seconds the cell ran in earlier processes (from a restored checkpoint). */
  earlierSeconds = 0;
  /** Bytes and milliseconds of the last write. */
  lastBytes = 0;
  lastMs = 0;

  constructor(private readonly opts: CellCheckpointOptions) {
    this.path = checkpointPath(opts.outDir, opts.cellKey);
    this.everyMs = opts.everyMinutes > 0 ? opts.everyMinutes * 60_000 : Infinity;
    const env = process.env.NRC_TEST_CHECKPOINT_AT;
    this.stopAt = opts.stopAtPoint ?? (env && /^\d+$/.test(env) ? Number(env) : 0);
  }

  /**
   * Load the cell's checkpoint if there is one. Returns its header when it was loaded, a reason when a file
   * was there but is unusable (it is then deleted), or undefined when there was none.
   */
  restore(): { header: CheckpointHeader } | { damaged: string } | undefined {
    if (!existsSync(this.path)) return undefined;
    const r = readCheckpointFile(this.path, this.opts);
    const value = r.ok ? (r.value as { loops?: SavedLoop[] }) : undefined;
    if (!r.ok || !value || !Array.isArray(value.loops)) {
      this.remove();
      return { damaged: r.ok ? 'no loop list in the body' : r.reason };
    }
    this.saved = value.loops;
    this.earlierSeconds = Number.isFinite(r.header.cell_seconds) ? r.header.cell_seconds : 0;
    return { header: r.header };
  }

  /** Forget a restored checkpoint (after a mismatch) and start from scratch. */
  reset(): void {
    this.saved = [];
    this.earlierSeconds = 0;
    this.loops.length = 0;
    this.arrays.clear();
    this.points = 0;
    this.remove();
  }

  /**
   * An array the cell fills with rows (or any State values) inside loops, under a name unique in the cell.
   * On resume it is refilled with what the loops had gathered, loop by loop, as the cell reaches them.
   */
  rows<T = Record<string, unknown>>(name: string): T[] {
    if (this.arrays.has(name)) throw new Error(`checkpoint: rows '${name}' registered twice`);
    const arr: unknown[] = [];
    this.arrays.set(name, arr);
    return arr as T[];
  }

  private lengths(): Map<string, number> {
    return new Map([...this.arrays].map(([k, a]) => [k, a.length]));
  }

  loop(kind: string): LoopCheckpoint {
    const index = this.loops.length;
    const saved = this.saved[index] as SavedLoop | undefined;
    if (saved && saved.kind !== kind) throw new CheckpointMismatch(`loop ${index + 1} is a ${kind} loop, the checkpoint saved a ${saved.kind} loop`);
    const start = this.lengths();
    if (saved) {
      for (const [name, rows] of Object.entries(saved.rows)) {
        const arr = this.arrays.get(name);
        if (!arr) throw new CheckpointMismatch(`the checkpoint holds rows '${name}' that this cell does not gather`);
        arr.push(...rows);
      }
    }
    const rec: LoopRecord = { kind, done: false, start, mark: this.lengths() };
    this.loops.push(rec);
    const restored = saved ? { state: saved.state, done: saved.done } : undefined;
    if (saved?.done) {
      rec.done = true;
      rec.final = saved.state;
    } else if (saved) rec.save = () => saved.state; // until its first new point
    return {
      restored,
      point: (save) => {
        rec.save = save;
        rec.mark = this.lengths();
        this.points++;
        if (this.stopAt > 0 && this.points === this.stopAt) {
          requestStop(SIGTERM);
          throw new StopRequested(SIGTERM);
        }
        if (performance.now() - this.lastWrite >= this.everyMs) this.write();
      },
      finish: (state) => {
        rec.done = true;
        rec.final = deepCopy(state);
        rec.mark = this.lengths();
      },
    };
  }

  /** The state as of every loop's last consistent point (loops that reached none are left out, and so are later ones). */
  snapshot(): { loops: SavedLoop[] } {
    const loops: SavedLoop[] = [];
    for (const rec of this.loops) {
      const state = rec.done ? rec.final : rec.save?.();
      if (state === undefined) break;
      const rows: Record<string, unknown[]> = {};
      for (const [name, arr] of this.arrays) {
        const from = rec.start.get(name) ?? 0;
        const to = rec.mark.get(name) ?? arr.length;
        if (to > from) rows[name] = arr.slice(from, to);
      }
      loops.push({ kind: rec.kind, done: rec.done, state, rows });
      if (!rec.done) break;
    }
    return { loops };
  }

  /** Wall-clock seconds of the cell so far, earlier processes included. */
  get cellSeconds(): number {
    return this.earlierSeconds + (performance.now() - this.started) / 1000;
  }

  /** Whether any loop has state worth saving. */
  get hasState(): boolean {
    return this.loops.some((l) => l.done || l.save);
  }

  /** Write the checkpoint now (atomically); returns the bytes written. */
  write(): number {
    const t0 = performance.now();
    this.lastBytes = writeCheckpointFile(this.path, { ...this.opts, cellSeconds: this.cellSeconds }, this.snapshot());
    this.lastWrite = performance.now();
    this.lastMs = this.lastWrite - t0;
    return this.lastBytes;
  }

  /** Delete the checkpoint (the cell committed, or its checkpoint is unusable), and the directory once empty. */
  remove(): void {
    removeCheckpoint(this.opts.outDir, this.opts.cellKey);
  }
}

/** "3 min", "2.0 h", "12 s": how long ago a checkpoint was written. */
export function formatAge(writtenAt: string, now = Date.now()): string {
  const s = Math.max(0, (now - Date.parse(writtenAt)) / 1000);
  if (!Number.isFinite(s)) return 'unknown age';
  if (s < 90) return `${Math.round(s)} s old`;
  if (s < 5400) return `${Math.round(s / 60)} min old`;
  return `${(s / 3600).toFixed(1)} h old`;
}

/** "46 KiB", "12.3 MiB". */
export function formatBytes(bytes: number): string {
  return bytes < 2 ** 20 ? `${Math.ceil(bytes / 1024)} KiB` : `${(bytes / 2 ** 20).toFixed(1)} MiB`;
}
