// `nrc analyze`: neural-collapse and low-rank measures of features and weights that users dump from
// their own models.
//   nrc analyze FEATURES --labels LABELS [--classifier W] [--json] [--out DIR]
//   nrc analyze --weights FILE... [--rank r] [--eps e] [--json] [--out DIR]
import { Command } from '@commander-js/extra-typings';
import { accessSync, constants, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { checkOutPath } from '../runner/store.ts';
import { basename, dirname, join, resolve } from 'node:path';
import { stringify } from 'csv-stringify/sync';
import { Matrix } from '../linalg/index.ts';
import { ACCEPTED, DataFileError, globToRegExp, isDataFile, loadLabels, loadMatrix, loadTensors, loadWeights, type NamedMatrix } from '../io/load.ts';
import { streamClassStats } from '../metrics/stream.ts';
import { classIndex, oneHot } from '../metrics/classes.ts';
import { tcvUpper } from '../metrics/clusters.ts';
import {
  classStats,
  collapseMetricsFromStats,
  globalMeanConventions,
  globalMeanFromChoice,
  type ClassStats,
  type GlobalMean,
} from '../metrics/collapse.ts';
import { geometryMetrics, nccAccuracy, type GeometryMetrics } from '../metrics/geometry.ts';
import { lowRankSummary } from '../metrics/lowrank.ts';
import { Rng } from '../random/index.ts';
import { EXIT, UsageError } from '../runner/errors.ts';
import { writeFileAtomic } from '../io/atomic.ts';

/** The JSON object of `nrc analyze FEATURES --labels LABELS --json`. NaN / infinite values print as null. */
export interface FeatureAnalysis extends GeometryMetrics {
  /** (1/K) tr(Sigma_W Sigma_B^+), top K-1 eigenpairs (Tirer et al. Sec. 5). */
  nc1: number;
  /** tr Sigma_W / tr Sigma_B (Tirer et al. Eq. 3; AGOP NC1). */
  nc1_trace: number;
  /** Tirer et al. Sec. 5 NC2. */
  nc2_etf: number;
  /** AGOP Sec. 2 NC2. */
  nc2_gram: number;
  /** Tirer et al. Sec. 5 NC3; null without --classifier. */
  nc3: number | null;
  /** WCSS of the class partition, NRC Eq. 6 with one-hot labels (the label part is 0 for it). */
  wcss: number;
  /** min(wcss, best k-means on (features, one-hot labels)): upper bound on TCV_K (NRC Def. 3.2). */
  tcv_upper: number;
  samples: number;
  classes: number;
  dim: number;
  kmeans_wcss: number;
  cdnv: number;
  nc2_orthogonal: number;
  /** Original label value of each class, ascending. */
  class_labels: number[];
  class_sizes: number[];
  nc1_per_class: number[];
  /** NCC accuracy on --test-features with the training class means (Papyan et al. 2020); null without them. */
  ncc_test_accuracy: number | null;
  /** Input file (with several inputs, one object per file). */
  file?: string;
  /** Labels file used for it. */
  labels_file?: string;
  /** mu_G used by the dispersion metrics (nc1, nc1_trace, nc1_per_class) and by the geometry metrics (nc2_*, nc3, ...). */
  global_mean: { dispersion: 'samples' | 'class-means'; geometry: 'samples' | 'class-means' };
  /** How tcv_upper was bounded: the class partition only ('classes') or also k-means++ ('kmeans'). */
  tcv: TcvMethod;
  /** How the classifier file was read (null without one). */
  classifier_layout: ClassifierLayoutReport | null;
}

/** 'classes': tcv_upper = WCSS of the class partition (one pass); 'kmeans': also the best of k-means++ restarts. */
export type TcvMethod = 'classes' | 'kmeans';

export interface ClassifierLayoutReport {
  /** 'out_in': rows are classes (PyTorch nn.Linear.weight); 'in_out': columns are classes (transposed on reading). */
  layout: 'out_in' | 'in_out';
  /** 'option': --classifier-layout; 'shape': only one orientation fits; 'square': d = K, read as out x in (PyTorch Linear). */
  reason: 'option' | 'shape' | 'square';
  rows: number;
  cols: number;
}

export interface FeatureOptions {
  classifier?: Matrix;
  /** Reported in the JSON: how the classifier was oriented. */
  classifierLayout?: ClassifierLayoutReport;
  /** mu_G convention forced on every metric (default: samples for dispersion, class means for geometry). */
  globalMean?: GlobalMean;
  /** tcv_upper method (default 'classes'). */
  tcv?: TcvMethod;
  /** Progress lines for k-means (stderr). */
  progress?: (msg: string) => void;
  /** Seed of the k-means++ restarts (default 0). */
  seed?: number | string;
  /** k-means++ restarts (default 4). */
  restarts?: number;
  /** Classifier bias b (length K or indexed by label value), for nc4 and bias_collapse. */
  bias?: Float64Array;
  /** Held-out features and labels for ncc_test_accuracy (class means of the training features). */
  test?: { features: Matrix; labels: ArrayLike<number> };
}

/** NC metrics, WCSS and tcv_upper of features (N x d) with labels (length N). */
export function analyzeFeatures(features: Matrix, labels: ArrayLike<number>, opts: FeatureOptions = {}): FeatureAnalysis {
  if (labels.length !== features.rows) throw new RangeError(`${labels.length} labels for ${features.rows} feature rows`);
  const ci = classIndex(labels);
  const s = classStats(features, ci.labels, { globalMean: opts.globalMean });
  s.values = ci.values;
  return analysisFromStats(s, features, opts);
}

/** The analysis of class statistics; `features` null when they were streamed (k-means, NCC and NC4 need the samples). */
export function analysisFromStats(s: ClassStats, features: Matrix | null, opts: FeatureOptions = {}): FeatureAnalysis {
  const W = opts.classifier ? selectClassifierRows(opts.classifier, s.values, s.d) : undefined;
  const b = opts.bias ? selectBias(opts.bias, s.values) : undefined;
  const m = collapseMetricsFromStats(s, W);
  const g = geometryMetrics(s, features, W, b);
  const method = opts.tcv ?? 'classes';
  let kmeansWcss = NaN;
  if (method === 'kmeans') {
    if (!features) throw new RangeError('--tcv kmeans needs the samples in memory');
    const t = tcvUpper(features, oneHot(s.labels, s.K), s.labels, {
      rng: new Rng(opts.seed ?? 0).child('analyze/kmeans'),
      restarts: opts.restarts ?? 4,
      progress: opts.progress,
    });
    kmeansWcss = t.kmeansWcss;
  }
  // the class partition's WCSS (NRC Eq. 6 with one-hot labels, whose label part is 0) is tr Sigma_W
  const classWcss = m.traceSigmaW;
  const conv = globalMeanConventions({ globalMean: opts.globalMean });
  const cli = (x: GlobalMean) => (x === 'classMeans' ? ('class-means' as const) : ('samples' as const));
  let nccTest: number | null = null;
  if (opts.test) {
    const pos = new Map(s.values.map((v, k) => [v, k]));
    const compact = Int32Array.from(opts.test.labels, (v) => pos.get(v) ?? -1);
    nccTest = nccAccuracy(opts.test.features, compact, s.means);
  }
  return {
    nc1: m.nc1,
    nc1_trace: m.nc1Trace,
    nc2_etf: m.nc2Etf,
    nc2_gram: m.nc2Gram,
    nc3: m.nc3 ?? null,
    wcss: classWcss,
    tcv_upper: method === 'kmeans' ? Math.min(classWcss, kmeansWcss) : classWcss,
    samples: m.samples,
    classes: m.classes,
    dim: m.dim,
    kmeans_wcss: kmeansWcss,
    cdnv: m.cdnv,
    nc2_orthogonal: m.nc2Orthogonal,
    ...g,
    ncc_test_accuracy: nccTest,
    class_labels: s.values,
    class_sizes: Array.from(s.counts),
    nc1_per_class: Array.from(m.nc1PerClass),
    global_mean: { dispersion: cli(conv.dispersion), geometry: cli(conv.geometry) },
    tcv: method,
    classifier_layout: opts.classifierLayout ?? null,
  };
}

/** Bias entries of the classes present (values are the original labels). */
function selectBias(b: Float64Array, values: number[]): Float64Array {
  const K = values.length;
  if (b.length === K) return b;
  if (values[K - 1] < b.length) return Float64Array.from(values, (v) => b[v]);
  throw new RangeError(`bias has ${b.length} entries but the labels go up to ${values[K - 1]}`);
}

/** Classifier rows of the classes present (values are the original labels), K x d. */
function selectClassifierRows(W: Matrix, values: number[], d: number): Matrix {
  const K = values.length;
  if (W.cols !== d) throw new RangeError(`classifier is ${W.rows}x${W.cols}, expected classes x ${d}`);
  if (W.rows === K) return W;
  if (values[K - 1] < W.rows) {
    const out = new Matrix(K, d);
    values.forEach((v, k) => out.data.set(W.row(v), k * d));
    return out;
  }
  throw new RangeError(`classifier has ${W.rows} rows but the labels go up to ${values[K - 1]}`);
}

/** One entry of the weights list of `nrc analyze --weights ... --json`. */
export interface WeightAnalysis {
  name: string;
  /** File the matrix came from. */
  file?: string;
  rows: number;
  cols: number;
  singular_values: number[];
  /** rel_tail(r) = sum_{j>r} s_j^2 / sum_j s_j^2 (NRC Fig. 1). */
  rel_tail: number;
  /** min_{rank Z <= r} ||W - Z||_F. */
  dist_rank: number;
  /** rk(eps) = min { r : e(r) <= eps } (NRC Sec. 6.4, Eq. 22). */
  soft_rank: number;
  stable_rank: number;
  effective_rank: number;
  /** The r used for rel_tail and dist_rank (--rank, or min(10, rows, cols) by default). */
  rank: number;
  /** The tensor's own shape when it is not 2-D (conv kernels out x in x kh x kw, analysed as out x in*kh*kw). */
  tensor_shape?: number[];
}

export interface WeightsAnalysis {
  rank: number | null;
  eps: number;
  weights: WeightAnalysis[];
}

/** Low-rank summary of each matrix; `rank` undefined means min(10, rows, cols) per matrix. */
export function analyzeWeights(weights: (NamedMatrix & { file?: string })[], opts: { rank?: number; eps?: number } = {}): WeightsAnalysis {
  const eps = opts.eps ?? 0.1;
  const list = weights.map(({ name, file, matrix, shape }) => {
    const r = opts.rank ?? Math.min(10, matrix.rows, matrix.cols);
    if (r > Math.min(matrix.rows, matrix.cols)) throw new RangeError(`rank ${r} is larger than ${name} (${matrix.rows}x${matrix.cols})`);
    const s = lowRankSummary(matrix, r, eps);
    const entry: WeightAnalysis = {
      name,
      rows: s.rows,
      cols: s.cols,
      singular_values: Array.from(s.singularValues),
      rel_tail: s.relTail,
      dist_rank: s.distRank,
      soft_rank: s.softRank,
      stable_rank: s.stableRank,
      effective_rank: s.effectiveRank,
      rank: r,
    };
    if (file !== undefined) entry.file = file;
    if (shape !== undefined) entry.tensor_shape = shape;
    return entry;
  });
  return { rank: opts.rank ?? null, eps, weights: list };
}

function fmt(v: number | null): string {
  if (v === null) return '-';
  if (!Number.isFinite(v)) return String(v);
  return Number.isInteger(v) ? String(v) : v.toPrecision(6);
}

function csvNumber(v: number | null): string {
  return v === null || Number.isNaN(v) ? '' : String(v);
}

function firstNonFinite(M: Matrix): number {
  for (let i = 0; i < M.data.length; i++) if (!Number.isFinite(M.data[i])) return i;
  return -1;
}

/** A non-finite entry of an input (row-major, `cols` per row) is bad input: exit 2 naming the option, file, row and column. */
function refuseNonFinite(option: string, file: string, data: ArrayLike<number>, cols: number): void {
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i]))
      throw new UsageError(
        `analyze: ${option} ${file}: non-finite value ${data[i]} at row ${Math.floor(i / Math.max(cols, 1))}, column ${i % Math.max(cols, 1)}; expected finite numbers`,
      );
  }
}

