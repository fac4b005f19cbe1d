/**
 * Anisotropy and mean norm of a (tokens × hidden) matrix of hidden states.
 *
 *   rowsAnisotropy(hidden, [tokens, width])   // mean cosine similarity over distinct pairs
 *   rowsMeanNorm(hidden, [tokens, width])     // mean ‖h‖₂
 *
 * Anisotropy (Ethayarajh 2019, "How contextual are contextualized word representations?",
 * EMNLP, §3.2): the mean of cos(hᵢ, hⱼ) over all pairs i ≠ j. Contextual embeddings occupy a
 * narrow cone, so this is far above the ≈0 of isotropic vectors.
 *
 * No pairwise product is needed: with unit vectors uᵢ = hᵢ/‖hᵢ‖ and s = Σ uᵢ,
 *     Σ_{i≠j} uᵢ·uⱼ = ‖s‖² − Σ‖uᵢ‖² = ‖s‖² − n,
 * so the mean over the n(n−1) ordered pairs is (‖s‖² − n) / (n(n−1)) — exact, O(n·width), in
 * float64. Zero rows have no direction and are left out (and counted).
 */
import { degenerate } from '../../errors/CortexError.js';
import { checkStates } from './spectrum.js';

export interface Anisotropy {
  readonly meanCosine: number;
  /** Rows used (non-zero). */
  readonly rows: number;
  readonly zeroRows: number;
}

export function rowsAnisotropy(x: Float32Array | Float64Array, dims: readonly [number, number]): Anisotropy {
  checkStates(x, dims, 'rowsAnisotropy');
  const [n, d] = dims;
  const s = new Float64Array(d);
  let used = 0;
  for (let i = 0; i < n; i++) {
    let norm2 = 0;
    for (let j = 0; j < d; j++) norm2 += x[i * d + j] * x[i * d + j];
    if (norm2 === 0) continue;
    const inv = 1 / Math.sqrt(norm2);
    for (let j = 0; j < d; j++) s[j] += x[i * d + j] * inv;
    used++;
  }
  if (used < 2) {
    throw degenerate(`anisotropy needs at least 2 non-zero rows, got ${used}`, { rows: used, zeroRows: n - used });
  }
  let s2 = 0;
  for (let j = 0; j < d; j++) s2 += s[j] * s[j];
  // ‖s‖² ∈ [0, n²] bounds the mean to [−1/(n−1), 1]; rounding can overshoot by an ulp.
  const meanCosine = Math.min(1, Math.max(-1 / (used - 1), (s2 - used) / (used * (used - 1))));
  return { meanCosine, rows: used, zeroRows: n - used };
}

export function rowsMeanNorm(x: Float32Array | Float64Array, dims: readonly [number, number]): number {
  checkStates(x, dims, 'rowsMeanNorm');
  const [n, d] = dims;
  let total = 0;
  for (let i = 0; i < n; i++) {
    let norm2 = 0;
    for (let j = 0; j < d; j++) norm2 += x[i * d + j] * x[i * d + j];
    total += Math.sqrt(norm2);
  }
  return total / n;
}
