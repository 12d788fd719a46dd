// Shared look of nrc figures and small Vega-Lite building blocks (axes, colour scales, heatmaps).
import { FONT_FAMILY } from './fonts.ts';
import type { Spec } from './render.ts';
import { distinct, formatValue, type Rec, type Value } from './data.ts';

/** Config applied to every figure: one font everywhere, readable sizes, white background. */
export const BASE_CONFIG = {
  font: FONT_FAMILY,
  background: 'white',
  padding: 8,
  title: { font: FONT_FAMILY, fontSize: 14, fontWeight: 'bold', anchor: 'start', offset: 10, subtitleFontSize: 11, subtitleColor: '#444' },
  axis: {
    labelFont: FONT_FAMILY,
    titleFont: FONT_FAMILY,
    labelFontSize: 11,
    titleFontSize: 12,
    titleFontWeight: 'normal',
    gridColor: '#e6e6e6',
    labelOverlap: true,
  },
  legend: { labelFont: FONT_FAMILY, titleFont: FONT_FAMILY, labelFontSize: 11, titleFontSize: 12, titleFontWeight: 'normal', labelLimit: 320 },
  header: {
    labelFont: FONT_FAMILY,
    titleFont: FONT_FAMILY,
    labelFontSize: 12,
    titleFontSize: 12,
    titleFontWeight: 'normal',
    labelFontWeight: 'bold',
  },
  text: { font: FONT_FAMILY },
  view: { stroke: '#bbbbbb' },
  line: { strokeWidth: 2 },
  point: { size: 36, filled: true },
};

/** A complete Vega-Lite spec: title (and optional subtitle lines), config, inline data. */
export function figureSpec(title: string, subtitle: string | string[] | undefined, body: Spec): Spec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: subtitle ? { text: title, subtitle } : title,
    config: BASE_CONFIG,
    ...body,
  };
}

/**
 * Axis of a log scale with readable ticks: powers of ten when the data span two decades or more
 * (thinned to at most 7), otherwise 1-2-5 steps; labels like 1e-4 for very small or large values.
 * `data` are the values plotted on the axis (all panels when scales are shared).
 */
export function logAxis(title: string | null, data: number[] = []): Spec {
  const axis: Spec = { title, grid: true, labelExpr: LOG_LABEL };
  const ticks = logTicks(data);
  if (ticks.length >= 2) axis.values = ticks;
  return axis;
}

/** Tick values for a log axis over these data (see logAxis); [] when there are no positive values. */
export function logTicks(data: number[]): number[] {
  const pos = data.filter((v) => Number.isFinite(v) && v > 0);
  if (!pos.length) return [];
  const lo = Math.min(...pos);
  const hi = Math.max(...pos);
  const a = Math.floor(Math.log10(lo) + 1e-9);
  const b = Math.ceil(Math.log10(hi) - 1e-9);
  const pow = (e: number): number => Number(`1e${e}`);
  if (b - a >= 2) {
    const step = Math.ceil((b - a + 1) / 7);
    const out: number[] = [];
    for (let e = b; e >= a; e -= step) out.unshift(pow(e));
    return out;
  }
  const out: number[] = [];
  for (let e = a; e <= b; e++)
    for (const m of [1, 2, 5]) {
      const v = Number((m * pow(e)).toPrecision(12));
      if (v >= pow(a) && v <= pow(Math.max(b, a + 1))) out.push(v);
    }
  return out;
}

/** Label expression: powers of ten as 1e-4 .. 1e4, other ticks shortest form (log axes get 1, 2, 5 ticks). */
export const LOG_LABEL =
  "abs(datum.value) > 0 && (abs(datum.value) < 0.01 || abs(datum.value) >= 10000) ? replace(format(datum.value, '.0e'), 'e+', 'e') : format(datum.value, '~g')";

/** Colours for an ordered parameter (sigma, lambda, epoch as category): viridis without the pale yellow end. */
export const ORDERED_SCHEME = { name: 'viridis', extent: [0, 0.85] };

/**
 * Sorted labels of a grid parameter: adds `<field>_label` (formatted) to every row and returns
 * the labels in numeric order, for ordinal axes and legends.
 */
export function labelField(rows: Rec[], field: string, prefix = ''): string[] {
  const values = distinct(rows, field);
  const labels = values.map((v) => prefix + formatValue(v));
  const map = new Map<Value, string>(values.map((v, i) => [v, labels[i]]));
  for (const r of rows) r[`${field}_label`] = map.get(r[field]) ?? String(r[field]);
  return labels;
}

/** Colour encoding of an ordered grid parameter already labelled by labelField. */
export function orderedColor(field: string, title: string | null, order: string[]): Spec {
  return { field: `${field}_label`, type: 'ordinal', title, sort: order, scale: { scheme: ORDERED_SCHEME } };
}

