// `nrc status DIR...`: what a sweep's results directories hold, read only: cells done, running
// (with the age of their checkpoint), failed and remaining, CPU time used and an estimate of the
// CPU time left. For one results directory or the shard directories of a job array.
import { Command } from '@commander-js/extra-typings';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { findExperiment } from '../../experiments/index.ts';
import { expandGrid, type ResolvedParams } from '../runner/params.ts';
import { LOCK_FILE, processAlive } from '../runner/lock.ts';
import { shardCells } from '../runner/run.ts';
import { loadCommitted, type Manifest } from '../runner/store.ts';
import { UsageError } from '../runner/errors.ts';
import { checkpointPath } from '../runner/checkpoint.ts';

/** The checkpoint of a cell, if one exists (where src/runner/checkpoint.ts writes it). */
export function findCheckpoint(dir: string, cellKey: string): { path: string; mtimeMs: number } | undefined {
  const path = checkpointPath(dir, cellKey);
  try {
    return { path, mtimeMs: statSync(path).mtimeMs };
  } catch {
    return undefined; // not there
  }
}

export interface RunningCell {
  key: string;
  /** Seconds since the cell started (since the last commit or the writer's start, whichever is later). */
  elapsed_s: number | null;
  /** Age in seconds of the cell's checkpoint, null without one. */
  checkpoint_age_s: number | null;
}

export interface DirectoryStatus {
  dir: string;
  experiment: string;
  config_hash: string;
  shard: { index: number; count: number } | null;
  /** manifest.json's status, or 'stopped' when it says running but no writer holds the directory. */
  state: string;
  writer: { pid: number; host: string; started_at: string; alive: boolean | null } | null;
  cells: number;
  done: number;
  running: number;
  failed: number;
  remaining: number;
  running_cells: RunningCell[];
  failed_cells: { key: string; status: string; message?: string }[];
  /** Cells not committed that have a checkpoint (a rerun continues them). */
  checkpointed: { key: string; checkpoint_age_s: number }[];
  /** Wall-clock seconds of the committed cells, as the journal records them. */
  cell_seconds: number;
  /** Threads the writer used (manifest.json). */
  threads: number;
  /** CPU seconds used: committed cells' wall time (plus the running cells' so far) x threads. */
  cpu_seconds: number;
  /** CPU seconds left: the mean of the committed cells x the cells left; null with nothing committed. */
  cpu_seconds_left: number | null;
}

interface Lock {
  pid: number;
  host: string;
  started_at: string;
}

function readLock(dir: string): Lock | undefined {
  try {
    const v = JSON.parse(readFileSync(join(dir, LOCK_FILE), 'utf8')) as Lock;
    return typeof v.pid === 'number' && typeof v.host === 'string' ? v : undefined;
  } catch {
    return undefined;
  }
}

const ageOf = (ms: number, now: number) => Math.max(0, (now - ms) / 1000);

