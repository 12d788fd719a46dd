import { describe, expect, it } from 'vitest';
import { checkRow } from '../../src/check/types.ts';
import { compareTables } from '../../src/check/reference.ts';
import { runCli } from '../helpers/cli.ts';

describe('checkRow', () => {
  it('passes and fails bounds and equalities as stated', () => {
    expect(checkRow('c', 'x', 1, '<=', 2, 0).pass).toBe(true);
    expect(checkRow('c', 'x', 2.1, '<=', 2, 0).pass).toBe(false);
    expect(checkRow('c', 'x', 2 + 1e-13, '<=', 2, 1e-12).pass).toBe(true);
    expect(checkRow('c', 'x', 1.0000001, '~=', 1, 1e-6).pass).toBe(true);
    expect(checkRow('c', 'x', 1.00001, '~=', 1, 1e-6).pass).toBe(false);
    expect(checkRow('c', 'x', 1e-9, '~=', 0, 1e-8).pass).toBe(true);
    expect(checkRow('c', 'x', NaN, '<=', 1, 0).pass).toBe(false);
    expect(checkRow('c', 'x', 3, '>=', 2, 0).pass).toBe(true);
  });
});

describe('compareTables', () => {
  it('reports the largest relative difference, and a row or text mismatch as infinite', () => {
    const a = [
      { x: 1, s: 'ok' },
      { x: 2, s: 'ok' },
    ];
    expect(compareTables(a, a).worst).toBe(0);
    expect(
      compareTables(
        [
          { x: 1, s: 'ok' },
          { x: 2.000002, s: 'ok' },
        ],
        a,
      ).worst,
    ).toBeCloseTo(1e-6, 12);
    expect(compareTables(a.slice(0, 1), a).worst).toBe(Infinity);
    expect(
      compareTables(
        [
          { x: 1, s: 'no' },
          { x: 2, s: 'ok' },
        ],
        a,
      ).worst,
    ).toBe(Infinity);
    expect(compareTables([{ x: 1, seconds: 9 }], [{ x: 1, seconds: 3 }], ['seconds']).worst).toBe(0);
  });
});

describe('nrc check', () => {
  it('runs the theory claims and the reference outputs, all passing, as JSON rows', async () => {
    const r = await runCli(['check', '--json', '--only', 'theorem5.3']);
    expect(r.code).toBe(0);
    const rows = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(rows.length).toBe(9);
    for (const row of rows) {
      expect(row.pass).toBe(true);
      expect(row.measured).toBeLessThanOrEqual(row.expected);
      expect(row.measured).toBeGreaterThan(0);
    }
    const ref = await runCli(['check', '--only', 'reference:svd-demo']);
    expect(ref.code).toBe(0);
    expect(ref.stdout).toMatch(/PASS/);
  });

  it('prints the id that --only matches in the table and in the JSON', async () => {
    const json = await runCli(['check', '--json', '--only', 'theorem5.3']);
    const ids = json.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l).id);
    expect(new Set(ids)).toEqual(new Set(['nrc:theorem5.3']));
    const table = await runCli(['check', '--only', 'theorem5.3']);
    const lines = table.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^id\s+claim\s+configuration/);
    expect(lines.slice(1).map((l) => l.split(/\s+/)[0])).toEqual(ids);
  });

  it('fidelity claims: common random numbers across lambda and the +-1 targets pass', { timeout: 30000 }, async () => {
    const r = await runCli(['check', '--json', '--only', 'fidelity']);
    expect(r.code).toBe(0);
    const rows = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(rows.map((x) => x.claim)).toEqual([
      'Common random numbers across lambda (mnist-collapse)',
      'Common random numbers across lambda (width-depth)',
      'AGOP App. C +-1 targets (nn-decomposition default)',
      'AGOP App. C +-1 targets (nn-decomposition default)',
    ]);
    expect(rows.map((x) => x.measured)).toEqual([0, 0, -8, -1]);
    for (const row of rows) expect(row.pass).toBe(true);
  });
});
