// `nrc check`: the papers' claims as regression checks, one row per claim and configuration,
// exit code 0 if all pass and 1 otherwise (for CI and for users who change the code).
import { Command } from '@commander-js/extra-typings';
import { claims, referenceRuns } from '../check/claims.ts';
import { updateReference } from '../check/reference.ts';
import type { CheckEnv, CheckRow } from '../check/types.ts';
import { findExperiment } from '../../experiments/index.ts';
import { EXIT, UsageError } from '../runner/errors.ts';

const fmt = (x: number) => (Number.isFinite(x) ? x.toPrecision(4) : String(x));

/** The experiments of experiments/index.ts, for the claims that run one. */
export const checkEnv: CheckEnv = {
  async experiment(name) {
    const exp = await findExperiment(name);
    if (!exp) throw new Error(`no experiment named ${name}`);
    return exp;
  },
};

export async function runChecks(opts: { full: boolean; only?: string }): Promise<CheckRow[]> {
  const rows: CheckRow[] = [];
  for (const claim of claims) {
    if (claim.full && !opts.full) continue;
    if (opts.only && !claim.id.includes(opts.only)) continue;
    try {
      rows.push(...(await claim.run(checkEnv)).map((r) => ({ id: claim.id, ...r })));
    } catch (e) {
      rows.push({
        id: claim.id,
        claim: claim.id,
        config: `error: ${(e as Error).message}`,
        measured: NaN,
        expected: NaN,
        relation: '~=',
        tolerance: 0,
        pass: false,
      });
    }
  }
  return rows;
}

export function formatTable(rows: CheckRow[]): string {
  const head = ['id', 'claim', 'configuration', 'measured', 'relation', 'bound/expected', 'tolerance', 'result'];
  const body = rows.map((r) => [
    r.id ?? '',
    r.claim,
    r.config,
    fmt(r.measured),
    r.relation,
    fmt(r.expected),
    fmt(r.tolerance),
    r.pass ? 'PASS' : 'FAIL',
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]))
      .join('  ')
      .trimEnd();
  return [line(head), ...body.map(line)].join('\n');
}

export function registerCheck(program: Command): void {
  program
    .command('check')
    .description("run the papers' claims on small configurations and compare reference outputs; exit 1 if any fails")
    .option('--full', 'also run the longer list of configurations', false)
    .option('--only <text>', 'run only the claims whose id (first column of the table, "id" in --json) contains this text')
    .option('--json', 'print one JSON object per row instead of a table', false)
    .option('--update-reference', 'rewrite results/reference/ from the current code (review the diff before committing)', false)
    .action(async (opts) => {
      if (opts.updateReference) {
        const files = await updateReference(referenceRuns, checkEnv);
        process.stdout.write(`${files.join('\n')}\n`);
        return;
      }
      if (opts.only !== undefined) {
        const only = opts.only;
        const ids = claims.filter((c) => opts.full || !c.full).map((c) => c.id);
        if (!ids.some((id) => id.includes(only)))
          throw new UsageError(`--only ${JSON.stringify(only)}: matches no claim; the ids are: ${ids.join(', ')}`);
      }
      const started = Date.now();
      const rows = await runChecks({ full: opts.full, only: opts.only });
      if (opts.json) for (const r of rows) process.stdout.write(`${JSON.stringify(r)}\n`);
      else process.stdout.write(`${formatTable(rows)}\n`);
      const failed = rows.filter((r) => !r.pass).length;
      process.stderr.write(`nrc check: ${rows.length - failed} passed, ${failed} failed (${((Date.now() - started) / 1000).toFixed(1)} s)\n`);
      process.exitCode = failed ? EXIT.checkFailed : EXIT.ok;
    });
}
