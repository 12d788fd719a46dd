// Reference outputs: small deterministic runs whose CSVs are kept in results/reference/, so a change
// that silently shifts a number fails `nrc check` (values within a stated relative tolerance).
import { existsSync, mkdtempSync, rmSync, mkdirSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runExperiment } from '../runner/run.ts';
import { readTable } from '../runner/finalize.ts';
import { packageRoot } from '../runner/meta.ts';
import { checkRow, type CheckEnv, type CheckRow, type Claim } from './types.ts';

export interface ReferenceRun {
  /** File stem under results/reference/: <name>.<table>.csv */
  name: string;
  experiment: string;
  args: Record<string, string>;
  tables: string[];
  /** Relative tolerance on every numeric column (platform and thread-count differences in the last bits). */
  rtol: number;
  /** Columns that are not compared (wall-clock times). */
  ignore?: string[];
}

export const referenceDir = join(packageRoot, 'results', 'reference');

async function runReference(ref: ReferenceRun, env: CheckEnv): Promise<string> {
  const exp = await env.experiment(ref.experiment);
  const out = mkdtempSync(join(tmpdir(), `nrc-ref-${ref.name}-`));
  const given: Record<string, string> = { ...ref.args };
  delete given.preset;
  const summary = await runExperiment(exp, {
    preset: ref.args.preset ?? 'quick',
    given,
    seed: '0',
    seeds: '1',
    out,
    resume: false,
    overwrite: false,
    quiet: true,
    plot: false,
    threads: 1,
    command: ['nrc', 'check'],
  });
  if (summary.exitCode !== 0) throw new Error(`reference ${ref.name}: run ended with exit code ${summary.exitCode}`);
  return out;
}

/** Largest relative difference between two tables over their numeric columns; NaN if shapes differ. */
export function compareTables(a: Record<string, unknown>[], b: Record<string, unknown>[], ignore: string[] = []): { worst: number; where: string } {
  if (a.length !== b.length) return { worst: Infinity, where: `${a.length} rows vs ${b.length}` };
  let worst = 0;
  let where = '';
  for (let i = 0; i < a.length; i++) {
    for (const col of Object.keys(b[i])) {
      if (ignore.includes(col)) continue;
      const x = a[i][col];
      const y = b[i][col];
      if (typeof x === 'number' && typeof y === 'number') {
        if (Number.isNaN(x) && Number.isNaN(y)) continue;
        const d = Math.abs(x - y) / Math.max(Math.abs(y), 1e-300);
        const diff = Math.abs(x - y) <= 1e-14 ? 0 : d;
        if (diff > worst) {
          worst = diff;
          where = `row ${i + 1} ${col}: ${x} vs ${y}`;
        }
      } else if (x !== y) {
        return { worst: Infinity, where: `row ${i + 1} ${col}: ${String(x)} vs ${String(y)}` };
      }
    }
  }
  return { worst, where };
}

export function referenceClaim(ref: ReferenceRun): Claim {
  return {
    id: `reference:${ref.name}`,
    async run(env): Promise<CheckRow[]> {
      const out = await runReference(ref, env);
      try {
        return ref.tables.map((table) => {
          const path = join(referenceDir, `${ref.name}.${table}.csv`);
          const config = `${ref.experiment} ${Object.entries(ref.args)
            .map(([k, v]) => `--${k} ${v}`)
            .join(' ')} (${table})`;
          if (!existsSync(path)) return { ...checkRow('reference output', `${config}: ${path} missing`, Infinity, '<=', ref.rtol, 0), pass: false };
          const { worst } = compareTables(readTable(join(out, `${table}.csv`)), readTable(path), ref.ignore);
          return checkRow('reference output', config, worst, '<=', ref.rtol, 0);
        });
      } finally {
        rmSync(out, { recursive: true, force: true });
      }
    },
  };
}

/** Regenerate the reference CSVs (nrc check --update-reference). */
export async function updateReference(refs: ReferenceRun[], env: CheckEnv): Promise<string[]> {
  mkdirSync(referenceDir, { recursive: true });
  const written: string[] = [];
  for (const ref of refs) {
    const out = await runReference(ref, env);
    for (const table of ref.tables) {
      const dest = join(referenceDir, `${ref.name}.${table}.csv`);
      copyFileSync(join(out, `${table}.csv`), dest);
      written.push(dest);
    }
    rmSync(out, { recursive: true, force: true });
  }
  return written;
}
