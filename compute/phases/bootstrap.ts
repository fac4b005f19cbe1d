/**
 * Seeded bootstrap confidence intervals for breakpoint positions, with the number of breakpoints K
 * held fixed.
 *
 * Scheme: circular moving-block RESIDUAL bootstrap (Künsch 1989; circular variant Politis & Romano
 * 1992), resampling whole time points jointly across signals.
 *  1. Fit the K-breakpoint model (discontinuous or continuous) and take residuals r_st = y_st − ŷ_st.
 *  2. Inflate each signal's residuals by sqrt(m_s / (m_s − p_s)) (m_s finite points, p_s fitted
 *     parameters of that signal), because least-squares residuals are shrunk by the leverage
 *     (Davison & Hinkley 1997, §6.2.3, the homoscedastic form of their modified residuals).
 *  3. A replicate is y*_st = ŷ_st + r_{s, π(t)}, where π concatenates blocks of ℓ consecutive
 *     indices (wrapping around the end) with uniformly drawn starts. The same π is used for every
 *     signal, so cross-signal correlation at a checkpoint is kept; blocks keep the short-range
 *     autocorrelation that checkpoint trajectories have (same stimuli and eval sets at every
 *     checkpoint), which an i.i.d. residual bootstrap would ignore and so give too-narrow intervals.
 *     ℓ defaults to ⌈n^{1/3}⌉, the rate of Hall, Horowitz & Jing (1995).
 *     Missing points stay missing; where π(t) lands on a missing residual of signal s, the residual
 *     of s's nearest finite point (earlier on ties) is used.
 *  4. Re-run the exact segmentation with K breakpoints on every replicate.
 * The interval of breakpoint j is the percentile interval of its replicate positions (index of the
 * last point of the left segment), using the inverted-CDF quantile so the limits are real indices:
 * [q_{(1−level)/2}, q_{(1+level)/2}]. Replicate breakpoints are matched by rank (j-th smallest).
 *
 * Why residuals are pooled over segments and not resampled within them: segments can be as short as
 * minSize = 4 points, too few to resample from; the price is assuming one noise level per signal.
 */
import { badInput } from '../../errors/CortexError.js';
import type { Rng } from '../random.js';
import { createRng, randInt } from '../random.js';
import type { SegmentStats } from './segmentCosts.js';
import { buildSegmentStats, piecewiseFitted } from './segmentCosts.js';
import { hingeFitted } from './hingeFit.js';
import { segmentExact } from './segmentExact.js';

export interface BootstrapOptions {
  /** Number of replicates R (≥ 1). */
  readonly replicates: number;
  /** Central coverage of each interval, in (0, 1); default 0.9. */
  readonly level?: number;
  readonly seed?: number;
  readonly minSize: number;
  readonly continuous?: boolean;
  /** Per-signal weights, as for buildSegmentStats. */
  readonly weights?: ArrayLike<number>;
  /** Block length ℓ (default ⌈n^{1/3}⌉). */
  readonly blockLength?: number;
  /**
   * Continuous model only: work budget in hinge least-squares fits over all replicates (default
   * CONTINUOUS_BOOTSTRAP_MAX_FITS ≈ 7 s at 3 signals). Checked after every replicate against the
   * projected total, so an over-budget request fails after a few replicates, not after minutes.
   */
  readonly maxFits?: number;
}

export const CONTINUOUS_BOOTSTRAP_MAX_FITS = 1e7;

export interface IndexInterval {
  readonly lowIndex: number;
  readonly highIndex: number;
}

export interface BootstrapResult<T> {
  readonly replicates: number;
  readonly level: number;
  readonly blockLength: number;
  /** Replicate breakpoints, row-major R × K. */
  readonly samples: Int32Array;
  /** One interval per fitted breakpoint. */
  readonly intervals: readonly IndexInterval[];
  /** `statistic` evaluated on every replicate (empty when none was given). */
  readonly statistics: readonly T[];
}

/** A per-replicate statistic: the replicate's stats, signals and re-estimated breakpoints. */
export type ReplicateStatistic<T> = (stats: SegmentStats, signals: readonly Float64Array[], breakpoints: readonly number[]) => T;

/**
 * Bootstrap the K = breakpoints.length breakpoints fitted to (x, signals).
 *
 * @example
 * const boot = bootstrapBreakpoints(x, [brainZ, taskZ], [11, 23], { replicates: 200, minSize: 4, seed: 1 });
 * boot.intervals; // [{ lowIndex: 10, highIndex: 13 }, { lowIndex: 21, highIndex: 24 }]
 */
