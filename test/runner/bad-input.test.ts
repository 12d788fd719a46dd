// Every bad invocation is refused up front: exit 2, one line naming the option or file
// and what is accepted, within 3 s, and nothing created. Table-driven across run (every experiment
// and every numeric or choice parameter), analyze, merge, plot and check.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadExperiments } from '../../experiments/index.ts';

const experiments = await loadExperiments();
import { flagName } from '../../src/runner/params.ts';
import { encodeIdx, IDX_FILES } from '../../src/data/idx.ts';
import { writeNpy } from '../../src/io/npy.ts';
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

/** A directory of the four MNIST IDX files (12 training and 12 test images), with `harm` applied to one file's bytes. */
function idxDir(name: string, harm: (files: Record<string, Uint8Array>) => void): string {
  const dir = join(base, name);
  mkdirSync(dir);
  const files: Record<string, Uint8Array> = {};
  for (const part of ['train', 'test'] as const) {
    files[IDX_FILES[part].images] = encodeIdx(0x08, [12, 28, 28], new Uint8Array(12 * 28 * 28));
    files[IDX_FILES[part].labels] = encodeIdx(
      0x08,
      [12],
      Uint8Array.from({ length: 12 }, (_, i) => i % 10),
    );
  }
  harm(files);
  for (const [f, bytes] of Object.entries(files)) writeFileSync(join(dir, f), bytes);
  return dir;
}
const trainImages = IDX_FILES.train.images;
const trainLabels = IDX_FILES.train.labels;
const badIdxDirs = [
  idxDir('idx-magic', (f) => {
    f[trainImages] = Uint8Array.from([1, 2, ...f[trainImages].subarray(2)]);
  }),
  idxDir('idx-truncated', (f) => {
    f[trainImages] = f[trainImages].subarray(0, 1000);
  }),
  idxDir('idx-gzip', (f) => {
    const gz = gzipSync(f[trainLabels]);
    f[`${trainLabels}.gz`] = gz.subarray(0, gz.length - 6);
    delete f[trainLabels];
  }),
  idxDir('idx-label62', (f) => {
    f[trainLabels] = encodeIdx(
      0x08,
      [12],
      Uint8Array.from({ length: 12 }, (_, i) => (i === 5 ? 62 : i % 10)),
    );
  }),
  idxDir('idx-huge-dims', (f) => {
    const b = Uint8Array.from(f[trainImages]);
    new DataView(b.buffer).setUint32(4, 2 ** 32 - 1, false);
    f[trainImages] = b;
  }),
  idxDir('idx-not-28', (f) => {
    f[trainImages] = encodeIdx(0x08, [12, 27, 29], new Uint8Array(12 * 27 * 29));
  }),
];
/** deep-rfm --dataset npy inputs: 12 samples x 3 features, labels 0..2. */
function npy(name: string, shape: number[], data: number[]): string {
  const path = join(base, name);
  writeNpy(path, { shape, data });
  return path;
}
const goodFeatures = npy(
  'features.npy',
  [12, 3],
  Array.from({ length: 36 }, (_, i) => Math.sin(i)),
);
const goodLabels = npy(
  'labels.npy',
  [12],
  Array.from({ length: 12 }, (_, i) => i % 3),
);
const badNpy: [string, string][] = [
  [
    npy(
      'nan.npy',
      [12, 3],
      Array.from({ length: 36 }, (_, i) => (i === 7 ? NaN : i)),
    ),
    goodLabels,
  ],
  [
    npy(
      'inf.npy',
      [12, 3],
      Array.from({ length: 36 }, (_, i) => (i === 7 ? -Infinity : i)),
    ),
    goodLabels,
  ],
  [npy('zero-cols.npy', [12, 0], []), goodLabels],
  [goodFeatures, npy('one-class.npy', [12], Array(12).fill(1))],
  [
    goodFeatures,
    npy(
      'label-2e31.npy',
      [12],
      Array.from({ length: 12 }, (_, i) => (i === 3 ? 2 ** 31 - 1 : i % 3)),
    ),
  ],
  [
    goodFeatures,
    npy(
      'label-12.npy',
      [12],
      Array.from({ length: 12 }, (_, i) => (i === 3 ? 12 : i % 3)),
    ),
  ],
];

