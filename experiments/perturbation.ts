// perturbation: the matrix F of Eq. 5 (Tirer et al., "Perturbation analysis of neural collapse", Thm 4.1, 4.2, App. D,
// Fig. 1) built explicitly at a collapsed H0, its block spectra against the closed forms, and the linearisation itself.
import {
  collapsedMinimiser,
  interBlockSpectrum,
  interBlockSpectrumExact,
  intraBlockSpectrum,
  intraBlockSpectrumExact,
  theorem42,
} from '../src/bounds/ufm.ts';
import { blockSingularValues, perturbationMatrix, perturbationMatrixExact, randomOrthonormal } from '../src/ufm/index.ts';
import { linearisation } from '../src/check/ufm-checks.ts';
import { type CellResult, defineExperiment, type Row } from '../src/runner/types.ts';
import { figures } from './perturbation.figures.ts';

export type PerturbationParams = {
  lambdaH: number;
  lambdaW: number;
  beta: number;
  k: number;
  dim: number;
  n: number;
  exact: boolean;
  deltas: string;
  gradTol: number;
};

function parseList(text: string): number[] {
  return text.trim() === '' ? [] : text.split(',').map((s) => Number(s.trim()));
}

/** Tables of a run (CSV files) and their columns; the figures (perturbation.figures.ts) are checked against them. */
export const tables = {
  spectrum: ['lambda_h', 'lambda_w', 'beta', 'block', 'index', 'value', 'closed_form', 'k', 'dim', 'n', 'seed'],
  blocks: [
    'lambda_h',
    'lambda_w',
    'beta',
    'k',
    'dim',
    'n',
    'operator',
    'sigma_max_intra',
    'sigma_max_intra_closed_form',
    'sigma_min_intra',
    'sigma_min_intra_closed_form',
    'sigma_max_inter',
    'sigma_max_inter_closed_form',
    'inter_rank',
    'max_block_error',
    'seed',
  ],
  linearisation: [
    'lambda_h',
    'lambda_w',
    'beta',
    'k',
    'dim',
    'n',
    'delta_rel',
    'delta_norm',
    'change_norm',
    'rel_error_first_order',
    'rel_error_exact',
    'grad_norm',
    'converged',
    'seed',
  ],
} as const;

