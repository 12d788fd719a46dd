// Householder reflectors shared by qr.ts, svd.ts and eig.ts.
import { Matrix } from './matrix.ts';
import { gemm } from './gemm.ts';

/** Columns whose largest entry is below 2^-500 are scaled up by 2^600 (exact) before the reflector is formed. */
const SMALL = 2 ** -500;
const UP = 2 ** 600;

/**
 * Householder vector in place: v := (1, v1/(x0-alpha), ...) with (I - beta v v^T) x = alpha e1; returns [beta, alpha].
 *
 * A column of tiny entries (the trailing part of the reduction of a numerically low-rank matrix decays
 * geometrically into subnormal numbers, ~1e-310) is first multiplied by 2^600, exactly, and alpha scaled back.
 * Without that, 1 / (x0 - alpha) overflows to Infinity for a subnormal denominator (Inf and NaN reflectors), and
 * even with a division the subnormal operands carry too few bits for I - beta v v^T to be orthogonal.
 */
export function householder(v: Float64Array): [number, number] {
  const L = v.length;
  let scale = 0;
  for (let i = 0; i < L; i++) {
    const t = Math.abs(v[i]);
    if (t > scale) scale = t;
  }
  let unscale = 1;
  if (scale > 0 && scale < SMALL) {
    for (let i = 0; i < L; i++) v[i] *= UP;
    scale *= UP;
    unscale = 1 / UP;
  }
  let sigma = 0;
  if (scale > 0)
    for (let i = 1; i < L; i++) {
      const t = v[i] / scale;
      sigma += t * t;
    }
  const x0 = v[0];
  if (sigma === 0) {
    v[0] = 1;
    return [0, x0 * unscale];
  }
  const x0s = x0 / scale;
  const norm = scale * Math.sqrt(x0s * x0s + sigma);
  const alpha = x0 >= 0 ? -norm : norm;
  const inv = 1 / (x0 - alpha);
  v[0] = 1;
  for (let i = 1; i < L; i++) v[i] *= inv;
  return [(alpha - x0) / alpha, alpha * unscale];
}

/** Reflectors per compact WY block when a product of reflectors is formed (formReflectorProduct; 64 measured best of 32-192). */
const FORM_BLOCK = 64;

/** Copy of a[r0..r1-1, c0..c1-1] (row-major with n columns) as a compact Matrix. */
export function copyBlock(a: Float64Array, n: number, r0: number, r1: number, c0: number, c1: number): Matrix {
  const w = c1 - c0;
  const out = new Matrix(r1 - r0, w);
  for (let i = r0; i < r1; i++) out.data.set(a.subarray(i * n + c0, i * n + c1), (i - r0) * w);
  return out;
}
/** a[r0.., c0..] := B (a row-major with n columns). */
export function putBlock(a: Float64Array, n: number, r0: number, c0: number, B: Matrix): void {
  for (let i = 0; i < B.rows; i++) a.set(B.data.subarray(i * B.cols, (i + 1) * B.cols), (r0 + i) * n + c0);
}

/** Rows r0..r1-1 of M as a Matrix sharing M's storage (a contiguous block, so no copy). */
export function rowBlock(M: Matrix, r0: number, r1: number): Matrix {
  return new Matrix(r1 - r0, M.cols, M.data.subarray(r0 * M.cols, r1 * M.cols));
}

/**
 * A block reflector I - V T V^T (compact WY) acting on coordinates k0..m-1: V (m-k0) x kb unit lower
 * trapezoidal (column j is reflector j: zero above its leading 1 in row j), T kb x kb upper triangular.
 */
export interface BlockReflector {
  k0: number;
  V: Matrix;
  T: Matrix;
}

