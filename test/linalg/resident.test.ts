// Resident matrices (src/linalg/resident.ts): storage in wasm memory that GEMM reads in place, freed at once by
// releaseMatrix so the next large intermediate reuses the same bytes (Deep RFM's N x N matrices, layer after layer).
import { describe, expect, it } from 'vitest';
import { Matrix, gemm, releaseMatrix, residentMatrix } from '../../src/linalg/index.ts';
import { getEngine } from '../../src/linalg/wasm/engine.ts';
import { Rng } from '../../src/random/index.ts';

describe('residentMatrix / releaseMatrix', () => {
  it('lives in wasm memory, starts zeroed, and gives the same product bits as an ordinary matrix', () => {
    const e = getEngine();
    expect(e).toBeDefined();
    const rng = new Rng('resident-gemm');
    const A = residentMatrix(300, 200);
    expect(e!.isResident(A.data)).toBe(true);
    expect(A.data.every((v) => v === 0)).toBe(true);
    A.data.set(rng.normals(300 * 200));
    const B = new Matrix(200, 150, rng.normals(200 * 150));
    const plain = gemm(new Matrix(300, 200, A.data.slice()), B);
    expect(Buffer.compare(Buffer.from(gemm(A, B).data.buffer), Buffer.from(plain.data.buffer))).toBe(0);
    releaseMatrix(A);
  });

  it('released bytes are reused by the next allocation of that size, which is zeroed again', () => {
    const A = residentMatrix(500, 500);
    A.data.fill(7);
    const at = A.data.byteOffset;
    releaseMatrix(A);
    const B = residentMatrix(500, 500);
    expect(B.data.byteOffset).toBe(at);
    expect(B.data.every((v) => v === 0)).toBe(true);
    releaseMatrix(B);
  });

  it('releaseMatrix ignores ordinary matrices and undefined', () => {
    const M = new Matrix(3, 3, new Float64Array(9).fill(1));
    releaseMatrix(M);
    releaseMatrix(undefined);
    expect(M.data.every((v) => v === 1)).toBe(true);
  });
});