export default defineExperiment<PerturbationParams, typeof tables>({
  name: 'perturbation',
  summary: "Perturbation paper Eq. 5 / Thm 4.1-4.2 / App. D / Fig. 1: spectra of F_kk and F_kk' and the linearisation error",
  description: [
    'Tirer et al., "Perturbation analysis of neural collapse", Sec. 4. At the collapsed minimiser H* = sqrt(rho) R (x) 1_n^T (R random',
    'orthonormal, Theorem 2.1) builds F = I - (lambda_H/beta) I - (1/beta) I (x) W*^T W* + (1/beta) Z* of Eq. 5 explicitly (dnK x dnK) and,',
    'with --exact, the exact operator of Theorem 4.1, (I + M/beta)^{-1} with M = beta I - beta F. spectrum.csv: singular values of the',
    'intra-class block F_11 (block intra) and the inter-class block F_21 (block inter), and of the exact operator (intra_exact, inter_exact),',
    'against App. D (closed_form; for the exact blocks the closed form derived in src/bounds/ufm.ts). blocks.csv: Theorem 4.2 (sigma_max/min),',
    'inter-block rank and the largest deviation from the closed form over all K^2 blocks. linearisation.csv: for dH0 of relative size',
    'delta in --deltas (random direction), the Eq. 2 minimiser for H* + dH0 is solved and ||dH - F vec(dH0)|| / ||dH0|| reported for F and',
    'for the exact operator: the exact error shrinks like ||dH0||, the first-order one to an O(beta^-2) floor.',
  ].join(' '),
  params: [
    { name: 'lambdaH', kind: 'float', grid: true, positive: true, default: 0.3, help: 'lambda_H (c = sqrt(lambda_H lambda_W) < 1)' },
    { name: 'lambdaW', kind: 'float', grid: true, positive: true, default: Math.SQRT2, help: 'lambda_w' },
    { name: 'beta', kind: 'float', grid: true, positive: true, default: 100, help: 'beta of Eq. 2 (Theorem 4.2 assumes beta >> max(1, lambda_H))' },
    { name: 'k', kind: 'int', grid: true, positive: true, min: 2, default: 4, help: 'number of classes K' },
    { name: 'dim', kind: 'int', grid: true, positive: true, default: 10, help: 'feature dimension d (> K)' },
    { name: 'n', kind: 'int', grid: true, positive: true, default: 10, help: 'samples per class n' },
    { name: 'exact', kind: 'bool', default: true, help: 'also build the exact Theorem 4.1 operator (blocks intra_exact, inter_exact)' },
    {
      name: 'deltas',
      kind: 'string',
      default: '1e-1,1e-2,1e-3,1e-4',
      help: 'comma-separated relative sizes ||dH0||/||H*|| for the linearisation check (empty: skip)',
      check: (v) =>
        parseList(String(v)).every((x) => Number.isFinite(x) && x > 0) ? undefined : 'must be a comma-separated list of positive numbers (or empty)',
    },
    { name: 'gradTol', kind: 'float', positive: true, default: 1e-13, help: 'Eq. 2 solver tolerance on ||Kn grad f||_F / max(1, beta)' },
  ],
  presets: {
    quick: { lambdaH: [0.3], lambdaW: [Math.SQRT2], beta: [100], k: [3], dim: [4], n: [3], deltas: '1e-2,1e-3' },
    default: { lambdaH: [0.1, 0.3, 0.5], lambdaW: [Math.SQRT2], beta: [10, 100], k: [4], dim: [10], n: [5], deltas: '1e-1,1e-2,1e-3,1e-4' },
    // Fig. 1 of the paper: beta = 100, K = 4, d = 10, n = 10, lambda_W = sqrt(2); the lambda_H values are our choice (all with c < 1).
    paper: {
      lambdaH: [0.05, 0.1, 0.2, 0.3, 0.5, 0.7],
      lambdaW: [Math.SQRT2],
      beta: [100],
      k: [4],
      dim: [10],
      n: [10],
      deltas: '1e-1,1e-2,1e-3,1e-4',
    },
  },
  tables,
  figures,
  validate(p) {
    if (p.dim <= p.k) return `--dim ${p.dim} must be > --k ${p.k} (Theorem 4.2 assumes d > K)`;
    if (p.lambdaH * p.lambdaW >= 1) return `lambda_H lambda_W = ${p.lambdaH * p.lambdaW} must be < 1 (collapsed H0, Theorem 2.1)`;
    if (p.k * p.n * p.dim > 3000) return `dnK = ${p.k * p.n * p.dim} is too large to build F explicitly (at most 3000)`;
    return undefined;
  },
  estimateBytes: (p) => 8 * 6 * (p.k * p.n * p.dim) ** 2,
  runCell(ctx): CellResult {
    const p = ctx.params;
    const K = p.k,
      n = p.n,
      d = p.dim,
      beta = p.beta;
    const base = { lambda_h: p.lambdaH, lambda_w: p.lambdaW, beta, k: K, dim: d, n };
    const R = randomOrthonormal(ctx.rng.child('R'), d, K);
    const { H, W } = collapsedMinimiser(K, n, d, p.lambdaH, p.lambdaW, R);
    const cfg = { K, n, d, lambdaH: p.lambdaH, lambdaW: p.lambdaW, beta, H0: H };
    const th = theorem42(p.lambdaH, p.lambdaW, beta);
    const spectrum: Row[] = [];
    const blocks: Row[] = [];
    const operators = [
      { name: '', F: perturbationMatrix(W, H, cfg), intra: intraBlockSpectrum, inter: interBlockSpectrum, op: 'first_order' },
      ...(p.exact
        ? [{ name: '_exact', F: perturbationMatrixExact(W, H, cfg), intra: intraBlockSpectrumExact, inter: interBlockSpectrumExact, op: 'exact' }]
        : []),
    ];
    ctx.progress(0.2, 'F built');
    for (const o of operators) {
      const cfIntra = o.intra(K, n, d, p.lambdaH, p.lambdaW, beta);
      const cfInter = o.inter(K, n, d, p.lambdaH, p.lambdaW, beta);
      const intra = blockSingularValues(o.F, d, n, 0, 0);
      const inter = blockSingularValues(o.F, d, n, 1, 0);
      intra.forEach((v, i) => spectrum.push({ ...base, block: `intra${o.name}`, index: i + 1, value: v, closed_form: cfIntra[i] }));
      inter.forEach((v, i) => spectrum.push({ ...base, block: `inter${o.name}`, index: i + 1, value: v, closed_form: cfInter[i] }));
      let worst = 0;
      for (let a = 0; a < K; a++)
        for (let b = 0; b < K; b++) {
          const s = a === b && a === 0 ? intra : a === 1 && b === 0 ? inter : blockSingularValues(o.F, d, n, a, b);
          const cf = a === b ? cfIntra : cfInter;
          for (let i = 0; i < s.length; i++) worst = Math.max(worst, Math.abs(s[i] - cf[i]));
        }
      blocks.push({
        ...base,
        operator: o.op,
        sigma_max_intra: intra[0],
        sigma_max_intra_closed_form: o.op === 'exact' ? cfIntra[0] : th.sigmaMaxIntra,
        sigma_min_intra: intra[intra.length - 1],
        sigma_min_intra_closed_form: o.op === 'exact' ? cfIntra[cfIntra.length - 1] : th.sigmaMinIntra,
        sigma_max_inter: inter[0],
        sigma_max_inter_closed_form: o.op === 'exact' ? cfInter[0] : th.sigmaMaxInter,
        inter_rank: inter.filter((v) => v > 1e-10 * inter[0]).length,
        max_block_error: worst,
      });
    }
    ctx.progress(0.5, 'spectra done');
    const deltas = parseList(p.deltas);
    const lin =
      deltas.length === 0
        ? []
        : linearisation({ K, n, d, lambdaH: p.lambdaH, lambdaW: p.lambdaW, beta }, deltas, ctx.rng.child('linearisation'), {
            gradTol: p.gradTol * Math.max(1, beta),
            F: operators[0].F,
            Fexact: operators[1]?.F,
            R,
          });
    const linRows: Row[] = lin.map((r) => ({
      ...base,
      delta_rel: r.deltaRel,
      delta_norm: r.deltaNorm,
      change_norm: r.changeNorm,
      rel_error_first_order: r.errorFirstOrder,
      rel_error_exact: p.exact ? r.errorExact : null,
      grad_norm: r.gradNorm,
      converged: r.converged,
    }));
    const status = lin.every((r) => r.converged) ? 'ok' : 'not_converged';
    return { status, rows: { spectrum, blocks, linearisation: linRows } };
  },
});
