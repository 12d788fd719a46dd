// Small pure checks of the perturbation paper's claims for `nrc check`: each returns what was measured and what
// theory expects (Tirer et al.: Theorem 2.1, Theorem 3.1, Corollary 3.2, Theorem 4.1, Theorem 4.2 / App. D).
import { Matrix, frobeniusNorm, gemm, sub, sumSquares } from '../linalg/index.ts';
import type { Checkpoints } from '../linalg/interrupt.ts';
import { classStats, nc1Trace, traceSigmaW } from '../metrics/index.ts';
import { Rng } from '../random/index.ts';
import {
  collapsedMinimiser,
  interBlockSpectrum,
  interBlockSpectrumExact,
  intraBlockSpectrum,
  intraBlockSpectrumExact,
  theorem21,
  theorem42,
} from '../bounds/ufm.ts';
import { integrateCentralPath, monotonicityFlags, randomFeatures, randomOrthonormal } from '../ufm/flow.ts';
import { type UfmConfig, classMeanRows, ufmLabels } from '../ufm/model.ts';
import { applyToFeatures, blockSingularValues, perturbationMatrix, perturbationMatrixExact } from '../ufm/perturbation.ts';
import { solveUfm } from '../ufm/solver.ts';

export interface Measured {
  measured: number;
  expected: number;
}

export interface SizeConfig {
  K: number;
  n: number;
  d: number;
  lambdaH: number;
  lambdaW: number;
  seed?: number;
}

/** measured: mean ||hbar_k||^2 (c <= 1) or ||H||_F^2 / Kn (c > 1); expected: rho of Theorem 2.1 (0 for c > 1). */
export interface Theorem21Check extends Measured {
  /** ||Hbar^T Hbar - rho I_K||_F / max(rho, 1). */
  gramError: number;
  /** ||W - sqrt(lambda_H/lambda_W) Hbar^T||_F / max(||W||_F, 1). */
  wError: number;
  /** Within-class spread tr Sigma_W (0 at collapse) and NC1~. */
  traceSigmaW: number;
  nc1Trace: number;
  /** Objective at the solution and Theorem 2.1's minimum value. */
  value: number;
  minValue: number;
  gradNorm: number;
  iters: number;
  converged: boolean;
  H: Matrix;
  W: Matrix;
}

/** Solve Eq. 1 from a random start and compare with Theorem 2.1. */
export function checkTheorem21(cfg: SizeConfig & { gradTol?: number; maxIters?: number; init?: Matrix; checkpoint?: Checkpoints }): Theorem21Check {
  const { K, n, d, lambdaH, lambdaW } = cfg;
  const rng = new Rng(cfg.seed ?? 0);
  const init = cfg.init ?? new Matrix(K * n, d, rng.child('init').normals(K * n * d));
  const res = solveUfm({ K, n, d, lambdaH, lambdaW }, init, {
    gradTol: cfg.gradTol ?? 1e-11,
    maxIters: cfg.maxIters ?? 20000,
    checkpoint: cfg.checkpoint,
  });
  const t = theorem21(lambdaH, lambdaW);
  const Hbar = classMeanRows(res.H, K, n); // K x d, row k = hbar_k
  const G = gemm(Hbar, Hbar, { transB: true }); // Hbar^T Hbar (paper's columns)
  let rhoMeasured = 0;
  for (let k = 0; k < K; k++) rhoMeasured += G.data[k * K + k] / K;
  const measured = t.collapsed ? rhoMeasured : sumSquares(res.H.data) / (K * n);
  const gram = G.clone();
  for (let k = 0; k < K; k++) gram.data[k * K + k] -= t.rho;
  const wTarget = new Matrix(
    K,
    d,
    Hbar.data.map((v) => v * t.wOverH),
  );
  const labels = ufmLabels(K, n);
  return {
    measured,
    expected: t.rho,
    gramError: frobeniusNorm(gram) / Math.max(t.rho, 1),
    wError: frobeniusNorm(sub(res.W, wTarget)) / Math.max(frobeniusNorm(res.W), 1),
    traceSigmaW: traceSigmaW(classStats(res.H, labels)),
    nc1Trace: t.collapsed ? nc1Trace(res.H, labels) : NaN,
    value: res.value,
    minValue: t.minValue,
    gradNorm: res.gradNorm,
    iters: res.iters,
    converged: res.converged,
    H: res.H,
    W: res.W,
  };
}

