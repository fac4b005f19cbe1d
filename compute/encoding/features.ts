/**
 * The stimulus side of a voxel-wise encoding model (Huth et al. 2016; Nishimoto et al. 2011):
 * per-run TR features → z-scored per run → finite-impulse-response (FIR) delays concatenated.
 *
 *   const { matrix, dims } = runFeatureMatrix(runs, d, { trSeconds: 2, delays: [1, 2, 3, 4] });
 *   // dims = [Σ nTr, d·4]; columns [0, d) are the features 1 TR earlier, [d, 2d) 2 TRs earlier, …
 *
 * Why each step:
 * - z-score per run: runs differ in loudness, speaker and scanner drift; features standardised
 *   within a run give the ridge penalty the same meaning for every feature, and make the model's
 *   missing intercept harmless (every column has mean zero within each run).
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
  const mean = new Float64Array(d);
  const ss = new Float64Array(d);
  let start = 0;
  for (const len of runLengths) {
    mean.fill(0);
    ss.fill(0);
    for (let t = start; t < start + len; t++) for (let j = 0; j < d; j++) mean[j] += x[t * d + j];
    for (let j = 0; j < d; j++) mean[j] /= len;
    for (let t = start; t < start + len; t++) {
      for (let j = 0; j < d; j++) {
        const c = x[t * d + j] - mean[j];
        ss[j] += c * c;
      }
    }
    for (let j = 0; j < d; j++) {
      const sd = Math.sqrt(ss[j] / len);
      // Identical float32 values give an exact mean and ss = 0, so `sd > 0` detects constancy.
      const inv = sd > 0 ? 1 / sd : 0;
      for (let t = start; t < start + len; t++) out[t * d + j] = (x[t * d + j] - mean[j]) * inv;
    }
    start += len;
  }
  return out;
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
}

export interface RunFeatureMatrix {
  /** (Σ nTr)×(d·delays) row-major, runs stacked in input order. */
  readonly matrix: Float32Array;
  readonly dims: readonly [number, number];
  readonly runLengths: readonly number[];
  readonly delays: readonly number[];
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
  const z = runZScore(perTr, [n, d], runLengths);
  const matrix = runDelays(z, [n, d], runLengths, delays);
  return { matrix, dims: [n, d * delays.length], runLengths, delays: [...delays] };
}
