// writeDouble must give exactly the bytes of String(x), on about four million doubles of every kind.
import { describe, expect, it } from 'vitest';
import { formatDouble, formatDoubleCompiled, powerOfTenEntry, writeDouble } from '../../src/io/format-double.ts';

const bits = new BigUint64Array(1);
const value = new Float64Array(bits.buffer);
const fromBits = (b: bigint) => {
  bits[0] = b;
  return value[0];
};
const toBits = (x: number) => {
  value[0] = x;
  return bits[0];
};
/** x and its `k` neighbours on each side (by bit pattern, positive x; the neighbours of 0 are subnormals). */
function around(x: number, k: number): number[] {
  const b = toBits(x);
  const out: number[] = [];
  for (let i = -k; i <= k; i++) if (b + BigInt(i) >= 0n && b + BigInt(i) < 0x7ff0000000000000n) out.push(fromBits(b + BigInt(i)));
  return out;
}

/** A seeded 64-bit generator (xorshift64*), so that a failure can be replayed. */
function generator(seed: bigint): () => bigint {
  let s = seed;
  return () => {
    s ^= s >> 12n;
    s ^= (s << 25n) & 0xffffffffffffffffn;
    s ^= s >> 27n;
    return (s * 0x2545f4914f6cdd1dn) & 0xffffffffffffffffn;
  };
}

/** The numbers (and their negatives) whose written bytes differ from String(x), at most 5 of them. */
function mismatches(xs: number[]): string[] {
  const all = xs.concat(xs.map((x) => -x));
  const out = Buffer.alloc(26 * all.length);
  let o = 0;
  for (const x of all) {
    o = writeDouble(out, o, x);
    out[o++] = 0x2c;
  }
  const got = out.toString('latin1', 0, o);
  const want = `${all.map(String).join(',')},`;
  if (got === want) return [];
  const bad: string[] = [];
  for (const x of all) if (formatDouble(x) !== String(x) && bad.length < 5) bad.push(`${String(x)} written as ${formatDouble(x)}`);
  return bad.length ? bad : ['the joined text differs'];
}

describe('writeDouble', () => {
  it('uses the compiled formatter (else this file would compare String with itself)', () => {
    expect(formatDoubleCompiled()).toBe(true);
  });

  it('writes the special values and the layout boundaries as String does', () => {
    const cases: [number, string][] = [
      [0, '0'],
      [-0, '0'],
      [NaN, 'NaN'],
      [Infinity, 'Infinity'],
      [-Infinity, '-Infinity'],
      [1e21, '1e+21'],
      [1e-7, '1e-7'],
      [1.5e-7, '1.5e-7'],
      [1e-6, '0.000001'],
      [123456789012345680000, '123456789012345680000'],
      [5e-324, '5e-324'],
      [-1.7976931348623157e308, '-1.7976931348623157e+308'],
      [0.1 + 0.2, '0.30000000000000004'],
    ];
    for (const [x, text] of cases) expect(formatDouble(x)).toBe(text);
  });

  it('matches String on 1,000,000 random bit patterns (every exponent, subnormals)', () => {
    const next = generator(0x9e3779b97f4a7c15n);
    const xs: number[] = [];
    while (xs.length < 500_000) {
      const x = fromBits(next() & 0x7fffffffffffffffn);
      if (Number.isFinite(x)) xs.push(x);
    }
    for (let i = 0; i < 100_000; i++) xs[i] = fromBits(next() & 0x000fffffffffffffn); // subnormals
    expect(mismatches(xs)).toEqual([]);
  });

  it('matches String on 600,000 random short decimals', () => {
    const next = generator(12345n);
    const xs: number[] = [];
    for (let i = 0; i < 300_000; i++) {
      const digits = 1 + Number(next() % 17n);
      const d = next() % 10n ** BigInt(digits);
      const e = Number(next() % 640n) - 330;
      const x = Number(`${d}e${e}`);
      if (x > 0 && Number.isFinite(x)) xs.push(x);
    }
    expect(xs.length).toBeGreaterThan(250_000);
    expect(mismatches(xs)).toEqual([]);
  });

  it('matches String on integers near 2^53 and 2^64, and integers of every size', () => {
    const xs: number[] = [];
    for (const p of [2 ** 53, 2 ** 54, 2 ** 63, 2 ** 64, 1e21, 2 ** 70]) xs.push(...around(p, 20_000));
    const next = generator(7n);
    for (let i = 0; i < 100_000; i++) xs.push(Number(next() >> BigInt(Number(next() % 64n))));
    expect(mismatches(xs.filter((x) => x > 0))).toEqual([]);
  });

  it('matches String on the powers of ten, their neighbours and the layout boundaries 1e-7, 1e-6, 1e20, 1e21', () => {
    const xs: number[] = [];
    for (let e = -323; e <= 308; e++) xs.push(...around(Number(`1e${e}`), 60));
    for (const b of [1e-7, 1e-6, 1e20, 1e21]) xs.push(...around(b, 50_000));
    expect(mismatches(xs)).toEqual([]);
  });

  it('matches String at the ends of the range: min/max subnormal and normal', () => {
    const xs: number[] = [];
    for (let t = 1n; t <= 100_000n; t++) xs.push(fromBits(t)); // the smallest subnormals (one or two digits)
    for (const b of [0x000fffffffffffffn, 0x0010000000000000n, 0x7fefffffffffffffn]) xs.push(...around(fromBits(b), 50_000));
    for (let bq = 1n; bq < 0x7ffn; bq++) xs.push(fromBits(bq << 52n), fromBits((bq << 52n) | 1n)); // c = 2^52: the asymmetric interval
    expect(mismatches(xs)).toEqual([]);
  });

  it("builds Schubfach's table: g = floor(10^e / 2^r) + 1 in [2^125, 2^126)", () => {
    for (const e of [-292, -1, 0, 1, 22, 23, 100, 324]) {
      const [g1, g0] = powerOfTenEntry(e);
      const g = (g1 << 63n) + g0;
      expect(g >= 1n << 125n && g < 1n << 126n).toBe(true);
      const r = Math.floor((e * Math.log2(10)) / 1) - 125;
      const num = (10n ** BigInt(Math.max(e, 0))) << BigInt(Math.max(-r, 0));
      const den = (10n ** BigInt(Math.max(-e, 0))) << BigInt(Math.max(r, 0));
      expect(g).toBe(num / den + 1n);
    }
    expect(powerOfTenEntry(0)).toEqual([1n << 62n, 1n]); // 10^0 = 2^125 / 2^125: g = 2^125 + 1
  });
});
