// The WebAssembly GEMM engine: loads the kernels compiled from ./assembly/gemm.ts, keeps one
// shared WebAssembly.Memory (a growable arena the operands are copied into), and splits C by
// rows across the calling thread and a pool of worker_threads (./worker.mjs); products run as a
// pipeline of row blocks (./pipeline.ts). Every call is synchronous: the calling thread computes
// its share and then waits with Atomics.wait.
//
// Memory layout (byte offsets): [0, 64 KiB) reserved | pinned arrays (a LIFO stack: matrices that
// live in wasm memory across many calls, e.g. the matrix being bidiagonalised) | per-thread packing
// work areas | A | B | C | packed B (each call's operands), each 64-byte aligned. The arena only grows
// (shared memory cannot shrink); views into it stay valid when it grows.
import v8 from 'node:v8';
import { existsSync, readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { getThreads } from '../threads.ts';
import { BLOCK_ROWS, MAX_BLOCKS, SLICE_DEPTH, runPipeline, type PipelineHost, type RowsKernel } from './pipeline.ts';

interface KernelExports {
  dgemm(
    m: number,
    n: number,
    k: number,
    alpha: number,
    a: number,
    transA: number,
    b: number,
    transB: number,
    beta: number,
    c: number,
    r0: number,
    r1: number,
    work: number,
  ): void;
  sgemm(
    m: number,
    n: number,
    k: number,
    alpha: number,
    a: number,
    transA: number,
    b: number,
    transB: number,
    beta: number,
    c: number,
    r0: number,
    r1: number,
    work: number,
  ): void;
  workBytes64(): number;
  workBytes32(): number;
  packedBLength64(k: number, n: number): number;
  packedBLength32(k: number, n: number): number;
  packBSliceCount64(k: number, n: number): number;
  packBSliceCount32(k: number, n: number): number;
  packBSlices64(k: number, n: number, b: number, transB: number, dst: number, s0: number, s1: number): void;
  packBSlices32(k: number, n: number, b: number, transB: number, dst: number, s0: number, s1: number): void;
  dgemmRows: RowsKernel;
  sgemmRows: RowsKernel;
  dgemmRowsDeep: RowsKernel;
  sgemmRowsDeep: RowsKernel;
  dgemvT(h: number, w: number, a: number, lda: number, v: number, y: number): void;
  dgemvN(h: number, w: number, a: number, lda: number, u: number, x: number): void;
  rotationsApply(zt: number, ld: number, ops: number, nops: number, cs: number, js: number, c0: number, c1: number): void;
  dsymvUpper(L: number, a: number, lda: number, v: number, y: number, i0: number, i1: number): void;
  dsyr2kUpper(nt: number, c: number, ldc: number, pp: number, qp: number, kk: number, g0: number, g1: number): void;
  dlowRankSub(L: number, count: number, x: number, y: number, ld: number, cx: number, cy: number, out: number): void;
  dlowRankSym(L: number, count: number, x: number, y: number, ld: number, v: number, out: number, scratch: number): void;
  dpackGroups(x1: number, x2: number, ld: number, count: number, r0: number, nt: number, out: number): void;
  secularRootsRange(K: number, pk: number, w: number, zn2: number, dl: number, i0: number, i1: number, piv: number, mu: number): void;
  fmaPeak64(iters: number, x: number): number;
  fmaPeak32(iters: number, x: number): number;
  biasAct64(act: number, r0: number, r1: number, d: number, x: number, b: number, out: number): void;
  biasAct32(act: number, r0: number, r1: number, d: number, x: number, b: number, out: number): void;
  actGrad64(act: number, c0: number, c1: number, n: number, d: number, pre: number, out: number, delta: number, gb: number): void;
  actGrad32(act: number, c0: number, c1: number, n: number, d: number, pre: number, out: number, delta: number, gb: number): void;
  sgdStep32(i0: number, i1: number, p: number, g: number, v: number, lr: number, mu: number, lam2: number, first: number, nesterov: number): void;
  allFinite32(n: number, x: number): number;
  squaredLoss64(r0: number, r1: number, c: number, out: number, y: number, w: number, delta: number, sums: number): void;
  squaredLoss32(r0: number, r1: number, c: number, out: number, y: number, w: number, delta: number, sums: number): void;
}

// Minimal WebAssembly typings (tsconfig's lib is ES2022 without DOM, so the global is untyped).
interface WasmModule {
  readonly __brand?: 'WasmModule';
}
interface WasmMemory {
  readonly buffer: ArrayBufferLike;
  grow(deltaPages: number): number;
}
interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => WasmModule;
  Memory: new (d: { initial: number; maximum: number; shared: boolean }) => WasmMemory;
  Instance: new (m: WasmModule, imports: object) => { exports: object };
}
const WA = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;

export type WasmVariant = 'relaxed-simd' | 'simd';

const PAGE = 65536;
const MAX_PAGES = 65536; // 4 GiB, the wasm32 limit
const RESERVED = 65536;
/** Rows of the f64 register tile (assembly/gemm.ts): thread chunks are multiples of it. */
const MR = 3;
/** Products below this many flops (2mnk) run on the calling thread only. */
const PARALLEL_MIN_FLOPS = 4e6;
/** Matrix-vector products over at least this many elements (2 MB, beyond one core's L2) use all threads. */
const GEMV_PARALLEL_MIN = 1 << 18;
const EMPTY = new Float64Array(0);
/** Symmetric matrix-vector products of at least this order are computed in two fixed row ranges, and on two threads from SYMV_PARALLEL_MIN. */
const SYMV_SPLIT_MIN = 64;
// Measured on 2 vCPUs (eigSym, 2 threads): below order ~1000 the hand-off costs more than the shared memory bandwidth
// gives (n = 1000: reduction 113 ms on two threads, 95 ms on one); at n = 2000 two threads win (651 against 688 ms).
const SYMV_PARALLEL_MIN = 1024;
/** Secular equations with at least this many poles have their roots found on all threads. */
const SECULAR_PARALLEL_MIN = 128;
/** Each thread gets at least this many rows of C. */
const MIN_ROWS_PER_THREAD = 8;
/** Elementwise layer kernels over at least this many elements use all threads (below, a thread hand-off costs more than it saves). */
const ELEMENTWISE_PARALLEL_MIN = 1 << 18;
const FLAGS_RELAXED = '--experimental-wasm-relaxed-simd';

const buildDir = fileURLToPath(new URL('./build/', import.meta.url));
const buildScript = fileURLToPath(new URL('./build.mjs', import.meta.url));
const workerUrl = new URL('./worker.mjs', import.meta.url);

