// Neural Feature Ansatz correlation (AGOP paper, Sec. 5 / App. D Fig. 10): Pearson correlation of the
// entries of two equally shaped matrices, each minus its own mean entry (e.g. W_l^T W_l and AGOP^{1/2}).
import { Matrix, assertSameShape } from '../linalg/index.ts';

/** corr(A, B) = <A - mean(A), B - mean(B)> / (||A - mean(A)||_F ||B - mean(B)||_F); NaN if either is constant. */
export function nfaCorrelation(A: Matrix, B: Matrix): number {
  assertSameShape(A, B, 'nfaCorrelation');
  const n = A.data.length;
  if (n === 0) return NaN;
  let ma = 0;
  let mb = 0;
  for (let i = 0; i < n; i++) {
    ma += A.data[i];
    mb += B.data[i];
  }
  ma /= n;
  mb /= n;
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < n; i++) {
    const a = A.data[i] - ma;
    const b = B.data[i] - mb;
    ab += a * b;
    aa += a * a;
    bb += b * b;
  }
  if (aa === 0 || bb === 0) return NaN;
  return ab / Math.sqrt(aa * bb);
}
