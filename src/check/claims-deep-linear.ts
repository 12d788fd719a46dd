// `nrc check` claims of Neural Rank Collapse Sec. 6.2 / Figure 2 on the deep-linear experiment: the distance between the
// products trained on the full loss (Eq. 3) and on the centroid loss (Eq. 8) grows with sigma (the paper: quadratically),
// and on degenerate data (sigma = 0, every sample at its centroid) the two losses, hence the two trained products, coincide.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cellKey, cellRng } from '../runner/params.ts';
import type { CellParams, Row } from '../runner/types.ts';
import { checkRow, type CheckEnv, type CheckRow, type Claim } from './types.ts';

/** The parameters of the deep-linear experiment (experiments/deep-linear.ts), as its cells take them. */
type DeepLinearParams = {
  lambda: number;
  sigma: number;
  k: number;
  n: number;
  dim: number;
  hidden: number[];
  radius: number;
  optimizer: string;
  lr: number;
  gradTol: number;
  maxIters: number;
  saveData: boolean;
  saveWeights: boolean;
};

/** The quick preset's configuration (K 3, N 30, d 8, hidden 8,6,8, lambda 1e-2). */
const SMALL: Omit<DeepLinearParams, 'sigma'> = {
  k: 3,
  n: 30,
  dim: 8,
  hidden: [8, 6, 8],
  radius: 1,
  lambda: 1e-2,
  optimizer: 'lbfgs',
  lr: 0.1,
  gradTol: 1e-10,
  maxIters: 20000,
  saveData: false,
  saveWeights: false,
};

/** One deep-linear cell run directly (no files), as the runner would: its cells.csv row with parameters and status. */
async function runCell(env: CheckEnv, p: DeepLinearParams, seed = 0): Promise<Row> {
  const exp = await env.experiment('deep-linear');
  const params: CellParams = p;
  const key = cellKey(exp, params, seed);
  const outDir = mkdtempSync(join(tmpdir(), 'nrc-check-deep-linear-'));
  try {
    const result = await exp.runCell({
      params,
      seed,
      rng: cellRng(key),
      cellKey: key,
      outDir,
      progress: () => {},
      log: () => {},
      signal: new AbortController().signal,
    });
    return { ...p, hidden: p.hidden.join('x'), grad_tol: p.gradTol, max_iters: p.maxIters, seed, status: result.status, ...result.rows.cells[0] };
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
}

const describe = (p: Omit<DeepLinearParams, 'sigma'>): string => `k=${p.k} n=${p.n} dim=${p.dim} hidden=${p.hidden.join('x')} lambda=${p.lambda}`;

export const deepLinearClaims: Claim[] = [
  {
    // Sec. 6.2, Figure 2 (right): ||Theta*_C - Theta*|| grows with sigma (the paper reports quadratic growth): log-log slope > 1.
    id: 'nrc-deep-linear-slope',
    async run(env): Promise<CheckRow[]> {
      const sigmas = [0.05, 0.1, 0.2];
      const cells = await Promise.all(sigmas.map((sigma) => runCell(env, { ...SMALL, sigma })));
      const [slopes] = (await env.experiment('deep-linear')).finalize?.({ cells }, { grid: {} }).slopes ?? [];
      const statuses = cells.map((c) => c.status).join(',');
      return [
        checkRow(
          'NRC Sec. 6.2 deep linear: slope of log ||Theta*_C - Theta*|| vs log sigma',
          `${describe(SMALL)} sigma=${sigmas.join(',')} seed=0 (${statuses})`,
          cells.every((c) => c.status === 'ok') ? Number(slopes.slope_trained) : NaN,
          '>=',
          1,
          0,
        ),
      ];
    },
  },
  {
    // Eq. 8: for sigma = 0 the centroid loss is the full loss, so both trainings (same initial weights) end at the same product.
    id: 'nrc-deep-linear-degenerate',
    async run(env): Promise<CheckRow[]> {
      const cell = await runCell(env, { ...SMALL, sigma: 0 });
      return [
        checkRow(
          'NRC Eq. 8 deep linear, sigma = 0: ||Theta*_C - Theta*|| / ||Theta*||',
          `${describe(SMALL)} sigma=0 seed=0 (${cell.status})`,
          cell.status === 'ok' ? Number(cell.dist_trained) / Number(cell.norm_trained) : NaN,
          '~=',
          0,
          1e-6,
        ),
      ];
    },
  },
];