/** Load a file, turning file errors into UsageError (exit code 2). */
function guarded<T>(what: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof DataFileError) throw new UsageError(`analyze: ${what} ${e.message}`);
    throw e;
  }
}

interface AnalyzeOpts {
  labels?: string | string[];
  classifier?: string;
  bias?: string;
  testFeatures?: string;
  testLabels?: string;
  weights?: string[];
  select?: string;
  key?: string;
  rank?: string;
  eps?: string;
  json?: boolean;
  out?: string;
  overwrite?: boolean;
  globalMean?: string;
  classifierLayout?: string;
  tcv?: string;
  restarts?: string;
  stream?: boolean;
  blockRows?: string;
  quiet?: boolean;
}

function choice<T extends string>(flag: string, value: string | undefined, accepted: readonly T[]): T | undefined {
  if (value === undefined) return undefined;
  if (!(accepted as readonly string[]).includes(value))
    throw new UsageError(`analyze: ${flag} ${JSON.stringify(value)}: expected one of ${accepted.join(', ')}`);
  return value as T;
}

/**
 * Orient a classifier for features of dimension d and the classes present: 'out-in' (classes x d, PyTorch
 * nn.Linear.weight), 'in-out' (d x classes) or 'auto' (whichever fits; a square matrix, d = K, is read as out x in).
 */
