// Householder QR factorisation (DESIGN.md, "src/linalg/"): blocked, with recursive panels, on A^T so that
// every column is a contiguous row.
import { Matrix } from './matrix.ts';
import { gemm } from './gemm.ts';
import { transpose } from './ops.ts';
import {
  accumulateBlockReflectors,
  applyBlockReflectorTransposed,
  householder,
  joinTriangularFactors,
  rowBlock,
  triangularFactor,
  type BlockReflector,
} from './reflector.ts';

export { householder };

/** Columns per panel: each panel's block reflector updates the trailing matrix with GEMM (64 measured best of 32-128). */
const PANEL = 64;
/** Blocks of at most this many columns are factored column by column; wider ones are split in halves (4 measured best of 4-16). */
const LEAF = 4;

/**
 * Thin QR of A (m x n, m >= n): A = Q R, Q m x n with orthonormal columns, R n x n upper triangular.
 * Blocked Householder on W = A^T (column k of A is row k of W, so reflectors and updates run along contiguous
 * rows): each panel of 64 columns is factored recursively into the compact WY form I - V T V^T (mostly GEMM),
 * the trailing update is three GEMMs in place, and Q is formed from the panels by backward accumulation.
 * Q is skipped (0 columns) when wantQ is false.
 */
export function qr(A: Matrix, wantQ = true): { Q: Matrix; R: Matrix } {
  const m = A.rows,
    n = A.cols;
  if (m < n) throw new RangeError(`qr: needs rows >= cols, got ${m}x${n}`);
  const R = new Matrix(n, n);
  const blocks: BlockReflector[] = [];
  let W = transpose(A); // the trailing matrix A[k0:, k0:]^T, compact at the start of this storage
  for (let k0 = 0; k0 < n; k0 += PANEL) {
    const nb = Math.min(PANEL, n - k0);
    const P = rowBlock(W, 0, nb),
      rest = rowBlock(W, nb, W.rows);
    const T = factorColumns(P, 0, nb, k0, R);
    applyBlockReflectorTransposed(P, T, rest, true); // A[k0:, k1:] := (I - V T^T V^T) A[k0:, k1:]
    if (wantQ) blocks.push({ k0, V: transpose(P), T });
    W = nextTrailingMatrix(W, nb, k0, R);
  }
  if (!wantQ) return { Q: new Matrix(m, 0), R };
  return { Q: accumulateBlockReflectors(m, n, blocks), R };
}

/**
 * Householder QR of the columns r0..r1-1 of a panel (rows of P = A[k0:, k0:k0+nb]^T): on return row r of P
 * holds reflector r (zero before its leading 1 at offset r), the entries of R are in R, and the T of the
 * compact WY form of reflectors r0..r1-1 is returned. Recursive (Elmroth & Gustavson): factor the left
 * half, update the right half with its block reflector, factor the right half, join the two T factors.
 */
function factorColumns(P: Matrix, r0: number, r1: number, k0: number, R: Matrix): Matrix {
  if (r1 - r0 <= LEAF) return factorLeaf(P, r0, r1, k0, R);
  const rm = r0 + ((r1 - r0) >> 1);
  const T1 = factorColumns(P, r0, rm, k0, R);
  const V1 = rowBlock(P, r0, rm),
    right = rowBlock(P, rm, r1);
  applyBlockReflectorTransposed(V1, T1, right, true); // right half := (I - V1 T1^T V1^T) right half
  const T2 = factorColumns(P, rm, r1, k0, R);
  return joinTriangularFactors(T1, T2, gemm(V1, right, { transB: true })); // G = V1^T V2
}

/** factorColumns for a narrow block: one reflector at a time, applied to the later rows (unblocked Householder QR). */
function factorLeaf(P: Matrix, r0: number, r1: number, k0: number, R: Matrix): Matrix {
  const L = P.cols,
    p = P.data,
    n = R.cols,
    rd = R.data;
  const betas = new Float64Array(r1 - r0);
  for (let r = r0; r < r1; r++) {
    const row = r * L;
    // entries before the diagonal are final: they belong to R, and V is zero there.
    for (let i = 0; i < r; i++) {
      rd[(k0 + i) * n + k0 + r] = p[row + i];
      p[row + i] = 0;
    }
    const v = p.subarray(row + r, row + L);
    const [beta, alpha] = householder(v);
    rd[(k0 + r) * n + k0 + r] = alpha;
    betas[r - r0] = beta;
    if (beta !== 0) for (let s = r + 1; s < r1; s++) reflect(v, beta, p, s * L + r);
  }
  const Vt = rowBlock(P, r0, r1);
  return triangularFactor(gemm(Vt, Vt, { transB: true }), betas); // T from S = V^T V
}

/** x := (I - beta v v^T) x for x = p[off .. off + v.length). */
function reflect(v: Float64Array, beta: number, p: Float64Array, off: number): void {
  const L = v.length;
  let d = 0;
  for (let i = 0; i < L; i++) d += v[i] * p[off + i];
  const f = beta * d;
  for (let i = 0; i < L; i++) p[off + i] -= f * v[i];
}

/**
 * After panel k0..k0+nb-1 of the trailing matrix W = A[k0:, k0:]^T: the first nb entries of rows nb.. are
 * R[k0:k1, k1:]; move them to R and compact the rest of those rows to the start of W's storage, giving the
 * next trailing matrix A[k1:, k1:]^T (every row moves towards the front, so first to last is safe).
 */
function nextTrailingMatrix(W: Matrix, nb: number, k0: number, R: Matrix): Matrix {
  const rows = W.rows - nb,
    L = W.cols,
    L1 = L - nb,
    n = R.cols,
    k1 = k0 + nb,
    w = W.data,
    rd = R.data;
  for (let j = 0; j < rows; j++) {
    const from = (nb + j) * L;
    for (let i = 0; i < nb; i++) rd[(k0 + i) * n + k1 + j] = w[from + i];
    w.copyWithin(j * L1, from + nb, from + L);
  }
  return new Matrix(rows, L1, w.subarray(0, rows * L1));
}
