// Figures of a results directory: read manifest.json and the CSVs, build each figure the
// experiment declares (its `figures`; registry.ts), render to SVG/PNG under figures/, and write index.html.
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { removeStrayTemporaries, writeFileAtomic } from '../io/atomic.ts';
import { clearTableCache, limitToCommitted } from './data.ts';
import { indexHtml, type IndexEntry } from './html.ts';
import { buildFigures } from './registry.ts';
import { renderSvg, svgToPng } from './render.ts';
import type { FigureDef, RunManifest } from './types.ts';

export type FigureFormat = 'png' | 'svg' | 'both';
export const FIGURE_FORMATS: readonly FigureFormat[] = ['png', 'svg', 'both'];

export interface DrawOptions {
  format?: FigureFormat;
  /** Where warnings go (a skipped figure); default: stderr. */
  warn?: (message: string) => void;
  /** PNG pixels per SVG unit (default 2). */
  scale?: number;
  /** The committed state of a results directory (manifest with the journal's cells and table lengths): only committed bytes are drawn. */
  committed?: RunManifest & { committed_bytes: Record<string, number> };
}

/** Figures that could not be written (a full disk, no permission): the index says so and `nrc plot` exits with the storage code. */
export class FigureWriteError extends Error {
  readonly exitCode = 5;
  constructor(dir: string, failures: string[], total: number) {
    super(
      `${dir}: ${failures.length} of ${total} figure files could not be written (${failures[0]}${failures.length > 1 ? '; ...' : ''}); free space or fix permissions and run nrc plot again`,
    );
    this.name = 'FigureWriteError';
  }
}

export { buildFigures } from './registry.ts';
export { renderSvg, svgToPng, compileSpec, type Spec } from './render.ts';
export type { Figure, FigureDef, FigureContext, RunManifest, ChartFigure, TextFigure, Tables, TableWith } from './types.ts';
export { MissingData } from './data.ts';

/** Read manifest.json of a results directory (throws an Error naming the problem). */
export function readRunManifest(outDir: string): RunManifest {
  if (!existsSync(outDir) || !statSync(outDir).isDirectory()) throw new Error(`${outDir} is not a directory`);
  const path = join(outDir, 'manifest.json');
  if (!existsSync(path)) throw new Error(`${path} is missing (not an nrc results directory)`);
  let manifest: unknown;
  try {
    manifest = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new Error(`${path} is not valid JSON: ${(e as Error).message}`);
  }
  if (!manifest || typeof manifest !== 'object' || typeof (manifest as RunManifest).experiment !== 'string') {
    throw new Error(`${path} has no "experiment" name`);
  }
  return manifest as RunManifest;
}

/**
 * Draw every figure of the run in outDir (`figures`: what its experiment declares) into outDir/figures/ and write outDir/index.html.
 * Missing tables or columns skip a figure with a warning; a figure that fails to render is
 * skipped the same way. Returns the paths of the files written (figures, texts, index.html).
 */
export async function drawFigures(outDir: string, figures: readonly FigureDef[] | undefined, opts: DrawOptions = {}): Promise<string[]> {
  const format = opts.format ?? 'png';
  if (!FIGURE_FORMATS.includes(format)) throw new Error(`format ${JSON.stringify(format)}: expected png, svg or both`);
  const warnings: string[] = [];
  const warn = (m: string): void => {
    warnings.push(m);
    (opts.warn ?? ((msg: string) => process.stderr.write(`warning: ${msg}\n`)))(m);
  };
  const manifest = opts.committed ?? readRunManifest(outDir);
  clearTableCache();
  if (opts.committed) limitToCommitted(outDir, opts.committed.committed_bytes);
  const built = buildFigures(outDir, manifest, figures, warn);
  const figDir = join(outDir, 'figures');
  const written: string[] = [];
  const entries: IndexEntry[] = [];
  const failures: string[] = [];
  let attempted = 0;
  /** Each file whole or not at all (a kill leaves the previous figure or a temporary removed at the next plot). */
  const writeFile = (file: string, data: string | Uint8Array): boolean => {
    attempted++;
    try {
      writeFileAtomic(file, data);
      written.push(file);
      return true;
    } catch (e) {
      const why = `${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`;
      failures.push(why);
      warn(`not written: ${why}`);
      return false;
    }
  };
  if (built.length) {
    try {
      mkdirSync(figDir, { recursive: true });
    } catch (e) {
      throw new FigureWriteError(outDir, [`${figDir}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`], built.length);
    }
    removeStrayTemporaries(figDir);
  }
  for (const fig of built) {
    if (fig.kind === 'markdown') {
      if (writeFile(join(figDir, `${fig.name}.md`), fig.text))
        entries.push({ title: fig.title, caption: fig.caption, links: [`figures/${fig.name}.md`], text: fig.text });
      continue;
    }
    let svg: string;
    try {
      svg = await renderSvg(fig.spec);
    } catch (e) {
      warn(`figure ${fig.name} not rendered: ${(e as Error).message}`);
      continue;
    }
    const links: string[] = [];
    if (format === 'svg' || format === 'both') {
      if (writeFile(join(figDir, `${fig.name}.svg`), svg)) links.push(`figures/${fig.name}.svg`);
    }
    if (format === 'png' || format === 'both') {
      let png: Uint8Array | undefined;
      try {
        png = svgToPng(svg, opts.scale ?? 2);
      } catch (e) {
        warn(`figure ${fig.name}: PNG not rendered: ${(e as Error).message}`);
      }
      if (png && writeFile(join(figDir, `${fig.name}.png`), png)) links.unshift(`figures/${fig.name}.png`);
    }
    if (links.length) entries.push({ title: fig.title, caption: fig.caption, image: links[0], links });
  }
  const all = readdirSync(outDir).sort();
  const csv = all.filter((f) => f.endsWith('.csv'));
  const other = all.filter((f) => /\.(md|txt|json)$/.test(f) && f !== 'manifest.json');
  removeStrayTemporaries(outDir);
  writeFile(join(outDir, 'index.html'), indexHtml(manifest, entries, { csv, other }, warnings));
  if (failures.length) throw new FigureWriteError(outDir, failures, attempted);
  return written;
}
