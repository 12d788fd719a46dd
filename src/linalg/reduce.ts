// Accurate reductions (sums, sums of squares, column sums) for the metrics.
// Pairwise summation has error O(eps log n) instead of the O(eps n) worst case / O(eps sqrt n) typical
// of a running sum (Higham, "Accuracy and Stability of Numerical Algorithms", Sec. 4.2); blocks of
// BLOCK entries are summed directly, which keeps the speed of a plain loop. Neumaier's variant of
// Kahan summation (Higham Sec. 4.3) serves streaming accumulators whose terms arrive one at a time.

const BLOCK = 128;

/** sum_{i in [start, end)} a_i by pairwise summation. */
export function pairwiseSum(a: ArrayLike<number>, start = 0, end = a.length): number {
  const n = end - start;
  if (n <= BLOCK) {
    let s = 0;
    for (let i = start; i < end; i++) s += a[i];
    return s;
  }
  const mid = start + Math.floor(n / 2);
  return pairwiseSum(a, start, mid) + pairwiseSum(a, mid, end);
}

/** sum_{i in [start, end)} a_i^2 by pairwise summation. */
export function pairwiseSumSquares(a: ArrayLike<number>, start = 0, end = a.length): number {
  const n = end - start;
  if (n <= BLOCK) {
    let s = 0;
    for (let i = start; i < end; i++) s += a[i] * a[i];
    return s;
  }
  const mid = start + Math.floor(n / 2);
  return pairwiseSumSquares(a, start, mid) + pairwiseSumSquares(a, mid, end);
}

/**
 * Compensated running sums of several lanes at once (Neumaier's improved Kahan-Babuska sum): adding
 * n terms has error about eps |sum| + O(n eps^2) sum |terms|, independent of the order.
 */
export class CompensatedSums {
  readonly sum: Float64Array;
  readonly comp: Float64Array;
  constructor(readonly length: number) {
    this.sum = new Float64Array(length);
    this.comp = new Float64Array(length);
  }

  /** Add x to lane i. */
  add(i: number, x: number): void {
    const s = this.sum[i];
    const t = s + x;
    this.comp[i] += Math.abs(s) >= Math.abs(x) ? s - t + x : x - t + s;
    this.sum[i] = t;
  }

  /** Add the vector v (length n) to lanes offset..offset+n-1, optionally scaled. */
  addVector(v: ArrayLike<number>, offset = 0, scale = 1): void {
    const S = this.sum;
    const C = this.comp;
    for (let j = 0; j < v.length; j++) {
      const x = scale === 1 ? v[j] : scale * v[j];
      const s = S[offset + j];
      const t = s + x;
      C[offset + j] += Math.abs(s) >= Math.abs(x) ? s - t + x : x - t + s;
      S[offset + j] = t;
    }
  }

  /** The compensated value of lane i. */
  value(i: number): number {
    return this.sum[i] + this.comp[i];
  }

  /** All lanes' compensated values. */
  values(): Float64Array {
    const out = new Float64Array(this.length);
    for (let i = 0; i < this.length; i++) out[i] = this.sum[i] + this.comp[i];
    return out;
  }
}
