// In-cell checkpoints: a cell stopped mid-loop (test hook NRC_TEST_CHECKPOINT_AT, which acts as SIGTERM) and
// resumed gives the same CSV bytes as an uninterrupted run, for every experiment that trains or iterates;
// damaged checkpoints are refused; the state encoding keeps every bit.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Matrix } from '../../src/linalg/index.ts';
import { StopRequested, clearStop } from '../../src/linalg/interrupt.ts';
import { MLP, type OptimizerSpec, train } from '../../src/nn/index.ts';
import { Rng } from '../../src/random/index.ts';
import { parseCsv } from '../../src/io/csv-read.ts';
import {
  CHECKPOINT_DIR,
  CellCheckpoint,
  checkpointPath,
  decodeState,
  encodeState,
  readCheckpointFile,
  readCheckpointHeader,
  writeCheckpointFile,
} from '../../src/runner/checkpoint.ts';
import { binPath, runCli } from '../helpers/cli.ts';

const tmp = () => mkdtempSync(join(tmpdir(), 'nrc-ckpt-'));

/** Every CSV of a results directory, without `seconds` columns (wall time differs between runs). */
function tables(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of readdirSync(dir)
    .filter((x) => x.endsWith('.csv'))
    .sort()) {
    const text = readFileSync(join(dir, f), 'utf8');
    const records = parseCsv(text);
    const drop = new Set(records[0]?.flatMap((c, i) => (c === 'seconds' ? [i] : [])) ?? []);
    out[f] = drop.size === 0 ? text : records.map((r) => r.filter((_, i) => !drop.has(i)).join(',')).join('\n');
  }
  return out;
}

async function runWithStopAt(args: string[], point: number): Promise<{ code: number; stderr: string }> {
  process.env.NRC_TEST_CHECKPOINT_AT = String(point);
  try {
    return await runCli(args);
  } finally {
    delete process.env.NRC_TEST_CHECKPOINT_AT;
    clearStop();
  }
}

/**
 * Stop the first cell at its `point`-th consistent point, resume, and compare with an uninterrupted run.
 * Points per cell at the quick sizes (one per step, mini-batch, integrator step or layer) were counted once.
 */
const CASES: { name: string; args: string[]; point: number; loop: string; phase?: string }[] = [
  { name: 'gaussian-mixture (L-BFGS)', args: ['gaussian-mixture', '--preset', 'quick'], point: 500, loop: 'train-lbfgs' },
  {
    name: 'gaussian-mixture (GD)',
    args: ['gaussian-mixture', '--preset', 'quick', '--optimizer', 'gd', '--lr', '0.2', '--max-iters', '300'],
    point: 120,
    loop: 'train-gd',
  },
  {
    name: 'gaussian-mixture (--dtype mixed, stopped in the float32 phase)',
    args: ['gaussian-mixture', '--preset', 'quick', '--dtype', 'mixed'],
    point: 100,
    loop: 'train-lbfgs',
    phase: 'f32',
  },
  {
    name: 'gaussian-mixture (--dtype mixed, stopped in the float64 phase)',
    args: ['gaussian-mixture', '--preset', 'quick', '--dtype', 'mixed'],
    point: 600,
    loop: 'train-lbfgs',
    phase: 'f64',
  },
  { name: 'gradient-rank', args: ['gradient-rank', '--preset', 'quick'], point: 300, loop: 'train-lbfgs' },
  { name: 'deep-linear (second training of the cell)', args: ['deep-linear', '--preset', 'quick'], point: 200, loop: 'train-lbfgs' },
  { name: 'mnist-collapse (SGD with momentum)', args: ['mnist-collapse', '--preset', 'quick'], point: 7, loop: 'epochs' },
  { name: 'mnist-collapse (Adam)', args: ['mnist-collapse', '--preset', 'quick', '--optimizer', 'adam', '--lr', '0.001'], point: 13, loop: 'epochs' },
  { name: 'mnist-collapse (float32 products)', args: ['mnist-collapse', '--preset', 'quick', '--dtype', 'f32'], point: 9, loop: 'epochs' },
  { name: 'width-depth (second network of the cell)', args: ['width-depth', '--preset', 'quick'], point: 18, loop: 'epochs' },
  { name: 'nn-decomposition', args: ['nn-decomposition', '--preset', 'quick'], point: 5, loop: 'epochs' },
  { name: 'layerwise (Adam, batchnorm, second round)', args: ['layerwise', '--preset', 'quick'], point: 27, loop: 'epochs' },
  { name: 'wd-ablation', args: ['wd-ablation', '--preset', 'quick'], point: 11, loop: 'epochs' },
  { name: 'deep-rfm (layer loop)', args: ['deep-rfm', '--preset', 'quick'], point: 3, loop: 'deep-rfm' },
  { name: 'central-path (flow)', args: ['central-path', '--preset', 'quick'], point: 20, loop: 'central-path' },
  { name: 'central-path (Eq. 2 solver after the flow)', args: ['central-path', '--preset', 'quick'], point: 44, loop: 'ufm-lbfgs' },
  { name: 'ufm', args: ['ufm', '--preset', 'quick'], point: 100, loop: 'ufm-lbfgs' },
];