export function orientClassifier(
  W: Matrix,
  d: number,
  classes: number,
  maxLabel: number,
  layout: 'auto' | 'out-in' | 'in-out',
  file: string,
): { W: Matrix; report: ClassifierLayoutReport } {
  const fits = (M: Matrix) => M.cols === d && (M.rows === classes || M.rows > maxLabel);
  const T = () => Matrix.fromFunction(W.cols, W.rows, (i, j) => W.get(j, i));
  const expected = `expected classes x ${d} (out x in) or ${d} x classes (in x out), ${classes} classes`;
  const base = { rows: W.rows, cols: W.cols };
  if (layout === 'out-in') {
    if (!fits(W))
      throw new UsageError(
        `analyze: --classifier ${file} is ${W.rows}x${W.cols}, but --classifier-layout out-in needs classes x ${d} (${classes} classes)`,
      );
    return { W, report: { layout: 'out_in', reason: 'option', ...base } };
  }
  if (layout === 'in-out') {
    const t = T();
    if (!fits(t))
      throw new UsageError(
        `analyze: --classifier ${file} is ${W.rows}x${W.cols}, but --classifier-layout in-out needs ${d} x classes (${classes} classes)`,
      );
    return { W: t, report: { layout: 'in_out', reason: 'option', ...base } };
  }
  const a = fits(W);
  const t = T();
  const b = fits(t);
  if (a && b) return { W, report: { layout: 'out_in', reason: 'square', ...base } };
  if (a) return { W, report: { layout: 'out_in', reason: 'shape', ...base } };
  if (b) return { W: t, report: { layout: 'in_out', reason: 'shape', ...base } };
  throw new UsageError(`analyze: --classifier ${file} is ${W.rows}x${W.cols}, ${expected}`);
}

