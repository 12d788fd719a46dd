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
// use the QL iteration. Every block's vectors live in place in one n x n array (rows lo.., columns lo..), so a
// merge finds its children's vectors where it writes its own.
import { tridiagonalQL } from './tridiagonal-ql.ts';
import { checkStop } from './interrupt.ts';
import { Matrix } from './matrix.ts';
import { gemm } from './gemm.ts';
import { lownerZ, secularRoots } from './secular.ts';
import { level2Backend, releaseWorkspace, workspace } from './level2.ts';

const EPS = Number.EPSILON;
/** Blocks of at most this many rows are solved by the QL iteration. */
export const STEDC_LEAF = 32;

/**
 * Eigenvectors of the blocks, stored transposed in place: the block at rows lo..lo+n-1 keeps its eigenvector c
 * (of lam[c]) in row lo + c, columns lo..lo+n-1, of `v` (row length ld); other columns of those rows are zero.
 */
interface Store {
  v: Float64Array;
  ld: number;
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
  const store: Store = { v: VT, ld: n };
  // Independent blocks where the off-diagonal is negligible (|e_i| <= eps ||T||: a backward-stable perturbation).
  let start = 0;
  for (let i = 0; i < n; i++) {
    if (i < n - 1 && Math.abs(ee[i]) > EPS) continue;
    ee[i] = 0;
    const lam = solve(dd, ee, start, i - start + 1, store);
    for (let j = 0; j < lam.length; j++) values[start + j] = lam[j] * bmax;
    start = i + 1;
  }
  return { values, VT };
}

/** Eigenvalues of the block at rows lo..lo+n-1 (d modified in place by the splits), vectors into the store. */
function solve(d: Float64Array, e: Float64Array, lo: number, n: number, store: Store): Float64Array {
  if (n <= STEDC_LEAF) return leaf(d, e, lo, n, store);
  checkStop();
  const n1 = n >> 1,
    n2 = n - n1;
  const beta = e[lo + n1 - 1],
    rho = Math.abs(beta),
    sgn = beta >= 0 ? 1 : -1;
  d[lo + n1 - 1] -= rho;
  d[lo + n1] -= rho; // Cuppen 1981, Sec. 2: T = diag(T1', T2') + rho u u^T
  const left = solve(d, e, lo, n1, store);
  const right = solve(d, e, lo + n1, n2, store);
  return merge(left, right, lo, n1, n2, rho, sgn, store);
}

/** Leaf: the QL iteration with the identity as starting basis. */
function leaf(d: Float64Array, e: Float64Array, lo: number, n: number, store: Store): Float64Array {
  const lam = d.slice(lo, lo + n);
  const Z = Matrix.eye(n);
  if (n > 1) tridiagonalQL(lam, e.slice(lo, lo + n - 1), Z);
  const { v, ld } = store,
    z = Z.data;
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) v[(lo + j) * ld + lo + i] = z[i * n + j];
  return lam;
}

/** Rotate rows a and b of X over columns at..at+len-1: (x_a, x_b) := (c x_a - s x_b, s x_a + c x_b). */
function rotRows(X: Float64Array, ld: number, at: number, len: number, a: number, b: number, c: number, s: number): void {
  const oa = a * ld + at,
    ob = b * ld + at;
  for (let t = 0; t < len; t++) {
    const x = X[oa + t],
      y = X[ob + t];
    X[oa + t] = c * x - s * y;
    X[ob + t] = s * x + c * y;
  }
}

/** The rank-one system of a merge: poles D, weights z (carrying sqrt(rho)), support flags (1 top rows, 2 bottom rows). */
interface RankOne {
  D: Float64Array;
  z: Float64Array;
  flags: Uint8Array;
}

/**
 * Deflation (dlaed2's criteria, tol = 8 eps max(|D|, |z|^2)): returns the kept poles in ascending order and the
 * deflated ones with their values; rotations of pairs of close poles are applied to the block's vectors in place.
 */
