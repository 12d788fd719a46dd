// One number grammar for everything nrc reads: the CLI, CSV cells and .npy headers.
// A number is a decimal with an optional exponent (`3`, `-0.5`, `.5`, `1e-3`); `0x3`, `0b1`, `1_000`,
// `Infinity` and empty text are not numbers. A value that over- or underflows a double (`1e400`,
// `1e-400`) is refused, never silently turned into Infinity or 0.

export const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

export type DecimalResult = { ok: true; value: number } | { ok: false; why: string };

/** Parse decimal text; says why when it is not a finite double that keeps the value. */
export function parseDecimal(text: string): DecimalResult {
  const t = text.trim();
  if (!DECIMAL.test(t)) return { ok: false, why: 'not a decimal number' };
  const value = Number(t);
  if (!Number.isFinite(value)) return { ok: false, why: 'overflows a double' };
  if (value === 0 && /[1-9]/.test(t.replace(/[eE].*$/, ''))) return { ok: false, why: 'underflows a double (rounds to 0)' };
  return { ok: true, value };
}

/** True when `text` is an integer in the grammar (no sign unless `signed`). */
export function isIntegerText(text: string, signed = false): boolean {
  return (signed ? /^[+-]?\d+$/ : /^\d+$/).test(text.trim());
}