/** FILE or FILE:TENSOR (a tensor of a checkpoint, .npz or .safetensors), when FILE:TENSOR is not itself a file. */
function fileAndTensor(spec: string): [string, string | undefined] {
  const i = spec.lastIndexOf(':');
  if (existsSync(spec) || i <= 0) return [spec, undefined];
  return [spec.slice(0, i), spec.slice(i + 1)];
}

/** A 1-D tensor (or N x 1 / 1 x N matrix) of a file, e.g. a bias. */
function loadVector(file: string, tensor?: string): Float64Array {
  const all = loadTensors(file).tensors;
  const c = tensor !== undefined ? all.filter((t) => t.name === tensor) : all.length === 1 ? all : all.filter((t) => t.shape.length === 1);
  if (c.length !== 1)
    throw new DataFileError(
      file,
      `expected one 1-D tensor${tensor ? ` named '${tensor}'` : ''}, found ${c.length} (${all.map((t) => `${t.name} (${t.shape.join('x')})`).join(', ')})`,
    );
  const sh = c[0].shape.filter((n) => n !== 1);
  if (sh.length > 1) throw new DataFileError(file, `bad shape ${c[0].shape.join('x')}: expected a vector`);
  return c[0].data;
}

/** Natural order: "epoch2" before "epoch10". */
export function naturalCompare(a: string, b: string): number {
  return a.localeCompare(b, 'en', { numeric: true, sensitivity: 'base' }) || (a < b ? -1 : a > b ? 1 : 0);
}

/**
 * Expand inputs: a directory gives every data file in it, a pattern with * or ? (when no such file exists) the
 * matching files of its directory; each group naturally sorted, groups in the order given.
 */
export function expandInputs(list: string[], flag: string): string[] {
  const out: string[] = [];
  for (const item of list) {
    if (existsSync(item) && statSync(item).isDirectory()) {
      const unique = readdirSync(item)
        .filter((f) => isDataFile(f) && !(/\.safetensors$/i.test(f) && isShard(item, f)))
        .sort(naturalCompare);
      if (unique.length === 0) throw new UsageError(`analyze: ${flag} ${item}: the directory holds no data file (accepted: ${ACCEPTED})`);
      for (const f of unique) out.push(join(item, f));
    } else if (!existsSync(item) && /[*?]/.test(basename(item))) {
      const dir = dirname(item);
      const re = globToRegExp(basename(item));
      const files = existsSync(dir)
        ? readdirSync(dir)
            .filter((f) => re.test(f))
            .sort(naturalCompare)
        : [];
      if (files.length === 0) throw new UsageError(`analyze: ${flag} ${item}: no file matches`);
      for (const f of files) out.push(join(dir, f));
    } else {
      if (!existsSync(item)) throw new UsageError(`analyze: ${flag} ${item}: cannot read (no such file)`);
      out.push(item);
    }
  }
  return out;
}

/** A shard of a Hugging Face index in the same directory (analysed through its index, not alone). */
function isShard(dir: string, file: string): boolean {
  return readdirSync(dir).some(
    (f) =>
      /\.index\.json$/i.test(f) &&
      (() => {
        try {
          return Object.values((JSON.parse(readFileSync(join(dir, f), 'utf8')) as { weight_map?: Record<string, string> }).weight_map ?? {}).includes(
            file,
          );
        } catch {
          return false;
        }
      })(),
  );
}

/** --out: a directory that can be made and written (checked before any work, creating nothing), and no earlier results unless --overwrite. */
function checkOut(dir: string | undefined, files: string[], overwrite: boolean | undefined): void {
  if (!dir) return;
  checkOutPath(dir, 'analyze: --out');
  let ancestor = resolve(dir);
  while (!existsSync(ancestor) && dirname(ancestor) !== ancestor) ancestor = dirname(ancestor);
  try {
    accessSync(ancestor, constants.W_OK);
  } catch (e) {
    throw new UsageError(
      `analyze: --out ${dir}: cannot write in ${ancestor} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); give a writable directory`,
    );
  }
  if (overwrite) return;
  const existing = files.filter((f) => existsSync(join(dir, f)));
  if (existing.length > 0)
    throw new UsageError(`analyze: --out ${dir} already holds ${existing.join(', ')}; pass --overwrite to replace, or choose another directory`);
}

function parseRank(opts: AnalyzeOpts): number | undefined {
  if (opts.rank === undefined) return undefined;
  const rank = Number(opts.rank);
  if (!Number.isInteger(rank) || rank < 0) throw new UsageError(`analyze: --rank ${JSON.stringify(opts.rank)}: expected a non-negative integer`);
  return rank;
}

