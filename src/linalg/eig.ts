// Symmetric eigendecomposition (DESIGN.md, "src/linalg/"): Householder tridiagonalisation, then
// implicit QL with Wilkinson-type shifts (Golub & Van Loan 8.3), rotations applied row by row.
import { Matrix } from './matrix.ts';
import { gemm } from './gemm.ts';
import { copyBlock, formReflectorProduct, householder, putBlock } from './reflector.ts';

/** A = V diag(values) V^T for symmetric A; values descending, eigenvectors are the columns of `vectors`. */
export interface EigSym { values: Float64Array; vectors: Matrix }

interface Tridiagonal { d: Float64Array; e: Float64Array; Q?: Matrix }

/** Panel width of the blocked reduction; narrower trailing parts are finished unblocked. */
const TRD_NB = 32;
const TRD_MIN = 96;

interface TridiagonalReflectors { d: Float64Array; e: Float64Array; vs: Float64Array[]; betas: Float64Array }

/**
 * Unblocked steps k = k0..n-3 on the symmetric a (n x n, row-major, a[k0:, k0:] current), in place; then the
 * diagonal d[k0..] and e[n-2]. Every update runs over contiguous rows (column k below the diagonal is row k).
 */
function tridiagonalizeUnblocked(a: Float64Array, n: number, k0: number, f: TridiagonalReflectors): void {
  const { d, e, vs, betas } = f;
  const p = new Float64Array(n);
  for (let k = k0; k < n - 2; k++) {
    const L = n - k - 1, c0 = k + 1;
    const v = a.slice(k * n + c0, k * n + n); // x = A[k+1:, k] = A[k, k+1:]
    const [beta, alpha] = householder(v);
    e[k] = alpha; betas[k] = beta; vs[k] = v;
    if (beta === 0) continue;
    // p = beta A22 v; w = p - (beta/2)(p.v) v; A22 -= v w^T + w v^T
    let pv = 0;
    for (let i = 0; i < L; i++) {
      const oi = (c0 + i) * n + c0;
      let s = 0;
      for (let j = 0; j < L; j++) s += a[oi + j] * v[j];
      s *= beta;
      p[i] = s;
      pv += s * v[i];
    }
    const h = 0.5 * beta * pv;
    for (let i = 0; i < L; i++) p[i] -= h * v[i];
    for (let i = 0; i < L; i++) {
      const oi = (c0 + i) * n + c0;
      const vi = v[i], wi = p[i];
      for (let j = 0; j < L; j++) a[oi + j] -= vi * p[j] + wi * v[j];
    }
  }
  for (let i = k0; i < n; i++) d[i] = a[i * n + i];
  if (n >= 2 && n - 2 >= k0) e[n - 2] = a[(n - 2) * n + n - 1];
}

/**
 * One panel of the blocked reduction (LAPACK dlatrd's scheme, row-major): steps k = p0..p0+nb-1 leave a
 * untouched and keep the reduced matrix as A - V W^T - W V^T, so each step reads the trailing matrix once
 * (A v, as row dot products, two rows at a time); the trailing block is then updated by one GEMM,
 * A -= [V W] [W V]^T.
 */
