/**
 * Spectral summaries of a (tokens × hidden) matrix of hidden states: how many directions the
 * states really use.
 *
 *   const { effectiveRank, participationRatio } = await rowsSpectrum(engine, hidden, [tokens, width]);
 *
 * - Effective rank (Roy & Vetterli 2007, "The effective rank: a measure of effective
 *   dimensionality", EUSIPCO, eq. 2–4): with σ the singular values and pᵢ = σᵢ / Σσ,
 *   erank = exp(−Σ pᵢ log pᵢ); 1 for a rank-one matrix, n for n equal singular values.
 * - Participation ratio (Gao et al. 2017, "A theory of multineuronal dimensionality…";
 *   Recanatesi et al. 2019): PR = (Σλ)² / Σλ² over covariance eigenvalues λ = σ²/(n−1); it
 *   equals (tr C)² / ‖C‖²_F, so it needs the Gram matrix but no eigendecomposition.
 *
 * Both are computed on column-centred states by default: the mean hidden state of an LLM is a
 * large common offset (the anisotropy, reported separately), and left in it would dominate σ₁ and
 * make every layer look one-dimensional. `center: false` gives Roy & Vetterli's definition on the
 * raw matrix.
 *
 * The Gram matrix is whichever of XᵀX (width²) and XXᵀ (tokens²) is smaller — both have the same
 * non-zero eigenvalues — computed in float64 by the GEMM module and decomposed by eigh.ts.
 */
import { badInput, degenerate } from '../../errors/CortexError.js';
import { symEigvals } from '../linalg/eigh.js';
import type { EighBackend } from '../linalg/eigh.js';
import type { GemmEngine } from '../linalg/gemm.js';
import { colGramF64, rowGramF64 } from '../linalg/gram.js';

export interface SpectrumOptions {
  /** Subtract the column means first (default true). */
  readonly center?: boolean;
}

export interface RowsSpectrum {
  /** Eigenvalues of the (centred) Gram matrix, descending, clamped at 0: σᵢ². */
  readonly gramEigenvalues: Float64Array;
  readonly effectiveRank: number;
  readonly participationRatio: number;
  readonly eighBackend: EighBackend;
}

/** Column-centred float64 copy (or a plain float64 copy when center is false). */
export function colCentered(x: Float32Array | Float64Array, n: number, d: number, center = true): Float64Array {
  const out = Float64Array.from(x);
  if (!center) return out;
  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j] += out[i * d + j];
  for (let j = 0; j < d; j++) mean[j] /= n;
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) out[i * d + j] -= mean[j];
  return out;
}

/** The smaller Gram matrix of X (float64) and its size. */
export async function smallerGram(engine: GemmEngine, x: Float64Array, n: number, d: number): Promise<{ gram: Float64Array; size: number }> {
  return d <= n ? { gram: await colGramF64(engine, x, [n, d]), size: d } : { gram: await rowGramF64(engine, x, [n, d]), size: n };
}

export function checkStates(x: Float32Array | Float64Array, dims: readonly [number, number], where: string): void {
  const [n, d] = dims;
  if (!Number.isInteger(n) || !Number.isInteger(d) || n < 1 || d < 1 || x.length !== n * d) {
    throw badInput(`${where}: matrix has ${x.length} elements, dims [${n}, ${d}] need ${n * d}`, { dims: [n, d], length: x.length });
  }
  const bad = x.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0) {
    throw badInput(`${where}: value at row ${Math.floor(bad / d)}, column ${bad % d} is ${x[bad]}`, { row: Math.floor(bad / d), col: bad % d });
  }
}

export async function rowsSpectrum(
  engine: GemmEngine,
  x: Float32Array | Float64Array,
  dims: readonly [number, number],
  options: SpectrumOptions & { readonly eighBackend?: EighBackend | 'auto' } = {},
): Promise<RowsSpectrum> {
  checkStates(x, dims, 'rowsSpectrum');
  const [n, d] = dims;
  const c = colCentered(x, n, d, options.center ?? true);
  const { gram, size } = await smallerGram(engine, c, n, d);
  const eig = symEigvals(gram, size, { backend: options.eighBackend ?? 'auto' });
  // Eigenvalues below the rounding floor of a float64 Gram (size·ε·λmax) are zero: left in, their
  // square roots (~√ε·σmax each, not ε·σmax as an SVD would give) would add spurious mass to
  // every one of the null directions and inflate the effective rank.
  const floor = size * 2 ** -52 * Math.max(0, eig.values[size - 1] ?? 0);
  const lambda = eig.values.map((v) => (v > floor ? v : 0)).reverse();
  return {
    gramEigenvalues: lambda,
    effectiveRank: effectiveRankOfSingularValues(lambda.map(Math.sqrt)),
    participationRatio: participationRatioOfEigenvalues(lambda),
    eighBackend: eig.backend,
  };
}

/** exp of the Shannon entropy of σ/Σσ (Roy & Vetterli 2007, eq. 2–4); 0·log 0 = 0. */
export function effectiveRankOfSingularValues(sigma: ArrayLike<number>): number {
  let total = 0;
  for (let i = 0; i < sigma.length; i++) total += sigma[i];
  if (!(total > 0)) throw degenerate('effective rank is undefined for a matrix with no non-zero singular value', {});
  let entropy = 0;
  for (let i = 0; i < sigma.length; i++) {
    const p = sigma[i] / total;
    if (p > 0) entropy -= p * Math.log(p);
  }
  return Math.exp(entropy);
}

/** (Σλ)² / Σλ² of non-negative eigenvalues. */
export function participationRatioOfEigenvalues(lambda: ArrayLike<number>): number {
  let s = 0;
  let s2 = 0;
  for (let i = 0; i < lambda.length; i++) {
    s += lambda[i];
    s2 += lambda[i] * lambda[i];
  }
  if (!(s2 > 0)) throw degenerate('participation ratio is undefined when every covariance eigenvalue is 0', {});
  return (s * s) / s2;
}

/**
 * Participation ratio straight from the Gram matrix, (tr G)² / ‖G‖²_F, without an
 * eigendecomposition (G = XᵀX or XXᵀ of the centred states; the 1/(n−1) cancels).
 */
export async function rowsParticipationRatio(engine: GemmEngine, x: Float32Array | Float64Array, dims: readonly [number, number]): Promise<number> {
  checkStates(x, dims, 'rowsParticipationRatio');
  const [n, d] = dims;
  const { gram, size } = await smallerGram(engine, colCentered(x, n, d), n, d);
  let trace = 0;
  let frob2 = 0;
  for (let i = 0; i < size; i++) trace += gram[i * size + i];
  for (let i = 0; i < gram.length; i++) frob2 += gram[i] * gram[i];
  if (!(frob2 > 0)) throw degenerate('participation ratio is undefined when every covariance eigenvalue is 0', {});
  return (trace * trace) / frob2;
}