function warn(msg: string): void {
  process.stderr.write(`nrc: WARNING: ${msg}\n`);
}

/** V8 flags this process set (passed on to workers for symmetry; V8 flags are process-wide). */
const flagsSet: string[] = [];
function setFlag(flag: string): void {
  v8.setFlagsFromString(flag);
  flagsSet.push(flag);
}

let loadError: string | undefined;
let engine: Engine | undefined;
let tried = false;

/** Copy and compute time accounting (seconds), for the benchmarks. */
export const wasmStats = {
  calls: 0,
  copyInSeconds: 0,
  copyOutSeconds: 0,
  computeSeconds: 0,
  parallelCalls: 0,
  /** Pipeline off: the calling thread's compute time and its wait for the workers. */
  mainComputeSeconds: 0,
  joinWaitSeconds: 0,
  /** Pipelined products: blocks computed by the calling thread, and in all. */
  mainBlocks: 0,
  blocks: 0,
};
export function resetWasmStats(): void {
  wasmStats.calls = 0;
  wasmStats.copyInSeconds = 0;
  wasmStats.copyOutSeconds = 0;
  wasmStats.computeSeconds = 0;
  wasmStats.parallelCalls = 0;
  wasmStats.mainComputeSeconds = 0;
  wasmStats.joinWaitSeconds = 0;
  wasmStats.mainBlocks = 0;
  wasmStats.blocks = 0;
}
let timing = false;
/** When the row-block pipeline runs (engine.gemmPipelined): 'threads' (default: threaded products), 'always' (also on one thread), 'off'. */
export type PipelineMode = 'threads' | 'always' | 'off';
let pipelineMode: PipelineMode = 'threads';
/** Choose when the pipelined GEMM runs (benchmarks and tests: A/B comparisons in one process). */
export function setGemmPipeline(mode: PipelineMode): void {
  pipelineMode = mode;
}
/** Turn per-call copy/compute timing on (benchmarks only; costs a few clock reads per call). */
export function setWasmTiming(on: boolean): void {
  timing = on;
}

function readKernels(): { relaxed?: Uint8Array; simd?: Uint8Array } {
  const rel = `${buildDir}gemm-relaxed.wasm`;
  const sim = `${buildDir}gemm-simd.wasm`;
  if (!existsSync(sim) || !existsSync(rel)) {
    if (process.env.NRC_WASM_BUILD !== '0') {
      warn('WebAssembly GEMM kernels not built yet; building them now (npm run build:wasm)...');
      const r = spawnSync(process.execPath, [buildScript, '--quiet'], { stdio: ['ignore', 'ignore', 'inherit'] });
      if (r.status !== 0) warn('the build of the WebAssembly kernels failed');
    }
  }
  return {
    relaxed: existsSync(rel) ? readFileSync(rel) : undefined,
    simd: existsSync(sim) ? readFileSync(sim) : undefined,
  };
}

function chooseVariant(bins: { relaxed?: Uint8Array; simd?: Uint8Array }): { variant: WasmVariant; bytes: Uint8Array } | undefined {
  const want = process.env.NRC_WASM_SIMD; // 'relaxed' | 'simd' (testing and benchmarks)
  if (bins.relaxed && want !== 'simd') {
    let ok = WA!.validate(bins.relaxed);
    if (!ok) {
      // Node 20 (V8 11.3) ships relaxed SIMD behind a flag; it can be enabled before the first compile.
      try {
        setFlag(FLAGS_RELAXED);
        ok = WA!.validate(bins.relaxed);
      } catch {
        ok = false;
      }
    }
    if (ok) return { variant: 'relaxed-simd', bytes: bins.relaxed };
  }
  if (bins.simd && WA!.validate(bins.simd)) return { variant: 'simd', bytes: bins.simd };
  return undefined;
}

class Engine {
  readonly variant: WasmVariant;
  readonly module: WasmModule;
  readonly memory: WasmMemory;
  readonly ex: KernelExports;
  readonly workStride: number;
  private readonly ctl: Int32Array;
  private readonly par: Float64Array;
  /** Pipeline control: [0] next block to claim, [1] blocks whose inputs are in wasm memory, [16 + j] block j done (1) / copied out (2). */
  private readonly pipe: Int32Array;
  private workers: Worker[] = [];
  private threadsBroken = false;
  private f64: Float64Array<ArrayBufferLike> = new Float64Array(0);
  private f32: Float32Array<ArrayBufferLike> = new Float32Array(0);
  private i32: Int32Array<ArrayBufferLike> = new Int32Array(0);
  /** Bytes of pinned arrays above RESERVED; the work areas start after them. */
  private pinnedTop = 0;
  /** Live resident blocks (offset -> bytes) and freed holes below pinnedTop, for residentF64/residentF32. */
  private readonly blocks = new Map<number, number>();
  private holes: { off: number; bytes: number }[] = [];
  private readonly finalizer = new FinalizationRegistry<number>((off) => this.freeBlock(off));
  /** Every buffer object the memory has had (one per growth), to recognise wasm-resident arrays. */
  private readonly buffers = new WeakSet<ArrayBufferLike>();

  constructor(variant: WasmVariant, bytes: Uint8Array) {
    this.variant = variant;
    // Compile with the optimizing tier straight away: the first long product would otherwise
    // run in the baseline (Liftoff) tier. Restored afterwards so other modules are unaffected.
    let noLiftoff = false;
    try {
      v8.setFlagsFromString('--no-liftoff');
      noLiftoff = true;
    } catch {
      /* ignore */
    }
    try {
      this.module = new WA!.Module(bytes);
    } finally {
      if (noLiftoff) v8.setFlagsFromString('--liftoff');
    }
    this.memory = new WA!.Memory({ initial: 16, maximum: MAX_PAGES, shared: true });
    this.ex = new WA!.Instance(this.module, { env: { memory: this.memory } }).exports as unknown as KernelExports;
    this.workStride = Math.ceil(Math.max(this.ex.workBytes64(), this.ex.workBytes32()) / 64) * 64;
    this.ctl = new Int32Array(new SharedArrayBuffer(16 * 4 * 260));
    this.par = new Float64Array(new SharedArrayBuffer(8 * 32));
    this.pipe = new Int32Array(new SharedArrayBuffer(4 * (16 + MAX_BLOCKS)));
  }