/** In place: B := B - V (T' (V^T B)) with T' = T or T^T; the block reflector I - V T V^T (or its transpose) applied from the left. */
export function applyBlockReflector(V: Matrix, T: Matrix, B: Matrix, transT: boolean): void {
  if (B.cols === 0) return;
  const W = gemm(V, B, { transA: true }); // W = V^T B
  const Y = gemm(T, W, { transA: transT }); // Y = T' W (T triangular, multiplied as a full matrix: a GEMM beats a triangular loop)
  gemm(V, Y, { alpha: -1, beta: 1, C: B }); // B -= V Y
}

/**
 * The same operator as applyBlockReflector, on B stored transposed and V given as Vt = V^T:
 * Bt := Bt - ((Bt V) T'^T) V^T, i.e. B := (I - V T' V^T) B with B = Bt^T.
 */
export function applyBlockReflectorTransposed(Vt: Matrix, T: Matrix, Bt: Matrix, transT: boolean): void {
  if (Bt.rows === 0) return;
  const W = gemm(Bt, Vt, { transB: true }); // W = Bt V
  const Y = gemm(W, T, { transB: !transT }); // Y = W T'^T
  gemm(Y, Vt, { alpha: -1, beta: 1, C: Bt }); // Bt -= Y V^T
}

/**
 * T of I - V T V^T = H_0 ... H_{kb-1} (H_j = I - beta_j v_j v_j^T) from the Gram matrix S = V^T V (one GEMM):
 * T[j, j] = beta_j, T[0:j, j] = -beta_j T[0:j, 0:j] S[0:j, j] (Schreiber & Van Loan's forward recurrence, LAPACK dlarft).
 */
export function triangularFactor(S: Matrix, betas: ArrayLike<number>): Matrix {
  const kb = S.rows,
    s = S.data;
  const T = new Matrix(kb, kb);
  const t = T.data;
  for (let j = 0; j < kb; j++) {
    const beta = betas[j];
    t[j * kb + j] = beta;
    if (beta === 0) continue;
    for (let r = 0; r < j; r++) {
      let x = 0;
      for (let c = r; c < j; c++) x += t[r * kb + c] * s[c * kb + j];
      t[r * kb + j] = -beta * x;
    }
  }
  return T;
}

/** T of [V1 V2] from T1, T2 and G = V1^T V2: [T1, -T1 G T2; 0, T2] (Elmroth & Gustavson's recursive QR). */
export function joinTriangularFactors(T1: Matrix, T2: Matrix, G: Matrix): Matrix {
  const k1 = T1.rows,
    k2 = T2.rows,
    kb = k1 + k2;
  const T12 = gemm(T1, gemm(G, T2), { alpha: -1 }); // T12 = -T1 (G T2)
  const T = new Matrix(kb, kb);
  const t = T.data;
  for (let i = 0; i < k1; i++) {
    t.set(T1.data.subarray(i * k1, (i + 1) * k1), i * kb);
    t.set(T12.data.subarray(i * k2, (i + 1) * k2), i * kb + k1);
  }
  for (let i = 0; i < k2; i++) t.set(T2.data.subarray(i * k2, (i + 1) * k2), (k1 + i) * kb + k1);
  return T;
}

/**
 * Compact WY form of H_{k0} ... H_{k1-1}, H_k = I - betas[k] v_k v_k^T with vs[k] (length m - k, vs[k][0] = 1)
 * acting on coordinates k..m-1: I - V T V^T on coordinates k0..m-1, V (m-k0) x kb unit lower trapezoidal,
 * T kb x kb upper triangular (Schreiber & Van Loan, T from V^T V).
 */
export function compactWY(m: number, vs: Float64Array[], betas: ArrayLike<number>, k0: number, k1: number): { V: Matrix; T: Matrix } {
  const kb = k1 - k0,
    L0 = m - k0;
  const V = new Matrix(L0, kb),
    v = V.data;
  for (let i = 0; i < L0; i++) {
    // row by row: contiguous writes
    const o = i * kb,
      j1 = Math.min(i + 1, kb);
    for (let j = 0; j < j1; j++) v[o + j] = vs[k0 + j][i - j];
  }
  const b = Float64Array.from({ length: kb }, (_, j) => betas[k0 + j]);
  return { V, T: triangularFactor(gemm(V, V, { transA: true }), b) }; // T from S = V^T V
}

