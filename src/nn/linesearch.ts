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
  const search = new WolfeSearch(fg, x, f0, dotVec(g0, d), d, xOut, gOut, opts);
  return search.run(alpha0);
}

/** One strong-Wolfe line search: phi(a) = f(x + a d), its trial count, and the bracketing and zoom phases (N&W Alg. 3.5/3.6). */
class WolfeSearch {
  private readonly c1: number;
  private readonly c2: number;
  private readonly maxEvals: number;
  private readonly tolF: number;
  private evals = 0;
  private lastAlpha = NaN;

  constructor(
    private readonly fg: ValueAndGrad,
    private readonly x: Float64Array,
    private readonly f0: number,
    private readonly dphi0: number,
    private readonly d: Float64Array,
    private readonly xOut: Float64Array,
    private readonly gOut: Float64Array,
    opts: LineSearchOptions,
  ) {
    this.c1 = opts.c1 ?? 1e-4;
    this.c2 = opts.c2 ?? 0.9;
    this.maxEvals = opts.maxEvals ?? 40;
    this.tolF = 1e-12 * Math.abs(f0);
  }

  /** phi(a) and phi'(a); leaves x + a d in xOut and its gradient in gOut. */
  private phi(a: number): [number, number] {
    const { x, d, xOut, gOut } = this;
    for (let i = 0; i < x.length; i++) xOut[i] = x[i] + a * d[i];
    const f = this.fg(xOut, gOut);
    this.evals++;
    this.lastAlpha = a;
    return [f, dotVec(gOut, d)];
  }

  /** Sufficient decrease (Armijo), or the approximate-Wolfe condition of Hager & Zhang near rounding level. */
  private sufficient(a: number, f: number, df: number): boolean {
    const { f0, c1, c2, dphi0, tolF } = this;
    return f <= f0 + c1 * a * dphi0 || (f <= f0 + tolF && df <= (2 * c1 - 1) * dphi0 && df >= c2 * dphi0);
  }

  /** Strong curvature condition. */
  private curvature(df: number): boolean {
    return Math.abs(df) <= -this.c2 * this.dphi0;
  }

  private accept(alpha: number, f: number): LineSearchResult {
    return { ok: true, alpha, f, evals: this.evals };
  }

  private failed(): LineSearchResult {
    return { ok: false, alpha: 0, f: this.f0, evals: this.evals };
  }

  /** Accept step a (value f), re-evaluating there if the last trial was elsewhere (xOut, gOut must belong to a). */
  private finish(a: number, f: number): LineSearchResult {
    if (this.lastAlpha !== a) f = this.phi(a)[0];
    return this.accept(a, f);
  }

  /** Bracketing phase (Alg. 3.5): grow the step until it brackets a Wolfe point, then zoom. */
  run(alpha0: number): LineSearchResult {
    const { f0, dphi0, tolF } = this;
    let aPrev = 0;
    let fPrev = f0;
    let dPrev = dphi0;
    let a = alpha0;
    for (let i = 0; this.evals < this.maxEvals; i++) {
      const [fa, da] = this.phi(a);
      if (!Number.isFinite(fa) || !Number.isFinite(da)) return this.zoomNonFinite(a, aPrev, fPrev, dPrev);
      if (!this.sufficient(a, fa, da) || (i > 0 && fa > fPrev + tolF)) return this.zoom(aPrev, fPrev, dPrev, a, fa, da);
      if (this.curvature(da)) return this.accept(a, fa);
      if (da >= 0) return this.zoom(a, fa, da, aPrev, fPrev, dPrev);
      aPrev = a;
      fPrev = fa;
      dPrev = da;
      a = Math.min(a * 4, 1e10);
    }
    if (aPrev > 0 && fPrev < f0) return this.finish(aPrev, fPrev);
    return this.failed();
  }

  /** Zoom phase (Alg. 3.6) on the bracket [lo, hi] by safeguarded cubic interpolation. */
  private zoom(lo: number, fLo: number, dLo: number, hi: number, fHi: number, dHi: number): LineSearchResult {
    const { f0, c2, dphi0, tolF } = this;
    while (this.evals < this.maxEvals) {
      const w = hi - lo;
      let a = cubicMinimizer(lo, fLo, dLo, hi, fHi, dHi);
      const lower = Math.min(lo, hi) + 0.1 * Math.abs(w);
      const upper = Math.max(lo, hi) - 0.1 * Math.abs(w);
      if (!Number.isFinite(a) || a < lower || a > upper) a = lo + 0.5 * w;
      const [fa, da] = this.phi(a);
      if (!Number.isFinite(fa) || !this.sufficient(a, fa, da) || fa > fLo + tolF) {
        hi = a;
        fHi = fa;
        dHi = da;
        if (!Number.isFinite(fa)) {
          fHi = Infinity;
          dHi = NaN;
        }
      } else {
        if (this.curvature(da)) return this.accept(a, fa);
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
    if (lo > 0 && fLo <= f0 + tolF && (fLo < f0 || dLo > c2 * dphi0)) return this.finish(lo, fLo);
    return this.failed();
  }

  /** A non-finite trial at aBad: back off until finite, then bracket between the last good step (aPrev) and the finite trial. */
  private zoomNonFinite(aBad: number, aPrev: number, fPrev: number, dPrev: number): LineSearchResult {
    let hi = aBad;
    while (this.evals < this.maxEvals) {
      const t = aPrev + 0.5 * (hi - aPrev);
      const [ft, dt] = this.phi(t);
      if (Number.isFinite(ft) && Number.isFinite(dt)) {
        if (!this.sufficient(t, ft, dt) || ft > fPrev + this.tolF) return this.zoom(aPrev, fPrev, dPrev, t, ft, dt);
        if (this.curvature(dt)) return this.accept(t, ft);
        return this.zoom(t, ft, dt, hi, Infinity, NaN);
      }
      hi = t;
    }
    return this.failed();
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
