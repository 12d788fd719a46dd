// Benchmark of the results store, not a timed test: a 10,000-cell svd-demo sweep
// (100 x 100 grid of small matrices) into a fresh directory, the share of its time spent in the
// store (open, formatting rows, group writes of tables and journal, fsync, manifest, finish,
// close), and a merge of its two shards.
// `npm run bench:store` (optional argument: the grid side, default 100).
import { mkdtempSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { PerformanceObserver, performance } from 'node:perf_hooks';
import { join } from 'node:path';
import { findExperiment } from '../../experiments/index.ts';
import { runExperiment } from '../../src/runner/run.ts';
import { ResultStore } from '../../src/runner/store.ts';
import { mergeDirectories } from '../../src/commands/merge.ts';

const side = Number(process.argv[2] ?? 100);
const exp = (await findExperiment('svd-demo'))!;
const base = mkdtempSync(join(tmpdir(), 'nrc-store-bench-'));

// What is counted as the store's work ("commit overhead"): the wall time (and the process CPU time) spent
// inside the outermost calls of ResultStore.open, commitCell, flush, finish, close and writeManifest. That
// covers everything between a cell's result and its committed bytes: completing its rows with the cell's
// parameters, seed and status (done while encoding, see cellFill), CSV text, checksums, journal lines, the
// grouped writes and fsyncs, and the manifest rewrites. The run is the wall (and CPU) time of runExperiment,
// from planning to the final manifest. CPU time is given too because this machine may be shared: waiting for
// a core inflates wall times, not CPU times (fsync waits, by contrast, show only in wall time).
let commitSeconds = 0;
let commitCpu = 0;
/** Outermost timed calls (each also counts the timers' own cost: see the calibration below). */
let commitCalls = 0;
/** While set: [start, end] (performance.now() ms) of every outermost timed call, to find the garbage collections inside them. */
let callSpans: number[] | undefined;
const gcSpans: number[] = [];
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) gcSpans.push(e.startTime, e.startTime + e.duration);
}).observe({ entryTypes: ['gc'] });
/** Milliseconds of garbage collection that fall inside the recorded calls (both lists sorted by start, disjoint). */
function gcInside(calls: number[], gcs: number[]): number {
  let ms = 0;
  for (let i = 0, j = 0; i < calls.length && j < gcs.length;) {
    ms += Math.max(0, Math.min(calls[i + 1], gcs[j + 1]) - Math.max(calls[i], gcs[j]));
    if (calls[i + 1] < gcs[j + 1]) i += 2;
    else j += 2;
  }
  return ms;
}
/** Count the time spent in a function (outermost calls only: flush inside commitCell is not counted twice). */
let depth = 0;
const cpuNow = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};
function timed<T extends (...args: never[]) => unknown>(f: T): T {
  return function (this: unknown, ...args: Parameters<T>) {
    if (depth++ > 0) {
      try {
        return f.apply(this, args);
      } finally {
        depth--;
      }
    }
    const t = process.hrtime.bigint();
    const c = cpuNow();
    const p = callSpans && performance.now();
    try {
      return f.apply(this, args);
    } finally {
      if (callSpans) callSpans.push(p as number, performance.now());
      depth--;
      commitSeconds += Number(process.hrtime.bigint() - t) / 1e9;
      commitCpu += cpuNow() - c;
      commitCalls++;
    }
  } as T;
}
// The timers' own cost inside each timed call: process.cpuUsage() is a system call (getrusage), which on some
// machines costs several microseconds, about one call's worth of which falls between the two readings. Measured on
// an empty function through the same wrapper, and subtracted from the store's figures (both are printed).
const timerCost = (() => {
  const empty = timed(() => {});
  for (let i = 0; i < 2000; i++) empty();
  commitSeconds = commitCpu = commitCalls = 0;
  for (let i = 0; i < 20000; i++) empty();
  const cost = { wall: commitSeconds / commitCalls, cpu: commitCpu / commitCalls };
  commitSeconds = commitCpu = commitCalls = 0;
  return cost;
})();
const proto = ResultStore.prototype;
for (const m of ['commitCell', 'flush', 'finish', 'close', 'writeManifest'] as const)
  (proto[m] as unknown) = timed(proto[m] as (...a: never[]) => unknown);
ResultStore.open = timed(ResultStore.open);
/** Wall time inside some of the store's parts (inclusive: flush holds the group's encoding, its writes and the fsyncs that fall due). */
const parts = new Map<string, { seconds: number; calls: number }>();
const methods = proto as unknown as Record<string, (...a: never[]) => unknown>;
for (const m of ['flush', 'encodeDeferred', 'writePending', 'sync', 'writeManifest']) {
  const f = methods[m];
  const part = { seconds: 0, calls: 0 };
  parts.set(m, part);
  methods[m] = function (this: unknown, ...args: never[]) {
    const t = process.hrtime.bigint();
    try {
      return f.apply(this, args);
    } finally {
      part.seconds += Number(process.hrtime.bigint() - t) / 1e9;
      part.calls++;
    }
  };
}
const partsText = () => [...parts].map(([m, p]) => `${m} ${p.seconds.toFixed(2)} s in ${p.calls} calls`).join(', ');
async function sweep(out: string, shard?: string, n = side): Promise<{ wall: number; cpu: number }> {
  const values = Array.from({ length: n }, (_, i) => 2 + i).join(',');
  const t = process.hrtime.bigint();
  const c = cpuNow();
  const r = await runExperiment(exp, {
    preset: 'default',
    given: { m: values, n: values },
    seed: '0',
    seeds: '1',
    out,
    resume: false,
    overwrite: false,
    shard,
    quiet: true,
    plot: false,
    threads: 1,
    command: ['nrc', 'run', 'svd-demo'],
  });
  if (r.exitCode !== 0) throw new Error(`sweep exited ${r.exitCode}`);
  return { wall: Number(process.hrtime.bigint() - t) / 1e9, cpu: cpuNow() - c };
}

