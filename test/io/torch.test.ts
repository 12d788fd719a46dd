// torch.save checkpoints read without Python; fixtures made once by test/fixtures/torch/make.py.
import { describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readTorch, unpickle } from '../../src/io/torch.ts';
import { ZipArchive } from '../../src/io/zip.ts';
import { DataFileError } from '../../src/io/npy.ts';

const fx = join(import.meta.dirname, '..', 'fixtures', 'torch');
const expected = JSON.parse(readFileSync(join(fx, 'expected.json'), 'utf8')) as Record<
  string,
  Record<string, { shape: number[]; dtype: string; data: number[] }>
>;

function matches(file: string, key?: string) {
  const r = readTorch(join(fx, file), { key });
  const exp = expected[file];
  expect(r.tensors.map((t) => t.name)).toEqual(Object.keys(exp));
  for (const t of r.tensors) {
    expect(t.shape).toEqual(exp[t.name].shape);
    expect(t.dtype).toBe(exp[t.name].dtype);
    expect(Array.from(t.data)).toEqual(exp[t.name].data); // exact: every dtype converts to float64 without rounding
  }
  return r;
}

describe('readTorch on torch.save fixtures', () => {
  it('a plain MLP state dict (stored zip) and the same archive deflated', () => {
    const r = matches('mlp.pt');
    expect(r.key).toBeNull();
    expect(r.tensors[0].shape).toEqual([5, 6]);
    matches('mlp-deflated.pt');
  });
  it('a small CNN: the 4-D conv weight keeps its shape', () => {
    const r = matches('cnn.pt');
    expect(r.tensors[0].shape).toEqual([2, 1, 3, 3]);
  });
  it("a nested checkpoint {'model', 'optimizer', 'epoch', 'note'}: 'model' chosen automatically, or by --key", () => {
    expect(matches('nested.pt').key).toBe('model');
    expect(matches('nested.pt', 'model').key).toBe('model');
    const opt = readTorch(join(fx, 'nested.pt'), { key: 'optimizer' });
    expect(opt.tensors.map((t) => t.name)).toEqual([
      'state.0.momentum_buffer',
      'state.1.momentum_buffer',
      'state.2.momentum_buffer',
      'state.3.momentum_buffer',
    ]);
    expect(() => readTorch(join(fx, 'nested.pt'), { key: 'ema' })).toThrow(/--key ema: no entry 'ema' \(found: model, optimizer, epoch, note\)/);
  });
  it('every dtype (float16, bfloat16, float64, int64..int8, uint8, bool), in both byte orders', () => {
    matches('dtypes.pt');
    matches('dtypes-big.pt');
  });
  it('non-contiguous tensors: a transpose, an offset view, a column, and a Parameter', () => {
    const r = matches('strided.pt');
    expect(r.tensors.map((t) => t.shape)).toEqual([[3, 4], [3, 2], [4], [2, 2]]);
  });
  it('a forbidden global is refused with its name, before anything runs; legacy files are explained', () => {
    expect(() => readTorch(join(fx, 'evil.pt'))).toThrow(DataFileError);
    expect(() => readTorch(join(fx, 'evil.pt'))).toThrow(/refused: the pickle references the global 'posix\.system'/);
    expect(() => readTorch(join(fx, 'legacy.pt'))).toThrow(/legacy torch\.save format/);
  });
  it('damaged archives and pickles give a DataFileError, never a crash', () => {
    const dir = mkdtempSync(join(tmpdir(), 'nrc-torch-'));
    const bytes = readFileSync(join(fx, 'mlp.pt'));
    writeFileSync(join(dir, 'cut.pt'), bytes.subarray(0, 700));
    expect(() => readTorch(join(dir, 'cut.pt'))).toThrow(DataFileError);
    const zip = ZipArchive.open(join(fx, 'mlp.pt'));
    expect(zip.names()).toContain('mlp/data.pkl');
    const pkl = zip.read('mlp/data.pkl');
    expect(() => unpickle(pkl.subarray(0, 40), 'x.pkl')).toThrow(/truncated|bad pickle/);
    expect(() => unpickle(Uint8Array.from([0x80, 2, 0x69]), 'x.pkl')).toThrow(/opcode 0x69/); // INST
    // a STACK_GLOBAL of builtins.eval in protocol 4
    const evil = Uint8Array.from([0x80, 4, 0x8c, 8, ...Buffer.from('builtins'), 0x8c, 4, ...Buffer.from('eval'), 0x93, 0x2e]);
    expect(() => unpickle(evil, 'x.pkl')).toThrow(/'builtins\.eval'/);
  });
});