  /** Make sure `bytes` of memory exist; false if that exceeds the wasm32 limit. */
  private ensure(bytes: number): boolean {
    const have = this.memory.buffer.byteLength;
    if (bytes > have) {
      const needPages = Math.ceil(bytes / PAGE);
      if (needPages > MAX_PAGES) return false;
      const target = Math.min(MAX_PAGES, Math.max(needPages, Math.ceil((have / PAGE) * 1.25)));
      try {
        this.memory.grow(target - have / PAGE);
      } catch {
        try {
          this.memory.grow(needPages - have / PAGE);
        } catch {
          return false;
        }
      }
    }
    const buf = this.memory.buffer;
    if (this.f64.buffer !== buf || this.f64.length * 8 !== buf.byteLength) {
      this.f64 = new Float64Array(buf);
      this.f32 = new Float32Array(buf);
      this.i32 = new Int32Array(buf);
      this.buffers.add(buf);
    }
    return true;
  }

  /** Start workers 1..count-1 (synchronously: waits until each has instantiated). */
  private ensureWorkers(count: number): number {
    if (this.threadsBroken) return 1;
    while (this.workers.length < count - 1) {
      const index = this.workers.length + 1;
      const slot = 16 + index * 16;
      Atomics.store(this.ctl, slot, 0);
      Atomics.store(this.ctl, slot + 3, 0);
      let w: Worker;
      try {
        w = new Worker(workerUrl, {
          workerData: {
            module: this.module,
            memory: this.memory,
            ctlBuf: this.ctl.buffer,
            parBuf: this.par.buffer,
            pipeBuf: this.pipe.buffer,
            index,
            flags: flagsSet,
          },
          execArgv: [],
          stdout: false,
          stderr: false,
        });
      } catch (e) {
        warn(`could not start GEMM worker threads (${(e as Error).message}); using one thread`);
        this.threadsBroken = true;
        return 1;
      }
      w.unref();
      w.on('error', (e) => {
        warn(`GEMM worker ${index} failed: ${e.message}`);
        this.threadsBroken = true;
      });
      // Wait (at most 20 s) for the worker to instantiate the module.
      const t0 = Date.now();
      while (Atomics.load(this.ctl, slot + 3) === 0 && Date.now() - t0 < 20000) Atomics.wait(this.ctl, slot + 3, 0, 100);
      if (Atomics.load(this.ctl, slot + 3) !== 1) {
        warn('a GEMM worker thread did not start; using one thread');
        void w.terminate();
        this.threadsBroken = true;
        return 1;
      }
      this.workers.push(w);
    }
    return count;
  }

  /** Start of the per-thread work areas (just above the pinned arrays). */
  private get workBase(): number {
    return RESERVED + this.pinnedTop;
  }

  /**
   * A float64 array of `length` in wasm memory that stays put until `unpin` (LIFO order), so kernels
   * can work on it in place across calls; undefined when it would exceed the wasm32 limit.
   */
  pin(length: number): Float64Array | undefined {
    const off = RESERVED + this.pinnedTop,
      bytes = Math.ceil((length * 8) / 64) * 64;
    if (!this.ensure(off + bytes + (this.workers.length + 1) * this.workStride)) return undefined;
    this.pinnedTop += bytes;
    return new Float64Array(this.memory.buffer, off, length);
  }

  /** Release a pinned array (and every array pinned after it). */
  unpin(x: Float64Array): void {
    if (!this.isResident(x)) throw new Error('unpin: not a pinned array');
    for (const off of this.blocks.keys()) if (off >= x.byteOffset) throw new Error('unpin: a resident block lies above the pinned array');
    this.pinnedTop = Math.min(this.pinnedTop, x.byteOffset - RESERVED);
  }

  /**
   * A block of `bytes` in wasm memory that lives until freeBlock (or until the view returned for it is
   * garbage collected): first fit among freed holes, else on top of the pinned stack. Undefined when
   * memory is exhausted.
   */
  private allocBlock(bytes: number): number | undefined {
    bytes = Math.ceil(bytes / 64) * 64 || 64;
    const i = this.holes.findIndex((h) => h.bytes >= bytes);
    let off: number;
    if (i >= 0) {
      const h = this.holes[i];
      off = h.off;
      if (h.bytes === bytes) this.holes.splice(i, 1);
      else {
        h.off += bytes;
        h.bytes -= bytes;
      }
    } else {
      off = RESERVED + this.pinnedTop;
      if (!this.ensure(off + bytes + (this.workers.length + 1) * this.workStride)) return undefined;
      this.pinnedTop += bytes;
    }
    this.blocks.set(off, bytes);
    return off;
  }

  /** Return a block to the holes (merging neighbours; the top hole shrinks the pinned stack). */
  freeBlock(off: number): void {
    const bytes = this.blocks.get(off);
    if (bytes === undefined) return;
    this.blocks.delete(off);
    this.holes.push({ off, bytes });
    this.holes.sort((a, b) => a.off - b.off);
    const merged: { off: number; bytes: number }[] = [];
    for (const h of this.holes) {
      const last = merged[merged.length - 1];
      if (last && last.off + last.bytes === h.off) last.bytes += h.bytes;
      else merged.push({ ...h });
    }
    const top = merged[merged.length - 1];
    if (top && top.off + top.bytes === RESERVED + this.pinnedTop) {
      this.pinnedTop = top.off - RESERVED;
      merged.pop();
    }
    this.holes = merged;
  }

  /** A float64 array in wasm memory that kernels address in place (freed by release() or when collected). */
  residentF64(length: number): Float64Array | undefined {
    const off = this.allocBlock(length * 8);
    if (off === undefined) return undefined;
    const x = new Float64Array(this.memory.buffer, off, length);
    this.finalizer.register(x, off, x);
    return x;
  }

  /** A float32 array in wasm memory (see residentF64). */
  residentF32(length: number): Float32Array | undefined {
    const off = this.allocBlock(length * 4);
    if (off === undefined) return undefined;
    const x = new Float32Array(this.memory.buffer, off, length);
    this.finalizer.register(x, off, x);
    return x;
  }

  /** Free a resident array now (no-op for other arrays). */
  release(x: Float64Array | Float32Array): void {
    if (!this.blocks.has(x.byteOffset) || !this.buffers.has(x.buffer)) return;
    this.finalizer.unregister(x);
    this.freeBlock(x.byteOffset);
  }

  /** Whether x is a view of wasm memory (so kernels can address it without a copy). */
  isResident(x: Float64Array | Float32Array): boolean {
    return this.buffers.has(x.buffer) && x.byteOffset >= RESERVED;
  }

  private alloc(threads: number, sizes: number[]): number[] | undefined {
    let off = this.workBase + threads * this.workStride;
    const out: number[] = [];
    for (const s of sizes) {
      out.push(off);
      off += Math.ceil(s / 64) * 64;
    }
    return this.ensure(off) ? out : undefined;
  }

