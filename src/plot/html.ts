// index.html of a results directory: a static page (no scripts, no network, relative links)
// showing every figure and linking the CSVs, the manifest and the text results.
import { unfinishedNote, partialNote } from './registry.ts';
import type { RunManifest } from './types.ts';

export interface IndexEntry {
  title: string;
  caption?: string;
  /** Image shown (relative path), if a chart. */
  image?: string;
  /** Other files of this figure (relative paths): the SVG/PNG twin, the Markdown text. */
  links: string[];
  /** Text shown inline (a Markdown table). */
  text?: string;
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

function href(path: string): string {
  return path.split('/').map(encodeURIComponent).join('/');
}

export function indexHtml(manifest: RunManifest, entries: IndexEntry[], files: { csv: string[]; other: string[] }, warnings: string[]): string {
  const title = `nrc · ${manifest.experiment}`;
  const meta: [string, string | undefined][] = [
    ['command', Array.isArray(manifest.command) ? manifest.command.join(' ') : undefined],
    ['status', manifest.status],
    ['started', manifest.started_at],
    ['finished', manifest.finished_at ?? undefined],
    ['nrc version', manifest.nrc_version],
  ];
  const params = manifest.params
    ? Object.entries(manifest.params)
        .map(
          ([k, v]) =>
            `<code>${escapeHtml(k)}</code> = ${escapeHtml((Array.isArray(v) ? v : [v]).map((x) => (Array.isArray(x) ? x.join(',') : String(x))).join(', '))}`,
        )
        .join('; ')
    : '';
  const parts: string[] = [];
  parts.push(
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    `<title>${escapeHtml(title)}</title>`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<style>body{font-family:"DejaVu Sans",Verdana,sans-serif;margin:2em auto;max-width:1400px;padding:0 1em;color:#222}' +
      'figure{margin:2em 0;padding-bottom:1em;border-bottom:1px solid #ddd}img{max-width:100%;height:auto}' +
      'figcaption{color:#444;margin-top:.5em}table.meta td{padding:2px 10px 2px 0;vertical-align:top}' +
      'pre{background:#f6f6f6;padding:1em;overflow-x:auto}code{font-size:90%}.warn{color:#a05000}</style>',
    '</head>',
    '<body>',
    `<h1>${escapeHtml(title)}</h1>`,
  );
  parts.push('<table class="meta">');
  for (const [k, v] of meta) if (v) parts.push(`<tr><td>${escapeHtml(k)}</td><td><code>${escapeHtml(v)}</code></td></tr>`);
  if (params) parts.push(`<tr><td>parameters</td><td>${params}</td></tr>`);
  parts.push('</table>');
  const note = unfinishedNote(manifest);
  if (note)
    parts.push(`<p class="warn"><strong>Warning:</strong> ${escapeHtml(note)}. Their rows are not at convergence; every figure is marked.</p>`);
  const partial = partialNote(manifest);
  if (partial)
    parts.push(
      `<p class="warn"><strong>Partial results:</strong> ${escapeHtml(partial)}. The figures show only the committed cells; every figure is marked.</p>`,
    );
  parts.push('<h2>Data</h2>', '<ul>');
  parts.push('<li><a href="manifest.json">manifest.json</a></li>');
  for (const f of files.csv) parts.push(`<li><a href="${href(f)}">${escapeHtml(f)}</a></li>`);
  for (const f of files.other) parts.push(`<li><a href="${href(f)}">${escapeHtml(f)}</a></li>`);
  parts.push('</ul>');
  parts.push('<h2>Figures</h2>');
  if (!entries.length) parts.push('<p>No figures were drawn for this run.</p>');
  for (const e of entries) {
    parts.push('<figure>', `<h3>${escapeHtml(e.title)}</h3>`);
    if (e.image) parts.push(`<a href="${href(e.image)}"><img src="${href(e.image)}" alt="${escapeHtml(e.title)}"></a>`);
    if (e.text) parts.push(`<pre>${escapeHtml(e.text)}</pre>`);
    const links = e.links.map((l) => `<a href="${href(l)}">${escapeHtml(l)}</a>`).join(' · ');
    parts.push(`<figcaption>${e.caption ? escapeHtml(e.caption) + ' ' : ''}${links ? `(${links})` : ''}</figcaption>`, '</figure>');
  }
  if (warnings.length) {
    parts.push('<h2>Not drawn</h2>', '<ul class="warn">');
    for (const w of warnings) parts.push(`<li>${escapeHtml(w)}</li>`);
    parts.push('</ul>');
  }
  parts.push('</body>', '</html>', '');
  return parts.join('\n');
}