function tridiagonalizePanel(a: Float64Array, n: number, p0: number, nb: number, f: TridiagonalReflectors): void {
  const { d, e, vs, betas } = f;
  const V: Float64Array[] = [], W: Float64Array[] = []; // global-index columns, zeros outside their support
  const cv = new Float64Array(nb), cw = new Float64Array(nb);
  for (let i = 0; i < nb; i++) {
    const k = p0 + i, c0 = k + 1, L = n - c0;
    let dk = a[k * n + k];
    for (let j = 0; j < i; j++) dk -= 2 * V[j][k] * W[j][k];
    d[k] = dk;
    // Row k of the reduced matrix, columns k+1..n-1.
    const v = a.slice(k * n + c0, k * n + n);
    for (let j = 0; j < i; j++) {
      const vk = V[j][k], wk = W[j][k], Vj = V[j], Wj = W[j];
      if (vk !== 0) for (let c = 0; c < L; c++) v[c] -= vk * Wj[c0 + c];
      if (wk !== 0) for (let c = 0; c < L; c++) v[c] -= wk * Vj[c0 + c];
    }
    const [beta, alpha] = householder(v);
    e[k] = alpha; betas[k] = beta; vs[k] = v;
    const vf = new Float64Array(n), wf = new Float64Array(n);
    vf.set(v, c0);
    V.push(vf); W.push(wf);
    if (beta === 0) continue;
    // p = beta (A - V W^T - W V^T)[k+1:, k+1:] v
    let r = c0;
    for (; r + 1 < n; r += 2) {
      const o0 = r * n + c0, o1 = o0 + n;
      let s0 = 0, s1 = 0;
      for (let c = 0; c < L; c++) { const vc = v[c]; s0 += a[o0 + c] * vc; s1 += a[o1 + c] * vc; }
      wf[r] = s0; wf[r + 1] = s1;
    }
    if (r < n) { const o = r * n + c0; let s0 = 0; for (let c = 0; c < L; c++) s0 += a[o + c] * v[c]; wf[r] = s0; }
    for (let j = 0; j < i; j++) {
      let sw = 0, sv = 0;
      const Vj = V[j], Wj = W[j];
      for (let c = 0; c < L; c++) { sw += Wj[c0 + c] * v[c]; sv += Vj[c0 + c] * v[c]; }
      cw[j] = sw; cv[j] = sv;
    }
    for (let j = 0; j < i; j++) {
      const sw = cw[j], sv = cv[j], Vj = V[j], Wj = W[j];
      if (sw !== 0) for (let c = c0; c < n; c++) wf[c] -= Vj[c] * sw;
      if (sv !== 0) for (let c = c0; c < n; c++) wf[c] -= Wj[c] * sv;
    }
    let pv = 0;
    for (let c = c0; c < n; c++) { wf[c] *= beta; pv += wf[c] * vf[c]; }
    const h = 0.5 * beta * pv;
    for (let c = c0; c < n; c++) wf[c] -= h * vf[c];
  }
  const q = p0 + nb, nt = n - q, kk = 2 * nb;
  if (nt <= 0) return;
  const VW = new Matrix(nt, kk), WV = new Matrix(nt, kk);
  for (let r = 0; r < nt; r++) {
    const o = r * kk;
    for (let j = 0; j < nb; j++) {
      VW.data[o + j] = V[j][q + r]; VW.data[o + nb + j] = W[j][q + r];
      WV.data[o + j] = W[j][q + r]; WV.data[o + nb + j] = V[j][q + r];
    }
  }
  const C = copyBlock(a, n, q, n, q, n);
  gemm(VW, WV, { transB: true, alpha: -1, beta: 1, C });
  putBlock(a, n, q, q, C);
}

/**
 * Reduce symmetric A to tridiagonal T = Q^T A Q (d diagonal, e[i] = T[i, i+1]); Q formed when wanted.
 * Blocked: panels of 32 steps with GEMM trailing updates while more than 96 columns remain, then unblocked
 * steps; Q is formed from the reflectors in blocks of 32 with GEMM (compact WY).
 */
function tridiagonalize(A: Matrix, wantQ: boolean): Tridiagonal {
  const n = A.rows;
  const a = A.data.slice();
  const f: TridiagonalReflectors = {
    d: new Float64Array(n), e: new Float64Array(Math.max(n - 1, 0)), vs: new Array<Float64Array>(Math.max(n - 2, 0)), betas: new Float64Array(n),
  };
  let p0 = 0;
  for (; n - p0 > TRD_MIN; p0 += TRD_NB) tridiagonalizePanel(a, n, p0, TRD_NB, f);
  tridiagonalizeUnblocked(a, n, p0, f);
  const { d, e, vs, betas } = f;
  if (!wantQ) return { d, e };
  // Q = H_0 H_1 ... H_{n-3}, reflector k acting on coordinates k+1..n-1.
  const Q = Matrix.eye(n);
  if (n > 2) {
    const Q1 = formReflectorProduct(n - 1, n - 1, vs, betas, n - 2);
    for (let i = 0; i < n - 1; i++) Q.data.set(Q1.data.subarray(i * (n - 1), (i + 1) * (n - 1)), (i + 1) * n + 1);
  }
  return { d, e, Q };
}

/**
 * Implicit QL on the tridiagonal (d, e) in place; e[i] couples d[i] and d[i+1]. When Z (n x n, row-major)
 * is given, the rotations of each sweep are applied to its columns in one pass over its rows.
 */
