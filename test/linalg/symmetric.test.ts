// The upper-triangle symmetric kernels of the tridiagonal reduction (src/linalg/symmetric.ts): the WebAssembly
// path (resident arrays, one and two threads) against the plain loops on full matrices.
import { describe, expect, it } from 'vitest';
import { getThreads, setThreads } from '../../src/linalg/fast.ts';
import { releaseWorkspace, workspace } from '../../src/linalg/level2.ts';
import { packGroups, symvUpper, syr2kUpper } from '../../src/linalg/symmetric.ts';
import { Rng } from '../../src/random/index.ts';

const EPS = Number.EPSILON;

/** A symmetric n x n array whose lower triangle holds garbage (the kernels must not read it). */
function upperOnly(rng: Rng, n: number): { full: Float64Array; upper: Float64Array } {
  const full = new Float64Array(n * n),
    upper = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = i; j < n; j++) {
      const x = rng.normal();
      full[i * n + j] = full[j * n + i] = x;
      upper[i * n + j] = x;
      if (j > i) upper[j * n + i] = 1e300;
    }
  return { full, upper };
}

describe('symmetric kernels on the upper triangle', () => {
  it('symvUpper = A u on blocks of several orders, 1 and 2 threads, resident and not', () => {
    const rng = new Rng('symv-upper');
    const before = getThreads();
    try {
      for (const n of [1, 3, 5, 63, 64, 65, 130, 400, 777, 1100]) {
        // 1100: on two threads (SYMV_PARALLEL_MIN 1024)
        const { full, upper } = upperOnly(rng, n + 3);
        const ld = n + 3,
          at = 3 * ld + 3; // the trailing n x n block
        const u = Float64Array.from(rng.normals(n));
        const want = new Float64Array(n);
        for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) want[i] += full[at + i * ld + j] * u[j];
        const res = workspace(upper.length);
        try {
          res.set(upper);
          const outs = [1, 2].map((t) => {
            setThreads(t);
            const x = new Float64Array(n);
            symvUpper(res, at, ld, n, u, x);
            return x;
          });
          const plain = new Float64Array(n);
          symvUpper(upper, at, ld, n, u, plain);
          expect(Buffer.from(outs[1].buffer).equals(Buffer.from(outs[0].buffer))).toBe(true);
          for (const x of [outs[0], plain]) for (let i = 0; i < n; i++) expect(Math.abs(x[i] - want[i])).toBeLessThanOrEqual(8 * n * EPS * 4);
        } finally {
          releaseWorkspace(res);
        }
      }
    } finally {
      setThreads(before);
    }
  });
  it('syr2kUpper: upper triangle of C - V W^T - W V^T, 1 and 2 threads', () => {
    const rng = new Rng('syr2k-upper');
    const before = getThreads();
    try {
      for (const [n, nb] of [
        [5, 2],
        [70, 32],
        [301, 32],
      ]) {
        const { full, upper } = upperOnly(rng, n);
        const Vt = Float64Array.from(rng.normals(nb * n)),
          Wt = Float64Array.from(rng.normals(nb * n));
        const packLen = ((n + 3) >> 2) * 8 * nb;
        const pp = workspace(packLen),
          qp = workspace(packLen),
          c = workspace(n * n);
        try {
          // Vt, Wt resident for the fast packing; the plain loops into an ordinary array must agree.
          const Vr = workspace(nb * n),
            Wr = workspace(nb * n);
          Vr.set(Vt);
          Wr.set(Wt);
          packGroups(Vr, Wr, n, nb, 0, n, pp);
          packGroups(Wr, Vr, n, nb, 0, n, qp);
          const plainPack = new Float64Array(packLen);
          packGroups(Vt, Wt, n, nb, 0, n, plainPack);
          expect(Array.from(pp)).toEqual(Array.from(plainPack));
          releaseWorkspace(Vr);
          const outs = [1, 2].map((t) => {
            setThreads(t);
            c.set(upper);
            syr2kUpper(c, 0, n, n, pp, qp, 2 * nb);
            return c.slice();
          });
          const plain = upper.slice();
          syr2kUpper(plain, 0, n, n, pp.slice(), qp.slice(), 2 * nb);
          expect(Buffer.from(outs[1].buffer).equals(Buffer.from(outs[0].buffer))).toBe(true);
          for (const x of [outs[0], plain])
            for (let i = 0; i < n; i++)
              for (let j = i; j < n; j++) {
                let want = full[i * n + j];
                for (let k = 0; k < nb; k++) want -= Vt[k * n + i] * Wt[k * n + j] + Wt[k * n + i] * Vt[k * n + j];
                expect(Math.abs(x[i * n + j] - want)).toBeLessThanOrEqual(16 * nb * EPS * 10);
              }
        } finally {
          releaseWorkspace(c);
          releaseWorkspace(qp);
          releaseWorkspace(pp);
        }
      }
    } finally {
      setThreads(before);
    }
  });
});
