// ufm: minimise Eq. 1 (beta = 0) or Eq. 2 (beta > 0) of Tirer et al., "Perturbation analysis of neural collapse",
// over H with W = W*(H) (footnote 3), and check Theorem 2.1 (beta = 0) or Corollary 2.2 (beta > 0, collapsed H0).
import { Matrix, frobeniusNorm, sub } from '../src/linalg/index.ts';
import { classStats, nc1, nc1Trace, traceSigmaW } from '../src/metrics/index.ts';
import { collapsedMinimiser, theorem21 } from '../src/bounds/ufm.ts';
import { randomFeatures, randomOrthonormal, solveUfm, ufmLabels } from '../src/ufm/index.ts';
import { checkTheorem21 } from '../src/check/ufm-checks.ts';
import { type CellContext, type CellResult, defineExperiment } from '../src/runner/types.ts';
import { figures } from './ufm.figures.ts';

export type UfmParams = {
  lambdaH: number;
  lambdaW: number;
  beta: number;
  k: number;
  dim: number;
  n: number;
  h0: string;
  noise: number;
  gradTol: number;
  maxIters: number;
};

/** Tables of a run (CSV files) and their columns; the figures (ufm.figures.ts) are checked against them. */
export const tables = {
  ufm: [
    'lambda_h',
    'lambda_w',
    'beta',
    'k',
    'dim',
    'n',
    'h0',
    'c',
    'collapsed',
    'rho',
    'rho_closed_form',
    'rho_error',
    'gram_error',
    'w_error',
    'trace_sigma_w',
    'nc1',
    'nc1_trace',
    'nc1_trace_h0',
    'distance_to_h0',
    'objective',
    'objective_closed_form',
    'grad_norm',
    'iters',
    'status',
    'seed',
  ],
} as const;

export default defineExperiment<UfmParams, typeof tables>({
  name: 'ufm',
  summary: 'Perturbation paper Eq. 1/2: UFM minimiser vs Theorem 2.1 (collapse, rho, W ~ Hbar^T, zero for c > 1)',
  description: [
    'Tirer et al., "Perturbation analysis of neural collapse", Eq. 1 and Eq. 2. Minimises f(W*(H), H; H0) over H by L-BFGS to',
    '||Kn grad_H f||_F <= --grad-tol from a seeded Gaussian start (W*(H) closed form, footnote 3). beta = 0: Eq. 1, checked against',
    'Theorem 2.1 (c = sqrt(lambda_H lambda_W) <= 1: collapse, Hbar^T Hbar = rho I, w_k = sqrt(lambda_H/lambda_W) hbar_k; c > 1: H = 0).',
    'beta > 0: Eq. 2 with H0 random non-collapsed features (--h0 random, within-class --noise) or the collapsed minimiser of Eq. 1',
    '(--h0 collapsed, Corollary 2.2: the minimiser is H0 itself); for beta > 0 the tolerance is --grad-tol * max(1, beta). ufm.csv: rho (mean ||hbar_k||^2; ||H||_F^2/Kn when c > 1), closed form,',
    'gram_error = ||Hbar^T Hbar - rho I||_F / max(rho, 1), w_error, tr Sigma_W, nc1, nc1_trace, objective vs Theorem 2.1 minimum.',
  ].join(' '),
  params: [
    { name: 'lambdaH', kind: 'float', grid: true, positive: true, default: 0.1, help: 'lambda_H, feature regularisation (Eq. 1)' },
    { name: 'lambdaW', kind: 'float', grid: true, positive: true, default: 0.5, help: 'lambda_W, classifier regularisation (Eq. 1)' },
    { name: 'beta', kind: 'float', grid: true, min: 0, default: 0, help: 'beta of Eq. 2 (0: Eq. 1)' },
    { name: 'k', kind: 'int', grid: true, positive: true, min: 2, default: 4, help: 'number of classes K' },
    { name: 'dim', kind: 'int', grid: true, positive: true, default: 8, help: 'feature dimension d (>= K)' },
    { name: 'n', kind: 'int', grid: true, positive: true, default: 5, help: 'samples per class n' },
    {
      name: 'h0',
      kind: 'string',
      choices: ['random', 'collapsed'],
      default: 'random',
      help: 'H0 of Eq. 2 when beta > 0: random features or the Theorem 2.1 minimiser',
    },
    { name: 'noise', kind: 'float', min: 0, default: 0.5, help: 'within-class noise of a random H0 (class means N(0, I))' },
    { name: 'gradTol', kind: 'float', positive: true, default: 1e-11, help: 'stop when ||Kn grad_H f||_F <= this' },
    { name: 'maxIters', kind: 'int', positive: true, default: 20000, help: 'L-BFGS iteration cap (status not_converged beyond)' },
  ],
  presets: {
    quick: { lambdaH: [0.1, 2], lambdaW: [0.5], k: [3], dim: [5], n: [4] },
    default: { lambdaH: [0.01, 0.1, 0.5, 1, 3], lambdaW: [0.5, 2], k: [4], dim: [8], n: [5] },
    paper: { lambdaH: [0.01, 0.1, 0.3, 0.5, 0.7, 1], lambdaW: [Math.SQRT2], k: [4], dim: [10], n: [10] },
  },
  tables,
  figures,
  // H (Kn x d) and W (K x d) in about 30 working copies (L-BFGS pairs, RK4 stages, records).
  estimateBytes: (p) => 8 * 30 * (p.k * p.n * p.dim + p.k * p.dim),
  validate(p) {
    if (p.dim < p.k) return `--dim ${p.dim} must be >= --k ${p.k} (Theorem 2.1 assumes d >= K)`;
    if (p.k * p.n * p.dim > 200_000) return `K n d = ${p.k * p.n * p.dim} is too large for this solver (at most 200000)`;
    return undefined;
  },
  runCell(ctx): CellResult {
    return ctx.params.beta === 0 ? runEq1Cell(ctx) : runEq2Cell(ctx);
  },
});

