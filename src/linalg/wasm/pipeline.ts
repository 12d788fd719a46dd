// The threaded GEMM as a pipeline of row blocks (engine.ts gemmPipelined stages op(B); the threads first pack it
// together, once, unit by unit from a shared counter, and then share it as in Goto & van de Geijn 2008). Blocks are
// MC slabs of rows of C (for few rows of a large op(B), deepBlockRows: one block per thread, walked K slice by
// K slice); every thread takes the next block from a shared counter, so the threads finish within a block of each
// other. The calling thread copies the rows of
// A (and of C when beta != 0) into wasm memory block by block, publishing each, while the workers already compute
// the published ones, and copies finished blocks of C out between its own blocks: the copies between JavaScript
// arrays and wasm memory overlap the workers' compute. The worker side is in worker.mjs (ops 11 and 12).
//
// Control block `pipe` (Int32Array on a SharedArrayBuffer): [0] next block to claim, [1] blocks whose inputs are
// in wasm memory, [2] next unit of op(B) to pack, [3] units packed, [16 + j] block j done (1) and copied out (2).

/** Most row blocks of one product (the size of the done flags). */
export const MAX_BLOCKS = 4096;
/** Rows of a block: one MC slab of the kernels (assembly/gemm.ts), float64 and float32. */
export const BLOCK_ROWS = [66, 96];
/** Deepest K slice of the kernels (KC of assembly/gemm.ts), float64 and float32. */
export const SLICE_DEPTH = [256, 384];
/** The packed-B sub-panel of one K slice that dgemmRowsDeep / sgemmRowsDeep keep in L2 (DEEP_B_BYTES there). */
const DEEP_B_BYTES = 786432;
/** Largest C sub-block of a thread's rows in the deep kernels (it shares L2 with the B sub-panel). */
const DEEP_C_BYTES = 1310720;
/** Smallest packed op(B) for the deep kernels: below it op(B) stays in cache anyway. */
const DEEP_MIN_B_BYTES = 8 << 20;
const FLAGS = 16;

/** A row-block kernel (assembly/gemm.ts dgemmRows / sgemmRows): rows [r0, r1) of C = alpha op(A) B + beta C, B packed at bp. */
export type RowsKernel = (
  m: number,
  n: number,
  k: number,
  alpha: number,
  a: number,
  transA: number,
  bp: number,
  beta: number,
  c: number,
  r0: number,
  r1: number,
  work: number,
) => void;

/** Units [s0, s1) of op(B) (k x n at b, transposed: tb = 1) packed into dst (assembly/gemm.ts packBSlices64 / 32). */
export type PackKernel = (k: number, n: number, b: number, tb: number, dst: number, s0: number, s1: number) => void;

/** The threads' shared state and the kernel entry points (owned by the engine). */
export interface PipelineHost {
  ex: {
    dgemmRows: RowsKernel;
    sgemmRows: RowsKernel;
    dgemmRowsDeep: RowsKernel;
    sgemmRowsDeep: RowsKernel;
    packBSliceCount64(k: number, n: number): number;
    packBSliceCount32(k: number, n: number): number;
    packBSlices64: PackKernel;
    packBSlices32: PackKernel;
  };
  pipe: Int32Array;
  par: Float64Array;
  ctl: Int32Array;
  workBase: number;
  workStride: number;
  /** Wake worker t for the job in `par`. */
  post(t: number): void;
  /** Wait until every worker has finished (throws when one failed). */
  join(): void;
}

/** One product: byte offsets of the operands in wasm memory, and what the calling thread copies. */
export interface PipelineJob<T extends Float64Array | Float32Array> {
  op: 0 | 1;
  m: number;
  n: number;
  k: number;
  alpha: number;
  beta: number;
  /** op(A) at byte offset pa (transposed: ta = 1), op(B) at pb (tb = 1: transposed) to be packed at pbp, C at pc. */
  pa: number;
  ta: number;
  pb: number;
  tb: number;
  pbp: number;
  pc: number;
  /** The wasm memory view of the dtype, and the JavaScript arrays to copy from / to (undefined: nothing to copy). */
  mem: T;
  aRows?: T;
  cIn?: T;
  cOut?: T;
  threads: number;
}