const realCommit = proto.commitCell;
const bareSweep = async (name: string) => {
  proto.commitCell = function () {};
  try {
    return await sweep(join(base, name));
  } finally {
    proto.commitCell = realCommit;
  }
};
await sweep(join(base, 'warm-up'), undefined, 20); // the numerical code compiled before anything is timed
const bare1 = await bareSweep('no-store-1');
commitSeconds = commitCpu = commitCalls = 0;
for (const p of parts.values()) {
  p.seconds = 0;
  p.calls = 0;
}
callSpans = [];
const gcBefore = gcSpans.length;
const whole = await sweep(join(base, 'whole'));
const spans = callSpans;
callSpans = undefined;
await new Promise((r) => setTimeout(r, 50)); // the observer's last entries
const gcRun = gcSpans.slice(gcBefore);
let gcRunMs = 0;
for (let i = 0; i < gcRun.length; i += 2) gcRunMs += gcRun[i + 1] - gcRun[i];
const gcStoreMs = gcInside(spans, gcRun);
const raw = { wall: commitSeconds, cpu: commitCpu };
const counted = { wall: raw.wall - commitCalls * timerCost.wall, cpu: raw.cpu - commitCalls * timerCost.cpu };
const countedParts = partsText();
const cells = side * side;
console.log(
  `sweep: ${cells} cells in ${whole.wall.toFixed(2)} s (CPU ${whole.cpu.toFixed(2)} s); in the store: ${counted.wall.toFixed(2)} s = ${((100 * counted.wall) / whole.wall).toFixed(1)}% of the run (${((1e3 * counted.wall) / cells).toFixed(3)} ms per cell); CPU ${counted.cpu.toFixed(2)} s = ${((100 * counted.cpu) / whole.cpu).toFixed(1)}% of the run's CPU (${((1e3 * counted.cpu) / cells).toFixed(3)} ms per cell); load ${loadavg()
    .map((x) => x.toFixed(1))
    .join(' ')}`,
);
console.log(
  `  the timers' own cost, ${(1e6 * timerCost.wall).toFixed(1)} µs wall and ${(1e6 * timerCost.cpu).toFixed(1)} µs CPU per timed call (an empty call), is subtracted for ${commitCalls} calls; with it: ${raw.wall.toFixed(2)} s = ${((100 * raw.wall) / whole.wall).toFixed(1)}% of the run, CPU ${raw.cpu.toFixed(2)} s = ${((100 * raw.cpu) / whole.cpu).toFixed(1)}%`,
);
console.log(
  `  of which (wall): ${countedParts}; flush = encodeDeferred (rows, checksums and journal lines of the group) + writePending (the writes, fsyncs that fall due, manifest rewrites); garbage collection inside the store's calls ${(gcStoreMs / 1e3).toFixed(2)} s (of ${(gcRunMs / 1e3).toFixed(2)} s in the run)`,
);
// The same sweep with commitCell doing nothing (no rows encoded, nothing written per cell), run once before
// and once after the real one (their mean, so that the order does not favour either): what the run costs
// without the store, measured rather than attributed (it also sees effects the timers above cannot, such
// as garbage the store leaves for later collections). Noisier than the timers on a shared machine.
const bare2 = await bareSweep('no-store-2');
const bare = { wall: (bare1.wall + bare2.wall) / 2, cpu: (bare1.cpu + bare2.cpu) / 2 };
const dw = whole.wall - bare.wall;
const dc = whole.cpu - bare.cpu;
console.log(
  `the same sweep without committing cells: ${bare1.wall.toFixed(2)} and ${bare2.wall.toFixed(2)} s (CPU ${bare1.cpu.toFixed(2)} and ${bare2.cpu.toFixed(2)} s): the store adds ${dw.toFixed(2)} s = ${((100 * dw) / whole.wall).toFixed(1)}% of the run (CPU ${dc.toFixed(2)} s = ${((100 * dc) / whole.cpu).toFixed(1)}%)`,
);
await sweep(join(base, 's0'), '0/2');
await sweep(join(base, 's1'), '1/2');
const t = Date.now();
await mergeDirectories([join(base, 's0'), join(base, 's1')], join(base, 'merged'), { plot: false, quiet: true });
console.log(`merge of 2 shards (${cells} cells): ${((Date.now() - t) / 1000).toFixed(2)} s (directory ${base})`);
