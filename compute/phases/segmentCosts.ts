/**
 * Least-squares cost of fitting one straight line per signal to a segment of points, for every
 * segment at once, from prefix sums.
 *
 * For a segment [i..j] (inclusive) and signal s with finite points T = {t ∈ [i..j] : y_st finite},
 * m = |T|, the ordinary least-squares line y = a + b·x has residual sum of squares
 *
 *   RSS_s(i, j) = Syy − Sxy² / Sxx,   Sxx = Σ(x−x̄)², Sxy = Σ(x−x̄)(y−ȳ), Syy = Σ(y−ȳ)²   (1)
 *
 * and each centred sum comes from raw sums over T, e.g. Sxx = Σx² − (Σx)²/m. Keeping prefix sums
 * of 1, x, x², y, xy, y² per signal (missing points contribute 0 to all six) makes (1) O(1) per
 * segment, so all O(n²) segment costs cost O(n² S) — the classic trick of optimal partitioning
 * (Jackson et al. 2005, §3; Killick et al. 2012 use the same for normal mean/variance costs).
 *
 * The segment cost is C(i, j) = Σ_s w_s · RSS_s(i, j) with one positive weight per signal. A
 * constant per-signal weight is exactly a weighted least-squares fit with known relative noise
 * variances σ_s² ∝ 1/w_s, and it leaves each signal's fitted line, slope and standard error
 * unchanged, which is why weights are per signal and not per point.
 *
 * Edge cases (the exact least-squares minimum in each case, not an approximation):
 *  - m ≤ 1: a line passes through ≤ 1 point exactly, so RSS = 0 (the segment carries no
 *    evidence about this signal's shape); slope and standard error are undefined (null).
 *  - m ≥ 2 and Sxx = 0 (all finite points at the same x, e.g. duplicated token counts): every line
 *    through (x̄, ȳ) is optimal, the fitted values are ȳ, so RSS = Syy (a constant fit); slope null.
 *  - m = 2 with distinct x: RSS = 0, slope defined, standard error null (no residual df).
 *
 * Numerics: x is standardised once, u = (x − mean)/sd, before forming prefix sums. RSS is
 * invariant under affine maps of x, and standardising keeps Σu² − (Σu)²/m from cancelling
 * catastrophically on raw token counts (~1e11) or log10 tokens (~9–12 with tiny spreads).
 * Signals are expected z-scored already (see detectPhases), so y needs no shift.
 */
import { badInput } from '../../errors/CortexError.js';

/** Per-signal prefix sums; index t holds the sum over points 0..t−1 (length n+1). */
interface SignalPrefix {
  readonly c: Float64Array;
  readonly u: Float64Array;
  readonly uu: Float64Array;
  readonly y: Float64Array;
  readonly uy: Float64Array;
  readonly yy: Float64Array;
}

/** Everything needed to price any segment; build once per (x, signals) with `buildSegmentStats`. */
export interface SegmentStats {
  /** Number of points. */
  readonly n: number;
  /** Number of signals S. */
  readonly nSignals: number;
  /** Standardised x: u_t = (x_t − xCenter) / xScale. */
  readonly u: Float64Array;
  readonly xCenter: number;
  readonly xScale: number;
  /** Per-signal weights w_s (> 0). */
  readonly weights: Float64Array;
  /** Number of finite observations over all signals and points (N_eff of the BIC). */
  readonly nObs: number;
  readonly prefix: readonly SignalPrefix[];
}

/** One signal's least-squares line on one segment. */
export interface SegmentFit {
  /** Number of finite points of this signal in the segment. */
  readonly nFinite: number;
  /** Slope in y units per x unit; null when m < 2 or all finite x are equal. */
  readonly slope: number | null;
  /** OLS standard error of the slope, sqrt(σ̂²/Sxx) with σ̂² = RSS/(m−2); null when m ≤ 2 or slope is null. */
  readonly stderr: number | null;
  /** Unweighted residual sum of squares (1). */
  readonly rss: number;
  /** Mean of the finite y (NaN when m = 0). Fitted value at point t: level + slopeU·(u_t − centre). */
  readonly level: number;
  /** Mean of the standardised x over the finite points (0 when m = 0). */
  readonly centre: number;
  /** Slope in standardised-x units (0 when undefined, so that the fitted values are the mean). */
  readonly slopeU: number;
}

/**
 * A centred sum of squares at or below this fraction of its raw sum (plus m, for sums near 0) is
 * treated as exactly 0: the x values are tied up to rounding. Roundoff in Σu² − (Σu)²/m is about
 * 1e-16·Σu²·(a few), three orders below the threshold.
 */
