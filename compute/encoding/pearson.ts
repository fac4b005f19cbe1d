/**
 * Column-wise Pearson correlation of two n×V row-major matrices: the brain score of each voxel
 * is r(prediction column, measured response column) on the held-out test TRs.
 *
 *   const { r, nullReasons } = colPearson(predicted, measured, [n, V]);
 *   // r[v] is a number in [−1, 1], or null — then nullReasons holds { column: v, reason, message }
 *
 * Undefined correlations are null with a reason, never NaN (STYLE.md 4; DESIGN.md "Missing ≠
 * failed ≠ zero"): a zero-variance column has no correlation with anything.
 *
 * Two passes in float64 (means, then centred cross-products), which avoids the catastrophic
 * cancellation of the one-pass Σxy − n·x̄·ȳ form on BOLD signals with a large baseline.
 */
import { badInput } from '../../errors/CortexError.js';

export type PearsonNullReason = 'CONSTANT_MEASURED' | 'CONSTANT_PREDICTED' | 'NON_FINITE' | 'TOO_FEW_ROWS';

export interface PearsonNull {
  readonly column: number;
  readonly reason: PearsonNullReason;
  readonly message: string;
}

export interface ColPearsonResult {
  /** Per column: r, or null when undefined (see nullReasons). */
  readonly r: (number | null)[];
  /** One entry per null r, in column order. */
  readonly nullReasons: PearsonNull[];
}

/**
 * A column counts as constant when its centred sum of squares is at or below the rounding noise
 * of its storage type at its own scale: n·(ε·max|x|)², ε = 2⁻²³ for float32, 2⁻⁵² for float64.
 * Below that no real variation can be stored, only rounding of a constant.
 */
function storageEpsilon(a: Float32Array | Float64Array): number {
  return a instanceof Float32Array ? 2 ** -23 : 2 ** -52;
}

const MESSAGES: Readonly<Record<PearsonNullReason, string>> = {
  CONSTANT_MEASURED: 'the measured response has zero variance over the evaluated rows',
  CONSTANT_PREDICTED: 'the prediction has zero variance over the evaluated rows (e.g. all-zero weights)',
  NON_FINITE: 'a value in the column is NaN or infinite',
  TOO_FEW_ROWS: 'a correlation needs at least 2 rows',
};

/** Correlations of columns [0, dims[1]) of `predicted` and `measured` (both n×V, not modified). */
export function colPearson(
  predicted: Float32Array | Float64Array,
  measured: Float32Array | Float64Array,
  dims: readonly [number, number],
): ColPearsonResult {
  const [n, cols] = dims;
  if (predicted.length !== n * cols || measured.length !== n * cols) {
    throw badInput(`colPearson: expected two ${n}×${cols} matrices, got ${predicted.length} and ${measured.length} elements`, {
      dims: [n, cols],
      predictedLength: predicted.length,
      measuredLength: measured.length,
    });
  }
  const stats = colPearsonSums(predicted, measured, n, cols);
  const r: (number | null)[] = new Array<number | null>(cols);
  const nullReasons: PearsonNull[] = [];
  for (let c = 0; c < cols; c++) {
    const value = pearsonFromSums(stats, c, n);
    if (typeof value === 'number') {
      r[c] = value;
    } else {
      r[c] = null;
      nullReasons.push({ column: c, reason: value, message: MESSAGES[value] });
    }
  }
  return { r, nullReasons };
}

/** Per-column centred sums Σ(p−p̄)², Σ(m−m̄)², Σ(p−p̄)(m−m̄), and the max |·| of each column. */
export interface ColPearsonSums {
  readonly spp: Float64Array;
  readonly smm: Float64Array;
  readonly spm: Float64Array;
  readonly maxP: Float64Array;
  readonly maxM: Float64Array;
  readonly finite: Uint8Array;
  /** Storage epsilons of the predicted and measured arrays (see storageEpsilon). */
  readonly epsP: number;
  readonly epsM: number;
}

export function colPearsonSums(
  predicted: Float32Array | Float64Array,
  measured: Float32Array | Float64Array,
  n: number,
  cols: number,
): ColPearsonSums {
  const meanP = new Float64Array(cols);
  const meanM = new Float64Array(cols);
  const maxP = new Float64Array(cols);
  const maxM = new Float64Array(cols);
  const finite = new Uint8Array(cols).fill(1);
  for (let t = 0; t < n; t++) {
    const row = t * cols;
    for (let c = 0; c < cols; c++) {
      const p = predicted[row + c];
      const m = measured[row + c];
      meanP[c] += p;
      meanM[c] += m;
      const ap = Math.abs(p);
      const am = Math.abs(m);
      if (ap > maxP[c]) maxP[c] = ap;
      if (am > maxM[c]) maxM[c] = am;
    }
  }
  for (let c = 0; c < cols; c++) {
    if (!Number.isFinite(meanP[c]) || !Number.isFinite(meanM[c])) finite[c] = 0;
    meanP[c] /= n;
    meanM[c] /= n;
  }
  const spp = new Float64Array(cols);
  const smm = new Float64Array(cols);
  const spm = new Float64Array(cols);
  for (let t = 0; t < n; t++) {
    const row = t * cols;
    for (let c = 0; c < cols; c++) {
      const p = predicted[row + c] - meanP[c];
      const m = measured[row + c] - meanM[c];
      spp[c] += p * p;
      smm[c] += m * m;
      spm[c] += p * m;
    }
  }
  return { spp, smm, spm, maxP, maxM, finite, epsP: storageEpsilon(predicted), epsM: storageEpsilon(measured) };
}

/** r of column c from its sums, or the reason it is undefined. */
export function pearsonFromSums(s: ColPearsonSums, c: number, n: number): number | PearsonNullReason {
  if (n < 2) return 'TOO_FEW_ROWS';
  if (s.finite[c] === 0 || !Number.isFinite(s.spp[c]) || !Number.isFinite(s.smm[c])) return 'NON_FINITE';
  if (s.smm[c] <= n * (s.epsM * s.maxM[c]) ** 2) return 'CONSTANT_MEASURED';
  if (s.spp[c] <= n * (s.epsP * s.maxP[c]) ** 2) return 'CONSTANT_PREDICTED';
  const r = s.spm[c] / Math.sqrt(s.spp[c] * s.smm[c]);
  // |r| ≤ 1 by Cauchy–Schwarz; rounding can overshoot by an ulp.
  return Math.max(-1, Math.min(1, r));
}
