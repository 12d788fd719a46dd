// The text String(x) gives a number (ECMAScript Number::toString: shortest round-trip digits, the
// closest of them, ties to even; `1e+21`, `1.5e-7`, plain for 1e-6 <= |x| < 1e21, `-0` as `0`),
// written straight into a byte buffer. Digits by Schubfach (Giulietti, "The Schubfach way to render
// doubles"), compiled from src/linalg/wasm/assembly/format-double.ts; where that build is missing
// (or WebAssembly is unavailable) String(x) gives the same bytes, more slowly.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

interface FormatExports {
  format(x: number): number;
  tableOffset(): number;
  outOffset(): number;
  memoryBytes(): number;
}
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Memory: new (d: { initial: number }) => { buffer: ArrayBuffer };
  Instance: new (m: object, imports: object) => { exports: object };
}

/** Range of decimal exponents e of the table g(e) (as in the AssemblyScript source). */
const E_MIN = -292;
const E_MAX = 324;

/** floor(e log2 10) (exact for |e| < 2^14). */
const flog2pow10 = (e: number) => Math.floor((e * 913124641741) / 2 ** 38);

/**
 * g(e) = floor(10^e / 2^r) + 1 with r chosen so that 2^125 <= g < 2^126 (Schubfach's table of
 * 126-bit approximations of powers of ten), as [g >> 63, g mod 2^63].
 */
export function powerOfTenEntry(e: number): [bigint, bigint] {
  const r = flog2pow10(e) - 125;
  const num = (10n ** BigInt(Math.max(e, 0))) << BigInt(Math.max(-r, 0));
  const den = (10n ** BigInt(Math.max(-e, 0))) << BigInt(Math.max(r, 0));
  const g = num / den + 1n;
  return [g >> 63n, g & ((1n << 63n) - 1n)];
}

let formatWasm: ((x: number) => number) | undefined;
let text: Uint8Array = new Uint8Array(0);
let tried = false;

function load(): void {
  tried = true;
  const WA = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;
  const file = fileURLToPath(new URL('../linalg/wasm/build/format-double.wasm', import.meta.url));
  if (!WA || !existsSync(file) || process.env.NRC_FORMAT_WASM === '0') return;
  try {
    const memory = new WA.Memory({ initial: 1 });
    const exports = new WA.Instance(new WA.Module(readFileSync(file)), { env: { memory } }).exports as FormatExports;
    if (exports.memoryBytes() > memory.buffer.byteLength) return;
    const table = new DataView(memory.buffer, exports.tableOffset());
    for (let e = E_MIN; e <= E_MAX; e++) {
      const [g1, g0] = powerOfTenEntry(e);
      table.setBigUint64(16 * (e - E_MIN), g1, true);
      table.setBigUint64(16 * (e - E_MIN) + 8, g0, true);
    }
    text = new Uint8Array(memory.buffer, exports.outOffset(), 32);
    formatWasm = exports.format;
  } catch {
    formatWasm = undefined; // String(x) serves
  }
}

/** True when the compiled formatter is in use (else String(x) does the work). */
export function formatDoubleCompiled(): boolean {
  if (!tried) load();
  return formatWasm !== undefined;
}

/** Write String(x) (ASCII, at most 25 bytes) into `out` at `at`; returns the offset after it. */
export function writeDouble(out: Uint8Array, at: number, x: number): number {
  if (!tried) load();
  if (formatWasm === undefined) {
    const s = String(x);
    for (let i = 0; i < s.length; i++) out[at + i] = s.charCodeAt(i);
    return at + s.length;
  }
  const n = formatWasm(x);
  const src = text;
  for (let i = 0; i < n; i++) out[at + i] = src[i];
  return at + n;
}

/** String(x) through the formatter (for tests and callers that want a string). */
export function formatDouble(x: number): string {
  const buf = new Uint8Array(32);
  const n = writeDouble(buf, 0, x);
  return String.fromCharCode(...buf.subarray(0, n));
}