const nanClassifier = npy('nan-classifier.npy', [3, 3], [1, 0, 0, 0, NaN, 0, 0, 0, 1]);
/** A .safetensors file whose two tensors share bytes 8..16. */
const overlapping = join(base, 'overlap.safetensors');
{
  const header = Buffer.from(
    JSON.stringify({ a: { dtype: 'F64', shape: [2], data_offsets: [0, 16] }, b: { dtype: 'F64', shape: [2], data_offsets: [8, 24] } }),
  );
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(header.length));
  writeFileSync(overlapping, Buffer.concat([length, header, Buffer.alloc(24)]));
}
const typoCsv = join(base, 'typo.csv');
writeFileSync(typoCsv, '1.0,2.o,3\n4,5,6\n7,8,9\n');
const typoLabels = join(base, 'typo-labels.csv');
writeFileSync(typoLabels, '0\n1\n');

/** Values no parameter of this kind accepts. */
function badValues(spec: ParamSpec): string[] {
  switch (spec.kind) {
    case 'float':
      return ['abc', '0x3', '1e-400', '1e400', '1_0', 'Infinity'];
    case 'int':
      return ['abc', '0x3', '1.5', '1e400', '--'];
    case 'ints':
      return ['a,b', '0x3'];
    case 'string':
      return spec.choices ? ['no-such-choice'] : [];
    case 'bool':
      return [];
  }
}

const table: string[][] = [];
for (const exp of experiments) {
  const run = ['run', exp.name, '--quiet', '--no-plot'];
  for (const spec of exp.params) for (const v of badValues(spec)) table.push([...run, `--${flagName(spec.name)}=${v}`, '--out', out]);
  for (const extra of [
    ['--preset', '__proto__'],
    ['--preset', 'constructor'],
    ['--preset', 'toString'],
    ['--seeds', '0'],
    ['--seeds', '1000000000'],
    ['--seed', '-1'],
    ['--seed', '0x3'],
    ['--shard', '3/2'],
    ['--bogus', '1'],
    ['--out', '/proc/nrc-x'],
    ['--out', '/sys/nrc-x'],
    ['--out', '/dev/null'],
    ['--out', fifo],
    ['--out', join(fifo, 'sub')],
    ['--out', notNrc, '--overwrite'],
  ]) {
    table.push([...run, ...extra, ...(extra.includes('--out') ? [] : ['--out', out])]);
  }
}
for (const dir of badIdxDirs) {
  table.push(['run', 'mnist-collapse', '--quiet', '--no-plot', '--n', '10', '--n-test', '10', '--data-dir', dir, '--out', out]);
  table.push(['run', 'deep-rfm', '--quiet', '--no-plot', '--n', '10', '--n-test', '2', '--data-dir', dir, '--out', out]);
}
for (const [features, labels] of badNpy) {
  table.push([
    'run',
    'deep-rfm',
    '--quiet',
    '--no-plot',
    '--dataset',
    'npy',
    '--features',
    features,
    '--labels',
    labels,
    '--n',
    '8',
    '--n-test',
    '2',
    '--lin-n',
    '4',
    '--out',
    out,
  ]);
}
table.push(
  ['analyze', join(base, 'missing.npy'), '--labels', join(base, 'missing.npy')],
  ['analyze', fifo, '--labels', fifo],
  ['analyze', hexCsv, '--labels', hexCsv, '--out', out],
  ['analyze', join(base, 'zero-cols.npy'), '--labels', goodLabels, '--out', out],
  ['analyze', goodFeatures, '--labels', goodLabels, '--classifier', nanClassifier, '--out', out],
  ['analyze', '--weights', overlapping, '--out', out],
  ['analyze', typoCsv, '--labels', typoLabels, '--out', out],
  ['analyze', goodFeatures, '--labels', goodLabels, '--out', join(typoCsv, 'sub')],
  ['analyze', goodFeatures, '--labels', goodLabels, '--out', '/proc/nrc-x'],
  ['analyze', '--weights', overlapping, '--out', '/sys/nrc-x'],
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