/** Rows per block: one MC slab, thinner when that leaves fewer than 4 blocks per thread (short products). */
export function blockRows(op: 0 | 1, m: number, threads: number): number {
  let rows = Math.min(BLOCK_ROWS[op], Math.max(1, Math.ceil(m / (4 * threads) / 3)) * 3);
  while (Math.ceil(m / rows) > MAX_BLOCKS) rows += BLOCK_ROWS[op];
  return rows;
}

/**
 * Rows per block for the deep kernels, 0 when they do not apply: with several threads, a large op(B) (k of many
 * slices) and few rows, every thread takes one block of ~m / threads rows and walks it K slice by K slice, so
 * each slice of the packed B is read from memory once per thread instead of once per MC slab.
 */
export function deepBlockRows(op: 0 | 1, m: number, n: number, k: number, threads: number): number {
  if (threads < 2 || k <= SLICE_DEPTH[op]) return 0;
  const size = op === 0 ? 8 : 4;
  if (k * n * size < DEEP_MIN_B_BYTES) return 0;
  const kc = Math.ceil(k / Math.ceil(k / SLICE_DEPTH[op]));
  const rows = Math.ceil(m / threads / 3) * 3;
  return rows * (DEEP_B_BYTES / kc) <= DEEP_C_BYTES ? rows : 0;
}

/** Run the product; returns the calling thread's copy time (ms) in and out when `timing`, and the blocks it computed of all. */
export function runPipeline<T extends Float64Array | Float32Array>(
  host: PipelineHost,
  job: PipelineJob<T>,
  timing: boolean,
): { inMs: number; outMs: number; ownBlocks: number; blocks: number } {
  const deepRows = deepBlockRows(job.op, job.m, job.n, job.k, job.threads);
  const deep = deepRows > 0;
  const rows = deep ? deepRows : blockRows(job.op, job.m, job.threads);
  const nb = Math.ceil(job.m / rows);
  host.pipe.fill(0, 0, FLAGS + nb);
  const streamed = job.aRows !== undefined || job.cIn !== undefined;
  Atomics.store(host.pipe, 1, streamed ? 0 : nb);
  const workers = job.threads - 1;
  const units = job.op === 0 ? host.ex.packBSliceCount64(job.k, job.n) : host.ex.packBSliceCount32(job.k, job.n);
  if (workers > 0) postWorkers(host, job, rows, nb, units, deep, workers);
  packShare(host, job, units);
  const t0 = timing ? performance.now() : 0;
  if (streamed) copyIn(host, job, rows, nb, workers > 0);
  const inMs = timing ? performance.now() - t0 : 0;
  const { outMs, own } = computeAndCopyOut(host, job, rows, nb, deep, timing);
  if (workers > 0) host.join();
  return { inMs, outMs, ownBlocks: own, blocks: nb };
}

/**
 * Pack units of op(B) from the shared counter until none is left, then wait until every unit is packed (the same
 * loop runs on the workers, worker.mjs): every thread's blocks read all of op(B).
 */
function packShare<T extends Float64Array | Float32Array>(host: PipelineHost, job: PipelineJob<T>, units: number): void {
  const pipe = host.pipe;
  const fn = job.op === 0 ? host.ex.packBSlices64 : host.ex.packBSlices32;
  for (;;) {
    const s = Atomics.add(pipe, 2, 1);
    if (s >= units) break;
    fn(job.k, job.n, job.pb, job.tb, job.pbp, s, s + 1);
    if (Atomics.add(pipe, 3, 1) + 1 === units) Atomics.notify(pipe, 3);
  }
  for (;;) {
    const done = Atomics.load(pipe, 3);
    if (done >= units) return;
    if (Atomics.load(host.ctl, 1) !== 0) return; // a failed worker: join() reports it
    Atomics.wait(pipe, 3, done, 1000);
  }
}

