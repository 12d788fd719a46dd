// width-depth: soft rank rk(eps) of every layer at the end of training vs width and vs depth (NRC,
// Zangrando et al., Sec. 6.4, Figures 4-5): (a) 4 hidden tanh layers of width n over --widths,
// (b) hidden width 2 x input dimension over --depths, for each --lambda. One cell per (lambda, sweep)
// trains one network per entry of the swept list, so the two lists never form a product.
import { softRank } from '../src/metrics/index.ts';
import { defineExperiment, type Row } from '../src/runner/types.ts';
import {
  type MnistDataParams,
  type MnistTrainingParams,
  accuracy,
  estimateTrainingBytes,
  inputDim,
  loadMnistData,
  commonStreams,
  tanhMlp,
  trainEpochs,
  validateMnistData,
} from '../src/nn/mnist-training.ts';
import { mnistDataParams, mnistTrainingParams } from './shared/mnist-params.ts';
import { addCosts, costEstimate, describeMiniBatch, epochCost, miniBatchTiming } from './shared/calibrate.ts';
import { Rng } from '../src/random/index.ts';
import { figures } from './width-depth.figures.ts';

export type WidthDepthParams = MnistDataParams &
  MnistTrainingParams & {
    lambda: number;
    sweep: string;
    widths: number[];
    depths: number[];
    widthSweepDepth: number;
    depthSweepWidth: number;
    eps: number;
    plateauWindow: number;
    plateauTol: number;
  };

/** Hidden widths of every network a cell trains, with the swept value (width or depth) it reports. */
export function networks(p: WidthDepthParams): { value: number; hidden: number[] }[] {
  if (p.sweep === 'width') return p.widths.map((w) => ({ value: w, hidden: Array<number>(p.widthSweepDepth).fill(w) }));
  const w = p.depthSweepWidth > 0 ? p.depthSweepWidth : 2 * inputDim(p); // paper: twice the input dimension
  return p.depths.map((depth) => ({ value: depth, hidden: Array<number>(depth).fill(w) }));
}

/** Tables of a run (CSV files) and their columns; the figures (width-depth.figures.ts) are checked against them. */
export const tables = {
  width: ['lambda', 'seed', 'width', 'layer', 'soft_rank', 'epochs', 'reached_rule', 'train_loss', 'train_acc', 'test_acc'],
  depth: ['lambda', 'seed', 'depth', 'layer', 'soft_rank', 'epochs', 'reached_rule', 'train_loss', 'train_acc', 'test_acc'],
} as const;

