// Lemma 3.3 / Theorem 3.4 of Neural Rank Collapse measured on a trained MLP: the rows of gaussian-mixture's theorem34.csv.
import { frobeniusNorm, type Matrix } from '../linalg/index.ts';
import { distToRank, wcss } from '../metrics/index.ts';
import { lemma33Residuals, lossGradient, type MLP } from '../nn/index.ts';
import type { Row } from '../runner/types.ts';

/**
 * theorem34.csv rows: for each layer l (1-based) and j < l, WCSS_j of (z^j, y) over the component partition
 * (NRC Eq. 6, y = x), the exact Lemma 3.3 residual ||grad_{W_l} L_0 - grad_{W_l} L_0^{j,C}||, the implied
 * constant lambda dist_K(W_l) / WCSS_j (Thm 3.4 says <= M_{l,j}), and the bound that holds at any parameters:
 * dist_K(W_l) <= (||R|| + ||grad_{W_l} L_lambda||) / (2 lambda), since W_l = (grad L_lambda - grad L_0^{j,C} - R) / (2 lambda)
 * and grad L_0^{j,C} has rank <= K (Prop. 3.1 on the K centroids).
 */
export function theorem34Rows(model: MLP, X: Matrix, Y: Matrix, labels: Int32Array, K: number, lambda: number): Row[] {
  const L = model.depth;
  const gradLambda = lossGradient(model, X, Y, { loss: 'squared', weightDecay: lambda }).gradW.map((g) => frobeniusNorm(g));
  const distK = model.layers.map((layer) => distToRank(layer.W, K));
  const rows: Row[] = [];
  for (let j = 0; j < L; j++) {
    const Z = model.representation(X, j);
    const wcssJ = wcss(Z, Y, labels); // Eq. 6 with the label part (y = x for the autoencoder)
    const residual = lemma33Residuals(model, X, Y, labels, j, { loss: 'squared' });
    for (let l = j; l < L; l++) {
      const distBound = lambda > 0 ? (residual[l] + gradLambda[l]) / (2 * lambda) : null;
      rows.push({
        layer: l + 1,
        j,
        wcss_j: wcssJ,
        lemma33_residual: residual[l],
        implied_constant: wcssJ > 0 ? (lambda * distK[l]) / wcssJ : null,
        dist_rank: distK[l],
        dist_bound: distBound,
        dist_bound_holds: distBound === null ? null : distK[l] <= distBound * (1 + 1e-9) + 1e-12,
      });
    }
  }
  return rows.sort((a, b) => (a.layer as number) - (b.layer as number) || (a.j as number) - (b.j as number));
}