export interface Theorem42Check {
  sigmaMaxIntra: Measured;
  sigmaMinIntra: Measured;
  sigmaMaxInter: Measured;
  /** Numerical rank of F_12 (tol 1e-10 sigma_max) against 1. */
  interRank: Measured;
  /** Max over all K^2 blocks of |computed - App. D| singular values, against 0. */
  spectrumError: Measured;
  /** Same for the exact Theorem 4.1 operator against its closed form (bounds/ufm.ts). */
  spectrumErrorExact: Measured;
}

function maxAbsDifference(a: Float64Array, b: Float64Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** Build F (Eq. 5) and the exact operator at the collapsed minimiser (random R from seed) and compare with Theorem 4.2 / App. D. */
export function checkTheorem42(cfg: SizeConfig & { beta: number }): Theorem42Check {
  const { K, n, d, lambdaH, lambdaW, beta } = cfg;
  const R = randomOrthonormal(new Rng(cfg.seed ?? 0).child('R'), d, K);
  const { H, W } = collapsedMinimiser(K, n, d, lambdaH, lambdaW, R);
  const ucfg = { K, n, d, lambdaH, lambdaW, beta, H0: H };
  const F = perturbationMatrix(W, H, ucfg);
  const Fx = perturbationMatrixExact(W, H, ucfg);
  const expIntra = intraBlockSpectrum(K, n, d, lambdaH, lambdaW, beta);
  const expInter = interBlockSpectrum(K, n, d, lambdaH, lambdaW, beta);
  const expIntraX = intraBlockSpectrumExact(K, n, d, lambdaH, lambdaW, beta);
  const expInterX = interBlockSpectrumExact(K, n, d, lambdaH, lambdaW, beta);
  let err = 0,
    errX = 0;
  for (let k = 0; k < K; k++)
    for (let kp = 0; kp < K; kp++) {
      err = Math.max(err, maxAbsDifference(blockSingularValues(F, d, n, k, kp), k === kp ? expIntra : expInter));
      errX = Math.max(errX, maxAbsDifference(blockSingularValues(Fx, d, n, k, kp), k === kp ? expIntraX : expInterX));
    }
  const th = theorem42(lambdaH, lambdaW, beta);
  const intra = blockSingularValues(F, d, n, 0, 0);
  const inter = K > 1 ? blockSingularValues(F, d, n, 0, 1) : new Float64Array(1);
  const rank = inter.filter((v) => v > 1e-10 * inter[0]).length;
  return {
    sigmaMaxIntra: { measured: intra[0], expected: th.sigmaMaxIntra },
    sigmaMinIntra: { measured: intra[intra.length - 1], expected: th.sigmaMinIntra },
    sigmaMaxInter: { measured: inter[0], expected: th.sigmaMaxInter },
    interRank: { measured: rank, expected: 1 },
    spectrumError: { measured: err, expected: 0 },
    spectrumErrorExact: { measured: errX, expected: 0 },
  };
}

/**
 * Jacobian of the Eq. 2 minimiser H*(H0) w.r.t. vec(H0) by central differences (step eps per coordinate),
 * each minimiser solved to gradTol from H0 +- eps e_j. dnK solves pairs: tiny cases only.
 */
export function finiteDifferenceJacobian(
  cfg: UfmConfig & { beta: number; H0: Matrix },
  Hbase: Matrix,
  eps: number,
  gradTol = 1e-13,
): { J: Matrix; worstGradNorm: number } {
  const N = cfg.H0.size;
  const J = new Matrix(N, N);
  let worst = 0;
  for (let j = 0; j < N; j++) {
    const sol: Matrix[] = [];
    for (const sign of [1, -1]) {
      const H0 = cfg.H0.clone();
      H0.data[j] += sign * eps;
      const r = solveUfm({ ...cfg, H0 }, Hbase, { gradTol, maxIters: 2000 });
      worst = Math.max(worst, r.gradNorm);
      sol.push(r.H);
    }
    for (let i = 0; i < N; i++) J.data[i * N + j] = (sol[0].data[i] - sol[1].data[i]) / (2 * eps);
  }
  return { J, worstGradNorm: worst };
}

/** measured: ||J_fd - F_exact||_F / ||F_exact||_F (expected 0 up to finite-difference error). */
export interface Theorem41Check extends Measured {
  /** ||J_fd - F||_F / ||F||_F for the first-order F of Eq. 5 (O(beta^-2)). */
  firstOrderError: number;
  worstGradNorm: number;
}

/** Theorem 4.1 on a tiny case: finite-difference Jacobian of the Eq. 2 minimiser vs the exact operator and Eq. 5's F. */
export function checkTheorem41(cfg: SizeConfig & { beta: number; collapsed?: boolean; noise?: number; eps?: number }): Theorem41Check {
  const { K, n, d, lambdaH, lambdaW, beta } = cfg;
  const rng = new Rng(cfg.seed ?? 0);
  const H0 =
    (cfg.collapsed ?? true)
      ? collapsedMinimiser(K, n, d, lambdaH, lambdaW, randomOrthonormal(rng.child('R'), d, K)).H
      : randomFeatures(rng.child('H0'), K, n, d, cfg.noise ?? 0.3);
  const ucfg = { K, n, d, lambdaH, lambdaW, beta, H0 };
  const base = solveUfm(ucfg, H0, { gradTol: 1e-13, maxIters: 5000 });
  const fd = finiteDifferenceJacobian(ucfg, base.H, cfg.eps ?? 1e-4);
  const Fx = perturbationMatrixExact(base.W, base.H, ucfg);
  const F = perturbationMatrix(base.W, base.H, ucfg);
  return {
    measured: frobeniusNorm(sub(fd.J, Fx)) / frobeniusNorm(Fx),
    expected: 0,
    firstOrderError: frobeniusNorm(sub(fd.J, F)) / frobeniusNorm(F),
    worstGradNorm: Math.max(fd.worstGradNorm, base.gradNorm),
  };
}

export interface LinearisationRow {
  /** ||dH0||_F / ||H0||_F. */
  deltaRel: number;
  deltaNorm: number;
  /** ||dH||_F, the true change of the Eq. 2 minimiser. */
  changeNorm: number;
  /** ||dH - F vec(dH0)||_F / ||dH0||_F (Eq. 5). */
  errorFirstOrder: number;
  /** ||dH - F_exact vec(dH0)||_F / ||dH0||_F (Theorem 4.1 before the Neumann truncation). */
  errorExact: number;
  gradNorm: number;
  converged: boolean;
}

/**
 * The linearisation at a collapsed H0 = H*: solve Eq. 2 for H* + dH0 (dH0 = delta * ||H*||_F * G/||G||_F, G Gaussian
 * from rng) for each relative size delta and compare the true change with F vec(dH0). The gradient of Eq. 2 is
 * dominated by beta (H - H0), so the default tolerance scales with beta (error in H about gradNorm / beta).
 */
export function linearisation(
  cfg: SizeConfig & { beta: number },
  deltas: number[],
  rng: Rng,
  opts: { gradTol?: number; maxIters?: number; F?: Matrix; Fexact?: Matrix; R?: Matrix } = {},
): LinearisationRow[] {
  const { K, n, d, lambdaH, lambdaW, beta } = cfg;
  const R = opts.R ?? randomOrthonormal(rng.child('R'), d, K);
  const { H, W } = collapsedMinimiser(K, n, d, lambdaH, lambdaW, R);
  const ucfg = { K, n, d, lambdaH, lambdaW, beta, H0: H };
  const F = opts.F ?? perturbationMatrix(W, H, ucfg);
  const Fx = opts.Fexact ?? perturbationMatrixExact(W, H, ucfg);
  const G = new Matrix(K * n, d, rng.child('direction').normals(K * n * d));
  const gNorm = frobeniusNorm(G);
  const hNorm = frobeniusNorm(H);
  const rows: LinearisationRow[] = [];
  for (const delta of deltas) {
    const dH0 = new Matrix(
      K * n,
      d,
      G.data.map((v) => (v * delta * hNorm) / gNorm),
    );
    const H0 = new Matrix(
      K * n,
      d,
      H.data.map((v, i) => v + dH0.data[i]),
    );
    const res = solveUfm({ ...ucfg, H0 }, H0, { gradTol: opts.gradTol ?? 1e-13 * Math.max(1, beta), maxIters: opts.maxIters ?? 5000 });
    const dH = sub(res.H, H); // Cor. 2.2: the minimiser for H0 = H* is H* itself
    const dn = frobeniusNorm(dH0);
    rows.push({
      deltaRel: delta,
      deltaNorm: dn,
      changeNorm: frobeniusNorm(dH),
      errorFirstOrder: frobeniusNorm(sub(dH, applyToFeatures(F, dH0))) / dn,
      errorExact: frobeniusNorm(sub(dH, applyToFeatures(Fx, dH0))) / dn,
      gradNorm: res.gradNorm,
      converged: res.converged,
    });
  }
  return rows;
}

export interface Theorem31Check {
  nc1TraceDecreasing: Measured;
  twDecreasing: Measured;
  tbIncreasing: Measured;
  /** NC1~ at t = 0 and at tEnd. */
  nc1TraceStart: number;
  nc1TraceEnd: number;
}

/** Theorem 3.1 on a seeded non-collapsed H0: flags as 1/0 (expected 1). */
export function checkTheorem31(cfg: SizeConfig & { tEnd?: number; records?: number; noise?: number }): Theorem31Check {
  const { K, n, d, lambdaH, lambdaW } = cfg;
  const H0 = randomFeatures(new Rng(cfg.seed ?? 0).child('H0'), K, n, d, cfg.noise ?? 0.5);
  const flow = integrateCentralPath(H0, { K, n, d, lambdaH, lambdaW }, { tEnd: cfg.tEnd ?? 5, records: cfg.records ?? 51 });
  const f = monotonicityFlags(flow.records);
  const ok = flow.status === 'ok';
  return {
    nc1TraceDecreasing: { measured: ok && f.nc1TraceDecreasing ? 1 : 0, expected: 1 },
    twDecreasing: { measured: ok && f.twDecreasing ? 1 : 0, expected: 1 },
    tbIncreasing: { measured: ok && f.tbIncreasing ? 1 : 0, expected: 1 },
    nc1TraceStart: flow.records[0].nc1Trace,
    nc1TraceEnd: flow.records[flow.records.length - 1].nc1Trace,
  };
}

/** Corollary 3.2: measured NC1~ of the Eq. 2 minimiser against expected (upper bound) NC1~(H0), for a large beta. */
export function checkCorollary32(cfg: SizeConfig & { beta: number; noise?: number }): Measured & { converged: boolean } {
  const { K, n, d, lambdaH, lambdaW, beta } = cfg;
  const H0 = randomFeatures(new Rng(cfg.seed ?? 0).child('H0'), K, n, d, cfg.noise ?? 0.5);
  const res = solveUfm({ K, n, d, lambdaH, lambdaW, beta, H0 }, H0, { gradTol: 1e-11 });
  const labels = ufmLabels(K, n);
  return { measured: nc1Trace(res.H, labels), expected: nc1Trace(H0, labels), converged: res.converged };
}
