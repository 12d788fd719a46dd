// Symmetric tridiagonal eigenproblem by divide and conquer (Cuppen 1981, "A divide and conquer method for the
// symmetric tridiagonal eigenproblem"; stable eigenvectors by Gu & Eisenstat 1995, "A divide-and-conquer
// algorithm for the symmetric tridiagonal eigenproblem"). The formulation below is written from those papers.
//
// A block T (rows lo..lo+n-1) is split after row k = n1 - 1 with beta = T[k, k+1], rho = |beta|, s = sign(beta):
//   T = diag(T1', T2') + rho u u^T,   u = e_k + s e_{k+1},
// where T1' and T2' are T's diagonal blocks with rho subtracted from T1'[k, k] and T2'[0, 0] (Cuppen 1981, Sec. 2).
// With T1' = Q1 D1 Q1^T and T2' = Q2 D2 Q2^T (solved recursively),
//   T = diag(Q1, Q2) (D + rho z z^T) diag(Q1, Q2)^T,   z = (last row of Q1, s * first row of Q2),
// and the eigenpairs of D + rho z z^T follow from the secular equation 1 + sum_j rho z_j^2 / (D_j - x) = 0
// (secular.ts). Deflation (as in LAPACK dlaed2, tol = 8 eps max(|D|, rho |z|^2)): a pole j with
// sqrt(rho) |z_j| * sqrt(rho) |z| <= tol is an eigenvalue with its basis vector; two poles whose Givens rotation
// (zeroing one z entry) leaves an off-diagonal (D_j - D_q) c s of at most tol are rotated and one of them
// deflated. Remaining z are replaced by Löwner's weights (Gu & Eisenstat 1995, Sec. 3, Löwner's theorem), so
// the eigenvectors zh_j / (D_j - lambda_i) are orthogonal to working precision. The vector update of a merge is
// one GEMM per half (rows of Q1 and of Q2, on the basis vectors supported there). Leaves (<= STEDC_LEAF rows)
// use the QL iteration.
import { tridiagonalQL } from './tridiagonal-ql.ts';
import { checkStop } from './interrupt.ts';
import { Matrix } from './matrix.ts';
import { lownerZ, secularRoots, updateRows } from './secular.ts';

const EPS = Number.EPSILON;
/** Blocks of at most this many rows are solved by the QL iteration. */
export const STEDC_LEAF = 32;

/** Eigenpairs of a block: T = V diag(lam) V^T, stored transposed (row c of VT is eigenvector c). */
interface Sub {
  lam: Float64Array;
  VT: Float64Array;
}

/**
 * Eigenvalues (unsorted) and eigenvectors of the symmetric tridiagonal T (diagonal d, length n; off-diagonal e,
 * length n - 1). Returns values and VT (n x n row-major): row c is the unit eigenvector of values[c].
 */
export function tridiagonalEigDC(d: Float64Array, e: Float64Array): { values: Float64Array; VT: Float64Array } {
  const n = d.length;
  const values = new Float64Array(n),
    VT = new Float64Array(n * n);
  if (n === 0) return { values, VT };
  let bmax = 0;
  for (let i = 0; i < n; i++) bmax = Math.max(bmax, Math.abs(d[i]));
  for (let i = 0; i < n - 1; i++) bmax = Math.max(bmax, Math.abs(e[i]));
  if (bmax === 0 || !Number.isFinite(bmax)) {
    // Zero: T is its own eigendecomposition; NaN / infinite: as the QL iteration does.
    const Z = Matrix.eye(n),
      dl = d.slice();
    if (bmax !== 0) tridiagonalQL(dl, e.slice(0, n - 1), Z);
    values.set(dl);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) VT[j * n + i] = Z.data[i * n + j];
    return { values, VT };
  }
  // Scaled to max |T_ij| = 1, so rho z z^T and the secular equation neither over- nor underflow.
  const dd = new Float64Array(n),
    ee = new Float64Array(n); // ee[n-1] = 0
  for (let i = 0; i < n; i++) dd[i] = d[i] / bmax;
  for (let i = 0; i < n - 1; i++) ee[i] = e[i] / bmax;
  // Independent blocks where the off-diagonal is negligible (|e_i| <= eps ||T||: a backward-stable perturbation).
  let start = 0;
  for (let i = 0; i < n; i++) {
    if (i < n - 1 && Math.abs(ee[i]) > EPS) continue;
    ee[i] = 0;
    const nb = i - start + 1;
    const r = solve(dd, ee, start, nb);
    for (let j = 0; j < nb; j++) {
      values[start + j] = r.lam[j] * bmax;
      VT.set(r.VT.subarray(j * nb, (j + 1) * nb), (start + j) * n + start);
    }
    start = i + 1;
  }
  return { values, VT };
}