/** Status of one results directory (UsageError, exit 2, for anything that is not one). */
export async function directoryStatus(dir: string, now = Date.now()): Promise<DirectoryStatus> {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new UsageError(`status: ${dir} is not a directory`);
  if (!existsSync(join(dir, 'manifest.json'))) throw new UsageError(`status: ${dir} is not an nrc results directory (no manifest.json)`);
  const m = loadCommitted(dir) as Manifest;
  const exp = await findExperiment(m.experiment);
  if (!exp) throw new UsageError(`status: ${dir} holds results of an unknown experiment ${m.experiment}`);
  const mine = shardCells(expandGrid(exp, m.params as ResolvedParams, m.seeds), m.shard);
  const committed = new Map(m.cells.map((c) => [c.key, c]));
  const lock = readLock(dir);
  const alive = lock ? (lock.host === hostname() ? processAlive(lock.pid) : null) : false;
  const writing = lock !== undefined && alive !== false;
  const todo = mine.filter((c) => !committed.has(c.key));
  // The runner works through its shard's cells in grid order: the running cell is the first not committed.
  const runningCells: RunningCell[] = [];
  if (writing && todo.length > 0) {
    const lastCommit = Math.max(0, ...m.cells.map((c) => Date.parse(c.finished_at)).filter(Number.isFinite));
    const since = Math.max(Date.parse(lock.started_at) || 0, lastCommit);
    const ckpt = findCheckpoint(dir, todo[0].key);
    runningCells.push({
      key: todo[0].key,
      elapsed_s: since > 0 ? ageOf(since, now) : null,
      checkpoint_age_s: ckpt ? ageOf(ckpt.mtimeMs, now) : null,
    });
  }
  const running = new Set(runningCells.map((c) => c.key));
  const checkpointed = todo
    .filter((c) => !running.has(c.key))
    .flatMap((c) => {
      const ckpt = findCheckpoint(dir, c.key);
      return ckpt ? [{ key: c.key, checkpoint_age_s: ageOf(ckpt.mtimeMs, now) }] : [];
    });
  const failedCells = m.cells
    .filter((c) => c.status !== 'ok')
    .map((c) => ({ key: c.key, status: c.status, ...(c.message ? { message: c.message } : {}) }));
  const cellSeconds = m.cells.reduce((s, c) => s + c.seconds, 0);
  const runningSeconds = runningCells.reduce((s, c) => s + (c.elapsed_s ?? 0), 0);
  const done = m.cells.length - failedCells.length;
  const remaining = todo.length - runningCells.length;
  const mean = m.cells.length ? cellSeconds / m.cells.length : null;
  return {
    dir,
    experiment: m.experiment,
    config_hash: m.config_hash,
    shard: m.shard,
    state: m.status === 'running' && !writing ? 'stopped' : m.status,
    writer: lock ? { ...lock, alive } : null,
    cells: mine.length,
    done,
    running: runningCells.length,
    failed: failedCells.length,
    remaining,
    running_cells: runningCells,
    failed_cells: failedCells,
    checkpointed,
    cell_seconds: cellSeconds,
    threads: m.threads,
    cpu_seconds: (cellSeconds + runningSeconds) * m.threads,
    cpu_seconds_left:
      mean === null ? null : (remaining * mean + runningCells.reduce((s, c) => s + Math.max(0, mean - (c.elapsed_s ?? 0)), 0)) * m.threads,
  };
}

export interface StatusTotal {
  directories: number;
  experiments: string[];
  cells: number;
  done: number;
  running: number;
  failed: number;
  remaining: number;
  /** Cells of the grids that no given directory covers (shards not given). */
  not_covered: number;
  cpu_seconds: number;
  /** Mean CPU seconds of a committed cell over all directories x cells left (and not covered); null with nothing committed. */
  cpu_seconds_left: number | null;
  /** What the estimate is based on, in words. */
  estimate_basis: string;
}

/** Totals over directories; shards of one configuration are pooled for the per-cell mean. */
export function totalStatus(dirs: DirectoryStatus[]): StatusTotal {
  const sum = (f: (d: DirectoryStatus) => number) => dirs.reduce((s, d) => s + f(d), 0);
  const committed = sum((d) => d.done + d.failed);
  const cpuCommitted = sum((d) => d.cell_seconds * d.threads);
  // Grids whose shards were not all given: count the cells of the shards that are missing.
  const byConfig = new Map<string, DirectoryStatus[]>();
  for (const d of dirs) byConfig.set(d.config_hash, [...(byConfig.get(d.config_hash) ?? []), d]);
  let notCovered = 0;
  for (const group of byConfig.values()) {
    const count = group[0].shard?.count;
    if (!count) continue;
    const given = new Set(group.map((d) => d.shard!.index));
    const perShard = group.reduce((s, d) => s + d.cells, 0) / group.length;
    notCovered += Math.round(perShard * (count - given.size));
  }
  const mean = committed ? cpuCommitted / committed : null;
  const running = dirs.flatMap((d) => d.running_cells.map((c) => (c.elapsed_s ?? 0) * d.threads));
  const remaining = sum((d) => d.remaining);
  const left = mean === null ? null : mean * (remaining + notCovered) + running.reduce((s, r) => s + Math.max(0, mean - r), 0);
  const basis =
    mean === null
      ? 'no cell has finished yet, so nothing to base an estimate on (nrc run NAME ... --dry-run estimates from a calibration)'
      : `mean of ${committed} finished cell${committed === 1 ? '' : 's'} (${formatDuration(mean)} CPU each: wall time from journal.jsonl x threads); cells of one grid can differ many-fold`;
  return {
    directories: dirs.length,
    experiments: [...new Set(dirs.map((d) => d.experiment))],
    cells: sum((d) => d.cells),
    done: sum((d) => d.done),
    running: sum((d) => d.running),
    failed: sum((d) => d.failed),
    remaining,
    not_covered: notCovered,
    cpu_seconds: sum((d) => d.cpu_seconds),
    cpu_seconds_left: left,
    estimate_basis: basis,
  };
}

