// `nrc check` claims of the experiments' fidelity to the papers' protocols: common random numbers across
// lambda (NRC Sec. 6.3-6.4 vary lambda alone, so cells differing only in lambda start from the same digits and
// weights), and the AGOP paper's +-1 targets (App. C: +1 for the class, -1 elsewhere) in nn-decomposition.
import { encodeTargets } from '../nn/mnist-training.ts';
import { Matrix } from '../linalg/index.ts';
import { cellKey, cellRng } from '../runner/params.ts';
import type { CellParams, CellResult, Experiment, Row } from '../runner/types.ts';
import { checkRow, type CheckRow, type Claim } from './types.ts';

/** Defaults of an experiment overridden by `over` (grid parameters as scalars). */
function paramsOf(exp: Experiment, over: CellParams): CellParams {
  const p: CellParams = {};
  for (const s of exp.params) p[s.name] = s.default;
  return { ...p, ...over };
}

/** One cell run directly, as the runner would (the cell stream keyed by all parameters; files go nowhere). */
async function runCell(exp: Experiment, p: CellParams, seed: number): Promise<CellResult> {
  const key = cellKey(exp, p, seed);
  return exp.runCell({
    params: p,
    seed,
    rng: cellRng(key),
    cellKey: key,
    outDir: '/nonexistent',
    progress: () => {},
    log: () => {},
    signal: new AbortController().signal,
  });
}

/** Largest |a - b| over the numeric field `field` of two row lists of equal length (Infinity when they do not pair up). */
function maxDiff(a: Row[], b: Row[], field: string): number {
  if (a.length !== b.length || a.length === 0) return Infinity;
  return Math.max(...a.map((r, i) => Math.abs(Number(r[field]) - Number(b[i][field]))));
}

const LAMBDAS = [1e-4, 3e-3];

export const fidelityClaims: Claim[] = [
  {
    // NRC Sec. 6.3: the epoch-0 WCSS (Eq. 6) of every layer's input is the same for every lambda of a seed.
    id: 'fidelity:crn-mnist-collapse',
    async run(env): Promise<CheckRow[]> {
      const mnistCollapse = await env.experiment('mnist-collapse');
      const base = paramsOf(mnistCollapse, { n: 200, nTest: 50, pool: 4, hidden: [16, 16], epochs: 0, every: 1 });
      const [a, b] = await Promise.all(LAMBDAS.map((lambda) => runCell(mnistCollapse, { ...base, lambda }, 0)));
      const config = `n=200 pool=4 hidden=16x16 seed=0 lambda=${LAMBDAS.join(' vs ')} (max |diff| of epoch-0 WCSS over layers)`;
      return [checkRow('Common random numbers across lambda (mnist-collapse)', config, maxDiff(a.rows.tcv, b.rows.tcv, 'wcss'), '~=', 0, 0)];
    },
  },
  {
    // NRC Sec. 6.4: networks of one architecture start from the same weights for every lambda (equal accuracy at init).
    id: 'fidelity:crn-width-depth',
    async run(env): Promise<CheckRow[]> {
      const widthDepth = await env.experiment('width-depth');
      const base = paramsOf(widthDepth, { n: 200, nTest: 50, pool: 7, sweep: 'width', widths: [12, 24], epochs: 0 });
      const [a, b] = await Promise.all(LAMBDAS.map((lambda) => runCell(widthDepth, { ...base, lambda }, 0)));
      const config = `n=200 pool=7 widths=12,24 seed=0 lambda=${LAMBDAS.join(' vs ')} (max |diff| of initial train accuracy and rk(0.1))`;
      const d = Math.max(maxDiff(a.rows.width, b.rows.width, 'train_acc'), maxDiff(a.rows.width, b.rows.width, 'soft_rank'));
      return [checkRow('Common random numbers across lambda (width-depth)', config, d, '~=', 0, 0)];
    },
  },
  {
    // AGOP App. C: targets +1 for the class and -1 elsewhere, so each target row sums to 2 - K and has entries +-1.
    id: 'fidelity:pm1-targets',
    async run(env): Promise<CheckRow[]> {
      const encoding = String((await env.experiment('nn-decomposition')).params.find((s) => s.name === 'targets')?.default);
      const K = 10;
      const labels = Int32Array.from({ length: K }, (_, k) => k);
      const Y = encodeTargets(labels, K, encoding);
      const M = Y instanceof Matrix ? Y : new Matrix(K, K);
      const offClass = M.data.filter((_, i) => Math.floor(i / K) !== i % K);
      return [
        checkRow(
          'AGOP App. C +-1 targets (nn-decomposition default)',
          `--targets ${encoding}: mean row sum, K=${K}`,
          M.data.reduce((s, v) => s + v, 0) / K,
          '~=',
          2 - K,
          0,
        ),
        checkRow(
          'AGOP App. C +-1 targets (nn-decomposition default)',
          `--targets ${encoding}: off-class entries`,
          Math.max(...offClass),
          '~=',
          -1,
          0,
        ),
      ];
    },
  },
];
