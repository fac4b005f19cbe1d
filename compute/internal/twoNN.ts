/**
 * TwoNN intrinsic dimension (Facco, d'Errico, Rodriguez & Laio 2017, "Estimating the intrinsic
 * dimension of datasets by a minimal neighborhood information", Sci. Rep. 7:12140).
 *
 *   const r = await rowsTwoNN(engine, hidden, [tokens, width]);
 *   r.dimension   // 11.3
 *   r.points      // distinct points used, after exact duplicates and near-twins are collapsed
 *   r.scale       // [{ points: N, mean }, { points: N/2, mean, sd }, { points: N/4, mean, sd }]
 *
 * For each point, μ = r₂/r₁ (second over first nearest-neighbour distance). If the density is
 * locally constant on a d-dimensional manifold, μ is Pareto distributed, f(μ) = d·μ^(−d−1) for
 * μ ≥ 1 (their eq. 2), i.e. log μ ~ Exponential(d), independently of the density itself.
 *
 * Steps, each recorded in the result:
 * 1. exact duplicate rows are collapsed (r₁ = 0 would make μ undefined);
 * 2. near-twins — points closer to another than `twinTolerance` × the median r₁ — are collapsed
 *    too (nearTwins.ts: a repeated word gives near-copies that would otherwise dominate μ);
 * 3. neighbours are exact (rowNeighbours.ts: float64 ranking with a rigorous error bound, and an
 *    exact recheck of every row the bound cannot exclude);
 * 4. the 10% largest μ are discarded (points in sparse regions, where the constant-density
 *    assumption fails) and d is fitted:
 *    - 'regression' (default): Facco et al.'s line through the origin of
 *      yᵢ = −log(1 − i/N) on xᵢ = log μ₍ᵢ₎, i = 1…⌊(1 − discard)·N⌋, μ ascending — the estimator of
 *      DADApy (`compute_id_2NN`) and scikit-dimension (`TwoNN`), so values compare with the field's;
 *    - 'mle': maximum likelihood of the same Type-II-censored exponential sample,
 *      d̂ = k / (Σ_{i ≤ k} log μ₍ᵢ₎ + (N − k)·log μ₍ₖ₎), k = ⌈(1 − discard)·N⌉ (Lawless, "Statistical
 *      Models and Methods for Lifetime Data", §3.1.1);
 * 5. scale check (Facco et al., Fig. 3): the kept points are split at random (seeded) into 2 and
 *    into 4 disjoint subsets and the estimate repeated on each, giving its mean and spread at N/2
 *    and N/4. A value that drifts with N is a scale-dependent dimension (noise at small scales,
 *    curvature at large ones), not a stable property of the representation.
 */
import { badInput, degenerate } from '../../errors/CortexError.js';
import type { GemmEngine } from '../linalg/gemm.js';
import { createRng } from '../random.js';
import { collapseNearTwins, rowsOf } from './nearTwins.js';
import { rowTwoNearest, uniqueRows } from './rowNeighbours.js';

export type TwoNNMethod = 'regression' | 'mle';

export interface TwoNNOptions {
  /** Fraction of the largest μ discarded (default 0.1, Facco et al.). */
  readonly discardFraction?: number;
  /** 'regression' (default): Facco et al.'s line fit; 'mle': censored maximum likelihood. */
  readonly method?: TwoNNMethod;
  /** Near-twin tolerance relative to the median nearest-neighbour distance (default 0.2; 0 keeps near-twins). */
  readonly twinTolerance?: number;
  /** Subset counts of the scale check (default [2, 4]; [] skips it). */
  readonly scaleSubsets?: readonly number[];
  /** Seed of the scale check's random split. */
  readonly seed?: number;
}

/** The defaults, as recorded in the internal params hash. */
export const TWO_NN_DEFAULTS = { discardFraction: 0.1, method: 'regression', twinTolerance: 0.2, scaleSubsets: [2, 4], seed: 1 } as const;

/** The estimate at one sample size. */
export interface TwoNNScale {
  /** Points per subset. */
  readonly points: number;
  /** Disjoint subsets the points were split into. */
  readonly subsets: number;
  /** Mean of the subsets' estimates (null when no subset had one). */
  readonly mean: number | null;
  /** Their sample standard deviation (null for one subset). */
  readonly sd: number | null;
}

export interface TwoNNResult {
  readonly dimension: number;
  readonly method: TwoNNMethod;
  /** Rows given. */
  readonly rows: number;
  /** Distinct points used (N), after both collapses. */
  readonly points: number;
  /** Points whose μ entered the fit. */
  readonly kept: number;
  /** Exact duplicate rows collapsed. */
  readonly duplicates: number;
  /** Rows collapsed as near-twins of an earlier row. */
  readonly nearTwins: number;
  /** The near-twin tolerance (relative) and the distance it came to. */
  readonly twinTolerance: number;
  readonly twinDistance: number;
  /** Median nearest-neighbour distance of the points used. */
  readonly medianNeighbourDistance: number;
  /** The estimate at N, N/2, N/4 … (scale check). */
  readonly scale: readonly TwoNNScale[];
}

/** Fewest points a scale-check subset may have: below, μ has too few values for a fit. */
const MIN_SUBSET_POINTS = 20;

