// Closed forms of the AGOP paper (Beaglehole et al.) used as checks.

/**
 * Prop. A.1 (Eq. 5): for unit x, y with x'y = r and W in R^{D x d} with i.i.d. N(0, 2/D) entries,
 * E[relu(Wx)' relu(Wy)] = (1-r^2)^{3/2}/pi + r^2 sqrt(1-r^2)/pi + r/2 + (r/pi) arctan(r / sqrt(1-r^2)).
 * (The first two terms sum to sqrt(1-r^2)/pi; this is the degree-1 arc-cosine kernel
 * (sqrt(1-r^2) + (pi - arccos r) r) / pi.) Independent of D; equals 1 at r = 1 and 0 at r = -1.
 */
export function reluFeatureInnerProduct(r: number): number {
  if (!(r >= -1 - 1e-12 && r <= 1 + 1e-12)) throw new RangeError(`reluFeatureInnerProduct: r must lie in [-1, 1], got ${r}`);
  const rc = Math.min(1, Math.max(-1, r));
  const s = Math.sqrt(1 - rc * rc);
  // arctan(r / sqrt(1 - r^2)) = arcsin(r), finite at r = +-1.
  return (s * s * s) / Math.PI + (rc * rc * s) / Math.PI + rc / 2 + (rc / Math.PI) * Math.asin(rc);
}