  private threadsFor(m: number, n: number, k: number): number {
    const want = getThreads();
    if (want <= 1 || 2 * m * n * k < PARALLEL_MIN_FLOPS) return 1;
    return Math.max(1, Math.min(want, Math.floor(m / MIN_ROWS_PER_THREAD)));
  }

  /** Run op (0 = f64, 1 = f32) on rows split across `threads`; C already in place. */
  private run(
    op: 0 | 1,
    m: number,
    n: number,
    k: number,
    alpha: number,
    pa: number,
    transA: boolean,
    pb: number,
    transB: boolean,
    beta: number,
    pc: number,
    threads: number,
  ): void {
    const fn = op === 0 ? this.ex.dgemm : this.ex.sgemm;
    const ta = transA ? 1 : 0,
      tb = transB ? 1 : 0;
    if (threads > 1) threads = this.ensureWorkers(threads);
    if (threads <= 1) {
      fn(m, n, k, alpha, pa, ta, pb, tb, beta, pc, 0, m, this.workBase);
      return;
    }
    wasmStats.parallelCalls++;
    const chunk = Math.ceil(m / threads / MR) * MR;
    const par = this.par,
      ctl = this.ctl;
    par[0] = op;
    par[1] = m;
    par[2] = n;
    par[3] = k;
    par[4] = alpha;
    par[5] = pa;
    par[6] = ta;
    par[7] = pb;
    par[8] = tb;
    par[9] = beta;
    par[10] = pc;
    par[11] = this.workBase;
    par[12] = this.workStride;
    let started = 0;
    Atomics.store(ctl, 1, 0);
    const jobs: number[] = [];
    for (let t = 1; t < threads; t++) {
      const r0 = t * chunk,
        r1 = Math.min(m, r0 + chunk);
      if (r0 >= r1) break;
      jobs.push(t, r0, r1);
      started++;
    }
    Atomics.store(ctl, 0, started);
    for (let j = 0; j < jobs.length; j += 3) this.post(jobs[j], jobs[j + 1], jobs[j + 2]);
    const t0 = timing ? performance.now() : 0;
    fn(m, n, k, alpha, pa, ta, pb, tb, beta, pc, 0, Math.min(m, chunk), this.workBase);
    const t1 = timing ? performance.now() : 0;
    this.join();
    if (timing) {
      wasmStats.mainComputeSeconds += (t1 - t0) / 1000;
      wasmStats.joinWaitSeconds += (performance.now() - t1) / 1000;
    }
  }

  /** Post rows [r0, r1) of the current job to worker t. */
  private post(t: number, r0: number, r1: number): void {
    const slot = 16 + t * 16;
    Atomics.store(this.ctl, slot + 1, r0);
    Atomics.store(this.ctl, slot + 2, r1);
    Atomics.add(this.ctl, slot, 1);
    Atomics.notify(this.ctl, slot);
  }

  /** Wait until every posted job is done. */
  private join(): void {
    const ctl = this.ctl;
    for (;;) {
      const left = Atomics.load(ctl, 0);
      if (left === 0) break;
      Atomics.wait(ctl, 0, left, 1000);
    }
    if (Atomics.load(ctl, 1) !== 0) throw new Error('linalg: a WebAssembly worker thread failed');
  }

  /** Copy small float64 vectors into the operand arena; their offsets (undefined if memory is exhausted). */
  private stage(arrays: Float64Array[]): number[] | undefined {
    const offs = this.alloc(
      this.workers.length + 1,
      arrays.map((x) => x.length * 8),
    );
    if (!offs) return undefined;
    arrays.forEach((x, i) => this.f64.set(x, offs[i] >> 3));
    return offs;
  }

  /** Whether the first len entries of x lie in wasm memory clear of the byte ranges [start, end) given. */
  private clearOf(x: Float64Array, len: number, ...ranges: [number, number][]): boolean {
    if (!this.isResident(x)) return false;
    const s = x.byteOffset,
      e = s + len * 8;
    return ranges.every(([a, b]) => e <= a || b <= s);
  }

  /** y[0:w] += sum_r v[r] A[r, 0:w] for the h x w block of a resident array at element offset `at` (row stride lda). */
  dgemvT(a: Float64Array, at: number, lda: number, h: number, w: number, v: Float64Array, y: Float64Array): boolean {
    const pa = a.byteOffset + at * 8,
      aEnd = pa + ((h - 1) * lda + w) * 8;
    // Resident vectors are used in place (y only when clear of A and v).
    const vIn = this.isResident(v),
      yIn = this.clearOf(y, w, [pa, aEnd], [v.byteOffset, v.byteOffset + h * 8]);
    const offs = this.stage([vIn ? EMPTY : v.subarray(0, h), yIn ? EMPTY : y.subarray(0, w)]);
    if (!offs) return false;
    const pv = vIn ? v.byteOffset : offs[0],
      py = yIn ? y.byteOffset : offs[1];
    // Columns split across threads at even offsets (the kernel's f64x2 pairs stay the same: same bits).
    this.split(3, [h, w, pa, lda, pv, py], w, 2, h * w >= GEMV_PARALLEL_MIN, (c0, c1) =>
      this.ex.dgemvT(h, c1 - c0, pa + c0 * 8, lda, pv, py + c0 * 8),
    );
    if (!yIn) y.set(this.f64.subarray(py >> 3, (py >> 3) + w));
    return true;
  }

  /** x[r] = A[r, 0:w] . u for the h x w block of a resident array at element offset `at` (row stride lda). */
  dgemvN(a: Float64Array, at: number, lda: number, h: number, w: number, u: Float64Array, x: Float64Array): boolean {
    const uIn = this.isResident(u); // used in place; x is written whole, so not copied in
    const offs = this.alloc(this.workers.length + 1, [uIn ? 0 : w * 8, h * 8]);
    if (!offs) return false;
    if (!uIn) this.f64.set(u.subarray(0, w), offs[0] >> 3);
    const pa = a.byteOffset + at * 8,
      pu = uIn ? u.byteOffset : offs[0],
      px = offs[1];
    // Rows split across threads (rows are independent: same bits).
    this.split(4, [h, w, pa, lda, pu, px], h, 4, h * w >= GEMV_PARALLEL_MIN, (r0, r1) =>
      this.ex.dgemvN(r1 - r0, w, pa + r0 * lda * 8, lda, pu, px + r0 * 8),
    );
    x.set(this.f64.subarray(px >> 3, (px >> 3) + h), 0);
    return true;
  }

