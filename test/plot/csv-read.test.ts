import { describe, expect, it } from 'vitest';
import { CsvParseError, parseCsv, parseCsvTable, toNumber } from '../../src/io/csv-read.ts';

describe('parseCsv (RFC 4180)', () => {
  it('reads plain records, with or without a final line break, LF or CRLF', () => {
    expect(parseCsv('a,b\n1,2\n')).toEqual([
      ['a', 'b'],
      ['1', '2'],
    ]);
    expect(parseCsv('a,b\n1,2')).toEqual([
      ['a', 'b'],
      ['1', '2'],
    ]);
    expect(parseCsv('a,b\r\n1,2\r\n')).toEqual([
      ['a', 'b'],
      ['1', '2'],
    ]);
    expect(parseCsv('')).toEqual([]);
  });

  it('handles quotes, doubled quotes, embedded commas and line breaks', () => {
    const text = 'name,note\n"Smith, J.","said ""hi"""\n"two\nlines","x\r\ny"\n';
    expect(parseCsv(text)).toEqual([
      ['name', 'note'],
      ['Smith, J.', 'said "hi"'],
      ['two\nlines', 'x\r\ny'],
    ]);
  });

  it('keeps empty fields (middle, end, quoted) and empty lines', () => {
    expect(parseCsv('a,,c\n,,\n""\n')).toEqual([['a', '', 'c'], ['', '', ''], ['']]);
    expect(parseCsv('a,b,\n')).toEqual([['a', 'b', '']]);
    expect(parseCsv('x\n\ny\n')).toEqual([['x'], [''], ['y']]);
  });

  it('drops a byte-order mark and keeps a lone CR inside a field', () => {
    expect(parseCsv('\ufeffa,b\n1,2\n')).toEqual([
      ['a', 'b'],
      ['1', '2'],
    ]);
    expect(parseCsv('a\rb,c\n')).toEqual([['a\rb', 'c']]);
  });

  it('rejects malformed text with the line and column', () => {
    expect(() => parseCsv('a,b\n1,"2\n')).toThrow(CsvParseError);
    expect(() => parseCsv('a,b\n1,"2"x\n')).toThrow(/line 2, column 6/);
    expect(() => parseCsv('a,b"c\n')).toThrow(/quote inside an unquoted field at line 1, column 4/);
    expect(() => parseCsv('h\n"a\nb"\n1,x"\n')).toThrow(/line 4, column 4/);
  });

  it('parseCsvTable keys rows by column and rejects ragged rows', () => {
    expect(parseCsvTable('x,y\n1,"a,b"\n')).toEqual({ columns: ['x', 'y'], rows: [{ x: '1', y: 'a,b' }] });
    expect(() => parseCsvTable('x,y\n1\n', 't.csv')).toThrow(/t.csv: record 2 has 1 fields, the header has 2/);
  });

  it('toNumber reads numbers and the spelled-out non-finite values', () => {
    expect(toNumber('1e-4')).toBe(1e-4);
    expect(toNumber('')).toBeNaN();
    expect(toNumber('-Infinity')).toBe(-Infinity);
    expect(toNumber('abc')).toBeNaN();
  });
});
