// The nrc program: `list`, `run <experiment>` (options built from each experiment's
// declarations), and the analysis commands. Nothing about an experiment lives here (DESIGN.md).
import { Command, CommanderError, Option } from '@commander-js/extra-typings';
import { catalog, experimentNames, type CatalogEntry } from '../../experiments/index.ts';
import { EXIT, UsageError } from '../runner/errors.ts';
import { accepted, flagName } from '../runner/params.ts';
import { packageVersion } from '../runner/meta.ts';
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
    const set = Object.entries(values)
      .map(([k, v]) => `--${flagName(k)} ${show(v)}`)
      .join(' ');
    lines.push(`  ${name.padEnd(8)} ${set || '(the defaults above)'}`);
  }
  return lines.join('\n');
}

/** What each preset runs for `spec` (the preset's value, or the built-in default where the preset does not set it). */
export function presetValues(spec: ParamSpec, exp: Experiment): string {
  const values = Object.entries(exp.presets).map(([name, preset]) => [name, show(preset[spec.name] ?? spec.default)] as const);
  const byDefault = values.find(([name]) => name === 'default')?.[1] ?? show(spec.default);
  if (values.every(([, v]) => v === byDefault)) return `default ${byDefault}`;
  return `default ${byDefault}; ${values
    .filter(([name]) => name !== 'default')
    .map(([name, v]) => `${name} ${v}`)
    .join('; ')}`;
}

function optionFor(spec: ParamSpec, exp: Experiment): Option {
  const flag = flagName(spec.name);
  const help = `${spec.help} [${accepted(spec)}; ${presetValues(spec, exp)}]`;
  if (spec.kind === 'bool') {
    return spec.default === true ? new Option(`--no-${flag}`, `turn off: ${help}`) : new Option(`--${flag}`, help);
  }
  return new Option(`--${flag} <value>`, help);
}

/** `nrc run NAME` for an experiment that the command line does not name: its summary only (the module stays unloaded). */
function addRunStub(run: Command, entry: CatalogEntry): void {
  run
    .command(entry.name)
    .summary(entry.summary)
    .description(entry.summary)
    .allowUnknownOption()
    .allowExcessArguments()
    .action(() => {
      throw new UsageError(`nrc run: put the experiment name right after run (nrc run ${entry.name} [options])`);
    });
}

