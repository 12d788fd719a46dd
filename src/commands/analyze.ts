// `nrc analyze`: neural-collapse and low-rank measures of features and weights that users dump from
// their own models (issue 4).
//   nrc analyze FEATURES --labels LABELS [--classifier W] [--json] [--out DIR]
//   nrc analyze --weights FILE... [--rank r] [--eps e] [--json] [--out DIR]
import { Command } from '@commander-js/extra-typings';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'csv-stringify/sync';
import { Matrix } from '../linalg/index.ts';
import { DataFileError, loadLabels, loadMatrix, loadWeights, type NamedMatrix } from '../io/load.ts';
import { classIndex, oneHot } from '../metrics/classes.ts';
import { tcvUpper, wcss } from '../metrics/clusters.ts';
import { collapseMetrics, globalMeanConventions, type GlobalMean } from '../metrics/collapse.ts';
import { lowRankSummary } from '../metrics/lowrank.ts';
import { Rng } from '../random/index.ts';
import { UsageError } from './errors.ts';

/** The JSON object of `nrc analyze FEATURES --labels LABELS --json`. NaN / infinite values print as null. */
export interface FeatureAnalysis {
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
}

/** NC metrics, WCSS and tcv_upper of features (N x d) with labels (length N). */
export function analyzeFeatures(features: Matrix, labels: ArrayLike<number>, opts: FeatureOptions = {}): FeatureAnalysis {
  if (labels.length !== features.rows) throw new RangeError(`${labels.length} labels for ${features.rows} feature rows`);
  const ci = classIndex(labels);
  const m = collapseMetrics(features, ci.labels, {
    classifier: opts.classifier ? selectClassifierRows(opts.classifier, ci.values, features.cols) : undefined,
    globalMean: opts.globalMean,
  });
  const Y = oneHot(ci.labels, ci.classes);
  const method = opts.tcv ?? 'classes';
  const t = method === 'kmeans'
    ? tcvUpper(features, Y, ci.labels, { rng: new Rng(opts.seed ?? 0).child('analyze/kmeans'), restarts: opts.restarts ?? 4, progress: opts.progress })
    : { classWcss: wcss(features, Y, ci.labels), kmeansWcss: NaN, tcvUpper: NaN };
  if (method === 'classes') t.tcvUpper = t.classWcss;
  const conv = globalMeanConventions({ globalMean: opts.globalMean });
  const cli = (g: GlobalMean) => (g === 'classMeans' ? 'class-means' as const : 'samples' as const);
  return {
    nc1: m.nc1,
    nc1_trace: m.nc1Trace,
    nc2_etf: m.nc2Etf,
    nc2_gram: m.nc2Gram,
    nc3: m.nc3 ?? null,
    wcss: t.classWcss,
    tcv_upper: t.tcvUpper,
    samples: m.samples,
    classes: m.classes,
    dim: m.dim,
    kmeans_wcss: t.kmeansWcss,
    cdnv: m.cdnv,
    nc2_orthogonal: m.nc2Orthogonal,
    class_labels: ci.values,
    class_sizes: Array.from(ci.counts),
    nc1_per_class: Array.from(m.nc1PerClass),
    global_mean: { dispersion: cli(conv.dispersion), geometry: cli(conv.geometry) },
    tcv: method,
    classifier_layout: opts.classifierLayout ?? null,
  };
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
}

export interface WeightsAnalysis { rank: number | null; eps: number; weights: WeightAnalysis[] }

