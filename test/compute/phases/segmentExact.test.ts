import { describe, it, expect } from 'vitest';
import { createRng } from '../../../compute/random.js';
import { buildSegmentStats } from '../../../compute/phases/segmentCosts.js';
import { segmentExact } from '../../../compute/phases/segmentExact.js';
import { breakpointTupleCount, CONTINUOUS_MAX_TUPLES } from '../../../compute/phases/segmentContinuous.js';
import { hingeCost } from '../../../compute/phases/hingeFit.js';
import { addNoise, allTuples, naiveHingeCost, naiveTupleCost, piecewise, thrown, unevenX } from './synthetic.js';

/** Random small problems: 2 signals, unequal spacing, a few NaNs, unequal weights. */
function problem(seed: number, n: number) {
  const rng = createRng(seed);
  const x = unevenX(n, rng);
  const signals = [0, 1].map(() => addNoise(new Float64Array(n), 1, rng));
  signals[seed % 2][Math.floor(rng() * n)] = NaN;
  signals[(seed + 1) % 2][Math.floor(rng() * n)] = NaN;
  const weights = [1, 1.5];
  return { x, signals, weights, stats: buildSegmentStats(x, signals, weights) };
}

describe('segmentExact (discontinuous dynamic programme)', () => {
  it('matches brute force over every breakpoint tuple (6 seeds, k = 1..3, minSize 2..4)', () => {
    for (let seed = 1; seed <= 6; seed++) {
      const n = 13 + seed;
      const { x, signals, weights, stats } = problem(seed, n);
      for (const minSize of [2, 3, 4]) {
        const kMax = Math.min(3, Math.floor(n / minSize) - 1);
        const seg = segmentExact(stats, { kMax, minSize });
        for (let k = 1; k <= kMax; k++) {
          const best = Math.min(...allTuples(n, k, minSize).map((t) => naiveTupleCost(x, signals, weights, t)));
          expect(Math.abs(seg.costs[k] - best)).toBeLessThan(1e-9 * (1 + best));
          // the backtracked tuple is feasible and really costs what the DP says
          const bps = seg.breakpoints[k];
          expect(bps.length).toBe(k);
          [-1, ...bps].forEach((b, i) => expect((i < k ? bps[i] : n - 1) - b).toBeGreaterThanOrEqual(minSize));
          expect(Math.abs(naiveTupleCost(x, signals, weights, bps) - seg.costs[k])).toBeLessThan(1e-9 * (1 + best));
        }
        // (costs need NOT decrease with k: with a minimum segment length the optimal k-segmentation
        // may have no segment long enough to split.)
      }
    }
  });

  it('allows every breakpoint position (not a grid of every fifth)', () => {
    const n = 30;
    const x = Float64Array.from({ length: n }, (_, t) => t);
    for (const b of [6, 7, 11, 13, 22]) {
      const y = Float64Array.from(x, (v, t) => (t <= b ? v : 40 - 2 * v));
      const seg = segmentExact(buildSegmentStats(x, [y]), { kMax: 1, minSize: 4 });
      expect(seg.breakpoints[1]).toEqual([b]);
      expect(seg.costs[1]).toBeLessThan(1e-9); // rounding of Σy² − (Σy)²/m with y up to 40
    }
  });
});

describe('segmentExact continuous (branch and bound)', () => {
  it('matches brute-force hinge least squares over every tuple (5 seeds, k = 1..3)', () => {
    for (let seed = 1; seed <= 5; seed++) {
      const n = 14 + 2 * seed;
      const { x, signals, weights, stats } = problem(100 + seed, n);
      for (const minSize of [3, 4]) {
        const seg = segmentExact(stats, { kMax: 3, minSize, continuous: true });
        expect(seg.continuous).toBe(true);
        for (let k = 1; k <= 3; k++) {
          const best = Math.min(...allTuples(n, k, minSize).map((t) => naiveHingeCost(x, signals, weights, t)));
          expect(Math.abs(seg.costs[k] - best)).toBeLessThan(1e-8 * (1 + best));
          expect(Math.abs(naiveHingeCost(x, signals, weights, seg.breakpoints[k]) - seg.costs[k])).toBeLessThan(1e-8 * (1 + best));
        }
      }
    }
  });

  it('is never cheaper than the discontinuous optimum, and recovers noise-free kinks exactly', () => {
    const rng = createRng(5);
    const n = 40;
    const x = unevenX(n, rng);
    const y = piecewise(x, [0, 12, 27, n - 1], [0, 2, -1, 3]);
    const stats = buildSegmentStats(x, [y]);
    const cont = segmentExact(stats, { kMax: 3, minSize: 4, continuous: true });
    const disc = segmentExact(stats, { kMax: 3, minSize: 4 });
    for (let k = 0; k <= 3; k++) expect(cont.costs[k]).toBeGreaterThanOrEqual(disc.costs[k] - 1e-9);
    expect(cont.breakpoints[2]).toEqual([12, 27]);
    expect(cont.costs[2]).toBeLessThan(1e-18);
    expect(hingeCost(stats, [12, 27])).toBeLessThan(1e-18);
  });

  it('refuses more than 4 breakpoints or too many candidate tuples, with the limit in the error', () => {
    const { stats } = problem(1, 30);
    expect(thrown(() => segmentExact(stats, { kMax: 5, minSize: 4, continuous: true }))).toEqual({
      code: 'BAD_USER_INPUT',
      message: 'continuous segmentation supports at most 4 breakpoints, got kMax 5',
      details: { kMax: 5, limit: 4 },
    });
    const n = 200;
    const big = problem(2, n).stats;
    const tuples = breakpointTupleCount(n, 4, 4);
    expect(tuples).toBe(46_217_626); // C(184, 4) = 184·183·182·181/24
    expect(thrown(() => segmentExact(big, { kMax: 4, minSize: 4, continuous: true }))).toEqual({
      code: 'BAD_USER_INPUT',
      message: `continuous segmentation of 200 points with 4 breakpoints and minSize 4 has ${tuples} candidate breakpoint tuples, above the limit ${CONTINUOUS_MAX_TUPLES}; use fewer points, a smaller kMax, a larger minSize or the discontinuous model`,
      details: { n: 200, kMax: 4, minSize: 4, tuples, limit: CONTINUOUS_MAX_TUPLES },
    });
  });
});

describe('segmentExact input errors', () => {
  const { stats } = problem(3, 11);
  it('names the broken rule', () => {
    expect(thrown(() => segmentExact(stats, { kMax: 2, minSize: 4 }))).toEqual({
      code: 'BAD_USER_INPUT',
      message: '2 breakpoints with minSize 4 need at least 12 points, got 11',
      details: { n: 11, kMax: 2, minSize: 4, need: 12 },
    });
    expect(thrown(() => segmentExact(stats, { kMax: 1, minSize: 1 }))).toEqual({
      code: 'BAD_USER_INPUT',
      message: 'minSize must be an integer ≥ 2, got 1',
      details: { minSize: 1 },
    });
    expect(thrown(() => segmentExact(stats, { kMax: -1 }))).toEqual({
      code: 'BAD_USER_INPUT',
      message: 'kMax must be an integer ≥ 0, got -1',
      details: { kMax: -1 },
    });
  });
});
