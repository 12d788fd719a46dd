// Figures of a results directory: read manifest.json and the CSVs, build each figure the
// experiment declares (registry.ts), render to SVG/PNG under figures/, and write index.html.
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { clearTableCache } from './data.ts';
import { indexHtml, type IndexEntry } from './html.ts';
import { buildFigures } from './registry.ts';
import { renderSvg, svgToPng } from './render.ts';
import type { RunManifest } from './types.ts';

export type FigureFormat = 'png' | 'svg' | 'both';
export const FIGURE_FORMATS: readonly FigureFormat[] = ['png', 'svg', 'both'];

export interface DrawOptions {
  format?: FigureFormat;
  /** Where warnings go (a skipped figure); default: stderr. */
  warn?: (message: string) => void;
  /** PNG pixels per SVG unit (default 2). */
  scale?: number;
}

export { buildFigures, FIGURES } from './registry.ts';
export { renderSvg, svgToPng, compileSpec, type Spec } from './render.ts';
export type { Figure, FigureDef, FigureContext, RunManifest, ChartFigure, TextFigure } from './types.ts';
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
 * Draw every figure of the run in outDir into outDir/figures/ and write outDir/index.html.
 * Missing tables or columns skip a figure with a warning; a figure that fails to render is
 * skipped the same way. Returns the paths of the files written (figures, texts, index.html).
 */
export async function drawFigures(outDir: string, opts: DrawOptions = {}): Promise<string[]> {
  const format = opts.format ?? 'png';
  if (!FIGURE_FORMATS.includes(format)) throw new Error(`format ${JSON.stringify(format)}: expected png, svg or both`);
  const warnings: string[] = [];
  const warn = (m: string): void => {
    warnings.push(m);
    (opts.warn ?? ((msg: string) => process.stderr.write(`warning: ${msg}\n`)))(m);
  };
  const manifest = readRunManifest(outDir);
  clearTableCache();
  const figures = buildFigures(outDir, manifest, warn);
  const figDir = join(outDir, 'figures');
  const written: string[] = [];
  const entries: IndexEntry[] = [];
  if (figures.length) mkdirSync(figDir, { recursive: true });
  for (const fig of figures) {
    if (fig.kind === 'markdown') {
      const file = join(figDir, `${fig.name}.md`);
      writeFileSync(file, fig.text);
      written.push(file);
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
      const file = join(figDir, `${fig.name}.svg`);
      writeFileSync(file, svg);
      written.push(file);
      links.push(`figures/${fig.name}.svg`);
    }
    if (format === 'png' || format === 'both') {
      try {
        const file = join(figDir, `${fig.name}.png`);
        writeFileSync(file, svgToPng(svg, opts.scale ?? 2));
        written.push(file);
        links.unshift(`figures/${fig.name}.png`);
      } catch (e) {
        warn(`figure ${fig.name}: PNG not written: ${(e as Error).message}`);
      }
    }
    if (links.length) entries.push({ title: fig.title, caption: fig.caption, image: links[0], links });
  }
  const all = readdirSync(outDir).sort();
  const csv = all.filter((f) => f.endsWith('.csv'));
  const other = all.filter((f) => /\.(md|txt|json)$/.test(f) && f !== 'manifest.json');
  const index = join(outDir, 'index.html');
  writeFileSync(index, indexHtml(manifest, entries, { csv, other }, warnings));
  written.push(index);
  return written;
}
