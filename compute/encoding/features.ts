/**
 * The stimulus side of a voxel-wise encoding model (Huth et al. 2016; Nishimoto et al. 2011):
 * per-run TR features → z-scored per run → finite-impulse-response (FIR) delays concatenated.
 *
 *   const { matrix, dims } = runFeatureMatrix(runs, d, { trSeconds: 2, delays: [1, 2, 3, 4] });
 *   // dims = [Σ nTr, d·4]; columns [0, d) are the features 1 TR earlier, [d, 2d) 2 TRs earlier, …
 *
 * Why each step:
 * - z-score per run (the default; 'global' and 'none' are options, see zScoreBy): runs differ
 *   in loudness, speaker and scanner drift; features standardised within a run give the ridge
 *   penalty the same meaning for every feature, and make the model's missing intercept harmless
 *   (every column has mean zero within each run).
 * - FIR delays: the haemodynamic response peaks 4–6 s after the stimulus; fitting separate
 *   weights for delays of 1–4 TRs lets each voxel learn its own response shape instead of
 *   assuming a canonical HRF. A delayed copy is zero-padded at the start of its run and never
 *   reads across a run boundary (runs are separate scans with a gap between them).
 */
import { badInput } from '../../errors/CortexError.js';
import { trLanczosOfWords, trMeanOfWords } from './wordsToTr.js';
import type { LanczosOptions } from './wordsToTr.js';

/** Default FIR delays in TRs. */
export const DEFAULT_DELAYS: readonly number[] = [1, 2, 3, 4];

function checkRuns(length: number, n: number, d: number, runLengths: readonly number[], where: string): void {
  const total = runLengths.reduce((a, b) => a + b, 0);
  const problems: string[] = [];
  if (length !== n * d) problems.push(`matrix has ${length} elements, dims [${n}, ${d}] need ${n * d}`);
  if (runLengths.some((r) => !Number.isInteger(r) || r < 0)) problems.push(`run lengths must be non-negative integers, got [${runLengths.join(', ')}]`);
  if (total !== n) problems.push(`run lengths sum to ${total} but the matrix has ${n} rows`);
  if (problems.length > 0) throw badInput(`${where}: ${problems.join('; ')}`, { problems });
}

/**
 * Column z-scores within each run (population standard deviation, as scipy.stats.zscore). A
 * column that is constant within a run becomes 0 there: it carries no information in that run.
 */
export function runZScore(x: Float32Array, dims: readonly [number, number], runLengths: readonly number[]): Float32Array {
  const [n, d] = dims;
  checkRuns(x.length, n, d, runLengths, 'runZScore');
  const out = new Float32Array(n * d);
  let start = 0;
  for (const len of runLengths) {
    colScaleApply(x, d, start, start + len, colScaleOf(x, d, start, start + len), out);
    start += len;
  }
  return out;
}

/** Column means and inverse standard deviations (0 for a constant column) of some rows. */
export interface ColumnScale {
  readonly mean: Float64Array;
  readonly inv: Float64Array;
}

/**
 * Per column of rows [start, end) of an n×d matrix: the mean and Σ(x − mean)², two passes in
 * float64 — the sums behind z-scores, R²'s denominator and the noise ceiling's variances.
 */
export function colMeanAndCentredSS(x: Float32Array | Float64Array, d: number, start: number, end: number): { mean: Float64Array; ss: Float64Array } {
  const len = end - start;
  const mean = new Float64Array(d);
  const ss = new Float64Array(d);
  for (let t = start; t < end; t++) for (let j = 0; j < d; j++) mean[j] += x[t * d + j];
  for (let j = 0; j < d; j++) mean[j] /= len;
  for (let t = start; t < end; t++) {
    for (let j = 0; j < d; j++) {
      const c = x[t * d + j] - mean[j];
      ss[j] += c * c;
    }
  }
  return { mean, ss };
}

/** The z-scoring statistics of rows [start, end) of an n×d matrix (population SD). */
export function colScaleOf(x: Float32Array, d: number, start: number, end: number): ColumnScale {
  const { mean, ss } = colMeanAndCentredSS(x, d, start, end);
  // Identical float32 values give an exact mean and ss = 0, so `sd > 0` detects constancy.
  const inv = ss.map((v) => (v > 0 ? 1 / Math.sqrt(v / (end - start)) : 0));
  return { mean, inv };
}

/** out[t, j] = (x[t, j] − mean[j])·inv[j] for rows [start, end); returns out. */
export function colScaleApply(x: Float32Array, d: number, start: number, end: number, scale: ColumnScale, out: Float32Array): Float32Array {
  const { mean, inv } = scale;
  for (let t = start; t < end; t++) for (let j = 0; j < d; j++) out[t * d + j] = (x[t * d + j] - mean[j]) * inv[j];
  return out;
}

/**
 * How columns are standardised (docs/encoding.md "Conventions"): 'run' — each run by its own
 * statistics (Huth et al. 2016); 'global' — by the statistics of all training TRs, applied to the
 * test TRs too (a scikit-learn StandardScaler fitted on the training set, as in a Pipeline);
 * 'none' — as given.
 */