export interface HeatmapOptions {
  values: Rec[];
  x: { field: string; title: string; order: string[] };
  y: { field: string; title: string; order: string[] };
  color: { field: string; title: string; log?: boolean; domain?: [number, number]; scheme?: string; reverse?: boolean; format?: string };
  facet?: { field: string; title: string | null; order: string[]; row?: { field: string; order: string[] } };
  columns?: number;
  /** Show the value in each cell (small grids). */
  cellText?: { field: string };
  cellSize?: number;
  axisLabels?: boolean;
}

/** Heatmap(s) of rect marks on band scales: crisp cells, one panel per facet value, one shared colour scale. */
export function heatmap(o: HeatmapOptions): Spec {
  const nx = o.x.order.length;
  const ny = o.y.order.length;
  const cell = o.cellSize ?? Math.max(14, Math.min(48, Math.floor(220 / Math.max(nx, ny))));
  const labels = o.axisLabels ?? true;
  const colorScale: Spec = { scheme: o.color.scheme ?? 'viridis' };
  if (o.color.log) colorScale.type = 'log';
  if (o.color.domain) colorScale.domain = o.color.domain;
  if (o.color.reverse) colorScale.reverse = true;
  if (o.color.domain) colorScale.clamp = true;
  const legend: Spec = {
    title: o.color.title,
    gradientLength: Math.max(120, Math.min(300, Math.max(cell, Math.ceil(150 / ny)) * ny)),
    format: o.color.format ?? '~g',
  };
  if (o.color.log) {
    legend.labelExpr = LOG_LABEL;
    const [lo, hi] = o.color.domain ?? [0, 0];
    const ticks = logTicks([lo, hi]).filter((v) => v >= lo * (1 - 1e-9) && v <= hi * (1 + 1e-9));
    if (ticks.length >= 2) legend.values = ticks;
  }
  const rect: Spec = {
    mark: { type: 'rect', strokeWidth: 0 },
    encoding: {
      x: {
        field: o.x.field,
        type: 'ordinal',
        sort: o.x.order,
        title: o.x.title,
        axis: labels ? { labelAngle: -45, labelOverlap: false } : { labels: false, ticks: false },
      },
      y: {
        field: o.y.field,
        type: 'ordinal',
        sort: [...o.y.order].reverse(),
        title: o.y.title,
        axis: labels ? { labelOverlap: false } : { labels: false, ticks: false },
      },
      color: { field: o.color.field, type: 'quantitative', scale: colorScale, legend },
    },
  };
  const layers: Spec[] = [rect];
  if (o.cellText) {
    layers.push({
      mark: { type: 'text', fontSize: Math.min(10, Math.max(7, cell / 4.5)) },
      encoding: {
        x: { field: o.x.field, type: 'ordinal', sort: o.x.order },
        y: { field: o.y.field, type: 'ordinal', sort: [...o.y.order].reverse() },
        text: { field: o.cellText.field, type: 'nominal' },
        color: { condition: { test: 'datum._dark == 1', value: 'white' }, value: 'black' },
      },
    });
  }
  // Panels at least ~120 x 150 px so the axis titles fit beside very small grids.
  const inner: Spec = {
    width: { step: Math.max(cell, Math.ceil(120 / nx)) },
    height: { step: Math.max(cell, Math.ceil(150 / ny)) },
    ...(layers.length === 1 ? rect : { layer: layers }),
  };
  if (!o.facet) return { data: { values: o.values }, ...inner };
  const facet: Spec = o.facet.row
    ? {
        column: { field: o.facet.field, type: 'ordinal', sort: o.facet.order, title: o.facet.title },
        row: { field: o.facet.row.field, type: 'ordinal', sort: o.facet.row.order, title: null },
      }
    : { field: o.facet.field, type: 'ordinal', sort: o.facet.order, title: o.facet.title };
  return {
    data: { values: o.values },
    facet,
    ...(o.facet.row ? {} : { columns: o.columns ?? 4 }),
    spec: inner,
    resolve: { scale: { color: 'shared' } },
  };
}

/** Error bars (mean -/+ SD over seeds) for a layered line chart: `<y>_lo`/`<y>_hi` fields from meanBy. */
export function errorBarLayer(x: Spec, y: string, color?: Spec, xOffset?: Spec): Spec {
  const enc: Spec = { x, y: { field: `${y}_lo`, type: 'quantitative', title: null }, y2: { field: `${y}_hi` } };
  if (color) enc.color = color;
  if (xOffset) enc.xOffset = xOffset;
  return { mark: { type: 'errorbar', ticks: { size: 8 } }, transform: [{ filter: 'datum.n > 1' }], encoding: enc };
}