/** Eigenpairs of the block at rows lo..lo+n-1 (d modified in place by the splits). */
function solve(d: Float64Array, e: Float64Array, lo: number, n: number): Sub {
  if (n <= STEDC_LEAF) return leaf(d, e, lo, n);
  checkStop();
  const n1 = n >> 1,
    n2 = n - n1;
  const beta = e[lo + n1 - 1],
    rho = Math.abs(beta),
    sgn = beta >= 0 ? 1 : -1;
  d[lo + n1 - 1] -= rho;
  d[lo + n1] -= rho; // Cuppen 1981, Sec. 2: T = diag(T1', T2') + rho u u^T
  const left = solve(d, e, lo, n1);
  const right = solve(d, e, lo + n1, n2);
  return merge(left, right, n1, n2, rho, sgn);
}

/** Leaf: the QL iteration with the identity as starting basis. */
function leaf(d: Float64Array, e: Float64Array, lo: number, n: number): Sub {
  const lam = d.slice(lo, lo + n);
  const Z = Matrix.eye(n);
  if (n > 1) tridiagonalQL(lam, e.slice(lo, lo + n - 1), Z);
  const VT = new Float64Array(n * n),
    z = Z.data;
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) VT[j * n + i] = z[i * n + j];
  return { lam, VT };
}

/** Rotate rows a and b of X (row length len): (x_a, x_b) := (c x_a - s x_b, s x_a + c x_b). */
function rotRows(X: Float64Array, len: number, a: number, b: number, c: number, s: number): void {
  const oa = a * len,
    ob = b * len;
  for (let t = 0; t < len; t++) {
    const x = X[oa + t],
      y = X[ob + t];
    X[oa + t] = c * x - s * y;
    X[ob + t] = s * x + c * y;
  }
}

