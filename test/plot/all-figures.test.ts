// Every experiment's declared figures are drawn from the CSVs of a real quick run (no figure
// skipped, so every column a figure asks for exists in its tables), index.html shows the run's final status, and
// runs with cells that did not end ok are marked in index.html and in every figure.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadExperiments } from '../../experiments/index.ts';

const experiments = await loadExperiments();
import { clearTableCache } from '../../src/plot/data.ts';
import { buildFigures } from '../../src/plot/registry.ts';
import { readRunManifest } from '../../src/plot/index.ts';
import { runCli } from '../helpers/cli.ts';

/** Options a quick run needs for all of its figures (deep-rfm's Gram heatmaps need saved Gram matrices). */
const EXTRA: Record<string, string[]> = { 'deep-rfm': ['--save-gram', '1'] };

describe('figures of every experiment from a real quick run', () => {
  for (const exp of experiments) {
    it(`${exp.name}: every declared figure is drawn; index.html shows the final status`, { timeout: 60000 }, async () => {
      const defs = exp.figures ?? [];
      expect(defs.length).toBeGreaterThan(0); // every experiment declares figures
      const out = mkdtempSync(join(tmpdir(), `nrc-fig-${exp.name}-`));
      const preset = exp.presets.quick ? ['--preset', 'quick'] : [];
      const r = await runCli(['run', exp.name, ...preset, ...(EXTRA[exp.name] ?? []), '--out', out, '--quiet', '--threads', '1']);
      expect([0, 3]).toContain(r.code); // 3 = some cells did not end ok (still plotted)
      clearTableCache();
      const warnings: string[] = [];
      const manifest = readRunManifest(out);
      const figures = buildFigures(out, manifest, defs, (m) => warnings.push(m));
      expect(warnings).toEqual([]);
      expect(figures.length).toBeGreaterThanOrEqual(defs.length);
      if (exp.name === 'wd-ablation') {
        // Table 1 shows Welch t against the baseline
        const t1 = figures.find((f) => f.name === 'table1');
        expect(t1?.kind === 'markdown' ? t1.text : '').toMatch(/\| features-0 \| [^|]* \(t -?\d+\.\d\) \|/);
      }
      const html = readFileSync(join(out, 'index.html'), 'utf8');
      expect(html).not.toMatch(/<code>running<\/code>/);
      expect(html).toContain(`<code>${manifest.status}</code>`);
      const bad = (manifest.cells as { status: string }[]).filter((c) => c.status !== 'ok').length;
      if (bad > 0) {
        expect(html).toContain('<strong>Warning:</strong>');
        for (const f of figures) expect(f.caption).toMatch(new RegExp(`^WARNING: ${bad} of \\d+ cells did not end ok`));
      } else {
        expect(html).not.toContain('<strong>Warning:</strong>');
      }
    });
  }
});