function tridiagonalQL(d: Float64Array, e: Float64Array, Z?: Matrix): void {
  const n = d.length;
  if (n <= 1) return;
  const ee = new Float64Array(n); // ee[n-1] = 0 sentinel
  ee.set(e);
  const cs = new Float64Array(n), sn = new Float64Array(n);
  const z = Z?.data;
  // Deflation threshold: relative to the neighbouring diagonal, or absolute at eps * ||T|| (backward
  // stable). The relative test alone never fires inside a cluster of (near-)zero eigenvalues, as in
  // singular PSD matrices such as an AGOP.
  let tnorm = 0;
  for (let i = 0; i < n; i++) tnorm = Math.max(tnorm, Math.abs(d[i]) + Math.abs(ee[i]) + (i > 0 ? Math.abs(ee[i - 1]) : 0));
  const floor = Number.EPSILON * tnorm;
  for (let l = 0; l < n; l++) {
    let iter = 0;
    for (;;) {
      let m = l;
      for (; m < n - 1; m++) {
        const dd = Math.abs(d[m]) + Math.abs(d[m + 1]);
        if (Math.abs(ee[m]) <= Number.EPSILON * dd || Math.abs(ee[m]) <= floor) break;
      }
      if (m === l) break;
      if (++iter > 60) throw new Error('eigSym: QL iteration did not converge');
      let g = (d[l + 1] - d[l]) / (2 * ee[l]);
      let r = Math.hypot(g, 1);
      g = d[m] - d[l] + ee[l] / (g + (g >= 0 ? r : -r));
      let s = 1, c = 1, p = 0;
      let i = m - 1;
      let underflow = false;
      for (; i >= l; i--) {
        const f = s * ee[i], b = c * ee[i];
        r = Math.hypot(f, g);
        ee[i + 1] = r;
        if (r === 0) { d[i + 1] -= p; ee[m] = 0; underflow = true; break; }
        s = f / r; c = g / r;
        g = d[i + 1] - p;
        r = (d[i] - g) * s + 2 * c * b;
        p = s * r;
        d[i + 1] = g + p;
        g = c * r - b;
        cs[i] = c; sn[i] = s;
      }
      if (z) {
        // Columns i, i+1 for i = m-1 down to (i+1 or l): f = z[k][i+1]; z[k][i+1] = s z[k][i] + c f; z[k][i] = c z[k][i] - s f
        const stop = underflow ? i + 1 : l;
        // Four rows at a time (same arithmetic per element): the chain along one row is a serial dependency,
        // interleaved rows hide its latency.
        let k = 0;
        for (; k + 3 < n; k += 4) {
          const o0 = k * n, o1 = o0 + n, o2 = o1 + n, o3 = o2 + n;
          let h0 = z[o0 + m], h1 = z[o1 + m], h2 = z[o2 + m], h3 = z[o3 + m];
          for (let j = m - 1; j >= stop; j--) {
            const cj = cs[j], sj = sn[j];
            const l0 = z[o0 + j], l1 = z[o1 + j], l2 = z[o2 + j], l3 = z[o3 + j];
            z[o0 + j + 1] = sj * l0 + cj * h0; h0 = cj * l0 - sj * h0;
            z[o1 + j + 1] = sj * l1 + cj * h1; h1 = cj * l1 - sj * h1;
            z[o2 + j + 1] = sj * l2 + cj * h2; h2 = cj * l2 - sj * h2;
            z[o3 + j + 1] = sj * l3 + cj * h3; h3 = cj * l3 - sj * h3;
          }
          z[o0 + stop] = h0; z[o1 + stop] = h1; z[o2 + stop] = h2; z[o3 + stop] = h3;
        }
        for (; k < n; k++) {
          const o = k * n;
          let hi = z[o + m];
          for (let j = m - 1; j >= stop; j--) {
            const lo = z[o + j];
            const cj = cs[j], sj = sn[j];
            z[o + j + 1] = sj * lo + cj * hi;
            hi = cj * lo - sj * hi;
          }
          z[o + stop] = hi;
        }
      }
      if (underflow) continue;
      d[l] -= p; ee[l] = g; ee[m] = 0;
    }
  }
}

function descendingOrder(values: Float64Array): Int32Array {
  const idx = Array.from(values.keys());
  idx.sort((x, y) => values[y] - values[x]);
  return Int32Array.from(idx);
}

function assertSymmetricShape(A: Matrix, what: string): void {
  if (A.rows !== A.cols) throw new RangeError(`${what}: matrix is ${A.rows}x${A.cols}, not square`);
}

/** Eigenvalues (descending) and orthonormal eigenvectors (columns) of a symmetric matrix. */
export function eigSym(A: Matrix): EigSym {
  assertSymmetricShape(A, 'eigSym');
  const n = A.rows;
  const { d, e, Q } = tridiagonalize(A, true);
  tridiagonalQL(d, e, Q);
  const order = descendingOrder(d);
  const values = new Float64Array(n);
  const vectors = new Matrix(n, n);
  const q = Q!.data, v = vectors.data;
  for (let j = 0; j < n; j++) values[j] = d[order[j]];
  for (let i = 0; i < n; i++) {
    const o = i * n;
    for (let j = 0; j < n; j++) v[o + j] = q[o + order[j]];
  }
  return { values, vectors };
}
/** Eigenvalues of a symmetric matrix, descending. */
export function eigValuesSym(A: Matrix): Float64Array {
  assertSymmetricShape(A, 'eigValuesSym');
  const { d, e } = tridiagonalize(A, false);
  tridiagonalQL(d, e);
  return Float64Array.from(d).sort().reverse();
}
