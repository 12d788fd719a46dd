// Divide-and-conquer SVD of an upper bidiagonal matrix (the idea of Gu & Eisenstat 1995, "A divide-and-conquer
// algorithm for the bidiagonal SVD"; the formulation below is derived independently, not taken from LAPACK).
//
// Subproblems are upper bidiagonal nr x (nr + sq) blocks, sq in {0, 1}: rows lo..lo+nr-1, d[lo+i] at (i, i),
// e[lo+i] at (i, i+1). Each is solved as B = U [diag(s) 0] W^T (U nr x nr, W mr x mr, mr = nr + sq; when sq = 1
// the last column of W spans the null space). A block is split at its middle row k:
//
//       [ B1          0  ]     B1: k x (k+1) rows 0..k-1, columns 0..k          (sq = 1)
//   B = [ a e_k^T  b e_1^T ]   middle row: a = d[k] at column k, b = e[k] at column k+1
//       [ 0          B2  ]     B2: rows k+1.., columns k+1..                    (sq of the parent)
//
// With B1 = U1 [S1 0] W1^T and B2 = U2 [S2 0] W2^T, diag(U1, 1, U2)^T B diag(W1, W2) has S1, S2 on its diagonal
// and one dense row (the middle row) z = (a W1[k, :], b W2[0, :]). The two null columns of W1 and W2 carry only
// z entries; a rotation folds them into one (z_0 >= 0), the other becomes B's new null column. After a
// permutation we have the "arrow" M = [z^T; 0 diag(P_1..)] with pole P_0 = 0, whose SVD follows from the secular
// equation f(x) = 1 + sum_j z_j^2 / (P_j^2 - x) = 0 (M^T M = diag(P)^2 + z z^T).
//
// Deflation (tol = 8 eps max(max P, max |z|)): |z_j| <= tol deflates pole j as a singular value; a pole <= tol
// is rotated into z_0 (right side only); two poles within tol are combined by a Givens rotation on both sides,
// which zeroes one z entry; |z_0| is raised to tol when smaller. Remaining poles are separated by more than tol.
// Roots: root i lies in (P_i, P_{i+1}) (the last in (P_K, sqrt(P_K^2 + |z|^2))); f at the midpoint decides the
// nearer pole p, and the root is sought as x = P_p^2 + mu with all pole differences P_j^2 - P_p^2 formed as
// (P_j - P_p)(P_j + P_p), so sigma_i - P_j = (P_p - P_j) + tau_i is exact to working precision. The iteration is
// a two-pole rational model (the terms on either side of the root fitted by value and slope, as in Bunch-Nielsen-
// Sorensen), solved as a quadratic, safeguarded by bisection of a sign bracket. z is then recomputed from the
// roots by the Löwner formula, so the singular vectors (z_j / (P_j^2 - sigma_i^2) and their left counterparts)
// are orthogonal to working precision. The vector update of each merge is done with GEMMs on the blocks of the
// basis that are structurally nonzero (top half, middle row, bottom half). Leaves (<= LEAF rows) use the
// implicit-shift QR iteration (bdqr.ts).
import { Matrix } from './matrix.ts';
import { gemm } from './gemm.ts';
import { transposeBlock } from './ops.ts';
import { bidiagonalQR } from './bdqr.ts';
import { lownerZ, secularRoots, updateRows } from './secular.ts';

const EPS = Number.EPSILON;
/** Subproblems with at most this many rows are solved by the bidiagonal QR iteration. */
const LEAF = 25;

/** B = U [diag(s) 0] W^T with U nr x nr, W mr x mr, s >= 0; stored transposed (row c of UT is column c of U). */
interface Sub {
  s: Float64Array;
  UT: Float64Array;
  WT: Float64Array;
}

/**
 * Bidiagonal SVD by divide and conquer, in place: d (length n) and e (length n-1) describe the upper bidiagonal
 * B; on return d holds its singular values (non-negative, unsorted) and Ub, Vb (n x n row-major, given as the
 * identity) hold B = Ub diag(d) Vb^T. (If Ub / Vb are not the identity they are multiplied by the factors.)
 */
