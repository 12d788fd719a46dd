// Line search satisfying the strong Wolfe conditions (Nocedal & Wright, Numerical Optimization, Alg. 3.5/3.6),
// with the approximate-Wolfe fallback of Hager & Zhang for decreases below rounding level.
import { dotVec } from './params.ts';

/** Evaluate f and its gradient at x (written into g). */
export type ValueAndGrad = (x: Float64Array, g: Float64Array) => number;

export interface LineSearchOptions {
  c1?: number;
  c2?: number;
  maxEvals?: number;
}

export interface LineSearchResult {
  ok: boolean;
  alpha: number;
  f: number;
  evals: number;
}

/**
 * Search along d from x (value f0, gradient g0). On success xOut = x + alpha d and gOut = grad f(xOut).
 * Non-finite trial values are treated as "step too long".
 */
export function strongWolfe(
  fg: ValueAndGrad,
  x: Float64Array,
  f0: number,
  g0: Float64Array,
  d: Float64Array,
  alpha0: number,
  xOut: Float64Array,
  gOut: Float64Array,
  opts: LineSearchOptions = {},
): LineSearchResult {
  const c1 = opts.c1 ?? 1e-4;
  const c2 = opts.c2 ?? 0.9;
  const maxEvals = opts.maxEvals ?? 40;
  const dphi0 = dotVec(g0, d);
  const n = x.length;
  let evals = 0;
  let lastAlpha = NaN;
  const phi = (a: number): [number, number] => {
    for (let i = 0; i < n; i++) xOut[i] = x[i] + a * d[i];
    const f = fg(xOut, gOut);
    evals++;
    lastAlpha = a;
    return [f, dotVec(gOut, d)];
  };
  const tolF = 1e-12 * Math.abs(f0);
  const sufficient = (a: number, f: number, df: number): boolean =>
    f <= f0 + c1 * a * dphi0 || (f <= f0 + tolF && df <= (2 * c1 - 1) * dphi0 && df >= c2 * dphi0);
  const curvature = (df: number): boolean => Math.abs(df) <= -c2 * dphi0;
  const finish = (a: number, f: number): LineSearchResult => {
    if (lastAlpha !== a) f = phi(a)[0];
    return { ok: true, alpha: a, f, evals };
  };

  const zoom = (lo: number, fLo: number, dLo: number, hi: number, fHi: number, dHi: number): LineSearchResult => {
    while (evals < maxEvals) {
      const w = hi - lo;
      let a = cubicMinimizer(lo, fLo, dLo, hi, fHi, dHi);
      const lower = Math.min(lo, hi) + 0.1 * Math.abs(w);
      const upper = Math.max(lo, hi) - 0.1 * Math.abs(w);
      if (!Number.isFinite(a) || a < lower || a > upper) a = lo + 0.5 * w;
      const [fa, da] = phi(a);
      if (!Number.isFinite(fa) || !sufficient(a, fa, da) || fa > fLo + tolF) {
        hi = a;
        fHi = fa;
        dHi = da;
        if (!Number.isFinite(fa)) {
          fHi = Infinity;
          dHi = NaN;
        }
      } else {
        if (curvature(da)) return { ok: true, alpha: a, f: fa, evals };
        if (da * (hi - lo) >= 0) {
          hi = lo;
          fHi = fLo;
          dHi = dLo;
        }
        lo = a;
        fLo = fa;
        dLo = da;
      }
      if (Math.abs(hi - lo) <= 1e-16 * Math.max(1, Math.abs(lo))) break;
    }
    // Wolfe not met within budget: accept the best point with sufficient decrease, if any.
    if (lo > 0 && fLo <= f0 + tolF && (fLo < f0 || dLo > c2 * dphi0)) return finish(lo, fLo);
    return { ok: false, alpha: 0, f: f0, evals };
  };

  let aPrev = 0;
  let fPrev = f0;
  let dPrev = dphi0;
  let a = alpha0;
  for (let i = 0; evals < maxEvals; i++) {
    const [fa, da] = phi(a);
    if (!Number.isFinite(fa) || !Number.isFinite(da)) return zoomNonFinite(a);
    if (!sufficient(a, fa, da) || (i > 0 && fa > fPrev + tolF)) return zoom(aPrev, fPrev, dPrev, a, fa, da);
    if (curvature(da)) return { ok: true, alpha: a, f: fa, evals };
    if (da >= 0) return zoom(a, fa, da, aPrev, fPrev, dPrev);
    aPrev = a;
    fPrev = fa;
    dPrev = da;
    a = Math.min(a * 4, 1e10);
  }
  if (aPrev > 0 && fPrev < f0) return finish(aPrev, fPrev);
  return { ok: false, alpha: 0, f: f0, evals };

  function zoomNonFinite(aBad: number): LineSearchResult {
    // back off until finite, then bracket between the last good step and the finite trial
    let hi = aBad;
    while (evals < maxEvals) {
      const t = aPrev + 0.5 * (hi - aPrev);
      const [ft, dt] = phi(t);
      if (Number.isFinite(ft) && Number.isFinite(dt)) {
        if (!sufficient(t, ft, dt) || ft > fPrev + tolF) return zoom(aPrev, fPrev, dPrev, t, ft, dt);
        if (curvature(dt)) return { ok: true, alpha: t, f: ft, evals };
        return zoom(t, ft, dt, hi, Infinity, NaN);
      }
      hi = t;
    }
    return { ok: false, alpha: 0, f: f0, evals };
  }
}

/** Minimiser of the cubic interpolating (a, fa, da), (b, fb, db); NaN if it does not exist. */
function cubicMinimizer(a: number, fa: number, da: number, b: number, fb: number, db: number): number {
  if (!Number.isFinite(fb) || !Number.isFinite(db)) return NaN;
  const d1 = da + db - (3 * (fa - fb)) / (a - b);
  const disc = d1 * d1 - da * db;
  if (disc < 0) return NaN;
  const d2 = Math.sign(b - a) * Math.sqrt(disc);
  return b - ((b - a) * (db + d2 - d1)) / (db - da + 2 * d2);
}
