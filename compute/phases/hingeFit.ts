/**
 * Least-squares fit of a CONTINUOUS piecewise-linear function with given knots, per signal, in
 * O(S·p³) per knot tuple (p = K + 2) from the prefix sums of `buildSegmentStats`.
 *
 * Model (truncated-power / hinge basis, e.g. Hastie, Tibshirani & Friedman 2009, §5.2, eq. 5.3):
 *
 *   f(u) = β₀ + β₁·u + Σ_k γ_k·(u − τ_k)₊,     τ_k = u[b_k]                                  (1)
 *
 * where b_k is a breakpoint index (the last point of the left segment), so the knot sits at the
 * left segment's last x and the two lines meet there. Every Gram entry of (1) is a suffix sum of
 * 1, u, u², y, uy: for b_k ≤ b_l, Σ_{t>b_l}(u−τ_k)(u−τ_l) = S_uu − (τ_k+τ_l)·S_u + τ_kτ_l·S_1.
 * The normal equations G·θ = r are solved by a Cholesky factorisation G = LLᵀ that DROPS a column
 * whose pivot falls below 1e-10 of its diagonal (it is, to rounding, in the span of the earlier
 * columns — e.g. a hinge whose right part has no finite points of this signal). The minimum RSS is
 * then yᵀy − ‖z‖² with Lz = r (no back-substitution needed), which is exact for any rank.
 */
import type { SegmentStats } from './segmentCosts.js';

const DROP_PIVOT = 1e-10;

/** Scratch buffers for one knot count; reuse across calls to avoid allocation in search loops. */
export interface HingeWorkspace {
  readonly p: number;
  readonly G: Float64Array;
  readonly r: Float64Array;
  readonly tau: Float64Array;
  readonly keep: Uint8Array;
}

export function createHingeWorkspace(nKnots: number): HingeWorkspace {
  const p = nKnots + 2;
  return { p, G: new Float64Array(p * p), r: new Float64Array(p), tau: new Float64Array(nKnots), keep: new Uint8Array(p) };
}

/** Fill G (p×p, row-major, full) and r for signal s over points 0..last; returns yᵀy. */
function assemble(stats: SegmentStats, s: number, knots: readonly number[], ws: HingeWorkspace, last: number): number {
  const { c, u, uu, y, uy, yy } = stats.prefix[s];
  const n = last + 1; // sums run over points 0..last
  const K = ws.p - 2; // knots[0..K−1]; `knots` may be longer (a prefix of a tuple)
  const { p, G, r, tau } = ws;
  for (let k = 0; k < K; k++) tau[k] = stats.u[knots[k]];
  G[0] = c[n];
  G[1] = G[p] = u[n];
  G[p + 1] = uu[n];
  r[0] = y[n];
  r[1] = uy[n];
  for (let k = 0; k < K; k++) {
    const b = knots[k] + 1; // suffix starts after the knot's point
    const tk = tau[k];
    const S1 = c[n] - c[b], Su = u[n] - u[b], Suu = uu[n] - uu[b];
    const col = k + 2;
    G[col] = G[col * p] = Su - tk * S1;
    G[p + col] = G[col * p + 1] = Suu - tk * Su;
    r[col] = uy[n] - uy[b] - tk * (y[n] - y[b]);
    for (let l = k; l < K; l++) {
      const bl = knots[l] + 1; // knots ascending: the later knot's suffix is the overlap
      const tl = tau[l];
      const v = uu[n] - uu[bl] - (tk + tl) * (u[n] - u[bl]) + tk * tl * (c[n] - c[bl]);
      G[col * p + l + 2] = G[(l + 2) * p + col] = v;
    }
  }
  return yy[n];
}

/**
 * In-place Cholesky with column dropping; afterwards the lower triangle of G holds L and r holds z
 * (for kept columns). Returns ‖z‖².
 */
function choleskyExplained(ws: HingeWorkspace): number {
  const { p, G, r, keep } = ws;
  let explained = 0;
  for (let j = 0; j < p; j++) {
    const diag0 = G[j * p + j];
    let d = diag0;
    for (let k = 0; k < j; k++) if (keep[k]) d -= G[j * p + k] * G[j * p + k];
    if (!(diag0 > 0) || d <= DROP_PIVOT * diag0) {
      keep[j] = 0;
      continue;
    }
    keep[j] = 1;
    const ljj = Math.sqrt(d);
    G[j * p + j] = ljj;
    for (let i = j + 1; i < p; i++) {
      let v = G[i * p + j];
      for (let k = 0; k < j; k++) if (keep[k]) v -= G[i * p + k] * G[j * p + k];
      G[i * p + j] = v / ljj;
    }
    let z = r[j];
    for (let k = 0; k < j; k++) if (keep[k]) z -= G[j * p + k] * r[k];
    z /= ljj;
    r[j] = z;
    explained += z * z;
  }
  return explained;
}

/**
 * Weighted continuous piecewise-linear cost Σ_s w_s·RSS_s over points 0..last (default n−1), with
 * knots at the first `ws.p − 2` entries of `knots` (ascending breakpoint indices, each < last).
 * `ws` must come from `createHingeWorkspace(number of knots)`.
 */
export function hingeCost(
  stats: SegmentStats,
  knots: readonly number[],
  ws: HingeWorkspace = createHingeWorkspace(knots.length),
  last: number = stats.n - 1,
): number {
  let total = 0;
  for (let s = 0; s < stats.nSignals; s++) {
    const yy = assemble(stats, s, knots, ws, last);
    const rss = yy - choleskyExplained(ws);
    if (rss > 0) total += stats.weights[s] * rss;
  }
  return total;
}

/**
 * Fitted values of model (1), one row per signal, NaN where the signal is missing. Solves the
 * normal equations by back-substitution on the kept columns (dropped coefficients are 0).
 */
export function hingeFitted(stats: SegmentStats, signals: readonly Float64Array[], knots: readonly number[]): Float64Array[] {
  const ws = createHingeWorkspace(knots.length);
  const { p, G, r, keep, tau } = ws;
  return signals.map((row, s) => {
    assemble(stats, s, knots, ws, stats.n - 1);
    choleskyExplained(ws);
    const theta = new Float64Array(p);
    for (let j = p - 1; j >= 0; j--) {
      if (!keep[j]) continue;
      let v = r[j];
      for (let i = j + 1; i < p; i++) if (keep[i]) v -= G[i * p + j] * theta[i];
      theta[j] = v / G[j * p + j];
    }
    const fitted = new Float64Array(stats.n).fill(NaN);
    for (let t = 0; t < stats.n; t++) {
      if (Number.isNaN(row[t])) continue;
      const ut = stats.u[t];
      let f = theta[0] + theta[1] * ut;
      for (let k = 0; k < knots.length; k++) if (t > knots[k]) f += theta[k + 2] * (ut - tau[k]);
      fitted[t] = f;
    }
    return fitted;
  });
}
