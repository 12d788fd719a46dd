// central-path: the gradient flow of Eq. 4 (Tirer et al., "Perturbation analysis of neural collapse", Sec. 3), the three
// monotonicity claims of Theorem 3.1, and Corollary 3.2 (the Eq. 2 minimiser for large beta has smaller NC1~ than H0).
import { frobeniusNorm, sub } from '../src/linalg/index.ts';
import { nc1Trace } from '../src/metrics/index.ts';
import { integrateCentralPath, monotonicityFlags, randomFeatures, solveUfm, ufmLabels } from '../src/ufm/index.ts';
import { type CellResult, defineExperiment, type Row } from '../src/runner/types.ts';
import { figures } from './central-path.figures.ts';

export type CentralPathParams = {
  lambdaH: number;
  lambdaW: number;
  k: number;
  dim: number;
  n: number;
  noise: number;
  tEnd: number;
  records: number;
  tol: number;
  betas: string;
  gradTol: number;
};

function parseBetas(text: string): number[] {
  return text.split(',').map((s) => Number(s.trim()));
}

/** Tables of a run (CSV files) and their columns; the figures (central-path.figures.ts) are checked against them. */
export const tables = {
  flow: ['lambda_h', 'lambda_w', 'k', 'dim', 'n', 'noise', 't', 'nc1_trace', 'trace_sigma_w', 'trace_sigma_b', 'tw', 'tb', 'loss', 'steps', 'seed'],
  claims: [
    'lambda_h',
    'lambda_w',
    'k',
    'dim',
    'n',
    'noise',
    'claim',
    'holds',
    'worst_relative_step',
    'records',
    'steps',
    'rejected',
    'status',
    'seed',
  ],
  corollary: [
    'lambda_h',
    'lambda_w',
    'k',
    'dim',
    'n',
    'noise',
    'beta',
    'nc1_trace_h0',
    'nc1_trace_minimiser',
    'holds',
    'nc1_trace_flow',
    'distance_to_flow',
    'grad_norm',
    'iters',
    'status',
    'seed',
  ],
} as const;