function deflate(r: RankOne, N: number, lo: number, store: Store): { kept: number[]; defl: number[]; deflVal: number[]; scale: number } {
  const { D, z, flags } = r;
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
  const kept: number[] = [],
    defl: number[] = [],
    deflVal: number[] = [];
  for (const j of order) {
    if (Math.abs(z[j]) * znorm <= tol) {
      defl.push(j);
      deflVal.push(D[j]);
      continue;
    }
    if (kept.length > 0) {
      const q = kept[kept.length - 1];
      const h = Math.hypot(z[q], z[j]),
        c = z[j] / h,
        s = z[q] / h;
      if (Math.abs((D[j] - D[q]) * c * s) <= tol) {
        // Givens rotation zeroing z_q; the off-diagonal (D_j - D_q) c s it leaves is dropped (dlaed2's criterion).
        rotRows(store.v, store.ld, lo, N, lo + q, lo + j, c, s);
        flags[q] |= flags[j];
        flags[j] = flags[q];
        const dq = c * c * D[q] + s * s * D[j],
          dj = s * s * D[q] + c * c * D[j];
        D[q] = dq;
        D[j] = dj;
        z[q] = 0;
        z[j] = h;
        kept.pop();
        defl.push(q);
        deflVal.push(dq);
      }
    }
    kept.push(j);
  }
  return { kept, defl, deflVal, scale };
}

/**
 * The coefficients of a merge's new vectors in the kept basis vectors, split by support: Mt (K x posT-count) on the
 * basis vectors with top support (column posT[t] for kept[t], -1: none), Mb likewise for the bottom.
 */
interface Coefficients {
  Mt: Float64Array;
  posT: Int32Array;
  Mb: Float64Array;
  posB: Int32Array;
  nsT: number;
  nsB: number;
}

/** The kept basis vectors of each support as positions (posT, posB) and counts. */
function supportPositions(kept: number[], flags: Uint8Array): { posT: Int32Array; posB: Int32Array; nsT: number; nsB: number } {
  const K = kept.length,
    posT = new Int32Array(K).fill(-1),
    posB = new Int32Array(K).fill(-1);
  let nsT = 0,
    nsB = 0;
  for (let t = 0; t < K; t++) {
    if (flags[kept[t]] & 1) posT[t] = nsT++;
    if (flags[kept[t]] & 2) posB[t] = nsB++;
  }
  return { posT, posB, nsT, nsB };
}

/** Row i of the coefficients (row: the K values, scaled by iv) into Mt and Mb at their support positions. */
function putRow(c: Coefficients, i: number, row: Float64Array, iv: number): void {
  const K = row.length,
    ot = i * c.nsT,
    ob = i * c.nsB,
    { Mt, Mb, posT, posB } = c;
  for (let j = 0; j < K; j++) {
    const x = row[j] * iv,
      pt = posT[j],
      pb = posB[j];
    if (pt >= 0) Mt[ot + pt] = x;
    if (pb >= 0) Mb[ob + pb] = x;
  }
}

/**
 * Roots lam[0..K) of the secular equation of the kept poles (scaled by 1 / scale) and the coefficients: row i the
 * unit eigenvector of D + zh zh^T on the kept coordinates, zh_j / (D_j - lambda_i) (Bunch, Nielsen & Sorensen 1978).
 */
function secularVectors(r: RankOne, kept: number[], scale: number, lam: Float64Array, c: Coefficients): void {
  const K = kept.length;
  const inv = 1 / scale,
    zs = Math.sqrt(inv);
  const Pk = new Float64Array(K),
    zk = new Float64Array(K),
    w = new Float64Array(K);
  let wsum = 0;
  for (let t = 0; t < K; t++) {
    Pk[t] = r.D[kept[t]] * inv;
    zk[t] = r.z[kept[t]] * zs;
    w[t] = zk[t] * zk[t];
    wsum += w[t];
  }
  if (K === 1) {
    lam[0] = (Pk[0] + w[0]) * scale;
    putRow(c, 0, Float64Array.of(1), 1);
    return;
  }
  const piv = new Int32Array(K),
    mu = new Float64Array(K);
  // In WebAssembly on the threads when the fast path is on (the same iteration; sums rounded in two SIMD lanes).
  if (!level2Backend()?.secularRoots(Pk, w, wsum, piv, mu))
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
  const row = new Float64Array(K);
  for (let i = 0; i < K; i++) {
    const pp = Pk[piv[i]],
      mi = mu[i];
    lam[i] = (pp + mi) * scale;
    let nv = 0;
    for (let j = 0; j < K; j++) {
      const v = zh[j] / (Pk[j] - pp - mi);
      row[j] = v;
      nv += v * v;
    }
    putRow(c, i, row, 1 / Math.sqrt(nv));
  }
}

