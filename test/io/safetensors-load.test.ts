import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeSafetensors, encodeSafetensors, readSafetensors, writeSafetensors } from '../../src/io/safetensors.ts';
import { DataFileError, loadLabels, loadMatrix, loadWeights } from '../../src/io/load.ts';
import { writeNpy } from '../../src/io/npy.ts';
import { formatMatrixCsv, parseMatrixCsv, writeMatrixCsv } from '../../src/io/matrix-csv.ts';
import { Matrix } from '../../src/linalg/index.ts';

const dir = mkdtempSync(join(tmpdir(), 'nrc-st-'));

/** Hand-built safetensors with one tensor of raw little-endian bytes. */
function handBuilt(name: string, dtype: string, shape: number[], raw: Uint8Array): Uint8Array {
  const json = Buffer.from(JSON.stringify({ [name]: { dtype, shape, data_offsets: [0, raw.length] } }));
  const out = new Uint8Array(8 + json.length + raw.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  out.set(raw, 8 + json.length);
  return out;
}

describe('safetensors', () => {
  it('round-trips F64 and F32 tensors with metadata, every 2-D tensor loaded as a matrix', () => {
    const W1 = [1, 2, 3, 4, 5, 6];
    const W2 = [0.5, -0.25, 8, 1];
    const path = join(dir, 'model.safetensors');
    writeSafetensors(
      path,
      [
        { name: 'layer1.weight', shape: [2, 3], data: W1 },
        { name: 'layer1.bias', shape: [2], data: [0.1, 0.2] },
        { name: 'layer2.weight', shape: [2, 2], data: W2, dtype: 'F32' },
      ],
      { format: 'pt' },
    );
    const { tensors, metadata } = readSafetensors(path);
    expect(metadata).toEqual({ format: 'pt' });
    expect(tensors.map((t) => [t.name, t.dtype, t.shape])).toEqual([
      ['layer1.weight', 'F64', [2, 3]],
      ['layer1.bias', 'F64', [2]],
      ['layer2.weight', 'F32', [2, 2]],
    ]);
    const ws = loadWeights(path);
    expect(ws.map((w) => w.name)).toEqual(['layer1.weight', 'layer2.weight']);
    expect(Array.from(ws[0].matrix.data)).toEqual(W1);
    expect(ws[1].matrix.rows).toBe(2);
    expect(Array.from(ws[1].matrix.data)).toEqual(W2);
    // header is 8-byte aligned
    const bytes = encodeSafetensors([{ name: 'a', shape: [1, 1], data: [1] }]);
    expect(Number(new DataView(bytes.buffer).getBigUint64(0, true)) % 8).toBe(0);
  });

  it('decodes BF16 and F16', () => {
    // bf16: upper 16 bits of float32; 1.5f = 0x3FC00000 -> 0x3FC0; -2f = 0xC0000000 -> 0xC000
    const bf = new Uint8Array(new Uint16Array([0x3fc0, 0xc000, 0x4049, 0x0000]).buffer);
    const t = decodeSafetensors(handBuilt('w', 'BF16', [2, 2], bf)).tensors[0];
    expect(t.data[0]).toBe(1.5);
    expect(t.data[1]).toBe(-2);
    expect(t.data[2]).toBeCloseTo(3.140625, 6);
    const f16 = new Uint8Array(new Uint16Array([0x3c00, 0x4200]).buffer);
    expect(Array.from(decodeSafetensors(handBuilt('w', 'F16', [1, 2], f16)).tensors[0].data)).toEqual([1, 3]);
  });

  it('names the file and the problem: truncated, wrong dtype, bad shape, bad JSON', () => {
    const good = encodeSafetensors([{ name: 'w', shape: [2, 2], data: [1, 2, 3, 4] }]);
    expect(() => decodeSafetensors(good.subarray(0, good.length - 3), 'a.safetensors')).toThrow(
      /a\.safetensors: truncated: tensor 'w' ends at data byte 32/,
    );
    expect(() => decodeSafetensors(good.subarray(0, 20), 'b.safetensors')).toThrow(/b\.safetensors: truncated: header/);
    expect(() => decodeSafetensors(handBuilt('w', 'C64', [1], new Uint8Array(8)), 'c.safetensors')).toThrow(
      /c\.safetensors: tensor 'w': wrong dtype "C64"/,
    );
    expect(() => decodeSafetensors(handBuilt('w', 'F32', [3, 3], new Uint8Array(32)), 'd.safetensors')).toThrow(
      /d\.safetensors: tensor 'w': bad shape \[3, 3\] of F32 needs 36 bytes/,
    );
    const junk = new Uint8Array(16);
    new DataView(junk.buffer).setBigUint64(0, 4n, true);
    junk.set(Buffer.from('{{{{'), 8);
    expect(() => decodeSafetensors(junk, 'e.safetensors')).toThrow(/e\.safetensors: not a \.safetensors file/);
  });
});

describe('matrix CSV and loaders', () => {
  it('parses a header, CRLF and comments; round-trips numbers exactly', () => {
    const { matrix, header } = parseMatrixCsv('a,b\r\n1,2.5\r\n# note\n-3,1e-3\n\n');
    expect(header).toEqual(['a', 'b']);
    expect(matrix.toRows()).toEqual([
      [1, 2.5],
      [-3, 0.001],
    ]);
    const M = Matrix.fromRows([
      [0.1, 1 / 3],
      [-1e-300, 12345.678901234567],
    ]);
    expect(parseMatrixCsv(formatMatrixCsv(M, ['x', 'y'])).matrix.toRows()).toEqual(M.toRows());
    expect(parseMatrixCsv('1 2\n3 4\n').matrix.toRows()).toEqual([
      [1, 2],
      [3, 4],
    ]);
  });

  it('reports ragged rows and non-numbers with line and column', () => {
    expect(() => parseMatrixCsv('1,2\n3\n', 'r.csv')).toThrow(/r\.csv: bad shape: line 2 has 1 fields, expected 2/);
    expect(() => parseMatrixCsv('1,2\n3,x\n', 'n.csv')).toThrow(/n\.csv: line 2, column 2: 'x' is not a number/);
  });

  it('loadMatrix / loadLabels dispatch on the extension', () => {
    const X = Matrix.fromRows([
      [1, 2],
      [3, 4],
      [5, 6],
    ]);
    writeNpy(join(dir, 'x.npy'), { shape: [3, 2], data: X.data }, { fortranOrder: true });
    writeMatrixCsv(join(dir, 'x.csv'), X, ['f0', 'f1']);
    writeSafetensors(join(dir, 'x.safetensors'), [
      { name: 'feats', shape: [3, 2], data: X.data },
      { name: 'y', shape: [3], data: [0, 1, 1] },
    ]);
    for (const f of ['x.npy', 'x.csv', 'x.safetensors']) expect(loadMatrix(join(dir, f)).toRows()).toEqual(X.toRows());
    writeNpy(join(dir, 'y.npy'), { shape: [3], data: [2, 0, 1] }, { dtype: 'i8' });
    writeNpy(join(dir, 'yf.npy'), { shape: [3, 1], data: [2, 0, 1] });
    writeFileSync(join(dir, 'y.csv'), 'label\n2\n0\n1\n');
    for (const f of ['y.npy', 'yf.npy', 'y.csv']) expect(Array.from(loadLabels(join(dir, f)))).toEqual([2, 0, 1]);
    expect(Array.from(loadLabels(join(dir, 'x.safetensors')))).toEqual([0, 1, 1]);
  });

  it('loader errors name the file: extension, shape, dtype of labels, missing', () => {
    writeFileSync(join(dir, 'x.dat'), 'abc');
    expect(() => loadMatrix(join(dir, 'x.dat'))).toThrow(/x\.dat: unsupported file type '\.dat'/);
    writeFileSync(join(dir, 'x.bin'), 'abc');
    expect(() => loadMatrix(join(dir, 'x.bin'))).toThrow(/x\.bin: not a torch.save zip archive/);
    writeNpy(join(dir, 'v.npy'), { shape: [4], data: [1, 2, 3, 4] });
    expect(() => loadMatrix(join(dir, 'v.npy'))).toThrow(/v\.npy: bad shape \(4,\): expected a 2-D array/);
    writeNpy(join(dir, 'lf.npy'), { shape: [2], data: [0.5, 1] });
    expect(() => loadLabels(join(dir, 'lf.npy'))).toThrow(/lf\.npy: wrong dtype: label 0 is 0\.5/);
    writeNpy(join(dir, 'l2.npy'), { shape: [2, 2], data: [0, 1, 1, 0] });
    expect(() => loadLabels(join(dir, 'l2.npy'))).toThrow(/l2\.npy: bad shape \(2, 2\): labels must be 1-D/);
    expect(() => loadMatrix(join(dir, 'nope.npy'))).toThrow(DataFileError);
  });
});
