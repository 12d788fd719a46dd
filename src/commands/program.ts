// The nrc program: `list`, `run <experiment>` (options built from each experiment's
// declarations), and the analysis commands. Nothing about an experiment lives here (DESIGN.md).
import { Command, CommanderError, Option } from '@commander-js/extra-typings';
import { experiments } from '../../experiments/index.ts';
import { EXIT, UsageError } from './errors.ts';
import { registerMerge } from './merge.ts';
import { registerCheck } from './check.ts';
import { registerAnalyze } from './analyze.ts';
import { registerPlot } from './plot.ts';
import { registerStatus } from './status.ts';
import { accepted, flagName } from '../runner/params.ts';
import { getThreads, setThreads } from '../linalg/index.ts';
import { packageVersion } from '../runner/meta.ts';
import { dryRunExperiment, runExperiment } from '../runner/run.ts';
import type { Experiment, ParamSpec, ParamValue } from '../runner/types.ts';

/** The arguments `main` is parsing (process.argv when run as a command; the test's list in-process). */
let parsedArgv: string[] = process.argv.slice(2);

function show(v: ParamValue | ParamValue[]): string {
  if (Array.isArray(v) && v.length > 0 && Array.isArray(v[0])) return (v as number[][]).map((x) => x.join(',')).join(';');
  return Array.isArray(v) ? v.join(',') : String(v);
}

function presetTable(exp: Experiment): string {
  const lines = ['', 'Presets (--preset NAME; options you give override them):'];
  for (const [name, values] of Object.entries(exp.presets)) {
    const set = Object.entries(values).map(([k, v]) => `--${flagName(k)} ${show(v)}`).join(' ');
    lines.push(`  ${name.padEnd(8)} ${set || '(the defaults above)'}`);
  }
  return lines.join('\n');
}

function optionFor(spec: ParamSpec): Option {
  const flag = flagName(spec.name);
  const help = `${spec.help} [${accepted(spec)}; default ${show(spec.default)}]`;
  if (spec.kind === 'bool') {
    return spec.default === true ? new Option(`--no-${flag}`, `turn off: ${help}`) : new Option(`--${flag}`, help);
  }
  return new Option(`--${flag} <value>`, help);
}

function addRunCommand(run: Command, exp: Experiment): void {
  const cmd = run.command(exp.name).summary(exp.summary).description(`${exp.summary}\n\n${exp.description}`);
  for (const spec of exp.params) cmd.addOption(optionFor(spec));
  cmd
    .option('--preset <name>', `parameter set: ${Object.keys(exp.presets).join(', ')}`, 'default')
    .option('--seed <seeds>', 'seed of every random draw (a list forms a grid axis)', '0')
    .option('--seeds <count>', 'repeat each cell with this many consecutive seeds from --seed', String(exp.defaultSeeds ?? 1))
    .option('--out <dir>', `results directory [default results/${exp.name}/<timestamp>]`)
    .option('--resume', 'continue an interrupted run of the same configuration (default when --out holds it)', false)
    .option('--overwrite', 'discard what --out holds and start again', false)
    .option('--shard <i/n>', 'run only shard i of n (0-based) of the grid, e.g. for a Slurm job array')
    .option('--threads <n>', 'threads for matrix products (results are identical for any count) [default: all cores, or NRC_THREADS]')
    .option('--no-plot', 'do not draw figures at the end')
    .option('--dry-run', 'run nothing and write nothing: list the cells with memory and CPU-hours per cell and in total, estimated from a few timed steps at the real sizes times the iteration or epoch budget, and suggest a Slurm array size and time limit', false)
    .option('-q, --quiet', 'no progress output', false)
    .addHelpText('after', presetTable(exp))
    .action(async (opts) => {
      const all = opts as Record<string, unknown>;
      const given: Record<string, string | boolean | undefined> = {};
      for (const spec of exp.params) {
        const source = cmd.getOptionValueSource(spec.name);
        if (source === 'cli' || source === 'env') given[spec.name] = all[spec.name] as string | boolean;
      }
      if (opts.threads !== undefined) {
        const n = Number(opts.threads);
        if (!/^\d+$/.test(opts.threads.trim()) || n < 1 || n > 256) throw new UsageError(`--threads ${JSON.stringify(opts.threads)}: expected a whole number from 1 to 256`);
        setThreads(n);
      }
      const threads = getThreads();
      const runOptions = {
        preset: opts.preset,
        given,
        seed: opts.seed,
        seeds: opts.seeds,
        out: opts.out,
        resume: opts.resume,
        overwrite: opts.overwrite,
        shard: opts.shard,
        quiet: opts.quiet,
        plot: opts.plot,
        threads,
        command: ['nrc', ...parsedArgv],
      };
      process.exitCode = opts.dryRun ? await dryRunExperiment(exp, runOptions) : (await runExperiment(exp, runOptions)).exitCode;
    });
}

export function buildProgram(): Command {
  const program = new Command('nrc')
    .description('Reproduce, check and extend the papers on neural rank collapse, AGOP deep neural collapse and perturbation analysis of neural collapse.')
    .version(packageVersion(), '-V, --version')
    .showSuggestionAfterError(true)
    .exitOverride()
    .addHelpText('after', `\nExit codes: ${EXIT.ok} success, ${EXIT.checkFailed} a check failed, ${EXIT.usage} bad input, ${EXIT.cellsFailed} a sweep finished with failed cells, ${EXIT.internal} an internal error, ${EXIT.storage} a write failed (disk full, quota, I/O error: free space and run the same command to resume), ${EXIT.interrupted} interrupted.`);

  program.command('list').description('list the experiments with a one-line summary').action(() => {
    const width = Math.max(...experiments.map((e) => e.name.length));
    for (const e of experiments) process.stdout.write(`${e.name.padEnd(width)}  ${e.summary}\n`);
  });

  const run = program.command('run').description('run an experiment: nrc run <experiment> [options] (see nrc list; nrc run <experiment> --help)')
    .exitOverride();
  for (const exp of experiments) addRunCommand(run as unknown as Command, exp);
  registerMerge(program as unknown as Command);
  registerCheck(program as unknown as Command);
  registerAnalyze(program as unknown as Command);
  registerPlot(program as unknown as Command);
  registerStatus(program as unknown as Command);
  return program as unknown as Command;
}

function exitOverrideAll(cmd: Command): void {
  cmd.exitOverride();
  for (const sub of cmd.commands) exitOverrideAll(sub as Command);
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  exitOverrideAll(program);
  parsedArgv = argv;
  try {
    await program.parseAsync(argv, { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return EXIT.ok;
      if (e.code === 'commander.executeSubCommandAsync') return EXIT.ok;
      if (e.code === 'commander.unknownCommand' && argv[0] === 'run') {
        process.stderr.write(`nrc: experiments are: ${experiments.map((x) => x.name).join(', ')}\n`);
      }
      return EXIT.usage;
    }
    if (e instanceof UsageError) {
      process.stderr.write(`nrc: ${e.message}\n`);
      return EXIT.usage;
    }
    const exitCode = (e as { exitCode?: unknown }).exitCode;
    if (typeof exitCode === 'number') {
      process.stderr.write(`nrc: ${(e as Error).message}\n`);
      return exitCode;
    }
    process.stderr.write(`nrc: internal error: ${(e as Error).stack ?? String(e)}\n`);
    return EXIT.internal;
  }
}
