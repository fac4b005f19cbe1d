/**
 * Entry point of exact segmentation: least-squares piecewise-linear fits shared by all signals,
 * for every number of breakpoints k = 0..kMax, with a minimum segment length and EVERY breakpoint
 * position allowed.
 *
 * - Discontinuous (default): one independent line per segment and signal; the total cost is a sum
 *   of segment costs, so the dynamic programme of partitionOptimal.ts is exact in O(kMax·n²·S).
 * - Continuous (`continuous: true`): the lines of adjacent segments meet at each breakpoint; the
 *   cost no longer decomposes, and segmentContinuous.ts solves it exactly by branch and bound.
 *
 * A breakpoint is named by the index of the LAST point of the left segment.
 */
import type { SegmentStats } from './segmentCosts.js';
import { segmentCostMatrix } from './segmentCosts.js';
import type { Segmentation } from './partitionOptimal.js';
import { checkSegmentation, DEFAULT_MIN_SIZE, partitionOptimal } from './partitionOptimal.js';
import { segmentContinuous } from './segmentContinuous.js';

export type { Segmentation } from './partitionOptimal.js';
export { DEFAULT_MIN_SIZE } from './partitionOptimal.js';

export interface SegmentOptions {
  /** Largest number of breakpoints to solve for (costs are returned for 0..kMax). */
  readonly kMax: number;
  /** Minimum number of points per segment (default 4, at least 2: a line needs two points). */
  readonly minSize?: number;
  /** Continuous piecewise-linear (lines meet at each breakpoint) instead of independent lines. */
  readonly continuous?: boolean;
  /** Reusable n×n buffer for the segment cost matrix (bootstrap replicates pass one). */
  readonly costBuffer?: Float64Array;
}

/**
 * Optimal segmentation of the signals summarised in `stats` for k = 0..kMax breakpoints.
 *
 * @example
 * const stats = buildSegmentStats(x, [brainZ, taskZ]);
 * const seg = segmentExact(stats, { kMax: 4, minSize: 4 });
 * seg.breakpoints[2]; // e.g. [11, 23]: segments 0..11, 12..23, 24..n−1
 * seg.costs[2];       // their total weighted residual sum of squares
 */
export function segmentExact(stats: SegmentStats, options: SegmentOptions): Segmentation {
  const minSize = options.minSize ?? DEFAULT_MIN_SIZE;
  checkSegmentation(stats.n, options.kMax, minSize);
  const C = segmentCostMatrix(stats, minSize, options.costBuffer);
  return options.continuous ? segmentContinuous(stats, C, options.kMax, minSize) : partitionOptimal(C, stats.n, options.kMax, minSize);
}
