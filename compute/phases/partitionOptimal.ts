/**
 * Exact optimal partitioning of n points into k + 1 contiguous segments, for every k = 0..kMax in
 * one dynamic-programming pass (Bellman 1961 "On the approximation of curves by line segments using
 * dynamic programming"; Jackson et al. 2005 "An algorithm for optimal partitioning of data on an
 * interval", with the number of segments fixed instead of penalised).
 *
 * With C(i, j) the cost of segment [i..j] (segmentCosts.ts) and F_k(j) the least cost of splitting
 * points 0..j into k + 1 segments of at least m = minSize points each:
 *
 *   F_0(j) = C(0, j)
 *   F_k(j) = min_{t ∈ [k·m − 1, j − m]} F_{k−1}(t) + C(t + 1, j)                              (1)
 *
 * EVERY t in the range is tried (no `jump` grid as in ruptures' default jump=5). A breakpoint is
 * named by t, the index of the LAST point of the left segment. Ties keep the smallest t, so results
 * are deterministic. Cost O(kMax·n²) time, O(kMax·n) memory beyond the n² cost matrix.
 */
import { badInput } from '../../errors/CortexError.js';

export interface Segmentation {
  readonly n: number;
  readonly minSize: number;
  readonly continuous: boolean;
  /** costs[k] = least total cost with k breakpoints, k = 0..kMax. */
  readonly costs: Float64Array;
  /** breakpoints[k] = the optimal k breakpoints, ascending (index of each left segment's last point). */
  readonly breakpoints: readonly (readonly number[])[];
  /** Continuous model only: hinge least-squares fits priced by the search (its work); 0 otherwise. */
  readonly fits: number;
}

export const DEFAULT_MIN_SIZE = 4;

/** Validate (n, kMax, minSize); throws BAD_USER_INPUT naming the broken rule. */
export function checkSegmentation(n: number, kMax: number, minSize: number): void {
  if (!(Number.isInteger(kMax) && kMax >= 0)) throw badInput(`kMax must be an integer ≥ 0, got ${kMax}`, { kMax });
  if (!(Number.isInteger(minSize) && minSize >= 2)) throw badInput(`minSize must be an integer ≥ 2, got ${minSize}`, { minSize });
  const need = (kMax + 1) * minSize;
  if (n < need) {
    throw badInput(`${kMax} breakpoints with minSize ${minSize} need at least ${need} points, got ${n}`, { n, kMax, minSize, need });
  }
}

/**
 * Dynamic programme (1) on a precomputed END-major cost matrix (`C[j*n + i] = C(i, j)`, +Infinity
 * for segments shorter than minSize, see segmentCostMatrix). Returns the least costs for
 * k = 0..kMax and the backtracked breakpoints of each.
 */
export function partitionOptimal(C: Float64Array, n: number, kMax: number, minSize: number): Segmentation {
  checkSegmentation(n, kMax, minSize);
  if (C.length !== n * n) throw badInput(`cost matrix has length ${C.length}, need ${n * n}`, { length: C.length, n });
  const F = new Float64Array((kMax + 1) * n).fill(Infinity);
  const arg = new Int32Array((kMax + 1) * n).fill(-1);
  for (let j = minSize - 1; j < n; j++) F[j] = C[j * n];
  for (let k = 1; k <= kMax; k++) {
    const prev = (k - 1) * n;
    const cur = k * n;
    // k + 1 segments of ≥ m points end no earlier than (k+1)·m − 1.
    for (let j = (k + 1) * minSize - 1; j < n; j++) {
      const row = j * n;
      let best = Infinity;
      let bestT = -1;
      for (let t = k * minSize - 1; t <= j - minSize; t++) {
        const v = F[prev + t] + C[row + t + 1];
        if (v < best) {
          best = v;
          bestT = t;
        }
      }
      F[cur + j] = best;
      arg[cur + j] = bestT;
    }
  }
  const costs = new Float64Array(kMax + 1);
  const breakpoints: number[][] = [];
  for (let k = 0; k <= kMax; k++) {
    costs[k] = F[k * n + n - 1];
    const bps = new Array<number>(k);
    let end = n - 1;
    for (let level = k; level >= 1; level--) {
      end = arg[level * n + end];
      bps[level - 1] = end;
    }
    breakpoints.push(bps);
  }
  return { n, minSize, continuous: false, costs, breakpoints, fits: 0 };
}

/**
 * Suffix version of (1): G_k(i) = least cost of splitting points i..n−1 into k + 1 segments
 * (+Infinity where impossible), k = 0..kMax, laid out as G[k*n + i]. Used as an admissible lower
 * bound by the continuous branch and bound.
 */
export function suffixOptimalCosts(C: Float64Array, n: number, kMax: number, minSize: number): Float64Array {
  const G = new Float64Array((kMax + 1) * n).fill(Infinity);
  const last = (n - 1) * n;
  for (let i = 0; i <= n - minSize; i++) G[i] = C[last + i];
  for (let k = 1; k <= kMax; k++) {
    const prev = (k - 1) * n;
    for (let i = 0; i <= n - (k + 1) * minSize; i++) {
      let best = Infinity;
      for (let t = i + minSize - 1; t <= n - 1 - k * minSize; t++) {
        const v = C[t * n + i] + G[prev + t + 1];
        if (v < best) best = v;
      }
      G[k * n + i] = best;
    }
  }
  return G;
}