const DEGENERATE_SXX = 1e-13;

/**
 * Standardise x and form the per-signal prefix sums.
 *
 * @param x sorted ascending (ties allowed), all finite, length n ≥ 1
 * @param signals S rows of length n; NaN marks a missing point of that signal
 * @param weights optional per-signal weights (default all 1), finite and > 0
 */
export function buildSegmentStats(
  x: Float64Array,
  signals: readonly Float64Array[],
  weights?: ArrayLike<number>,
): SegmentStats {
  const n = x.length;
  const S = signals.length;
  if (n < 1) throw badInput('segment costs need at least one point', { n });
  if (S < 1) throw badInput('segment costs need at least one signal', { nSignals: S });
  for (let t = 0; t < n; t++) {
    if (!Number.isFinite(x[t])) throw badInput(`x[${t}] is not finite (${x[t]})`, { index: t });
    if (t > 0 && x[t] < x[t - 1]) {
      throw badInput(`x must be sorted ascending; x[${t}] = ${x[t]} < x[${t - 1}] = ${x[t - 1]}`, { index: t });
    }
  }
  signals.forEach((row, s) => {
    if (row.length !== n) throw badInput(`signal ${s} has ${row.length} values for ${n} points`, { signal: s, length: row.length, n });
    for (let t = 0; t < n; t++) {
      const v = row[t];
      if (!Number.isNaN(v) && !Number.isFinite(v)) {
        throw badInput(`signal ${s} value at ${t} is ${v}; use NaN for a missing point`, { signal: s, index: t });
      }
    }
  });
  const w = new Float64Array(S).fill(1);
  if (weights !== undefined) {
    if (weights.length !== S) throw badInput(`${weights.length} weights for ${S} signals`, { weights: weights.length, nSignals: S });
    for (let s = 0; s < S; s++) {
      const ws = weights[s];
      if (!(Number.isFinite(ws) && ws > 0)) throw badInput(`weight of signal ${s} must be finite and > 0, got ${ws}`, { signal: s });
      w[s] = ws;
    }
  }

  let mean = 0;
  for (let t = 0; t < n; t++) mean += x[t];
  mean /= n;
  let ss = 0;
  for (let t = 0; t < n; t++) ss += (x[t] - mean) ** 2;
  const sd = Math.sqrt(ss / n);
  // All x equal: every segment is degenerate anyway; scale 1 keeps u = 0 finite.
  const scale = sd > 0 ? sd : 1;
  const u = new Float64Array(n);
  for (let t = 0; t < n; t++) u[t] = (x[t] - mean) / scale;

  let nObs = 0;
  const prefix: SignalPrefix[] = signals.map((row) => {
    const p = {
      c: new Float64Array(n + 1),
      u: new Float64Array(n + 1),
      uu: new Float64Array(n + 1),
      y: new Float64Array(n + 1),
      uy: new Float64Array(n + 1),
      yy: new Float64Array(n + 1),
    };
    for (let t = 0; t < n; t++) {
      const y = row[t];
      const ok = !Number.isNaN(y);
      const ut = u[t];
      p.c[t + 1] = p.c[t] + (ok ? 1 : 0);
      p.u[t + 1] = p.u[t] + (ok ? ut : 0);
      p.uu[t + 1] = p.uu[t] + (ok ? ut * ut : 0);
      p.y[t + 1] = p.y[t] + (ok ? y : 0);
      p.uy[t + 1] = p.uy[t] + (ok ? ut * y : 0);
      p.yy[t + 1] = p.yy[t] + (ok ? y * y : 0);
    }
    nObs += p.c[n];
    return p;
  });
  return { n, nSignals: S, u, xCenter: mean, xScale: scale, weights: w, nObs, prefix };
}

function checkSegment(stats: SegmentStats, i: number, j: number): void {
  if (!(Number.isInteger(i) && Number.isInteger(j) && 0 <= i && i <= j && j < stats.n)) {
    throw badInput(`segment [${i}..${j}] is not within 0..${stats.n - 1}`, { i, j, n: stats.n });
  }
}

