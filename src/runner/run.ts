// `nrc run`: resolve and validate parameters, expand the grid, run each cell (or this shard's
// share) with its own seed, commit finished cells atomically, and report (DESIGN.md, "CLI").
import { existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import { freemem, totalmem } from 'node:os';
import { join, relative } from 'node:path';
import { EXIT, UsageError } from './errors.ts';
import { cellRng, columnName, expandGrid, parseSeeds, resolveParams, validateCells, type Cell, type ResolvedParams } from './params.ts';
import { makeProgress } from './progress.ts';
import { configHash, gitCommit, packageVersion } from './meta.ts';
import { cellFill, loadCommitted, nrcEntries, readManifest, ResultStore, STORE_FORMAT, type Manifest } from './store.ts';
import { shellQuote } from './quote.ts';
import type { CellContext, CellResult, Experiment, Row } from './types.ts';
import { drawFiguresSafely, finalizeRun } from './finalize.ts';
import { CHECKPOINT_DIR, CellCheckpoint, CheckpointMismatch, formatAge, formatBytes, removeCheckpoint } from './checkpoint.ts';
import { StopRequested, clearStop, stopRequested } from '../linalg/interrupt.ts';
import { exitCodeOfStop, installStopSignals, signalName } from './signals.ts';
import { dryRun } from './dry-run.ts';

export interface RunOptions {
  preset: string;
  /** Experiment parameters as typed on the command line (undefined = not given). */
  given: Record<string, string | boolean | undefined>;
  seed: string;
  seeds: string;
  out?: string;
  resume: boolean;
  overwrite: boolean;
  shard?: string;
  quiet: boolean;
  plot: boolean;
  threads: number;
  /** Minutes between checkpoints of the running cell (0 = only when stopped by a signal); default 10. */
  checkpointEvery?: number;
  /** argv as typed, for the manifest and the resume hint. */
  command: string[];
}

export interface RunPlan {
  resolved: ResolvedParams;
  seeds: number[];
  cells: Cell[];
  shard: Shard | null;
  mine: Cell[];
  hash: string;
}

/** Parameters, seeds and grid checked (nothing runs or is written), and this shard's cells. */
export function planRun(exp: Experiment, opts: Pick<RunOptions, 'preset' | 'given' | 'seed' | 'seeds' | 'shard'>): RunPlan {
  const resolved = resolveParams(exp, opts.preset, opts.given);
  const seeds = parseSeeds(opts.seed, opts.seeds);
  const cells = expandGrid(exp, resolved, seeds);
  validateCells(exp, cells);
  const shard = parseShard(opts.shard);
  return { resolved, seeds, cells, shard, mine: shardCells(cells, shard), hash: configOf(exp, resolved, seeds) };
}

/** A cell's grid coordinates for progress and reports: the axes with several values (and the seed when several). */
export function cellLabel(exp: Experiment, plan: Pick<RunPlan, 'resolved' | 'seeds'>, cell: Cell): string {
  return exp.params
    .filter((s) => plan.resolved[s.name].length > 1)
    .map((s) => `${s.name}=${cell.params[s.name]}`)
    .concat(plan.seeds.length > 1 ? [`seed=${cell.seed}`] : [])
    .join(' ');
}

/** --dry-run: estimate this shard's cells from a calibration; nothing is written (dry-run.ts). */
export async function dryRunExperiment(exp: Experiment, opts: RunOptions): Promise<number> {
  const plan = planRun(exp, opts);
  await dryRun(exp, plan.mine, {
    threads: opts.threads,
    quiet: opts.quiet,
    command: opts.command,
    labelOf: (c) => cellLabel(exp, plan, c),
    sharded: plan.shard !== null,
  });
  return EXIT.ok;
}

export interface Shard {
  index: number;
  count: number;
}

export function parseShard(text: string | undefined): Shard | null {
  if (text === undefined) return null;
  const m = /^(\d+)\/(\d+)$/.exec(text.trim());
  const index = m ? Number(m[1]) : NaN;
  const count = m ? Number(m[2]) : NaN;
  if (!m || count < 1 || index >= count) {
    throw new UsageError(
      `--shard ${JSON.stringify(text)}: expected i/n with 0 <= i < n (e.g. --shard $SLURM_ARRAY_TASK_ID/$SLURM_ARRAY_TASK_COUNT with --array=0-(n-1))`,
    );
  }
  return { index, count };
}

/** Cells of one shard: every n-th cell of the grid, starting at i (each cell in exactly one shard). */
export function shardCells(cells: Cell[], shard: Shard | null): Cell[] {
  return shard ? cells.filter((c) => c.index % shard.count === shard.index) : cells;
}

/** Everything that fixes a configuration (what a results directory holds and a resume must match). */
export function configOf(exp: Experiment, resolved: ResolvedParams, seeds: number[]): string {
  return configHash({ experiment: exp.name, params: exp.params.map((s) => [s.name, resolved[s.name]]), seeds });
}

function timestamp(): string {
  return new Date().toISOString().replace(/[:]/g, '-').replace(/\..*$/, '');
}

/** The newest directory under results/<experiment>/ that holds this configuration (for --resume without --out). */
function findResumable(base: string, hash: string, shard: Shard | null): string | undefined {
  if (!existsSync(base)) return undefined;
  const dirs = readdirSync(base)
    .map((d) => join(base, d))
    .filter((d) => statSync(d).isDirectory())
    .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs);
  return dirs.find((d) => {
    const m = readManifest(d);
    return m && m.config_hash === hash && JSON.stringify(m.shard) === JSON.stringify(shard);
  });
}