function addRunCommand(run: Command, exp: Experiment): void {
  const cmd = run.command(exp.name).summary(exp.summary).description(`${exp.summary}\n\n${exp.description}`);
  for (const spec of exp.params) cmd.addOption(optionFor(spec, exp));
  cmd
    .option('--preset <name>', `parameter set: ${Object.keys(exp.presets).join(', ')}`, 'default')
    .option('--seed <seeds>', 'seed of every random draw (a list forms a grid axis)', '0')
    .option('--seeds <count>', 'repeat each cell with this many consecutive seeds from --seed', String(exp.defaultSeeds ?? 1))
    .option('--out <dir>', `results directory [default results/${exp.name}/<timestamp>]`)
    .option('--resume', 'continue an interrupted run of the same configuration (default when --out holds it)', false)
    .option('--overwrite', 'discard what --out holds and start again', false)
    .option('--shard <i/n>', 'run only shard i of n (0-based) of the grid, e.g. for a Slurm job array')
    .option('--checkpoint-every <minutes>', "write the running cell's checkpoint this often (0 = only on SIGINT/SIGTERM/SIGUSR1)", '10')
    .option('--threads <n>', 'threads for matrix products (results are identical for any count) [default: all cores, or NRC_THREADS]')
    .option('--no-plot', 'do not draw figures at the end')
    .option(
      '--dry-run',
      'run nothing and write nothing: list the cells with memory and CPU-hours per cell and in total, estimated from a few timed steps at the real sizes times the iteration or epoch budget, and suggest a Slurm array size and time limit',
      false,
    )
    .option('-q, --quiet', 'no progress output', false)
    .addHelpText('after', presetTable(exp))
    .action(async (opts) => {
      const all = opts as Record<string, unknown>;
      const given: Record<string, string | boolean | undefined> = {};
      for (const spec of exp.params) {
        const source = cmd.getOptionValueSource(spec.name);
        if (source === 'cli' || source === 'env') given[spec.name] = all[spec.name] as string | boolean;
      }
      const [{ getThreads, setThreads }, { dryRunExperiment, runExperiment }] = await Promise.all([
        import('../linalg/index.ts'),
        import('../runner/run.ts'),
      ]);
      if (opts.threads !== undefined) {
        const n = Number(opts.threads);
        if (!/^\d+$/.test(opts.threads.trim()) || n < 1 || n > 256)
          throw new UsageError(`--threads ${JSON.stringify(opts.threads)}: expected a whole number from 1 to 256`);
        setThreads(n);
      }
      const threads = getThreads();
      const checkpointEvery = Number(opts.checkpointEvery);
      if (opts.checkpointEvery.trim() === '' || !Number.isFinite(checkpointEvery) || checkpointEvery < 0) {
        throw new UsageError(
          `--checkpoint-every ${JSON.stringify(opts.checkpointEvery)}: expected minutes >= 0 (e.g. 10; 0 = only when stopped by a signal)`,
        );
      }
      const runOptions = {
        checkpointEvery,
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

/** The other commands, each from its own module (loaded only when the command line needs them). */
async function registerOthers(program: Command): Promise<void> {
  const [merge, check, analyze, plot, status] = await Promise.all([
    import('./merge.ts'),
    import('./check.ts'),
    import('./analyze.ts'),
    import('./plot.ts'),
    import('./status.ts'),
  ]);
  merge.registerMerge(program);
  check.registerCheck(program);
  analyze.registerAnalyze(program);
  plot.registerPlot(program);
  status.registerStatus(program);
}

/**
 * The program for `argv`. Only what the command line needs is loaded: `nrc --version`, `nrc list` and `nrc run NAME`
 * load one experiment at most and none of the other commands; anything else (`nrc --help`, `nrc analyze`, a typo) loads all.
 */
export async function buildProgram(argv: string[] = []): Promise<Command> {
  const program = new Command('nrc')
    .description(
      'Reproduce, check and extend the papers on neural rank collapse, AGOP deep neural collapse and perturbation analysis of neural collapse.',
    )
    .version(packageVersion(), '-V, --version')
    .showSuggestionAfterError(true)
    .exitOverride()
    .addHelpText(
      'after',
      `\nExit codes: ${EXIT.ok} success, ${EXIT.checkFailed} a check failed, ${EXIT.usage} bad input, ${EXIT.cellsFailed} a sweep finished with failed cells, ${EXIT.internal} an internal error, ${EXIT.storage} a write failed (disk full, quota, I/O error: free space and run the same command to resume), ${EXIT.interrupted} interrupted.`,
    );

  program
    .command('list')
    .description('list the experiments with a one-line summary')
    .action(() => {
      const width = Math.max(...catalog.map((e) => e.name.length));
      for (const e of catalog) process.stdout.write(`${e.name.padEnd(width)}  ${e.summary}\n`);
    });

  const run = program
    .command('run')
    .description('run an experiment: nrc run <experiment> [options] (see nrc list; nrc run <experiment> --help)')
    .exitOverride();
  for (const entry of catalog) {
    if (argv[0] === 'run' && argv[1] === entry.name) addRunCommand(run, await entry.load());
    else addRunStub(run, entry);
  }
  const lean = argv[0] === 'list' || argv[0] === 'run' || (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-V'));
  if (!lean) await registerOthers(program);
  return program;
}

function exitOverrideAll(cmd: Command): void {
  cmd.exitOverride();
  for (const sub of cmd.commands) exitOverrideAll(sub as Command);
}

export async function main(argv: string[]): Promise<number> {
  const program = await buildProgram(argv);
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
        process.stderr.write(`nrc: experiments are: ${experimentNames.join(', ')}\n`);
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
