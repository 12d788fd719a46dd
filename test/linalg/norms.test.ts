import { describe, expect, it } from 'vitest';
import { Matrix, frobeniusNorm, spectralNorm, nuclearNorm } from '../../src/linalg/index.ts';
import { Rng } from '../../src/random/index.ts';
import { fromSVD, randomOrthonormal } from './util.ts';

describe('norms', () => {
  it('Frobenius norm in closed form, also where the plain sum of squares would overflow or underflow', () => {
    expect(
      frobeniusNorm(
        Matrix.fromRows([
          [3, 4],
          [0, 12],
        ]),
      ),
    ).toBe(13);
    expect(frobeniusNorm(Matrix.fromRows([[3e200, 4e200]]))).toBeCloseTo(5e200, -186);
    expect(frobeniusNorm(Matrix.fromRows([[3e-200, 4e-200]])) / 5e-200).toBeCloseTo(1, 14);
    expect(frobeniusNorm(new Matrix(0, 5))).toBe(0);
  });
  it('orthogonal matrix: spectral norm 1, nuclear norm n, Frobenius sqrt(n)', () => {
    const Q = randomOrthonormal(new Rng('norm-orth'), 12, 12);
    expect(Math.abs(spectralNorm(Q) - 1)).toBeLessThan(1e-14);
    expect(Math.abs(nuclearNorm(Q) - 12)).toBeLessThan(1e-13);
    expect(Math.abs(frobeniusNorm(Q) - Math.sqrt(12))).toBeLessThan(1e-14);
  });
  it('U diag(s) V^T: spectral = max s, nuclear = sum s, Frobenius = ||s||_2 (tall and wide)', () => {
    const rng = new Rng('norm-svd');
    const s = [4, 2.5, 1, 1e-3, 0];
    const A = fromSVD(randomOrthonormal(rng, 9, 5), s, randomOrthonormal(rng, 7, 5));
    for (const M of [
      A,
      new Matrix(
        7,
        9,
        (() => {
          const t = new Float64Array(63);
          for (let i = 0; i < 9; i++) for (let j = 0; j < 7; j++) t[j * 9 + i] = A.data[i * 7 + j];
          return t;
        })(),
      ),
    ]) {
      expect(Math.abs(spectralNorm(M) - 4)).toBeLessThan(1e-14 * 4);
      expect(Math.abs(nuclearNorm(M) - 7.501)).toBeLessThan(1e-13);
      expect(Math.abs(frobeniusNorm(M) - Math.hypot(...s))).toBeLessThan(1e-14 * 5);
    }
  });
  it('vectors, scalars, empty and huge entries', () => {
    expect(spectralNorm(Matrix.fromRows([[3, 4]]))).toBe(5);
    expect(spectralNorm(Matrix.column([3, 4]))).toBe(5);
    expect(spectralNorm(Matrix.fromRows([[-2]]))).toBe(2);
    expect(spectralNorm(new Matrix(0, 0))).toBe(0);
    expect(nuclearNorm(new Matrix(0, 3))).toBe(0);
    expect(spectralNorm(Matrix.diag([1e200, 3e200])) / 3e200).toBeCloseTo(1, 14);
    expect(spectralNorm(Matrix.diag([1e-200, 3e-200])) / 3e-200).toBeCloseTo(1, 14);
  });
});