describe('a cell stopped mid-loop and resumed equals an uninterrupted run, byte for byte', () => {
  for (const c of CASES) {
    it(
      c.name,
      async () => {
        const common = ['run', ...c.args, '--no-plot', '--quiet'];
        const whole = tmp();
        const a = await runCli([...common, '--out', whole]);
        expect([0, 3]).toContain(a.code);

        const cut = tmp();
        const stopped = await runWithStopAt([...common, '--out', cut], c.point);
        expect(stopped.code).toBe(143);
        expect(stopped.stderr).toMatch(/Resume with: nrc .*--out/);
        const files = readdirSync(join(cut, CHECKPOINT_DIR));
        expect(files).toHaveLength(1);
        const manifest = JSON.parse(readFileSync(join(cut, 'manifest.json'), 'utf8'));
        const header = JSON.parse(readFileSync(join(cut, CHECKPOINT_DIR, files[0]), 'utf8').split('\n')[1]);
        const saved = readCheckpointFile(join(cut, CHECKPOINT_DIR, files[0]), { cellKey: header.cell_key, configHash: manifest.config_hash });
        expect(saved.ok).toBe(true);
        const loops = (saved as { value: { loops: { kind: string; done: boolean; state: { mixed?: { phase: string } } }[] } }).value.loops;
        expect(loops[loops.length - 1]).toMatchObject({ kind: c.loop, done: false }); // stopped inside the loop meant
        if (c.phase) expect(loops[loops.length - 1].state.mixed?.phase).toBe(c.phase); // and in the precision phase meant

        const resumed = await runCli([...common, '--out', cut]);
        expect(resumed.code).toBe(a.code);
        expect(resumed.stderr).toContain(`resuming ${header.cell_key} from checkpoint (`);
        expect(existsSync(join(cut, CHECKPOINT_DIR))).toBe(false); // removed when the cell committed
        expect(tables(cut)).toEqual(tables(whole));
        const after = JSON.parse(readFileSync(join(cut, 'manifest.json'), 'utf8'));
        const cell = after.cells.find((x: { key: string }) => x.key === header.cell_key);
        expect(cell.seconds).toBeGreaterThanOrEqual(header.cell_seconds); // the time before the stop is counted
      },
      120_000,
    );
  }
});