export function bidiagonalSvdDC(d: Float64Array, e: Float64Array, Ub: Float64Array, Vb: Float64Array): void {
  const n = d.length;
  if (n === 0) return;
  if (Ub.length !== n * n || Vb.length !== n * n) throw new RangeError('bidiagonalSvdDC: Ub and Vb must be n x n');
  if (e.length < n - 1) throw new RangeError('bidiagonalSvdDC: e must have length n - 1');
  let bmax = 0;
  for (let i = 0; i < n; i++) bmax = Math.max(bmax, Math.abs(d[i]));
  for (let i = 0; i < n - 1; i++) bmax = Math.max(bmax, Math.abs(e[i]));
  if (bmax === 0 || !Number.isFinite(bmax)) return; // zero (nothing to do) or NaN / infinite (as the QR iteration)
  const dd = new Float64Array(n),
    ee = new Float64Array(n); // ee[n-1] = 0: a square problem has no e beyond n-2
  for (let i = 0; i < n; i++) dd[i] = d[i] / bmax;
  for (let i = 0; i < n - 1; i++) ee[i] = e[i] / bmax;
  const U = new Float64Array(n * n),
    V = new Float64Array(n * n);
  // Independent blocks where the superdiagonal is (negligibly) zero.
  let start = 0;
  for (let i = 0; i < n; i++) {
    const last = i === n - 1 || Math.abs(ee[i]) <= EPS * (Math.abs(dd[i]) + Math.abs(dd[i + 1])) || Math.abs(ee[i]) < 1e-300;
    if (!last) continue;
    ee[i] = 0;
    const nb = i - start + 1;
    const r = solve(dd, ee, start, nb, 0);
    for (let j = 0; j < nb; j++) d[start + j] = r.s[j] * bmax;
    transposeBlock(r.UT, 0, nb, nb, nb, U, start * n + start, n); // U[start + r, start + c] = UT[c, r]
    transposeBlock(r.WT, 0, nb, nb, nb, V, start * n + start, n);
    start = i + 1;
  }
  applyFactor(Ub, U, n);
  applyFactor(Vb, V, n);
}

/** X := X F, with a shortcut when X is the identity (the documented use). */
function applyFactor(X: Float64Array, F: Float64Array, n: number): void {
  let identity = true;
  for (let i = 0; i < n && identity; i++) {
    for (let j = 0; j < n; j++) {
      if (X[i * n + j] !== (i === j ? 1 : 0)) {
        identity = false;
        break;
      }
    }
  }
  if (identity) {
    X.set(F);
    return;
  }
  const C = gemm(new Matrix(n, n, X), new Matrix(n, n, F));
  X.set(C.data);
}

/** SVD of the nr x (nr + sq) block starting at row lo. */
function solve(d: Float64Array, e: Float64Array, lo: number, nr: number, sq: number): Sub {
  if (nr <= LEAF) return leaf(d, e, lo, nr, sq);
  const n1 = nr >> 1,
    n2 = nr - n1 - 1;
  const left = solve(d, e, lo, n1, 1);
  const right = solve(d, e, lo + n1 + 1, n2, sq);
  return merge(left, right, n1, n2, sq, d[lo + n1], e[lo + n1]);
}

/** Leaf: the QR iteration, after right rotations fold an extra column (sq = 1) into a square bidiagonal. */
function leaf(d: Float64Array, e: Float64Array, lo: number, nr: number, sq: number): Sub {
  const mr = nr + sq;
  const dl = d.slice(lo, lo + nr);
  const el = e.slice(lo, lo + Math.max(nr - 1, 0));
  // R (mr x mr): B R = [Bsq 0]; the rotations chase B's last column (entry e[lo+nr-1] at row nr-1) up and out.
  const R = new Float64Array(mr * mr);
  for (let i = 0; i < mr; i++) R[i * mr + i] = 1;
  if (sq === 1 && nr > 0) {
    let f = e[lo + nr - 1];
    for (let i = nr - 1; i >= 0 && f !== 0; i--) {
      const r = Math.hypot(dl[i], f);
      const c = dl[i] / r,
        s = f / r;
      dl[i] = r;
      for (let t = 0; t < mr; t++) {
        const a = R[t * mr + i],
          b = R[t * mr + nr];
        R[t * mr + i] = c * a + s * b;
        R[t * mr + nr] = -s * a + c * b;
      }
      if (i > 0) {
        f = -s * el[i - 1];
        el[i - 1] = c * el[i - 1];
      }
    }
  }
  const Uq = new Float64Array(nr * nr),
    Vq = new Float64Array(nr * nr);
  for (let i = 0; i < nr; i++) {
    Uq[i * nr + i] = 1;
    Vq[i * nr + i] = 1;
  }
  if (nr > 1) bidiagonalQR(dl, el, Uq, Vq);
  for (let j = 0; j < nr; j++) {
    if (dl[j] < 0) {
      dl[j] = -dl[j];
      for (let i = 0; i < nr; i++) Uq[i * nr + j] = -Uq[i * nr + j];
    }
  }
  // W = R diag(Vq, 1); both factors returned transposed.
  const UT = new Float64Array(nr * nr),
    WT = new Float64Array(mr * mr);
  for (let i = 0; i < nr; i++) for (let j = 0; j < nr; j++) UT[j * nr + i] = Uq[i * nr + j];
  if (sq === 0) {
    for (let i = 0; i < nr; i++) for (let j = 0; j < nr; j++) WT[j * nr + i] = Vq[i * nr + j];
    return { s: dl, UT, WT };
  }
  for (let t = 0; t < mr; t++) {
    for (let j = 0; j < nr; j++) {
      let acc = 0;
      for (let i = 0; i < nr; i++) acc += R[t * mr + i] * Vq[i * nr + j];
      WT[j * mr + t] = acc;
    }
    WT[nr * mr + t] = R[t * mr + nr];
  }
  return { s: dl, UT, WT };
}

