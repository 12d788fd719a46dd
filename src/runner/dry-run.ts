// `nrc run NAME ... --dry-run`: the cells of a grid, memory per cell and an estimate of CPU-hours per
// cell and in total, from a short calibration at the real sizes (the experiment's `estimate` hook:
// a few timed steps times the iteration or epoch budget), and a suggested Slurm array size and
// time limit. Nothing is written: no results directory is created or touched.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rng } from '../random/index.ts';
import type { Cell } from './params.ts';
import { shellQuote } from './quote.ts';
import type { CostEstimate, EstimateContext, Experiment } from './types.ts';

/** Longest the generic fallback runs a cell to time it (seconds). */
export const FALLBACK_CAP_SECONDS = 60;
/** Array tasks suggested at most (Slurm's default MaxArraySize is 1001). */
export const MAX_ARRAY_TASKS = 1000;

export interface CellCost {
  index: number;
  key: string;
  label: string;
  bytes: number | null;
  estimate: CostEstimate;
}

/**
 * Generic estimate for an experiment without an `estimate` hook: run its first cell in full in a temporary
 * directory (removed afterwards), cut off after FALLBACK_CAP_SECONDS, and assume every cell costs the same.
 */
async function fallbackEstimate(exp: Experiment, cell: Cell, ctx: EstimateContext): Promise<CostEstimate> {
  return ctx.once('fallback', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nrc-dry-run-'));
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), FALLBACK_CAP_SECONDS * 1000);
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    try {
      await exp.runCell({
        params: cell.params,
        seed: cell.seed,
        rng: new Rng(cell.key),
        cellKey: cell.key,
        outDir: dir,
        progress: () => {},
        log: () => {},
        signal: controller.signal,
      });
    } catch {
      /* a failing cell still took its time */
    } finally {
      clearTimeout(timer);
      rmSync(dir, { recursive: true, force: true });
    }
    const used = process.cpuUsage(cpu0);
    const measured = { cpuSeconds: (used.user + used.system) / 1e6, wallSeconds: (performance.now() - t0) / 1000 };
    if (controller.signal.aborted) {
      return {
        ...measured,
        lowerBound: true,
        basis: `no estimate hook: the first cell ran for the calibration's ${FALLBACK_CAP_SECONDS} s cap without finishing; each cell takes longer`,
      };
    }
    return { ...measured, basis: `no estimate hook: the first cell, run in full in a temporary directory (assumed for every cell)` };
  });
}

/** Calibrate and estimate every cell (calibrations shared among cells through ctx.once). */
export async function estimateCells(
  exp: Experiment,
  cells: Cell[],
  labelOf: (c: Cell) => string,
  onCalibrate: (what: string) => void,
): Promise<CellCost[]> {
  const memo = new Map<string, Promise<unknown>>();
  const signal = new AbortController().signal;
  const out: CellCost[] = [];
  for (const cell of cells) {
    const ctx: EstimateContext = {
      seed: cell.seed,
      signal,
      once<T>(key: string, calibrate: () => Promise<T>): Promise<T> {
        if (!memo.has(key)) {
          onCalibrate(`${labelOf(cell) || cell.key}: ${key}`);
          memo.set(key, calibrate());
        }
        return memo.get(key) as Promise<T>;
      },
    };
    const estimate = exp.estimate ? await exp.estimate(cell.params, ctx) : await fallbackEstimate(exp, cell, ctx);
    out.push({ index: cell.index, key: cell.key, label: labelOf(cell), bytes: exp.estimateBytes ? exp.estimateBytes(cell.params) : null, estimate });
  }
  return out;
}

/**
 * Wall time of a cell on cores of its own: at most its CPU time (one thread busy at any moment, or more) and at
 * most the wall time calibrated on this machine (possibly slowed by other processes).
 */
export function dedicatedWall(e: CostEstimate): number {
  return Math.min(e.wallSeconds, e.cpuSeconds);
}

export interface SlurmSuggestion {
  tasks: number;
  cellsPerTask: number;
  /** Wall seconds of the longest task (its shard's cells), before the margin. */
  longestTaskSeconds: number;
  /** --time in minutes: the longest task x 1.25 + 10 min. */
  timeMinutes: number;
  /** --mem in GiB: the largest cell x 1.25, at least 1. */
  memGiB: number;
}

/** One cell per task (up to MAX_ARRAY_TASKS); the time limit covers the longest shard with a margin. */
export function suggestSlurm(costs: CellCost[]): SlurmSuggestion {
  const tasks = Math.max(1, Math.min(costs.length, MAX_ARRAY_TASKS));
  const perShard = new Array<number>(tasks).fill(0);
  costs.forEach((c, i) => {
    perShard[i % tasks] += dedicatedWall(c.estimate);
  });
  const longest = Math.max(...perShard);
  const bytes = Math.max(0, ...costs.map((c) => c.bytes ?? 0));
  return {
    tasks,
    cellsPerTask: Math.ceil(costs.length / tasks),
    longestTaskSeconds: longest,
    timeMinutes: Math.ceil((longest * 1.25) / 60 + 10),
    memGiB: Math.max(1, Math.ceil((bytes * 1.25) / 2 ** 30)),
  };
}

/** Slurm's --time format: D-HH:MM:SS or HH:MM:SS. */
export function slurmTime(minutes: number): string {
  const d = Math.floor(minutes / 1440);
  const h = Math.floor((minutes % 1440) / 60);
  const m = minutes % 60;
  const hms = `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}:00`;
  return d > 0 ? `${d}-${hms}` : hms;
}

