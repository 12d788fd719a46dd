// The MLP layers' elementwise kernels (src/linalg/layers.ts): the WebAssembly SIMD kernels on resident
// buffers against the TypeScript loops they replace, and the same bits for any thread count.
import { afterEach, describe, expect, it } from 'vitest';
import {
  type LayerActivation,
  activationBackward,
  activationBackwardF32,
  activationBackwardReference,
  biasActivation,
  allFiniteF32,
  biasActivationF32,
  biasActivationReference,
  getThreads,
  releaseResident,
  residentF32,
  residentF64,
  setThreads,
  sgdStepF32,
  sgdStepF32Reference,
  squaredLoss,
  squaredLossReference,
} from '../../src/linalg/index.ts';
import { getEngine } from '../../src/linalg/wasm/engine.ts';
import { Matrix, gemm } from '../../src/linalg/index.ts';
import { Rng } from '../../src/random/index.ts';

const threads0 = getThreads();
afterEach(() => {
  setThreads(threads0);
});

/** Inputs that reach every branch: around 0 and the 0.4 switch of the tanh polynomial, large, signed zeros, NaN, infinities. */
function inputs(n: number, seed: string): Float64Array {
  const rng = new Rng(seed);
  const x = rng.normals(n);
  for (let i = 0; i < n; i++) {
    const kind = i % 7;
    if (kind === 1) x[i] *= 1e-3;
    else if (kind === 2) x[i] = 0.4 + 1e-3 * x[i];
    else if (kind === 3) x[i] *= 12;
    else if (kind === 4) x[i] = 1e-12 * x[i];
  }
  const special = [0, -0, NaN, Infinity, -Infinity, 19.5, -40, 0.4, -0.4, 0.39999999999999997, 1e-300, 800];
  special.forEach((v, i) => {
    if (i < n) x[i * 3] = v;
  });
  return x;
}

function resident64(values: Float64Array): Float64Array {
  const r = residentF64(values.length);
  r.set(values);
  return r;
}
function resident32(values: ArrayLike<number>): Float32Array {
  const r = residentF32(values.length);
  r.set(values);
  return r;
}

/** Largest |a - b| / |b| over entries (NaN only where the reference has NaN; equal infinities and zeros count 0). */
function maxRelative(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let e = 0;
  for (let i = 0; i < b.length; i++) {
    if (Number.isNaN(b[i])) {
      if (!Number.isNaN(a[i])) return Infinity;
      continue;
    }
    if (a[i] === b[i]) {
      if (Object.is(a[i], b[i])) continue;
      return Infinity;
    } // signed zeros must agree
    e = Math.max(e, Math.abs(a[i] - b[i]) / Math.abs(b[i]));
  }
  return e;
}
function sameBits(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  for (let i = 0; i < b.length; i++) if (!Object.is(a[i], b[i])) return false;
  return a.length === b.length;
}

const ACTS: LayerActivation[] = ['identity', 'tanh', 'relu'];

