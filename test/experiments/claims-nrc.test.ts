import { describe, expect, it } from 'vitest';
import { nrcClaims } from '../../src/check/claims-nrc.ts';
import { checkEnv } from '../../src/commands/check.ts';

describe('nrc check claims of Neural Rank Collapse', () => {
  it('every claim passes on its small configuration, all in well under 10 s', { timeout: 30000 }, async () => {
    const t0 = performance.now();
    const ids: string[] = [];
    for (const claim of nrcClaims) {
      const rows = await claim.run(checkEnv);
      expect(rows.length).toBeGreaterThan(0);
      for (const row of rows)
        expect({ claim: row.claim, config: row.config, pass: row.pass }).toEqual({ claim: row.claim, config: row.config, pass: true });
      ids.push(claim.id);
    }
    expect(ids).toEqual(['nrc-prop41', 'nrc-prop31', 'nrc-stationarity', 'nrc-degenerate-rank', 'nrc-theorem34']);
    expect((performance.now() - t0) / 1000).toBeLessThan(10);
  });

  it('Prop 4.1 is checked on five seeds and Prop 3.1 at five batch sizes, with the bound as the expected value', async () => {
    const prop41 = await nrcClaims[0].run(checkEnv);
    expect(prop41.map((r) => r.config.match(/seed=(\d)/)![1])).toEqual(['0', '1', '2', '3', '4']);
    for (const r of prop41) {
      expect(r.relation).toBe('<=');
      expect(r.expected).toBeCloseTo(Math.sqrt(50) * 0.01 * (Math.sqrt(50) + Math.sqrt(10 / 200)), 14);
      expect(r.measured).toBeGreaterThan(0.4); // about (1 - K/N) d sigma^2 = 0.475
    }
    const prop31 = await nrcClaims[1].run(checkEnv);
    expect(prop31.map((r) => [r.measured, r.expected])).toEqual([
      [1, 1],
      [2, 2],
      [3, 3],
      [5, 5],
      [8, 8],
    ]);
  });
});