function hours(seconds: number): string {
  const h = seconds / 3600;
  if (h >= 100) return h.toFixed(0);
  if (h >= 1) return h.toFixed(1);
  return h >= 0.01 ? h.toFixed(2) : h.toExponential(1);
}

function wall(seconds: number): string {
  if (seconds < 90) return `${seconds.toFixed(seconds < 10 ? 1 : 0)} s`;
  if (seconds < 5400) return `${(seconds / 60).toFixed(0)} min`;
  return `${(seconds / 3600).toFixed(1)} h`;
}

function bytesText(b: number | null): string {
  if (b === null) return 'n/a';
  return b >= 2 ** 30 ? `${(b / 2 ** 30).toFixed(1)} GiB` : `${Math.max(1, Math.round(b / 2 ** 20))} MiB`;
}

/** The `nrc run` arguments to hand to slurm-array.sh: the experiment and its options, without what the script adds. */
export function arrayArguments(command: readonly string[]): string[] {
  const args = command[0] === 'nrc' && command[1] === 'run' ? command.slice(2) : command.slice();
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--dry-run' || a === '--resume' || a === '--overwrite') continue;
    if (a === '--out' || a === '--shard' || a === '--threads') {
      i++;
      continue;
    }
    if (/^--(out|shard|threads)=/.test(a)) continue;
    out.push(a);
  }
  return out;
}

/** Print the dry run's report on stdout (calibration notes on stderr unless quiet). */
export async function dryRun(
  exp: Experiment,
  cells: Cell[],
  opts: { threads: number; quiet: boolean; command: string[]; labelOf: (c: Cell) => string; sharded: boolean },
): Promise<void> {
  const note = (m: string) => {
    if (!opts.quiet) process.stderr.write(`${m}\n`);
  };
  note(`Calibrating ${exp.name} at the cells' real sizes with ${opts.threads} thread${opts.threads === 1 ? '' : 's'} (nothing is written)...`);
  const costs = await estimateCells(exp, cells, opts.labelOf, (what) => note(`  timing ${what}`));
  const cpu = (c: CellCost) => c.estimate.cpuSeconds;
  const mark = (e: CostEstimate) => (e.upperBound ? '<= ' : e.lowerBound ? '>= ' : '');
  const rows = costs.map((c) => [
    String(c.index),
    c.label || '(one cell)',
    bytesText(c.bytes),
    `${mark(c.estimate)}${wall(dedicatedWall(c.estimate))}`,
    `${mark(c.estimate)}${hours(cpu(c))}`,
  ]);
  const head = ['#', 'cell', 'memory', 'wall/cell', 'CPU-h/cell'];
  const widths = head.map((h, j) => Math.max(h.length, ...rows.map((r) => r[j].length)));
  const line = (r: string[]) => `  ${r.map((v, j) => (j === 1 ? v.padEnd(widths[j]) : v.padStart(widths[j]))).join('  ')}`;
  const out: string[] = [];
  out.push(
    `${exp.name}: ${costs.length} cell${costs.length === 1 ? '' : 's'}${opts.sharded ? ' in this shard' : ''}; dry run, nothing was run or written.`,
  );
  out.push(line(head));
  for (const r of rows) out.push(line(r));
  const bases = [...new Set(costs.map((c) => c.estimate.basis))];
  out.push('based on:');
  for (const b of bases.slice(0, 6)) out.push(`  ${b}`);
  if (bases.length > 6) out.push(`  ... and ${bases.length - 6} more`);
  const total = costs.reduce((s, c) => s + cpu(c), 0);
  const anyUpper = costs.some((c) => c.estimate.upperBound);
  const anyLower = costs.some((c) => c.estimate.lowerBound);
  out.push(
    `total: ${anyUpper ? 'at most ' : anyLower ? 'at least ' : ''}${hours(total)} CPU-h (${costs.length} cells; CPU time of all ${opts.threads} thread${opts.threads === 1 ? '' : 's'} as measured; wall/cell = the smaller of the calibrated wall time and the CPU time)`,
  );
  if (anyUpper) out.push('  "<=": the whole iteration or epoch budget; a cell that converges or meets its stopping rule stops earlier.');
  if (anyLower) out.push(`  ">=": the first cell did not finish within ${FALLBACK_CAP_SECONDS} s; the true cost is larger.`);
  const s = suggestSlurm(costs);
  out.push(
    `Slurm: ${s.tasks} array task${s.tasks === 1 ? '' : 's'} (${s.cellsPerTask} cell${s.cellsPerTask === 1 ? '' : 's'} each), the longest about ${wall(s.longestTaskSeconds)} with ${opts.threads} CPUs:`,
  );
  out.push(
    `  sbatch --array=0-${s.tasks - 1} --cpus-per-task=${opts.threads} --mem=${s.memGiB}G --time=${slurmTime(s.timeMinutes)} experiments/sweeps/slurm-array.sh ${shellQuote(arrayArguments(opts.command))}`,
  );
  out.push(
    '  (--time: the longest task x 1.25 + 10 min. A task stopped at its limit is requeued by the script and resumes: finished cells are kept.)',
  );
  if (opts.sharded) out.push('  (this estimate covers only the cells of --shard)');
  process.stdout.write(`${out.join('\n')}\n`);
}
