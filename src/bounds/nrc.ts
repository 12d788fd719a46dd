// Bounds and closed forms of Neural Rank Collapse (Zangrando et al.): Prop. 4.1, Remark 5.2 / Eq. 21,
// Theorem 5.3 and Theorem 5.4. The paper stores samples as columns (X is d x N, Y is c x N); nrc
// stores them as rows (X is N x d, Y is N x c), so every paper formula appears transposed here:
//   paper  Y X^T (X X^T + N lambda I)^{-1}   ->   nrc  Y^T X (X^T X + N lambda I)^{-1}.
// The linear model's parameter theta is c x d (out x in, like every weight matrix in nrc), so a
// prediction for the rows of X is X theta^T.
import { Matrix, frobeniusDistance, frobeniusNorm, gemm, invSqrtPSD, solveSPD, svd, transpose } from '../linalg/index.ts';
import { centroids, kmeans, wcss as wcssOf } from '../metrics/clusters.ts';
import { Rng } from '../random/index.ts';

function checkXY(X: Matrix, Y: Matrix, lambda: number, what: string): void {
  if (X.rows !== Y.rows) throw new RangeError(`${what}: X has ${X.rows} rows (samples), Y has ${Y.rows}`);
  if (!(lambda > 0)) throw new RangeError(`${what}: lambda = ${lambda}, expected > 0`);
}

/** X^T X + N lambda I (d x d): X_lambda X_lambda^T of NRC Remark 5.2 / Eq. 28, in rows convention. */
export function regularizedGram(X: Matrix, lambda: number): Matrix {
  const A = gemm(X, X, { transA: true });
  const shift = X.rows * lambda;
  for (let i = 0; i < A.rows; i++) A.data[i * A.cols + i] += shift;
  return A;
}

/** L_lambda(theta) = (1/N) ||Y - X theta^T||_F^2 + lambda ||theta||_F^2 (NRC Eq. 3 / Eq. 19, linear model without bias). */
export function linearRidgeLoss(theta: Matrix, X: Matrix, Y: Matrix, lambda: number): number {
  const R = gemm(X, theta, { transB: true });
  let s = 0;
  for (let i = 0; i < R.data.length; i++) {
    const t = Y.data[i] - R.data[i];
    s += t * t;
  }
  const t = frobeniusNorm(theta);
  return s / X.rows + lambda * t * t;
}

/** theta* = Y^T X (X^T X + N lambda I)^{-1}, c x d: the minimiser of L_lambda (NRC Eq. 21, Remark 5.2; paper: Y X^T (X X^T + N lambda I)^{-1}). */
export function ridgeSolution(X: Matrix, Y: Matrix, lambda: number): Matrix {
  checkXY(X, Y, lambda, 'ridgeSolution');
  const A = regularizedGram(X, lambda);
  const XtY = gemm(X, Y, { transA: true });
  return transpose(solveSPD(A, XtY));
}

/** Xbar, Ybar of NRC Eq. 20: every row replaced by the centroid of its part (N x d, N x c). */
export function centroidData(X: Matrix, Y: Matrix, assignment: ArrayLike<number>): { Xbar: Matrix; Ybar: Matrix } {
  const { centroids: Cx } = centroids(X, assignment);
  const { centroids: Cy } = centroids(Y, assignment, Cx.rows);
  const Xbar = new Matrix(X.rows, X.cols);
  const Ybar = new Matrix(Y.rows, Y.cols);
  for (let i = 0; i < X.rows; i++) {
    const k = assignment[i];
    Xbar.data.set(Cx.row(k), i * X.cols);
    Ybar.data.set(Cy.row(k), i * Y.cols);
  }
  return { Xbar, Ybar };
}

/** theta*_C = Ybar^T Xbar (Xbar^T Xbar + N lambda I)^{-1}: minimiser of the centroid loss (NRC Eq. 8, 21; paper: Ybar Xbar^T (Xbar Xbar^T + N lambda I)^{-1}). */
export function centroidRidgeSolution(X: Matrix, Y: Matrix, assignment: ArrayLike<number>, lambda: number): Matrix {
  checkXY(X, Y, lambda, 'centroidRidgeSolution');
  const { Xbar, Ybar } = centroidData(X, Y, assignment);
  return ridgeSolution(Xbar, Ybar, lambda);
}