/** Rotate rows a and b of the row-major array X (row length len): (x_a, x_b) := (c x_a + s x_b, -s x_a + c x_b). */
function rotRows(X: Float64Array, len: number, a: number, b: number, c: number, s: number): void {
  const oa = a * len,
    ob = b * len;
  for (let t = 0; t < len; t++) {
    const x = X[oa + t],
      y = X[ob + t];
    X[oa + t] = c * x + s * y;
    X[ob + t] = -s * x + c * y;
  }
}

/**
 * The merged problem before deflation: the bases of the two halves side by side (transposed, with support flags),
 * and the arrow matrix M = [z; diag(P)] (column 0 of M is z, P_0 = 0).
 */
interface Arrow {
  UT: Float64Array;
  WT: Float64Array;
  P: Float64Array;
  z: Float64Array;
  /** Support flags of the rows of UT and WT: 1 top, 2 bottom, 4 middle row. */
  uf: Uint8Array;
  wf: Uint8Array;
}

/** Place the halves' bases and singular values around the middle row (alpha, beta) and fold the null columns. */
function assembleArrow(L: Sub, R: Sub, n1: number, n2: number, sq: number, alpha: number, beta: number): Arrow {
  const N = n1 + 1 + n2,
    m1 = n1 + 1,
    m2 = n2 + sq,
    mr = N + sq;
  // Bases stored transposed: row c of UT (WT) is column c of the left (right) basis.
  const UT = new Float64Array(N * N),
    WT = new Float64Array(mr * mr);
  const P = new Float64Array(N),
    z = new Float64Array(N);
  const uf = new Uint8Array(N),
    wf = new Uint8Array(mr); // support flags: 1 top, 2 bottom, 4 middle row
  UT[n1] = 1;
  uf[0] = 4;
  for (let j = 0; j < n1; j++) {
    UT.set(L.UT.subarray(j * n1, j * n1 + n1), (1 + j) * N);
    WT.set(L.WT.subarray(j * m1, j * m1 + m1), (1 + j) * mr);
    P[1 + j] = L.s[j];
    z[1 + j] = alpha * L.WT[j * m1 + n1];
    uf[1 + j] = 1;
    wf[1 + j] = 1;
  }
  for (let j = 0; j < n2; j++) {
    const c = n1 + 1 + j;
    UT.set(R.UT.subarray(j * n2, j * n2 + n2), c * N + m1);
    WT.set(R.WT.subarray(j * m2, j * m2 + m2), c * mr + m1);
    P[c] = R.s[j];
    z[c] = beta * R.WT[j * m2];
    uf[c] = 2;
    wf[c] = 2;
  }
  // Fold the null columns of W1 and W2 (only middle-row entries) into column 0 and B's new null column N.
  const zA = alpha * L.WT[n1 * m1 + n1],
    zB = sq ? beta * R.WT[n2 * m2] : 0;
  const r0 = Math.hypot(zA, zB);
  const c0 = r0 > 0 ? zA / r0 : 1,
    s0 = r0 > 0 ? zB / r0 : 0;
  for (let r = 0; r < m1; r++) {
    const w = L.WT[n1 * m1 + r];
    WT[r] = c0 * w;
    if (sq) WT[N * mr + r] = -s0 * w;
  }
  if (sq) {
    for (let r = 0; r < m2; r++) {
      const w = R.WT[n2 * m2 + r];
      WT[m1 + r] = s0 * w;
      WT[N * mr + m1 + r] = c0 * w;
    }
    wf[0] = 3;
    wf[N] = 3;
  } else {
    wf[0] = 1;
  }
  z[0] = r0;
  return { UT, WT, P, z, uf, wf };
}

