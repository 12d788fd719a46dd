// GEMM worker thread (plain JavaScript: started without tsx). It instantiates the compiled
// kernel module on the shared WebAssembly.Memory and then serves jobs posted through a small
// SharedArrayBuffer control block, blocking in Atomics.wait between jobs (no event loop use,
// so the main thread can wait synchronously). Layout: see src/linalg/wasm/engine.ts.
import { workerData } from 'node:worker_threads';
import v8 from 'node:v8';

const { module, memory, ctlBuf, parBuf, pipeBuf, index, flags } = workerData;
for (const f of flags ?? []) {
  try {
    v8.setFlagsFromString(f);
  } catch {
    /* process-wide already */
  }
}
const ctl = new Int32Array(ctlBuf);
const par = new Float64Array(parBuf);
const pipe = new Int32Array(pipeBuf);
const SLOT = 16 + index * 16; // [gen, r0, r1, ready]
const PENDING = 0;
const ERROR = 1;

let ex;
try {
  ex = new WebAssembly.Instance(module, { env: { memory } }).exports;
  Atomics.store(ctl, SLOT + 3, 1);
} catch (e) {
  Atomics.store(ctl, SLOT + 3, -1);
}
Atomics.notify(ctl, SLOT + 3);

let gen = 0;
while (ex) {
  Atomics.wait(ctl, SLOT, gen);
  const g = Atomics.load(ctl, SLOT);
  if (g === gen) continue;
  gen = g;
  if (g < 0) break;
  try {
    const r0 = Atomics.load(ctl, SLOT + 1);
    const r1 = Atomics.load(ctl, SLOT + 2);
    if (par[0] === 2) {
      // par: [2, zt, ld, ops, nops, cs, js]; [r0, r1) are columns of zt
      ex.rotationsApply(par[1], par[2], par[3], par[4], par[5], par[6], r0, r1);
    } else if (par[0] === 3) {
      // par: [3, h, w, a, lda, v, y]; [r0, r1) are columns: y[r0:r1] += A[:, r0:r1]^T v
      ex.dgemvT(par[1], r1 - r0, par[3] + r0 * 8, par[4], par[5], par[6] + r0 * 8);
    } else if (par[0] === 4) {
      // par: [4, h, w, a, lda, u, x]; [r0, r1) are rows: x[r0:r1] = A[r0:r1, :] u
      ex.dgemvN(r1 - r0, par[2], par[3] + r0 * par[4] * 8, par[4], par[5], par[6] + r0 * 8);
    } else if (par[0] === 8) {
      // par: [8, L, a, lda, v, y]; [r0, r1) are rows of the upper-stored symmetric A: y += (A v) from those rows
      ex.dsymvUpper(par[1], par[2], par[3], par[4], par[5], r0, r1);
    } else if (par[0] === 9) {
      // par: [9, nt, c, ldc, pp, qp, kk]; [r0, r1) are row groups of 4: upper triangle of C -= P Q^T
      ex.dsyr2kUpper(par[1], par[2], par[3], par[4], par[5], par[6], r0, r1);
    } else if (par[0] === 10) {
      // par: [10, K, pk, w, zn2, dl, piv, mu]; [r0, r1) are root indices; this thread's scratch at dl + index K
      ex.secularRootsRange(par[1], par[2], par[3], par[4], par[5] + index * par[1] * 8, r0, r1, par[6], par[7]);
    } else if (par[0] === 5) {
      // par: [5, op, act, d, x, b, out]; [r0, r1) are rows: out = act(x + b)
      (par[1] === 0 ? ex.biasAct64 : ex.biasAct32)(par[2], r0, r1, par[3], par[4], par[5], par[6]);
    } else if (par[0] === 6) {
      // par: [6, op, act, n, d, pre, out, delta, gb]; [r0, r1) are columns: delta *= act', gb = column sums
      (par[1] === 0 ? ex.actGrad64 : ex.actGrad32)(par[2], r0, r1, par[3], par[4], par[5], par[6], par[7], par[8]);
    } else if (par[0] === 7) {
      // par: [7, p, g, v, lr, mu, lam2, first, nesterov]; [r0, r1) are elements: SGD step
      ex.sgdStep32(r0, r1, par[1], par[2], par[3], par[4], par[5], par[6], par[7], par[8]);
    } else if (par[0] === 14) {
      // par: [14, op, c, out, y, w, delta, sums]; [r0, r1) are rows: squared loss row sums and gradient
      (par[1] === 0 ? ex.squaredLoss64 : ex.squaredLoss32)(r0, r1, par[2], par[3], par[4], par[5], par[6], par[7]);
    } else if (par[0] === 13) {
      // par: [13, iters, dtype]: the multiply-add ceiling loop, run on all threads at once (engine.ts fmaPeakGflops)
      (par[2] === 0 ? ex.fmaPeak64 : ex.fmaPeak32)(par[1], 1);
    } else if (par[0] === 11 || par[0] === 12) {
      // par: [11 | 12, m, n, k, alpha, a, transA, packed B, transB, beta, c, work0, workStride, rows, blocks, B, units, deep]:
      // the row-block pipeline (pipeline.ts). pipe: [0] next block, [1] blocks ready, [2] next unit of B to pack,
      // [3] units packed, [16 + j] block j done. First pack units of B with the other threads, then compute blocks.
      const fn = par[17] ? (par[0] === 11 ? ex.dgemmRowsDeep : ex.sgemmRowsDeep) : par[0] === 11 ? ex.dgemmRows : ex.sgemmRows;
      const pack = par[0] === 11 ? ex.packBSlices64 : ex.packBSlices32;
      const m = par[1],
        rows = par[13],
        nb = par[14],
        units = par[16];
      for (;;) {
        const s = Atomics.add(pipe, 2, 1);
        if (s >= units) break;
        pack(par[3], par[2], par[15], par[8], par[7], s, s + 1);
        if (Atomics.add(pipe, 3, 1) + 1 === units) Atomics.notify(pipe, 3);
      }
      for (;;) {
        const done = Atomics.load(pipe, 3);
        if (done >= units || Atomics.load(ctl, ERROR) !== 0) break; // (another thread failed: join() reports it)
        Atomics.wait(pipe, 3, done, 1000);
      }
      const work = par[11] + index * par[12];
      for (;;) {
        const j = Atomics.add(pipe, 0, 1);
        if (j >= nb) break;
        for (;;) {
          const ready = Atomics.load(pipe, 1);
          if (ready > j) break;
          Atomics.wait(pipe, 1, ready);
        }
        const b0 = j * rows;
        fn(m, par[2], par[3], par[4], par[5], par[6], par[7], par[9], par[10], b0, Math.min(m, b0 + rows), work);
        Atomics.store(pipe, 16 + j, 1);
        Atomics.notify(pipe, 16 + j);
      }
    } else {
      // par: [op, m, n, k, alpha, a, transA, b, transB, beta, c, work0, workStride]
      const work = par[11] + index * par[12];
      const fn = par[0] === 0 ? ex.dgemm : ex.sgemm;
      fn(par[1], par[2], par[3], par[4], par[5], par[6], par[7], par[8], par[9], par[10], r0, r1, work);
    }
  } catch (e) {
    Atomics.store(ctl, ERROR, 1);
  }
  if (Atomics.sub(ctl, PENDING, 1) === 1) Atomics.notify(ctl, PENDING);
}