/** Low-rank summary of each matrix; `rank` undefined means min(10, rows, cols) per matrix. */
export function analyzeWeights(weights: (NamedMatrix & { file?: string })[], opts: { rank?: number; eps?: number } = {}): WeightsAnalysis {
  const eps = opts.eps ?? 0.1;
  const list = weights.map(({ name, file, matrix }) => {
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
  labels?: string;
  classifier?: string;
  weights?: string[];
  rank?: string;
  eps?: string;
  json?: boolean;
  out?: string;
  globalMean?: string;
  classifierLayout?: string;
  tcv?: string;
  restarts?: string;
  quiet?: boolean;
}

function choice<T extends string>(flag: string, value: string | undefined, accepted: readonly T[]): T | undefined {
  if (value === undefined) return undefined;
  if (!(accepted as readonly string[]).includes(value)) throw new UsageError(`analyze: ${flag} ${JSON.stringify(value)}: expected one of ${accepted.join(', ')}`);
  return value as T;
}

/**
 * Orient a classifier for features of dimension d and the classes present: 'out-in' (classes x d, PyTorch
 * nn.Linear.weight), 'in-out' (d x classes) or 'auto' (whichever fits; a square matrix, d = K, is read as out x in).
 */
export function orientClassifier(W: Matrix, d: number, classes: number, maxLabel: number, layout: 'auto' | 'out-in' | 'in-out', file: string): { W: Matrix; report: ClassifierLayoutReport } {
  const fits = (M: Matrix) => M.cols === d && (M.rows === classes || M.rows > maxLabel);
  const T = () => Matrix.fromFunction(W.cols, W.rows, (i, j) => W.get(j, i));
  const expected = `expected classes x ${d} (out x in) or ${d} x classes (in x out), ${classes} classes`;
  const base = { rows: W.rows, cols: W.cols };
  if (layout === 'out-in') {
    if (!fits(W)) throw new UsageError(`analyze: --classifier ${file} is ${W.rows}x${W.cols}, but --classifier-layout out-in needs classes x ${d} (${classes} classes)`);
    return { W, report: { layout: 'out_in', reason: 'option', ...base } };
  }
  if (layout === 'in-out') {
    const t = T();
    if (!fits(t)) throw new UsageError(`analyze: --classifier ${file} is ${W.rows}x${W.cols}, but --classifier-layout in-out needs ${d} x classes (${classes} classes)`);
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

/** Run `nrc analyze` with parsed arguments; returns the text for stdout. Throws UsageError on bad input. */
export function runAnalyze(featuresPath: string | undefined, opts: AnalyzeOpts): string {
  const weightsMode = opts.weights !== undefined && opts.weights.length > 0;
  if (featuresPath !== undefined && weightsMode) throw new UsageError('analyze: give either FEATURES --labels LABELS or --weights FILE..., not both');
  if (featuresPath === undefined && !weightsMode) throw new UsageError('analyze: give FEATURES --labels LABELS, or --weights FILE...');
  if (weightsMode) {
    if (opts.labels !== undefined || opts.classifier !== undefined) throw new UsageError('analyze: --labels and --classifier apply to FEATURES, not to --weights');
    let rank: number | undefined;
    if (opts.rank !== undefined) {
      rank = Number(opts.rank);
      if (!Number.isInteger(rank) || rank < 0) throw new UsageError(`analyze: --rank ${JSON.stringify(opts.rank)}: expected a non-negative integer`);
    }
    const eps = opts.eps === undefined ? 0.1 : Number(opts.eps);
    if (opts.eps !== undefined && !(eps > 0 && eps < 1)) throw new UsageError(`analyze: --eps ${JSON.stringify(opts.eps)}: expected a number between 0 and 1 (exclusive)`);
    const mats: (NamedMatrix & { file: string })[] = [];
    for (const file of opts.weights!) {
      for (const m of guarded('--weights', () => loadWeights(file))) {
        const bad = firstNonFinite(m.matrix);
        if (bad >= 0) throw new UsageError(`analyze: --weights ${file}: ${m.name} holds a non-finite value at entry ${bad}`);
        if (rank !== undefined && rank > Math.min(m.matrix.rows, m.matrix.cols)) {
          throw new UsageError(`analyze: --rank ${rank} is larger than ${m.name} in ${file} (${m.matrix.rows}x${m.matrix.cols}); accepted: 0..${Math.min(m.matrix.rows, m.matrix.cols)}`);
        }
        mats.push({ ...m, file });
      }
    }
    const result = analyzeWeights(mats, { rank, eps });
    if (opts.out) writeWeightsCsv(opts.out, result);
    if (opts.json) return `${JSON.stringify(result)}\n`;
    const lines = [`${'name'.padEnd(28)} ${'shape'.padEnd(11)} ${'r'.padStart(4)} ${'rel_tail(r)'.padStart(12)} ${'dist_rank(r)'.padStart(12)} ${`rk(${eps})`.padStart(8)} ${'stable_rank'.padStart(11)}  top singular values`];
    for (const w of result.weights) {
      lines.push(`${w.name.padEnd(28)} ${`${w.rows}x${w.cols}`.padEnd(11)} ${String(w.rank).padStart(4)} ${fmt(w.rel_tail).padStart(12)} ${fmt(w.dist_rank).padStart(12)} ${String(w.soft_rank).padStart(8)} ${fmt(w.stable_rank).padStart(11)}  ${w.singular_values.slice(0, 5).map((v) => fmt(v)).join(' ')}${w.singular_values.length > 5 ? ' ...' : ''}`);
    }
    return `${lines.join('\n')}\n`;
  }
  if (opts.rank !== undefined || opts.eps !== undefined) throw new UsageError('analyze: --rank and --eps apply to --weights');
  const gm = choice('--global-mean', opts.globalMean, ['samples', 'class-means'] as const);
  const globalMean: GlobalMean | undefined = gm === undefined ? undefined : gm === 'samples' ? 'samples' : 'classMeans';
  const layout = choice('--classifier-layout', opts.classifierLayout, ['auto', 'out-in', 'in-out'] as const) ?? 'auto';
  const tcv = choice('--tcv', opts.tcv, ['classes', 'kmeans'] as const) ?? 'classes';
  let restarts: number | undefined;
  if (opts.restarts !== undefined) {
    restarts = Number(opts.restarts);
    if (!Number.isInteger(restarts) || restarts < 1) throw new UsageError(`analyze: --restarts ${JSON.stringify(opts.restarts)}: expected a positive integer`);
    if (tcv !== 'kmeans') throw new UsageError('analyze: --restarts applies to --tcv kmeans');
  }
  const progress = opts.quiet ? undefined : (msg: string) => process.stderr.write(`analyze: ${msg}\n`);
  if (opts.labels === undefined) throw new UsageError(`analyze: --labels LABELS is required with FEATURES (${featuresPath})`);
  const X = guarded('FEATURES', () => loadMatrix(featuresPath!));
  const bad = firstNonFinite(X);
  if (bad >= 0) throw new UsageError(`analyze: FEATURES ${featuresPath}: non-finite value at row ${Math.floor(bad / X.cols)}, column ${bad % X.cols}`);
  const labels = guarded('--labels', () => loadLabels(opts.labels!));
  if (labels.length !== X.rows) throw new UsageError(`analyze: --labels ${opts.labels} holds ${labels.length} labels but FEATURES ${featuresPath} has ${X.rows} rows`);
  const ci = classIndex(labels);
  if (ci.classes < 2) throw new UsageError(`analyze: --labels ${opts.labels} holds ${ci.classes} class; at least 2 are needed`);
  let W: Matrix | undefined;
  let layoutReport: ClassifierLayoutReport | undefined;
  if (opts.classifier !== undefined) {
    const raw = guarded('--classifier', () => loadMatrix(opts.classifier!));
    ({ W, report: layoutReport } = orientClassifier(raw, X.cols, ci.classes, ci.values[ci.classes - 1], layout, opts.classifier));
  }
  const result = analyzeFeatures(X, labels, { classifier: W, classifierLayout: layoutReport, globalMean, tcv, restarts, progress });
  if (opts.out) writeFeaturesCsv(opts.out, result, featuresPath!, opts.labels);
  if (opts.json) return `${JSON.stringify(result)}\n`;
  const rows: [string, number | null][] = [
    ['samples', result.samples], ['classes', result.classes], ['dim', result.dim],
    ['nc1', result.nc1], ['nc1_trace', result.nc1_trace], ['nc2_etf', result.nc2_etf], ['nc2_gram', result.nc2_gram],
    ['nc3', result.nc3], ['cdnv', result.cdnv], ['nc2_orthogonal', result.nc2_orthogonal],
    ['wcss', result.wcss], ['kmeans_wcss', result.kmeans_wcss], ['tcv_upper', result.tcv_upper],
  ];
  return `${rows.map(([k, v]) => `${k.padEnd(15)} ${fmt(v)}`).join('\n')}\n`;
}

function ensureDir(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true });
  } catch (e) {
    throw new UsageError(`analyze: --out ${dir}: cannot create directory (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
}

function writeFeaturesCsv(dir: string, r: FeatureAnalysis, featuresFile: string, labelsFile: string): void {
  ensureDir(dir);
  const cols = ['features', 'labels', 'samples', 'classes', 'dim', 'nc1', 'nc1_trace', 'nc2_etf', 'nc2_gram', 'nc3', 'cdnv', 'nc2_orthogonal', 'wcss', 'kmeans_wcss', 'tcv_upper'];
  const row = [featuresFile, labelsFile, r.samples, r.classes, r.dim, r.nc1, r.nc1_trace, r.nc2_etf, r.nc2_gram, r.nc3, r.cdnv, r.nc2_orthogonal, r.wcss, r.kmeans_wcss, r.tcv_upper]
    .map((v) => (typeof v === 'string' ? v : csvNumber(v)));
  writeFileSync(join(dir, 'features.csv'), stringify([cols, row]));
  const perClass = [['class', 'count', 'nc1_class'], ...r.class_labels.map((c, k) => [String(c), String(r.class_sizes[k]), csvNumber(r.nc1_per_class[k])])];
  writeFileSync(join(dir, 'classes.csv'), stringify(perClass));
}

function writeWeightsCsv(dir: string, r: WeightsAnalysis): void {
  ensureDir(dir);
  const rows: string[][] = [['file', 'name', 'rows', 'cols', 'rank', 'rel_tail', 'dist_rank', 'eps', 'soft_rank', 'stable_rank', 'effective_rank']];
  const sv: string[][] = [['file', 'name', 'index', 'singular_value']];
  for (const w of r.weights) {
    rows.push([w.file ?? '', w.name, String(w.rows), String(w.cols), String(w.rank), csvNumber(w.rel_tail), csvNumber(w.dist_rank), String(r.eps), String(w.soft_rank), csvNumber(w.stable_rank), csvNumber(w.effective_rank)]);
    w.singular_values.forEach((s, i) => sv.push([w.file ?? '', w.name, String(i + 1), String(s)]));
  }
  writeFileSync(join(dir, 'weights.csv'), stringify(rows));
  writeFileSync(join(dir, 'singular_values.csv'), stringify(sv));
}

/** Add `nrc analyze` to the program. Bad input throws UsageError (exit code 2). */
export function registerAnalyze(program: Command): void {
  program
    .command('analyze')
    .summary('NC1/NC2/NC3, WCSS, TCV of features; low-rank measures of weight matrices')
    .description(
      'Analyse features and weights dumped from your own model.\n\n' +
      '  nrc analyze FEATURES --labels LABELS [--classifier W] [--json] [--out DIR]\n' +
      '      NC1, NC1~ (trace ratio), NC2 (both variants), WCSS of the class partition, tcv_upper,\n' +
      '      sample/class/dimension counts; with --classifier (classes x dim) also NC3.\n' +
      '  nrc analyze --weights FILE... [--rank r] [--eps e] [--json] [--out DIR]\n' +
      '      for every 2-D matrix: shape, singular values, rel_tail(r), distance to rank r, rk(eps), stable rank.\n\n' +
      'Files: .npy (format 1-3, float64/float32/float16, integer labels, C or Fortran order), .safetensors\n' +
      '(every 2-D tensor; F64/F32/F16/BF16), .csv (numeric, optional header). FEATURES is N x d, one sample per row.',
    )
    .argument('[features]', 'feature matrix, N x d (one sample per row)')
    .option('--labels <file>', 'class label of every row of FEATURES (integers)')
    .option('--classifier <file>', 'last-layer weights, classes x d (out x in), for NC3')
    .option('--weights <files...>', 'weight matrices to analyse (.safetensors: every 2-D tensor)')
    .option('--rank <r>', 'r of rel_tail(r) and the distance to rank r [default min(10, rows, cols)]')
    .option('--eps <e>', 'eps of the soft rank rk(eps), between 0 and 1 [default 0.1]')
    .option('--global-mean <kind>', 'mu_G of every metric: samples | class-means [default: samples for nc1/nc1_trace, class-means for nc2/nc3]')
    .option('--classifier-layout <layout>', 'auto | out-in (classes x d, PyTorch Linear) | in-out (d x classes) [default auto; square = out-in]')
    .option('--tcv <method>', 'tcv_upper from the class partition (classes, one pass) or also k-means++ (kmeans, slow) [default classes]')
    .option('--restarts <n>', 'k-means++ restarts for --tcv kmeans [default 4]')
    .option('--quiet', 'no progress on stderr', false)
    .option('--json', 'print one JSON object instead of a table', false)
    .option('--out <dir>', 'also write CSV tables into this directory')
    .action((features, opts) => {
      process.stdout.write(runAnalyze(features, opts));
    });
}