type UfmContext = Pick<CellContext<UfmParams>, 'params' | 'rng' | 'signal' | 'checkpoint'>;

/** Columns of a ufm row that the parameters alone determine. */
function baseColumns(p: UfmParams) {
  return { lambda_h: p.lambdaH, lambda_w: p.lambdaW, beta: p.beta, k: p.k, dim: p.dim, n: p.n, h0: p.beta > 0 ? p.h0 : '' };
}

/** beta = 0: minimise Eq. 1 from a seeded Gaussian start and check Theorem 2.1. */
function runEq1Cell(ctx: UfmContext): CellResult {
  const p = ctx.params;
  const K = p.k,
    n = p.n,
    d = p.dim;
  const base = baseColumns(p);
  const t = theorem21(p.lambdaH, p.lambdaW);
  const labels = ufmLabels(K, n);
  const init = new Matrix(K * n, d, ctx.rng.child('init').normals(K * n * d));
  const r = checkTheorem21({
    K,
    n,
    d,
    lambdaH: p.lambdaH,
    lambdaW: p.lambdaW,
    gradTol: p.gradTol,
    maxIters: p.maxIters,
    init,
    checkpoint: ctx.checkpoint,
  });
  const status = r.converged ? 'ok' : 'not_converged';
  return {
    status,
    rows: {
      ufm: [
        {
          ...base,
          c: t.c,
          collapsed: t.collapsed,
          rho: r.measured,
          rho_closed_form: t.rho,
          rho_error: Math.abs(r.measured - t.rho),
          gram_error: t.collapsed ? r.gramError : null,
          w_error: t.collapsed ? r.wError : null,
          trace_sigma_w: r.traceSigmaW,
          nc1: t.collapsed ? nc1(r.H, labels) : null,
          nc1_trace: t.collapsed ? r.nc1Trace : null,
          nc1_trace_h0: null,
          distance_to_h0: null,
          objective: r.value,
          objective_closed_form: t.minValue,
          grad_norm: r.gradNorm,
          iters: r.iters,
          status,
        },
      ],
    },
  };
}

/** beta > 0: minimise Eq. 2 around H0 (random features, or the collapsed minimiser of Eq. 1: Corollary 2.2). */
function runEq2Cell(ctx: UfmContext): CellResult {
  const p = ctx.params;
  const K = p.k,
    n = p.n,
    d = p.dim;
  const base = baseColumns(p);
  const t = theorem21(p.lambdaH, p.lambdaW);
  const labels = ufmLabels(K, n);
  const H0 =
    p.h0 === 'collapsed'
      ? collapsedMinimiser(K, n, d, p.lambdaH, p.lambdaW, randomOrthonormal(ctx.rng.child('R'), d, K)).H
      : randomFeatures(ctx.rng.child('H0'), K, n, d, p.noise);
  const res = solveUfm({ K, n, d, lambdaH: p.lambdaH, lambdaW: p.lambdaW, beta: p.beta, H0 }, H0, {
    gradTol: p.gradTol * Math.max(1, p.beta),
    maxIters: p.maxIters,
    signal: ctx.signal,
    checkpoint: ctx.checkpoint,
  });
  const st = res.status;
  const trW = traceSigmaW(classStats(res.H, labels)); // tr Sigma_W = (1/Kn) sum_k sum_i ||h_ki - hbar_k||^2
  return {
    status: st,
    rows: {
      ufm: [
        {
          ...base,
          c: t.c,
          collapsed: t.collapsed,
          rho: null,
          rho_closed_form: null,
          rho_error: null,
          gram_error: null,
          w_error: null,
          trace_sigma_w: trW,
          nc1: nc1(res.H, labels),
          nc1_trace: nc1Trace(res.H, labels),
          nc1_trace_h0: nc1Trace(H0, labels),
          distance_to_h0: frobeniusNorm(sub(res.H, H0)) / frobeniusNorm(H0),
          objective: res.value,
          objective_closed_form: p.h0 === 'collapsed' && t.collapsed ? t.minValue : null,
          grad_norm: res.gradNorm,
          iters: res.iters,
          status: st,
        },
      ],
    },
  };
}
