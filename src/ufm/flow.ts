// Central-path gradient flow of Eq. 4, dH/dt = -Kn grad L(H) with W = W*(H), and random feature matrices.
import { Matrix, qr } from '../linalg/index.ts';
import { type Checkpoints, type State, checkStop, noCheckpoints } from '../linalg/interrupt.ts';
import { classStats, nc1Trace, traceSigmaB, traceSigmaW } from '../metrics/index.ts';
import type { Rng } from '../random/index.ts';
import { type UfmConfig, centralPathLoss, ufmLabels } from './model.ts';

/** Random partial orthonormal R (d x K, R^T R = I_K): Q of a Gaussian matrix. */
export function randomOrthonormal(rng: Rng, d: number, K: number): Matrix {
  return qr(new Matrix(d, K, rng.normals(d * K))).Q;
}

/**
 * Non-collapsed features (Kn x d, rows class-major): h_{k,i} = m_k + noise * g_{k,i}, m_k and g_{k,i} standard
 * normal in R^d (so NC1~ is about noise^2 at d >> K).
 */
export function randomFeatures(rng: Rng, K: number, n: number, d: number, noise: number, scale = 1): Matrix {
  const means = rng.child('means').normals(K * d);
  const g = rng.child('noise').normals(K * n * d);
  const H = new Matrix(K * n, d);
  for (let k = 0; k < K; k++)
    for (let i = 0; i < n; i++)
      for (let j = 0; j < d; j++) {
        const s = k * n + i;
        H.data[s * d + j] = scale * (means[k * d + j] + noise * g[s * d + j]);
      }
  return H;
}

/** Quantities of Theorem 3.1 at one time. */
export interface FlowRecord {
  t: number;
  /** NC1~ = tr Sigma_W / tr Sigma_B (Eq. 3). */
  nc1Trace: number;
  traceSigmaW: number;
  traceSigmaB: number;
  /** T_W = e^{2 lambda_H t} tr Sigma_W (App. A). */
  tw: number;
  /** T_B = e^{2 lambda_H t} tr Sigma_B (App. A). */
  tb: number;
  /** L(H_t) of Sec. 3. */
  loss: number;
  /** Accepted integrator steps so far. */
  steps: number;
}

export interface FlowOptions {
  tEnd: number;
  /** Number of recorded times, uniform on [0, tEnd] (both ends included). */
  records: number;
  /** Local error tolerance per step, relative to max(1, ||H||_F). */
  tol?: number;
  signal?: AbortSignal;
  /** Checkpoint hooks: every integrator step is a consistent point. */
  checkpoint?: Checkpoints;
}

export interface FlowResult {
  records: FlowRecord[];
  H: Matrix;
  steps: number;
  rejected: number;
  status: 'ok' | 'diverged' | 'failed';
}

function record(H: Matrix, cfg: UfmConfig, t: number, steps: number, labels: Int32Array): FlowRecord {
  const s = classStats(H, labels);
  const tw = traceSigmaW(s);
  const tb = traceSigmaB(s);
  const e = Math.exp(2 * cfg.lambdaH * t);
  return { t, nc1Trace: nc1Trace(H, labels), traceSigmaW: tw, traceSigmaB: tb, tw: e * tw, tb: e * tb, loss: centralPathLoss(H, cfg).value, steps };
}

/** One classical RK4 step of dH/dt = -Kn grad L(H). */
function rk4Step(H: Matrix, h: number, cfg: UfmConfig): Matrix {
  const field = (X: Matrix): Float64Array => centralPathLoss(X, cfg).gradient.data; // = -dH/dt
  const x = H.data;
  const len = x.length;
  const tmp = new Matrix(H.rows, H.cols);
  const k1 = field(H);
  for (let i = 0; i < len; i++) tmp.data[i] = x[i] - 0.5 * h * k1[i];
  const k2 = field(tmp);
  for (let i = 0; i < len; i++) tmp.data[i] = x[i] - 0.5 * h * k2[i];
  const k3 = field(tmp);
  for (let i = 0; i < len; i++) tmp.data[i] = x[i] - h * k3[i];
  const k4 = field(tmp);
  const out = new Matrix(H.rows, H.cols);
  for (let i = 0; i < len; i++) out.data[i] = x[i] - (h / 6) * (k1[i] + 2 * k2[i] + 2 * k3[i] + k4[i]);
  return out;
}

