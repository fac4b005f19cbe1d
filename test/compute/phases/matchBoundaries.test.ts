import { describe, expect, it } from 'vitest';
import { matchBoundaries } from '../../../compute/phases/matchBoundaries.js';

/** Every order-preserving pairing of min(kA, kB) pairs, by brute force: the reference. */
function bruteForce(a: number[], b: number[]): { pairs: [number, number][]; cost: number } {
  const dist = (u: number, v: number) => Math.abs(Math.log10(u) - Math.log10(v));
  const k = Math.min(a.length, b.length);
  let best = { pairs: [] as [number, number][], cost: Infinity };
  const choose = (n: number, r: number, from = 0): number[][] => (r === 0 ? [[]] : Array.from({ length: n - from }, (_, i) => from + i).flatMap((i) => choose(n, r - 1, i + 1).map((rest) => [i, ...rest])));
  for (const ia of choose(a.length, k)) {
    for (const ib of choose(b.length, k)) {
      const cost = ia.reduce((s, i, j) => s + dist(a[i], b[ib[j]]), 0);
      if (cost < best.cost - 1e-12) best = { pairs: ia.map((i, j) => [i, ib[j]]), cost };
    }
  }
  return best;
}

describe('matchBoundaries', () => {
  it('pairs by rank when the counts are equal', () => {
    expect(matchBoundaries([100, 1000, 10000], [200, 900, 30000])).toEqual({
      pairs: [{ indexA: 0, indexB: 0 }, { indexA: 1, indexB: 1 }, { indexA: 2, indexB: 2 }], unmatchedA: [], unmatchedB: [], logScale: true,
    });
  });

  it('pairs the nearest boundaries in order when the counts differ, and reports the rest', () => {
    const m = matchBoundaries([300, 6000], [250, 1000, 5000]);
    expect(m.pairs).toEqual([{ indexA: 0, indexB: 0 }, { indexA: 1, indexB: 2 }]);
    expect(m.unmatchedB).toEqual([1]);
    expect(m.unmatchedA).toEqual([]);
    const swapped = matchBoundaries([250, 1000, 5000], [6000]);
    expect(swapped.pairs).toEqual([{ indexA: 2, indexB: 0 }]);
    expect(swapped.unmatchedA).toEqual([0, 1]);
    expect(matchBoundaries([], [5, 6])).toEqual({ pairs: [], unmatchedA: [], unmatchedB: [0, 1], logScale: true });
  });

  it('uses absolute distance when a boundary is not positive (fractions at 0)', () => {
    const m = matchBoundaries([0, 0.5], [0.45]);
    expect(m.logScale).toBe(false);
    expect(m.pairs).toEqual([{ indexA: 1, indexB: 0 }]);
  });

  it('equals brute force over every order-preserving pairing on random boundary sets', () => {
    let seed = 5;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let trial = 0; trial < 200; trial++) {
      const draw = (n: number) => Array.from({ length: n }, () => 10 ** (1 + 4 * rnd())).sort((p, q) => p - q);
      const a = draw(Math.floor(rnd() * 5));
      const b = draw(Math.floor(rnd() * 5));
      const got = matchBoundaries(a, b);
      const ref = bruteForce(a, b);
      const cost = got.pairs.reduce((s, p) => s + Math.abs(Math.log10(a[p.indexA]) - Math.log10(b[p.indexB])), 0);
      expect(got.pairs).toHaveLength(Math.min(a.length, b.length));
      expect(cost).toBeCloseTo(ref.cost, 10);
    }
  });
});
