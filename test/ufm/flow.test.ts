// Central-path flow (Eq. 4), Theorem 3.1 flags, Corollary 3.2, and the experiments' runCell.
import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/random/index.ts';
import { integrateCentralPath, monotonicityFlags, randomFeatures } from '../../src/ufm/index.ts';
import { checkCorollary32, checkTheorem31 } from '../../src/check/ufm-checks.ts';
import centralPath from '../../experiments/central-path.ts';
import perturbation from '../../experiments/perturbation.ts';
import ufm from '../../experiments/ufm.ts';
import { cellParams, makeCellContext } from '../helpers/context.ts';

describe('Theorem 3.1 along the central path', () => {
  it('NC1~ strictly decreases, e^{2 lambda_H t} tr Sigma_W decreases, e^{2 lambda_H t} tr Sigma_B strictly increases', () => {
    for (const lambdaH of [0, 0.05]) {
      const r = checkTheorem31({ K: 3, n: 5, d: 6, lambdaH, lambdaW: 0.5, seed: 3, tEnd: 4, records: 41 });
      expect(r.nc1TraceDecreasing.measured).toBe(1);
      expect(r.twDecreasing.measured).toBe(1);
      expect(r.tbIncreasing.measured).toBe(1);
      expect(r.nc1TraceEnd).toBeLessThan(0.8 * r.nc1TraceStart);
    }
  });
  it('RK4 with error control: halving the tolerance changes H_t by less than 1e-7 relative', () => {
    const cfg = { K: 3, n: 4, d: 5, lambdaH: 0.1, lambdaW: 0.5 };
    const H0 = randomFeatures(new Rng(1), 3, 4, 5, 0.5);
    const a = integrateCentralPath(H0, cfg, { tEnd: 2, records: 3, tol: 1e-8 });
    const b = integrateCentralPath(H0, cfg, { tEnd: 2, records: 3, tol: 1e-11 });
    let diff = 0,
      norm = 0;
    for (let i = 0; i < a.H.data.length; i++) {
      diff += (a.H.data[i] - b.H.data[i]) ** 2;
      norm += b.H.data[i] ** 2;
    }
    expect(Math.sqrt(diff / norm)).toBeLessThan(1e-7);
    expect(a.status).toBe('ok');
  });
  it('monotonicityFlags flags a violation', () => {
    const base = { traceSigmaW: 1, traceSigmaB: 1, loss: 0, steps: 0 };
    const f = monotonicityFlags([
      { ...base, t: 0, nc1Trace: 1, tw: 1, tb: 1 },
      { ...base, t: 1, nc1Trace: 1.1, tw: 0.9, tb: 1.2 },
    ]);
    expect(f.nc1TraceDecreasing).toBe(false);
    expect(f.twDecreasing).toBe(true);
    expect(f.tbIncreasing).toBe(true);
  });
});

describe('Corollary 3.2', () => {
  it('large beta: NC1~ of the Eq. 2 minimiser is below NC1~(H0)', () => {
    for (const beta of [10, 100, 1000]) {
      const r = checkCorollary32({ K: 3, n: 5, d: 6, lambdaH: 0.05, lambdaW: 0.5, beta, seed: 3 });
      expect(r.converged).toBe(true);
      expect(r.measured).toBeLessThan(r.expected);
    }
  });
});

describe('experiments (quick presets, runCell directly)', () => {
  it('ufm: Theorem 2.1 rows for c < 1, c = 1 and c > 1', async () => {
    // lambda_W = 0.5: c = sqrt(lambda_H lambda_W) = 0.22, 1, 1.41. At c = 1 the minimiser 0 is degenerate (the objective is
    // quartic there), so ||H||^2 ~ ||grad||^{2/3}: at ||grad|| <= 1e-11 rho is only accurate to ~1e-8.
    for (const [lambdaH, tol] of [
      [0.1, 1e-9],
      [2, 1e-7],
      [4, 1e-9],
    ]) {
      const p = cellParams(ufm, 'quick', { lambdaH });
      const res = await ufm.runCell(makeCellContext(p, 0));
      expect(res.status).toBe('ok');
      const row = res.rows.ufm[0];
      expect(Math.abs((row.rho as number) - (row.rho_closed_form as number))).toBeLessThan(tol);
    }
  });
  it('ufm with beta > 0 and collapsed H0: Corollary 2.2 (minimiser = H0)', async () => {
    const p = cellParams(ufm, 'quick', { beta: 5, h0: 'collapsed', lambdaH: 0.1 });
    const res = await ufm.runCell(makeCellContext(p, 0));
    expect(res.status).toBe('ok');
    expect(res.rows.ufm[0].distance_to_h0 as number).toBeLessThan(1e-10);
  });
  it('central-path: claims hold, corollary holds', async () => {
    const p = cellParams(centralPath, 'quick');
    const res = await centralPath.runCell(makeCellContext(p, 1));
    expect(res.status).toBe('ok');
    expect(res.rows.claims.every((r) => r.holds === true)).toBe(true);
    expect(res.rows.corollary.every((r) => r.holds === true)).toBe(true);
    expect(res.rows.flow.length).toBe(21);
  });
  it('perturbation: spectrum rows carry closed forms that match, linearisation converges', async () => {
    const p = cellParams(perturbation, 'quick');
    const res = await perturbation.runCell(makeCellContext(p, 2));
    expect(res.status).toBe('ok');
    const blocks = new Set(res.rows.spectrum.map((r) => r.block));
    expect([...blocks].map(String).sort((a, b) => a.localeCompare(b))).toEqual(['inter', 'inter_exact', 'intra', 'intra_exact']);
    for (const r of res.rows.spectrum) expect(Math.abs((r.value as number) - (r.closed_form as number))).toBeLessThan(1e-12);
    expect(res.rows.spectrum.filter((r) => r.block === 'intra').length).toBe(4 * 3);
    for (const b of res.rows.blocks) expect(b.max_block_error as number).toBeLessThan(1e-12);
    expect(res.rows.linearisation.length).toBe(2);
  });
});
