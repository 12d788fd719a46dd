import { describe, expect, it } from 'vitest';
import { distToRank, effectiveRank, errorTail, errorTailCurve, lowRankSummary, relTail, softRank, stableRank } from '../../src/metrics/lowrank.ts';
import { Rng } from '../../src/random/index.ts';
import { mul, randn, randomOrthogonal } from './helpers.ts';

describe('low-rank measures on known spectra', () => {
  const s = [4, 2, 1, 1]; // sum 8, sum of squares 22

  it('rel_tail and distance to rank r', () => {
    expect(relTail(s, 0)).toBe(1);
    expect(relTail(s, 1)).toBeCloseTo(6 / 22, 15);
    expect(relTail(s, 2)).toBeCloseTo(2 / 22, 15);
    expect(relTail(s, 4)).toBe(0);
    expect(relTail([3, 2, 1, 0, 0], 3)).toBe(0);
    expect(distToRank(s, 2)).toBeCloseTo(Math.sqrt(2), 15);
    expect(relTail([0, 0], 1)).toBe(0);
    expect(relTail([1, 4, 2, 1], 1)).toBeCloseTo(6 / 22, 15); // unsorted input is sorted
  });

  it('e(r) of Eq. 22 is 1-based: e(1) = 1', () => {
    expect(errorTail(s, 1)).toBe(1);
    expect(errorTail(s, 2)).toBe(0.5);
    expect(errorTail(s, 3)).toBe(0.25);
    expect(errorTail(s, 4)).toBe(0.125);
    expect(errorTail(s, 5)).toBe(0);
    expect(Array.from(errorTailCurve(s))).toEqual([1, 0.5, 0.25, 0.125, 0]);
    expect(() => errorTail(s, 0)).toThrow(/1-based/);
  });

  it('soft rank rk(eps) = min { r : e(r) <= eps } as NRC Sec. 6.4 defines it', () => {
    expect(softRank(s, 0.5)).toBe(2);
    expect(softRank(s, 0.3)).toBe(3);
    expect(softRank(s, 0.125)).toBe(4);
    expect(softRank(s, 0.1)).toBe(5); // every singular value kept: rk = n + 1
    expect(softRank(s, 1)).toBe(1);
    expect(softRank([5, 0, 0], 0.1)).toBe(2); // rank 1: rk(eps) = rank + 1 under the paper's definition
  });

  it('stable and effective rank', () => {
    expect(stableRank([4, 3])).toBe(25 / 16);
    expect(stableRank(s)).toBe(22 / 16);
    expect(effectiveRank([2, 2, 2])).toBeCloseTo(3, 14);
    expect(effectiveRank([1, 0, 0])).toBe(1);
    const p = [0.5, 0.25, 0.125, 0.125];
    expect(effectiveRank(s)).toBeCloseTo(Math.exp(-p.reduce((h, q) => h + q * Math.log(q), 0)), 14);
  });
});

describe('low-rank measures of matrices (through linalg SVD)', () => {
  it('a rank-r matrix has rel_tail(r) = 0 and distance 0 to rank r, positive below', () => {
    const rng = new Rng('lowrank');
    const r = 3;
    const W = mul(randn(12, r, rng), randn(r, 9, rng));
    expect(relTail(W, r)).toBeLessThan(1e-24);
    expect(distToRank(W, r)).toBeLessThan(1e-10);
    expect(relTail(W, r - 1)).toBeGreaterThan(1e-3);
    const sum = lowRankSummary(W, r, 0.1);
    expect(sum.rows).toBe(12);
    expect(sum.cols).toBe(9);
    expect(sum.singularValues.length).toBe(9);
    expect(sum.softRank).toBeLessThanOrEqual(r + 1);
  });

  it('an orthogonal matrix has flat spectrum: stable rank = effective rank = n, e(r) = (n-r+1)/n', () => {
    const Q = randomOrthogonal(6, new Rng('orth'));
    expect(stableRank(Q)).toBeCloseTo(6, 10);
    expect(effectiveRank(Q)).toBeCloseTo(6, 10);
    expect(errorTail(Q, 3)).toBeCloseTo(4 / 6, 10);
    expect(relTail(Q, 2)).toBeCloseTo(4 / 6, 10);
    expect(distToRank(Q, 2)).toBeCloseTo(2, 10);
  });
});
