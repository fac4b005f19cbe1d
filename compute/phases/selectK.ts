/**
 * Number of breakpoints by the Bayesian information criterion (Schwarz 1978), so that "three
 * phases" is a tested hypothesis among k = 0..kMax rather than an assumption.
 *
 * All signals are pooled under one Gaussian noise model, y_st = f_s(x_t) + ε_st with
 * ε_st ~ N(0, σ²/w_s) (z-scored signals, known relative weights w_s). Maximising over σ² gives
 * −2·log L = N_eff·ln(RSS_k/N_eff) + const, hence
 *
 *   BIC(k) = N_eff · ln(RSS_k / N_eff) + p_k · ln(N_eff)                                       (1)
 *
 *   N_eff = number of finite observations, summed over signals and included points
 *   RSS_k = Σ_s w_s·RSS_s, the optimal segmentation's total cost with k breakpoints
 *   p_k   = 2·(k+1)·S + k          discontinuous: intercept and slope per segment and signal,
 *                                   plus the k breakpoint locations
 *   p_k   = (k+2)·S + k            continuous: intercept, slope and k hinge coefficients per
 *                                   signal, plus the k breakpoint locations
 *
 * The smallest BIC wins; ties go to the smaller k (parsimony). Counting each breakpoint as one
 * parameter is the usual convention for change-point BIC (e.g. Yao 1988; Bai & Perron 2003 use the
 * same penalty form); it is known to be slightly liberal for changes in slope, which the minimum
 * segment length and the bootstrap intervals temper.
 *
 * RSS_k is floored at N_eff·1e-12 (a residual SD of 1e-6 of each z-scored signal): on noise-free
 * synthetic data every k ≥ k_true fits to rounding, ln(RSS) would compare rounding noise, and the
 * floor lets the penalty decide instead.
 */
import { badInput } from '../../errors/CortexError.js';

export interface BicEntry {
  readonly k: number;
  readonly bic: number;
  /** Total weighted residual sum of squares of the optimal k-breakpoint fit (RSS_k). */
  readonly cost: number;
}

const RSS_FLOOR_PER_OBS = 1e-12;

/** Free parameters p_k of (1). */
export function paramCount(k: number, nSignals: number, continuous: boolean): number {
  return continuous ? (k + 2) * nSignals + k : 2 * (k + 1) * nSignals + k;
}

/**
 * BIC (1) for every k with a finite cost (`costs[k]`, k = 0..kMax, from segmentExact).
 *
 * @example
 * bicByK(seg.costs, stats.nObs, 3, false);
 * // [{ k: 0, bic: 41.2, cost: 211.9 }, { k: 1, bic: -35.0, cost: 140.3 }, …]
 */
export function bicByK(costs: Float64Array, nObs: number, nSignals: number, continuous: boolean): BicEntry[] {
  if (!(Number.isInteger(nObs) && nObs >= 1)) throw badInput(`BIC needs at least one observation, got ${nObs}`, { nObs });
  if (!(Number.isInteger(nSignals) && nSignals >= 1)) throw badInput(`BIC needs at least one signal, got ${nSignals}`, { nSignals });
  const entries: BicEntry[] = [];
  const lnN = Math.log(nObs);
  for (let k = 0; k < costs.length; k++) {
    const cost = costs[k];
    if (!Number.isFinite(cost)) continue;
    const rss = Math.max(cost, RSS_FLOOR_PER_OBS * nObs);
    entries.push({ k, bic: nObs * Math.log(rss / nObs) + paramCount(k, nSignals, continuous) * lnN, cost });
  }
  return entries;
}

/** The k with the smallest BIC (the smaller k on exact ties). */
export function selectK(entries: readonly BicEntry[]): number {
  if (entries.length === 0) throw badInput('no number of breakpoints has a finite cost to select from', {});
  let best = entries[0];
  for (const e of entries) if (e.bic < best.bic || (e.bic === best.bic && e.k < best.k)) best = e;
  return best.k;
}