export default defineExperiment<CentralPathParams, typeof tables>({
  name: 'central-path',
  summary: 'Perturbation paper Thm 3.1 / Cor 3.2: NC1~ and e^{2 lambda_H t} tr Sigma_W/B along the central-path flow (Eq. 4)',
  description: [
    'Tirer et al., "Perturbation analysis of neural collapse", Sec. 3. From random non-collapsed H0 (class means N(0, I_d), within-class',
    'noise --noise) integrates dH/dt = -Kn grad L(H), W = W*(H) (Eq. 4) with RK4 and step-doubling error control (local error <= --tol,',
    'step <= 0.5/(3/lambda_W + lambda_H), Lemma B.1) to --t-end. flow.csv: at --records uniform times, NC1~ = tr Sigma_W / tr Sigma_B,',
    'T_W = e^{2 lambda_H t} tr Sigma_W, T_B = e^{2 lambda_H t} tr Sigma_B, L(H_t). claims.csv: the three claims of Theorem 3.1 (NC1~ strictly',
    'decreasing, T_W non-increasing, T_B strictly increasing) with the worst relative step against each. corollary.csv: for each beta in --betas',
    'the Eq. 2 minimiser H_{1/beta} (L-BFGS), NC1~(H_{1/beta}) < NC1~(H0) (Corollary 3.2), and its distance to the flow at t = 1/beta.',
  ].join(' '),
  params: [
    { name: 'lambdaH', kind: 'float', grid: true, min: 0, default: 0.05, help: 'lambda_H (Theorem 3.1 allows 0)' },
    { name: 'lambdaW', kind: 'float', grid: true, positive: true, default: 0.5, help: 'lambda_W (> 0)' },
    { name: 'k', kind: 'int', grid: true, positive: true, min: 2, default: 4, help: 'number of classes K' },
    { name: 'dim', kind: 'int', grid: true, positive: true, default: 8, help: 'feature dimension d' },
    { name: 'n', kind: 'int', grid: true, positive: true, default: 10, help: 'samples per class n' },
    { name: 'noise', kind: 'float', grid: true, positive: true, default: 0.5, help: 'within-class noise of H0' },
    { name: 'tEnd', kind: 'float', positive: true, default: 10, help: 'end time of the flow' },
    { name: 'records', kind: 'int', min: 2, max: 100_000, default: 101, help: 'recorded times (uniform on [0, t-end])' },
    { name: 'tol', kind: 'float', positive: true, default: 1e-10, help: 'local error tolerance per RK4 step' },
    {
      name: 'betas',
      kind: 'string',
      default: '1,10,100,1000',
      help: 'comma-separated beta values for Corollary 3.2 (each cell solves Eq. 2 for every one; not a grid axis)',
      check: (v) =>
        parseBetas(String(v)).every((b) => Number.isFinite(b) && b > 0) ? undefined : 'must be a comma-separated list of positive numbers',
    },
    { name: 'gradTol', kind: 'float', positive: true, default: 1e-11, help: 'Eq. 2 solver tolerance on ||Kn grad f||_F / max(1, beta)' },
  ],
  presets: {
    quick: { lambdaH: [0.05], lambdaW: [0.5], k: [3], dim: [5], n: [5], tEnd: 2, records: 21, betas: '10,100' },
    default: { lambdaH: [0, 0.05, 0.2], lambdaW: [0.5, 2], k: [4], dim: [8], n: [10], tEnd: 10, records: 101, betas: '1,10,100,1000' },
    paper: { lambdaH: [0, 0.01, 0.1], lambdaW: [0.1, 1], k: [4], dim: [10], n: [10], tEnd: 50, records: 201, betas: '1,10,100,1000' },
  },
  tables,
  figures,
  // H (Kn x d) and W (K x d) in about 30 working copies (L-BFGS pairs, RK4 stages, records).
  estimateBytes: (p) => 8 * 30 * (p.k * p.n * p.dim + p.k * p.dim),
  validate(p) {
    if (p.k * p.n * p.dim > 200_000) return `K n d = ${p.k * p.n * p.dim} is too large (at most 200000)`;
    return undefined;
  },
  runCell(ctx): CellResult {
    const p = ctx.params;
    const K = p.k,
      n = p.n,
      d = p.dim;
    const cfg = { K, n, d, lambdaH: p.lambdaH, lambdaW: p.lambdaW };
    const base = { lambda_h: p.lambdaH, lambda_w: p.lambdaW, k: K, dim: d, n, noise: p.noise };
    const H0 = randomFeatures(ctx.rng.child('H0'), K, n, d, p.noise);
    const labels = ufmLabels(K, n);
    // Flow records, plus the times 1/beta of Corollary 3.2 that fall inside [0, tEnd] (one extra short integration each).
    const flow = integrateCentralPath(H0, cfg, { tEnd: p.tEnd, records: p.records, tol: p.tol, signal: ctx.signal, checkpoint: ctx.checkpoint });
    if (flow.status === 'failed' && ctx.signal.aborted) return { status: 'failed', rows: {}, message: 'interrupted' };
    const flowRows: Row[] = flow.records.map((r) => ({
      ...base,
      t: r.t,
      nc1_trace: r.nc1Trace,
      trace_sigma_w: r.traceSigmaW,
      trace_sigma_b: r.traceSigmaB,
      tw: r.tw,
      tb: r.tb,
      loss: r.loss,
      steps: r.steps,
    }));
    const f = monotonicityFlags(flow.records);
    const common = { records: flow.records.length, steps: flow.steps, rejected: flow.rejected, status: flow.status };
    const claims: Row[] = [
      { ...base, claim: 'nc1_trace_strictly_decreasing', holds: f.nc1TraceDecreasing, worst_relative_step: f.worstNc1Trace, ...common },
      { ...base, claim: 'tw_decreasing', holds: f.twDecreasing, worst_relative_step: f.worstTw, ...common },
      { ...base, claim: 'tb_strictly_increasing', holds: f.tbIncreasing, worst_relative_step: f.worstTb, ...common },
    ];
    ctx.progress(0.5, 'flow done');
    const corollary: Row[] = [];
    let allOk = flow.status === 'ok';
    for (const beta of parseBetas(p.betas)) {
      const res = solveUfm({ ...cfg, beta, H0 }, H0, {
        gradTol: p.gradTol * Math.max(1, beta),
        maxIters: 20000,
        signal: ctx.signal,
        checkpoint: ctx.checkpoint,
      });
      if (res.status !== 'ok') allOk = false;
      const nH = nc1Trace(res.H, labels);
      const n0 = nc1Trace(H0, labels);
      let nFlow: number | null = null;
      let dist: number | null = null;
      if (1 / beta <= p.tEnd) {
        const short = integrateCentralPath(H0, cfg, { tEnd: 1 / beta, records: 2, tol: p.tol });
        nFlow = short.records[1].nc1Trace;
        dist = frobeniusNorm(sub(res.H, short.H)) / frobeniusNorm(sub(res.H, H0));
      }
      corollary.push({
        ...base,
        beta,
        nc1_trace_h0: n0,
        nc1_trace_minimiser: nH,
        holds: nH < n0,
        nc1_trace_flow: nFlow,
        distance_to_flow: dist,
        grad_norm: res.gradNorm,
        iters: res.iters,
        status: res.status,
      });
    }
    const status = flow.status === 'diverged' ? 'diverged' : allOk ? 'ok' : 'not_converged';
    return { status, rows: { flow: flowRows, claims, corollary } };
  },
});
