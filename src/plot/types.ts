// What a figure is, and how an experiment declares its figures against its tables.
import type { Rec } from './data.ts';
import type { Spec } from './render.ts';

/** The part of manifest.json that figures read (the runner writes more). */
export interface RunManifest {
  experiment: string;
  params?: Record<string, unknown[]>;
  seeds?: number[];
  command?: string[];
  status?: string;
  started_at?: string;
  finished_at?: string | null;
  nrc_version?: string;
  [key: string]: unknown;
}

/** A chart: a Vega-Lite spec rendered to figures/<name>.png and/or .svg. */
export interface ChartFigure {
  kind: 'chart';
  name: string;
  title: string;
  /** One or two sentences under the figure in index.html (what is plotted, which paper figure). */
  caption?: string;
  spec: Spec;
}

/** A text result (e.g. a Markdown table shaped like a paper's table), written to figures/<name>.md. */
export interface TextFigure {
  kind: 'markdown';
  name: string;
  title: string;
  caption?: string;
  text: string;
}

export type Figure = ChartFigure | TextFigure;

/** Tables of an experiment: name -> column names (declare them `as const` so figures can be checked against them). */
export type Tables = Readonly<Record<string, readonly string[]>>;

/** The columns of table `N` of `T`. */
export type ColumnOf<T extends Tables, N extends keyof T> = T[N][number];

/** A column a figure asks for: `name` (required) or `name?` (optional: left out of the rows when the table lacks it). */
export type ColumnWish<C extends string> = C | `${C}?`;

/** Names of the tables of `T` that hold every column of `C` (for figures shared by experiments, e.g. training curves). */
export type TableWith<T extends Tables, C extends string> = { [N in keyof T & string]: [C] extends [ColumnOf<T, N>] ? N : never }[keyof T & string];

export interface FigureContext<T extends Tables = Tables> {
  /** Results directory (CSVs, manifest.json, .npy dumps). */
  dir: string;
  manifest: RunManifest;
  warn(message: string): void;
  /**
   * Rows of table `name` (file `<name>.csv`) with the columns asked for, parsed (data.ts fieldValue); a column
   * that is not one of the table's declared columns does not type-check. Throws MissingData (the figure is skipped)
   * when the table is absent or empty or lacks a required column; with `ifPresent`, returns [] instead.
   */
  table: <N extends keyof T & string>(name: N, columns: readonly ColumnWish<ColumnOf<T, N>>[], opts?: { ifPresent?: boolean }) => Rec[];
}

/**
 * One figure (or a few drawn from the same tables) of an experiment, typed against its tables `T`. `build`
 * reads what it needs through ctx.table and throws MissingData (from data.ts) when something is absent: the
 * figure is then skipped with a warning and the other figures are still drawn.
 */
export interface FigureDef<T extends Tables = Tables> {
  name: string;
  build(ctx: FigureContext<T>): Figure | Figure[];
}