export default defineExperiment<WidthDepthParams, typeof tables>({
  name: 'width-depth',
  summary: 'Soft rank rk(0.1) of each layer after training vs width and vs depth on MNIST (NRC Sec. 6.4, Figs. 4-5)',
  description:
    'Neural Rank Collapse (Zangrando et al.), Section 6.4, Figures 4 and 5. Fully connected tanh networks ' +
    '(biases, identity output, PyTorch default init) are trained on MNIST by mini-batch SGD with momentum (or Adam) on ' +
    'L_lambda (Eq. 3, squared loss on one-hot labels by default) until the stopping rule, a train-loss plateau (the best L_lambda of the last ' +
    '--plateau-window epochs is not --plateau-tol, relative, below the best before them), or at most --epochs; the reached_rule ' +
    'column is false (and the cell status not_converged) for a network that hit the cap first. Then rk(eps) = min{r : e(r) <= eps} ' +
    '(Sec. 6.4, e(r) of Eq. 22) of every weight matrix W_l (layer l = 1..L) is written. Grid cells are (lambda, sweep): ' +
    'sweep=width trains, for each n in --widths, a network with --width-sweep-depth (paper: 4) hidden layers of width n ' +
    '(width.csv); sweep=depth trains, for each D in --depths, D hidden layers of width --depth-sweep-width ' +
    '(0 = twice the input dimension, as in the paper) (depth.csv). Figure 4 plots the intermediate (hidden-to-hidden) ' +
    'layers, Figure 5 the average over layers: both can be formed from the per-layer rows. Paper shape: rk depends only ' +
    'mildly on width and not on depth at fixed lambda (for large enough lambda), and decreases with lambda.',
  params: [
    { name: 'lambda', kind: 'float', grid: true, min: 0, default: 1e-3, help: 'weight decay lambda (NRC Eq. 3); a list is a grid' },
    {
      name: 'sweep',
      kind: 'string',
      grid: true,
      choices: ['width', 'depth'],
      default: 'width',
      help: 'which sweep a cell runs: width (Fig. 4) or depth (Fig. 5); width,depth runs both',
    },
    { name: 'widths', kind: 'ints', positive: true, max: 8192, default: [16, 32, 64, 128], help: 'hidden widths n of the width sweep' },
    { name: 'depths', kind: 'ints', positive: true, max: 64, default: [1, 2, 3], help: 'numbers of hidden layers of the depth sweep' },
    { name: 'widthSweepDepth', kind: 'int', positive: true, max: 64, default: 4, help: 'hidden layers of the width sweep (paper: 4)' },
    { name: 'depthSweepWidth', kind: 'int', min: 0, max: 8192, default: 0, help: 'hidden width of the depth sweep; 0 = 2 x input dimension (paper)' },
    { name: 'eps', kind: 'float', min: 0, max: 1, default: 0.1, help: 'tolerance of the soft rank rk(eps) (paper: 0.1)' },
    ...mnistTrainingParams({ epochs: 1000, lr: 0.05, batchSize: 64 }).map((s) =>
      s.name === 'epochs' ? { ...s, help: 'most training epochs (the cap of the plateau rule)' } : s,
    ),
    {
      name: 'plateauWindow',
      kind: 'int',
      min: 0,
      max: 1e5,
      default: 50,
      help: 'stopping rule: stop when the best L_lambda of the last this many epochs is not --plateau-tol (relative) below the best before them; 0 = train all --epochs',
    },
    {
      name: 'plateauTol',
      kind: 'float',
      min: 0,
      max: 1,
      default: 1e-3,
      help: 'relative fall of L_lambda over --plateau-window epochs below which training stops',
    },
    ...mnistDataParams({ n: 1000, nTest: 500, pool: 4 }),
  ],
  presets: {
    quick: { lambda: [1e-3], sweep: ['width', 'depth'], widths: [12, 24], depths: [1, 2], epochs: 3, n: 200, nTest: 100, pool: 7 },
    default: { lambda: [1e-3, 3e-3, 1e-2], sweep: ['width', 'depth'] },
    paper: {
      lambda: [1e-3, 3e-3, 1e-2],
      sweep: ['width', 'depth'],
      widths: [64, 128, 256, 512, 1024],
      depths: [1, 2, 3, 4, 5, 6],
      pool: 1,
      n: 9000,
      nTest: 1000,
      epochs: 1000,
    },
  },
  tables,
  figures,
  validate: (p) => validateMnistData(p),
  estimateBytes: (p) => Math.max(...networks(p).map((net) => estimateTrainingBytes(p.n, p.nTest, [inputDim(p), ...net.hidden, 10]))),
  async estimate(p, ctx) {
    const plateau = p.plateauWindow > 0;
    let total = { cpu: 0, wall: 0 };
    const parts: string[] = [];
    for (const net of networks(p)) {
      const widths = [inputDim(p), ...net.hidden, 10];
      const t = await miniBatchTiming(
        ctx,
        `tanh ${widths.join('x')} ${p.dtype}`,
        () => tanhMlp(widths[0], net.hidden, 10, new Rng('calibration'), p.dtype),
        { ...p, weightDecay: p.lambda },
      );
      total = addCosts(total, epochCost(t, p.epochs, 2, plateau)); // records at epoch 0 and at the end
      parts.push(`${p.sweep} ${net.value}: ${describeMiniBatch(t, p)}`);
    }
    const budget = plateau ? `at most ${p.epochs} epochs each (the plateau rule stops earlier)` : `${p.epochs} epochs each`;
    return costEstimate(total, `${networks(p).length} networks, ${budget}; ${parts.join('; ')}`, plateau);
  },
  async runCell(ctx) {
    const p = ctx.params;
    const streams = commonStreams('width-depth', ctx.seed); // common random numbers: the same digits and per-architecture weights for every lambda
    const data = loadMnistData(p, streams.data);
    const nets = networks(p);
    const cost = nets.map((net) => [inputDim(p), ...net.hidden, 10].reduce((s, w, i, a) => s + (i ? w * a[i - 1] : 0), 0));
    const total = cost.reduce((a, b) => a + b, 0);
    const rows: Row[] = [];
    const failed: string[] = [];
    const unreached: string[] = [];
    const plateau = p.plateauWindow > 0 ? { window: p.plateauWindow, tol: p.plateauTol } : undefined;
    let doneCost = 0;
    for (let k = 0; k < nets.length; k++) {
      const net = nets[k];
      const model = tanhMlp(data.train.X.cols, net.hidden, data.classes, streams.init(net.hidden), p.dtype);
      const res = await trainEpochs(ctx, model, data.train, {
        lambda: p.lambda,
        training: p,
        every: Math.max(p.epochs, 1),
        rng: streams.train,
        ...(plateau ? { plateau } : {}),
        progress: (f, m) => ctx.progress((doneCost + f * cost[k]) / total, `${p.sweep} ${net.value}: ${m}`),
      });
      doneCost += cost[k];
      if (res.status === 'failed') return { status: 'failed', rows: {}, message: res.message };
      if (res.status !== 'ok') {
        failed.push(`${p.sweep} ${net.value}: ${res.message}`);
        continue;
      }
      const reached = plateau ? res.reachedRule === true : true; // without a rule, the fixed epochs are the rule
      if (!reached) unreached.push(`${p.sweep} ${net.value}`);
      const fit = {
        epochs: res.epochs,
        reached_rule: reached,
        train_loss: res.loss,
        train_acc: accuracy(model, data.train),
        test_acc: accuracy(model, data.test),
      };
      model.layers.forEach((layer, l) => {
        rows.push({ [p.sweep]: net.value, layer: l + 1, soft_rank: softRank(layer.W, p.eps), ...fit }); // rk(eps), NRC Sec. 6.4
      });
      ctx.log(
        `lambda ${p.lambda} ${p.sweep} ${net.value}: ${res.epochs} epochs${reached ? '' : ' (no plateau)'}, loss ${res.loss.toPrecision(4)}, ` +
          `train acc ${fit.train_acc.toFixed(3)}, test acc ${fit.test_acc.toFixed(3)}`,
      );
    }
    const message = [
      ...failed,
      ...(unreached.length
        ? [
            `no loss plateau (best L_lambda not ${p.plateauTol} lower over ${p.plateauWindow} epochs) within ${p.epochs} epochs: ${unreached.join(', ')}`,
          ]
        : []),
    ].join('; ');
    return {
      status: failed.length ? 'diverged' : unreached.length ? 'not_converged' : 'ok',
      rows: { [p.sweep]: rows },
      ...(message ? { message } : {}),
    };
  },
});
