/**
 * Simulated BOLD responses of one subject: y_v(t) = a_v · s_v(t) + n_v(t), in units of the noise SD.
 *
 * Signal. Each driven voxel reads a fixed random direction of its ROI's driver features:
 *   s_v = normalise( Σ_k z(x_k) · w_vk ),   w_vk ~ N(0, 1)
 * where x = the HRF response (hrf.ts) of the word-event feature train, z = column z-score within
 * each run, and normalise scales s_v to unit SD over all runs (one factor per voxel, so relative
 * run amplitudes are kept). a_v is the voxel's amplitude (voxelLayout.ts). The driver features
 * are the ground-truth brain features for 'brain' ROIs and [1, word length] per word (word rate
 * and duration) for 'lowLevel' ROIs; 'none' voxels get no signal.
 *
 * Noise. Unit-variance, temporally autocorrelated and spatially correlated, as in fMRI after
 * preprocessing (Friston et al. 2000; AR(1) with ρ ≈ 0.3–0.5 at TR = 2 s):
 *   n_v(t) = √(1 − γ)·ε_v(t) + √γ · Σ_k φ_k(v)·u_k(t)
 * ε_v and u_k are independent AR(1) series x_t = ρ·x_{t−1} + √(1 − ρ²)·η_t (stationary variance
 * 1); φ_k(v) ∝ exp(−|r_v − c_k|²/2σ²) with Σ_k φ_k(v)² = 1, for K latent sources at the ROI
 * centres and a few random points, so nearby voxels share noise. Every call draws new noise:
 * repeated presentations of a run get the same signal and independent noise.
 */
import { badInput } from '../../errors/CortexError.js';
import { createNormal, createRng } from '../random.js';
import type { VoxelLayout } from './voxelLayout.js';

export interface NoiseOptions {
  /** AR(1) coefficient (default 0.4). */
  readonly ar1?: number;
  /** Share γ of the noise variance that is spatially shared (default 0.3). */
  readonly spatialShare?: number;
  /** Width σ of the spatial kernel in mm (default 12). */
  readonly spatialSigmaMm?: number;
}

/** Column z-score of a nTr×d float64 matrix (population SD; constant columns become 0). */
export function zScoreColumns(x: Float64Array, n: number, d: number): Float64Array {
  const out = new Float64Array(n * d);
  for (let j = 0; j < d; j++) {
    let mean = 0;
    for (let t = 0; t < n; t++) mean += x[t * d + j];
    mean /= n;
    let ss = 0;
    for (let t = 0; t < n; t++) ss += (x[t * d + j] - mean) ** 2;
    const sd = Math.sqrt(ss / n);
    const inv = sd > 1e-12 ? 1 / sd : 0;
    for (let t = 0; t < n; t++) out[t * d + j] = (x[t * d + j] - mean) * inv;
  }
  return out;
}

/** Per-voxel signal s_v of every run from z-scored driver features (runs × [nTr × d]). */
export function voxelSignals(
  runs: readonly { readonly features: Float64Array; readonly nTrs: number }[],
  d: number,
  voxels: readonly number[],
  seed: number,
): Float64Array[] {
  const normal = createNormal(createRng(seed));
  const weights = new Float64Array(voxels.length * d);
  for (let i = 0; i < weights.length; i++) weights[i] = normal();
  const signals = runs.map((r) => {
    const z = zScoreColumns(r.features, r.nTrs, d);
    const s = new Float64Array(r.nTrs * voxels.length);
    for (let t = 0; t < r.nTrs; t++) {
      for (let v = 0; v < voxels.length; v++) {
        let acc = 0;
        for (let k = 0; k < d; k++) acc += z[t * d + k] * weights[v * d + k];
        s[t * voxels.length + v] = acc;
      }
    }
    return s;
  });
  // One scale per voxel over all runs: unit SD.
  const nTotal = runs.reduce((a, r) => a + r.nTrs, 0);
  for (let v = 0; v < voxels.length; v++) {
    let sum = 0;
    let sq = 0;
    runs.forEach((r, k) => {
      for (let t = 0; t < r.nTrs; t++) {
        const x = signals[k][t * voxels.length + v];
        sum += x;
        sq += x * x;
      }
    });
    const mean = sum / nTotal;
    const sd = Math.sqrt(Math.max(sq / nTotal - mean * mean, 0));
    const inv = sd > 1e-12 ? 1 / sd : 0;
    runs.forEach((r, k) => {
      for (let t = 0; t < r.nTrs; t++) signals[k][t * voxels.length + v] *= inv;
    });
  }
  return signals;
}

/** Noise of one run (nTr × V, row-major), seeded; see the file comment for the model. */
export function simulateNoise(layout: VoxelLayout, nTrs: number, seed: number, centers: readonly (readonly number[])[], options: NoiseOptions = {}): Float32Array {
  const rho = options.ar1 ?? 0.4;
  const gamma = options.spatialShare ?? 0.3;
  const sigma = options.spatialSigmaMm ?? 12;
  if (!(rho >= 0 && rho < 1) || !(gamma >= 0 && gamma <= 1) || !(sigma > 0)) {
    throw badInput(`noise: ar1 ${rho} must be in [0, 1), spatialShare ${gamma} in [0, 1], spatialSigmaMm ${sigma} > 0`, { rho, gamma, sigma });
  }
  const normal = createNormal(createRng(seed));
  const nV = layout.nVoxels;
  const k = centers.length;
  // φ_k(v), rows normalised to unit length.
  const phi = new Float64Array(nV * k);
  for (let v = 0; v < nV; v++) {
    let norm = 0;
    for (let c = 0; c < k; c++) {
      const d2 = (layout.coords[v * 3] - centers[c][0]) ** 2 + (layout.coords[v * 3 + 1] - centers[c][1]) ** 2 + (layout.coords[v * 3 + 2] - centers[c][2]) ** 2;
      phi[v * k + c] = Math.exp(-d2 / (2 * sigma * sigma));
      norm += phi[v * k + c] ** 2;
    }
    const inv = norm > 1e-300 ? 1 / Math.sqrt(norm) : 0;
    for (let c = 0; c < k; c++) phi[v * k + c] *= inv;
  }
  const innovation = Math.sqrt(1 - rho * rho);
  const eps = new Float64Array(nV);
  const u = new Float64Array(k);
  const out = new Float32Array(nTrs * nV);
  const own = Math.sqrt(1 - gamma);
  const shared = Math.sqrt(gamma);
  for (let t = 0; t < nTrs; t++) {
    for (let c = 0; c < k; c++) u[c] = t === 0 ? normal() : rho * u[c] + innovation * normal();
    for (let v = 0; v < nV; v++) {
      eps[v] = t === 0 ? normal() : rho * eps[v] + innovation * normal();
      let s = 0;
      for (let c = 0; c < k; c++) s += phi[v * k + c] * u[c];
      out[t * nV + v] = own * eps[v] + shared * s;
    }
  }
  return out;
}
