/**
 * Test helpers: synthetic piecewise-linear trajectories with planted breakpoints, and brute-force
 * references written independently of the prefix-sum code under test.
 */
import type { Rng } from '../../../compute/random.js';
import { createNormal } from '../../../compute/random.js';

/** Sorted x with unequal spacing: gaps drawn uniformly in [0.3, 1.7]·step. */
export function unevenX(n: number, rng: Rng, step = 1, start = 0): Float64Array {
  const x = new Float64Array(n);
  x[0] = start;
  for (let t = 1; t < n; t++) x[t] = x[t - 1] + step * (0.3 + 1.4 * rng());
  return x;
}

/**
 * Continuous piecewise-linear values through the given knot values: the function is linear between
 * consecutive knots (knotIdx ascending, first 0, last n−1), so a breakpoint at knot index b means
 * the slope changes after point b. `jumps[i]` adds a step to every point after the i-th inner knot.
 */
export function piecewise(x: Float64Array, knotIdx: readonly number[], knotValues: readonly number[], jumps?: readonly number[]): Float64Array {
  const y = new Float64Array(x.length);
  for (let seg = 0; seg + 1 < knotIdx.length; seg++) {
    const [a, b] = [knotIdx[seg], knotIdx[seg + 1]];
    for (let t = seg === 0 ? a : a + 1; t <= b; t++) {
      y[t] = knotValues[seg] + ((knotValues[seg + 1] - knotValues[seg]) * (x[t] - x[a])) / (x[b] - x[a]);
      for (let j = 0; j < seg; j++) y[t] += jumps?.[j] ?? 0;
    }
  }
  return y;
}

export function addNoise(y: Float64Array, sigma: number, rng: Rng): Float64Array {
  const normal = createNormal(rng);
  return y.map((v) => v + sigma * normal());
}

export function zScore(y: Float64Array): Float64Array {
  let m = 0;
  let mean = 0;
  for (const v of y) if (!Number.isNaN(v)) (mean += v), m++;
  mean /= m;
  let ss = 0;
  for (const v of y) if (!Number.isNaN(v)) ss += (v - mean) ** 2;
  const sd = Math.sqrt(ss / (m - 1));
  return y.map((v) => (v - mean) / sd);
}

/** Two-pass OLS of y on x over the finite points of [i..j]; RSS and slope as in any textbook. */
export function naiveLine(x: Float64Array, y: Float64Array, i: number, j: number): { m: number; rss: number; slope: number | null; stderr: number | null } {
  const xs: number[] = [];
  const ys: number[] = [];
  for (let t = i; t <= j; t++) if (!Number.isNaN(y[t])) xs.push(x[t]), ys.push(y[t]);
  const m = xs.length;
  if (m < 2) return { m, rss: 0, slope: null, stderr: null };
  const mx = xs.reduce((a, b) => a + b, 0) / m;
  const my = ys.reduce((a, b) => a + b, 0) / m;
  let sxx = 0;
  let sxy = 0;
  for (let k = 0; k < m; k++) (sxx += (xs[k] - mx) ** 2), (sxy += (xs[k] - mx) * (ys[k] - my));
  if (sxx === 0) return { m, rss: ys.reduce((a, v) => a + (v - my) ** 2, 0), slope: null, stderr: null };
  const slope = sxy / sxx;
  let rss = 0;
  for (let k = 0; k < m; k++) rss += (ys[k] - my - slope * (xs[k] - mx)) ** 2;
  return { m, rss, slope, stderr: m > 2 ? Math.sqrt(rss / (m - 2) / sxx) : null };
}

/** All ascending k-tuples of breakpoints (last index of each left segment) with segments ≥ minSize. */
export function allTuples(n: number, k: number, minSize: number): number[][] {
  const out: number[][] = [];
  const rec = (prefix: number[], start: number): void => {
    if (prefix.length === k) {
      if (n - start >= minSize) out.push(prefix.slice());
      return;
    }
    for (let b = start + minSize - 1; b <= n - 1 - (k - prefix.length) * minSize; b++) rec([...prefix, b], b + 1);
  };
  rec([], 0);
  return out;
}

/** Discontinuous cost of a tuple by naive per-segment OLS. */
export function naiveTupleCost(x: Float64Array, signals: readonly Float64Array[], weights: readonly number[], bps: readonly number[]): number {
  const ends = [...bps, x.length - 1];
  let total = 0;
  let start = 0;
  for (const end of ends) {
    signals.forEach((y, s) => (total += weights[s] * naiveLine(x, y, start, end).rss));
    start = end + 1;
  }
  return total;
}

/**
 * Continuous (hinge) cost of a tuple by an explicit design matrix and modified Gram–Schmidt with
 * re-orthogonalisation (numerically independent of the Cholesky-on-prefix-sums code).
 */
export function naiveHingeCost(x: Float64Array, signals: readonly Float64Array[], weights: readonly number[], bps: readonly number[]): number {
  let total = 0;
  signals.forEach((y, s) => {
    const rows: number[] = [];
    for (let t = 0; t < x.length; t++) if (!Number.isNaN(y[t])) rows.push(t);
    const cols: number[][] = [rows.map(() => 1), rows.map((t) => x[t]), ...bps.map((b) => rows.map((t) => Math.max(0, x[t] - x[b])))];
    const basis: number[][] = [];
    for (const c of cols) {
      const v = c.slice();
      const norm0 = Math.sqrt(v.reduce((a, b) => a + b * b, 0));
      for (let pass = 0; pass < 2; pass++) {
        for (const q of basis) {
          const d = q.reduce((a, qi, i) => a + qi * v[i], 0);
          for (let i = 0; i < v.length; i++) v[i] -= d * q[i];
        }
      }
      const norm = Math.sqrt(v.reduce((a, b) => a + b * b, 0));
      if (norm > 1e-9 * norm0 && norm > 0) basis.push(v.map((vi) => vi / norm));
    }
    const r = rows.map((t) => y[t]);
    for (const q of basis) {
      const d = q.reduce((a, qi, i) => a + qi * r[i], 0);
      for (let i = 0; i < r.length; i++) r[i] -= d * q[i];
    }
    total += weights[s] * r.reduce((a, b) => a + b * b, 0);
  });
  return total;
}

/** The error a call throws, as its JSON (code, message, details), for whole-object comparison. */
export function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return typeof (e as { toJSON?: unknown }).toJSON === 'function' ? (e as { toJSON: () => unknown }).toJSON() : e;
  }
  throw new Error('expected the call to throw');
}
