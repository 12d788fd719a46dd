// Shortest round-trip decimal text of a double, byte for byte what ECMAScript's Number::toString
// (String(x)) gives; used by src/io/format-double.ts to write CSV numbers. Digits by Schubfach
// (R. Giulietti, "The Schubfach way to render doubles", 2020), without its two-digit minimum:
// shortest digits, the closest of them to x, ties to even.
//
// Memory (imported, not shared; the module has no data segment): [BASE, TABLE) the table of g(e) for 10^e, e in [E_MIN, E_MAX], two u64 per
// entry (g = floor(10^e / 2^r) + 1 with 2^125 <= g < 2^126, g1 = g >> 63, g0 = g & (2^63 - 1)), written by
// the loader; [OUT, OUT + 32) the text of the last number formatted.

const E_MIN: i32 = -292;
const E_MAX: i32 = 324;
const BASE: u32 = 1024;
const TABLE: u32 = BASE + 16 * (E_MAX - E_MIN + 1);
const OUT: u32 = (TABLE + 63) & ~63;
const MASK63: u64 = 0x7fffffffffffffff;
const C_MIN: u64 = 1 << 52;
const Q_MIN: i32 = -1074;

/** Byte offset of the table (its entry for 10^e at tableOffset() + 16 (e - E_MIN): g1, then g0). */
export function tableOffset(): u32 {
  return BASE;
}

/** Byte offset of the text that format() writes. */
export function outOffset(): u32 {
  return OUT;
}

/** Bytes the module needs (table and text). */
export function memoryBytes(): u32 {
  return OUT + 64;
}

/** floor(q log10 2), for |q| <= 5456721. */
@inline function flog10pow2(q: i32): i32 {
  return <i32>((<i64>q * 661971961083) >> 41);
}

/** floor(log10(3/4 2^q)). */
@inline function flog10threeQuartersPow2(q: i32): i32 {
  return <i32>((<i64>q * 661971961083 - 274743187321) >> 41);
}

/** floor(e log2 10). */
@inline function flog2pow10(e: i32): i32 {
  return <i32>((<i64>e * 913124641741) >> 38);
}

/** High 64 bits of the 128-bit product a b. */
@inline function mulHigh(a: u64, b: u64): u64 {
  const a0 = a & 0xffffffff;
  const a1 = a >> 32;
  const b0 = b & 0xffffffff;
  const b1 = b >> 32;
  const p00 = a0 * b0;
  const p01 = a0 * b1;
  const p10 = a1 * b0;
  const mid = (p00 >> 32) + (p01 & 0xffffffff) + (p10 & 0xffffffff);
  return a1 * b1 + (p01 >> 32) + (p10 >> 32) + (mid >> 32);
}

/** floor(g cp / 2^127), its last bit set when the division is not exact (round to odd); g = g1 2^63 + g0. */
@inline function rop(g1: u64, g0: u64, cp: u64): u64 {
  const x1 = mulHigh(g0, cp);
  const y0 = g1 * cp;
  const y1 = mulHigh(g1, cp);
  const z = (y0 >> 1) + x1;
  const vbp = y1 + (z >> 63);
  return vbp | (((z & MASK63) + MASK63) >> 63);
}

let digitsF: u64 = 0;
let digitsE: i32 = 0;

/** The shortest decimal f 10^e that rounds to c 2^q (c > 0), the closest such, ties to even; into digitsF, digitsE. */
function toDecimal(q: i32, c: u64, dk: i32): void {
  const out: u64 = c & 1;
  const cb = c << 2;
  const cbr = cb + 2;
  let cbl: u64;
  let k: i32;
  if (c != C_MIN || q == Q_MIN) {
    cbl = cb - 2;
    k = flog10pow2(q);
  } else {
    cbl = cb - 1;
    k = flog10threeQuartersPow2(q);
  }
  const h = q + flog2pow10(-k) + 2;
  const at = BASE + (<u32>(-k - E_MIN) << 4);
  const g1 = load<u64>(at);
  const g0 = load<u64>(at, 8);
  const vb = rop(g1, g0, cb << h);
  const vbl = rop(g1, g0, cbl << h);
  const vbr = rop(g1, g0, cbr << h);
  const s = vb >> 2;
  if (s >= 10) {
    // one digit fewer: the multiples of 10 around x (the interval is narrower than 10, so at most one is inside)
    const sp10 = (mulHigh(s, 0xcccccccccccccccd) >> 3) * 10; // floor(s / 10) 10
    const tp10 = sp10 + 10;
    const upin = vbl + out <= sp10 << 2;
    const wpin = (tp10 << 2) + out <= vbr;
    if (upin != wpin) {
      digitsF = upin ? sp10 : tp10;
      digitsE = k + dk;
      return;
    }
  }
  const t = s + 1;
  const uin = vbl + out <= s << 2;
  const win = (t << 2) + out <= vbr;
  digitsE = k + dk;
  if (uin != win) {
    digitsF = uin ? s : t;
    return;
  }
  const cmp = <i64>(vb - ((s + t) << 1));
  digitsF = cmp < 0 || (cmp == 0 && (s & 1) == 0) ? s : t;
}