describe('layer kernels', () => {
  it('resident buffers live in wasm memory and are reused after release', () => {
    const e = getEngine();
    expect(e).toBeDefined();
    const a = residentF64(1000);
    expect(e!.isResident(a)).toBe(true);
    const at = a.byteOffset;
    releaseResident(a);
    const b = residentF32(2000);
    expect(e!.isResident(b)).toBe(true);
    expect(b.byteOffset).toBe(at);
    releaseResident(b);
  });

  // 301 x 7 (odd width: scalar tails), 41 x 64, 260 x 130, 1030 x 259 (above the threads' threshold).
  for (const [n, d] of [
    [301, 7],
    [41, 64],
    [260, 130],
    [1030, 259],
  ] as const) {
    for (const act of ACTS) {
      it(`float64 bias + ${act} on ${n} x ${d}: ${act === 'tanh' ? 'within 4.5e-16 relative of Math.tanh' : 'the reference bits'}, same bits on 1 and 2 threads`, () => {
        const x = inputs(n * d, `x${n}${act}`),
          b = new Rng(`b${d}`).normals(d);
        const xr = resident64(x),
          out = residentF64(n * d);
        const ref = new Float64Array(n * d);
        biasActivationReference(act, n, d, x, b, ref, false); // x += b, ref = act(x)
        setThreads(1);
        biasActivation(act, n, d, xr, b, out);
        expect(sameBits(xr, x)).toBe(true); // the linear map keeps its bias
        const one = out.slice();
        setThreads(2);
        biasActivation(act, n, d, xr, null, out);
        expect(sameBits(out, one)).toBe(true);
        if (act === 'tanh') expect(maxRelative(out, ref)).toBeLessThanOrEqual(4.5e-16);
        else expect(sameBits(out, ref)).toBe(true);
        biasActivation(act, n, d, xr, null, xr); // in place
        expect(sameBits(xr, out)).toBe(true);
        releaseResident(out);
        releaseResident(xr);
      });

      it(`float32 bias + ${act} on ${n} x ${d}: ${act === 'tanh' ? 'within 2^-21 relative of the rounded Math.tanh' : 'the reference bits'}, same bits on 1 and 2 threads`, () => {
        const x = Float32Array.from(inputs(n * d, `x32${n}${act}`)),
          b = Float32Array.from(new Rng(`b32${d}`).normals(d));
        const xr = resident32(x),
          xr2 = resident32(x),
          br = resident32(b),
          out = residentF32(n * d);
        const ref = new Float32Array(n * d);
        biasActivationReference(act, n, d, x, b, ref, true);
        setThreads(1);
        biasActivationF32(act, n, d, xr, b, out);
        expect(sameBits(xr, x)).toBe(true);
        const one = out.slice();
        setThreads(2);
        biasActivationF32(act, n, d, xr2, br, out);
        expect(sameBits(xr2, x)).toBe(true);
        expect(sameBits(out, one)).toBe(true);
        if (act === 'tanh') expect(maxRelative(out, ref)).toBeLessThanOrEqual(2 ** -21);
        else expect(sameBits(out, ref)).toBe(true);
        releaseResident(out);
        releaseResident(br);
        releaseResident(xr2);
        releaseResident(xr);
      });

      for (const single of [false, true]) {
        it(`${single ? 'float32' : 'float64'} ${act} derivative and bias gradient on ${n} x ${d}: the reference bits on 1 and 2 threads`, () => {
          const rng = new Rng(`g${n}${d}${act}${single}`);
          const pre = inputs(n * d, `p${n}`),
            delta = rng.normals(n * d);
          const out = pre.map((v) => (act === 'tanh' ? Math.tanh(v) : act === 'relu' ? Math.max(v, 0) : v));
          const mk = (v: Float64Array) => (single ? resident32(v) : resident64(v));
          const P = mk(pre),
            O = mk(out);
          const refDelta = single ? Float32Array.from(delta) : delta.slice(),
            refGb = new Float64Array(d);
          activationBackwardReference(
            act,
            n,
            d,
            single ? Float32Array.from(pre) : pre,
            single ? Float32Array.from(out) : out,
            refDelta,
            refGb,
            single,
          );
          for (const t of [1, 2]) {
            setThreads(t);
            const D = mk(delta),
              gb = new Float64Array(d).fill(7);
            if (single) activationBackwardF32(act, n, d, P as Float32Array, O as Float32Array, D as Float32Array, gb);
            else activationBackward(act, n, d, P as Float64Array, O as Float64Array, D as Float64Array, gb);
            expect(sameBits(D, refDelta)).toBe(true);
            expect(sameBits(gb, refGb)).toBe(true);
            releaseResident(D);
          }
          releaseResident(O);
          releaseResident(P);
        });
      }
    }
  }

  it('tanh of ±0.4 ± 1 ulp, tiny and huge arguments follows Math.tanh to 4.5e-16 (float64)', () => {
    const vals = Float64Array.from([0.4, -0.4, 0.39999999999999997, 0.4000000000000001, 5e-324, -1e-200, 1e-8, 3, 18.9, 19.1, 20, 25, 700, 1e308]);
    const x = resident64(vals),
      out = residentF64(vals.length);
    biasActivation('tanh', 1, vals.length, x, null, out);
    expect(maxRelative(out, vals.map(Math.tanh))).toBeLessThanOrEqual(4.5e-16);
    releaseResident(out);
    releaseResident(x);
  });

  for (const n of [1001, 300001]) {
    it(`float32 SGD step on ${n} parameters: the reference bits (first step, momentum, Nesterov, weight decay) on 1 and 2 threads`, () => {
      const rng = new Rng(`sgd${n}`);
      const p0 = Float32Array.from(rng.normals(n)),
        g0 = Float32Array.from(rng.normals(n)),
        v0 = Float32Array.from(rng.normals(n));
      for (const [first, nesterov, lam2] of [
        [true, false, 0],
        [false, false, 2e-3],
        [false, true, 0],
        [false, true, 1e-2],
      ] as const) {
        const p = p0.slice(),
          v = v0.slice();
        sgdStepF32Reference(p, g0, v, 0.05, 0.9, lam2, first, nesterov);
        for (const t of [1, 2]) {
          setThreads(t);
          const P = resident32(p0),
            G = resident32(g0),
            V = resident32(v0);
          sgdStepF32(P, G, V, 0.05, 0.9, lam2, first, nesterov);
          expect(sameBits(P, p)).toBe(true);
          expect(sameBits(V, v)).toBe(true);
          releaseResident(V);
          releaseResident(G);
          releaseResident(P);
        }
      }
    });
  }

  for (const [n, c] of [
    [37, 11],
    [600, 785],
  ] as const) {
    it(`squared loss and its gradient on ${n} x ${c}: the reference bits in float64 and float32, on 1 and 2 threads`, () => {
      const rng = new Rng(`sq${n}`);
      const y = rng.normals(n * c),
        o = rng.normals(n * c);
      o[3] = NaN; // a NaN output gives a NaN loss and NaN gradient entries, as in the loop
      const w = rng.uniforms(n);
      for (const single of [false, true]) {
        const out = single ? Float32Array.from(o) : Float64Array.from(o);
        const ref = single ? new Float32Array(n * c) : new Float64Array(n * c);
        const oNoNaN = out.slice();
        oNoNaN[3] = 0;
        const total = squaredLossReference(n, c, out, y, w, ref);
        expect(total).toBeNaN();
        const finite = squaredLossReference(n, c, oNoNaN, y, w, null);
        // closed form: sum_i w_i ||o_i - y_i||^2 with the row sums in any order, to rounding
        let direct = 0;
        for (let i = 0; i < n; i++) for (let j = 0; j < c; j++) direct += w[i] * (oNoNaN[i * c + j] - y[i * c + j]) ** 2;
        expect(Math.abs(finite - direct)).toBeLessThan(1e-12 * Math.abs(direct));
        expect(ref[5]).toBe(single ? Math.fround(2 * w[0] * (out[5] - y[5])) : 2 * w[0] * (out[5] - y[5]));
        for (const t of [1, 2]) {
          setThreads(t);
          const O = single ? resident32(oNoNaN) : resident64(Float64Array.from(oNoNaN)),
            Y = resident64(y),
            D = single ? residentF32(n * c) : residentF64(n * c);
          const refD = single ? new Float32Array(n * c) : new Float64Array(n * c);
          const refTotal = squaredLossReference(n, c, oNoNaN, y, w, refD);
          const sums = new Float64Array(n);
          expect(getEngine()!.squaredLossRows(single ? 1 : 0, n, c, O, Y, w, D, sums)).toBe(true); // the kernel runs
          D.fill(0);
          expect(Object.is(squaredLoss(n, c, O, Y, w, D), refTotal)).toBe(true);
          expect(sameBits(D, refD)).toBe(true);
          expect(Object.is(squaredLoss(n, c, O, Y, w, null), refTotal)).toBe(true);
          O[3] = NaN;
          expect(squaredLoss(n, c, O, Y, w, D)).toBeNaN();
          expect(sameBits(D, ref)).toBe(true);
          for (const x of [D, Y, O]) releaseResident(x);
        }
      }
    });
  }

  it('allFiniteF32 finds a NaN or an infinity anywhere (SIMD body and tail)', () => {
    const x = residentF32(1003);
    expect(allFiniteF32(x)).toBe(true);
    for (const [i, bad] of [
      [0, NaN],
      [500, Infinity],
      [1002, -Infinity],
      [1001, NaN],
    ] as const) {
      x[i] = bad;
      expect(allFiniteF32(x)).toBe(false);
      expect(allFiniteF32(Float32Array.from(x))).toBe(false);
      x[i] = 3.4e38;
      expect(allFiniteF32(x)).toBe(true);
    }
    releaseResident(x);
  });
});