export async function rowsTwoNN(
  engine: GemmEngine,
  x: Float32Array | Float64Array,
  dims: readonly [number, number],
  options: TwoNNOptions = {},
): Promise<TwoNNResult> {
  const discard = options.discardFraction ?? TWO_NN_DEFAULTS.discardFraction;
  if (!(discard >= 0 && discard < 1)) throw badInput(`TwoNN discardFraction must be in [0, 1), got ${discard}`, { discardFraction: discard });
  const tolerance = options.twinTolerance ?? TWO_NN_DEFAULTS.twinTolerance;
  if (!(tolerance >= 0 && tolerance < 1)) throw badInput(`TwoNN twinTolerance must be in [0, 1), got ${tolerance}`, { twinTolerance: tolerance });
  const method = options.method ?? TWO_NN_DEFAULTS.method;
  const [rows, d] = dims;
  const unique = uniqueRows(x, rows, d);
  if (unique.length < 3) {
    throw degenerate(`TwoNN needs at least 3 distinct points, got ${unique.length} (of ${rows} rows)`, { distinct: unique.length, rows });
  }
  const c = centredRows(x, d, unique);
  const twins = await collapseNearTwins(engine, c, [unique.length, d], tolerance);
  const n = twins.active.length;
  const { dimension, kept } = estimate(twins.neighbours.r1, twins.neighbours.r2, discard, method);
  const scale: TwoNNScale[] = [{ points: n, subsets: 1, mean: dimension, sd: null }];
  const kept64 = rowsOf(c, d, twins.active);
  const rng = createRng(options.seed ?? TWO_NN_DEFAULTS.seed);
  for (const subsets of options.scaleSubsets ?? TWO_NN_DEFAULTS.scaleSubsets) {
    const size = Math.floor(n / subsets);
    if (size < MIN_SUBSET_POINTS) break;
    const order = shuffled(n, rng);
    const values: number[] = [];
    for (let s = 0; s < subsets; s++) {
      const part = rowsOf(kept64, d, order.subarray(s * size, (s + 1) * size).sort());
      const nn = await rowTwoNearest(engine, part, [size, d]);
      const e = estimateOrNull(nn.r1, nn.r2, discard, method);
      if (e !== null) values.push(e);
    }
    scale.push({ points: size, subsets, ...meanSd(values) });
  }
  return {
    dimension, method, rows, points: n, kept, duplicates: rows - unique.length, nearTwins: twins.collapsed, twinTolerance: tolerance,
    twinDistance: tolerance * twins.medianDistance, medianNeighbourDistance: twins.medianDistance, scale,
  };
}

/** The estimate from the two neighbour distances of every point. */
export function estimate(r1: Float64Array, r2: Float64Array, discard: number, method: TwoNNMethod): { dimension: number; kept: number } {
  const n = r1.length;
  const logMu = new Float64Array(n);
  for (let i = 0; i < n; i++) logMu[i] = Math.log(r2[i] / r1[i]);
  logMu.sort();
  const k = method === 'mle' ? Math.max(2, Math.ceil((1 - discard) * n)) : Math.max(2, Math.min(n - 1, Math.floor((1 - discard) * n)));
  const dimension = method === 'mle' ? censoredMle(logMu, k) : originRegression(logMu, k);
  if (!(dimension > 0) || !Number.isFinite(dimension)) {
    // All μ = 1 (every point equidistant from its two neighbours, e.g. a regular lattice).
    throw degenerate('TwoNN is undefined: every point is as far from its second neighbour as from its first', { points: n });
  }
  return { dimension, kept: k };
}

function estimateOrNull(r1: Float64Array, r2: Float64Array, discard: number, method: TwoNNMethod): number | null {
  try {
    return estimate(r1, r2, discard, method).dimension;
  } catch {
    return null;
  }
}

/** d̂ = k / (Σ_{i<k} log μ₍ᵢ₎ + (N − k)·log μ₍ₖ₎), log μ sorted ascending. */
function censoredMle(logMu: Float64Array, k: number): number {
  const n = logMu.length;
  let total = 0;
  for (let i = 0; i < k; i++) total += logMu[i];
  total += (n - k) * logMu[k - 1];
  return k / total;
}

/** Least squares through the origin of yᵢ = −log(1 − i/N) on xᵢ = log μ₍ᵢ₎, i = 1..k (k < N). */
function originRegression(logMu: Float64Array, k: number): number {
  const n = logMu.length;
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < k; i++) {
    const y = -Math.log(1 - (i + 1) / n);
    sxy += logMu[i] * y;
    sxx += logMu[i] * logMu[i];
  }
  return sxy / sxx;
}

/** The given rows, centred, in float64: centring keeps the norms, and so the error bound of the ranking, small. */
function centredRows(x: Float32Array | Float64Array, d: number, rows: readonly number[]): Float64Array {
  const mean = new Float64Array(d);
  for (const i of rows) for (let j = 0; j < d; j++) mean[j] += x[i * d + j];
  for (let j = 0; j < d; j++) mean[j] /= rows.length;
  const c = new Float64Array(rows.length * d);
  rows.forEach((i, a) => {
    for (let j = 0; j < d; j++) c[a * d + j] = x[i * d + j] - mean[j];
  });
  return c;
}

/** A random permutation of 0..n-1 (Fisher–Yates). */
function shuffled(n: number, rng: () => number): Int32Array {
  const p = Int32Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    const t = p[i];
    p[i] = p[j];
    p[j] = t;
  }
  return p;
}

function meanSd(values: readonly number[]): { mean: number | null; sd: number | null } {
  if (values.length === 0) return { mean: null, sd: null };
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  if (values.length < 2) return { mean, sd: null };
  return { mean, sd: Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / (values.length - 1)) };
}