  /**
   * Run a level-2 op over [0, total) split into chunks (multiples of `align`) across the threads when `parallel`:
   * workers get op code and params through `par` (see worker.mjs), the calling thread runs `local` on the first chunk.
   */
  private split(op: number, params: number[], total: number, align: number, parallel: boolean, local: (r0: number, r1: number) => void): void {
    let threads = parallel ? Math.min(getThreads(), Math.floor(total / (4 * align))) : 1;
    if (threads > 1) threads = this.ensureWorkers(threads);
    if (threads <= 1) {
      local(0, total);
      return;
    }
    wasmStats.parallelCalls++;
    const chunk = Math.ceil(total / threads / align) * align;
    this.par[0] = op;
    params.forEach((p, i) => {
      this.par[i + 1] = p;
    });
    Atomics.store(this.ctl, 1, 0);
    const jobs: number[] = [];
    for (let t = 1; t < threads; t++) {
      const r0 = t * chunk,
        r1 = Math.min(total, r0 + chunk);
      if (r0 < r1) jobs.push(t, r0, r1);
    }
    Atomics.store(this.ctl, 0, jobs.length / 3);
    for (let j = 0; j < jobs.length; j += 3) this.post(jobs[j], jobs[j + 1], jobs[j + 2]);
    local(0, Math.min(total, chunk));
    this.join();
  }

  /**
   * Run a level-2 op on the ranges [bounds[t], bounds[t+1]): worker t for t >= 1 (op code and params through `par`,
   * see worker.mjs), the calling thread on the first; all on the calling thread when `parallel` is false.
   */
  private splitAt(op: number, params: number[], bounds: number[], parallel: boolean, local: (r0: number, r1: number) => void): void {
    const parts = bounds.length - 1;
    const threads = parallel && parts > 1 ? this.ensureWorkers(parts) : 1;
    if (threads < parts) {
      for (let t = 0; t < parts; t++) if (bounds[t] < bounds[t + 1]) local(bounds[t], bounds[t + 1]);
      return;
    }
    wasmStats.parallelCalls++;
    this.par[0] = op;
    params.forEach((p, i) => {
      this.par[i + 1] = p;
    });
    Atomics.store(this.ctl, 1, 0);
    const jobs: number[] = [];
    for (let t = 1; t < parts; t++) if (bounds[t] < bounds[t + 1]) jobs.push(t, bounds[t], bounds[t + 1]);
    Atomics.store(this.ctl, 0, jobs.length / 3);
    for (let j = 0; j < jobs.length; j += 3) this.post(jobs[j], jobs[j + 1], jobs[j + 2]);
    if (bounds[0] < bounds[1]) local(bounds[0], bounds[1]);
    this.join();
  }

  /**
   * x = A u for the symmetric L x L block of a resident array at element offset `at` (row stride lda), read from
   * its upper triangle only. Two fixed row ranges of equal area (a function of L alone, so the same bits on any
   * thread count), each adding into its own partial vector; x = the partials' sum. Both threads when available.
   */
  dsymvUpper(a: Float64Array, at: number, lda: number, L: number, u: Float64Array, x: Float64Array): boolean {
    const b = L < SYMV_SPLIT_MIN ? L : Math.min(L, Math.round((L * (1 - Math.SQRT1_2)) / 4) * 4);
    const uIn = this.isResident(u); // used in place
    const offs = this.alloc(this.workers.length + 1, [uIn ? 0 : L * 8, L * 8, L * 8]);
    if (!offs) return false;
    const pa = a.byteOffset + at * 8,
      pu = uIn ? u.byteOffset : offs[0],
      [, p0, p1] = offs;
    if (!uIn) this.f64.set(u.subarray(0, L), pu >> 3);
    this.f64.fill(0, p0 >> 3, (p0 >> 3) + L);
    this.f64.fill(0, p1 >> 3, (p1 >> 3) + L);
    this.splitAt(8, [L, pa, lda, pu, p1], [0, b, L], getThreads() > 1 && L >= SYMV_PARALLEL_MIN, (r0, r1) =>
      this.ex.dsymvUpper(L, pa, lda, pu, r0 === 0 ? p0 : p1, r0, r1),
    );
    const y0 = this.f64.subarray(p0 >> 3, (p0 >> 3) + L),
      y1 = this.f64.subarray(p1 >> 3, (p1 >> 3) + L);
    for (let i = 0; i < b; i++) x[i] = y0[i];
    for (let i = b; i < L; i++) x[i] = y0[i] + y1[i];
    return true;
  }

  /** dsyr2kUpper's packed operand from resident row families (see assembly/symmetric.ts dpackGroups). */
  packGroups(X1: Float64Array, X2: Float64Array, ld: number, count: number, r0: number, nt: number, out: Float64Array): boolean {
    if (!this.isResident(X1) || !this.isResident(X2) || !this.isResident(out)) return false;
    this.ex.dpackGroups(X1.byteOffset, X2.byteOffset, ld, count, r0, nt, out.byteOffset);
    return true;
  }

  /**
   * out[0:L] -= X^T cx + Y^T cy (cx, cy given) or, with cx undefined, X^T (Y v) + Y^T (X v), for the count-row
   * families X, Y of resident arrays at element offset `at` (row stride ld); v and out resident, on the calling thread.
   */
  lowRankSub(
    X: Float64Array,
    Y: Float64Array,
    at: number,
    ld: number,
    count: number,
    L: number,
    cx: Float64Array | undefined,
    cy: Float64Array,
    out: Float64Array,
  ): boolean {
    if (!this.isResident(X) || !this.isResident(Y) || !this.isResident(out) || (cx === undefined && !this.isResident(cy))) return false;
    const offs = this.alloc(this.workers.length + 1, [2 * count * 8]);
    if (!offs) return false;
    const px = X.byteOffset + at * 8,
      py = Y.byteOffset + at * 8,
      ps = offs[0];
    if (cx === undefined) this.ex.dlowRankSym(L, count, px, py, ld, cy.byteOffset, out.byteOffset, ps);
    else {
      this.f64.set(cx.subarray(0, count), ps >> 3);
      this.f64.set(cy.subarray(0, count), (ps >> 3) + count);
      this.ex.dlowRankSub(L, count, px, py, ld, ps, ps + count * 8, out.byteOffset);
    }
    return true;
  }

