// `nrc plot RESULTS_DIR [--format png|svg|both]`: redraw every figure of a run from its CSVs and
// manifest, and rewrite its index.html (so figures can be remade after a sweep or a merge).
import { Command, Option } from '@commander-js/extra-typings';
import { existsSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { findExperiment } from '../../experiments/index.ts';
import { drawFigures, FIGURE_FORMATS, FigureWriteError, readRunManifest, type FigureDef, type FigureFormat } from '../plot/index.ts';
import { loadCommitted } from '../runner/store.ts';
import { UsageError } from '../runner/errors.ts';

/** The figures declared for a results directory's experiment (an `nrc analyze --out` directory has its own). */
export async function declaredFigures(experiment: string): Promise<readonly FigureDef[] | undefined> {
  if (experiment === 'analyze') return (await import('./analyze-figures.ts')).ANALYZE_FIGURES;
  return (await findExperiment(experiment))?.figures;
}

export function registerPlot(program: Command): void {
  program
    .command('plot')
    .summary('redraw the figures of a results directory')
    .description('Redraw every figure of a run (figures/*.png, *.svg) from its CSVs and manifest.json, and rewrite its index.html.')
    .argument('<results-dir>', 'directory written by nrc run (holds manifest.json and the CSVs)')
    .addOption(new Option('--format <format>', 'image format').choices(FIGURE_FORMATS).default('png' as FigureFormat))
    .option('-q, --quiet', 'no summary line', false)
    .action(async (dir, opts) => {
      if (!existsSync(dir) || !statSync(dir).isDirectory())
        throw new UsageError(`nrc plot: ${dir} is not a directory (give a results directory written by nrc run)`);
      if (!existsSync(join(dir, 'manifest.json'))) throw new UsageError(`nrc plot: ${dir} has no manifest.json (not an nrc results directory)`);
      // refuses (exit 2) a manifest or journal that does not match the tables; the figures show only committed bytes
      const committed = loadCommitted(dir);
      const warnings: string[] = [];
      let files: string[];
      try {
        const figures = await declaredFigures((committed ?? readRunManifest(dir)).experiment);
        files = await drawFigures(dir, figures, {
          format: opts.format as FigureFormat,
          ...(committed ? { committed } : {}),
          warn: (m) => {
            warnings.push(m);
            process.stderr.write(`warning: ${m}\n`);
          },
        });
      } catch (e) {
        if (e instanceof FigureWriteError) throw e; // exit 5
        throw new UsageError(`nrc plot: ${(e as Error).message}`);
      }
      const figures = files.filter((f) => basename(dirname(f)) === 'figures').length;
      if (figures === 0)
        throw new UsageError(
          `nrc plot: no figure could be drawn from ${dir} (${warnings[0] ?? 'no figure is declared for it'}); index.html lists why`,
        );
      if (!opts.quiet)
        process.stderr.write(
          `figures: ${figures} files written${warnings.length ? ` (${warnings.length} not drawn, listed above)` : ''}; open ${join(dir, 'index.html')}\n`,
        );
    });
}