/** Fill the columns a row leaves out from the cell: seed, status and its parameters (snake_case). */
export function completeRow(row: Row, columns: readonly string[], cell: Cell, status: string): Row {
  const out: Row = {};
  const byColumn = new Map<string, unknown>();
  for (const [k, v] of Object.entries(cell.params)) byColumn.set(columnName(k), Array.isArray(v) ? v.join('x') : v);
  for (const c of columns) {
    if (c in row) out[c] = row[c];
    else if (c === 'seed') out[c] = cell.seed;
    else if (c === 'status') out[c] = status;
    else if (byColumn.has(c)) out[c] = byColumn.get(c) as Row[string];
    else out[c] = undefined;
  }
  return out;
}

function checkMemory(exp: Experiment, cells: Cell[]): void {
  if (!exp.estimateBytes) return;
  let worst = 0;
  let worstCell: Cell | undefined;
  for (const c of cells) {
    const b = exp.estimateBytes(c.params);
    if (b > worst) {
      worst = b;
      worstCell = c;
    }
  }
  const limit = 0.8 * totalmem();
  if (worstCell && worst > limit) {
    const gib = (x: number) => (x / 2 ** 30).toFixed(1);
    throw new UsageError(
      `a cell would need about ${gib(worst)} GiB of memory (${worstCell.key}); this machine has ${gib(totalmem())} GiB (${gib(freemem())} free): reduce --n, --dim or the widths`,
    );
  }
}

/**
 * --overwrite: remove what nrc wrote in `dir`, as a valid manifest and journal list it; a directory
 * holding anything else (or no valid nrc results) is refused, so no user file is ever deleted.
 */
export function removeNrcOutput(dir: string, extraTables: readonly string[]): void {
  if (!existsSync(dir)) return;
  const entries = readdirSync(dir);
  if (entries.length === 0) return;
  let m: Manifest | undefined;
  try {
    m = loadCommitted(dir);
  } catch (e) {
    throw new UsageError(
      `--overwrite: ${dir} is not a valid nrc results directory (${(e as Error).message}); remove it yourself or choose another --out`,
    );
  }
  if (!m) throw new UsageError(`--overwrite: ${dir} holds files but no nrc manifest.json; nrc removes only what it wrote: choose another --out`);
  const ours = nrcEntries(m, extraTables);
  const foreign = entries.filter((f) => !ours.has(f) && !/\.tmp-\d+$/.test(f));
  if (foreign.length)
    throw new UsageError(
      `--overwrite: ${dir} holds files nrc did not write (${foreign.slice(0, 3).join(', ')}${foreign.length > 3 ? ', ...' : ''}); nrc removes only what it wrote: move them or choose another --out`,
    );
  for (const f of entries) rmSync(join(dir, f), { recursive: true, force: true });
}

export interface RunSummary {
  exitCode: number;
  outDir: string;
  manifest: Manifest;
}

/** The results directory of a run: --out, the directory of this configuration to resume (--resume), or a new timestamped one. */
function outputDir(exp: Experiment, opts: RunOptions, plan: RunPlan): string {
  const base = join('results', exp.name);
  let outDir = opts.out;
  if (!outDir && opts.resume) outDir = findResumable(base, plan.hash, plan.shard);
  if (!outDir && opts.resume)
    throw new UsageError(`--resume: no directory under ${base}/ holds this configuration; give --out DIR of the run to resume`);
  return outDir ?? join(base, plan.shard ? `${timestamp()}-shard${plan.shard.index}of${plan.shard.count}` : timestamp());
}

/** The manifest a new results directory starts with (a resumed one keeps its own). */
function freshManifest(exp: Experiment, opts: RunOptions, plan: RunPlan): Manifest {
  return {
    store_format: STORE_FORMAT,
    nrc_version: packageVersion(),
    experiment: exp.name,
    command: opts.command,
    preset: opts.preset,
    params: Object.fromEntries(exp.params.map((s) => [s.name, plan.resolved[s.name]])),
    seeds: plan.seeds,
    config_hash: plan.hash,
    shard: plan.shard,
    git_commit: gitCommit(),
    node_version: process.version,
    threads: opts.threads,
    started_at: new Date().toISOString(),
    finished_at: null,
    status: 'running',
    cells_total: plan.mine.length,
    tables: exp.tables,
    committed_bytes: {},
    cells: [],
  };
}