function runWeights(opts: AnalyzeOpts): string {
  if (opts.labels !== undefined || opts.classifier !== undefined || opts.bias !== undefined)
    throw new UsageError('analyze: --labels, --classifier and --bias apply to FEATURES, not to --weights');
  const rank = parseRank(opts);
  const eps = opts.eps === undefined ? 0.1 : Number(opts.eps);
  if (opts.eps !== undefined && !(eps > 0 && eps < 1))
    throw new UsageError(`analyze: --eps ${JSON.stringify(opts.eps)}: expected a number between 0 and 1 (exclusive)`);
  const files = expandInputs(opts.weights!, '--weights');
  checkOut(opts.out, ['weights.csv', 'singular_values.csv'], opts.overwrite);
  const mats: (NamedMatrix & { file: string })[] = [];
  for (const file of files) {
    for (const m of guarded('--weights', () => loadWeights(file, { select: opts.select, key: opts.key, allowEmpty: files.length > 1 }))) {
      const bad = firstNonFinite(m.matrix);
      if (bad >= 0) throw new UsageError(`analyze: --weights ${file}: ${m.name} holds a non-finite value at entry ${bad}`);
      if (rank !== undefined && rank > Math.min(m.matrix.rows, m.matrix.cols)) {
        throw new UsageError(
          `analyze: --rank ${rank} is larger than ${m.name} in ${file} (${m.matrix.rows}x${m.matrix.cols}); accepted: 0..${Math.min(m.matrix.rows, m.matrix.cols)}`,
        );
      }
      mats.push({ ...m, file });
    }
  }
  if (mats.length === 0) throw new UsageError(`analyze: --select ${opts.select} matches no tensor in the ${files.length} --weights files`);
  const result = analyzeWeights(mats, { rank, eps });
  if (opts.out) writeWeightsCsv(opts.out, result);
  if (opts.json) return `${JSON.stringify(result)}\n`;
  const lines = [
    `${'file'.padEnd(20)} ${'tensor'.padEnd(28)} ${'shape'.padEnd(11)} ${'r'.padStart(4)} ${'rel_tail(r)'.padStart(12)} ${'dist_rank(r)'.padStart(12)} ${`rk(${eps})`.padStart(8)} ${'stable_rank'.padStart(11)}  top singular values`,
  ];
  for (const w of result.weights) {
    lines.push(
      `${basename(w.file ?? '').padEnd(20)} ${w.name.padEnd(28)} ${`${w.rows}x${w.cols}`.padEnd(11)} ${String(w.rank).padStart(4)} ${fmt(w.rel_tail).padStart(12)} ${fmt(w.dist_rank).padStart(12)} ${String(w.soft_rank).padStart(8)} ${fmt(w.stable_rank).padStart(11)}  ${w.singular_values
        .slice(0, 5)
        .map((v) => fmt(v))
        .join(' ')}${w.singular_values.length > 5 ? ' ...' : ''}`,
    );
  }
  return `${lines.join('\n')}\n`;
}

/** One feature file with its labels: loaded whole, or streamed in blocks (.npy with --stream). */
function analyzeOne(
  file: string,
  labelsFile: string,
  opts: AnalyzeOpts,
  common: Omit<FeatureOptions, 'classifier' | 'classifierLayout'>,
  classifierFile: Matrix | undefined,
  layout: 'auto' | 'out-in' | 'in-out',
  progress?: (m: string) => void,
): FeatureAnalysis {
  const labels = guarded('--labels', () => loadLabels(labelsFile));
  const ci = classIndex(labels);
  if (ci.classes < 2) throw new UsageError(`analyze: --labels ${labelsFile} holds ${ci.classes} class; at least 2 are needed`);
  let X: Matrix | null = null;
  let s: ClassStats;
  if (opts.stream) {
    if (!file.toLowerCase().endsWith('.npy')) throw new UsageError(`analyze: --stream reads .npy features; ${file} is not one`);
    const blockRows = opts.blockRows === undefined ? undefined : Number(opts.blockRows);
    if (blockRows !== undefined && !(Number.isInteger(blockRows) && blockRows > 0))
      throw new UsageError(`analyze: --block-rows ${JSON.stringify(opts.blockRows)}: expected a positive integer`);
    s = guarded('FEATURES', () => streamClassStats(file, labels, { globalMean: common.globalMean, blockRows, progress }));
  } else {
    X = guarded('FEATURES', () => loadMatrix(file));
    if (X.cols === 0) throw new UsageError(`analyze: FEATURES ${file} has 0 columns; expected N x d features with d >= 1`);
    const bad = firstNonFinite(X);
    if (bad >= 0) throw new UsageError(`analyze: FEATURES ${file}: non-finite value at row ${Math.floor(bad / X.cols)}, column ${bad % X.cols}`);
    if (labels.length !== X.rows)
      throw new UsageError(`analyze: --labels ${labelsFile} holds ${labels.length} labels but FEATURES ${file} has ${X.rows} rows`);
    s = classStats(X, ci.labels, { globalMean: common.globalMean });
    s.values = ci.values;
  }
  if (s.d === 0) throw new UsageError(`analyze: FEATURES ${file} has 0 columns; expected N x d features with d >= 1`);
  let W: Matrix | undefined;
  let report: ClassifierLayoutReport | undefined;
  if (classifierFile) ({ W, report } = orientClassifier(classifierFile, s.d, s.K, s.values[s.K - 1], layout, opts.classifier!));
  if (common.bias && common.bias.length !== s.K && common.bias.length <= s.values[s.K - 1])
    throw new UsageError(
      `analyze: --bias ${opts.bias} holds ${common.bias.length} entries, expected ${s.K} (one per class) or more than the largest label ${s.values[s.K - 1]}`,
    );
  if (common.test && common.test.features.cols !== s.d)
    throw new UsageError(`analyze: --test-features ${opts.testFeatures} has ${common.test.features.cols} columns, FEATURES ${file} has ${s.d}`);
  if (common.test && Array.from(common.test.labels).some((v) => !s.values.includes(v)))
    throw new UsageError(`analyze: --test-labels ${opts.testLabels} holds a class that ${labelsFile} does not`);
  if (opts.stream && common.tcv === 'kmeans') throw new UsageError('analyze: --tcv kmeans needs the features in memory; drop --stream');
  const r = analysisFromStats(s, X, { ...common, classifier: W, classifierLayout: report });
  return { file, labels_file: labelsFile, ...r };
}

