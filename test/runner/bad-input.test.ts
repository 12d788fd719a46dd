// Every bad invocation is refused up front: exit 2, one line naming the option or file
// and what is accepted, within 3 s, and nothing created. Table-driven across run (every experiment
// and every numeric or choice parameter), analyze, merge, plot and check.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadExperiments } from '../../experiments/index.ts';

const experiments = await loadExperiments();
import { flagName } from '../../src/runner/params.ts';
import type { ParamSpec } from '../../src/runner/types.ts';
import { runCli } from '../helpers/cli.ts';

const base = mkdtempSync(join(tmpdir(), 'nrc-bad-'));
const out = join(base, 'never-created');
const fifo = join(base, 'fifo.npy');
execFileSync('mkfifo', [fifo]);
const notNrc = join(base, 'not-nrc');
mkdirSync(notNrc);
writeFileSync(join(notNrc, 'manifest.json'), '{"x": 1}');
const hexCsv = join(base, 'hex.csv');
writeFileSync(hexCsv, '0x3,1\n2,3\n');

/** Values no parameter of this kind accepts. */
function badValues(spec: ParamSpec): string[] {
  switch (spec.kind) {
    case 'float': return ['abc', '0x3', '1e-400', '1e400', '1_0', 'Infinity'];
    case 'int': return ['abc', '0x3', '1.5', '1e400', '--'];
    case 'ints': return ['a,b', '0x3'];
    case 'string': return spec.choices ? ['no-such-choice'] : [];
    case 'bool': return [];
  }
}

const table: string[][] = [];
for (const exp of experiments) {
  const run = ['run', exp.name, '--quiet', '--no-plot'];
  for (const spec of exp.params) for (const v of badValues(spec)) table.push([...run, `--${flagName(spec.name)}=${v}`, '--out', out]);
  for (const extra of [['--preset', '__proto__'], ['--preset', 'constructor'], ['--preset', 'toString'], ['--seeds', '0'], ['--seeds', '1000000000'], ['--seed', '-1'], ['--seed', '0x3'],
    ['--shard', '3/2'], ['--bogus', '1'], ['--out', '/proc/nrc-x'], ['--out', '/sys/nrc-x'], ['--out', '/dev/null'], ['--out', fifo], ['--out', join(fifo, 'sub')], ['--out', notNrc, '--overwrite']]) {
    table.push([...run, ...extra, ...(extra.includes('--out') ? [] : ['--out', out])]);
  }
}
table.push(
  ['analyze', join(base, 'missing.npy'), '--labels', join(base, 'missing.npy')],
  ['analyze', fifo, '--labels', fifo],
  ['analyze', hexCsv, '--labels', hexCsv, '--out', out],
  ['merge', join(base, 'missing'), '--out', out],
  ['merge', notNrc, '--out', out],
  ['merge', base, '--out', out],
  ['plot', join(base, 'missing')],
  ['plot', notNrc],
  ['plot', base],
  ['check', '--only', 'no-claim-has-this-id'],
  ['check', '--bogus'],
  ['list', '--bogus'],
  ['frobnicate'],
);

describe('bad invocations', () => {
  it(`holds at least 150 (has ${table.length})`, () => {
    expect(table.length).toBeGreaterThanOrEqual(150);
  });
  it.each(table.map((args) => [args.join(' '), args]))('nrc %s: exit 2, one line, within 3 s, nothing created', async (_name, args) => {
    const before = readdirSync(base).sort();
    const started = Date.now();
    const r = await runCli(args as string[]);
    const seconds = (Date.now() - started) / 1000;
    expect(r.code).toBe(2);
    expect(seconds).toBeLessThan(3);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(base).sort()).toEqual(before);
  });
});
