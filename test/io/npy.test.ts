import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataFileError, decodeNpy, encodeNpy, halfToNumber, readNpy, writeNpy } from '../../src/io/npy.ts';

const dir = mkdtempSync(join(tmpdir(), 'nrc-npy-'));
const values = [1.5, -2.25, 3, 4.125, -5, 6.5]; // exact in float32 too

/** Hand-built .npy bytes (independent of encodeNpy): header dict, padded to 64, then raw data. */
function handBuilt(descr: string, shape: string, fortran: boolean, data: Uint8Array, version = 1): Uint8Array {
  const dict = `{'descr': '${descr}', 'fortran_order': ${fortran ? 'True' : 'False'}, 'shape': ${shape}, }`;
  const pre = version === 1 ? 10 : 12;
  const padLen = (64 - ((pre + dict.length + 1) % 64)) % 64;
  const header = Buffer.from(dict + ' '.repeat(padLen) + '\n', 'latin1');
  const out = new Uint8Array(pre + header.length + data.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, version, 0]);
  const v = new DataView(out.buffer);
  if (version === 1) v.setUint16(8, header.length, true);
  else v.setUint32(8, header.length, true);
  out.set(header, pre);
  out.set(data, pre + header.length);
  return out;
}

describe('npy', () => {
  it('reads a hand-built v1 float64 C-order file', () => {
    const data = new Uint8Array(new Float64Array(values).buffer);
    const a = decodeNpy(handBuilt('<f8', '(2, 3)', false, data));
    expect(a.shape).toEqual([2, 3]);
    expect(Array.from(a.data)).toEqual(values);
    expect(a.version).toBe(1);
    expect((handBuilt('<f8', '(2, 3)', false, data).length - data.length) % 64).toBe(0);
  });

  it('reads Fortran order into C order', () => {
    // C-order matrix [[1.5, -2.25, 3], [4.125, -5, 6.5]] stored column-major
    const colMajor = [1.5, 4.125, -2.25, -5, 3, 6.5];
    const a = decodeNpy(handBuilt('<f8', '(2, 3)', true, new Uint8Array(new Float64Array(colMajor).buffer)));
    expect(Array.from(a.data)).toEqual(values);
    expect(a.fortranOrder).toBe(true);
  });

  it('reads big-endian float64 and little-endian int16 labels', () => {
    const be = new Uint8Array(16);
    const v = new DataView(be.buffer);
    v.setFloat64(0, 1.25, false);
    v.setFloat64(8, -7, false);
    expect(Array.from(decodeNpy(handBuilt('>f8', '(2,)', false, be)).data)).toEqual([1.25, -7]);
    const i2 = new Uint8Array(new Int16Array([3, 0, 9]).buffer);
    expect(Array.from(decodeNpy(handBuilt('<i2', '(3,)', false, i2)).data)).toEqual([3, 0, 9]);
  });

  it('round-trips f8/f4, every integer dtype, versions 1-3 and Fortran order', () => {
    for (const version of [1, 2, 3] as const) {
      for (const dtype of ['f8', 'f4'] as const) {
        for (const fortranOrder of [false, true]) {
          const bytes = encodeNpy({ shape: [2, 3], data: values }, { dtype, version, fortranOrder });
          expect(bytes[6]).toBe(version);
          const a = decodeNpy(bytes);
          expect(a.shape).toEqual([2, 3]);
          expect(a.dtype).toBe(dtype);
          expect(a.fortranOrder).toBe(fortranOrder);
          expect(Array.from(a.data)).toEqual(values);
        }
      }
    }
    const labels = [0, 2, 1, 9, 3];
    for (const dtype of ['i1', 'i2', 'i4', 'i8', 'u1', 'u2', 'u4', 'u8'] as const) {
      const a = decodeNpy(encodeNpy({ shape: [5], data: labels }, { dtype }));
      expect(Array.from(a.data)).toEqual(labels);
      expect(a.dtype).toBe(dtype);
    }
  });

  it('round-trips a 3-D Fortran array through a file', () => {
    const data = Array.from({ length: 24 }, (_, i) => i * 0.5 - 3);
    const path = join(dir, 'cube.npy');
    writeNpy(path, { shape: [2, 3, 4], data }, { fortranOrder: true, version: 2 });
    const a = readNpy(path);
    expect(a.shape).toEqual([2, 3, 4]);
    expect(Array.from(a.data)).toEqual(data);
  });

  it('decodes float16', () => {
    expect(halfToNumber(0x3c00)).toBe(1);
    expect(halfToNumber(0xc000)).toBe(-2);
    expect(halfToNumber(0x3555)).toBeCloseTo(0.33325, 5);
    expect(halfToNumber(0x0001)).toBe(2 ** -24);
    expect(halfToNumber(0x7c00)).toBe(Infinity);
    const h = new Uint8Array(new Uint16Array([0x3c00, 0xc000]).buffer);
    expect(Array.from(decodeNpy(handBuilt('<f2', '(2,)', false, h)).data)).toEqual([1, -2]);
  });

  it('reports truncated data, wrong dtype, bad magic and extra bytes, naming the file', () => {
    const good = encodeNpy({ shape: [2, 3], data: values });
    const path = join(dir, 'short.npy');
    writeFileSync(path, good.subarray(0, good.length - 5));
    expect(() => readNpy(path)).toThrow(DataFileError);
    expect(() => readNpy(path)).toThrow(/short\.npy: truncated: shape \(2, 3\) of <f8 needs 48 data bytes, the file has 43/);
    expect(() => decodeNpy(good.subarray(0, 30), 'h.npy')).toThrow(/h\.npy: truncated: header/);
    expect(() => decodeNpy(handBuilt('<c16', '(2,)', false, new Uint8Array(32)), 'c.npy')).toThrow(/c\.npy: wrong dtype '<c16'/);
    expect(() => decodeNpy(handBuilt('<U5', '(2,)', false, new Uint8Array(40)), 'u.npy')).toThrow(/wrong dtype '<U5'/);
    const bad = good.slice();
    bad[1] = 0;
    expect(() => decodeNpy(bad, 'm.npy')).toThrow(/m\.npy: not a \.npy file/);
    const extra = new Uint8Array(good.length + 8);
    extra.set(good);
    expect(() => decodeNpy(extra, 'x.npy')).toThrow(/x\.npy: bad shape/);
    expect(() => readNpy(join(dir, 'missing.npy'))).toThrow(/missing\.npy: cannot read \(ENOENT\)/);
    const err = (() => {
      try {
        readNpy(path);
      } catch (e) {
        return e as DataFileError;
      }
    })();
    expect(err?.exitCode).toBe(2);
  });
});
