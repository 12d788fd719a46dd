// Seeded random streams: every random draw of a run descends from its --seed (DESIGN.md, "src/random/").
import seedrandom from 'seedrandom';

/** Position of a stream: Alea's registers (c, s0, s1, s2) and the spare normal of Box-Muller. */
export interface RngState {
  alea: { c: number; s0: number; s1: number; s2: number };
  spareNormal: number | null;
}

/**
 * A reproducible stream. `child(key)` derives an independent stream from (this stream's seed, key)
 * without consuming draws from this one, so adding a draw in one place never shifts another.
 */
export class Rng {
  readonly seed: string;
  private prng: (() => number) & { state(): RngState['alea'] };
  private spareNormal: number | undefined;

  constructor(seed: string | number, state?: RngState) {
    this.seed = String(seed);
    this.prng = seedrandom.alea(this.seed, { state: state?.alea ?? true }) as unknown as Rng['prng'];
    if (state) this.spareNormal = state.spareNormal ?? undefined;
  }

  /** The stream's position (Alea's internal state and a pending Box-Muller value), for checkpoints. */
  exportState(): RngState {
    return { alea: this.prng.state(), spareNormal: this.spareNormal ?? null };
  }

  /** Move this stream to a position exportState returned (of a stream with the same seed). */
  restore(state: RngState): void {
    this.prng = seedrandom.alea(this.seed, { state: state.alea }) as unknown as Rng['prng'];
    this.spareNormal = state.spareNormal ?? undefined;
  }

  /** The stream `exportState` described: continues with exactly the draws the exported one would have made. */
  static fromState(seed: string, state: RngState): Rng {
    return new Rng(seed, state);
  }

  /** Independent child stream keyed by (seed, key). */
  child(key: string | number): Rng {
    return new Rng(`${this.seed}/${key}`);
  }

  /** Uniform on [0, 1). */
  uniform(): number {
    return this.prng();
  }

  /** Uniform on [lo, hi). */
  uniformIn(lo: number, hi: number): number {
    return lo + (hi - lo) * this.prng();
  }

  /** Integer uniform on {0, ..., n-1}. */
  int(n: number): number {
    return Math.floor(this.prng() * n);
  }

  /** Standard normal (Box-Muller, both values used). */
  normal(): number {
    if (this.spareNormal !== undefined) {
      const v = this.spareNormal;
      this.spareNormal = undefined;
      return v;
    }
    let u = 0;
    while (u === 0) u = this.prng();
    const v = this.prng();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spareNormal = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  /** n standard normals, optionally scaled: mean + std * N(0, 1). */
  normals(n: number, std = 1, mean = 0): Float64Array {
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) out[i] = mean + std * this.normal();
    return out;
  }

  /** n uniforms on [lo, hi). */
  uniforms(n: number, lo = 0, hi = 1): Float64Array {
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) out[i] = lo + (hi - lo) * this.prng();
    return out;
  }

  /** Standard Cauchy draw. */
  cauchy(): number {
    return Math.tan(Math.PI * (this.prng() - 0.5));
  }

  /** In-place Fisher-Yates shuffle. */
  shuffle<T>(arr: T[] | Int32Array | Float64Array): typeof arr {
    for (let i = arr.length - 1; i > 0; i--) {
      const j = Math.floor(this.prng() * (i + 1));
      const t = arr[i];
      arr[i] = arr[j];
      arr[j] = t as never;
    }
    return arr;
  }

  /** A random permutation of 0..n-1. */
  permutation(n: number): Int32Array {
    const p = new Int32Array(n);
    for (let i = 0; i < n; i++) p[i] = i;
    this.shuffle(p);
    return p;
  }
}

/**
 * Seed of one grid cell: a stable function of the user's seed and the cell's parameter values
 * (not its index), so a cell re-run alone draws the same numbers as inside the grid.
 */
export function cellSeed(seed: number, cellKey: string): string {
  return `${seed}|${cellKey}`;
}