/**
 * (B_0 B_1 ... B_{p-1}) [I_ncols; 0] (m x ncols) for block reflectors B_i = I - V_i T_i V_i^T (increasing k0) by
 * backward accumulation (LAPACK dorgqr): before block i, Q[k0:, k0:] = diag(I_d, Q[k:, k:]) (the columns before k
 * are still e_j, zero in rows k..), so V^T Q[k0:, k0:] = [V[0:d]^T, V[d:]^T Q[k:, k:]] costs no product for the
 * identity part. The trailing block is kept compact at the end of Q's storage and grown in place.
 */
export function accumulateBlockReflectors(m: number, ncols: number, blocks: BlockReflector[]): Matrix {
  const q = new Float64Array(m * ncols);
  let k = Math.min(m, ncols);
  let B = new Matrix(m - k, ncols - k, q.subarray(q.length - (m - k) * (ncols - k))); // Q[k:, k:]: empty
  for (let p = blocks.length - 1; p >= 0; p--) {
    const { k0, V, T } = blocks[p];
    if (k0 >= k) continue;
    const d = k - k0;
    const W = identityThenProduct(V, d, B); // W = V^T diag(I_d, B)
    B = growTrailingBlock(q, B, d);
    k = k0;
    gemm(V, gemm(T, W), { alpha: -1, beta: 1, C: B }); // Q[k0:, k0:] -= V (T W)
  }
  return new Matrix(m, ncols, growTrailingBlock(q, B, k).data);
}

/** [V[0:d]^T, V[d:]^T B] (kb x (d + B.cols)): V^T diag(I_d, B), one GEMM for the second part. */
function identityThenProduct(V: Matrix, d: number, B: Matrix): Matrix {
  const kb = V.cols,
    c = B.cols,
    w = d + c;
  const W = new Matrix(kb, w),
    x = W.data,
    v = V.data;
  for (let i = 0; i < d; i++) for (let j = 0; j < kb; j++) x[j * w + i] = v[i * kb + j];
  if (c > 0) {
    const P = gemm(rowBlock(V, d, V.rows), B, { transA: true }); // V[d:]^T B
    for (let j = 0; j < kb; j++) x.set(P.data.subarray(j * c, (j + 1) * c), j * w + d);
  }
  return W;
}

/**
 * diag(I_d, B) for B stored compactly at the end of q, written in place at the end of q. Every row moves towards
 * the front and ends before the next source row starts, so rows are moved first to last, then padded.
 */
function growTrailingBlock(q: Float64Array, B: Matrix, d: number): Matrix {
  if (d === 0) return B;
  const r = B.rows,
    c = B.cols,
    c1 = c + d,
    from = q.length - r * c,
    to = q.length - (r + d) * c1;
  for (let i = 0; i < r; i++) {
    const row = to + (i + d) * c1;
    q.copyWithin(row + d, from + i * c, from + (i + 1) * c);
    q.fill(0, row, row + d);
  }
  q.fill(0, to, to + d * c1);
  for (let i = 0; i < d; i++) q[to + i * c1 + i] = 1;
  return new Matrix(r + d, c1, q.subarray(to));
}

/**
 * H_0 H_1 ... H_{count-1} [I_ncols; 0] (m x ncols) for reflectors as in compactWY, by backward accumulation
 * of compact WY blocks of 64 reflectors with GEMM.
 */
export function formReflectorProduct(m: number, ncols: number, vs: Float64Array[], betas: ArrayLike<number>, count: number): Matrix {
  const blocks: BlockReflector[] = [];
  for (let k0 = 0; k0 < count; k0 += FORM_BLOCK) blocks.push({ k0, ...compactWY(m, vs, betas, k0, Math.min(k0 + FORM_BLOCK, count)) });
  return accumulateBlockReflectors(m, ncols, blocks);
}