/** Right-hand side of NRC Thm 5.3: (WCSS/lambda) (d/(N lambda) ||Ybar||_F ||Xbar||_F + sqrt(d)). */
export function theorem53Bound(wcss: number, lambda: number, d: number, N: number, normYbar: number, normXbar: number): number {
  return (wcss / lambda) * ((d / (N * lambda)) * normYbar * normXbar + Math.sqrt(d));
}

export interface Theorem53 {
  thetaStar: Matrix;
  thetaStarC: Matrix;
  /** ||theta* - theta*_C||_F */
  distance: number;
  /** WCSS of (x, y) pairs for the partition (NRC Eq. 6 with the label part). */
  wcss: number;
  bound: number;
  holds: boolean;
}

/**
 * NRC Theorem 5.3 for any partition (the proof never uses optimality of the partition, so WCSS of the
 * given partition replaces TCV_{K,0}): ||theta* - theta*_C||_F <= (WCSS/lambda)(d/(N lambda)||Ybar|| ||Xbar|| + sqrt(d)).
 */
export function theorem53(X: Matrix, Y: Matrix, assignment: ArrayLike<number>, lambda: number): Theorem53 {
  checkXY(X, Y, lambda, 'theorem53');
  const thetaStar = ridgeSolution(X, Y, lambda);
  const { Xbar, Ybar } = centroidData(X, Y, assignment);
  const thetaStarC = ridgeSolution(Xbar, Ybar, lambda);
  const distance = frobeniusDistance(thetaStar, thetaStarC);
  const w = wcssOf(X, Y, assignment);
  const bound = theorem53Bound(w, lambda, X.cols, X.rows, frobeniusNorm(Ybar), frobeniusNorm(Xbar));
  return { thetaStar, thetaStarC, distance, wcss: w, bound, holds: distance <= bound * (1 + 1e-12) + 1e-300 };
}

/** Q = Y^T X (X^T X + N lambda I)^{-1/2} (c x d), its best rank-K truncation Q^K, and theta*_K = Q^K (X^T X + N lambda I)^{-1/2} (NRC Eq. 35-36). */
export function rankKRidgeSolution(
  X: Matrix,
  Y: Matrix,
  K: number,
  lambda: number,
): { thetaStarK: Matrix; Q: Matrix; QK: Matrix; singularValuesQ: Float64Array } {
  checkXY(X, Y, lambda, 'rankKRidgeSolution');
  if (!Number.isInteger(K) || K < 0) throw new RangeError(`rankKRidgeSolution: K = ${K}, expected a non-negative integer`);
  const S = invSqrtPSD(regularizedGram(X, lambda));
  const Q = gemm(gemm(Y, X, { transA: true }), S);
  const { U, S: s, V } = svd(Q);
  const r = Math.min(K, s.length);
  const Ur = new Matrix(U.rows, r);
  const Vr = new Matrix(V.rows, r);
  for (let i = 0; i < U.rows; i++) for (let j = 0; j < r; j++) Ur.data[i * r + j] = U.data[i * U.cols + j] * s[j];
  for (let i = 0; i < V.rows; i++) for (let j = 0; j < r; j++) Vr.data[i * r + j] = V.data[i * V.cols + j];
  const QK = gemm(Ur, Vr, { transB: true });
  return { thetaStarK: gemm(QK, S), Q, QK, singularValuesQ: s };
}

/** Right-hand side of NRC Thm 5.4: (d min(d, c) / lambda) TCV_K(Y). */
export function theorem54Bound(tcv: number, lambda: number, d: number, c: number): number {
  return ((d * Math.min(d, c)) / lambda) * tcv;
}

