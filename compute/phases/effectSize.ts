/**
 * Effect sizes of segment slopes: how large a segment's fitted change is, and how large it must be
 * before a direction (UP / DOWN) is put on it.
 *
 * The slope z test of labels.ts compares a slope with the scatter of the points around their line.
 * On benchmark curves that scatter can be far below the measurement error: lm-eval's accuracies
 * carry a binomial standard error (piqa ±0.011), and six nearly equal readings give a "significant"
 * slope for a change of 0.007 (pythia-410m piqa, steps 1–32: 0.535 → 0.527). So a direction also
 * needs the fitted change Δ = slope · span to clear a floor, in z units:
 *
 *   floor = max( minEffect · SE_meas(Δ),  minDelta / sd,  1e-6 )
 *
 *   SE_meas(Δ) = span · sqrt( Σ_i (x_i − x̄)² σ_i² ) / Sxx
 *
 * the standard error the OLS change would have if the stored per-checkpoint standard errors σ_i
 * (z-scored: σ_i / sd) were its only noise and independent (OLS slope variance under known
 * heteroscedastic errors; e.g. Draper & Smith 1998 §9). A point with no stored σ takes the mean σ²
 * of the segment's other points; a segment with none has no measurement floor. `minDelta` is a
 * per-signal floor in the signal's own units (e.g. 0.01 accuracy, 0.005 brain r) for signals
 * without standard errors.
 */

/** The floor's inputs for one signal, over the included checkpoints. */
export interface EffectNoise {
  /** Measurement standard error per included checkpoint in z units (NaN = not stored). */
  readonly sigma: Float64Array;
  /** Minimum change in z units (the signal's `minDelta` / its SD; 0 = none). */
  readonly minDeltaZ: number;
}

export interface EffectFloor {
  /** SE_meas(Δ) in z units; null when no point of the segment has a stored standard error. */
  readonly noise: number | null;
  /** The |Δ| (z units) a direction needs. */
  readonly minChange: number;
}

export const DEFAULT_MIN_EFFECT = 2;
const MIN_CHANGE = 1e-6;

/** The floor of one signal on segment [start..end] (included-point indices), from the points where `values` is finite. */
export function effectFloor(x: Float64Array, values: Float64Array, noise: EffectNoise | undefined, start: number, end: number, minEffect: number): EffectFloor {
  if (!noise) return { noise: null, minChange: MIN_CHANGE };
  let m = 0;
  let sx = 0;
  let known = 0;
  let sumVar = 0;
  for (let i = start; i <= end; i++) {
    if (!Number.isFinite(values[i])) continue;
    m++;
    sx += x[i];
    const s = noise.sigma[i];
    if (Number.isFinite(s)) {
      known++;
      sumVar += s * s;
    }
  }
  const deltaFloor = Math.max(MIN_CHANGE, noise.minDeltaZ);
  if (m < 2 || known === 0) return { noise: null, minChange: deltaFloor };
  const mean = sx / m;
  const fill = sumVar / known;
  let sxx = 0;
  let weighted = 0;
  for (let i = start; i <= end; i++) {
    if (!Number.isFinite(values[i])) continue;
    const d = x[i] - mean;
    const s = noise.sigma[i];
    sxx += d * d;
    weighted += d * d * (Number.isFinite(s) ? s * s : fill);
  }
  if (!(sxx > 0)) return { noise: null, minChange: deltaFloor };
  const se = ((x[end] - x[start]) * Math.sqrt(weighted)) / sxx; // span as in the fitted change slope · span
  return { noise: se, minChange: Math.max(deltaFloor, minEffect * se) };
}