/** What deflation leaves: the kept columns (0 first, then increasing P), the deflated ones with their singular values, and the scale max(P, |z|). */
interface Deflation {
  kept: number[];
  defl: number[];
  deflVal: number[];
  scale: number;
}

/** Deflation of the arrow (in place: small z_j, poles at zero, close poles), rotating the bases to match. */
function deflate(arrow: Arrow, N: number, mr: number): Deflation {
  const { UT, WT, P, z, uf, wf } = arrow;
  let pmax = 0,
    zmax = 0;
  for (let j = 0; j < N; j++) {
    pmax = Math.max(pmax, P[j]);
    zmax = Math.max(zmax, Math.abs(z[j]));
  }
  const scale = Math.max(pmax, zmax);
  const tol = 8 * EPS * scale;
  if (Math.abs(z[0]) <= tol) z[0] = tol;
  const order = Array.from({ length: N - 1 }, (_, i) => i + 1).sort((a, b) => P[a] - P[b]);
  const kept: number[] = [0];
  const defl: number[] = [],
    deflVal: number[] = [];
  for (const j of order) {
    if (Math.abs(z[j]) <= tol) {
      defl.push(j);
      deflVal.push(P[j]);
      continue;
    }
    if (P[j] <= tol) {
      // Pole at (numerically) zero: rotate its right vector into column 0 (M's column j is z_j e_0 + P_j e_j).
      const r = Math.hypot(z[0], z[j]),
        c = z[0] / r,
        s = z[j] / r;
      rotRows(WT, mr, 0, j, c, s);
      wf[0] |= wf[j];
      wf[j] = wf[0];
      z[0] = r;
      z[j] = 0;
      defl.push(j);
      deflVal.push(c * P[j]);
      continue;
    }
    const q = kept[kept.length - 1];
    if (q !== 0 && P[j] - P[q] <= tol) {
      // Close poles: a rotation on both sides zeroes z_q (off-diagonal error (P_j - P_q) c s <= tol).
      const r = Math.hypot(z[q], z[j]),
        c = z[j] / r,
        s = z[q] / r;
      // (x_q, x_j) := (c x_q - s x_j, s x_q + c x_j)
      rotRows(UT, N, q, j, c, -s);
      rotRows(WT, mr, q, j, c, -s);
      uf[q] |= uf[j];
      uf[j] = uf[q];
      wf[q] |= wf[j];
      wf[j] = wf[q];
      z[j] = r;
      z[q] = 0;
      kept.pop();
      defl.push(q);
      deflVal.push(P[q]);
    }
    kept.push(j);
  }
  return { kept, defl, deflVal, scale };
}

/**
 * SVD of the deflated K x K arrow (poles Pk, column zk, scaled so that max(P, |z|) = 1): the secular equation's roots
 * sig and the singular vectors through the Löwner z; row i of UM (VM) = left (right) singular vector i.
 */
function arrowSvd(Pk: Float64Array, zk: Float64Array): { sig: Float64Array; UM: Float64Array; VM: Float64Array } {
  const K = Pk.length;
  const sig = new Float64Array(K),
    piv = new Int32Array(K),
    tau = new Float64Array(K);
  secularRootsSquared(Pk, zk, sig, piv, tau);
  const zh = lownerZSquared(Pk, zk, sig, piv, tau);
  const UM = new Float64Array(K * K),
    VM = new Float64Array(K * K); // row i = singular vector i of the arrow
  const vcol = new Float64Array(K);
  if (K === 1) {
    UM[0] = zk[0] < 0 ? -1 : 1;
    VM[0] = 1;
  } // M = [z_0] (z_0 = 0 when the block is zero)
  for (let i = 0; i < K && K > 1; i++) {
    const pp = Pk[piv[i]],
      ti = tau[i],
      si = sig[i];
    let nv = 0,
      nu = 1;
    for (let j = 0; j < K; j++) {
      const diff = pp - Pk[j] + ti; // sigma_i - P_j
      const v = zh[j] / (-diff * (Pk[j] + si));
      vcol[j] = v;
      nv += v * v;
      if (j > 0) nu += Pk[j] * v * (Pk[j] * v);
    }
    const iv = 1 / Math.sqrt(nv),
      iu = 1 / Math.sqrt(nu),
      o = i * K;
    UM[o] = -iu;
    VM[o] = vcol[0] * iv;
    for (let j = 1; j < K; j++) {
      VM[o + j] = vcol[j] * iv;
      UM[o + j] = Pk[j] * vcol[j] * iu;
    }
  }
  return { sig, UM, VM };
}