export interface Theorem54 {
  thetaStar: Matrix;
  thetaStarK: Matrix;
  Q: Matrix;
  /** ||theta* - theta*_K||_F^2 */
  distanceSquared: number;
  /** The TCV_K(Y) used (label-only WCSS of the given partition, the given value, or k-means' best). */
  tcv: number;
  /** (d min(d,c)/lambda) tcv. */
  bound: number;
  /** The sharper intermediate bound of the proof (Eq. 42-43): d min(d,c)/(N lambda) sum_{j>K} s_j(Y)^2 <= bound. */
  boundSvd: number;
  /** max(c, d) <= N, the theorem's assumption. */
  preconditionHolds: boolean;
  holds: boolean;
}

export interface Theorem54Options {
  /** TCV_K(Y) (or an upper bound on it, which keeps the bound valid). */
  tcv?: number;
  /** A partition of the samples into <= K parts; its label-only WCSS is used as TCV_K(Y). */
  assignment?: ArrayLike<number>;
  /** Random stream for the k-means estimate of TCV_K(Y) when neither tcv nor assignment is given. */
  rng?: Rng;
}

/** NRC Theorem 5.4: ||theta* - theta*_K||_F^2 <= (d min(d, c)/lambda) TCV_K(Y), theta*_K the best rank-K minimiser of L_lambda. */
export function theorem54(X: Matrix, Y: Matrix, K: number, lambda: number, opts: Theorem54Options = {}): Theorem54 {
  checkXY(X, Y, lambda, 'theorem54');
  const N = X.rows;
  const d = X.cols;
  const c = Y.cols;
  const thetaStar = ridgeSolution(X, Y, lambda);
  const { thetaStarK, Q } = rankKRidgeSolution(X, Y, K, lambda);
  const dist = frobeniusDistance(thetaStar, thetaStarK);
  let tcv: number;
  if (opts.tcv !== undefined) tcv = opts.tcv;
  else if (opts.assignment) tcv = wcssOf(Y, null, opts.assignment);
  else tcv = kmeans(Y, K, { rng: opts.rng ?? new Rng('theorem54') }).wcss;
  const sY = svd(Y).S;
  let tail = 0;
  for (let j = K; j < sY.length; j++) tail += sY[j] * sY[j];
  const bound = theorem54Bound(tcv, lambda, d, c);
  return {
    thetaStar,
    thetaStarK,
    Q,
    distanceSquared: dist * dist,
    tcv,
    bound,
    boundSvd: ((d * Math.min(d, c)) / (N * lambda)) * tail,
    preconditionHolds: Math.max(c, d) <= N,
    holds: dist * dist <= bound * (1 + 1e-12) + 1e-300,
  };
}

/** One Gaussian component of NRC Prop. 4.1: covariance Sigma_k and sample count N_k. */
export interface GaussianComponent {
  covariance: Matrix;
  count: number;
}

/** NRC Prop. 4.1: TCV_{K,0} <= sum_k pi_k (Tr Sigma_k + ||Sigma_k||_F / sqrt(N_k)) (with high probability). */
export function prop41Bound(components: GaussianComponent[]): number {
  let N = 0;
  for (const c of components) N += c.count;
  let total = 0;
  for (const { covariance: S, count } of components) {
    if (S.rows !== S.cols) throw new RangeError(`prop41Bound: covariance is ${S.rows}x${S.cols}, expected square`);
    if (!(count > 0)) throw new RangeError(`prop41Bound: component count ${count}, expected > 0`);
    let tr = 0;
    for (let i = 0; i < S.rows; i++) tr += S.data[i * S.cols + i];
    total += (count / N) * (tr + frobeniusNorm(S) / Math.sqrt(count));
  }
  return total;
}

/** NRC Prop. 4.1, balanced isotropic case (Sigma_k = sigma^2 I_d, N_k = N/K): sqrt(d) sigma^2 (sqrt(d) + sqrt(K/N)). */
export function prop41BoundIsotropic(d: number, sigma: number, K: number, N: number): number {
  return Math.sqrt(d) * sigma * sigma * (Math.sqrt(d) + Math.sqrt(K / N));
}