const TABLE_KEYS = [
  'samples',
  'classes',
  'dim',
  'nc1',
  'nc1_trace',
  'nc2_etf',
  'nc2_gram',
  'nc3',
  'cdnv',
  'nc2_orthogonal',
  'wcss',
  'kmeans_wcss',
  'tcv_upper',
  'ncc_accuracy',
  'ncc_test_accuracy',
  'nc4',
  'w_etf',
  'self_duality',
  'equinorm',
  'w_equinorm',
  'equiangular_std',
  'equiangular_mean',
  'max_angle',
  'gnc2',
  'unc3',
  'unc3_dot',
  'bias_collapse',
  'subspace_alignment',
] as const;

/** Run `nrc analyze` with parsed arguments; returns the text for stdout. Throws UsageError on bad input. */
export function runAnalyze(featuresArg: string | string[] | undefined, opts: AnalyzeOpts): string {
  const featureList = featuresArg === undefined ? [] : Array.isArray(featuresArg) ? featuresArg : [featuresArg];
  const labelList = opts.labels === undefined ? undefined : Array.isArray(opts.labels) ? opts.labels : [opts.labels];
  const weightsMode = opts.weights !== undefined && opts.weights.length > 0;
  if (featureList.length > 0 && weightsMode) throw new UsageError('analyze: give either FEATURES --labels LABELS or --weights FILE..., not both');
  if (featureList.length === 0 && !weightsMode) throw new UsageError('analyze: give FEATURES --labels LABELS, or --weights FILE...');
  if (weightsMode) return runWeights(opts);
  if (opts.rank !== undefined || opts.eps !== undefined) throw new UsageError('analyze: --rank and --eps apply to --weights');
  if (opts.select !== undefined || opts.key !== undefined) throw new UsageError('analyze: --select and --key apply to --weights');
  const gm = choice('--global-mean', opts.globalMean, ['samples', 'class-means'] as const);
  const globalMean = globalMeanFromChoice(gm);
  const layout = choice('--classifier-layout', opts.classifierLayout, ['auto', 'out-in', 'in-out'] as const) ?? 'auto';
  const tcv = choice('--tcv', opts.tcv, ['classes', 'kmeans'] as const) ?? 'classes';
  let restarts: number | undefined;
  if (opts.restarts !== undefined) {
    restarts = Number(opts.restarts);
    if (!Number.isInteger(restarts) || restarts < 1)
      throw new UsageError(`analyze: --restarts ${JSON.stringify(opts.restarts)}: expected a positive integer`);
    if (tcv !== 'kmeans') throw new UsageError('analyze: --restarts applies to --tcv kmeans');
  }
  const progress = opts.quiet ? undefined : (msg: string) => process.stderr.write(`analyze: ${msg}\n`);
  if (labelList === undefined) throw new UsageError(`analyze: --labels LABELS is required with FEATURES (${featureList[0]})`);
  const labelFiles = expandInputs(labelList, '--labels');
  // a labels file inside a FEATURES directory is not a feature input
  const labelSet = new Set(labelFiles.map((f) => resolve(f)));
  const inputs = expandInputs(featureList, 'FEATURES').filter((f) => !labelSet.has(resolve(f)));
  if (inputs.length === 0) throw new UsageError(`analyze: FEATURES ${featureList.join(' ')}: no feature file besides the labels`);
  if (labelFiles.length !== 1 && labelFiles.length !== inputs.length)
    throw new UsageError(`analyze: ${labelFiles.length} --labels files for ${inputs.length} FEATURES inputs; give one for all or one per input`);
  checkOut(opts.out, ['features.csv', 'classes.csv'], opts.overwrite);
  const classifier =
    opts.classifier !== undefined
      ? guarded('--classifier', () => {
          const [f, t] = fileAndTensor(opts.classifier!);
          return loadMatrix(f, { tensor: t });
        })
      : undefined;
  if (classifier) refuseNonFinite('--classifier', opts.classifier!, classifier.data, classifier.cols);
  let bias: Float64Array | undefined;
  if (opts.bias !== undefined) {
    if (!classifier) throw new UsageError('analyze: --bias needs --classifier');
    bias = guarded('--bias', () => loadVector(...fileAndTensor(opts.bias!)));
    refuseNonFinite('--bias', opts.bias, bias, bias.length);
  }
  let test: FeatureOptions['test'];
  if ((opts.testFeatures === undefined) !== (opts.testLabels === undefined))
    throw new UsageError('analyze: --test-features and --test-labels go together');
  if (opts.testFeatures !== undefined) {
    const tf = guarded('--test-features', () => loadMatrix(opts.testFeatures!));
    refuseNonFinite('--test-features', opts.testFeatures, tf.data, tf.cols);
    const tl = guarded('--test-labels', () => loadLabels(opts.testLabels!));
    if (tl.length !== tf.rows)
      throw new UsageError(
        `analyze: --test-labels ${opts.testLabels} holds ${tl.length} labels but --test-features ${opts.testFeatures} has ${tf.rows} rows`,
      );
    test = { features: tf, labels: tl };
  }
  const common = { globalMean, tcv, restarts, progress, bias, test };
  const results: FeatureAnalysis[] = [];
  inputs.forEach((file, i) => {
    const t0 = Date.now();
    results.push(analyzeOne(file, labelFiles.length === 1 ? labelFiles[0] : labelFiles[i], opts, common, classifier, layout, progress));
    if (inputs.length > 1 && progress) progress(`${i + 1}/${inputs.length} ${file} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  });
  if (opts.out) writeFeaturesCsv(opts.out, results);
  if (opts.json) return results.map((r) => `${JSON.stringify(r)}\n`).join('');
  if (results.length === 1) {
    const r = results[0] as unknown as Record<string, number | null>;
    return `${TABLE_KEYS.filter((k) => r[k] !== null && !(typeof r[k] === 'number' && Number.isNaN(r[k])))
      .map((k) => `${k.padEnd(18)} ${fmt(r[k])}`)
      .join('\n')}\n`;
  }
  const keys = ['samples', 'classes', 'nc1', 'nc1_trace', 'nc2_etf', 'nc2_gram', 'nc3', 'ncc_accuracy', 'tcv_upper'] as const;
  const lines = [[`${'file'.padEnd(28)}`, ...keys.map((k) => k.padStart(12))].join(' ')];
  for (const r of results)
    lines.push([basename(r.file!).padEnd(28), ...keys.map((k) => fmt((r as unknown as Record<string, number | null>)[k]).padStart(12))].join(' '));
  return `${lines.join('\n')}\n`;
}

function ensureDir(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true });
  } catch (e) {
    throw new UsageError(`analyze: --out ${dir}: cannot create directory (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
}

/** One --out table, written whole or not at all; a failed write (disk full, I/O error) ends with the storage exit code, no stack trace. */
function writeOutFile(dir: string, name: string, text: string): void {
  try {
    writeFileAtomic(join(dir, name), text);
  } catch (e) {
    throw Object.assign(
      new Error(
        `analyze: --out ${dir}: cannot write ${name} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); free space or fix the device and run again`,
      ),
      { exitCode: EXIT.storage },
    );
  }
}

function writeFeaturesCsv(dir: string, results: FeatureAnalysis[]): void {
  ensureDir(dir);
  const cols = ['file', 'labels', ...TABLE_KEYS];
  const rows: string[][] = [cols];
  const perClass: string[][] = [['file', 'class', 'count', 'nc1_class']];
  for (const r of results) {
    const rec = r as unknown as Record<string, number | null>;
    rows.push([r.file ?? '', r.labels_file ?? '', ...TABLE_KEYS.map((k) => csvNumber(rec[k]))]);
    r.class_labels.forEach((c, k) => perClass.push([r.file ?? '', String(c), String(r.class_sizes[k]), csvNumber(r.nc1_per_class[k] ?? null)]));
  }
  writeOutFile(dir, 'features.csv', stringify(rows));
  writeOutFile(dir, 'classes.csv', stringify(perClass));
}

function writeWeightsCsv(dir: string, r: WeightsAnalysis): void {
  ensureDir(dir);
  const rows: string[][] = [
    ['file', 'tensor', 'rows', 'cols', 'tensor_shape', 'rank', 'rel_tail', 'dist_rank', 'eps', 'soft_rank', 'stable_rank', 'effective_rank'],
  ];
  const sv: string[][] = [['file', 'tensor', 'index', 'singular_value']];
  for (const w of r.weights) {
    rows.push([
      w.file ?? '',
      w.name,
      String(w.rows),
      String(w.cols),
      (w.tensor_shape ?? [w.rows, w.cols]).join('x'),
      String(w.rank),
      csvNumber(w.rel_tail),
      csvNumber(w.dist_rank),
      String(r.eps),
      String(w.soft_rank),
      csvNumber(w.stable_rank),
      csvNumber(w.effective_rank),
    ]);
    w.singular_values.forEach((s, i) => sv.push([w.file ?? '', w.name, String(i + 1), String(s)]));
  }
  writeOutFile(dir, 'weights.csv', stringify(rows));
  writeOutFile(dir, 'singular_values.csv', stringify(sv));
}

/** Add `nrc analyze` to the program. Bad input throws UsageError (exit code 2). */
export function registerAnalyze(program: Command): void {
  program
    .command('analyze')
    .summary('NC1/NC2/NC3/NC4, duality, WCSS, TCV of features; low-rank measures of weight matrices and checkpoints')
    .description(
      'Analyse features and weights dumped from your own model.\n\n' +
        '  nrc analyze FEATURES... --labels LABELS... [--classifier W [--bias B]] [--json] [--out DIR]\n' +
        '      NC1, NC1~ (trace ratio), NC2 (both variants), NC3, NC4, NCC accuracy, classifier ETF error, self-duality,\n' +
        '      equinorm, equiangularity, GNC2, UNC3, bias collapse, subspace alignment, WCSS, tcv_upper. FEATURES may be\n' +
        '      several files, directories or quoted globs (naturally sorted); one LABELS for all or one per input.\n' +
        '  nrc analyze --weights FILE... [--select GLOB] [--key KEY] [--rank r] [--eps e] [--json] [--out DIR]\n' +
        '      for every 2-D matrix (conv kernels as out x in*kh*kw): shape, singular values, rel_tail(r), distance to rank r,\n' +
        '      rk(eps), stable rank.\n\n' +
        `Files: ${ACCEPTED}. FEATURES is N x d, one sample per row.`,
    )
    .argument('[features...]', 'feature matrices, N x d (one sample per row): files, directories or globs')
    .option(
      '--labels <file>',
      'class label of every row of FEATURES (integers): one file for all inputs, or repeat --labels once per input (or give a directory)',
      (v: string, prev: string[] | undefined) => [...(prev ?? []), v],
    )
    .option(
      '--classifier <file>',
      'last-layer weights, classes x d (out x in), for NC3, NC4 and the duality metrics; FILE:TENSOR picks a tensor (e.g. model.pt:fc.weight)',
    )
    .option('--bias <file>', 'last-layer bias (one per class), for NC4 and bias collapse; FILE:TENSOR as for --classifier')
    .option('--test-features <file>', 'held-out features for ncc_test_accuracy')
    .option('--test-labels <file>', 'labels of --test-features')
    .option('--weights <files...>', 'weight files to analyse (files, directories or globs)')
    .option('--select <glob>', 'only tensors whose name matches (e.g. "*.weight")')
    .option('--key <key>', 'entry of a nested torch checkpoint holding the state dict (e.g. model) [default: state_dict, model, ... if present]')
    .option('--rank <r>', 'r of rel_tail(r) and the distance to rank r [default min(10, rows, cols)]')
    .option('--eps <e>', 'eps of the soft rank rk(eps), between 0 and 1 [default 0.1]')
    .option(
      '--global-mean <kind>',
      'mu_G of every metric: samples | class-means [default: samples for nc1/nc1_trace, class-means for nc2/nc3/geometry]',
    )
    .option('--classifier-layout <layout>', 'auto | out-in (classes x d, PyTorch Linear) | in-out (d x classes) [default auto; square = out-in]')
    .option('--tcv <method>', 'tcv_upper from the class partition (classes, one pass) or also k-means++ (kmeans, slow) [default classes]')
    .option('--restarts <n>', 'k-means++ restarts for --tcv kmeans [default 4]')
    .option('--stream', 'read .npy features in blocks (memory O(K d + d^2), independent of N)', false)
    .option('--block-rows <n>', 'rows per block with --stream [default: about 64 MB per block]')
    .option('--quiet', 'no progress on stderr', false)
    .option('--json', 'print one JSON object per input instead of a table', false)
    .option('--out <dir>', 'also write CSV tables into this directory (refuses to overwrite)')
    .option('--overwrite', 'replace the CSV tables of an earlier run in --out', false)
    .option('--no-plot', 'with --out, do not draw figures')
    .action(async (features, opts) => {
      const started = new Date().toISOString();
      process.stdout.write(runAnalyze(features, opts));
      if (opts.out && opts.plot) await drawAnalyzeFigures(opts.out, started, opts.quiet);
    });
}

/** manifest.json (experiment 'analyze') and the figures of an --out directory; a figure without data is skipped silently. */
export async function drawAnalyzeFigures(dir: string, started: string, quiet?: boolean): Promise<string[]> {
  const manifest = {
    experiment: 'analyze',
    command: ['nrc', ...process.argv.slice(2)],
    status: 'finished',
    started_at: started,
    finished_at: new Date().toISOString(),
  };
  writeFileSync(join(dir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  const [{ drawFigures }, { ANALYZE_FIGURES }] = await Promise.all([import('../plot/index.ts'), import('./analyze-figures.ts')]);
  const written = await drawFigures(dir, ANALYZE_FIGURES, {
    warn: (m) => {
      if (!quiet && !/skipped/.test(m)) process.stderr.write(`warning: ${m}\n`);
    },
  });
  if (!quiet) process.stderr.write(`analyze: ${written.filter((f) => f.endsWith('.png')).length} figures in ${join(dir, 'figures')}\n`);
  return written;
}
