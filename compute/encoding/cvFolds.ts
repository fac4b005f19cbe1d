/**
 * Cross-validation folds and the ridge penalty grid of the encoding engine.
 *
 * Folds are contiguous blocks of the training TRs, never shuffled: BOLD is autocorrelated over
 * ~10 s, so a shuffled split leaks each validation TR's neighbours into training and inflates
 * the CV score of weakly regularised models (the reason Huth et al. 2016 hold out whole chunks).
 * Sizes follow scikit-learn's `KFold(shuffle=False)`: the first n mod k folds get one extra row,
 * which is what the reference fixtures under test/fixtures/encoding use.
 *
 *   contiguousFolds(10, 3)          // [{start: 0, end: 4}, {start: 4, end: 7}, {start: 7, end: 10}]
 *   logAlphaGrid(1, 1e6, 13)        // 1, 3.16, 10, …, 1e6 (half-decade steps)
 */
import { badInput } from '../../errors/CortexError.js';

export interface RowBlock {
  readonly start: number;
  /** Exclusive. */
  readonly end: number;
}

export function contiguousFolds(n: number, k: number): RowBlock[] {
  if (!Number.isInteger(k) || k < 2) throw badInput(`cross-validation needs at least 2 folds, got ${k}`, { folds: k });
  if (!Number.isInteger(n) || n < k) throw badInput(`cannot split ${n} training TRs into ${k} folds`, { rows: n, folds: k });
  const base = Math.floor(n / k);
  const extra = n % k;
  const folds: RowBlock[] = [];
  let start = 0;
  for (let f = 0; f < k; f++) {
    const end = start + base + (f < extra ? 1 : 0);
    folds.push({ start, end });
    start = end;
  }
  return folds;
}

/**
 * K folds of whole runs: the training runs (lengths in TRs, in order) split into k groups of
 * consecutive runs, sized like KFold over runs (the first nRuns mod k groups get one more run).
 * k = nRuns is leave-one-run-out (scikit-learn's LeaveOneGroupOut with runs as groups). A fold
 * boundary then never cuts a run, so no held-out TR has a training neighbour in the same scan.
 *
 *   runFolds([100, 120, 80], 3)     // [{start: 0, end: 100}, {start: 100, end: 220}, {start: 220, end: 300}]
 */
export function runFolds(runLengths: readonly number[], k: number): RowBlock[] {
  if (!Number.isInteger(k) || k < 2) throw badInput(`cross-validation needs at least 2 folds, got ${k}`, { folds: k });
  if (runLengths.length < k) {
    throw badInput(`cannot split ${runLengths.length} training runs into ${k} folds of whole runs (foldBy RUN needs folds ≤ training runs)`, { runs: runLengths.length, folds: k });
  }
  const groups = contiguousFolds(runLengths.length, k);
  const starts = [0];
  for (const len of runLengths) starts.push(starts[starts.length - 1] + len);
  return groups.map((g) => ({ start: starts[g.start], end: starts[g.end] }));
}

/** `count` penalties log-spaced from `min` to `max` inclusive (numpy.logspace semantics). */
export function logAlphaGrid(min: number, max: number, count: number): number[] {
  if (!(min > 0) || !(max >= min) || !Number.isFinite(max) || !Number.isInteger(count) || count < 1) {
    throw badInput(`alpha grid needs 0 < min ≤ max and a positive count, got min=${min}, max=${max}, count=${count}`, {
      min,
      max,
      count,
    });
  }
  if (count === 1) return [min];
  const lo = Math.log10(min);
  const step = (Math.log10(max) - lo) / (count - 1);
  return Array.from({ length: count }, (_, i) => 10 ** (lo + i * step));
}

/** Default grid: 13 penalties from 1 to 10⁶ in half-decade steps (features z-scored per run). */
export const DEFAULT_ALPHAS: readonly number[] = logAlphaGrid(1, 1e6, 13);
