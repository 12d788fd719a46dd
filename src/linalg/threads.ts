// Thread count of the numerical core (the WebAssembly GEMM splits C by rows across this many
// threads: the calling thread plus worker_threads). Default: all cores; env NRC_THREADS or
// setThreads() (the CLI's --threads) override it. Results are bit-identical for any count.
import os from 'node:os';

function defaultThreads(): number {
  const env = process.env.NRC_THREADS;
  if (env !== undefined && env.trim() !== '') {
    const n = Number(env);
    if (Number.isInteger(n) && n >= 1) return Math.min(n, 256);
    process.emitWarning(`NRC_THREADS=${env} is not a positive integer; using all cores`);
  }
  return Math.max(1, typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length);
}

let threads = defaultThreads();

/** Set the number of threads the numerical core may use (>= 1; 1 = calling thread only). */
export function setThreads(n: number): void {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`setThreads: expected a positive integer, got ${n}`);
  threads = Math.min(n, 256);
}

/** The current thread count. */
export function getThreads(): number {
  return threads;
}
