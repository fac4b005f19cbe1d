/**
 * Exact CONTINUOUS piecewise-linear segmentation (adjacent lines meet at each breakpoint) by branch
 * and bound over breakpoint tuples.
 *
 * Why not the dynamic programme: with continuity the fit of a segment depends on the value its
 * neighbour takes at the shared knot, so the cost is not a sum of independent segment costs and
 * Bellman's recursion does not apply (the exact DP needs functional costs, cf. Maidstone et al.
 * 2017 "Detecting changes in slope with an L0 penalty", CPOP — far more machinery than K ≤ 4 needs).
 *
 * Method, for each k = 1..kMax separately (k = 0 is one line, identical in both models):
 *  1. Upper bound U: the continuous cost (hingeFit.ts) at the discontinuous optimum's breakpoints,
 *     improved by a local search that moves one breakpoint by up to ±3 points at a time.
 *  2. Depth-first enumeration of tuples b_1 < … < b_k (gaps ≥ minSize). For a partial tuple
 *     b_1..b_l the bound
 *        LB = Σ_{placed segments} C(segment) + G_{k−l}(b_l + 1)
 *     (C: discontinuous segment cost, G: suffix DP of partitionOptimal.ts) is admissible, because a
 *     continuous piecewise-linear function is in particular piecewise linear on the same segments,
 *     so its cost is ≥ the discontinuous cost of the same tuple ≥ LB. Before descending, the tighter
 *        LB' = (continuous fit of points 0..b_l with knots b_1..b_{l−1}) + G_{k−l}(b_l + 1)
 *     is tried too (the full fit restricted to 0..b_l is such a function). Branches with a bound
 *     > U are cut; leaves are priced exactly with the hinge least squares and update U.
 * The result is the global optimum over all tuples (ties: the first found in lexicographic order
 * after the local search's incumbent).
 *
 * Complexity: worst case (no pruning) T = C(n − (k+1)·m + k, k) leaves × O(S·(k+2)³) each. The
 * bound usually cuts all but the tuples near the optimum, but to keep the worst case bounded the
 * search refuses k > 4 or T > CONTINUOUS_MAX_TUPLES (≈ n ≤ 135 at k = 4, m = 4) with a
 * BAD_USER_INPUT error; use the discontinuous model beyond that.
 */
import { badInput } from '../../errors/CortexError.js';
import type { SegmentStats } from './segmentCosts.js';
import type { Segmentation } from './partitionOptimal.js';
import { checkSegmentation, partitionOptimal, suffixOptimalCosts } from './partitionOptimal.js';
import { createHingeWorkspace, hingeCost } from './hingeFit.js';

export const CONTINUOUS_MAX_K = 4;
export const CONTINUOUS_MAX_TUPLES = 1e7;
const LOCAL_RADIUS = 3;
const LOCAL_MAX_ROUNDS = 100;

/** Number of k-tuples of breakpoints allowed by n and minSize m: C(n − (k+1)·m + k, k). */
export function breakpointTupleCount(n: number, k: number, minSize: number): number {
  const free = n - (k + 1) * minSize; // slack points to distribute over k + 1 segments
  if (free < 0) return 0;
  let count = 1;
  for (let i = 1; i <= k; i++) count = (count * (free + i)) / i;
  return Math.round(count);
}

/** Throws unless the continuous search for every k ≤ kMax is within the documented limits. */
export function checkContinuousLimits(n: number, kMax: number, minSize: number): void {
  if (kMax > CONTINUOUS_MAX_K) {
    throw badInput(`continuous segmentation supports at most ${CONTINUOUS_MAX_K} breakpoints, got kMax ${kMax}`, {
      kMax,
      limit: CONTINUOUS_MAX_K,
    });
  }
  let tuples = 0;
  for (let k = 1; k <= kMax; k++) tuples = Math.max(tuples, breakpointTupleCount(n, k, minSize));
  if (tuples > CONTINUOUS_MAX_TUPLES) {
    throw badInput(
      `continuous segmentation of ${n} points with ${kMax} breakpoints and minSize ${minSize} has ${tuples} candidate breakpoint tuples, above the limit ${CONTINUOUS_MAX_TUPLES}; use fewer points, a smaller kMax, a larger minSize or the discontinuous model`,
      { n, kMax, minSize, tuples, limit: CONTINUOUS_MAX_TUPLES },
    );
  }
}

