// One writer per results directory: `.nrc.lock`, created with O_EXCL, holds the writer's pid,
// host and start time. A live holder refuses the second writer (exit 2, naming it); a
// lock left by a dead process on this host is taken over with a notice.
import { closeSync, openSync, readFileSync, statSync, unlinkSync, writeSync, fsyncSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { processAlive } from '../io/atomic.ts';
import { UsageError } from './errors.ts';

export const LOCK_FILE = '.nrc.lock';

const LockSchema = z.object({ pid: z.number().int().positive(), host: z.string(), started_at: z.string() });
export type LockInfo = z.infer<typeof LockSchema>;

export { processAlive } from '../io/atomic.ts';

function readLock(path: string): LockInfo | undefined {
  try {
    const parsed = LockSchema.safeParse(JSON.parse(readFileSync(path, 'utf8')));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** A lock file written moments ago may still be being filled by its writer. */
function youngerThan(path: string, ms: number): boolean {
  try {
    return Date.now() - statSync(path).mtimeMs < ms;
  } catch {
    return false;
  }
}

export interface DirLock {
  path: string;
  release(): void;
}

/** Take the lock of `dir` (which exists) or throw a UsageError naming the live holder. */
export function acquireLock(dir: string, notice: (m: string) => void = (m) => process.stderr.write(`${m}\n`)): DirLock {
  const path = join(dir, LOCK_FILE);
  const me: LockInfo = { pid: process.pid, host: hostname(), started_at: new Date().toISOString() };
  for (let attempt = 0; attempt < 3; attempt++) {
    let fd: number;
    try {
      fd = openSync(path, 'wx');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const holder = readLock(path);
      if (!holder && youngerThan(path, 2000)) {
        throw new UsageError(`--out ${JSON.stringify(dir)}: another nrc is just taking the lock ${LOCK_FILE}; choose another --out or try again`);
      }
      if (holder && (holder.host !== me.host || processAlive(holder.pid))) {
        throw new UsageError(
          `--out ${JSON.stringify(dir)}: in use by nrc pid ${holder.pid} on ${holder.host} (since ${holder.started_at}); wait for it to finish, or choose another --out`,
        );
      }
      notice(
        holder
          ? `notice: ${dir}: taking over the lock of pid ${holder.pid} (no longer running on ${holder.host})`
          : `notice: ${dir}: taking over an unreadable lock file ${LOCK_FILE}`,
      );
      try {
        unlinkSync(path);
      } catch {
        /* another process took it over first: retry */
      }
      continue;
    }
    try {
      writeSync(fd, JSON.stringify(me));
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    let held = true;
    const release = () => {
      if (!held) return;
      held = false;
      process.off('exit', release);
      const now = readLock(path);
      if (now && now.pid === me.pid && now.started_at === me.started_at) {
        try {
          unlinkSync(path);
        } catch {
          /* already gone */
        }
      }
    };
    process.on('exit', release);
    return { path, release };
  }
  throw new UsageError(`--out ${JSON.stringify(dir)}: could not take the lock ${LOCK_FILE} (another writer keeps taking it); try again`);
}
