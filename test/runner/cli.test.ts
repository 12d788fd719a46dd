import { mkdtempSync, readFileSync, writeFileSync, chmodSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.ts';
import { writeNpy } from '../../src/io/npy.ts';

const tmp = () => mkdtempSync(join(tmpdir(), 'nrc-cli-'));

describe('nrc list / help / version', () => {
  it('lists every experiment with a summary', async () => {
    const r = await runCli(['list']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^svd-demo\s+Singular values/m);
  });
  it('prints the version and help with exit code 0', async () => {
    expect((await runCli(['--version'])).code).toBe(0);
    const help = await runCli(['run', 'svd-demo', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/--m <value>/);
    expect(help.stdout).toMatch(/Presets/);
  });
});

describe('bad input is refused before any work, with exit code 2 and one line naming the option', () => {
  const out = tmp();
  const blocker = join(out, 'a-file');
  writeFileSync(blocker, 'x');
  const readonlyDir = join(out, 'ro');
  mkdirSync(readonlyDir);
  chmodSync(readonlyDir, 0o500);
  const feats = join(out, 'feats.npy');
  const labels = join(out, 'labels.npy');
  const shortLabels = join(out, 'short-labels.npy');
  const truncated = join(out, 'truncated.npy');
  writeNpy(feats, { shape: [40, 3], data: new Float64Array(120).fill(1) });
  writeNpy(labels, { shape: [40], data: Float64Array.from({ length: 40 }, (_, i) => i % 2) }, { dtype: 'i8' }); // two classes
  writeNpy(shortLabels, { shape: [30], data: new Float64Array(30).fill(0) }, { dtype: 'i8' });
  writeFileSync(truncated, readFileSync(feats).subarray(0, 200));
  const npyRun = ['run', 'deep-rfm', '--dataset', 'npy', '--n', '20', '--n-test', '10'];
  const table: [string[], RegExp][] = [
    [['run', 'no-such-experiment'], /unknown command 'no-such-experiment'/],
    [['frobnicate'], /unknown command 'frobnicate'/],
    [['run', 'svd-demo', '--bogus', '1'], /unknown option '--bogus'/],
    [['run', 'svd-demo', '--m'], /argument missing/],
    [['run', 'svd-demo', '--m', 'abc'], /--m "abc": expected an integer > 0/],
    [['run', 'svd-demo', '--m', 'NaN'], /--m "NaN"/],
    [['run', 'svd-demo', '--m', '-3'], /--m "-3"/],
    [['run', 'svd-demo', '--m', '0'], /--m "0"/],
    [['run', 'svd-demo', '--m', '2.5'], /--m "2.5"/],
    [['run', 'svd-demo', '--m', '1e9'], /--m "1e9": expected an integer > 0 and <= 4000/],
    [['run', 'svd-demo', '--m', '10,10'], /--m "10,10": the list repeats a value/],
    [['run', 'svd-demo', '--m', '10,,20'], /--m "10,,20"/],
    [['run', 'svd-demo', '--n', ''], /--n ""/],
    [['run', 'svd-demo', '--preset', 'huge'], /--preset "huge": expected one of quick, default, paper/],
    [['run', 'svd-demo', '--seed', 'x'], /--seed "x"/],
    [['run', 'svd-demo', '--seed', '-1'], /--seed "-1"/],
    [['run', 'svd-demo', '--seeds', '0'], /--seeds "0"/],
    [['run', 'svd-demo', '--seeds', 'two'], /--seeds "two"/],
    [['run', 'svd-demo', '--shard', '3/3'], /--shard "3\/3": expected i\/n with 0 <= i < n/],
    [['run', 'svd-demo', '--shard', 'a/b'], /--shard "a\/b"/],
    [['run', 'svd-demo', '--shard', '1/0'], /--shard "1\/0"/],
    [['run', 'svd-demo', '--threads', '0'], /--threads "0"/],
    [['run', 'svd-demo', '--out', join(blocker, 'sub')], /--out ".*a-file\/sub": .*a-file is not a directory/],
    [['run', 'svd-demo', '--resume', '--preset', 'paper', '--seed', '987654'], /--resume: no directory/],
    [['merge', '--out', join(out, 'm')], /missing required argument 'dirs'/],
    [['merge', out, '--out', join(out, 'm')], /has no manifest.json/],
    [['run', 'gaussian-mixture', '--rank', '99'], /--rank 99 exceeds the smallest layer width/],
    [['run', 'gaussian-mixture', '--hidden', ''], /--hidden "": expected comma-separated integers/],
    [['run', 'gaussian-mixture', '--optimizer', 'bfgs'], /--optimizer "bfgs": expected one of lbfgs, gd/],
    [['run', 'gaussian-mixture', '--sigma', '-0.1'], /--sigma "-0.1": expected a number >= 0/],
    [['run', 'gaussian-mixture', '--lambda', '1e-3,abc'], /--lambda "1e-3,abc": item "abc" is not accepted/],
    [
      ['run', 'gaussian-mixture', '--n', '1000000', '--dim', '4000', '--hidden', '4000'],
      /a cell would need about [\d.]+ GiB of memory.*this machine has/,
    ],
    [['run', 'deep-rfm', '--dataset', 'npy'], /--dataset npy needs --features FILE.npy and --labels FILE.npy/],
    [[...npyRun, '--features', join(out, 'missing.npy'), '--labels', labels], /missing.npy: cannot read \(no such file\)/],
    [[...npyRun, '--features', truncated, '--labels', labels], /truncated.npy: .*(truncated|expected)/],
    [[...npyRun, '--features', feats, '--labels', shortLabels], /30 labels for the 40 rows of --features/],
    [[...npyRun, '--n', '35', '--features', feats, '--labels', labels], /exceed the 40 samples/],
    [['run', 'mnist-collapse', '--data-dir', join(out, 'no-such-dir')], /--data-dir: .*does not exist/],
    [['run', 'perturbation', '--n', '60', '--dim', '60', '--k', '10'], /too large to build F explicitly/],
    [['run', 'wd-ablation', '--config', 'nonsense'], /--config "nonsense": expected one of baseline/],
    [['analyze', join(out, 'missing.npy'), '--labels', labels], /missing.npy: cannot read/],
    [['analyze', feats, '--labels', shortLabels], /short-labels.npy/],
  ];
  if (process.getuid?.() !== 0) table.push([['run', 'svd-demo', '--out', join(readonlyDir, 'x')], /cannot write there/]);
  it.each(table)('nrc %j', async (args, message) => {
    const r = await runCli(args);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr.trim().split('\n').length).toBeLessThanOrEqual(2);
  });
});

describe('nrc run svd-demo end to end', () => {
  it('writes tidy CSVs and a manifest, and the same seed gives the same bytes', async () => {
    const a = tmp();
    const b = tmp();
    const args = ['run', 'svd-demo', '--m', '12,7', '--n', '5', '--seeds', '2', '--quiet', '--no-plot'];
    expect((await runCli([...args, '--out', a])).code).toBe(0);
    expect((await runCli([...args, '--out', b])).code).toBe(0);
    for (const t of ['singular_values.csv', 'summary.csv']) expect(readFileSync(join(a, t), 'utf8')).toBe(readFileSync(join(b, t), 'utf8'));
    const summary = readFileSync(join(a, 'summary.csv'), 'utf8').trim().split('\n');
    expect(summary[0]).toBe('m,n,seed,status,s_max,s_min,mp_upper,mp_lower,frobenius_identity_error');
    expect(summary).toHaveLength(1 + 4);
    for (const line of summary.slice(1)) expect(Number(line.split(',')[8])).toBeLessThan(1e-12);
    const manifest = JSON.parse(readFileSync(join(a, 'manifest.json'), 'utf8'));
    expect(manifest.status).toBe('complete');
    expect(manifest.cells).toHaveLength(4);
    expect(manifest.params.m).toEqual([12, 7]);
    // One cell alone, re-run with its own values, gives the same rows as inside the grid.
    const c = tmp();
    expect((await runCli(['run', 'svd-demo', '--m', '7', '--n', '5', '--seed', '1', '--quiet', '--no-plot', '--out', c])).code).toBe(0);
    const alone = readFileSync(join(c, 'singular_values.csv'), 'utf8').trim().split('\n').slice(1);
    const inGrid = readFileSync(join(a, 'singular_values.csv'), 'utf8')
      .trim()
      .split('\n')
      .filter((l) => l.startsWith('7,5,1,'));
    expect(alone).toEqual(inGrid);
  });
  it('refuses to mix configurations in one directory', async () => {
    const a = tmp();
    expect((await runCli(['run', 'svd-demo', '--preset', 'quick', '-q', '--no-plot', '--out', a])).code).toBe(0);
    const r = await runCli(['run', 'svd-demo', '--m', '30', '-q', '--no-plot', '--out', a]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/holds a different configuration/);
  });
});

describe('determinism across thread counts', () => {
  it('gives the same CSV bytes with 1 and 2 threads (products large enough to split across workers)', async () => {
    const outs = [tmp(), tmp()];
    for (const [i, threads] of ['1', '2'].entries()) {
      const r = await runCli(['run', 'svd-demo', '--m', '600', '--n', '400', '--threads', threads, '-q', '--no-plot', '--out', outs[i]]);
      expect(r.code).toBe(0);
    }
    for (const t of ['singular_values.csv', 'summary.csv'])
      expect(readFileSync(join(outs[1], t), 'utf8')).toBe(readFileSync(join(outs[0], t), 'utf8'));
    const m = JSON.parse(readFileSync(join(outs[1], 'manifest.json'), 'utf8'));
    expect(m.threads).toBe(2);
  }, 60_000);
});
