/**
 * The permutation block length from the responses' own autocorrelation (docs/encoding.md,
 * "Significance"): blocks must be long enough that the permuted null keeps the serial
 * dependence of BOLD, and short enough to leave many blocks to permute.
 *
 *   const { blockTrs, decorrelationLag } = blockLengthFromAutocorrelation(yTest, [m, V], runLengths);
 *
 * Rule. ρ(k) = the mean over voxels of the lag-k autocorrelation of the (per-run standardised)
 * test responses, pooled within runs (lagged products never cross a run boundary). L = the first
 * lag with ρ(L) < 1/e — the e-folding time of an exponential autocorrelation, the usual
 * "correlation length" (for AR(1) with coefficient φ, L = ⌈−1/ln φ⌉). The block is 3·L TRs, where
 * an exponential autocorrelation has fallen to e⁻³ ≈ 0.05, so neighbouring blocks are nearly
 * independent, as the block bootstrap needs (Künsch 1989; blocks of a few correlation lengths).
 * Bounds: at least 2 TRs, and at most m/10 TRs (at least 10 blocks, 10! ≈ 3.6·10⁶ orderings, far
 * more than any permutation count), at least 1. At TR 2 s BOLD's L is 2–4 TRs, giving 6–12 TRs —
 * around Huth et al.'s (2016) fixed 10 TRs.
 */
import { badInput } from '../../errors/CortexError.js';

/** Block length = BLOCK_FACTOR × the 1/e lag. */
export const BLOCK_FACTOR = 3;
/** At least this many blocks in the test TRs. */
export const MIN_BLOCKS = 10;

export interface BlockLengthChoice {
  /** TRs per permuted block. */
  readonly blockTrs: number;
  /** The first lag where the mean autocorrelation drops below 1/e (capped at the longest lag examined). */
  readonly decorrelationLag: number;
  /** Mean autocorrelation at lags 1 … decorrelationLag. */
  readonly autocorrelation: readonly number[];
}

/** Mean lag-k autocorrelation over the columns of an n×V matrix of stacked runs, lags 1…maxLag (stops at the first below 1/e). */
export function blockLengthFromAutocorrelation(y: Float32Array, dims: readonly [number, number], runLengths: readonly number[]): BlockLengthChoice {
  const [n, cols] = dims;
  if (y.length !== n * cols || runLengths.reduce((a, b) => a + b, 0) !== n || n < 2) {
    throw badInput(`block length: expected an n×V matrix with n ≥ 2 matching the run lengths, got ${y.length} values for [${n}, ${cols}] and runs [${runLengths.join(', ')}]`, { dims: [n, cols] });
  }
  const upper = Math.max(1, Math.floor(n / MIN_BLOCKS));
  const maxLag = Math.max(1, Math.min(Math.ceil(upper / BLOCK_FACTOR), Math.max(...runLengths) - 1));
  // Centred, per run, in float64; Σ y² per column over all runs.
  const yc = new Float64Array(n * cols);
  const ss = new Float64Array(cols);
  let start = 0;
  for (const len of runLengths) {
    const mean = new Float64Array(cols);
    for (let t = start; t < start + len; t++) for (let j = 0; j < cols; j++) mean[j] += y[t * cols + j];
    for (let j = 0; j < cols; j++) mean[j] /= len;
    for (let t = start; t < start + len; t++) {
      for (let j = 0; j < cols; j++) {
        const c = y[t * cols + j] - mean[j];
        yc[t * cols + j] = c;
        ss[j] += c * c;
      }
    }
    start += len;
  }
  const rho: number[] = [];
  let lag = 1;
  for (; lag <= maxLag; lag++) {
    const cross = new Float64Array(cols);
    let s = 0;
    for (const len of runLengths) {
      for (let t = s; t + lag < s + len; t++) for (let j = 0; j < cols; j++) cross[j] += yc[t * cols + j] * yc[(t + lag) * cols + j];
      s += len;
    }
    let sum = 0;
    let counted = 0;
    for (let j = 0; j < cols; j++) {
      if (ss[j] > 0) {
        sum += cross[j] / ss[j];
        counted += 1;
      }
    }
    rho.push(counted > 0 ? sum / counted : 0);
    if (rho[rho.length - 1] < 1 / Math.E) break;
  }
  const decorrelationLag = Math.min(lag, maxLag);
  const blockTrs = Math.min(upper, Math.max(2, BLOCK_FACTOR * decorrelationLag));
  return { blockTrs, decorrelationLag, autocorrelation: rho };
}
