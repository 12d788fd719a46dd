// Finite-difference helpers for the nn tests.
import type { Objective } from '../../src/nn/index.ts';

/** Central-difference gradient of obj at model.params. */
export function fdGradient(obj: Objective, h = 1e-5): Float64Array {
  const p = obj.model.params;
  const g = new Float64Array(p.length);
  for (let i = 0; i < p.length; i++) {
    const v = p[i];
    p[i] = v + h;
    const fp = obj.valueAndGrad(null, null);
    p[i] = v - h;
    const fm = obj.valueAndGrad(null, null);
    p[i] = v;
    g[i] = (fp - fm) / (2 * h);
  }
  return g;
}

/** ||a - b|| / max(||a||, ||b||). */
export function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let d = 0,
    na = 0,
    nb = 0;
  for (let i = 0; i < a.length; i++) {
    d += (a[i] - b[i]) ** 2;
    na += a[i] ** 2;
    nb += b[i] ** 2;
  }
  return Math.sqrt(d) / Math.max(Math.sqrt(na), Math.sqrt(nb), 1e-300);
}

/** Exact gradient of obj at model.params. */
export function exactGradient(obj: Objective): Float64Array {
  const g = new Float64Array(obj.size);
  obj.valueAndGrad(null, g);
  return g;
}
