// One rule for reading a CSV field, shared by the runner (finalize, nrc check) and the figures.
import { describe, expect, it } from 'vitest';
import { parseField, toNumber } from '../../src/io/csv-read.ts';
import { fieldValue } from '../../src/plot/data.ts';
import { formatField } from '../../src/runner/store.ts';

describe('CSV fields', () => {
  it('reads back what the store writes', () => {
    for (const v of [0, -0.5, 1e-300, 1.7976931348623157e308, 0.1 + 0.2, NaN, Infinity, -Infinity, true, false, 'ok', 'not_converged', '16x12x16']) {
      expect(parseField(formatField(v))).toEqual(v);
    }
    expect(parseField(formatField(null))).toBeUndefined();
    expect(parseField(formatField(undefined))).toBeUndefined();
  });

  it('empty is missing, everywhere: undefined for the runner, NaN for a number or a figure', () => {
    expect(parseField('')).toBeUndefined();
    expect(toNumber('')).toBeNaN();
    expect(fieldValue('')).toBeNaN();
  });

  it('text outside the number grammar stays text (no hex, no overflow to Infinity)', () => {
    expect(parseField('0x10')).toBe('0x10');
    expect(parseField('1e400')).toBe('1e400');
    expect(parseField('1_000')).toBe('1_000');
    expect(toNumber('0x10')).toBeNaN();
    expect(fieldValue('true')).toBe('true');
    expect(fieldValue('2.5e-3')).toBe(0.0025);
  });
});
