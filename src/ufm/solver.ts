// Minimiser of Eq. 1 / Eq. 2 over H with W = W*(H) (footnote 3): L-BFGS on Kn * f(W*(H), H; H0).
import { Matrix } from '../linalg/index.ts';
import { type Checkpoints, type State, checkStop, noCheckpoints } from '../linalg/interrupt.ts';
import { type UfmConfig, reducedObjective } from './model.ts';

export interface SolveOptions {
  /** Stop when ||Kn grad_H f||_F <= gradTol (absolute; Kn grad is O(1) per sample). */
  gradTol?: number;
  maxIters?: number;
  /** L-BFGS memory. */
  memory?: number;
  signal?: AbortSignal;
  /** Checkpoint hooks: every iteration is a consistent point; a resumed solve continues with the same iterates. */
  checkpoint?: Checkpoints;
}

export interface SolveResult {
  H: Matrix;
  W: Matrix;
  /** f(W*(H), H; H0) at the end. */
  value: number;
  /** ||Kn grad_H f||_F at the end. */
  gradNorm: number;
  iters: number;
  converged: boolean;
  status: 'ok' | 'not_converged' | 'diverged';
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

/**
 * L-BFGS (two-loop recursion) with a backtracking Armijo line search on phi(H) = Kn f(W*(H), H; H0).
 * Near the optimum the decrease of phi drops below its round-off (|phi| eps); there a step is also
 * accepted when it lowers the gradient norm, so the solver can reach gradient norms near machine precision.
 */
export function solveUfm(cfg: UfmConfig, Hinit: Matrix, opts: SolveOptions = {}): SolveResult {
  const gradTol = opts.gradTol ?? 1e-10;
  const maxIters = opts.maxIters ?? 5000;
  const m = opts.memory ?? 10;
  const Kn = cfg.K * cfg.n;
  const ck = (opts.checkpoint ?? noCheckpoints).loop('ufm-lbfgs');
  const saved = ck.restored?.state as Record<string, State> | undefined;
  // The iterate H fixes W*(H), the value and the gradient: a resumed solve re-evaluates them at the saved H.
  let H = saved ? new Matrix(Hinit.rows, Hinit.cols, saved.H as Float64Array) : Hinit.clone();
  let ev = reducedObjective(H, cfg);
  let phi = Kn * ev.value;
  let g = ev.gradient.data;
  let gn = Math.sqrt(dot(g, g));
  const S: Float64Array[] = saved ? (saved.S as Float64Array[]).slice() : [];
  const Yd: Float64Array[] = saved ? (saved.Y as Float64Array[]).slice() : [];
  const rho: number[] = saved ? (saved.rho as number[]).slice() : [];
  let iters = saved ? saved.iters as number : 0;
  let stalls = saved ? saved.stalls as number : 0;
  if (ck.restored?.done) return { H, W: ev.W, value: ev.value, gradNorm: gn, iters, converged: saved!.status === 'ok', status: saved!.status as SolveResult['status'] };
  const finish = (status: SolveResult['status']): SolveResult => {
    ck.finish({ H: H.data, S: [], Y: [], rho: [], iters, stalls, status });
    return { H, W: ev.W, value: ev.value, gradNorm: gn, iters, converged: status === 'ok', status };
  };
  while (gn > gradTol && iters < maxIters) {
    const at = { H: H.data, S: S.slice(), Y: Yd.slice(), rho: rho.slice(), iters, stalls };
    ck.point(() => at);
    checkStop();
    if (opts.signal?.aborted) break;
    iters++;
    // Two-loop recursion: p = -H_k g.
    const q = Float64Array.from(g);
    const alpha: number[] = new Array(S.length);
    for (let j = S.length - 1; j >= 0; j--) {
      alpha[j] = rho[j] * dot(S[j], q);
      for (let i = 0; i < q.length; i++) q[i] -= alpha[j] * Yd[j][i];
    }
    let gamma = 1;
    if (S.length > 0) {
      const last = S.length - 1;
      gamma = dot(S[last], Yd[last]) / dot(Yd[last], Yd[last]);
    } else {
      // First step: at most a unit move per sample scale, as the gradient is O(1) per sample.
      gamma = Math.min(1, 1 / Math.max(gn, 1e-300)) * 0.5;
    }
    for (let i = 0; i < q.length; i++) q[i] *= gamma;
    for (let j = 0; j < S.length; j++) {
      const b = rho[j] * dot(Yd[j], q);
      for (let i = 0; i < q.length; i++) q[i] += S[j][i] * (alpha[j] - b);
    }
    const p = q;
    for (let i = 0; i < p.length; i++) p[i] = -p[i];
    let slope = dot(g, p);
    if (!(slope < 0)) {
      // Not a descent direction: reset the memory and use steepest descent.
      S.length = 0; Yd.length = 0; rho.length = 0;
      for (let i = 0; i < p.length; i++) p[i] = -g[i] * 0.5 / Math.max(1, gn);
      slope = dot(g, p);
    }
    let t = 1;
    let accepted = false;
    let Hn: Matrix = H;
    let evn = ev;
    let phin = phi;
    let gnn = gn;
    for (let ls = 0; ls < 60; ls++) {
      checkStop();
      Hn = new Matrix(H.rows, H.cols);
      for (let i = 0; i < p.length; i++) Hn.data[i] = H.data[i] + t * p[i];
      evn = reducedObjective(Hn, cfg);
      phin = Kn * evn.value;
      if (!Number.isFinite(phin)) { t *= 0.5; continue; }
      const gnew = evn.gradient.data;
      gnn = Math.sqrt(dot(gnew, gnew));
      const roundoff = 64 * Number.EPSILON * Math.max(1, Math.abs(phi));
      if (phin <= phi + 1e-4 * t * slope || (Math.abs(phin - phi) <= roundoff && gnn < gn)) { accepted = true; break; }
      t *= 0.5;
    }
    if (!accepted) {
      if (!Number.isFinite(phin)) return finish('diverged');
      // Line search failed: drop the memory once, then give up.
      if (++stalls > 2) break;
      S.length = 0; Yd.length = 0; rho.length = 0;
      continue;
    }
    stalls = 0;
    const s = new Float64Array(p.length);
    const y = new Float64Array(p.length);
    const gnew = evn.gradient.data;
    for (let i = 0; i < p.length; i++) { s[i] = t * p[i]; y[i] = gnew[i] - g[i]; }
    const sy = dot(s, y);
    if (sy > 1e-16 * Math.sqrt(dot(s, s) * dot(y, y))) {
      S.push(s); Yd.push(y); rho.push(1 / sy);
      if (S.length > m) { S.shift(); Yd.shift(); rho.shift(); }
    }
    H = Hn; ev = evn; phi = phin; g = gnew; gn = gnn;
  }
  if (!Number.isFinite(gn)) return finish('diverged');
  return finish(gn <= gradTol ? 'ok' : 'not_converged');
}
