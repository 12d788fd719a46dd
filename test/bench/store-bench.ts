// Benchmark of the results store, not a timed test: a 10,000-cell svd-demo sweep
// (100 x 100 grid of small matrices) into a fresh directory, the share of its time spent in the
// store (open, formatting rows, group writes of tables and journal, fsync, manifest, finish,
// close), and a merge of its two shards.
// `npm run bench:store` (optional argument: the grid side, default 100).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findExperiment } from '../../experiments/index.ts';
import { runExperiment } from '../../src/runner/run.ts';
import { ResultStore } from '../../src/runner/store.ts';
import { mergeDirectories } from '../../src/commands/merge.ts';

const side = Number(process.argv[2] ?? 100);
const values = Array.from({ length: side }, (_, i) => 2 + i).join(',');
const exp = (await findExperiment('svd-demo'))!;
const base = mkdtempSync(join(tmpdir(), 'nrc-store-bench-'));

let commitSeconds = 0;
/** Count the time spent in a function (outermost calls only: flush inside commitCell is not counted twice). */
let depth = 0;
function timed<T extends (...args: never[]) => unknown>(f: T): T {
  return function (this: unknown, ...args: Parameters<T>) {
    const t = process.hrtime.bigint();
    depth++;
    try { return f.apply(this, args); } finally { if (--depth === 0) commitSeconds += Number(process.hrtime.bigint() - t) / 1e9; }
  } as T;
}
const proto = ResultStore.prototype;
for (const m of ['commitCell', 'flush', 'finish', 'close', 'writeManifest'] as const) (proto[m] as unknown) = timed(proto[m] as (...a: never[]) => unknown);
ResultStore.open = timed(ResultStore.open);

async function sweep(out: string, shard?: string): Promise<number> {
  const t = Date.now();
  const r = await runExperiment(exp, {
    preset: 'default', given: { m: values, n: values }, seed: '0', seeds: '1', out, resume: false, overwrite: false,
    shard, quiet: true, plot: false, threads: 1, command: ['nrc', 'run', 'svd-demo'],
  });
  if (r.exitCode !== 0) throw new Error(`sweep exited ${r.exitCode}`);
  return (Date.now() - t) / 1000;
}

const whole = await sweep(join(base, 'whole'));
const cells = side * side;
console.log(`sweep: ${cells} cells in ${whole.toFixed(2)} s; in the store: ${commitSeconds.toFixed(2)} s = ${(100 * commitSeconds / whole).toFixed(1)}% of the run (${(1e3 * commitSeconds / cells).toFixed(3)} ms per cell)`);
await sweep(join(base, 's0'), '0/2');
await sweep(join(base, 's1'), '1/2');
const t = Date.now();
await mergeDirectories([join(base, 's0'), join(base, 's1')], join(base, 'merged'), { plot: false, quiet: true });
console.log(`merge of 2 shards (${cells} cells): ${((Date.now() - t) / 1000).toFixed(2)} s (directory ${base})`);