/**
 * Compute one cell; a thrown error makes it `failed`, a checkpoint that does not fit the cell is deleted and the
 * cell starts again from scratch. `stopCode` is set (and `result` left out) when a stop was requested inside it.
 */
async function attemptCell(
  exp: Experiment,
  cell: Cell,
  ck: CellCheckpoint,
  context: Omit<CellContext, 'params' | 'seed' | 'rng' | 'cellKey' | 'checkpoint'>,
): Promise<{ result?: CellResult; stopCode: number }> {
  for (let attempt = 0; ; attempt++) {
    try {
      return {
        result: await exp.runCell({ ...context, params: cell.params, seed: cell.seed, rng: cellRng(cell.key), cellKey: cell.key, checkpoint: ck }),
        stopCode: 0,
      };
    } catch (e) {
      if (e instanceof UsageError) throw e;
      if (e instanceof StopRequested) return { stopCode: e.code };
      if (e instanceof CheckpointMismatch && attempt === 0) {
        process.stderr.write(`checkpoint of ${cell.key} does not fit this cell (${e.message}); deleted it, the cell starts from scratch\n`);
        ck.reset();
        continue;
      }
      return { result: { status: 'failed', rows: {}, message: (e as Error).stack ?? String(e) }, stopCode: 0 };
    }
  }
}

/** Commit a finished cell: its rows, completed from its parameters, and its journal record (time of earlier processes included). */
function commitResult(exp: Experiment, store: ResultStore, cell: Cell, result: CellResult, started: Date, earlierSeconds: number): void {
  const finished = new Date();
  for (const name of Object.keys(result.rows)) if (!(name in exp.tables)) throw new Error(`${exp.name}: rows for undeclared table ${name}`);
  store.commitCell(
    {
      index: cell.index,
      key: cell.key,
      seed: cell.seed,
      params: cell.params,
      status: result.status,
      ...(result.message ? { message: result.message.split('\n')[0] } : {}),
      seconds: earlierSeconds + (finished.getTime() - started.getTime()) / 1000, // earlier processes included
      started_at: started.toISOString(),
      finished_at: finished.toISOString(),
    },
    result.rows,
    cellFill(cell.params, cell.seed, result.status),
  ); // rows completed as completeRow does, without copies
}

/** The running cell was cut short by a signal: it is not committed, its checkpoint keeps its last consistent state. */
function keepStoppedCell(cell: Cell, ck: CellCheckpoint, stopCode: number): void {
  process.stderr.write(`\n${signalName(stopCode)}: stopped the running cell at its last consistent point.\n`);
  if (!ck.hasState) return;
  const bytes = ck.write();
  process.stderr.write(`checkpoint of ${cell.key} written: ${ck.path} (${formatBytes(bytes)} in ${ck.lastMs.toFixed(0)} ms)\n`);
}