export const ZScoreMode = { RUN: 'run', GLOBAL: 'global', NONE: 'none' } as const;
export type ZScoreMode = (typeof ZScoreMode)[keyof typeof ZScoreMode];

/**
 * Standardises an n×d matrix of stacked runs by `mode`; with 'global', `fitted` is the training
 * set's scale (omit it for the training set itself, whose scale is returned for the test set).
 */
export function zScoreBy(mode: ZScoreMode, x: Float32Array, dims: readonly [number, number], runLengths: readonly number[], fitted?: ColumnScale): { matrix: Float32Array; scale?: ColumnScale } {
  const [n, d] = dims;
  if (mode === 'run') return { matrix: runZScore(x, dims, runLengths) };
  if (mode === 'none') return { matrix: x };
  checkRuns(x.length, n, d, runLengths, 'zScoreBy');
  const scale = fitted ?? colScaleOf(x, d, 0, n);
  return { matrix: colScaleApply(x, d, 0, n, scale, new Float32Array(n * d)), scale };
}

/**
 * FIR design matrix: for each delay k (in TRs, may be 0 or negative), a copy of x shifted by k
 * rows within each run, zero where the shift leaves the run; copies concatenated column-wise in
 * the order of `delays` (as Huth et al.'s `make_delayed`). Output n×(d·delays.length).
 */
export function runDelays(
  x: Float32Array,
  dims: readonly [number, number],
  runLengths: readonly number[],
  delays: readonly number[] = DEFAULT_DELAYS,
): Float32Array {
  const [n, d] = dims;
  checkRuns(x.length, n, d, runLengths, 'runDelays');
  if (delays.length === 0 || delays.some((k) => !Number.isInteger(k))) {
    throw badInput(`runDelays: delays must be a non-empty list of integers, got [${delays.join(', ')}]`, { delays: [...delays] });
  }
  const width = d * delays.length;
  const out = new Float32Array(n * width);
  let start = 0;
  for (const len of runLengths) {
    for (let di = 0; di < delays.length; di++) {
      const k = delays[di];
      for (let t = 0; t < len; t++) {
        const source = t - k;
        if (source < 0 || source >= len) continue; // zero padding inside the run
        const src = (start + source) * d;
        const dst = (start + t) * width + di * d;
        for (let j = 0; j < d; j++) out[dst + j] = x[src + j];
      }
    }
    start += len;
  }
  return out;
}

/** One stimulus run: per-word feature vectors with onsets (seconds from the run's first volume). */
export interface WordRun {
  readonly words: Float32Array;
  readonly onsets: ArrayLike<number>;
  readonly nTr: number;
}

export interface RunFeatureOptions {
  readonly trSeconds: number;
  /** 'mean' (default): mean of the words in each TR; 'lanczos': Huth et al. 2016 interpolation. */
  readonly downsample?: 'mean' | 'lanczos';
  readonly lanczos?: LanczosOptions;
  /** FIR delays in TRs (default 1–4). */
  readonly delays?: readonly number[];
  /** Standardisation of the TR features before the delays (default 'run'). */
  readonly zscore?: ZScoreMode;
  /** With zscore 'global': the training set's scale, for the test runs. */
  readonly scale?: ColumnScale;
}

export interface RunFeatureMatrix {
  /** (Σ nTr)×(d·delays) row-major, runs stacked in input order. */
  readonly matrix: Float32Array;
  readonly dims: readonly [number, number];
  readonly runLengths: readonly number[];
  readonly delays: readonly number[];
  /** With zscore 'global': the scale used (the test runs' design takes it). */
  readonly scale?: ColumnScale;
}

/** Word features of several runs → the stacked, z-scored, delayed encoding design matrix. */
export function runFeatureMatrix(runs: readonly WordRun[], d: number, options: RunFeatureOptions): RunFeatureMatrix {
  const delays = options.delays ?? DEFAULT_DELAYS;
  const runLengths = runs.map((r) => r.nTr);
  const n = runLengths.reduce((a, b) => a + b, 0);
  const perTr = new Float32Array(n * d);
  let row = 0;
  runs.forEach((run, i) => {
    const nWords = run.onsets.length;
    if (run.words.length !== nWords * d) {
      throw badInput(`runFeatureMatrix: run ${i} has ${run.words.length} feature values for ${nWords} words of width ${d}`, {
        run: i,
        length: run.words.length,
        words: nWords,
        width: d,
      });
    }
    const downsampled =
      options.downsample === 'lanczos'
        ? trLanczosOfWords(run.words, [nWords, d], run.onsets, run.nTr, options.trSeconds, options.lanczos)
        : trMeanOfWords(run.words, [nWords, d], run.onsets, run.nTr, options.trSeconds);
    perTr.set(downsampled, row * d);
    row += run.nTr;
  });
  const z = zScoreBy(options.zscore ?? 'run', perTr, [n, d], runLengths, options.scale);
  const matrix = runDelays(z.matrix, [n, d], runLengths, delays);
  return { matrix, dims: [n, d * delays.length], runLengths, delays: [...delays], ...(z.scale ? { scale: z.scale } : {}) };
}
