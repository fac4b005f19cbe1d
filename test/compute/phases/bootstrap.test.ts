import { describe, it, expect } from 'vitest';
import { createRng } from '../../../compute/random.js';
import { buildSegmentStats } from '../../../compute/phases/segmentCosts.js';
import { segmentExact } from '../../../compute/phases/segmentExact.js';
import { bootstrapBreakpoints, quantileSorted } from '../../../compute/phases/bootstrap.js';
import { addNoise, piecewise, thrown, unevenX, zScore } from './synthetic.js';

function planted(n: number, sigma: number, jump: number, seed: number) {
  const rng = createRng(seed);
  const x = unevenX(n, rng);
  const b = [Math.round(0.35 * (n - 1)), Math.round(0.7 * (n - 1))];
  const signals = [
    [0, 1, 0.3, 1.5],
    [0, 0.1, 0, 1.2],
  ].map((v) => zScore(addNoise(piecewise(x, [0, b[0], b[1], n - 1], v, [jump, -jump]), sigma, rng)));
  return { x, signals, b };
}

function coverage(n: number, sigma: number, jump: number, continuous: boolean): number {
  let covered = 0;
  let total = 0;
  for (let t = 0; t < 20; t++) {
    const { x, signals, b } = planted(n, sigma, jump, 5000 + t);
    const seg = segmentExact(buildSegmentStats(x, signals), { kMax: 2, minSize: 4, continuous });
    const boot = bootstrapBreakpoints(x, signals, seg.breakpoints[2], { replicates: 100, minSize: 4, seed: t, continuous });
    b.forEach((truth, j) => {
      total++;
      if (boot.intervals[j].lowIndex <= truth && truth <= boot.intervals[j].highIndex) covered++;
    });
  }
  return covered / total;
}

describe('bootstrapBreakpoints', () => {
  it('90 % intervals contain the true breakpoint in ≥ 80 % of 40 cases per setting', () => {
    expect(coverage(60, 0.2, 0.5, false)).toBeGreaterThanOrEqual(0.8); // observed 0.95
    expect(coverage(120, 0.3, 0.3, false)).toBeGreaterThanOrEqual(0.8); // observed 0.925
    expect(coverage(60, 0.1, 0, true)).toBeGreaterThanOrEqual(0.8); // continuous kinks, observed 1.0
  });

  it('is reproducible from its seed and changes with it', () => {
    const { x, signals } = planted(50, 0.3, 0.3, 1);
    const fit = segmentExact(buildSegmentStats(x, signals), { kMax: 2, minSize: 4 }).breakpoints[2];
    const a = bootstrapBreakpoints(x, signals, fit, { replicates: 30, minSize: 4, seed: 11 });
    const b = bootstrapBreakpoints(x, signals, fit, { replicates: 30, minSize: 4, seed: 11 });
    const c = bootstrapBreakpoints(x, signals, fit, { replicates: 30, minSize: 4, seed: 12 });
    expect(Array.from(a.samples)).toEqual(Array.from(b.samples));
    expect(Array.from(a.samples)).not.toEqual(Array.from(c.samples));
    expect(a.blockLength).toBe(4); // ⌈50^{1/3}⌉
  });

  it('keeps missing points missing in every replicate and does not mutate its input', () => {
    const { x, signals } = planted(40, 0.2, 0.5, 2);
    signals[0][5] = NaN;
    signals[1][30] = NaN;
    const copy = signals.map((s) => Array.from(s));
    const fit = segmentExact(buildSegmentStats(x, signals), { kMax: 2, minSize: 4 }).breakpoints[2];
    const boot = bootstrapBreakpoints(x, signals, fit, { replicates: 10, minSize: 4, seed: 3 }, (_stats, rep) =>
      rep.map((row) => Array.from(row, (v, t) => (Number.isNaN(v) ? t : -1)).filter((t) => t >= 0)),
    );
    for (const missing of boot.statistics) expect(missing).toEqual([[5], [30]]);
    expect(signals.map((s) => Array.from(s))).toEqual(copy);
  });

  it('uses the inverted-CDF quantile, so limits are sample members', () => {
    const sorted = Int32Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(quantileSorted(sorted, 0.05)).toBe(1);
    expect(quantileSorted(sorted, 0.1)).toBe(1);
    expect(quantileSorted(sorted, 0.11)).toBe(2);
    expect(quantileSorted(sorted, 0.95)).toBe(10);
    expect(quantileSorted(sorted, 0.5)).toBe(5);
  });

  it('rejects bad options and an over-budget continuous bootstrap', () => {
    const { x, signals } = planted(40, 0.2, 0.5, 2);
    expect(thrown(() => bootstrapBreakpoints(x, signals, [13, 27], { replicates: 0, minSize: 4 }))).toEqual({
      code: 'BAD_USER_INPUT',
      message: 'replicates must be an integer ≥ 1, got 0',
      details: { replicates: 0 },
    });
    expect(thrown(() => bootstrapBreakpoints(x, signals, [13, 27], { replicates: 5, minSize: 4, level: 1 }))).toEqual({
      code: 'BAD_USER_INPUT',
      message: 'level must be in (0, 1), got 1',
      details: { level: 1 },
    });
    const err = thrown(() => bootstrapBreakpoints(x, signals, [13, 27], { replicates: 50, minSize: 4, continuous: true, maxFits: 100 })) as {
      code: string;
      details: { maxFits: number; replicates: number; k: number; projectedFits: number };
    };
    expect(err.code).toBe('BAD_USER_INPUT');
    expect(err.details).toMatchObject({ maxFits: 100, replicates: 50, k: 2 });
    expect(err.details.projectedFits).toBeGreaterThan(100);
  });
});
