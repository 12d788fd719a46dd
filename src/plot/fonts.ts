// The font every figure uses (DejaVu Sans from the dejavu-fonts-ttf package), and text widths
// measured from its own advance-width table, so vega lays out labels for the glyphs resvg draws
// (vega's fallback estimate, 0.8 em per character, is 25-30% too wide for DejaVu digits).
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const FONT_FAMILY = 'DejaVu Sans';

let fontDirCache: string | undefined;

/** Directory holding the DejaVu .ttf files. */
export function fontDir(): string {
  if (fontDirCache) return fontDirCache;
  const candidates: string[] = [];
  try {
    const require = createRequire(import.meta.url);
    candidates.push(join(dirname(require.resolve('dejavu-fonts-ttf/package.json')), 'ttf'));
  } catch {
    /* fall through to the path relative to this file */
  }
  const here = dirname(fileURLToPath(import.meta.url));
  candidates.push(join(here, '..', '..', 'node_modules', 'dejavu-fonts-ttf', 'ttf'));
  const found = candidates.find((d) => existsSync(join(d, 'DejaVuSans.ttf')));
  if (!found) throw new Error('the DejaVu fonts (package dejavu-fonts-ttf) were not found; run npm install');
  fontDirCache = found;
  return found;
}

/** The font files given to resvg (regular, bold, oblique: what vega's text marks use). */
export function fontFiles(): string[] {
  const dir = fontDir();
  return ['DejaVuSans.ttf', 'DejaVuSans-Bold.ttf', 'DejaVuSans-Oblique.ttf', 'DejaVuSans-BoldOblique.ttf']
    .map((f) => join(dir, f))
    .filter((f) => existsSync(f));
}

/** Advance widths (in em) of a TrueType font, by code point. */
export interface FontMetrics {
  advance(codePoint: number): number;
}

/** Parse the cmap (format 4 or 12) and hmtx tables of a TrueType file. */
export function parseTrueTypeMetrics(bytes: Uint8Array): FontMetrics {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const numTables = view.getUint16(4);
  const tables = new Map<string, number>();
  for (let t = 0; t < numTables; t++) {
    const rec = 12 + 16 * t;
    const tag = String.fromCharCode(bytes[rec], bytes[rec + 1], bytes[rec + 2], bytes[rec + 3]);
    tables.set(tag, view.getUint32(rec + 8));
  }
  const need = (tag: string): number => {
    const off = tables.get(tag);
    if (off === undefined) throw new Error(`font has no ${tag} table`);
    return off;
  };
  const unitsPerEm = view.getUint16(need('head') + 18);
  const numHMetrics = view.getUint16(need('hhea') + 34);
  const hmtx = need('hmtx');
  const advanceOfGlyph = (g: number): number => view.getUint16(hmtx + 4 * Math.min(g, numHMetrics - 1)) / unitsPerEm;

  const cmap = need('cmap');
  const nSub = view.getUint16(cmap + 2);
  let format4 = -1;
  let format12 = -1;
  for (let s = 0; s < nSub; s++) {
    const platform = view.getUint16(cmap + 4 + 8 * s);
    const encoding = view.getUint16(cmap + 6 + 8 * s);
    const off = cmap + view.getUint32(cmap + 8 + 8 * s);
    const format = view.getUint16(off);
    if (format === 12 && (platform === 3 || platform === 0)) format12 = off;
    if (format === 4 && ((platform === 3 && encoding === 1) || platform === 0)) format4 = off;
  }
  let glyphOf: (c: number) => number;
  if (format12 >= 0) {
    const nGroups = view.getUint32(format12 + 12);
    glyphOf = (c) => {
      for (let g = 0; g < nGroups; g++) {
        const base = format12 + 16 + 12 * g;
        const start = view.getUint32(base);
        const end = view.getUint32(base + 4);
        if (c >= start && c <= end) return view.getUint32(base + 8) + (c - start);
      }
      return 0;
    };
  } else if (format4 >= 0) {
    const segCount = view.getUint16(format4 + 6) / 2;
    const ends = format4 + 14;
    const starts = ends + 2 * segCount + 2;
    const deltas = starts + 2 * segCount;
    const ranges = deltas + 2 * segCount;
    glyphOf = (c) => {
      if (c > 0xffff) return 0;
      for (let s = 0; s < segCount; s++) {
        if (c > view.getUint16(ends + 2 * s)) continue;
        const start = view.getUint16(starts + 2 * s);
        if (c < start) return 0;
        const delta = view.getUint16(deltas + 2 * s);
        const rangeOffset = view.getUint16(ranges + 2 * s);
        if (rangeOffset === 0) return (c + delta) & 0xffff;
        const g = view.getUint16(ranges + 2 * s + rangeOffset + 2 * (c - start));
        return g === 0 ? 0 : (g + delta) & 0xffff;
      }
      return 0;
    };
  } else {
    throw new Error('font has no Unicode cmap subtable');
  }
  const cache = new Map<number, number>();
  return {
    advance(c) {
      let w = cache.get(c);
      if (w === undefined) {
        const g = glyphOf(c);
        w = g === 0 ? 0.6 : advanceOfGlyph(g);
        cache.set(c, w);
      }
      return w;
    },
  };
}

let regular: FontMetrics | undefined;
let bold: FontMetrics | undefined;

function metrics(isBold: boolean): FontMetrics {
  if (isBold) return (bold ??= parseTrueTypeMetrics(readFileSync(join(fontDir(), 'DejaVuSans-Bold.ttf'))));
  return (regular ??= parseTrueTypeMetrics(readFileSync(join(fontDir(), 'DejaVuSans.ttf'))));
}

/** Width in pixels of a line of text in DejaVu Sans at this size. */
export function textWidth(text: string, fontSize: number, fontWeight?: string | number): number {
  const isBold =
    fontWeight === 'bold' ||
    fontWeight === 'bolder' ||
    (typeof fontWeight === 'number' && fontWeight >= 600) ||
    (typeof fontWeight === 'string' && /^[6-9]00$/.test(fontWeight));
  const m = metrics(isBold);
  let w = 0;
  for (const ch of text) w += m.advance(ch.codePointAt(0) ?? 0);
  return w * fontSize;
}
