// `nrc merge DIR... --out DIR`: combine the shard directories of one sweep into the directory a
// single process would have written (rows in grid order), refusing mismatched configurations and
// reporting missing or duplicated cells (issue: sweeps that survive).
import { Command } from '@commander-js/extra-typings';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { findExperiment } from '../../experiments/index.ts';
import { expandGrid, type ResolvedParams } from '../runner/params.ts';
import { drawFiguresSafely, finalizeRun } from '../runner/finalize.ts';
import { ResultStore, loadJournalled, type CellRecord, type Manifest } from '../runner/store.ts';
import { UsageError } from '../runner/errors.ts';

/** Each committed cell's exact bytes in every table of a shard. */
type CellBytes = Record<string, { rows: number; bytes: Buffer }>;
interface ShardData {
  dir: string;
  manifest: Manifest;
  rows: Map<string, CellBytes>;
}

/**
 * The committed cells of a directory with the bytes each added to every table, as its journal
 * records them (validated, and proven against the tables by checksum, before use).
 */
function loadShard(dir: string): ShardData {
  const loaded = loadJournalled(dir);
  if (!loaded) throw new UsageError(`nrc merge: ${dir} has no manifest.json (not an nrc results directory)`);
  const { manifest, records } = loaded;
  const tables: Record<string, Buffer> = {};
  for (const name of Object.keys(manifest.tables)) {
    const path = join(dir, `${name}.csv`);
    if (!existsSync(path)) throw new UsageError(`nrc merge: ${path} is missing`);
    tables[name] = readFileSync(path);
  }
  const rows = new Map<string, CellBytes>();
  for (const r of records) {
    const mine: CellBytes = {};
    for (const name of Object.keys(manifest.tables)) {
      const [start, end] = r.ranges[name];
      mine[name] = { rows: r.cell.rows[name] ?? 0, bytes: tables[name].subarray(start, end) };
    }
    rows.set(r.cell.key, mine);
  }
  return { dir, manifest, rows };
}

export async function mergeDirectories(dirs: string[], out: string, opts: { plot: boolean; quiet: boolean }): Promise<Manifest> {
  if (dirs.length === 0) throw new UsageError('nrc merge: give at least one results directory');
  const shards = dirs.map(loadShard);
  const first = shards[0].manifest;
  for (const s of shards) {
    if (s.manifest.experiment !== first.experiment || s.manifest.config_hash !== first.config_hash) {
      throw new UsageError(
        `nrc merge: ${s.dir} holds a different configuration (${s.manifest.experiment}, hash ${s.manifest.config_hash}) than ${shards[0].dir} (${first.experiment}, hash ${first.config_hash})`,
      );
    }
  }
  const exp = await findExperiment(first.experiment);
  if (!exp) throw new UsageError(`nrc merge: unknown experiment ${first.experiment} in ${shards[0].dir}`);
  const cells = expandGrid(exp, first.params as ResolvedParams, first.seeds);
  const owner = new Map<string, { shard: ShardData; record: CellRecord }>();
  for (const s of shards) {
    for (const record of s.manifest.cells) {
      const prev = owner.get(record.key);
      if (prev) throw new UsageError(`nrc merge: cell ${record.key} is in both ${prev.shard.dir} and ${s.dir}`);
      owner.set(record.key, { shard: s, record });
    }
  }
  const missing = cells.filter((c) => !owner.has(c.key));
  if (missing.length) {
    throw new UsageError(
      `nrc merge: ${missing.length} of ${cells.length} cells are missing (first: ${missing[0].key}); run the missing shards (or --resume them) first`,
    );
  }
  if (existsSync(join(out, 'manifest.json'))) throw new UsageError(`nrc merge: --out ${out} already holds results; choose a new directory`);
  const fresh: Manifest = {
    ...first,
    command: ['nrc', 'merge', ...dirs, '--out', out],
    shard: null,
    started_at: shards.map((s) => s.manifest.started_at).sort()[0],
    finished_at: null,
    status: 'running',
    cells_total: cells.length,
    committed_bytes: {},
    cells: [],
  };
  const store = ResultStore.open(out, fresh);
  try {
    await commitMerged(store, cells, owner);
    store.flush();
    const failures = store.manifest.cells.filter((c) => c.status !== 'ok').length;
    await finalizeRun(exp, store, { plot: false, quiet: opts.quiet });
    store.finish(failures ? 'complete_with_failures' : 'complete');
  } finally {
    store.close();
  }
  if (opts.plot) await drawFiguresSafely(out, opts.quiet, exp.figures);
  return store.manifest;
}

async function commitMerged(
  store: ResultStore,
  cells: { key: string }[],
  owner: Map<string, { shard: ShardData; record: CellRecord }>,
): Promise<void> {
  for (const cell of cells) {
    const { shard, record } = owner.get(cell.key)!;
    const { rows: _counts, ...rest } = record;
    store.commitBytes(rest, shard.rows.get(cell.key)!);
  }
}

export function registerMerge(program: Command): void {
  program
    .command('merge')
    .description('combine shard directories of one sweep (nrc run ... --shard i/n) into one results directory')
    .argument('<dirs...>', 'shard results directories')
    .requiredOption('--out <dir>', 'directory for the merged results (must not hold results yet)')
    .option('--no-plot', 'do not draw figures')
    .option('-q, --quiet', 'no progress output', false)
    .action(async (dirs, opts) => {
      const m = await mergeDirectories(dirs, opts.out, { plot: opts.plot, quiet: opts.quiet });
      if (!opts.quiet) process.stderr.write(`merged ${dirs.length} directories: ${m.cells.length} cells of ${m.experiment} in ${opts.out}\n`);
    });
}
