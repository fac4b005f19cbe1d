import { describe, it, expect } from 'vitest';
import { createRng } from '../../../compute/random.js';
import { buildSegmentStats } from '../../../compute/phases/segmentCosts.js';
import { segmentExact } from '../../../compute/phases/segmentExact.js';
import { bicByK, paramCount, selectK } from '../../../compute/phases/selectK.js';
import { addNoise, piecewise, thrown, unevenX, zScore } from './synthetic.js';

describe('BIC formula', () => {
  it('counts 2 parameters per segment and signal plus k breakpoints (continuous: k + 2 per signal)', () => {
    expect(paramCount(0, 3, false)).toBe(6);
    expect(paramCount(2, 3, false)).toBe(20); // 2·3·3 + 2
    expect(paramCount(2, 3, true)).toBe(14); // (2+2)·3 + 2
  });

  it('is N·ln(RSS/N) + p·ln(N), skips infeasible k, and breaks ties towards smaller k', () => {
    const entries = bicByK(Float64Array.from([50, 20, Infinity]), 100, 1, false);
    expect(entries.map((e) => e.k)).toEqual([0, 1]);
    expect(entries[0].bic).toBeCloseTo(100 * Math.log(0.5) + 2 * Math.log(100), 10);
    expect(entries[1].bic).toBeCloseTo(100 * Math.log(0.2) + 5 * Math.log(100), 10);
    expect(entries[1].cost).toBe(20);
    expect(selectK([{ k: 0, bic: 1, cost: 1 }, { k: 1, bic: 1, cost: 1 }])).toBe(0);
    expect(thrown(() => selectK([]))).toEqual({
      code: 'BAD_USER_INPUT',
      message: 'no number of breakpoints has a finite cost to select from',
      details: {},
    });
  });
});

function chosenK(n: number, S: number, seed: number, make: (x: Float64Array, rng: () => number) => Float64Array): number {
  const rng = createRng(seed);
  const x = unevenX(n, rng);
  const signals = Array.from({ length: S }, () => zScore(make(x, rng)));
  const stats = buildSegmentStats(x, signals);
  const seg = segmentExact(stats, { kMax: 4, minSize: 4 });
  return selectK(bicByK(seg.costs, stats.nObs, S, false));
}

describe('selectK on synthetic data', () => {
  it('picks k = 0 on pure noise most of the time (50 trials per setting)', () => {
    for (const [n, S] of [[60, 1], [30, 3], [120, 3]]) {
      let zero = 0;
      for (let t = 0; t < 50; t++) zero += chosenK(n, S, 7000 + 50 * n + S + t, (x, rng) => addNoise(new Float64Array(x.length), 1, rng)) === 0 ? 1 : 0;
      expect(zero / 50).toBeGreaterThanOrEqual(0.85); // observed 98–100 %
    }
  });

  it('picks the planted k = 1, 2, 3 on clear data in ≥ 90 % of 30 trials', () => {
    for (const k of [1, 2, 3]) {
      let right = 0;
      for (let t = 0; t < 30; t++) {
        const n = 60;
        const knots = [0, ...Array.from({ length: k }, (_, i) => Math.round(((i + 1) * (n - 1)) / (k + 1))), n - 1];
        const values = knots.map((_, i) => (i % 2 === 0 ? 0 : 1));
        right += chosenK(n, 2, 9000 + 100 * k + t, (x, rng) => addNoise(piecewise(x, knots, values, [0.5, -0.5, 0.5]), 0.1, rng)) === k ? 1 : 0;
      }
      expect(right / 30).toBeGreaterThanOrEqual(0.9);
    }
  });

  it('lets the penalty decide on noise-free data (RSS floor), picking the planted k exactly', () => {
    const n = 40;
    const x = Float64Array.from({ length: n }, (_, t) => t);
    const y = piecewise(x, [0, 13, 26, n - 1], [0, 2, 0.5, 3]);
    const stats = buildSegmentStats(x, [y]);
    const seg = segmentExact(stats, { kMax: 4, minSize: 4 });
    expect(selectK(bicByK(seg.costs, stats.nObs, 1, false))).toBe(2);
  });
});
