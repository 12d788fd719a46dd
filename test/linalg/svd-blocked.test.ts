// The blocked bidiagonal reduction (panels of 32 with GEMM trailing updates, bidiagonalizePanel in svd.ts) and
// the row-blocked rotation replay, against the unblocked reference kept in reference-svd.ts.
import { describe, expect, it } from 'vitest';
import { Matrix, singularValues, svd } from '../../src/linalg/index.ts';
import { Rng } from '../../src/random/index.ts';
import { singularValuesReference, svdReference } from './reference-svd.ts';
import { fromSVD, gaussian, orthError, randomOrthonormal, relErr } from './util.ts';

function withCondition(rng: Rng, m: number, n: number, cond: number): { A: Matrix; s: Float64Array } {
  const r = Math.min(m, n);
  const s = Float64Array.from({ length: r }, (_, i) => 2 * Math.pow(cond, -i / (r - 1)));
  const A = fromSVD(randomOrthonormal(rng, m, r), s, randomOrthonormal(rng, n, r));
  return { A, s };
}

describe('blocked SVD against the unblocked reference', () => {
  for (const [m, n, cond] of [
    [260, 260, 1e12],
    [230, 200, 1e12],
    [200, 330, 1e12],
    [300, 200, 1e6],
    [161, 129, 1e12],
  ] as const) {
    it(`${m} x ${n}, condition ${cond}: values within 1e-12 s_max, thin SVD reconstructs, factors orthonormal`, () => {
      const { A, s } = withCondition(new Rng(`blocked-${m}-${n}`), m, n, cond);
      const ref = singularValuesReference(A);
      const v = singularValues(A);
      const d = svd(A);
      for (let i = 0; i < s.length; i++) {
        expect(Math.abs(v[i] - ref[i])).toBeLessThan(1e-12 * ref[0]);
        expect(Math.abs(d.S[i] - ref[i])).toBeLessThan(1e-12 * ref[0]);
        expect(Math.abs(v[i] - s[i])).toBeLessThan(1e-12 * s[0]);
      }
      expect(relErr(fromSVD(d.U, d.S, d.V), A)).toBeLessThan(1e-13);
      expect(orthError(d.U)).toBeLessThan(1e-12);
      expect(orthError(d.V)).toBeLessThan(1e-12);
    });
  }

  it('random 300 x 200 (Gaussian): same spectrum as the reference to 1e-13 relative, reconstruction < 1e-12', () => {
    const A = gaussian(new Rng('blocked-gauss'), 300, 200);
    const d = svd(A),
      r = svdReference(A);
    for (let i = 0; i < 200; i++) expect(Math.abs(d.S[i] - r.S[i])).toBeLessThan(1e-13 * r.S[0]);
    expect(relErr(fromSVD(d.U, d.S, d.V), A)).toBeLessThan(1e-12);
    expect(orthError(d.U)).toBeLessThan(1e-12);
    expect(orthError(d.V)).toBeLessThan(1e-12);
  });

  it('rank-deficient 250 x 220 (rank 40): trailing values below 1e-13 s_max, factors orthonormal', () => {
    const rng = new Rng('blocked-rankdef');
    const A = new Matrix(250, 220);
    const B = fromSVD(
      randomOrthonormal(rng, 250, 40),
      Float64Array.from({ length: 40 }, (_, i) => 1 + i),
      randomOrthonormal(rng, 220, 40),
    );
    A.data.set(B.data);
    const d = svd(A);
    expect(d.S[39]).toBeGreaterThan(0.5);
    for (let i = 40; i < 220; i++) expect(d.S[i]).toBeLessThan(1e-13 * d.S[0]);
    expect(relErr(fromSVD(d.U, d.S, d.V), A)).toBeLessThan(1e-13);
    expect(orthError(d.U)).toBeLessThan(1e-12);
    expect(orthError(d.V)).toBeLessThan(1e-12);
  });
});
