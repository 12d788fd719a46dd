// What a figure is, and what the registry maps an experiment name to.
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

export interface FigureContext {
  /** Results directory (CSVs, manifest.json, .npy dumps). */
  dir: string;
  manifest: RunManifest;
  warn(message: string): void;
}

/**
 * One figure (or a few drawn from the same tables) of an experiment. `build` reads what it needs
 * from ctx.dir and throws MissingData (from data.ts) when a table or column is absent: the figure
 * is then skipped with a warning and the other figures are still drawn.
 */
export interface FigureDef {
  name: string;
  build(ctx: FigureContext): Figure | Figure[];
}