describe('GEMM on resident operands', () => {
  it('computes in place on resident buffers and copies when C overlaps an operand (same result as plain arrays)', () => {
    const rng = new Rng('resident-gemm');
    const m = 37,
      k = 29,
      n = 41;
    const a = rng.normals(m * k),
      b = rng.normals(k * n);
    const ref = gemm(new Matrix(m, k, a.slice()), new Matrix(k, n, b.slice()));
    const A = resident64(a),
      B = resident64(b),
      C = residentF64(m * n);
    gemm(new Matrix(m, k, A), new Matrix(k, n, B), { C: new Matrix(m, n, C) });
    expect(sameBits(C, ref.data)).toBe(true);
    // C = A A^T written over A's own storage: the engine must not compute in place
    const S = resident64(rng.normals(20 * 20));
    const expectSq = gemm(new Matrix(20, 20, S.slice()), new Matrix(20, 20, S.slice()), { transB: true });
    const big = residentF64(1 << 22); // grows the memory: S is now a view of an older buffer object
    const fresh = residentF64(1); // a view on the grown memory's buffer object
    gemm(new Matrix(20, 20, S), new Matrix(20, 20, S.slice()), {
      transB: true,
      C: new Matrix(20, 20, new Float64Array(fresh.buffer, S.byteOffset, 400)),
    });
    expect(sameBits(S, expectSq.data)).toBe(true);
    for (const x of [fresh, big, S, C, B, A]) releaseResident(x);
  });
});