/**
 * Integrate Eq. 4 from H0 with RK4 and step doubling (error control). Step justification: Lemma B.1 bounds the field,
 * ||Kn grad L(H)||_F <= (3/lambda_W + lambda_H) ||H||_F, from the terms of Eq. 7 with ||C|| <= K/lambda_W; we take
 * Lip = 3/lambda_W + lambda_H as the scale of its linearisation and cap the step at h <= 0.5/Lip, well inside RK4's
 * real stability interval (h Lip < 2.78). Each step is accepted only if the step-doubling estimate
 * |y_{h/2,h/2} - y_h|/15 of the local error is below tol * max(1, ||H||_F); the step then changes by (tol/err)^{1/5}.
 */
export function integrateCentralPath(H0: Matrix, cfg: UfmConfig, opts: FlowOptions): FlowResult {
  const labels = ufmLabels(cfg.K, cfg.n);
  const tol = opts.tol ?? 1e-10;
  const hMax = 0.5 / (3 / cfg.lambdaW + cfg.lambdaH);
  const ck = (opts.checkpoint ?? noCheckpoints).loop('central-path');
  const saved = ck.restored?.state as Record<string, State> | undefined;
  let H = saved ? new Matrix(H0.rows, H0.cols, saved.H as Float64Array) : H0.clone();
  let t = saved ? (saved.t as number) : 0;
  let h = saved ? (saved.h as number) : hMax / 4;
  let steps = saved ? (saved.steps as number) : 0;
  let rejected = saved ? (saved.rejected as number) : 0;
  const records: FlowRecord[] = saved ? (saved.records as unknown as FlowRecord[]) : [record(H, cfg, 0, 0, labels)];
  if (ck.restored?.done) return { records, H, steps, rejected, status: saved!.status as FlowResult['status'] };
  const end = (status: FlowResult['status']): FlowResult => {
    if (status !== 'failed' || !opts.signal?.aborted)
      ck.finish({ H: H.data, t, h, steps, rejected, r: 0, records: records as unknown as State, status });
    return { records, H, steps, rejected, status };
  };
  for (let r = saved ? (saved.r as number) : 1; r < opts.records; r++) {
    const target = (opts.tEnd * r) / (opts.records - 1);
    while (t < target - 1e-15 * Math.max(1, target)) {
      const at = { H: H.data, t, h, steps, rejected, r, n: records.length };
      ck.point(() => ({ ...at, records: records.slice(0, at.n) as unknown as State }));
      checkStop();
      if (opts.signal?.aborted) return end('failed');
      const hs = Math.min(h, hMax, target - t);
      const full = rk4Step(H, hs, cfg);
      const half = rk4Step(rk4Step(H, hs / 2, cfg), hs / 2, cfg);
      let diff = 0,
        norm = 0;
      for (let i = 0; i < half.data.length; i++) {
        diff += (half.data[i] - full.data[i]) ** 2;
        norm += half.data[i] ** 2;
      }
      const err = Math.sqrt(diff) / 15 / Math.max(1, Math.sqrt(norm));
      if (!Number.isFinite(err)) return end('diverged');
      if (err <= tol) {
        H = half;
        t += hs;
        steps++;
      } else {
        rejected++;
      }
      const factor = err === 0 ? 2 : Math.min(2, Math.max(0.2, 0.9 * (tol / err) ** 0.2));
      if (hs === h || err > tol) h = hs * factor;
      if (h < 1e-14 * Math.max(1, opts.tEnd)) return end('failed');
    }
    t = target;
    records.push(record(H, cfg, t, steps, labels));
  }
  return end('ok');
}

export interface MonotonicityFlags {
  /** NC1~(H_t) strictly decreases (Theorem 3.1, first claim). */
  nc1TraceDecreasing: boolean;
  /** e^{2 lambda_H t} tr Sigma_W decreases (non-strict; round-off slack 1e-12 relative). */
  twDecreasing: boolean;
  /** e^{2 lambda_H t} tr Sigma_B strictly increases. */
  tbIncreasing: boolean;
  /** Largest relative step change against each claim's direction (<= 0 means no violation). */
  worstNc1Trace: number;
  worstTw: number;
  worstTb: number;
}

/** The three monotonicity claims of Theorem 3.1 on recorded values. */
export function monotonicityFlags(records: FlowRecord[]): MonotonicityFlags {
  let wN = -Infinity,
    wW = -Infinity,
    wB = -Infinity;
  for (let i = 1; i < records.length; i++) {
    const a = records[i - 1],
      b = records[i];
    wN = Math.max(wN, (b.nc1Trace - a.nc1Trace) / Math.abs(a.nc1Trace));
    wW = Math.max(wW, (b.tw - a.tw) / Math.abs(a.tw));
    wB = Math.max(wB, (a.tb - b.tb) / Math.abs(a.tb));
  }
  return { nc1TraceDecreasing: wN < 0, twDecreasing: wW <= 1e-12, tbIncreasing: wB < 0, worstNc1Trace: wN, worstTw: wW, worstTb: wB };
}
