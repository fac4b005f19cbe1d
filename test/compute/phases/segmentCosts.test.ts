import { describe, it, expect } from 'vitest';
import { createRng } from '../../../compute/random.js';
import { buildSegmentStats, piecewiseFitted, segmentCost, segmentCostMatrix, segmentFit } from '../../../compute/phases/segmentCosts.js';
import { addNoise, naiveLine, thrown, unevenX } from './synthetic.js';

describe('segmentCostMatrix', () => {
  it('equals a naive two-pass OLS fit for every segment, with NaNs and per-signal weights', () => {
    for (const seed of [1, 2, 3]) {
      const rng = createRng(seed);
      const n = 25;
      const x = unevenX(n, rng);
      const signals = [0, 1, 2].map(() => addNoise(new Float64Array(n), 1, rng));
      for (let t = 0; t < n; t++) if (rng() < 0.15) signals[t % 3][t] = NaN;
      const weights = [1, 0.5, 2];
      const stats = buildSegmentStats(x, signals, weights);
      const C = segmentCostMatrix(stats, 3);
      for (let i = 0; i < n; i++) {
        for (let j = i; j < n; j++) {
          const expected = j - i + 1 < 3 ? Infinity : signals.reduce((a, y, s) => a + weights[s] * naiveLine(x, y, i, j).rss, 0);
          if (expected === Infinity) expect(C[j * n + i]).toBe(Infinity);
          else expect(Math.abs(C[j * n + i] - expected)).toBeLessThan(1e-10 * (1 + expected));
          if (expected !== Infinity) expect(Math.abs(segmentCost(stats, i, j) - expected)).toBeLessThan(1e-10 * (1 + expected));
        }
      }
    }
  });

  it('stays accurate on raw token counts (~1e11) thanks to standardised x', () => {
    const rng = createRng(9);
    const n = 40;
    const x = unevenX(n, rng, 2e9, 1e11);
    const y = addNoise(Float64Array.from(x, (v) => 1e-10 * v), 0.1, rng);
    const stats = buildSegmentStats(x, [y]);
    for (const [i, j] of [[0, 3], [10, 20], [36, 39], [0, 39]] as const) {
      const ref = naiveLine(x, y, i, j);
      const f = segmentFit(stats, 0, i, j);
      expect(Math.abs(f.rss - ref.rss)).toBeLessThan(1e-9 * (1 + ref.rss));
      expect(Math.abs(f.slope! - ref.slope!) / Math.abs(ref.slope!)).toBeLessThan(1e-8);
      expect(Math.abs(f.stderr! - ref.stderr!) / ref.stderr!).toBeLessThan(1e-6);
    }
  });
});

describe('segmentFit edge cases', () => {
  const x = Float64Array.from([0, 1, 2, 2, 2, 3, 4, 5]);
  const y = Float64Array.from([1, NaN, 5, 7, 9, NaN, NaN, 2]);
  const stats = buildSegmentStats(x, [y]);

  it('gives cost 0 and no slope with fewer than two finite points', () => {
    expect(segmentFit(stats, 0, 5, 6)).toEqual({ nFinite: 0, slope: null, stderr: null, rss: 0, level: NaN, centre: 0, slopeU: 0 });
    const one = segmentFit(stats, 0, 0, 1);
    expect([one.nFinite, one.slope, one.stderr, one.rss, one.level]).toEqual([1, null, null, 0, 1]);
  });

  it('fits a constant when all finite x are tied (degenerate x variance)', () => {
    const f = segmentFit(stats, 0, 2, 4); // x = 2, 2, 2; y = 5, 7, 9
    expect(f.slope).toBeNull();
    expect(f.rss).toBeCloseTo(8, 12); // Σ(y − 7)²
  });

  it('has a slope but no standard error with exactly two points', () => {
    const f = segmentFit(stats, 0, 0, 2); // (0,1), (2,5)
    expect(f.slope).toBeCloseTo(2, 12);
    expect(f.stderr).toBeNull();
    expect(f.rss).toBeLessThan(1e-12);
  });

  it('returns fitted values on the segment lines and NaN where missing', () => {
    const fitted = piecewiseFitted(stats, [y], [2]);
    expect(Number.isNaN(fitted[0][1])).toBe(true);
    expect(fitted[0][0]).toBeCloseTo(1, 12);
    expect(fitted[0][2]).toBeCloseTo(5, 12);
    // right segment (2,7), (2,9), (5,2): x̄ = 3, ȳ = 6, slope −12/6 = −2 → 8 at x = 2, 2 at x = 5
    expect(fitted[0][3]).toBeCloseTo(8, 12);
    expect(fitted[0][4]).toBeCloseTo(8, 12);
    expect(fitted[0][7]).toBeCloseTo(2, 12);
  });
});

describe('buildSegmentStats input errors', () => {
  it('rejects unsorted x, non-finite x, mismatched lengths, infinities and bad weights', () => {
    const ok = Float64Array.from([1, 2, 3]);
    expect(thrown(() => buildSegmentStats(Float64Array.from([1, 3, 2]), [ok]))).toEqual({
      code: 'BAD_USER_INPUT',
      message: 'x must be sorted ascending; x[2] = 2 < x[1] = 3',
      details: { index: 2 },
    });
    expect(thrown(() => buildSegmentStats(Float64Array.from([1, NaN, 2]), [ok]))).toEqual({
      code: 'BAD_USER_INPUT',
      message: 'x[1] is not finite (NaN)',
      details: { index: 1 },
    });
    expect(thrown(() => buildSegmentStats(ok, [Float64Array.from([1, 2])]))).toEqual({
      code: 'BAD_USER_INPUT',
      message: 'signal 0 has 2 values for 3 points',
      details: { signal: 0, length: 2, n: 3 },
    });
    expect(thrown(() => buildSegmentStats(ok, [Float64Array.from([1, Infinity, 2])]))).toEqual({
      code: 'BAD_USER_INPUT',
      message: 'signal 0 value at 1 is Infinity; use NaN for a missing point',
      details: { signal: 0, index: 1 },
    });
    expect(thrown(() => buildSegmentStats(ok, [ok], [0]))).toEqual({
      code: 'BAD_USER_INPUT',
      message: 'weight of signal 0 must be finite and > 0, got 0',
      details: { signal: 0 },
    });
  });

  it('does not mutate its inputs', () => {
    const x = Float64Array.from([3, 4, 5, 6]);
    const y = Float64Array.from([1, NaN, 2, 5]);
    const stats = buildSegmentStats(x, [y]);
    segmentCostMatrix(stats, 2);
    expect(Array.from(x)).toEqual([3, 4, 5, 6]);
    expect(Array.from(y)).toEqual([1, NaN, 2, 5]);
  });
});
