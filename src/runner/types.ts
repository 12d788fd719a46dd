// The contract between experiments/ and the runner: an experiment declares its parameters,
// presets, tables and figures, and computes one grid cell at a time; the runner owns grids, seeds,
// validation, CSV writing, manifests, resume, sharding and progress (DESIGN.md, "experiments/").
import type { Checkpoints } from '../linalg/interrupt.ts';
import type { FigureDef, Tables } from '../plot/types.ts';
import type { Rng } from '../random/index.ts';

/**
 * Kinds of parameter values.
 * - float / int / string / bool: scalars.
 * - ints: a list of integers that is ONE value (e.g. hidden widths "400,300,400").
 */
export type ParamKind = 'float' | 'int' | 'string' | 'bool' | 'ints';
export type ParamValue = number | string | boolean | number[];

export interface ParamSpec {
  /** camelCase key in `params`; the CLI flag is its kebab-case form (gradTol -> --grad-tol). */
  name: string;
  kind: ParamKind;
  help: string;
  default: ParamValue;
  /**
   * Grid axis: the option accepts a list (comma separated; for `ints`, lists separated by ';')
   * and every combination of grid values is one cell.
   */
  grid?: boolean;
  /** Inclusive numeric bounds (for float/int and each entry of ints). */
  min?: number;
  max?: number;
  /** Strictly positive (float/int and each entry of ints). */
  positive?: boolean;
  /** Allowed values for string params. */
  choices?: readonly string[];
  /** Extra check of one value; return an error text ("must be ...") or undefined. */
  check?: (value: ParamValue) => string | undefined;
}

/** Parameters of one cell: every grid axis resolved to a single value. */
export type CellParams = Record<string, ParamValue>;

export type Row = Record<string, string | number | boolean | null | undefined>;

/** How a cell ended. Anything but 'ok' is recorded and the sweep goes on. */
export type CellStatus = 'ok' | 'not_converged' | 'diverged' | 'failed';

export interface CellContext<P extends CellParams = CellParams> {
  params: P;
  /** The user-facing seed of this cell (written to the `seed` column). */
  seed: number;
  /**
   * Stream for the random draws of the cell, derived from (seed, cell parameters). An experiment may
   * instead derive a stream from (seed, a subset of the parameters), e.g. `new Rng(`${seed}/data/...`)`,
   * so that cells differing only in lambda share data and initial weights (common random numbers);
   * every draw must still descend from `seed`.
   */
  rng: Rng;
  /** Canonical text of the cell's parameters (stable across grids and shards). */
  cellKey: string;
  /** Directory of the run (for extra files such as .npy dumps). */
  outDir: string;
  /** Report progress inside the cell (fraction in [0, 1]) with a short message. */
  progress(fraction: number, message?: string): void;
  /** A line for the log (stderr unless --quiet). */
  log(message: string): void;
  /** Set when the user pressed Ctrl-C: long loops should check it and stop early. */
  signal: AbortSignal;
  /**
   * The cell's checkpoint (src/runner/checkpoint.ts): pass it to the training loops, solvers and flows, and gather
   * rows that loops produce in `rows(name)` arrays. Absent outside the runner (then nothing is saved).
   */
  checkpoint?: CellCheckpoints;
}

/** Checkpoint hooks of a cell: loop hooks, and arrays of rows restored with the loops' progress on resume. */
export interface CellCheckpoints extends Checkpoints {
  rows<T = Row>(name: string): T[];
}

/** An array for rows that loops of the cell gather (restored on resume); a plain array outside the runner. */
export function loopRows<T = Row>(ctx: Pick<CellContext, 'checkpoint'>, name: string): T[] {
  return ctx.checkpoint ? ctx.checkpoint.rows<T>(name) : [];
}

export interface CellResult {
  status: CellStatus;
  /** Rows per table (table names as declared in `tables`). */
  rows: Record<string, Row[]>;
  /** Optional note stored in the manifest (e.g. why a cell did not converge). */
  message?: string;
}

export type Preset = Record<string, ParamValue | ParamValue[]>;

/** What one cell costs, from a short calibration at the cell's real sizes (`nrc run NAME --dry-run`). */
export interface CostEstimate {
  /** CPU seconds of the whole cell (every thread; what a cluster bills). */
  cpuSeconds: number;
  /** Wall-clock seconds of the whole cell as calibrated (at the calibration's thread count and machine load). */
  wallSeconds: number;
  /** One line: what was timed and which budget it was multiplied by. */
  basis: string;
  /** `seconds` assumes the whole budget (--max-iters, --epochs as a cap); the cell may stop earlier. */
  upperBound?: boolean;
  /** The true cost is larger than `seconds` (the calibration was cut off before the cell finished). */
  lowerBound?: boolean;
}

export interface EstimateContext {
  /** The cell's user-facing seed. */
  seed: number;
  /** Share one calibration among the cells of a grid: `key` names what its cost depends on (shapes, optimiser). */
  once<T>(key: string, calibrate: () => Promise<T>): Promise<T>;
  signal: AbortSignal;
}

/**
 * An experiment with parameters P, tables T and final tables F. Declare T and F `as const` (column tuples) and pass
 * them as type arguments: a figure that asks for a column its table does not declare is then a type error.
 */
export interface Experiment<P extends CellParams = CellParams, T extends Tables = Tables, F extends Tables = Tables> {
  name: string;
  /** One line for `nrc list`. */
  summary: string;
  /** Longer text for `nrc run NAME --help` (paper, section, what is measured). */
  description: string;
  params: ParamSpec[];
  /** `default` is what `nrc run NAME` uses with no flags; presets only override listed params. */
  presets: { quick: Preset; default: Preset; paper: Preset } & Record<string, Preset>;
  /**
   * Tables and their column order. Row keys that are missing are filled from the cell's
   * parameters (snake_case names) and `seed`/`status`, so every row carries its parameters.
   */
  tables: T;
  /** Cross-parameter checks on one cell (e.g. rank <= dim); return an error text or undefined. */
  validate?(params: P): string | undefined;
  /** Compute one cell. Every random draw descends from ctx.seed (through ctx.rng or a stream derived from the seed). */
  runCell(ctx: CellContext<P>): Promise<CellResult> | CellResult;
  /** Tables computed from all cells' rows once the grid is done (e.g. slopes across sigma). */
  finalize?(tables: Record<string, Row[]>, params: { grid: Record<string, ParamValue[]> }): Record<string, Row[]>;
  /** Extra tables that finalize writes (name -> columns). */
  finalTables?: F;
  /** Figures of a run (`nrc plot`, `--plot`), each reading tables and final tables by name (src/plot). */
  figures?: readonly FigureDef<T & F>[];
  /** How many seeds `--seeds` repeats each cell with when the user does not say (default 1). */
  defaultSeeds?: number;
  /** Rough peak memory of one cell in bytes; the runner refuses a grid whose largest cell exceeds the machine. */
  estimateBytes?(params: P): number;
  /**
   * Cost of one cell for `--dry-run`: time a few real steps at the cell's sizes and multiply by its budget.
   * Without it, --dry-run runs the first cell itself (in a temporary directory, up to a time cap).
   */
  estimate?(params: P, ctx: EstimateContext): Promise<CostEstimate>;
}

/** Identity helper that keeps the parameter and table types of an experiment. */
export function defineExperiment<P extends CellParams, T extends Tables = Tables, F extends Tables = Tables>(
  e: Experiment<P, T, F>,
): Experiment<P, T, F> {
  return e;
}
