// Which figures each experiment draws. A new experiment adds its figures by adding an entry
// here: experiment name -> list of FigureDef (see types.ts), each reading the run's CSVs.
import { MissingData } from './data.ts';
import { AGOP_FIGURES } from './figures/agop.ts';
import { NRC_FIGURES } from './figures/nrc.ts';
import { PERTURBATION_FIGURES } from './figures/perturbation.ts';
import { ANALYZE_FIGURES } from './figures/analyze.ts';
import type { Figure, FigureContext, FigureDef, RunManifest } from './types.ts';

export const FIGURES: Record<string, FigureDef[]> = {
  ...NRC_FIGURES,
  ...AGOP_FIGURES,
  ...PERTURBATION_FIGURES,
  ...ANALYZE_FIGURES,
};

/** Register (or replace) the figures of an experiment at run time. */
export function registerFigures(experiment: string, defs: FigureDef[]): void {
  FIGURES[experiment] = defs;
}

/**
 * The figures of a results directory: every FigureDef of its experiment, built from its CSVs.
 * A figure whose data are missing (or whose builder fails) is skipped with a warning.
 */
export function buildFigures(dir: string, manifest: RunManifest, warn: (message: string) => void = () => {}): Figure[] {
  const defs = FIGURES[manifest.experiment];
  if (!defs) {
    warn(`no figures are declared for experiment ${JSON.stringify(manifest.experiment)}`);
    return [];
  }
  const ctx: FigureContext = { dir, manifest, warn };
  const out: Figure[] = [];
  for (const def of defs) {
    try {
      const built = def.build(ctx);
      out.push(...(Array.isArray(built) ? built : [built]));
    } catch (e) {
      const reason = e instanceof MissingData ? e.message : `${(e as Error).name}: ${(e as Error).message}`;
      warn(`figure ${def.name} skipped: ${reason}`);
    }
  }
  return out;
}