/** SVD of the merged block from the SVDs of its halves L and R and the middle row's entries alpha, beta: arrow, deflation, secular equation. */
function merge(L: Sub, R: Sub, n1: number, n2: number, sq: number, alpha: number, beta: number): Sub {
  const N = n1 + 1 + n2,
    m1 = n1 + 1,
    m2 = n2 + sq,
    mr = N + sq;
  const arrow = assembleArrow(L, R, n1, n2, sq, alpha, beta);
  const { UT, WT, P, z, uf, wf } = arrow;
  const { kept, defl, deflVal, scale } = deflate(arrow, N, mr);
  const K = kept.length;
  const Pk = new Float64Array(K),
    zk = new Float64Array(K);
  // The secular equation is solved scaled to max(P, |z|) = 1 (squares of tiny blocks would underflow).
  const inv = scale > 0 ? 1 / scale : 1;
  for (let t = 0; t < K; t++) {
    Pk[t] = P[kept[t]] * inv;
    zk[t] = z[kept[t]] * inv;
  }
  // Secular equation, Löwner z, singular vectors of the deflated arrow.
  const { sig, UM, VM } = arrowSvd(Pk, zk);

  // New factors: kept columns = basis * (U_M | V_M) by blocks of rows; deflated columns copied.
  const s = new Float64Array(N);
  const Unew = new Float64Array(N * N),
    Wnew = new Float64Array(mr * mr);
  for (let i = 0; i < K; i++) s[i] = sig[i] * scale;
  for (let t = 0; t < defl.length; t++) s[K + t] = deflVal[t];
  updateRows(Unew, N, UT, N, kept, uf, UM, K, 0, n1, 1);
  updateRows(Unew, N, UT, N, kept, uf, UM, K, n1, 1, 4);
  updateRows(Unew, N, UT, N, kept, uf, UM, K, m1, n2, 2);
  updateRows(Wnew, mr, WT, mr, kept, wf, VM, K, 0, m1, 1);
  updateRows(Wnew, mr, WT, mr, kept, wf, VM, K, m1, m2, 2);
  for (let t = 0; t < defl.length; t++) {
    const c = K + t,
      jr = defl[t];
    Unew.set(UT.subarray(jr * N, jr * N + N), c * N);
    Wnew.set(WT.subarray(jr * mr, jr * mr + mr), c * mr);
  }
  if (sq) Wnew.set(WT.subarray(N * mr, N * mr + mr), N * mr);
  return { s, UT: Unew, WT: Wnew };
}

/**
 * Roots of 1 + sum_j z_j^2 / (P_j^2 - x) = 0 for 0 = P_0 < P_1 < ... < P_{K-1}, all z_j != 0: root i is
 * sigma_i^2 in (P_i^2, P_{i+1}^2), returned as sigma_i = P[piv_i] + tau_i with piv_i in {i, i+1} (secular.ts;
 * pole differences P_j^2 - P_p^2 formed as (P_j - P_p)(P_j + P_p)).
 */
function secularRootsSquared(P: Float64Array, z: Float64Array, sig: Float64Array, piv: Int32Array, tau: Float64Array): void {
  const K = P.length;
  const z2 = new Float64Array(K);
  let zn2 = 0;
  for (let j = 0; j < K; j++) {
    z2[j] = z[j] * z[j];
    zn2 += z2[j];
  }
  if (K === 1) {
    sig[0] = Math.abs(z[0]);
    piv[0] = 0;
    tau[0] = sig[0];
    return;
  }
  const mu = new Float64Array(K);
  secularRoots(
    z2,
    zn2,
    (p, out) => {
      const pp = P[p];
      for (let j = 0; j < K; j++) out[j] = (P[j] - pp) * (P[j] + pp);
    },
    piv,
    mu,
  );
  for (let i = 0; i < K; i++) {
    const pp = P[piv[i]];
    const t = mu[i] / (pp + Math.sqrt(pp * pp + mu[i])); // sigma - P_p = mu / (sigma + P_p)
    tau[i] = t;
    sig[i] = pp + t;
  }
}

/** Löwner (secular.ts) for the squared poles: sigma_i^2 - P_j^2 = (sigma_i - P_j)(sigma_i + P_j). */
function lownerZSquared(P: Float64Array, z: Float64Array, sig: Float64Array, piv: Int32Array, tau: Float64Array): Float64Array {
  return lownerZ(
    z,
    (i, j) => (P[piv[i]] - P[j] + tau[i]) * (sig[i] + P[j]),
    (i, j) => (P[i] - P[j]) * (P[i] + P[j]),
  );
}