describe('damaged checkpoints', () => {
  /** gaussian-mixture --preset quick run whole, and once more stopped at point 400 (as SIGTERM) with its checkpoint file. */
  async function stoppedQuickRun(): Promise<{ common: string[]; whole: string; cut: string; file: string }> {
    const common = ['run', 'gaussian-mixture', '--preset', 'quick', '--no-plot', '--quiet'];
    const whole = tmp();
    expect((await runCli([...common, '--out', whole])).code).toBe(0);
    const cut = tmp();
    expect((await runWithStopAt([...common, '--out', cut], 400)).code).toBe(143);
    const file = join(cut, CHECKPOINT_DIR, readdirSync(join(cut, CHECKPOINT_DIR))[0]);
    return { common, whole, cut, file };
  }

  it('a flipped byte is detected by the checksum, reported, and the cell restarts from scratch (same bytes)', async () => {
    const { common, whole, cut, file } = await stoppedQuickRun();
    const bytes = readFileSync(file);
    bytes[bytes.length - 3] ^= 0x10; // inside the binary arrays
    writeFileSync(file, bytes);
    const resumed = await runCli([...common, '--out', cut]);
    expect(resumed.code).toBe(0);
    expect(resumed.stderr).toMatch(/checkpoint of .* is damaged \(checksum mismatch/);
    expect(resumed.stderr).not.toContain('resuming');
    expect(tables(cut)).toEqual(tables(whole));
  }, 120_000);

  it("a valid checkpoint that does not fit the cell's loops is reported and the cell restarts from scratch", async () => {
    const { common, whole, cut, file } = await stoppedQuickRun();
    const header = JSON.parse(readFileSync(file, 'utf8').split('\n')[1]);
    const meta = { cellKey: header.cell_key, configHash: header.config_hash };
    const saved = readCheckpointFile(file, meta) as { value: { loops: { kind: string }[] } };
    saved.value.loops[0].kind = 'train-gd'; // a gradient-descent loop where the cell runs L-BFGS
    writeCheckpointFile(file, meta, saved.value);
    const resumed = await runCli([...common, '--out', cut]);
    expect(resumed.code).toBe(0);
    expect(resumed.stderr).toMatch(/checkpoint of .* does not fit this cell \(loop 1 is a train-lbfgs loop, the checkpoint saved a train-gd loop\)/);
    expect(tables(cut)).toEqual(tables(whole));
  }, 120_000);

  it("a truncated file, another cell's file and a file of another configuration are refused", () => {
    const dir = tmp();
    const meta = { cellKey: 'a=1', configHash: 'h1' };
    const ck = new CellCheckpoint({ outDir: dir, ...meta, everyMinutes: 0 });
    const loop = ck.loop('test');
    loop.point(() => ({ x: Float64Array.of(1, 2, 3) }));
    ck.write();
    const path = checkpointPath(dir, 'a=1');
    expect(readCheckpointFile(path, meta).ok).toBe(true);
    expect(readCheckpointHeader(path)).toMatchObject({ cell_key: 'a=1', config_hash: 'h1', body_bytes: expect.any(Number) });
    expect(readCheckpointFile(path, { ...meta, configHash: 'h2' })).toMatchObject({ ok: false, reason: 'written by another configuration' });
    expect(readCheckpointFile(path, { ...meta, cellKey: 'a=2' })).toMatchObject({ ok: false });
    writeFileSync(path, readFileSync(path).subarray(0, -5));
    expect(readCheckpointFile(path, meta)).toMatchObject({ ok: false });
    expect((readCheckpointFile(path, meta) as { reason: string }).reason).toMatch(/truncated/);
    const restored = new CellCheckpoint({ outDir: dir, ...meta, everyMinutes: 0 }).restore();
    expect(restored).toMatchObject({ damaged: expect.stringMatching(/truncated/) });
    expect(existsSync(path)).toBe(false); // deleted, never used
  });
});

describe('state encoding', () => {
  it('keeps NaN, infinities, -0, undefined, typed arrays and nesting exactly', () => {
    const v = {
      a: NaN,
      b: -0,
      c: Infinity,
      d: -Infinity,
      e: 0.1 + 0.2,
      f: undefined,
      g: [1, 'x', null, true],
      h: Float64Array.of(Math.PI, -0, NaN, 1e-310),
      i: Int32Array.of(-7, 2 ** 31 - 1),
      j: Float32Array.of(1.5),
      k: [{ z: Uint8Array.of(255, 0) }],
    };
    const back = decodeState(encodeState(v)) as typeof v;
    expect(Object.is(back.b, -0)).toBe(true);
    expect(back.a).toBeNaN();
    expect(back).toHaveProperty('f');
    expect(back.f).toBeUndefined();
    expect(back.e).toBe(0.30000000000000004);
    expect(Array.from(back.h).map((x) => (Object.is(x, -0) ? '-0' : String(x)))).toEqual([String(Math.PI), '-0', 'NaN', '1e-310']);
    expect(back.i).toEqual(Int32Array.of(-7, 2 ** 31 - 1));
    expect(back.j).toEqual(Float32Array.of(1.5));
    expect(back.k[0].z).toEqual(Uint8Array.of(255, 0));
    expect({ ...back, a: 0, h: null }).toEqual({ ...v, a: 0, h: null });
  });

  it('a stream restored from its exported position continues with the same draws (normals included)', () => {
    const r = new Rng('s');
    r.normals(3); // leaves a spare Box-Muller value
    const st = decodeState(encodeState(r.exportState())) as ReturnType<Rng['exportState']>;
    const expected = r.normals(5);
    const again = new Rng('s');
    again.restore(st);
    expect(again.normals(5)).toEqual(expected);
  });
});

describe('nn training loops resume exactly (in process, through the checkpoint API)', () => {
  const specs: OptimizerSpec[] = [
    { kind: 'lbfgs' },
    { kind: 'gd', lr: 0.05 },
    { kind: 'sgd', lr: 0.05, momentum: 0.9, batchSize: 7 },
    { kind: 'adam', lr: 0.01, batchSize: 7 },
  ];
  for (const optimizer of specs) {
    it(optimizer.kind, () => {
      const rng = new Rng('data');
      const X = new Matrix(30, 4, rng.normals(120));
      const build = () => new MLP({ widths: [4, 6, 4], activation: 'tanh', batchnorm: true }, new Rng('init'));
      const opts = {
        loss: 'squared' as const,
        weightDecay: 1e-3,
        optimizer,
        maxIters: optimizer.kind === 'lbfgs' || optimizer.kind === 'gd' ? 60 : 8,
        history: true,
        reportEvery: 3,
      };
      const whole = build();
      const ref = train(whole, X, X, { ...opts, rng: new Rng('t') });

      const dir = tmp();
      const meta = { outDir: dir, cellKey: 'k', configHash: 'h', everyMinutes: 0 };
      const first = build();
      const ck1 = new CellCheckpoint({ ...meta, stopAtPoint: 17 });
      expect(() => train(first, X, X, { ...opts, rng: new Rng('t'), checkpoint: ck1 })).toThrow(StopRequested);
      clearStop();
      ck1.write();
      const second = build();
      const ck2 = new CellCheckpoint(meta);
      expect(ck2.restore()).toHaveProperty('header');
      const res = train(second, X, X, { ...opts, rng: new Rng('t'), checkpoint: ck2 });
      expect(Buffer.from(second.params.buffer)).toEqual(Buffer.from(whole.params.buffer));
      expect(second.runningStats()).toEqual(whole.runningStats());
      expect(encodeState(res)).toEqual(encodeState(ref));
    });
  }
});

describe('a full-batch run resumed at its last step', () => {
  it('reports the same result as the uninterrupted run (the stationarity at the restored parameters, not at the fresh model)', () => {
    const rng = new Rng('data-last');
    const X = new Matrix(30, 4, rng.normals(120));
    const build = () => new MLP({ widths: [4, 6, 4], activation: 'tanh' }, new Rng('init-last'));
    const opts = { loss: 'squared' as const, weightDecay: 1e-2, optimizer: { kind: 'lbfgs' } as OptimizerSpec, maxIters: 6 };
    const whole = build();
    const ref = train(whole, X, X, opts);
    expect(ref.status).toBe('max_iters');
    for (let stopAt = 5; stopAt <= 8; stopAt++) {
      const dir = tmp();
      const meta = { outDir: dir, cellKey: 'k', configHash: 'h', everyMinutes: 0 };
      const ck1 = new CellCheckpoint({ ...meta, stopAtPoint: stopAt });
      let stopped = false;
      try {
        train(build(), X, X, { ...opts, checkpoint: ck1 });
      } catch (e) {
        if (!(e instanceof StopRequested)) throw e;
        stopped = true;
      }
      clearStop();
      if (!stopped) continue; // past the last point: nothing to resume
      ck1.write();
      const second = build();
      const ck2 = new CellCheckpoint(meta);
      expect(ck2.restore()).toHaveProperty('header');
      const res = train(second, X, X, { ...opts, checkpoint: ck2 });
      expect(encodeState(res)).toEqual(encodeState(ref));
      expect(Buffer.from(second.params.buffer)).toEqual(Buffer.from(whole.params.buffer));
    }
  });
});

describe('stop checks inside long products', () => {
  it('a product long enough to run as row blocks equals the same rows computed in one call, bit for bit', async () => {
    const { gemm, gemmStopBlock, stopBlockRows } = await import('../../src/linalg/gemm.ts');
    const rng = new Rng('gemm');
    const m = 1000,
      k = 96,
      n = 80;
    const A = new Matrix(m, k, rng.normals(m * k));
    const B = new Matrix(n, k, rng.normals(n * k));
    const saved = gemmStopBlock.flops;
    gemmStopBlock.flops = 2 * 200 * n * k; // blocks of 256 rows (rounded up to a multiple of 64)
    try {
      expect(stopBlockRows(m, n, k)).toBe(256);
      const C = gemm(A, B, { transB: true });
      gemmStopBlock.flops = saved;
      expect(stopBlockRows(m, n, k)).toBe(m);
      const whole = gemm(A, B, { transB: true });
      expect(Buffer.from(C.data.buffer)).toEqual(Buffer.from(whole.data.buffer));
      const r0 = 200,
        r1 = 700; // the rows of a block boundary, in one call of their own
      const part = gemm(new Matrix(r1 - r0, k, A.data.subarray(r0 * k, r1 * k)), B, { transB: true });
      expect(Buffer.from(part.data.buffer)).toEqual(Buffer.from(C.data.slice(r0 * n, r1 * n).buffer));
    } finally {
      gemmStopBlock.flops = saved;
    }
  }, 60_000);
});

describe('signals during a long step of a large cell (real processes)', () => {
  /** Start the bin, send `signal` once the cell's checkpoint shows `ready(state)` (plus `delayMs`); resolve with how it ended. */
  function stopWhen(
    args: string[],
    dir: string,
    ready: (loop: Record<string, unknown>) => boolean,
    signal: NodeJS.Signals,
    delayMs: number,
  ): Promise<{ code: number | null; stderr: string; secondsToExit: number }> {
    return new Promise((resolve) => {
      const child = spawn(process.execPath, [binPath, ...args], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, NRC_THREADS: '2' } });
      let stderr = '';
      let sentAt = 0;
      child.stderr.on('data', (d) => {
        stderr += String(d);
      });
      const poll = setInterval(() => {
        try {
          const ckDir = join(dir, CHECKPOINT_DIR);
          if (!existsSync(ckDir) || sentAt) return;
          const file = join(ckDir, readdirSync(ckDir).filter((f) => f.endsWith('.ckpt'))[0]);
          const header = JSON.parse(readFileSync(file, 'utf8').split('\n')[1]);
          const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
          const r = readCheckpointFile(file, { cellKey: header.cell_key, configHash: manifest.config_hash });
          const loops = r.ok ? (r.value as { loops: { state: Record<string, unknown> }[] }).loops : [];
          if (loops.length && ready(loops[loops.length - 1].state)) {
            sentAt = -1;
            setTimeout(() => {
              sentAt = performance.now();
              child.kill(signal);
            }, delayMs);
          }
        } catch {
          /* being written */
        }
      }, 50);
      child.on('exit', (code) => {
        clearInterval(poll);
        resolve({ code, stderr, secondsToExit: sentAt > 0 ? (performance.now() - sentAt) / 1000 : NaN });
      });
    });
  }

  it('SIGTERM, then SIGUSR1, inside L-BFGS steps of a 784-400-300-400-784 autoencoder on 4000 samples: checkpoint, exit 143 / 138, resume equals an uninterrupted run', async () => {
    const common = [
      'run',
      'gaussian-mixture',
      '--k',
      '10',
      '--n',
      '4000',
      '--dim',
      '784',
      '--hidden',
      '400,300,400',
      '--lambda',
      '1e-3',
      '--sigma',
      '0.1',
      '--max-iters',
      '5',
      '--no-plot',
    ];
    const whole = tmp();
    const a = spawnSync(process.execPath, [binPath, ...common, '--out', whole, '--quiet'], { env: { ...process.env, NRC_THREADS: '2' } });
    expect(a.status).toBe(3); // not_converged after 5 steps
    const cut = tmp();
    const args = [...common, '--out', cut, '--checkpoint-every', '0.001']; // timed checkpoints at every step (0.06 s)

    const term = await stopWhen(args, cut, (s) => (s.iter as number) >= 1, 'SIGTERM', 300);
    expect(term.code).toBe(143);
    expect(term.stderr).toMatch(/SIGTERM: stopped the running cell/);
    expect(term.stderr).toMatch(/checkpoint of .* written: .*\.ckpt/);
    expect(term.stderr).toMatch(/Resume with: nrc run gaussian-mixture .*--out /);
    expect(term.stderr).not.toMatch(/with no cell running/); // the signal's queued main-thread event is not taken for a second one
    // One evaluation of L_lambda here is several seconds of products on a loaded machine; the stop takes well under one.
    expect(term.secondsToExit).toBeLessThan(10);

    const usr1 = await stopWhen(args, cut, (s) => (s.iter as number) >= 3, 'SIGUSR1', 300);
    expect(usr1.code).toBe(138);
    expect(usr1.stderr).toMatch(/resuming .* from checkpoint \(/);
    expect(usr1.secondsToExit).toBeLessThan(10);

    const done = spawnSync(process.execPath, [binPath, ...args], { env: { ...process.env, NRC_THREADS: '2' }, encoding: 'utf8' });
    expect(done.status).toBe(3);
    expect(done.stderr).toMatch(/resuming .* from checkpoint \(/);
    expect(existsSync(join(cut, CHECKPOINT_DIR))).toBe(false);
    expect(tables(cut)).toEqual(tables(whole));
  }, 600_000);

  it('SIGINT inside an Adam epoch of mnist-collapse (784-256-256-10, 3000 digits): exit 130, resume equals an uninterrupted run', async () => {
    const common = [
      'run',
      'mnist-collapse',
      '--lambda',
      '1e-3',
      '--hidden',
      '256,256',
      '--n',
      '3000',
      '--n-test',
      '500',
      '--pool',
      '1',
      '--epochs',
      '4',
      '--every',
      '1',
      '--optimizer',
      'adam',
      '--lr',
      '0.001',
      '--batch-size',
      '32',
      '--no-plot',
    ];
    const whole = tmp();
    const a = spawnSync(process.execPath, [binPath, ...common, '--out', whole, '--quiet'], { env: { ...process.env, NRC_THREADS: '2' } });
    expect(a.status).toBe(0);
    const cut = tmp();
    const args = [...common, '--out', cut, '--checkpoint-every', '0.001'];
    const int = await stopWhen(args, cut, (s) => (s.epoch as number) >= 1 && (s.start as number) > 0, 'SIGINT', 100);
    expect(int.code).toBe(130);
    expect(int.stderr).toMatch(/SIGINT: stopped the running cell/);
    expect(int.secondsToExit).toBeLessThan(10);
    const done = spawnSync(process.execPath, [binPath, ...args], { env: { ...process.env, NRC_THREADS: '2' }, encoding: 'utf8' });
    expect(done.status).toBe(0);
    expect(done.stderr).toMatch(/resuming .* from checkpoint \(/);
    expect(tables(cut)).toEqual(tables(whole));
  }, 600_000);
});

describe('the MNIST epoch loop with float32 SGD (float32 master parameters and velocity) resumes exactly', () => {
  for (const stopAtPoint of [3, 9, 14]) {
    it(`stopped at consistent point ${stopAtPoint}`, async () => {
      const { trainEpochs } = await import('../../src/nn/mnist-training.ts');
      const rng = new Rng('data-f32');
      const N = 60;
      const ds = { X: new Matrix(N, 6, rng.normals(N * 6)), labels: Int32Array.from({ length: N }, (_, i) => i % 3), classes: 3 };
      const build = () => new MLP({ widths: [6, 8, 3], activation: 'tanh', dtype: 'f32' }, new Rng('init'));
      const training = {
        epochs: 3,
        lr: 0.05,
        batchSize: 16,
        optimizer: 'sgd',
        momentum: 0.9,
        loss: 'squared',
        dtype: 'f32' as const,
        targets: 'onehot',
      };
      const run = (model: MLP, ck?: CellCheckpoint) => {
        const losses: number[] = [];
        const res = trainEpochs({ signal: new AbortController().signal, checkpoint: ck }, model, ds, {
          lambda: 1e-3,
          training,
          every: 1,
          rng: new Rng('t'),
          onRecord: (_e, loss) => {
            losses.push(loss);
          },
        });
        return res.then((r) => ({ r, losses }));
      };
      const whole = build();
      const ref = await run(whole);
      const meta = { outDir: tmp(), cellKey: 'k', configHash: 'h', everyMinutes: 0 };
      const ck1 = new CellCheckpoint({ ...meta, stopAtPoint });
      const first = build();
      await expect(run(first, ck1)).rejects.toThrow(StopRequested);
      clearStop();
      expect(first.f32Master).toBeNull(); // handed back on the way out
      ck1.write();
      const model = build();
      const ck2 = new CellCheckpoint(meta);
      expect(ck2.restore()).toHaveProperty('header');
      const again = await run(model, ck2);
      expect(Buffer.from(model.params.buffer)).toEqual(Buffer.from(whole.params.buffer));
      expect(again.r).toEqual(ref.r);
      expect(again.losses).toEqual(ref.losses.slice(ref.losses.length - again.losses.length));
    });
  }
});

describe('a stop while an epoch is being recorded (after its last mini-batch)', () => {
  it('resumes from the end of the epoch: same parameters and rows as an uninterrupted run', async () => {
    const { trainEpochs } = await import('../../src/nn/mnist-training.ts');
    const { requestStop } = await import('../../src/linalg/interrupt.ts');
    const rng = new Rng('data');
    const N = 50;
    const ds = { X: new Matrix(N, 6, rng.normals(N * 6)), labels: Int32Array.from({ length: N }, (_, i) => i % 3), classes: 3 };
    const build = () => new MLP({ widths: [6, 8, 3], activation: 'tanh', batchnorm: true }, new Rng('init'));
    const training = {
      epochs: 4,
      lr: 0.05,
      batchSize: 16,
      optimizer: 'sgd',
      momentum: 0.9,
      loss: 'squared',
      dtype: 'f64' as const,
      targets: 'onehot',
    };
    const run = async (model: MLP, ck: CellCheckpoint | undefined, stopInRecord: number) => {
      const rows = ck ? ck.rows<{ epoch: number; loss: number; out: number }>('r') : [];
      const res = await trainEpochs({ signal: new AbortController().signal, checkpoint: ck }, model, ds, {
        lambda: 1e-3,
        mode: 'train',
        training,
        every: 1,
        rng: new Rng('t'),
        onRecord: (epoch, loss) => {
          if (epoch === stopInRecord) requestStop(15); // a signal arrives while the epoch's rows are computed
          rows.push({ epoch, loss, out: 0 });
          rows[rows.length - 1].out = model.predict(ds.X).data[0]; // a forward pass: it sees the stop
        },
      });
      return { res, rows };
    };
    const whole = build();
    const ref = await run(whole, undefined, -1);
    const meta = { outDir: tmp(), cellKey: 'k', configHash: 'h', everyMinutes: 0 };
    const ck1 = new CellCheckpoint(meta);
    await expect(run(build(), ck1, 2)).rejects.toThrow(StopRequested);
    clearStop();
    ck1.write();
    const model = build();
    const ck2 = new CellCheckpoint(meta);
    expect(ck2.restore()).toHaveProperty('header');
    const again = await run(model, ck2, -1);
    expect(Buffer.from(model.params.buffer)).toEqual(Buffer.from(whole.params.buffer));
    expect(model.runningStats()).toEqual(whole.runningStats());
    expect(again.rows).toEqual(ref.rows);
    expect(again.res).toEqual(ref.res);
  });
});
