// Plane rotations recorded by the bidiagonal QR iteration (src/linalg/svd.ts) and applied afterwards to
// its n x n factors (DESIGN.md, "src/linalg/"). Applying them all at the end, one block of rows at a time,
// keeps the block in cache while the log streams past it once; each element sees the same arithmetic as if
// every sweep were applied at once. With the fast path on, the factor is transposed into wasm memory and the
// WebAssembly kernel (src/linalg/wasm/assembly/level2.ts) applies the log, split across threads by rows of
// the factor (bit-identical for any thread count: rows are independent).
import { level2Backend, releaseWorkspace, workspace } from './level2.ts';

/** Rows of the factor per block in the TypeScript path (measured: 64 was best at n = 1000). */
const ROW_BLOCK = 64;

/**
 * The log: op records [kind, a, b, cs, js] (5 numbers each). kind 0, chain: rotations i = a..b-1 of
 * columns (i, i+1); kind 1, fan: columns js[t] (t < b, from index js) each against column a. The
 * (c, s) pairs are interleaved in `cs` from index 2 * cs.
 */
export class RotationLog {
  private readonly ops: number[] = [];
  private readonly cs: number[] = [];
  private readonly js: number[] = [];

  /** Chain on columns lo..hi: rotation i (lo <= i < hi) uses c[i], s[i]. */
  chain(lo: number, hi: number, c: Float64Array, s: Float64Array): void {
    this.ops.push(0, lo, hi, this.cs.length >> 1, 0);
    for (let i = lo; i < hi; i++) this.cs.push(c[i], s[i]);
  }

  /** Fan: columns js[t] rotated, in order, against the fixed column f. */
  fan(f: number, js: number[], c: number[], s: number[]): void {
    this.ops.push(1, f, js.length, this.cs.length >> 1, this.js.length);
    for (let t = 0; t < js.length; t++) {
      this.cs.push(c[t], s[t]);
      this.js.push(js[t]);
    }
  }

  /** Apply every recorded rotation, in order, to the columns of Z (rows x n, row-major). */
  apply(Z: Float64Array, rows: number, n: number): void {
    if (this.ops.length === 0 || rows === 0) return;
    const b = level2Backend();
    if (b && this.applyFast(Z, rows, n)) return;
    const cs = Float64Array.from(this.cs),
      js = Int32Array.from(this.js),
      ops = this.ops;
    for (let r0 = 0; r0 < rows; r0 += ROW_BLOCK) {
      const r1 = Math.min(r0 + ROW_BLOCK, rows);
      for (let k = 0; k < ops.length; k += 5) {
        if (ops[k] === 0) applyChain(Z, r0, r1, n, ops[k + 1], ops[k + 2], cs, 2 * ops[k + 3]);
        else applyFan(Z, r0, r1, n, ops[k + 1], ops[k + 2], js, ops[k + 4], cs, 2 * ops[k + 3]);
      }
    }
  }

  /** The WebAssembly path: Z^T into wasm memory, the kernel, back; false when it declines. */
  private applyFast(Z: Float64Array, rows: number, n: number): boolean {
    const b = level2Backend()!;
    const zt = workspace(n * rows);
    try {
      if (!b.isResident(zt)) return false;
      for (let r = 0; r < rows; r++) for (let j = 0; j < n; j++) zt[j * rows + r] = Z[r * n + j];
      if (!b.rotations(zt, rows, Int32Array.from(this.ops), Float64Array.from(this.cs), Int32Array.from(this.js))) return false;
      for (let r = 0; r < rows; r++) for (let j = 0; j < n; j++) Z[r * n + j] = zt[j * rows + r];
      return true;
    } finally {
      releaseWorkspace(zt);
    }
  }
}

/**
 * Rows r0..r1-1 of Z (n columns), columns lo..hi rotated in sequence i = lo..hi-1:
 * col_i := c col_i + s col_{i+1}, col_{i+1} := -s col_i + c col_{i+1}; (c, s) pairs from cs[p].
 * Four rows interleave to hide the latency of the serial dependency along a row.
 */
function applyChain(Z: Float64Array, r0: number, r1: number, n: number, lo: number, hi: number, cs: Float64Array, p: number): void {
  const w = hi - lo;
  let k = r0;
  for (; k + 3 < r1; k += 4) {
    const o0 = k * n + lo,
      o1 = o0 + n,
      o2 = o1 + n,
      o3 = o2 + n;
    let x0 = Z[o0],
      x1 = Z[o1],
      x2 = Z[o2],
      x3 = Z[o3];
    for (let i = 0; i < w; i++) {
      const ci = cs[p + 2 * i],
        si = cs[p + 2 * i + 1];
      const y0 = Z[o0 + i + 1],
        y1 = Z[o1 + i + 1],
        y2 = Z[o2 + i + 1],
        y3 = Z[o3 + i + 1];
      Z[o0 + i] = ci * x0 + si * y0;
      x0 = ci * y0 - si * x0;
      Z[o1 + i] = ci * x1 + si * y1;
      x1 = ci * y1 - si * x1;
      Z[o2 + i] = ci * x2 + si * y2;
      x2 = ci * y2 - si * x2;
      Z[o3 + i] = ci * x3 + si * y3;
      x3 = ci * y3 - si * x3;
    }
    Z[o0 + w] = x0;
    Z[o1 + w] = x1;
    Z[o2 + w] = x2;
    Z[o3 + w] = x3;
  }
  for (; k < r1; k++) {
    const o = k * n + lo;
    let cur = Z[o];
    for (let i = 0; i < w; i++) {
      const nx = Z[o + i + 1],
        ci = cs[p + 2 * i],
        si = cs[p + 2 * i + 1];
      Z[o + i] = ci * cur + si * nx;
      cur = ci * nx - si * cur;
    }
    Z[o + w] = cur;
  }
}

/**
 * Rows r0..r1-1 of Z: columns js[q..q+count-1] rotated against one fixed column f, in order:
 * col_j := c col_j + s col_f, col_f := -s col_j + c col_f; (c, s) pairs from cs[p].
 */
function applyFan(
  Z: Float64Array,
  r0: number,
  r1: number,
  n: number,
  f: number,
  count: number,
  js: Int32Array,
  q: number,
  cs: Float64Array,
  p: number,
): void {
  for (let k = r0; k < r1; k++) {
    const o = k * n;
    let cf = Z[o + f];
    for (let t = 0; t < count; t++) {
      const j = o + js[q + t],
        c = cs[p + 2 * t],
        s = cs[p + 2 * t + 1];
      const cj = Z[j];
      Z[j] = c * cj + s * cf;
      cf = c * cf - s * cj;
    }
    Z[o + f] = cf;
  }
}