function merge(left: Float64Array, right: Float64Array, lo: number, n1: number, n2: number, rho: number, sgn: number, store: Store): Float64Array {
  const N = n1 + n2,
    { v, ld } = store;
  const r: RankOne = { D: new Float64Array(N), z: new Float64Array(N), flags: new Uint8Array(N) };
  const sr = Math.sqrt(rho);
  for (let j = 0; j < n1; j++) {
    r.D[j] = left[j];
    r.z[j] = sr * v[(lo + j) * ld + lo + n1 - 1]; // last row of Q1
    r.flags[j] = 1;
  }
  for (let j = 0; j < n2; j++) {
    r.D[n1 + j] = right[j];
    r.z[n1 + j] = sgn * sr * v[(lo + n1 + j) * ld + lo + n1]; // first row of Q2
    r.flags[n1 + j] = 2;
  }
  const { kept, defl, deflVal, scale } = deflate(r, N, lo, store);
  const K = kept.length;
  const lam = new Float64Array(N);
  for (let t = 0; t < defl.length; t++) lam[K + t] = deflVal[t];
  if (K === 0) {
    moveRows(store, lo, N, defl, 0);
    return lam;
  }
  const sp = supportPositions(kept, r.flags);
  // Every entry of Mt and Mb is written by secularVectors.
  const c: Coefficients = { ...sp, Mt: workspace(K * sp.nsT, false), Mb: workspace(K * sp.nsB, false) };
  try {
    secularVectors(r, kept, scale, lam, c);
    updateVectors(store, lo, n1, n2, kept, r.flags, c, defl);
  } finally {
    releaseWorkspace(c.Mb);
    releaseWorkspace(c.Mt);
  }
  return lam;
}

/** Rows lo + rows[t] of the block (columns lo..lo+N-1) moved to rows lo + at + t, through a copy. */
function moveRows(store: Store, lo: number, N: number, rows: number[], at: number): void {
  const { v, ld } = store,
    tmp = new Float64Array(rows.length * N);
  for (let t = 0; t < rows.length; t++) tmp.set(v.subarray((lo + rows[t]) * ld + lo, (lo + rows[t]) * ld + lo + N), t * N);
  for (let t = 0; t < rows.length; t++) v.set(tmp.subarray(t * N, (t + 1) * N), (lo + at + t) * ld + lo);
}

/**
 * The vector update of a merge in place: new vector i < K = sum_t M[i, t] (basis vector kept[t]), one GEMM for
 * the top n1 coordinates (Mt times the basis vectors supported there) and one for the bottom n2 (Mb); the deflated
 * basis vectors follow as vectors K... All operands are gathered before any row is written.
 */
function updateVectors(store: Store, lo: number, n1: number, n2: number, kept: number[], flags: Uint8Array, c: Coefficients, defl: number[]): void {
  const K = kept.length,
    N = n1 + n2;
  const top = gatherBasis(store, lo, 0, n1, kept, flags, 1),
    bottom = gatherBasis(store, lo, n1, n2, kept, flags, 2);
  const saved = new Float64Array(defl.length * N);
  const { v, ld } = store;
  for (let t = 0; t < defl.length; t++) saved.set(v.subarray((lo + defl[t]) * ld + lo, (lo + defl[t]) * ld + lo + N), t * N);
  const C = workspace(K * Math.max(n1, n2), false);
  try {
    for (const [A, M, ns, c0, w] of [
      [top, c.Mt, c.nsT, 0, n1],
      [bottom, c.Mb, c.nsB, n1, n2],
    ] as const) {
      const out = new Matrix(K, w, C.subarray(0, K * w));
      if (A) gemm(new Matrix(K, ns, M), A, { C: out });
      else out.data.fill(0);
      for (let i = 0; i < K; i++) v.set(out.data.subarray(i * w, (i + 1) * w), (lo + i) * ld + lo + c0);
    }
  } finally {
    releaseWorkspace(C);
    if (bottom) releaseWorkspace(bottom.data);
    if (top) releaseWorkspace(top.data);
  }
  for (let t = 0; t < defl.length; t++) v.set(saved.subarray(t * N, (t + 1) * N), (lo + K + t) * ld + lo);
}

/**
 * The kept basis vectors supported on rows c0..c0+w-1 of the block (flags & bit), those coordinates, as the rows of
 * a resident workspace (one half's operand). Undefined when there are none.
 */
function gatherBasis(store: Store, lo: number, c0: number, w: number, kept: number[], flags: Uint8Array, bit: number): Matrix | undefined {
  const sel: number[] = [];
  for (const k of kept) if (flags[k] & bit) sel.push(k);
  if (sel.length === 0 || w === 0) return undefined;
  const { v, ld } = store;
  const A = new Matrix(sel.length, w, workspace(sel.length * w, false));
  for (let a = 0; a < sel.length; a++) {
    const o = (lo + sel[a]) * ld + lo + c0;
    A.data.set(v.subarray(o, o + w), a * w);
  }
  return A;
}