/**
 * Exact continuous segmentation for k = 0..kMax. `C` is the END-major discontinuous cost matrix of
 * the same stats and minSize (segmentCostMatrix), used for the initial solution and the bounds.
 */
export function segmentContinuous(stats: SegmentStats, C: Float64Array, kMax: number, minSize: number): Segmentation {
  const n = stats.n;
  checkSegmentation(n, kMax, minSize);
  checkContinuousLimits(n, kMax, minSize);
  const disc = partitionOptimal(C, n, kMax, minSize);
  const G = suffixOptimalCosts(C, n, kMax, minSize);
  const costs = new Float64Array(kMax + 1);
  const breakpoints: (readonly number[])[] = [[]];
  costs[0] = disc.costs[0];
  let fits = 0;
  for (let k = 1; k <= kMax; k++) {
    const best = searchK(stats, C, G, k, minSize, disc.breakpoints[k]);
    costs[k] = best.cost;
    breakpoints.push(best.bps);
    fits += best.fits;
  }
  return { n, minSize, continuous: true, costs, breakpoints, fits };
}

function searchK(
  stats: SegmentStats,
  C: Float64Array,
  G: Float64Array,
  k: number,
  m: number,
  start: readonly number[],
): { cost: number; bps: number[]; fits: number } {
  const n = stats.n;
  const ws = createHingeWorkspace(k);
  // prefixWs[l]: workspace for the continuous fit of a prefix with the l knots placed before level l.
  const prefixWs = Array.from({ length: k }, (_, l) => createHingeWorkspace(l));
  const inc = localSearch(stats, k, m, start, ws);
  let fits = inc.fits;
  let ub = inc.cost;
  let bestBps = inc.bps;
  const bps = new Array<number>(k).fill(0);
  // Prune only when the bound exceeds U by more than rounding: the bound and the leaf cost come
  // from different formulas, and a near-tie must be priced exactly rather than cut.
  const slack = (v: number): number => v + 1e-10 * (1 + Math.abs(v));

  const dfs = (level: number, segStart: number, acc: number): void => {
    const remaining = k - level; // breakpoints still to place, this one included
    const bMax = n - 1 - remaining * m;
    for (let b = segStart + m - 1; b <= bMax; b++) {
      const a = acc + C[b * n + segStart];
      const rest = G[(remaining - 1) * n + b + 1];
      if (a + rest > slack(ub)) continue;
      // Tighter bound before descending: the continuous fit of the prefix 0..b with the knots
      // placed so far (the full fit restricted to 0..b is such a function; the knot at b is 0 there).
      if (level > 0 && remaining > 1) {
        fits++;
        if (hingeCost(stats, bps, prefixWs[level], b) + rest > slack(ub)) continue;
      }
      bps[level] = b;
      if (remaining === 1) {
        fits++;
        const cost = hingeCost(stats, bps, ws);
        if (cost < ub) {
          ub = cost;
          bestBps = bps.slice();
        }
      } else {
        dfs(level + 1, b + 1, a);
      }
    }
  };
  dfs(0, 0, 0);
  return { cost: ub, bps: bestBps, fits };
}

/** Best-improvement local search over single-breakpoint moves of ±1..±LOCAL_RADIUS points. */
function localSearch(
  stats: SegmentStats,
  k: number,
  m: number,
  start: readonly number[],
  ws: ReturnType<typeof createHingeWorkspace>,
): { cost: number; bps: number[]; fits: number } {
  const n = stats.n;
  let bps = start.slice();
  let cost = hingeCost(stats, bps, ws);
  let fits = 1;
  for (let round = 0; round < LOCAL_MAX_ROUNDS; round++) {
    let bestCost = cost;
    let bestBps: number[] | null = null;
    for (let i = 0; i < k; i++) {
      const lo = i === 0 ? m - 1 : bps[i - 1] + m;
      const hi = i === k - 1 ? n - 1 - m : bps[i + 1] - m;
      for (let d = -LOCAL_RADIUS; d <= LOCAL_RADIUS; d++) {
        const b = bps[i] + d;
        if (d === 0 || b < lo || b > hi) continue;
        const trial = bps.slice();
        trial[i] = b;
        const c = hingeCost(stats, trial, ws);
        fits++;
        if (c < bestCost) {
          bestCost = c;
          bestBps = trial;
        }
      }
    }
    if (bestBps === null) break;
    bps = bestBps;
    cost = bestCost;
  }
  return { cost, bps, fits };
}
