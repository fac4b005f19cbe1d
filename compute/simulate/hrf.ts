/**
 * The SPM canonical haemodynamic response function and the BOLD-like response of a train of
 * word events.
 *
 * SPM's `spm_hrf` (Friston et al. 1998; SPM12 defaults p = [6 16 1 1 6 0 32]): the difference of
 * two gamma densities with unit scale — a response of shape 6 (mean 6 s, mode 5 s) minus 1/6 of
 * an undershoot of shape 16 (mode 15 s) — over 0–32 s:
 *   h(t) = t⁵e^(−t)/Γ(6) − (1/6)·t¹⁵e^(−t)/Γ(16)
 * Γ(6) = 120 and Γ(16) = 15!. SPM normalises the sampled kernel to unit sum; the continuous h
 * integrates to 1 − 1/6 = 5/6, and we keep that scale (every response is z-scored later).
 *
 *   const x = eventResponse(onsets, features, [nWords, d], nTrs, 2); // nTrs×d
 */
import { badInput } from '../../errors/CortexError.js';

const GAMMA_6 = 120;
const GAMMA_16 = 1307674368000;

/** h(t) of SPM's canonical HRF; 0 outside (0, 32] s. */
export function spmHrf(t: number): number {
  if (!(t > 0) || t > 32) return 0;
  const e = Math.exp(-t);
  return (t ** 5 * e) / GAMMA_6 - (t ** 15 * e) / (6 * GAMMA_16);
}

/**
 * Response at each volume j, sampled mid-acquisition at (j + ½)·TR, of the word events
 * (an impulse of the word's feature vector at its onset) convolved with the HRF:
 *   x_j = Σ_w h((j + ½)·TR − onset_w) · f_w            (nTrs × d, row-major)
 */
export function eventResponse(
  onsets: ArrayLike<number>,
  features: Float32Array,
  dims: readonly [number, number],
  nTrs: number,
  trSeconds: number,
): Float64Array {
  const [nWords, d] = dims;
  if (features.length !== nWords * d || onsets.length !== nWords || !(trSeconds > 0) || !Number.isInteger(nTrs) || nTrs < 0) {
    throw badInput(`eventResponse: ${onsets.length} onsets, ${features.length} values for [${nWords}, ${d}], ${nTrs} TRs of ${trSeconds} s`, {
      onsets: onsets.length,
      values: features.length,
      dims: [...dims],
    });
  }
  const out = new Float64Array(nTrs * d);
  for (let w = 0; w < nWords; w++) {
    const first = Math.max(0, Math.floor(onsets[w] / trSeconds - 0.5));
    const last = Math.min(nTrs - 1, Math.ceil((onsets[w] + 32) / trSeconds));
    for (let j = first; j <= last; j++) {
      const h = spmHrf((j + 0.5) * trSeconds - onsets[w]);
      if (h === 0) continue;
      const src = w * d;
      const dst = j * d;
      for (let k = 0; k < d; k++) out[dst + k] += h * features[src + k];
    }
  }
  return out;
}
