// Building the figures an experiment declares (its `figures`, FigureDef in types.ts) from a results directory,
// and the warnings that mark figures of unfinished or partial runs.
import { MissingData, loadRows } from './data.ts';
import type { Figure, FigureContext, FigureDef, RunManifest } from './types.ts';

/** The context a figure is built in: the directory's tables read by name (`<table>.csv`). */
export function figureContext(dir: string, manifest: RunManifest, warn: (message: string) => void): FigureContext {
  return {
    dir,
    manifest,
    warn,
    table(name, columns, opts = {}) {
      try {
        return loadRows(dir, `${name}.csv`, [...columns]);
      } catch (e) {
        if (opts.ifPresent && e instanceof MissingData) return [];
        throw e;
      }
    },
  };
}

/**
 * The figures of a results directory: every FigureDef its experiment declares (`defs`), built from its CSVs.
 * A figure whose data are missing (or whose builder fails) is skipped with a warning.
 */
export function buildFigures(
  dir: string,
  manifest: RunManifest,
  defs: readonly FigureDef[] | undefined,
  warn: (message: string) => void = () => {},
): Figure[] {
  if (!defs?.length) {
    warn(`no figures are declared for experiment ${JSON.stringify(manifest.experiment)}`);
    return [];
  }
  const ctx = figureContext(dir, manifest, warn);
  const out: Figure[] = [];
  const note = unfinishedNote(manifest);
  const partial = partialNote(manifest);
  const mark = (f: Figure): Figure => {
    const g = note ? markUnfinished(f, note) : f;
    return partial ? markFigure(g, `PARTIAL: ${partial}.`, `partial: ${partial}`) : g;
  };
  for (const def of defs) {
    try {
      const built = def.build(ctx);
      out.push(...(Array.isArray(built) ? built : [built]).map(mark));
    } catch (e) {
      const reason = e instanceof MissingData ? e.message : `${(e as Error).name}: ${(e as Error).message}`;
      warn(`figure ${def.name} skipped: ${reason}`);
    }
  }
  return out;
}

/** Cells of the run that did not end ok, e.g. "2 of 6 cells not ok (not_converged: lambda=0.01 sweep=width; ...)"; undefined when all are ok. */
export function unfinishedNote(manifest: RunManifest): string | undefined {
  const cells = Array.isArray(manifest.cells)
    ? (manifest.cells as { status?: string; params?: Record<string, unknown>; seed?: number; key?: string }[])
    : [];
  const bad = cells.filter((c) => c.status !== undefined && c.status !== 'ok');
  if (!bad.length) return undefined;
  const grid = Object.entries(manifest.params ?? {})
    .filter(([, v]) => Array.isArray(v) && v.length > 1)
    .map(([k]) => k);
  const label = (c: (typeof bad)[number]) =>
    [...grid.map((k) => `${k}=${String(c.params?.[k])}`), ...(new Set(cells.map((x) => x.seed)).size > 1 ? [`seed=${c.seed}`] : [])].join(' ') ||
    c.key ||
    'cell';
  const shown = bad.slice(0, 6).map((c) => `${c.status}: ${label(c)}`);
  return `${bad.length} of ${cells.length} cells did not end ok (${shown.join('; ')}${bad.length > 6 ? '; ...' : ''})`;
}

/** A run or merge with fewer committed cells than its grid: "12 of 48 cells committed (status running)"; undefined when complete. */
export function partialNote(manifest: RunManifest): string | undefined {
  const total = manifest.cells_total;
  const cells = Array.isArray(manifest.cells) ? manifest.cells.length : undefined;
  if (typeof total !== 'number' || cells === undefined || cells >= total) return undefined;
  return `${cells} of ${total} cells committed (status ${String(manifest.status ?? 'unknown')})`;
}

/** Mark a figure drawn from a run with unfinished cells: a warning in its caption and, for charts, in the subtitle. */
export function markUnfinished(fig: Figure, note: string): Figure {
  return markFigure(fig, `WARNING: ${note}; their values are not at convergence.`, `not converged: ${note}`);
}

/** A warning at the start of a figure's caption (and text) and, for charts, as a subtitle line. */
export function markFigure(fig: Figure, captionWarning: string, warnLine: string): Figure {
  const caption = `${captionWarning}${fig.caption ? ` ${fig.caption}` : ''}`;
  if (fig.kind === 'markdown') return { ...fig, caption, text: `> **Warning:** ${captionWarning}\n\n${fig.text}` };
  const spec = { ...fig.spec } as Record<string, unknown>;
  const title = spec.title;
  if (title && typeof title === 'object' && !Array.isArray(title)) {
    const t = title as { subtitle?: string | string[]; subtitleColor?: string };
    const sub = t.subtitle === undefined ? [] : Array.isArray(t.subtitle) ? t.subtitle : [t.subtitle];
    spec.title = { ...t, subtitle: [...sub, warnLine], subtitleColor: '#a05000' };
  } else {
    spec.title = { text: typeof title === 'string' ? title : fig.title, subtitle: warnLine, subtitleColor: '#a05000' };
  }
  return { ...fig, caption, spec: spec as typeof fig.spec };
}