/** Signal s's least-squares line on segment [i..j] (inclusive), with OLS slope standard error. */
export function segmentFit(stats: SegmentStats, s: number, i: number, j: number): SegmentFit {
  checkSegment(stats, i, j);
  const p = stats.prefix[s];
  const m = p.c[j + 1] - p.c[i];
  if (m === 0) return { nFinite: 0, slope: null, stderr: null, rss: 0, level: NaN, centre: 0, slopeU: 0 };
  const su = p.u[j + 1] - p.u[i];
  const suu = p.uu[j + 1] - p.uu[i];
  const sy = p.y[j + 1] - p.y[i];
  const suy = p.uy[j + 1] - p.uy[i];
  const syy = p.yy[j + 1] - p.yy[i];
  const level = sy / m;
  const centre = su / m;
  const sxx = suu - (su * su) / m;
  const syyC = Math.max(0, syy - (sy * sy) / m);
  if (m < 2 || sxx <= DEGENERATE_SXX * (suu + m)) {
    return { nFinite: m, slope: null, stderr: null, rss: m < 2 ? 0 : syyC, level, centre, slopeU: 0 };
  }
  const sxy = suy - (su * sy) / m;
  const slopeU = sxy / sxx;
  const rss = Math.max(0, syyC - sxy * slopeU);
  // Var(b̂) = σ²/Sxx (e.g. Draper & Smith 1998, eq. 1.4.4), σ̂² = RSS/(m − 2); back to x units by 1/scale.
  const stderr = m > 2 ? Math.sqrt(rss / (m - 2) / sxx) / stats.xScale : null;
  return { nFinite: m, slope: slopeU / stats.xScale, stderr, rss, level, centre, slopeU };
}

/** Weighted cost C(i, j) = Σ_s w_s·RSS_s(i, j) of segment [i..j] (inclusive). */
export function segmentCost(stats: SegmentStats, i: number, j: number): number {
  checkSegment(stats, i, j);
  let total = 0;
  for (let s = 0; s < stats.nSignals; s++) total += stats.weights[s] * segmentFit(stats, s, i, j).rss;
  return total;
}

/**
 * All segment costs with at least `minSize` points, as an n×n matrix in END-major layout:
 * `out[j*n + i] = C(i, j)` for j − i + 1 ≥ minSize, +Infinity otherwise. End-major makes the
 * dynamic programme's inner loop (fixed end j, varying start) read contiguous memory.
 *
 * O(n²·S) time; `out` (length n²) may be passed to reuse a buffer across bootstrap replicates.
 */
export function segmentCostMatrix(stats: SegmentStats, minSize: number, out?: Float64Array): Float64Array {
  const n = stats.n;
  if (!(Number.isInteger(minSize) && minSize >= 1)) throw badInput(`minSize must be an integer ≥ 1, got ${minSize}`, { minSize });
  const C = out ?? new Float64Array(n * n);
  if (C.length !== n * n) throw badInput(`cost buffer has length ${C.length}, need ${n * n}`, { length: C.length, n });
  C.fill(Infinity);
  for (let j = minSize - 1; j < n; j++) C.fill(0, j * n, j * n + (j - minSize + 2));
  for (let s = 0; s < stats.nSignals; s++) {
    const { c, u, uu, y, uy, yy } = stats.prefix[s];
    const w = stats.weights[s];
    for (let j = minSize - 1; j < n; j++) {
      const c1 = c[j + 1], u1 = u[j + 1], uu1 = uu[j + 1], y1 = y[j + 1], uy1 = uy[j + 1], yy1 = yy[j + 1];
      const row = j * n;
      const iMax = j - minSize + 1;
      for (let i = 0; i <= iMax; i++) {
        const m = c1 - c[i];
        if (m < 2) continue; // RSS = 0, see the header
        const su = u1 - u[i];
        const suu = uu1 - uu[i];
        const sy = y1 - y[i];
        const sxx = suu - (su * su) / m;
        let rss = yy1 - yy[i] - (sy * sy) / m;
        if (sxx > DEGENERATE_SXX * (suu + m)) {
          const sxy = uy1 - uy[i] - (su * sy) / m;
          rss -= (sxy * sxy) / sxx;
        }
        if (rss > 0) C[row + i] += w * rss;
      }
    }
  }
  return C;
}

/**
 * Fitted values of the discontinuous piecewise-linear model with the given breakpoints (each the
 * index of the last point of a left segment), one row per signal; NaN where the signal is missing.
 */
export function piecewiseFitted(stats: SegmentStats, signals: readonly Float64Array[], breakpoints: readonly number[]): Float64Array[] {
  const n = stats.n;
  const ends = [...breakpoints, n - 1];
  return signals.map((row, s) => {
    const fitted = new Float64Array(n).fill(NaN);
    let start = 0;
    for (const end of ends) {
      const f = segmentFit(stats, s, start, end);
      for (let t = start; t <= end; t++) {
        if (!Number.isNaN(row[t])) fitted[t] = f.level + f.slopeU * (stats.u[t] - f.centre);
      }
      start = end + 1;
    }
    return fitted;
  });
}