function postWorkers<T extends Float64Array | Float32Array>(
  host: PipelineHost,
  job: PipelineJob<T>,
  rows: number,
  nb: number,
  units: number,
  deep: boolean,
  workers: number,
): void {
  const par = host.par;
  par[0] = 11 + job.op; // worker.mjs: 11 f64 rows, 12 f32 rows
  par[1] = job.m;
  par[2] = job.n;
  par[3] = job.k;
  par[4] = job.alpha;
  par[5] = job.pa;
  par[6] = job.ta;
  par[7] = job.pbp;
  par[8] = job.tb;
  par[9] = job.beta;
  par[10] = job.pc;
  par[11] = host.workBase;
  par[12] = host.workStride;
  par[13] = rows;
  par[14] = nb;
  par[15] = job.pb;
  par[16] = units;
  par[17] = deep ? 1 : 0;
  Atomics.store(host.ctl, 1, 0);
  Atomics.store(host.ctl, 0, workers);
  for (let t = 1; t <= workers; t++) host.post(t);
}

/** Copy the rows of A (and of C) into wasm memory block by block, publishing each to the workers. */
function copyIn<T extends Float64Array | Float32Array>(host: PipelineHost, job: PipelineJob<T>, rows: number, nb: number, notify: boolean): void {
  const { m, n, k, mem, aRows, cIn } = job;
  const sa = job.pa / mem.BYTES_PER_ELEMENT,
    sc = job.pc / mem.BYTES_PER_ELEMENT;
  for (let j = 0; j < nb; j++) {
    const r0 = j * rows,
      r1 = Math.min(m, r0 + rows);
    if (aRows) mem.set(aRows.subarray(r0 * k, r1 * k), sa + r0 * k);
    if (cIn) mem.set(cIn.subarray(r0 * n, r1 * n), sc + r0 * n);
    Atomics.store(host.pipe, 1, j + 1);
    if (notify) Atomics.notify(host.pipe, 1);
  }
}

/** Compute blocks until none is left, copying finished blocks of C out in order between them; then the rest. */
function computeAndCopyOut<T extends Float64Array | Float32Array>(
  host: PipelineHost,
  job: PipelineJob<T>,
  rows: number,
  nb: number,
  deep: boolean,
  timing: boolean,
): { outMs: number; own: number } {
  const { m, n, k, mem, cOut } = job;
  const pipe = host.pipe;
  const sc = job.pc / mem.BYTES_PER_ELEMENT;
  const ex = host.ex;
  const rowsFn = deep ? (job.op === 0 ? ex.dgemmRowsDeep : ex.sgemmRowsDeep) : job.op === 0 ? ex.dgemmRows : ex.sgemmRows;
  let out = 0,
    outMs = 0,
    own = 0;
  const drain = () => {
    const t0 = timing ? performance.now() : 0;
    while (out < nb && Atomics.load(pipe, FLAGS + out) === 1) {
      const r0 = out * rows,
        r1 = Math.min(m, r0 + rows);
      cOut!.set(mem.subarray(sc + r0 * n, sc + r1 * n), r0 * n);
      pipe[FLAGS + out] = 2;
      out++;
    }
    if (timing) outMs += performance.now() - t0;
  };
  for (;;) {
    const j = Atomics.add(pipe, 0, 1);
    if (j >= nb) break;
    const r0 = j * rows;
    rowsFn(m, n, k, job.alpha, job.pa, job.ta, job.pbp, job.beta, job.pc, r0, Math.min(m, r0 + rows), host.workBase);
    Atomics.store(pipe, FLAGS + j, 1);
    own++;
    if (cOut) drain();
  }
  while (cOut && out < nb) {
    drain();
    if (out >= nb || Atomics.load(host.ctl, 1) !== 0) break; // a failed worker: join() reports it
    Atomics.wait(pipe, FLAGS + out, 0, 1000);
  }
  return { outMs, own };
}