export async function runExperiment(exp: Experiment, opts: RunOptions): Promise<RunSummary> {
  // 1. Everything is checked before any work starts.
  const plan = planRun(exp, opts);
  const { cells, shard, mine, hash } = plan;
  checkMemory(exp, cells);
  const outDir = outputDir(exp, opts, plan);
  if (opts.overwrite) removeNrcOutput(outDir, Object.keys(exp.finalTables ?? {}));

  const store = ResultStore.open(outDir, freshManifest(exp, opts, plan));
  const done = store.doneKeys();
  const todo = mine.filter((c) => !done.has(c.key));
  if (existsSync(join(outDir, CHECKPOINT_DIR))) for (const c of mine) if (done.has(c.key)) removeCheckpoint(outDir, c.key); // left by a crash between commit and removal
  const progress = makeProgress(mine.length, opts.quiet);
  if (done.size > 0) progress.log(`Resuming ${outDir}: ${done.size} of ${mine.length} cells already done.`);

  // 2. SIGINT, SIGTERM, SIGUSR1: the running cell stops at its last consistent point, writes its checkpoint,
  //    and the run ends with 128 + the signal number (src/runner/signals.ts); committed cells are safe.
  const controller = new AbortController();
  const signals = installStopSignals(() => controller.abort());
  await signals.ready;
  let stopCode = 0;
  const stopNow = (): number => (controller.signal.aborted || stopRequested() ? stopRequested() || 2 : 0); // 2 = SIGINT
  const context = {
    outDir,
    progress: (f: number, m?: string) => progress.cellProgress(f, m),
    log: (m: string) => progress.log(m),
    signal: controller.signal,
  };

  for (let i = 0; i < done.size; i++) progress.skipCell();
  try {
    try {
      for (const cell of todo) {
        await new Promise<void>((resolve) => setImmediate(resolve)); // let a pending signal be seen
        stopCode = stopNow();
        if (stopCode) break;
        const label = cellLabel(exp, plan, cell);
        progress.startCell(label);
        const started = new Date();
        const ck = new CellCheckpoint({ outDir, cellKey: cell.key, configHash: hash, everyMinutes: opts.checkpointEvery ?? 10 });
        const loaded = ck.restore();
        if (loaded && 'damaged' in loaded)
          process.stderr.write(`checkpoint of ${cell.key} is damaged (${loaded.damaged}); deleted it, the cell starts from scratch\n`);
        else if (loaded) process.stderr.write(`resuming ${cell.key} from checkpoint (${formatAge(loaded.header.written_at)})\n`);
        const attempt = await attemptCell(exp, cell, ck, context);
        stopCode = attempt.stopCode || stopNow();
        if (stopCode || !attempt.result) {
          keepStoppedCell(cell, ck, stopCode);
          break;
        }
        const result = attempt.result;
        commitResult(exp, store, cell, result, started, ck.earlierSeconds);
        if (existsSync(join(outDir, CHECKPOINT_DIR))) ck.remove(); // none to remove otherwise (saves two failing syscalls per cell)
        if (result.status !== 'ok') {
          progress.log(`cell ${label || cell.key}: ${result.status}${result.message ? `: ${result.message.split('\n')[0]}` : ''}`);
        }
        progress.endCell();
      }
    } finally {
      progress.stop();
      signals.uninstall();
      clearStop();
    }
    if (stopCode) return stopRun(opts, store, mine.length, outDir, stopCode);
    return await concludeRun(exp, opts, store, mine.length, outDir, false, shard);
  } finally {
    store.close();
  }
}

/** The run was stopped by a signal: record it, print the resume command, exit with 128 + the signal number. */
function stopRun(opts: RunOptions, store: ResultStore, total: number, outDir: string, code: number): RunSummary {
  const m = store.manifest;
  store.finish('interrupted');
  const hint = opts.command.includes('--out') ? opts.command : [...opts.command, '--out', outDir];
  process.stderr.write(
    `Stopped by ${signalName(code)} with ${m.cells.length} of ${total} cells done; every finished cell is kept in ${outDir}, the running one in its checkpoint.\nResume with: ${shellQuote(hint.filter((a) => a !== '--overwrite'))}\n`,
  );
  return { exitCode: exitCodeOfStop(code), outDir, manifest: m };
}

async function concludeRun(
  exp: Experiment,
  opts: RunOptions,
  store: ResultStore,
  total: number,
  outDir: string,
  aborted: boolean,
  shard: Shard | null,
): Promise<RunSummary> {
  store.flush(); // every finished cell committed before counting and finalizing
  const m = store.manifest;
  const committed = m.cells.length;
  if (aborted && committed < total) {
    store.finish('interrupted');
    const hint = opts.command.includes('--out') ? opts.command : [...opts.command, '--out', outDir];
    process.stderr.write(
      `Stopped with ${committed} of ${total} cells done; every finished cell is kept in ${outDir}.\nResume with: ${shellQuote(hint.filter((a) => a !== '--overwrite'))}\n`,
    );
    return { exitCode: EXIT.interrupted, outDir, manifest: m };
  }

  const allFailures = m.cells.filter((c) => c.status !== 'ok');
  if (!shard) await finalizeRun(exp, store, { plot: false, quiet: opts.quiet });
  store.finish(allFailures.length ? 'complete_with_failures' : 'complete');
  if (!shard && opts.plot) await drawFiguresSafely(store.dir, opts.quiet, exp.figures); // after finish: index.html shows the final status
  if (!opts.quiet) {
    const counts = new Map<string, number>();
    for (const c of m.cells) counts.set(c.status, (counts.get(c.status) ?? 0) + 1);
    const parts = [...counts].map(([s, n]) => `${n} ${s}`).join(', ');
    process.stderr.write(`${exp.name}: ${committed} cells (${parts}); results in ${relative(process.cwd(), outDir) || '.'}\n`);
    if (allFailures.length) {
      process.stderr.write(
        `Cells that did not finish ok (exit code ${EXIT.cellsFailed}):\n${allFailures.map((c) => `  ${c.key}: ${c.status}${c.message ? ` (${c.message})` : ''}`).join('\n')}\n`,
      );
    }
    if (shard) process.stderr.write(`Shard ${shard.index}/${shard.count} done; combine the shards with: nrc merge DIR... --out DIR\n`);
  }
  return { exitCode: allFailures.length ? EXIT.cellsFailed : EXIT.ok, outDir, manifest: m };
}