/** 42 s, 12 min, 3.4 h, 2.1 d. */
export function formatDuration(seconds: number): string {
  if (seconds < 90) return `${Math.round(seconds)} s`;
  if (seconds < 5400) return `${Math.round(seconds / 60)} min`;
  if (seconds < 48 * 3600) return `${(seconds / 3600).toFixed(1)} h`;
  return `${(seconds / 86400).toFixed(1)} d`;
}

function counts(s: { done: number; running: number; failed: number; remaining: number; cells: number }): string {
  return `${s.done} done, ${s.running} running, ${s.failed} failed, ${s.remaining} remaining of ${s.cells}`;
}

function describe(d: DirectoryStatus): string {
  const lines: string[] = [];
  const shard = d.shard ? ` shard ${d.shard.index}/${d.shard.count}` : '';
  const writer =
    d.writer && d.writer.alive !== false
      ? `, written by pid ${d.writer.pid} on ${d.writer.host}${d.writer.alive === null ? ' (another host: not checked)' : ''}`
      : '';
  lines.push(`${d.dir}: ${d.experiment}${shard}, ${d.state}${writer}`);
  lines.push(`  cells: ${counts(d)}`);
  for (const c of d.running_cells) {
    const ckpt = c.checkpoint_age_s === null ? 'no checkpoint' : `checkpoint ${formatDuration(c.checkpoint_age_s)} old`;
    lines.push(`  running: ${c.key} (${c.elapsed_s === null ? 'started at an unknown time' : `for ${formatDuration(c.elapsed_s)}`}, ${ckpt})`);
  }
  for (const c of d.checkpointed) lines.push(`  checkpointed, not running: ${c.key} (checkpoint ${formatDuration(c.checkpoint_age_s)} old)`);
  for (const c of d.failed_cells) lines.push(`  ${c.status}: ${c.key}${c.message ? ` (${c.message})` : ''}`);
  const left =
    d.running + d.remaining === 0 ? 'none left' : d.cpu_seconds_left === null ? 'left unknown' : `about ${formatDuration(d.cpu_seconds_left)} left`;
  lines.push(`  CPU time: ${formatDuration(d.cpu_seconds)} used, ${left} (x ${d.threads} thread${d.threads === 1 ? '' : 's'})`);
  return lines.join('\n');
}

export function registerStatus(program: Command): void {
  program
    .command('status')
    .description(
      'cells done, running (with checkpoint age), failed and remaining, CPU time used and left, of results directories (one run, or the shards of a job array); reads only',
    )
    .argument('<dirs...>', 'results directories (e.g. results/figure1-shards/shard-*)')
    .option('--json', 'one JSON object {directories: [...], total: {...}} on stdout', false)
    .addHelpText(
      'after',
      "\nCPU time is each cell's wall time (journal.jsonl) times the run's --threads, i.e. what a cluster bills for the cores;" +
        '\nthe time left is the mean over the finished cells times the cells left. A directory written by a process on another host' +
        '\ncounts as running while its lock file exists. Exit code 2 for a directory that is not an nrc results directory.',
    )
    .action(async (dirs, opts) => {
      const now = Date.now();
      const all = await Promise.all(dirs.map((d) => directoryStatus(d, now)));
      const total = totalStatus(all);
      if (opts.json) {
        process.stdout.write(`${JSON.stringify({ directories: all, total })}\n`);
        return;
      }
      for (const d of all) process.stdout.write(`${describe(d)}\n`);
      if (all.length > 1 || total.not_covered > 0) {
        const notCovered = total.not_covered ? `; ${total.not_covered} cells in shards not given` : '';
        process.stdout.write(`total (${all.length} directories, ${total.experiments.join(', ')}): ${counts(total)}${notCovered}\n`);
      }
      const open = total.running + total.remaining + total.not_covered;
      const left =
        open === 0 ? 'none left' : total.cpu_seconds_left === null ? 'left unknown' : `about ${formatDuration(total.cpu_seconds_left)} left`;
      process.stdout.write(`CPU time: ${formatDuration(total.cpu_seconds)} used, ${left}; estimate: ${total.estimate_basis}\n`);
    });
}
