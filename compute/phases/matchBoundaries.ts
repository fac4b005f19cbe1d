/**
 * Matching two models' phase boundaries on a common axis, also when their numbers differ.
 *
 * Boundaries are ordered in training, so a match keeps order (a crossing pairing would say the
 * later transition of one model is the earlier one of the other). Among order-preserving pairings
 * of min(kA, kB) pairs, the one with the smallest total distance is taken (dynamic programme over
 * the two sorted lists, O(kA·kB)); ties go to the earlier pairing. With equal counts this is the
 * pairing by rank. The boundaries left over are reported as unmatched: a transition one model
 * shows and the other does not.
 *
 * Distance: |log10(b / a)| when every boundary is > 0 (steps and tokens: a factor of 2 is the same
 * gap early and late in training), else |b − a| (e.g. fractions, or a boundary at 0).
 */

export interface BoundaryPair {
  /** Positions in the two boundary lists. */
  readonly indexA: number;
  readonly indexB: number;
}

export interface BoundaryMatching {
  readonly pairs: BoundaryPair[];
  readonly unmatchedA: number[];
  readonly unmatchedB: number[];
  /** Whether distances were taken in log10 (all boundaries > 0). */
  readonly logScale: boolean;
}

/** Order-preserving minimum-distance matching of two ascending boundary lists. */
export function matchBoundaries(a: readonly number[], b: readonly number[]): BoundaryMatching {
  const logScale = [...a, ...b].every((v) => v > 0);
  const t = logScale ? Math.log10 : (v: number) => v;
  const [short, long, swapped] = a.length <= b.length ? [a, b, false] : [b, a, true];
  const m = short.length;
  const n = long.length;
  // cost[i][j]: best total for short[0..i) placed within long[0..j); i ≤ j.
  const cost = Array.from({ length: m + 1 }, () => new Float64Array(n + 1).fill(Infinity));
  const took = Array.from({ length: m + 1 }, () => new Uint8Array(n + 1));
  for (let j = 0; j <= n; j++) cost[0][j] = 0;
  for (let i = 1; i <= m; i++) {
    for (let j = i; j <= n; j++) {
      const skip = cost[i][j - 1];
      const pair = cost[i - 1][j - 1] + Math.abs(t(short[i - 1]) - t(long[j - 1]));
      // skipping wins ties, so of equally near candidates the earlier one is paired
      if (pair < skip) {
        cost[i][j] = pair;
        took[i][j] = 1;
      } else cost[i][j] = skip;
    }
  }
  const pairs: BoundaryPair[] = [];
  for (let i = m, j = n; i > 0; j--) {
    if (took[i][j]) {
      pairs.push(swapped ? { indexA: j - 1, indexB: i - 1 } : { indexA: i - 1, indexB: j - 1 });
      i--;
    }
  }
  pairs.reverse();
  const usedA = new Set(pairs.map((p) => p.indexA));
  const usedB = new Set(pairs.map((p) => p.indexB));
  return {
    pairs,
    unmatchedA: a.map((_, i) => i).filter((i) => !usedA.has(i)),
    unmatchedB: b.map((_, i) => i).filter((i) => !usedB.has(i)),
    logScale,
  };
}