  /**
   * The upper triangle of the nt x nt block of resident c at element offset `at` (row stride ldc) -= P Q^T, P and Q
   * resident nt x kk packed in groups of 4 rows (assembly/symmetric.ts); row groups split across threads by area.
   */
  dsyr2kUpper(c: Float64Array, at: number, ldc: number, nt: number, pp: Float64Array, qp: Float64Array, kk: number): boolean {
    if (!this.isResident(c) || !this.isResident(pp) || !this.isResident(qp)) return false;
    const groups = (nt + 3) >> 2,
      pc = c.byteOffset + at * 8;
    const parts = nt * nt * kk >= PARALLEL_MIN_FLOPS ? Math.min(getThreads(), Math.floor(groups / 4)) : 1;
    // Group g costs groups - g tiles: cut where the remaining area is (parts - t) / parts of the whole.
    const bounds = [0];
    for (let t = 1; t < parts; t++) bounds.push(Math.round(groups * (1 - Math.sqrt(1 - t / parts))));
    bounds.push(groups);
    this.splitAt(9, [nt, pc, ldc, pp.byteOffset, qp.byteOffset, kk], bounds, parts > 1, (g0, g1) =>
      this.ex.dsyr2kUpper(nt, pc, ldc, pp.byteOffset, qp.byteOffset, kk, g0, g1),
    );
    return true;
  }

  /**
   * The roots of the secular equation with poles pk (ascending) and weights w (assembly/secular.ts: the iteration of
   * src/linalg/secular.ts secularRoots with pole differences pk_j - pk_p, its sums two terms per SIMD lane): roots
   * split by index across the threads, each computed alone, so the same bits for any thread count.
   */
  secularRoots(pk: Float64Array, w: Float64Array, zn2: number, piv: Int32Array, mu: Float64Array): boolean {
    const K = pk.length;
    const parts = K >= SECULAR_PARALLEL_MIN ? Math.max(1, Math.min(getThreads(), this.ensureWorkers(getThreads()))) : 1;
    const offs = this.alloc(Math.max(parts, this.workers.length + 1), [K * 8, K * 8, parts * K * 8, K * 4, K * 8]);
    if (!offs) return false;
    const [ppk, pw, pdl, ppiv, pmu] = offs;
    this.f64.set(pk, ppk >> 3);
    this.f64.set(w, pw >> 3);
    const bounds: number[] = [];
    for (let t = 0; t <= parts; t++) bounds.push(Math.round((K * t) / parts));
    // Thread t uses scratch dl + t K (worker.mjs adds its index).
    this.splitAt(10, [K, ppk, pw, zn2, pdl, ppiv, pmu], bounds, parts > 1, (i0, i1) =>
      this.ex.secularRootsRange(K, ppk, pw, zn2, pdl, i0, i1, ppiv, pmu),
    );
    piv.set(this.i32.subarray(ppiv >> 2, (ppiv >> 2) + K));
    mu.set(this.f64.subarray(pmu >> 3, (pmu >> 3) + K));
    return true;
  }

  /**
   * Apply logged plane rotations to the resident zt (rows x ld, rotations combine rows; see
   * assembly/level2.ts for the log format), columns split across threads in blocks of 8.
   */
  rotations(zt: Float64Array, ld: number, ops: Int32Array, cs: Float64Array, js: Int32Array): boolean {
    const threads0 = Math.min(getThreads(), Math.floor(ld / 64));
    const offs = this.alloc(Math.max(threads0, this.workers.length + 1), [ops.length * 4, cs.length * 8, Math.max(js.length, 1) * 4]);
    if (!offs) return false;
    const [po, pcs, pjs] = offs;
    this.i32.set(ops, po >> 2);
    this.f64.set(cs, pcs >> 3);
    this.i32.set(js, pjs >> 2);
    const nops = ops.length / 5,
      pz = zt.byteOffset;
    this.split(2, [pz, ld, po, nops, pcs, pjs], ld, 8, threads0 > 1, (c0, c1) => this.ex.rotationsApply(pz, ld, po, nops, pcs, pjs, c0, c1));
    return true;
  }

  /** float64 product; false when the operands do not fit the wasm32 arena (caller falls back). */
  dgemm(
    m: number,
    n: number,
    k: number,
    alpha: number,
    a: Float64Array,
    transA: boolean,
    b: Float64Array,
    transB: boolean,
    beta: number,
    c: Float64Array,
  ): boolean {
    return this.gemm(0, m, n, k, alpha, a, transA, b, transB, beta, c);
  }

  /** float32 product (see dgemm). */
  sgemm(
    m: number,
    n: number,
    k: number,
    alpha: number,
    a: Float32Array,
    transA: boolean,
    b: Float32Array,
    transB: boolean,
    beta: number,
    c: Float32Array,
  ): boolean {
    return this.gemm(1, m, n, k, Math.fround(alpha), a, transA, b, transB, Math.fround(beta), c);
  }

  /**
   * C = alpha op(A) op(B) + beta C in float64 (op 0) or float32 (op 1). Operands already in wasm memory
   * (residentF64/F32, pin) are used in place; the others are copied into the arena (C back out), and so
   * is a resident C that overlaps A or B.
   */
  private gemm<T extends Float64Array | Float32Array>(
    op: 0 | 1,
    m: number,
    n: number,
    k: number,
    alpha: number,
    a: T,
    transA: boolean,
    b: T,
    transB: boolean,
    beta: number,
    c: T,
  ): boolean {
    let threads = this.threadsFor(m, n, k);
    if (threads > 1) threads = this.ensureWorkers(threads);
    // One thread gains from the pipeline's order too (each C slab stays in cache across the K slices) once k spans
    // several slices and m several blocks; below that its set-up costs more than it saves.
    const deep = k > SLICE_DEPTH[op] && m >= 4 * BLOCK_ROWS[op];
    if (pipelineMode === 'always' || (pipelineMode === 'threads' && (threads > 1 || deep))) {
      return this.gemmPipelined(op, m, n, k, alpha, a, transA, b, transB, beta, c, threads);
    }
    const spawned = Math.max(threads, this.workers.length + 1);
    const size = op === 0 ? 8 : 4,
      shift = op === 0 ? 3 : 2;
    const ra = this.isResident(a),
      rb = this.isResident(b);
    const cEnd = c.byteOffset + m * n * size;
    // (views made before and after a growth of the memory have different buffer objects: compare offsets)
    const overlaps = (x: T, len: number) => this.isResident(x) && x.byteOffset < cEnd && c.byteOffset < x.byteOffset + len * size;
    const rc = this.isResident(c) && !overlaps(a, m * k) && !overlaps(b, k * n);
    const offs = this.alloc(spawned, [ra ? 0 : m * k * size, rb ? 0 : k * n * size, rc ? 0 : m * n * size]);
    if (!offs) return false;
    const f = (op === 0 ? this.f64 : this.f32) as T;
    const t0 = timing ? performance.now() : 0;
    const pa = ra ? a.byteOffset : offs[0],
      pb = rb ? b.byteOffset : offs[1],
      pc = rc ? c.byteOffset : offs[2];
    if (!ra) f.set(a.length === m * k ? a : a.subarray(0, m * k), pa >> shift);
    if (!rb) f.set(b.length === k * n ? b : b.subarray(0, k * n), pb >> shift);
    if (!rc && beta !== 0) f.set(c.length === m * n ? c : c.subarray(0, m * n), pc >> shift);
    const t1 = timing ? performance.now() : 0;
    this.run(op, m, n, k, alpha, pa, transA, pb, transB, beta, pc, threads);
    const t2 = timing ? performance.now() : 0;
    if (!rc) c.set(f.subarray(pc >> shift, (pc >> shift) + m * n));
    if (timing) {
      const t3 = performance.now();
      wasmStats.copyInSeconds += (t1 - t0) / 1000;
      wasmStats.computeSeconds += (t2 - t1) / 1000;
      wasmStats.copyOutSeconds += (t3 - t2) / 1000;
    }
    wasmStats.calls++;
    return true;
  }