@inline function put(at: i32, ch: u32): void {
  store<u8>(OUT + <u32>at, ch);
}

/** Decimal digits of v (>= 1) at OUT + at, most significant first; returns their count. */
function putDigits(at: i32, v: u64): i32 {
  let n = 1;
  for (let p: u64 = 10; n < 20 && v >= p; p *= 10) n++;
  let i = at + n;
  let x = v;
  // eight digits at a time by 32-bit arithmetic: a 64-bit division is the slow part
  while (x >= 100000000) {
    const q = mulHigh(x, 0xabcc77118461cefd) >> 26; // floor(x / 10^8) for every u64 x
    let lo = <u32>(x - q * 100000000);
    x = q;
    for (let j = 0; j < 8; j++) {
      put(--i, 48 + (lo % 10));
      lo /= 10;
    }
  }
  let y = <u32>x;
  while (y >= 10) {
    put(--i, 48 + (y % 10));
    y /= 10;
  }
  put(--i, 48 + y);
  return n;
}

/** Text of f 10^e (f > 0) in ECMAScript's layout at OUT + at; returns the end offset. */
function layout(at: i32, f: u64, e: i32): i32 {
  // the digits once, after room for "0.00000"; each form then moves them into place
  let k = putDigits(at + 8, f);
  while (k > 1 && load<u8>(OUT + <u32>(at + 7 + k)) == 48) {
    k--; // a trailing zero
    e++;
  }
  const n = e + k; // x = 0.d1d2... 10^n
  const d = at + 8;
  if (k <= n && n <= 21) {
    copyDown(at, d, k);
    for (let i = k; i < n; i++) put(at + i, 48);
    return at + n;
  }
  if (0 < n && n <= 21) {
    copyDown(at, d, n);
    put(at + n, 46);
    copyDown(at + n + 1, d + n, k - n);
    return at + k + 1;
  }
  if (-6 < n && n <= 0) {
    const z = 2 - n; // "0." and -n zeros
    copyDown(at + z, d, k);
    put(at, 48);
    put(at + 1, 46);
    for (let i = 2; i < z; i++) put(at + i, 48);
    return at + z + k;
  }
  let o = at;
  put(o++, load<u8>(OUT + <u32>d));
  if (k > 1) {
    put(o++, 46);
    copyDown(o, d + 1, k - 1);
    o += k - 1;
  }
  put(o++, 101); // e
  const x = n - 1;
  put(o++, x < 0 ? 45 : 43);
  return o + putDigits(o, <u64>(x < 0 ? -x : x));
}

/** Move `len` bytes from OUT + from to OUT + to (to <= from). */
@inline function copyDown(to: i32, from: i32, len: i32): void {
  for (let i = 0; i < len; i++) put(to + i, load<u8>(OUT + <u32>(from + i)));
}

/** Write String(x) at outOffset() (ASCII); returns its length in bytes. */
export function format(x: f64): i32 {
  const bits = reinterpret<u64>(x);
  const t = bits & (C_MIN - 1);
  const bq = <i32>((bits >> 52) & 0x7ff);
  if (bq == 0x7ff) {
    if (t != 0) {
      put(0, 78);
      put(1, 97);
      put(2, 78);
      return 3;
    }
    let o = 0;
    if (bits >> 63) put(o++, 45);
    store<u64>(OUT + <u32>o, 0x7974696e69666e49); // "Infinity", little-endian
    return o + 8;
  }
  if ((bits & MASK63) == 0) {
    put(0, 48);
    return 1;
  }
  let o = 0;
  if (bits >> 63) put(o++, 45);
  if (bq != 0) {
    const mq = 1075 - bq; // -q
    const c = C_MIN | t;
    if (0 < mq && mq < 53) {
      const f = c >> mq;
      if (f << mq == c) return layout(o, f, 0); // an integer below 2^53
    }
    toDecimal(-mq, c, 0);
  } else if (t < 3) {
    toDecimal(Q_MIN, 10 * t, -1); // too few bits for the interval: scale by 10
  } else {
    toDecimal(Q_MIN, t, 0);
  }
  return layout(o, digitsF, digitsE);
}
