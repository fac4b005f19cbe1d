/**
 * TwoNN intrinsic dimension (Facco, d'Errico, Rodriguez & Laio 2017, "Estimating the intrinsic
 * dimension of datasets by a minimal neighborhood information", Sci. Rep. 7:12140).
 *
 *   const { dimension } = await rowsTwoNN(engine, hidden, [tokens, width]);
 *
 * For each point, μ = r₂/r₁ (second over first nearest-neighbour distance). If the density is
 * locally constant on a d-dimensional manifold, μ is Pareto distributed, f(μ) = d·μ^(−d−1) for
 * μ ≥ 1 (their eq. 2), i.e. log μ ~ Exponential(d), independently of the density itself.
 *
 * Facco et al. discard the 10% largest μ, which come from points in sparse regions where the
 * constant-density assumption fails, and fit −log(1 − F(μ)) = d·log μ on the rest. We keep that
 * discard but estimate d by maximum likelihood (default): discarding the top 10% is Type-II
 * right-censoring of an exponential sample, whose MLE is
 *     d̂ = k / (Σ_{i ≤ k} log μ₍ᵢ₎ + (N − k)·log μ₍ₖ₎),   k = ⌈(1 − 0.1)·N⌉
 * (μ₍ᵢ₎ ascending; e.g. Lawless, "Statistical Models and Methods for Lifetime Data", §3.1.1).
 * Simply dropping the largest μ and applying the uncensored MLE N/Σ log μ would overestimate d;
 * the censoring term corrects that. `method: 'regression'` gives Facco et al.'s original
 * least-squares fit through the origin, with the empirical F(μ₍ᵢ₎) = i/N.
 */
import { badInput, degenerate } from '../../errors/CortexError.js';
import type { GemmEngine } from '../linalg/gemm.js';
import { rowTwoNearest } from './rowNeighbours.js';

export interface TwoNNOptions {
  /** Fraction of the largest μ discarded (default 0.1, Facco et al.). */
  readonly discardFraction?: number;
  /** 'mle' (default): censored maximum likelihood; 'regression': Facco et al.'s linear fit. */
  readonly method?: 'mle' | 'regression';
}

export interface TwoNNResult {
  readonly dimension: number;
  readonly method: 'mle' | 'regression';
  /** Distinct points used (N). */
  readonly points: number;
  /** Points whose μ entered the estimate uncensored (k). */
  readonly kept: number;
  /** Exact duplicate rows collapsed before the estimate. */
  readonly duplicates: number;
}

export async function rowsTwoNN(
  engine: GemmEngine,
  x: Float32Array | Float64Array,
  dims: readonly [number, number],
  options: TwoNNOptions = {},
): Promise<TwoNNResult> {
  const discard = options.discardFraction ?? 0.1;
  if (!(discard >= 0 && discard < 1)) throw badInput(`TwoNN discardFraction must be in [0, 1), got ${discard}`, { discardFraction: discard });
  const method = options.method ?? 'mle';
  const { r1, r2, duplicates } = await rowTwoNearest(engine, x, dims);
  const n = r1.length;
  const logMu = new Float64Array(n);
  for (let i = 0; i < n; i++) logMu[i] = Math.log(r2[i] / r1[i]);
  logMu.sort();
  const k = Math.max(2, Math.ceil((1 - discard) * n));
  const dimension = method === 'mle' ? censoredMle(logMu, k) : originRegression(logMu, k);
  if (!(dimension > 0) || !Number.isFinite(dimension)) {
    // All μ = 1 (every point equidistant from its two neighbours, e.g. a regular lattice).
    throw degenerate('TwoNN is undefined: every point is as far from its second neighbour as from its first', { points: n });
  }
  return { dimension, method, points: n, kept: k, duplicates };
}

/** d̂ = k / (Σ_{i<k} log μ₍ᵢ₎ + (N − k)·log μ₍ₖ₎), log μ sorted ascending. */
function censoredMle(logMu: Float64Array, k: number): number {
  const n = logMu.length;
  let total = 0;
  for (let i = 0; i < k; i++) total += logMu[i];
  total += (n - k) * logMu[k - 1];
  return k / total;
}

/** Least squares through the origin of yᵢ = −log(1 − i/N) on xᵢ = log μ₍ᵢ₎, i = 1..k. */
function originRegression(logMu: Float64Array, k: number): number {
  const n = logMu.length;
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < Math.min(k, n - 1); i++) {
    const y = -Math.log(1 - (i + 1) / n);
    sxy += logMu[i] * y;
    sxx += logMu[i] * logMu[i];
  }
  return sxy / sxx;
}
