import { existsSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Command } from '@commander-js/extra-typings';
import { buildFigures, drawFigures, renderSvg, type ChartFigure } from '../../src/plot/index.ts';
import { formatValue, meanBy } from '../../src/plot/data.ts';
import { logTicks } from '../../src/plot/style.ts';
import { declaredFigures, registerPlot } from '../../src/commands/plot.ts';
import { FIXTURES, gaussianMixture, makeRunDir } from './fixtures.ts';

const dirs: string[] = [];
function runDir(experiment: string, files: Record<string, string | Uint8Array>): string {
  const d = makeRunDir(experiment, files);
  dirs.push(d);
  return d;
}
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** Width and height from a PNG's IHDR chunk (after checking the signature). */
function pngSize(bytes: Buffer): { width: number; height: number } {
  expect([...bytes.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  expect(bytes.subarray(12, 16).toString('latin1')).toBe('IHDR');
  return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
}

describe('every experiment draws its figures from a small fixture', () => {
  for (const [experiment, fx] of Object.entries(FIXTURES)) {
    it(experiment, async () => {
      const dir = runDir(experiment, fx.files());
      const warnings: string[] = [];
      const files = await drawFigures(dir, await declaredFigures(experiment), { format: 'png', warn: (m) => warnings.push(m) });
      expect(warnings).toEqual([]);
      for (const name of fx.figures) {
        const path = join(dir, 'figures', `${name}.png`);
        expect(files).toContain(path);
        const bytes = readFileSync(path);
        const { width, height } = pngSize(bytes);
        expect(width).toBeGreaterThan(400);
        expect(width).toBeLessThan(5000);
        expect(height).toBeGreaterThan(300);
        expect(height).toBeLessThan(5000);
        expect(bytes.length).toBeGreaterThan(8000);
      }
      expect(files).toContain(join(dir, 'index.html'));
    });
  }
});

describe('Figure 1 heatmap: SVG structure', () => {
  it('has one rect per (layer, lambda, sigma) cell, axis titles, layer headers and a log colour legend', async () => {
    const dir = runDir('gaussian-mixture', gaussianMixture());
    const fig = buildFigures(dir, { experiment: 'gaussian-mixture' }, await declaredFigures('gaussian-mixture')).find(
      (f) => f.name === 'figure1_rel_tail',
    ) as ChartFigure;
    const svg = await renderSvg(fig.spec);
    // Cells: paths inside the rect-mark groups (4 layers x 4 lambdas x 4 sigmas).
    const groups = [...svg.matchAll(/<g class="mark-rect role-mark[^"]*"[^>]*>(.*?)<\/g>/gs)].map((m) => m[1]);
    const cells = groups.reduce((n, g) => n + (g.match(/<path /g) ?? []).length, 0);
    const texts = [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]);
    const structure = {
      rectGroups: groups.length,
      cells,
      crisp: (svg.match(/shape-rendering="crispEdges"/g) ?? []).length,
      axisTitles: texts.filter((t) => t === 'weight decay λ' || t === 'σ (within-blob std.)').length,
      headers: texts.filter((t) => /^W\d$/.test(t)),
      xLabels: [...new Set(texts.filter((t) => ['1e-4', '1e-3', '0.01', '0.1'].includes(t)))],
      legendTitle: texts.includes('rel_tail(4)'),
      fonts: [...new Set([...svg.matchAll(/font-family="([^"]*)"/g)].map((m) => m[1]))],
    };
    expect(structure).toMatchSnapshot();
    expect(structure.cells).toBe(64);
    expect(structure.axisTitles).toBeGreaterThanOrEqual(2);
    expect(structure.fonts).toEqual(['DejaVu Sans']);
    expect(svg).not.toMatch(/https?:\/\/(?!www\.w3\.org)/);
  });
});

describe('Figure 1 marks unconverged cells', () => {
  it('a (λ, σ) cell whose cells.csv status is not_converged gets a * and is named in the subtitle', async () => {
    const files = gaussianMixture();
    const [header, first, ...rest] = files['cells.csv'].split('\n');
    expect(first.startsWith('0.0001,0.01,0,')).toBe(true);
    const dir = runDir('gaussian-mixture', { ...files, 'cells.csv': [header, first.replace(',ok,', ',not_converged,'), ...rest].join('\n') });
    const fig = buildFigures(dir, { experiment: 'gaussian-mixture' }, await declaredFigures('gaussian-mixture')).find(
      (f) => f.name === 'figure1_rel_tail',
    ) as ChartFigure;
    const json = JSON.stringify(fig.spec);
    expect(json).toContain('* not converged (gradient tolerance not reached): λ=0.0001 σ=0.01');
    const texts = [...json.matchAll(/"_text":"([^"]*)"/g)].map((m) => m[1]);
    expect(texts.filter((t) => t.endsWith('*'))).toHaveLength(4); // the cell's four layers
  });
});

describe('central path figure', () => {
  it('draws the e^{2 lambda_H t} scaled traces (tw, tb) under their legend, not the unscaled ones', async () => {
    const dir = runDir('central-path', FIXTURES['central-path'].files());
    const fig = buildFigures(dir, { experiment: 'central-path' }, await declaredFigures('central-path')).find(
      (f) => f.name === 'central_path',
    ) as ChartFigure;
    const data = (fig.spec.data as { values: { t: number; panel: string; value: number; run: string }[] }).values;
    const at = (panel: string) => data.find((r) => r.panel === panel && r.t === 5 && r.run === 'λ_H = 0.1')?.value;
    expect(at('e^{2λ_H t} tr Σ_W')).toBeCloseTo(3 * Math.exp(-2.5), 12); // tw of the fixture, not trace_sigma_w
    expect(at('e^{2λ_H t} tr Σ_B')).toBeCloseTo(2, 12);
  });
});

describe('index.html', () => {
  it('shows every figure and links the CSVs and the manifest with relative links that exist', async () => {
    const dir = runDir('wd-ablation', FIXTURES['wd-ablation'].files());
    await drawFigures(dir, await declaredFigures('wd-ablation'), { format: 'both', warn: () => {} });
    const html = readFileSync(join(dir, 'index.html'), 'utf8');
    const links = [...html.matchAll(/(?:href|src)="([^"]+)"/g)].map((m) => decodeURIComponent(m[1]));
    expect(links).toContain('manifest.json');
    expect(links).toContain('metrics.csv');
    expect(links).toContain('figures/wd_ablation_bars.png');
    expect(links).toContain('figures/wd_ablation_bars.svg');
    expect(links).toContain('figures/table1.md');
    for (const l of links) {
      expect(l).not.toMatch(/^(https?:|\/)/);
      expect(existsSync(join(dir, l))).toBe(true);
    }
    expect(html).not.toMatch(/<script/);
    expect(html).toContain('<img src="figures/wd_ablation_bars.png"');
    const md = readFileSync(join(dir, 'figures', 'table1.md'), 'utf8');
    expect(md).toMatch(/\| WD setting \| MSE loss NC1 \| MSE loss NC2 \| MSE loss NC3 \| CE loss NC1 /);
    expect(md).toMatch(/\| baseline \| 8\.4e-4 ± 4e-5 \|/);
    expect(md.split('\n').filter((l) => l.startsWith('| ')).length).toBe(7);
  });
});

describe('missing data never fails a run', () => {
  it('skips a figure whose CSV or column is missing, with a warning, and still writes index.html', async () => {
    const files = gaussianMixture();
    const dir = runDir('gaussian-mixture', { 'layers.csv': files['layers.csv'].replace('rel_tail', 'something_else') });
    const warnings: string[] = [];
    const written = await drawFigures(dir, await declaredFigures('gaussian-mixture'), { format: 'svg', warn: (m) => warnings.push(m) });
    expect(warnings.some((w) => /figure1_rel_tail skipped: layers.csv has no column rel_tail/.test(w))).toBe(true);
    expect(warnings.some((w) => /prop41_bound skipped: cells.csv not found/.test(w))).toBe(true);
    expect(written).toEqual([join(dir, 'index.html')]);
    expect(readFileSync(join(dir, 'index.html'), 'utf8')).toMatch(/Not drawn/);
  });

  it('an experiment without figures gets an index of its CSVs', async () => {
    const dir = runDir('no-such-experiment', { 'x.csv': 'a\n1\n' });
    const warnings: string[] = [];
    const written = await drawFigures(dir, await declaredFigures('no-such-experiment'), { warn: (m) => warnings.push(m) });
    expect(written).toEqual([join(dir, 'index.html')]);
    expect(warnings[0]).toMatch(/no figures are declared/);
    expect(readFileSync(join(dir, 'index.html'), 'utf8')).toContain('href="x.csv"');
  });

  it('deep-rfm without saved Gram matrices skips only the heatmaps', async () => {
    const dir = runDir('deep-rfm', FIXTURES['deep-rfm'].files());
    for (const f of readdirSync(dir)) if (f.endsWith('.npy')) rmSync(join(dir, f));
    const warnings: string[] = [];
    const written = await drawFigures(dir, await declaredFigures('deep-rfm'), { format: 'svg', warn: (m) => warnings.push(m) });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/gram_heatmaps skipped/);
    expect(written.filter((f) => f.endsWith('.svg'))).toHaveLength(3);
    expect(existsSync(join(dir, 'figures', 'gram_heatmaps.png'))).toBe(false);
  });
});

describe('analyze figures', () => {
  it('an nrc analyze --out directory gets the analyze figures (declared by the CLI layer, not by an experiment)', async () => {
    const dir = runDir('analyze', { 'features.csv': 'file,nc1,nc3\na/layer1.npy,0.5,0.2\na/layer2.npy,0.05,0.1\na/layer3.npy,0.01,0.05\n' });
    const warnings: string[] = [];
    const figures = buildFigures(dir, { experiment: 'analyze' }, await declaredFigures('analyze'), (m) => warnings.push(m));
    expect(figures.map((f) => f.name)).toEqual(['analyze_nc1', 'analyze_nc3']);
    expect(warnings.filter((w) => /analyze_nc1 |analyze_nc3 /.test(w))).toEqual([]);
    expect(warnings.some((w) => /analyze_singular_values skipped: singular_values.csv not found/.test(w))).toBe(true);
  });
});

describe('nrc plot', () => {
  async function plot(args: string[]): Promise<void> {
    const program = new Command().exitOverride();
    registerPlot(program);
    await program.parseAsync(['node', 'nrc', 'plot', ...args]);
  }

  it('redraws a directory in the requested format', async () => {
    const dir = runDir('layerwise', FIXTURES.layerwise.files());
    await plot([dir, '--format', 'svg', '--quiet']);
    expect(statSync(join(dir, 'figures', 'figure2_layerwise.svg')).size).toBeGreaterThan(2000);
    expect(existsSync(join(dir, 'figures', 'figure2_layerwise.png'))).toBe(false);
  });

  it('exits with code 2 on a missing directory or manifest', async () => {
    await expect(plot(['/nonexistent/results'])).rejects.toMatchObject({ exitCode: 2, message: expect.stringMatching(/not a directory/) });
    const dir = runDir('layerwise', {});
    rmSync(join(dir, 'manifest.json'));
    await expect(plot([dir])).rejects.toMatchObject({ exitCode: 2, message: expect.stringMatching(/no manifest.json/) });
  });
});

describe('helpers', () => {
  it('formatValue gives short grid labels', () => {
    expect([1e-4, 2.5e-3, 0.05, 1, 300, 1e5, 0].map(formatValue)).toEqual(['1e-4', '2.5e-3', '0.05', '1', '300', '1e5', '0']);
  });

  it('logTicks: decades over wide ranges, 1-2-5 over narrow ones', () => {
    expect(logTicks([2e-5, 0.3])).toEqual([1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1]);
    expect(logTicks([0.12, 0.8])).toEqual([0.1, 0.2, 0.5, 1]);
    expect(logTicks([0, -1])).toEqual([]);
  });

  it('meanBy averages seeds with a sample SD', () => {
    const out = meanBy(
      [
        { a: 1, v: 1 },
        { a: 1, v: 3 },
        { a: 2, v: 5 },
      ],
      ['a'],
      ['v'],
    );
    expect(out).toEqual([
      { a: 1, v: 2, v_sd: Math.SQRT2, v_lo: 2 - Math.SQRT2, v_hi: 2 + Math.SQRT2, n: 2 },
      { a: 2, v: 5, v_sd: 0, v_lo: 5, v_hi: 5, n: 1 },
    ]);
  });
});
