// Whole-file writes that a kill cannot leave half done: write a temporary `NAME.tmp-PID` beside the
// file, completed (and fsynced when asked), then rename it over the file. Temporaries of processes
// that are gone are removed when a directory is opened again.
import { closeSync, fsyncSync, openSync, readdirSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';

/** writeSync until every byte is written (a short write is continued, an error thrown). */
export function writeFully(fd: number, bytes: Uint8Array): void {
  let done = 0;
  while (done < bytes.length) done += writeSync(fd, bytes, done, bytes.length - done);
}

/** Write `data` to `path` through a temporary file: either the old file or the whole new one is ever in place. */
export function writeFileAtomic(path: string, data: string | Uint8Array, opts: { sync?: boolean } = {}): void {
  const tmp = `${path}.tmp-${process.pid}`;
  const bytes = typeof data === 'string' ? Buffer.from(data) : data;
  try {
    const fd = openSync(tmp, 'w');
    try {
      writeFully(fd, bytes);
      if (opts.sync) fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (e) {
    try {
      unlinkSync(tmp);
    } catch {
      /* not created */
    }
    throw e;
  }
}

/** Is process `pid` alive on this host? (EPERM: alive but not ours.) */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Remove `*.tmp-PID` files in `dir` left by processes that are gone (or by this one). */
export function removeStrayTemporaries(dir: string): void {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const f of names) {
    const m = /\.tmp-(\d+)$/.exec(f);
    if (m && (Number(m[1]) === process.pid || !processAlive(Number(m[1])))) {
      try {
        unlinkSync(join(dir, f));
      } catch {
        /* raced */
      }
    }
  }
}