  /** What ./pipeline.ts needs of the engine: kernels, shared control blocks, work areas, worker hand-off. */
  private pipelineHost(): PipelineHost {
    return {
      ex: this.ex,
      pipe: this.pipe,
      par: this.par,
      ctl: this.ctl,
      workBase: this.workBase,
      workStride: this.workStride,
      post: (t: number) => this.post(t, 0, 0),
      join: () => this.join(),
    };
  }

  /**
   * The product as a pipeline of row blocks (./pipeline.ts): op(B) is copied here and packed once by all the threads
   * together (packBSlices64/32; shared by them), A copied too when transposed (its rows are not contiguous); the rest
   * is copied block by block while the workers compute. Each row of C is summed exactly as by dgemm/sgemm: same bits
   * for any thread count.
   */
  private gemmPipelined<T extends Float64Array | Float32Array>(
    op: 0 | 1,
    m: number,
    n: number,
    k: number,
    alpha: number,
    a: T,
    transA: boolean,
    b: T,
    transB: boolean,
    beta: number,
    c: T,
    threads: number,
  ): boolean {
    const ex = this.ex;
    const size = op === 0 ? 8 : 4;
    // (short buffers are the caller's error: refuse before any worker waits on a block that would never come)
    if (a.length < m * k || b.length < k * n || c.length < m * n) return false;
    const ra = this.isResident(a),
      rb = this.isResident(b);
    const cEnd = c.byteOffset + m * n * size;
    const overlaps = (x: T, len: number) => this.isResident(x) && x.byteOffset < cEnd && c.byteOffset < x.byteOffset + len * size;
    const rc = this.isResident(c) && !overlaps(a, m * k) && !overlaps(b, k * n);
    const bLen = op === 0 ? ex.packedBLength64(k, n) : ex.packedBLength32(k, n);
    const offs = this.alloc(Math.max(threads, this.workers.length + 1), [
      ra ? 0 : m * k * size,
      rb ? 0 : k * n * size,
      rc ? 0 : m * n * size,
      bLen * size,
    ]);
    if (!offs) return false;
    const mem = (op === 0 ? this.f64 : this.f32) as T;
    const t0 = timing ? performance.now() : 0;
    const pa = ra ? a.byteOffset : offs[0],
      pb = rb ? b.byteOffset : offs[1],
      pc = rc ? c.byteOffset : offs[2];
    if (!rb) mem.set(b.length === k * n ? b : b.subarray(0, k * n), pb / size);
    if (!ra && transA) mem.set(a.length === m * k ? a : a.subarray(0, m * k), pa / size);
    const stagedMs = timing ? performance.now() - t0 : 0;
    if (threads > 1) wasmStats.parallelCalls++;
    const copies = runPipeline(
      this.pipelineHost(),
      {
        op,
        m,
        n,
        k,
        alpha,
        beta,
        pa,
        ta: transA ? 1 : 0,
        pb,
        tb: transB ? 1 : 0,
        pbp: offs[3],
        pc,
        mem,
        threads,
        aRows: ra || transA ? undefined : a,
        cIn: rc || beta === 0 ? undefined : c,
        cOut: rc ? undefined : c,
      },
      timing,
    );
    if (timing) {
      const total = performance.now() - t0;
      wasmStats.copyInSeconds += (stagedMs + copies.inMs) / 1000;
      wasmStats.copyOutSeconds += copies.outMs / 1000;
      wasmStats.computeSeconds += (total - stagedMs - copies.inMs - copies.outMs) / 1000;
    }
    wasmStats.mainBlocks += copies.ownBlocks;
    wasmStats.blocks += copies.blocks;
    wasmStats.calls++;
    return true;
  }

  /**
   * x += b, out = act(x) on an n x d matrix (act 0 identity, 1 tanh, 2 relu; b null: no bias), float64 (op 0)
   * or float32 (op 1), rows split across threads. x and out must be resident; b is staged. False when not.
   */
  biasActivation(
    op: 0 | 1,
    act: number,
    n: number,
    d: number,
    x: Float64Array | Float32Array,
    b: Float64Array | Float32Array | null,
    out: Float64Array | Float32Array,
  ): boolean {
    if (!this.isResident(x) || !this.isResident(out)) return false;
    let pb = 0;
    if (b) {
      if (this.isResident(b)) pb = b.byteOffset;
      else {
        const offs = this.alloc(this.workers.length + 1, [d * (op === 0 ? 8 : 4)]);
        if (!offs) return false;
        pb = offs[0];
        (op === 0 ? this.f64 : this.f32).set(b.subarray(0, d), pb >> (op === 0 ? 3 : 2));
      }
    }
    const px = x.byteOffset,
      po = out.byteOffset;
    const fn = op === 0 ? this.ex.biasAct64 : this.ex.biasAct32;
    this.split(5, [op, act, d, px, pb, po], n, 1, n * d >= ELEMENTWISE_PARALLEL_MIN, (r0, r1) => fn(act, r0, r1, d, px, pb, po));
    return true;
  }