function merge(L: Sub, R: Sub, n1: number, n2: number, rho: number, sgn: number): Sub {
  const N = n1 + n2;
  // Basis diag(Q1, Q2) stored transposed (row c = basis vector c), support flags: 1 top rows, 2 bottom rows.
  const VT = new Float64Array(N * N),
    D = new Float64Array(N),
    z = new Float64Array(N);
  const flags = new Uint8Array(N);
  const sr = Math.sqrt(rho);
  for (let j = 0; j < n1; j++) {
    VT.set(L.VT.subarray(j * n1, (j + 1) * n1), j * N);
    D[j] = L.lam[j];
    z[j] = sr * L.VT[j * n1 + n1 - 1];
    flags[j] = 1;
  }
  for (let j = 0; j < n2; j++) {
    const c = n1 + j;
    VT.set(R.VT.subarray(j * n2, (j + 1) * n2), c * N + n1);
    D[c] = R.lam[j];
    z[c] = sgn * sr * R.VT[j * n2];
    flags[c] = 2;
  }
  // Deflation (z already carries sqrt(rho), so the rank-one term is z z^T).
  let dmax = 0,
    zn2 = 0;
  for (let j = 0; j < N; j++) {
    dmax = Math.max(dmax, Math.abs(D[j]));
    zn2 += z[j] * z[j];
  }
  const scale = Math.max(dmax, zn2);
  const tol = 8 * EPS * scale,
    znorm = Math.sqrt(zn2);
  const order = Array.from({ length: N }, (_, i) => i).sort((a, b) => D[a] - D[b]);
  const kept: number[] = [];
  const defl: number[] = [],
    deflVal: number[] = [];
  for (const j of order) {
    if (Math.abs(z[j]) * znorm <= tol) {
      defl.push(j);
      deflVal.push(D[j]);
      continue;
    }
    if (kept.length > 0) {
      const q = kept[kept.length - 1];
      const r = Math.hypot(z[q], z[j]),
        c = z[j] / r,
        s = z[q] / r;
      if (Math.abs((D[j] - D[q]) * c * s) <= tol) {
        // Givens rotation zeroing z_q; the off-diagonal (D_j - D_q) c s it leaves is dropped (dlaed2's criterion).
        rotRows(VT, N, q, j, c, s);
        flags[q] |= flags[j];
        flags[j] = flags[q];
        const dq = c * c * D[q] + s * s * D[j],
          dj = s * s * D[q] + c * c * D[j];
        D[q] = dq;
        D[j] = dj;
        z[q] = 0;
        z[j] = r;
        kept.pop();
        defl.push(q);
        deflVal.push(dq);
      }
    }
    kept.push(j);
  }
  const K = kept.length;
  const lam = new Float64Array(N);
  const Vnew = new Float64Array(N * N);
  if (K > 0) {
    // Secular equation scaled to max(|D|, |z|^2) = 1.
    const inv = 1 / scale,
      zs = Math.sqrt(inv);
    const Pk = new Float64Array(K),
      zk = new Float64Array(K),
      w = new Float64Array(K);
    let wsum = 0;
    for (let t = 0; t < K; t++) {
      Pk[t] = D[kept[t]] * inv;
      zk[t] = z[kept[t]] * zs;
      w[t] = zk[t] * zk[t];
      wsum += w[t];
    }
    const M = new Float64Array(K * K); // row i = eigenvector i of D + z z^T on the kept coordinates
    if (K === 1) {
      lam[0] = (Pk[0] + w[0]) * scale;
      M[0] = 1;
    } else {
      const piv = new Int32Array(K),
        mu = new Float64Array(K);
      secularRoots(
        w,
        wsum,
        (p, out) => {
          const pp = Pk[p];
          for (let j = 0; j < K; j++) out[j] = Pk[j] - pp;
        },
        piv,
        mu,
      );
      const zh = lownerZ(
        zk,
        (i, j) => Pk[piv[i]] - Pk[j] + mu[i],
        (i, j) => Pk[i] - Pk[j],
      );
      for (let i = 0; i < K; i++) {
        const pp = Pk[piv[i]],
          mi = mu[i],
          o = i * K;
        lam[i] = (pp + mi) * scale;
        let nv = 0;
        for (let j = 0; j < K; j++) {
          const v = zh[j] / (Pk[j] - pp - mi); // eigenvector of D + zh zh^T: zh_j / (D_j - lambda_i) (Bunch, Nielsen & Sorensen 1978)
          M[o + j] = v;
          nv += v * v;
        }
        const iv = 1 / Math.sqrt(nv);
        for (let j = 0; j < K; j++) M[o + j] *= iv;
      }
    }
    updateRows(Vnew, N, VT, N, kept, flags, M, K, 0, n1, 1);
    updateRows(Vnew, N, VT, N, kept, flags, M, K, n1, n2, 2);
  }
  for (let t = 0; t < defl.length; t++) {
    lam[K + t] = deflVal[t];
    Vnew.set(VT.subarray(defl[t] * N, (defl[t] + 1) * N), (K + t) * N);
  }
  return { lam, VT: Vnew };
}
