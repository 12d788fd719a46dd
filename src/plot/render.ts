// Headless rendering: a Vega-Lite spec -> Vega -> SVG text (vega's 'none' renderer, no DOM) ->
// PNG (resvg, with the DejaVu files loaded explicitly and no system fonts, so text is the same
// on every machine). The vega loader refuses every URL: a figure only ever uses inline data.
import * as vega from 'vega';
import * as vl from 'vega-lite';
import { Resvg } from '@resvg/resvg-js';
import { FONT_FAMILY, fontFiles, textWidth } from './fonts.ts';

/** A Vega-Lite specification (built as plain objects; checked by vega-lite when compiled). */
export type Spec = Record<string, unknown>;

let metricsInstalled = false;

/** Make vega measure text with DejaVu Sans advance widths (what resvg will draw). */
function installTextMetrics(): void {
  if (metricsInstalled) return;
  const tm = (vega as unknown as { textMetrics: unknown }).textMetrics as { width: (item: Record<string, unknown>, text: unknown) => number };
  tm.width = (item, text) => {
    const line = text == null ? '' : String(text).trim();
    const size = item.fontSize != null ? Number(item.fontSize) || 0 : 11;
    return textWidth(line, size, item.fontWeight as string | number | undefined);
  };
  metricsInstalled = true;
}

function refuse(what: string): Promise<never> {
  return Promise.reject(new Error(`nrc figures use inline data only; refused to load ${what}`));
}

/** A vega loader that never touches the network or the file system. */
function offlineLoader(): vega.Loader {
  const base = vega.loader();
  return Object.assign(Object.create(base) as vega.Loader, {
    load: (uri: string) => refuse(uri),
    sanitize: (uri: string) => refuse(uri),
    http: (uri: string) => refuse(uri),
    file: (filename: string) => refuse(filename),
  });
}

/** Vega spec compiled from a Vega-Lite spec (throws on an invalid spec). */
export function compileSpec(spec: Spec): vega.Spec {
  return vl.compile(spec as unknown as vl.TopLevelSpec, { config: { font: FONT_FAMILY } as vl.Config }).spec as vega.Spec;
}

/** Render a Vega-Lite spec to SVG text. */
export async function renderSvg(spec: Spec): Promise<string> {
  installTextMetrics();
  const view = new vega.View(vega.parse(compileSpec(spec)), { renderer: 'none', loader: offlineLoader(), logLevel: vega.Error });
  try {
    const svg = await view.toSVG();
    return crispRects(svg);
  } finally {
    view.finalize();
  }
}

/** Rect marks (heatmap cells, bars) drawn without anti-aliased seams between neighbours. */
function crispRects(svg: string): string {
  return svg.replace(/<g class="mark-rect role-mark([^"]*)"/g, '<g class="mark-rect role-mark$1" shape-rendering="crispEdges"');
}

/** Rasterise SVG text to PNG bytes with the bundled fonts (scale 2 gives sharp text on screens and paper). */
export function svgToPng(svg: string, scale = 2): Uint8Array {
  const resvg = new Resvg(svg, {
    font: { fontFiles: fontFiles(), loadSystemFonts: false, defaultFontFamily: FONT_FAMILY },
    fitTo: { mode: 'zoom', value: scale },
    background: 'white',
  });
  return resvg.render().asPng();
}