  /**
   * delta *= act'(pre, out) on n x d resident matrices and, when gb is given, gb[j] = sum_i delta[i, j]
   * (float64 whatever op; summed over the rows in order), columns split across threads. False when not resident.
   */
  activationBackward(
    op: 0 | 1,
    act: number,
    n: number,
    d: number,
    pre: Float64Array | Float32Array,
    out: Float64Array | Float32Array,
    delta: Float64Array | Float32Array,
    gb: Float64Array | null,
  ): boolean {
    if (!this.isResident(pre) || !this.isResident(out) || !this.isResident(delta)) return false;
    let pg = 0;
    if (gb) {
      const offs = this.alloc(this.workers.length + 1, [d * 8]);
      if (!offs) return false;
      pg = offs[0];
    }
    const pp = pre.byteOffset,
      po = out.byteOffset,
      pd = delta.byteOffset;
    const fn = op === 0 ? this.ex.actGrad64 : this.ex.actGrad32;
    this.split(6, [op, act, n, d, pp, po, pd, pg], d, 4, n * d >= ELEMENTWISE_PARALLEL_MIN, (c0, c1) => fn(act, c0, c1, n, d, pp, po, pd, pg));
    if (gb) gb.set(this.f64.subarray(pg >> 3, (pg >> 3) + d));
    return true;
  }

  /** SGD with momentum on resident float32 p, g, v (see assembly/elementwise.ts sgdStep32), split across threads. */
  sgdStepF32(p: Float32Array, g: Float32Array, v: Float32Array, lr: number, mu: number, lam2: number, first: boolean, nesterov: boolean): boolean {
    if (!this.isResident(p) || !this.isResident(g) || !this.isResident(v)) return false;
    const pp = p.byteOffset,
      pg = g.byteOffset,
      pv = v.byteOffset,
      f = first ? 1 : 0,
      ne = nesterov ? 1 : 0;
    lr = Math.fround(lr);
    mu = Math.fround(mu);
    lam2 = Math.fround(lam2);
    this.split(7, [pp, pg, pv, lr, mu, lam2, f, ne], p.length, 4, p.length >= ELEMENTWISE_PARALLEL_MIN, (i0, i1) =>
      this.ex.sgdStep32(i0, i1, pp, pg, pv, lr, mu, lam2, f, ne),
    );
    return true;
  }

  /**
   * Rows of the squared loss (layers.ts squaredLoss): sums[i] = sum_j (out_ij - y_ij)^2 and, when delta is given,
   * delta_ij = 2 w_i (out_ij - y_ij), on n x c matrices; out and delta float64 (op 0) or float32 (op 1), y and w
   * float64. Rows split across threads; each row's sum runs over the columns in order. False when out, y or delta
   * are not resident (w is staged, the sums copied out).
   */
  squaredLossRows(
    op: 0 | 1,
    n: number,
    c: number,
    out: Float64Array | Float32Array,
    y: Float64Array,
    w: Float64Array,
    delta: Float64Array | Float32Array | null,
    sums: Float64Array,
  ): boolean {
    if (!this.isResident(out) || !this.isResident(y) || (delta && !this.isResident(delta))) return false;
    const offs = this.alloc(this.workers.length + 1, [n * 8, n * 8]);
    if (!offs) return false;
    const [pw, ps] = offs;
    this.f64.set(w.subarray(0, n), pw >> 3);
    const po = out.byteOffset,
      py = y.byteOffset,
      pd = delta ? delta.byteOffset : 0;
    const fn = op === 0 ? this.ex.squaredLoss64 : this.ex.squaredLoss32;
    this.split(14, [op, c, po, py, pw, pd, ps], n, 1, n * c >= ELEMENTWISE_PARALLEL_MIN, (r0, r1) => fn(r0, r1, c, po, py, pw, pd, ps));
    sums.set(this.f64.subarray(ps >> 3, (ps >> 3) + n));
    return true;
  }

  /** Whether every entry of a resident float32 array is finite (undefined when x is not resident). */
  allFiniteF32(x: Float32Array): boolean | undefined {
    return this.isResident(x) ? this.ex.allFinite32(x.length, x.byteOffset) === 1 : undefined;
  }

  /**
   * GFLOP/s per thread of the 128-bit multiply-add ceiling (f64x2 or f32x4, 10 independent chains), on the calling
   * thread alone (threads = 1: what the benchmarks report the GEMM against, times the thread count) or on `threads`
   * threads at once (the workers run the same loop concurrently: shows whether the cores share an FMA unit).
   */
  fmaPeakGflops(dtype: 'f64' | 'f32' = 'f64', threads = 1): number {
    const fn = dtype === 'f64' ? this.ex.fmaPeak64 : this.ex.fmaPeak32;
    const iters = 5e7,
      flopsPerIter = dtype === 'f64' ? 40 : 80;
    fn(1e6, 1);
    if (threads > 1) threads = this.ensureWorkers(threads);
    let best = Infinity;
    for (let r = 0; r < 3; r++) {
      const t0 = performance.now();
      if (threads > 1) {
        this.par[0] = 13; // worker.mjs: the ceiling loop
        this.par[1] = iters;
        this.par[2] = dtype === 'f64' ? 0 : 1;
        Atomics.store(this.ctl, 1, 0);
        Atomics.store(this.ctl, 0, threads - 1);
        for (let t = 1; t < threads; t++) this.post(t, 0, 0);
        fn(iters, 1);
        this.join();
      } else fn(iters, 1);
      best = Math.min(best, (performance.now() - t0) / 1000);
    }
    return (iters * flopsPerIter) / best / 1e9;
  }

  /** Stop the worker threads (they are unref'd, so this is only needed to free them early). */
  async shutdown(): Promise<void> {
    const ws = this.workers;
    this.workers = [];
    for (let i = 0; i < ws.length; i++) {
      const slot = 16 + (i + 1) * 16;
      Atomics.store(this.ctl, slot, -1);
      Atomics.notify(this.ctl, slot);
    }
    await Promise.all(ws.map((w) => w.terminate()));
  }

  get workerCount(): number {
    return this.workers.length;
  }
}

/** The engine, loaded on first use; undefined (with wasmLoadError()) when WebAssembly is unavailable. */
export function getEngine(): Engine | undefined {
  if (tried) return engine;
  tried = true;
  if (process.env.NRC_WASM === '0') {
    loadError = 'disabled by NRC_WASM=0';
    return undefined;
  }
  try {
    if (WA === undefined || typeof SharedArrayBuffer !== 'function') throw new Error('no WebAssembly or SharedArrayBuffer');
    const chosen = chooseVariant(readKernels());
    if (!chosen) throw new Error('no kernel build validates on this engine (SIMD unsupported or kernels not built)');
    engine = new Engine(chosen.variant, chosen.bytes);
  } catch (e) {
    loadError = (e as Error).message;
    warn(`WebAssembly GEMM unavailable (${loadError}); the fast path is off, using the TypeScript kernel.`);
    engine = undefined;
  }
  return engine;
}

export function wasmLoadError(): string | undefined {
  return loadError;
}

export type { Engine };
