// Minimiser of Eq. 1 / Eq. 2 over H with W = W*(H) (footnote 3): L-BFGS on Kn * f(W*(H), H; H0), with nn's L-BFGS and line search.
import { Matrix } from '../linalg/index.ts';
import { type Checkpoints, type State, checkStop, noCheckpoints } from '../linalg/interrupt.ts';
import { norm2 } from '../linalg/ops.ts';
import { strongWolfe, type ValueAndGrad } from '../nn/linesearch.ts';
import { LbfgsMemory } from '../nn/optimizers.ts';
import { type UfmConfig, reducedObjective } from './model.ts';

export interface SolveOptions {
  /** Stop when ||Kn grad_H f||_F <= gradTol (absolute; Kn grad is O(1) per sample). */
  gradTol?: number;
  maxIters?: number;
  /** L-BFGS memory. */
  memory?: number;
  signal?: AbortSignal;
  /** Where the iterate and the L-BFGS memory are saved at each consistent point (src/runner/checkpoint.ts). */
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

/**
 * L-BFGS (the two-loop recursion of src/nn/optimizers.ts) with the strong-Wolfe line search of src/nn/linesearch.ts
 * on phi(H) = Kn f(W*(H), H; H0), whose gradient is Kn grad_H f (reducedObjective). The line search's approximate-Wolfe
 * test (Hager & Zhang) accepts steps whose decrease is below round-off, so gradient norms near machine precision are reached.
 */
export function solveUfm(cfg: UfmConfig, Hinit: Matrix, opts: SolveOptions = {}): SolveResult {
  const gradTol = opts.gradTol ?? 1e-10;
  const maxIters = opts.maxIters ?? 5000;
  const Kn = cfg.K * cfg.n;
  const { rows, cols } = Hinit;
  const size = rows * cols;
  const ck = (opts.checkpoint ?? noCheckpoints).loop('ufm-lbfgs');
  const saved = ck.restored?.state as Record<string, State> | undefined;
  // The iterate H fixes W*(H), the value and the gradient: a resumed solve re-evaluates them at the saved H.
  const x = Float64Array.from(saved ? (saved.H as Float64Array) : Hinit.data);
  let ev = reducedObjective(new Matrix(rows, cols, Float64Array.from(x)), cfg);
  // phi and Kn grad f at x; `ev` keeps the latest evaluation, which the line search leaves at its accepted point.
  const fg: ValueAndGrad = (xAt, gAt) => {
    ev = reducedObjective(new Matrix(rows, cols, Float64Array.from(xAt)), cfg);
    gAt.set(ev.gradient.data);
    return Kn * ev.value;
  };
  const g = Float64Array.from(ev.gradient.data);
  let accepted = ev;
  let phi = Kn * ev.value;
  let gn = norm2(g);
  const memory = new LbfgsMemory(size, opts.memory ?? 10);
  if (saved) memory.importState(saved.memory as never);
  const d = new Float64Array(size);
  const xNew = new Float64Array(size);
  const gNew = new Float64Array(size);
  const step = new Float64Array(size);
  const change = new Float64Array(size);
  let iters = saved ? (saved.iters as number) : 0;
  let stalls = saved ? (saved.stalls as number) : 0;
  const result = (status: SolveResult['status']): SolveResult => ({
    H: new Matrix(rows, cols, x),
    W: accepted.W,
    value: accepted.value,
    gradNorm: gn,
    iters,
    converged: status === 'ok',
    status,
  });
  if (ck.restored?.done) return result(saved!.status as SolveResult['status']);
  const finish = (status: SolveResult['status']): SolveResult => {
    ck.finish({ H: x, memory: { s: [], y: [], rho: [] }, iters, stalls, status });
    return result(status);
  };
  while (gn > gradTol && iters < maxIters) {
    // Consistent point: x, g and the L-BFGS pairs change only after the step's line search (its last stop check).
    const at = { memory: memory.exportState() as unknown as State, iters, stalls };
    ck.point(() => ({ ...at, H: x }));
    checkStop();
    if (opts.signal?.aborted) break;
    iters++;
    memory.direction(g, d);
    // First step (empty memory): at most half a unit move, as the gradient is O(1) per sample.
    const alpha0 = memory.length === 0 ? 0.5 * Math.min(1, 1 / Math.max(gn, 1e-300)) : 1;
    const ls = strongWolfe(fg, x, phi, g, d, alpha0, xNew, gNew, { maxEvals: 60 });
    if (!ls.ok) {
      if (!Number.isFinite(ls.f) || !gNew.every(Number.isFinite)) return finish('diverged');
      // Line search failed: drop the memory and retry along -g, at most twice in a row.
      if (++stalls > 2) break;
      memory.reset();
      continue;
    }
    stalls = 0;
    for (let i = 0; i < size; i++) {
      step[i] = xNew[i] - x[i];
      change[i] = gNew[i] - g[i];
    }
    memory.push(step, change);
    x.set(xNew);
    g.set(gNew);
    phi = ls.f;
    accepted = ev;
    gn = norm2(g);
  }
  if (!Number.isFinite(gn)) return finish('diverged');
  return finish(gn <= gradTol ? 'ok' : 'not_converged');
}
