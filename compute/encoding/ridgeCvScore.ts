/**
 * Cross-validation scores of ridge predictions, per (α, voxel), and the per-voxel choice of α.
 *
 * Three criteria (docs/encoding.md "Conventions" says which published pipeline uses which):
 * - 'mse' (default): pooled squared error over all held-out TRs, Σ_f Σ_t (ŷ − y)² / n — the
 *   K-fold estimate of prediction error, which is what scikit-learn's RidgeCV and himalaya
 *   minimise; it has no ties between heavily regularised αs.
 * - 'r': mean over folds of the Pearson r of each held-out fold (Huth et al. 2016, whose
 *   bootstrap ridge picks α by held-out correlation, the same statistic later reported). r is
 *   scale-free, so very large αs (predictions shrunk towards 0 but not reshaped) tie; the
 *   smallest of tied αs wins. An undefined fold r (constant prediction or response in that
 *   fold) counts as 0 — "no evidence of fit" — rather than poisoning the mean with NaN.
 * - 'r2': mean over folds of each held-out fold's coefficient of determination
 *   1 − Σ(ŷ − y)² / Σ(y − ȳ_fold)² (scikit-learn's r2_score per target, averaged over folds as
 *   GridSearchCV averages fold scores; himalaya's default score). A fold whose response is
 *   constant has no R² and counts 0, as scikit-learn's force_finite does.
 */
import { colPearsonSums, pearsonFromSums } from './pearson.js';

export const CvMetric = { MSE: 'mse', R: 'r', R2: 'r2' } as const;
export type CvMetric = (typeof CvMetric)[keyof typeof CvMetric];

/**
 * Adds one fold's score of predictions P (n_f × Vb) against responses Y (n_f × Vb) into
 * `scores[alphaIndex·Vb + j]`: the sum of squared errors ('mse'), the fold's r ('r') or the
 * fold's R² ('r2', which needs `foldSst`, the fold's centred sum of squares per column).
 */
export function cvScoreAccumulate(
  metric: CvMetric,
  predicted: Float32Array,
  measured: Float32Array,
  nRows: number,
  cols: number,
  scores: Float64Array,
  alphaIndex: number,
  foldSst?: Float64Array,
): void {
  const base = alphaIndex * cols;
  if (metric === 'mse') {
    sseAccumulate(predicted, measured, nRows, cols, scores.subarray(base, base + cols));
    return;
  }
  if (metric === 'r2') {
    if (foldSst === undefined) throw new Error('cvScoreAccumulate: the r2 metric needs the fold sums of squares');
    const sse = new Float64Array(cols);
    sseAccumulate(predicted, measured, nRows, cols, sse);
    for (let j = 0; j < cols; j++) if (foldSst[j] > 0) scores[base + j] += 1 - sse[j] / foldSst[j];
    return;
  }
  const sums = colPearsonSums(predicted, measured, nRows, cols);
  for (let j = 0; j < cols; j++) {
    const r = pearsonFromSums(sums, j, nRows);
    if (typeof r === 'number') scores[base + j] += r;
  }
}

/**
 * acc[j] += Σ_t (P[t, j] − Y[t, j])². Four rows per pass over acc: this loop touches every
 * held-out prediction of every α, and the unrolling halves its cost in V8 (fewer read-modify-
 * writes of acc per element).
 */
function sseAccumulate(p: Float32Array, y: Float32Array, rows: number, cols: number, acc: Float64Array): void {
  let t = 0;
  for (; t + 3 < rows; t += 4) {
    const r0 = t * cols;
    const r1 = r0 + cols;
    const r2 = r1 + cols;
    const r3 = r2 + cols;
    for (let j = 0; j < cols; j++) {
      const e0 = p[r0 + j] - y[r0 + j];
      const e1 = p[r1 + j] - y[r1 + j];
      const e2 = p[r2 + j] - y[r2 + j];
      const e3 = p[r3 + j] - y[r3 + j];
      acc[j] += e0 * e0 + e1 * e1 + e2 * e2 + e3 * e3;
    }
  }
  for (; t < rows; t++) {
    const r = t * cols;
    for (let j = 0; j < cols; j++) {
      const e = p[r + j] - y[r + j];
      acc[j] += e * e;
    }
  }
}

/** Turns accumulated sums into the reported score: mean squared error per TR, or mean fold r / R². */
export function cvScoreFinish(metric: CvMetric, scores: Float64Array, nTrain: number, folds: number): void {
  const scale = metric === 'mse' ? 1 / nTrain : 1 / folds;
  for (let i = 0; i < scores.length; i++) scores[i] *= scale;
}

/**
 * Per column, the index of the best α (lowest mse / highest r or R²; the first on ties); columns whose
 * scores are all NaN (a non-finite response) get index 0.
 */
export function cvBestAlphaIndex(metric: CvMetric, scores: Float64Array, nAlphas: number, cols: number): Int32Array {
  const best = new Int32Array(cols);
  for (let j = 0; j < cols; j++) {
    let bestScore = Number.NaN;
    for (let a = 0; a < nAlphas; a++) {
      const s = scores[a * cols + j];
      if (Number.isNaN(s)) continue;
      if (Number.isNaN(bestScore) || (metric === 'mse' ? s < bestScore : s > bestScore)) {
        bestScore = s;
        best[j] = a;
      }
    }
  }
  return best;
}