export function bootstrapBreakpoints<T = never>(
  x: Float64Array,
  signals: readonly Float64Array[],
  breakpoints: readonly number[],
  options: BootstrapOptions,
  statistic?: ReplicateStatistic<T>,
): BootstrapResult<T> {
  const n = x.length;
  const K = breakpoints.length;
  const R = options.replicates;
  const level = options.level ?? 0.9;
  const L = options.blockLength ?? Math.max(1, Math.ceil(Math.cbrt(n)));
  if (!(Number.isInteger(R) && R >= 1)) throw badInput(`replicates must be an integer ≥ 1, got ${R}`, { replicates: R });
  if (!(level > 0 && level < 1)) throw badInput(`level must be in (0, 1), got ${level}`, { level });
  if (!(Number.isInteger(L) && L >= 1 && L <= n)) throw badInput(`blockLength must be an integer in 1..${n}, got ${L}`, { blockLength: L });

  const stats = buildSegmentStats(x, signals, options.weights);
  const fitted = options.continuous ? hingeFitted(stats, signals, breakpoints) : piecewiseFitted(stats, signals, breakpoints);
  const perSignalParams = options.continuous ? K + 2 : 2 * (K + 1);
  const residuals = signals.map((row, s) => modifiedResiduals(row, fitted[s], perSignalParams));

  const rng: Rng = createRng(options.seed ?? 0);
  const samples = new Int32Array(R * K);
  const statistics: T[] = [];
  const costBuffer = new Float64Array(n * n);
  const pi = new Int32Array(n);
  const maxFits = options.maxFits ?? CONTINUOUS_BOOTSTRAP_MAX_FITS;
  let fits = 0;
  const replicate = signals.map(() => new Float64Array(n));
  for (let r = 0; r < R; r++) {
    for (let t = 0; t < n; t += L) {
      const start = randInt(rng, n);
      for (let o = 0; o < L && t + o < n; o++) pi[t + o] = (start + o) % n;
    }
    signals.forEach((row, s) => {
      const out = replicate[s];
      const f = fitted[s];
      const e = residuals[s];
      for (let t = 0; t < n; t++) out[t] = Number.isNaN(row[t]) ? NaN : f[t] + e[pi[t]];
    });
    const repStats = buildSegmentStats(x, replicate, options.weights);
    const seg = segmentExact(repStats, { kMax: K, minSize: options.minSize, continuous: options.continuous, costBuffer });
    fits += seg.fits;
    const projected = (fits / (r + 1)) * R;
    if (projected > maxFits) {
      throw badInput(
        `continuous bootstrap would price about ${Math.round(projected)} breakpoint tuples, above the budget of ${maxFits}; use fewer replicates, a fixed smaller k, or the discontinuous model`,
        { projectedFits: Math.round(projected), maxFits, replicates: R, k: K },
      );
    }
    const bps = seg.breakpoints[K];
    for (let j = 0; j < K; j++) samples[r * K + j] = bps[j];
    if (statistic) statistics.push(statistic(repStats, replicate, bps));
  }

  const intervals: IndexInterval[] = [];
  const column = new Int32Array(R);
  for (let j = 0; j < K; j++) {
    for (let r = 0; r < R; r++) column[r] = samples[r * K + j];
    column.sort();
    intervals.push({ lowIndex: quantileSorted(column, (1 - level) / 2), highIndex: quantileSorted(column, (1 + level) / 2) });
  }
  return { replicates: R, level, blockLength: L, samples, intervals, statistics };
}

/** Inverted-CDF quantile (Hyndman & Fan 1996, type 1) of sorted values: a member of the sample. */
export function quantileSorted(sorted: ArrayLike<number>, p: number): number {
  const N = sorted.length;
  const idx = Math.min(N - 1, Math.max(0, Math.ceil(p * N - 1e-9) - 1));
  return sorted[idx];
}

/**
 * Residuals y − ŷ inflated by sqrt(m/(m − p)), with every missing position filled by the residual of
 * the nearest finite point (earlier on ties) so that block resampling can land anywhere.
 */
function modifiedResiduals(y: Float64Array, fitted: Float64Array, p: number): Float64Array {
  const n = y.length;
  const e = new Float64Array(n).fill(NaN);
  let m = 0;
  for (let t = 0; t < n; t++) {
    if (Number.isNaN(y[t])) continue;
    e[t] = y[t] - fitted[t];
    m++;
  }
  const inflate = m > p ? Math.sqrt(m / (m - p)) : 1;
  const filled = new Float64Array(n);
  let lastFinite = -1;
  const nextFinite = new Int32Array(n).fill(-1);
  for (let t = n - 1, next = -1; t >= 0; t--) {
    if (!Number.isNaN(e[t])) next = t;
    nextFinite[t] = next;
  }
  for (let t = 0; t < n; t++) {
    if (!Number.isNaN(e[t])) lastFinite = t;
    let src = lastFinite;
    const nf = nextFinite[t];
    if (src < 0 || (nf >= 0 && nf - t < t - src)) src = nf;
    filled[t] = src < 0 ? 0 : e[src] * inflate;
  }
  return filled;
}
