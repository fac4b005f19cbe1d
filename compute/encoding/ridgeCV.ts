/**
 * Voxel-wise ridge encoding model with the penalty chosen per voxel by contiguous K-fold
 * cross-validation, refit on all training TRs, scored by Pearson r on the test TRs
 * (Huth et al. 2016; Nishimoto et al. 2011; DESIGN.md "Numerics that must be right").
 *
 *   const fit = await ridgeCV({ xTrain, yTrain, xTest, yTest, nTrain: 3000, nTest: 300, features: 1024, voxels: 20000 });
 *   fit.r[v]      // test r of voxel v, or null (fit.nullReasons says why)
 *   fit.alpha[v]  // the penalty CV chose for voxel v
 *
 * Cost (see ridgeEigenBasis.ts): per voxel batch, Xᵀ_bY_b per fold, one GEMM Z = Qᵀ·XᵀY per
 * fold, then one GEMM per (fold, α) for the held-out predictions, and two for the refit. All
 * products are float32 on the GEMM module; the decompositions (K + 1 of them, voxel independent)
 * are float64.
 *
 * By default no intercept is fitted: features are z-scored per run (features.ts) and the
 * responses are expected z-scored per run too, as in Huth et al.'s ridge code. Responses that are
 * not centred still work; their mean is then part of what the model must predict. `intercept:
 * true` fits an unpenalised one per voxel and training set (scikit-learn's fit_intercept=True;
 * ridgeEigenBasis.ts says how).
 */
import { badInput } from '../../errors/CortexError.js';
import { defaultGemmEngine } from '../linalg/gemm.js';
import type { GemmEngine } from '../linalg/gemm.js';
import type { EighBackend } from '../linalg/eigh.js';
import { contiguousFolds, DEFAULT_ALPHAS, type RowBlock } from './cvFolds.js';
import { colPearson } from './pearson.js';
import type { PearsonNull } from './pearson.js';
import { bhAdjust, blockPermutations, colBlockPermutationPValues } from './blockPermutation.js';
import { blockRowsGather, colSums, heldOutMean, ridgeDesignPrepare, ridgeEigenBasisBuild, rowsSubtract } from './ridgeEigenBasis.js';
import type { RidgeDesign, RidgeEigenBasis, RidgeForm } from './ridgeEigenBasis.js';
import { colMeanAndCentredSS } from './features.js';
import { cvBestAlphaIndex, cvScoreAccumulate, cvScoreFinish } from './ridgeCvScore.js';
import type { CvMetric } from './ridgeCvScore.js';
import { stopIfAsked, type ShouldStop } from '../stopSignal.js';

export interface RidgeCVData {
  /** nTrain × features, row-major (training runs stacked). */
  readonly xTrain: Float32Array;
  /** nTrain × voxels. */
  readonly yTrain: Float32Array;
  /** nTest × features. */
  readonly xTest: Float32Array;
  /** nTest × voxels (repeated presentations already averaged, if any). */
  readonly yTest: Float32Array;
  readonly nTrain: number;
  readonly nTest: number;
  readonly features: number;
  readonly voxels: number;
}

export interface RidgeCVOptions {
  /** Penalty grid (default 13 values, 1 … 10⁶). */
  readonly alphas?: readonly number[];
  /** Contiguous CV folds over the training TRs (default 5). */
  readonly folds?: number;
  /** Explicit CV folds (contiguous, ascending, covering the training rows), e.g. cvFolds.ts runFolds; overrides `folds`. */
  readonly foldBlocks?: readonly RowBlock[];
  /** Fit an unpenalised intercept per voxel (default false). */
  readonly intercept?: boolean;
  readonly cvMetric?: CvMetric;
  /** Voxels per batch; default: as many as fit `memoryBudgetBytes`. */
  readonly voxelBatch?: number;
  /** Budget for the per-batch buffers (default 1 GiB); the eigenbases come on top. */
  readonly memoryBudgetBytes?: number;
  /** Also return the refit weights (features × voxels, float32). */
  readonly returnWeights?: boolean;
  /** Also return the CV score of every (α, voxel) (alphas × voxels, float64). */
  readonly returnCvScores?: boolean;
  /**
   * Block-permutation significance of each voxel's test r (blockPermutation.ts), with
   * Benjamini–Hochberg q-values over all voxels. Defaults: 1000 permutations of 10-TR blocks, seed 0.
   */
  readonly permutationTest?: { readonly permutations?: number; readonly blockLength?: number; readonly seed?: number };
  readonly engine?: GemmEngine;
  readonly eighBackend?: EighBackend | 'auto';
  readonly onProgress?: (progress: { readonly voxelsDone: number; readonly voxels: number }) => void;
  /** Asked between eigendecompositions and voxel batches; true unwinds with StoppedError. */
  readonly shouldStop?: ShouldStop;
}

/** How the fit was computed: what a `runs` row records. */
export interface RidgeCVProvenance {
  readonly form: RidgeForm;
  readonly eighBackend: EighBackend;
  readonly gemmProvider: string;
  readonly gemmThreads: number;
  readonly alphas: readonly number[];
  readonly folds: number;
  readonly intercept: boolean;
  readonly cvMetric: CvMetric;
  readonly voxelBatch: number;
  readonly gemmFlops: number;
  readonly gemmSeconds: number;
  readonly seconds: number;
}

export interface RidgeCVResult {
  /** Test r per voxel; null when undefined (see nullReasons, whose `column` is the voxel). */
  readonly r: (number | null)[];
  readonly nullReasons: PearsonNull[];
  /** Chosen penalty per voxel. */
  readonly alpha: Float64Array;
  readonly alphaIndex: Int32Array;
  /** CV score of the chosen penalty per voxel (mean squared error per TR, or mean fold r or R²). */
  readonly cvScore: Float64Array;
  readonly cvScores?: Float64Array;
  readonly weights?: Float32Array;
  /** With `permutationTest`: one-sided block-permutation p-value per voxel (null where r is null). */
  readonly pValues?: (number | null)[];
  /** With `permutationTest`: Benjamini–Hochberg q-values over all voxels. */
  readonly qValues?: (number | null)[];
  readonly provenance: RidgeCVProvenance;
}

const DEFAULT_BUDGET = 2 ** 30;

export async function ridgeCV(data: RidgeCVData, options: RidgeCVOptions = {}): Promise<RidgeCVResult> {
  const started = performance.now();
  const alphas = [...(options.alphas ?? DEFAULT_ALPHAS)];
  const metric: CvMetric = options.cvMetric ?? 'mse';
  checkData(data, alphas);
  const { nTrain: n, nTest: m, features: p, voxels: nVox } = data;
  const engine = options.engine ?? (await defaultGemmEngine());
  const before = engine.stats();
  const plan = await ridgePlan(engine, data, alphas, options);
  const { design, full, batch } = plan;

  const r: (number | null)[] = new Array<number | null>(nVox);
  const nullReasons: PearsonNull[] = [];
  const alpha = new Float64Array(nVox);
  const alphaIndex = new Int32Array(nVox);
  const cvScore = new Float64Array(nVox);
  const cvScores = options.returnCvScores === true ? new Float64Array(alphas.length * nVox) : undefined;
  const weights = options.returnWeights === true ? new Float32Array(p * nVox) : undefined;
  const perm = options.permutationTest;
  const blockLength = perm?.blockLength ?? 10;
  const permutations = perm === undefined ? undefined : blockPermutations(Math.floor(m / blockLength), perm.permutations ?? 1000, perm.seed ?? 0);
  const pValues: (number | null)[] | undefined = permutations === undefined ? undefined : [];

  for (let v0 = 0; v0 < nVox; v0 += batch) {
    stopIfAsked(options.shouldStop);
    const vb = Math.min(batch, nVox - v0);
    const yb = columnsCopy(data.yTrain, n, nVox, v0, vb);
    const yt = columnsCopy(data.yTest, m, nVox, v0, vb);
    const { scores, totalCross } = await batchCvScores(engine, plan, data, yb, vb, metric);
    const best = cvBestAlphaIndex(metric, scores, alphas.length, vb);
    const { z, testPred } = await batchRefit(engine, plan, yb, vb, totalCross, best, m);
    const scored = colPearson(testPred, yt, [m, vb]);
    for (let j = 0; j < vb; j++) {
      const v = v0 + j;
      r[v] = scored.r[j];
      alphaIndex[v] = best[j];
      alpha[v] = alphas[best[j]];
      cvScore[v] = scores[best[j] * vb + j];
      if (cvScores !== undefined) for (let a = 0; a < alphas.length; a++) cvScores[a * nVox + v] = scores[a * vb + j];
    }
    for (const nr of scored.nullReasons) nullReasons.push({ ...nr, column: v0 + nr.column });
    if (permutations !== undefined && pValues !== undefined) {
      for (const pv of colBlockPermutationPValues(testPred, yt, [m, vb], permutations, blockLength)) pValues.push(pv);
    }
    if (weights !== undefined) columnsPaste(weights, p, nVox, v0, vb, await basisWeights(engine, full, design.x, p, z, vb));
    options.onProgress?.({ voxelsDone: v0 + vb, voxels: nVox });
  }

  const after = engine.stats();
  return {
    r,
    nullReasons,
    alpha,
    alphaIndex,
    cvScore,
    ...(cvScores !== undefined ? { cvScores } : {}),
    ...(weights !== undefined ? { weights } : {}),
    ...(pValues !== undefined ? { pValues, qValues: bhAdjust(pValues) } : {}),
    provenance: {
      form: design.form,
      eighBackend: full.eighBackend,
      gemmProvider: engine.provider,
      gemmThreads: engine.threads,
      alphas,
      folds: plan.folds.length,
      intercept: plan.design.foldXSums !== undefined,
      cvMetric: metric,
      voxelBatch: batch,
      gemmFlops: after.flops - before.flops,
      gemmSeconds: after.seconds - before.seconds,
      seconds: (performance.now() - started) / 1000,
    },
  };
}

/** The voxel-independent part of a fit, shared by every voxel batch. */
interface RidgePlan {
  readonly alphas: readonly number[];
  readonly folds: readonly RowBlock[];
  readonly design: RidgeDesign;
  readonly foldBases: readonly RidgeEigenBasis[];
  /** The basis of all training TRs, evaluated on the test TRs (the refit). */
  readonly full: RidgeEigenBasis;
  readonly batch: number;
  /** B·D_α per (fold, α), kept across batches when it fits; undefined: rescaled in every batch. */
  readonly scaledCache: (Float32Array | undefined)[][] | undefined;
}

/** Voxel-independent work: Grams and K + 1 eigendecompositions, the batch size, the scaled-factor cache. */
async function ridgePlan(engine: GemmEngine, data: RidgeCVData, alphas: readonly number[], options: RidgeCVOptions): Promise<RidgePlan> {
  const { nTrain: n, nTest: m, features: p, voxels: nVox } = data;
  const folds = options.foldBlocks === undefined ? contiguousFolds(n, options.folds ?? 5) : checkFoldBlocks(options.foldBlocks, n);
  const k = folds.length;
  const design = await ridgeDesignPrepare(engine, data.xTrain, n, p, folds, { intercept: options.intercept === true });
  const backend = options.eighBackend ?? 'auto';
  const foldBases: RidgeEigenBasis[] = [];
  for (let f = 0; f < k; f++) {
    stopIfAsked(options.shouldStop);
    foldBases.push(await ridgeEigenBasisBuild(design, f, { kind: 'fold', fold: f }, backend));
  }
  stopIfAsked(options.shouldStop);
  const full = await ridgeEigenBasisBuild(design, undefined, { kind: 'rows', x: data.xTest, n: m }, backend);

  const batch = options.voxelBatch ?? autoBatch(options.memoryBudgetBytes ?? DEFAULT_BUDGET, design.form, n, m, p, k, alphas.length);
  if (!Number.isInteger(batch) || batch < 1) throw badInput(`voxelBatch must be a positive integer, got ${batch}`, { voxelBatch: batch });

  // B·D_α depends on (fold, α) only: with several voxel batches, keep the scaled factors when
  // they fit in a quarter of the budget instead of rescaling them in every batch.
  const budget = options.memoryBudgetBytes ?? DEFAULT_BUDGET;
  const scaledBytes = foldBases.reduce((s, b) => s + b.evalBasis.byteLength, 0) * alphas.length;
  const scaledCache: (Float32Array | undefined)[][] | undefined =
    batch < nVox && scaledBytes <= budget / 4 ? foldBases.map(() => new Array<Float32Array | undefined>(alphas.length)) : undefined;
  return { alphas, folds, design, foldBases, full, batch, scaledCache };
}

/**
 * CV scores of every (α, voxel) of one batch (alphas × vb): per fold, the held-out predictions of
 * every α from one projection Z, accumulated into the metric. Also returns XᵀY of all training
 * TRs (primal form), which the refit reuses.
 */
async function batchCvScores(
  engine: GemmEngine,
  plan: RidgePlan,
  data: RidgeCVData,
  yb: Float32Array,
  vb: number,
  metric: CvMetric,
): Promise<{ scores: Float64Array; totalCross: Float32Array | undefined }> {
  const { alphas, folds, design, foldBases, scaledCache } = plan;
  const p = data.features;
  const scores = new Float64Array(alphas.length * vb);

  // XᵀY per fold (primal): the fold-f training cross-product is the total minus fold f's part.
  const foldCross: Float32Array[] = [];
  let totalCross: Float32Array | undefined;
  if (design.form === 'primal') {
    for (const f of folds) {
      const rows = f.end - f.start;
      foldCross.push(await engine.matmul(data.xTrain.subarray(f.start * p, f.end * p), [rows, p], yb.subarray(f.start * vb, f.end * vb), [rows, vb], { transA: true }));
    }
    totalCross = new Float32Array(p * vb);
    for (const c of foldCross) for (let i = 0; i < c.length; i++) totalCross[i] += c[i];
  }

  const maxEval = Math.max(...foldBases.map((b) => b.nEval));
  const predicted = new Float32Array(maxEval * vb);
  const crossScratch = totalCross === undefined ? undefined : new Float32Array(totalCross.length);
  const ySums = design.foldXSums === undefined ? undefined : folds.map((f) => colSums(yb, vb, f));
  for (let f = 0; f < folds.length; f++) {
    const basis = foldBases[f];
    const yMean = ySums && heldOutMean(ySums, folds, f);
    const z = await basisProject(engine, basis, yb, vb, totalCross, foldCross[f], crossScratch, yMean);
    const yv = yb.subarray(folds[f].start * vb, folds[f].end * vb);
    // R²'s denominator: Σ_t (y − ȳ)² per column of the held-out fold.
    const sst = metric === 'r2' ? colMeanAndCentredSS(yv, vb, 0, basis.nEval).ss : undefined;
    const scratch = scaledCache === undefined ? new Float32Array(basis.evalBasis.length) : undefined;
    for (let a = 0; a < alphas.length; a++) {
      // P_α = (B·D_α)·Z: scaling the n_f×rank factor is cheaper than the rank×Vb one.
      let scaled = scaledCache?.[f][a];
      if (scaled === undefined) {
        scaled = columnsScale(basis.evalBasis, basis.nEval, basis.rank, basis.lambda, alphas[a], scratch ?? new Float32Array(basis.evalBasis.length));
        if (scaledCache !== undefined) scaledCache[f][a] = scaled;
      }
      const out = predicted.subarray(0, basis.nEval * vb);
      await engine.matmul(scaled, [basis.nEval, basis.rank], z, [basis.rank, vb], { out });
      if (yMean !== undefined) rowsSubtract(out, basis.nEval, vb, yMean.map((v) => -v));
      cvScoreAccumulate(metric, out, yv, basis.nEval, vb, scores, a, sst);
    }
  }
  cvScoreFinish(metric, scores, data.nTrain, folds.length);
  return { scores, totalCross };
}

/** Refit on all training TRs with each voxel's own α (Z·diag per column, then one GEMM): the scaled Z and the test predictions. */
async function batchRefit(
  engine: GemmEngine,
  plan: RidgePlan,
  yb: Float32Array,
  vb: number,
  totalCross: Float32Array | undefined,
  best: Int32Array,
  nTest: number,
): Promise<{ z: Float32Array; testPred: Float32Array }> {
  const { full, alphas, design } = plan;
  const yMean = design.foldXSums === undefined ? undefined : heldOutMean(plan.folds.map((f) => colSums(yb, vb, f)), plan.folds, undefined);
  const z = await basisProject(engine, full, yb, vb, totalCross, undefined, undefined, yMean);
  for (let i = 0; i < full.rank; i++) {
    const lam = full.lambda[i];
    for (let j = 0; j < vb; j++) z[i * vb + j] /= lam + alphas[best[j]];
  }
  const testPred = await engine.matmul(full.evalBasis, [nTest, full.rank], z, [full.rank, vb]);
  if (yMean !== undefined) rowsSubtract(testPred, nTest, vb, yMean.map((v) => -v));
  return { z, testPred };
}

/**
 * Z for a batch: Qᵀ(XᵀY over the training folds) in the primal form, Uᵀ·Y_S in the dual. With
 * an intercept (`yMean`, the training set's ȳ; the basis holds x̄): Qᵀ(XᵀY − n_S x̄ȳᵀ), Uᵀ(Y_S − 1ȳᵀ).
 */
async function basisProject(
  engine: GemmEngine,
  basis: RidgeEigenBasis,
  yb: Float32Array,
  vb: number,
  totalCross: Float32Array | undefined,
  heldOutCross: Float32Array | undefined,
  scratch: Float32Array | undefined,
  yMean: Float64Array | undefined,
): Promise<Float32Array> {
  const r = basis.rank;
  const nS = basis.trainBlocks.reduce((s, b) => s + b.end - b.start, 0);
  if (basis.form === 'primal') {
    const total = totalCross as Float32Array;
    let cross = total;
    if (heldOutCross !== undefined) {
      cross = scratch ?? new Float32Array(total.length);
      for (let i = 0; i < cross.length; i++) cross[i] = total[i] - heldOutCross[i];
    }
    const xMean = basis.xMean;
    if (yMean !== undefined && xMean !== undefined) {
      if (cross === total) cross = Float32Array.from(total);
      for (let i = 0; i < r; i++) for (let j = 0; j < vb; j++) cross[i * vb + j] -= nS * xMean[i] * yMean[j];
    }
    return engine.matmul(basis.vectorRows, [r, r], cross, [r, vb]);
  }
  let ys = blockRowsGather(yb, vb, basis.trainBlocks);
  if (yMean !== undefined) {
    ys = Float32Array.from(ys);
    rowsSubtract(ys, nS, vb, yMean);
  }
  return engine.matmul(basis.vectorRows, [r, r], ys, [r, vb]);
}

/** Refit weights from the scaled Z: Q·Z (primal) or X_Sᵀ·(U·Z) (dual); p×Vb. */
async function basisWeights(engine: GemmEngine, basis: RidgeEigenBasis, x: Float32Array, p: number, zScaled: Float32Array, vb: number): Promise<Float32Array> {
  const r = basis.rank;
  if (basis.form === 'primal') return engine.matmul(basis.vectorRows, [r, r], zScaled, [r, vb], { transA: true });
  const dual = await engine.matmul(basis.vectorRows, [r, r], zScaled, [r, vb], { transA: true });
  const xs = blockRowsGather(x, p, basis.trainBlocks);
  const w = await engine.matmul(xs, [r, p], dual, [r, vb], { transA: true });
  // With an intercept the dual weights are (X_S − 1x̄ᵀ)ᵀa = X_Sᵀa − x̄(1ᵀa).
  const xMean = basis.xMean;
  if (xMean !== undefined) {
    const colSum = colSums(dual, vb, { start: 0, end: r });
    for (let i = 0; i < p; i++) for (let j = 0; j < vb; j++) w[i * vb + j] -= xMean[i] * colSum[j];
  }
  return w;
}

/** out[t, i] = b[t, i] / (λ_i + α); returns out. */
function columnsScale(b: Float32Array, rows: number, cols: number, lambda: Float64Array, alpha: number, out: Float32Array): Float32Array {
  const d = new Float64Array(cols);
  for (let i = 0; i < cols; i++) d[i] = 1 / (lambda[i] + alpha);
  for (let t = 0; t < rows; t++) {
    const row = t * cols;
    for (let i = 0; i < cols; i++) out[row + i] = b[row + i] * d[i];
  }
  return out;
}

/** Columns [v0, v0+vb) of the rows×cols matrix y, as a rows×vb matrix. */
function columnsCopy(y: Float32Array, rows: number, cols: number, v0: number, vb: number): Float32Array {
  const out = new Float32Array(rows * vb);
  for (let t = 0; t < rows; t++) out.set(y.subarray(t * cols + v0, t * cols + v0 + vb), t * vb);
  return out;
}

function columnsPaste(dst: Float32Array, rows: number, cols: number, v0: number, vb: number, src: Float32Array): void {
  for (let t = 0; t < rows; t++) dst.set(src.subarray(t * vb, (t + 1) * vb), t * cols + v0);
}

/**
 * Voxels per batch: as many as fit the budget (bytes per voxel below), capped at 4096. The cap is
 * measured, not derived: on bench/encoding (p = 1024) the per-α products ran at ~146 GFLOP/s
 * with 4096-voxel batches against ~115 with one 20,000-voxel batch (operands beyond the caches).
 */
const MAX_AUTO_BATCH = 4096;

function autoBatch(budget: number, form: RidgeForm, n: number, m: number, p: number, k: number, nAlphas: number): number {
  const perVoxelFloats = (form === 'primal' ? (k + 3) * p : 3 * n) + n + 2 * m + Math.ceil(n / k) + 2 * nAlphas;
  return Math.max(1, Math.min(MAX_AUTO_BATCH, Math.floor(budget / (4 * perVoxelFloats))));
}

/** Explicit folds must tile [0, n) in order (contiguous blocks; the eigenbasis code relies on it). */
function checkFoldBlocks(folds: readonly RowBlock[], n: number): readonly RowBlock[] {
  const tiles = folds.length >= 2 && folds[0].start === 0 && folds[folds.length - 1].end === n && folds.every((f, i) => f.end > f.start && (i === 0 || f.start === folds[i - 1].end));
  if (!tiles) throw badInput(`CV folds must be at least 2 non-empty contiguous blocks covering the ${n} training TRs in order`, { folds: folds.map((f) => [f.start, f.end]), rows: n });
  return folds;
}

function checkData(d: RidgeCVData, alphas: readonly number[]): void {
  const problems: string[] = [];
  const dims: [string, number][] = [['nTrain', d.nTrain], ['nTest', d.nTest], ['features', d.features], ['voxels', d.voxels]];
  for (const [name, v] of dims) if (!Number.isInteger(v) || v < 1) problems.push(`${name} must be a positive integer, got ${v}`);
  if (problems.length === 0) {
    const expect: [string, Float32Array, number][] = [
      ['xTrain', d.xTrain, d.nTrain * d.features],
      ['yTrain', d.yTrain, d.nTrain * d.voxels],
      ['xTest', d.xTest, d.nTest * d.features],
      ['yTest', d.yTest, d.nTest * d.voxels],
    ];
    for (const [name, a, len] of expect) if (a.length !== len) problems.push(`${name} has ${a.length} elements, expected ${len}`);
    if (d.nTest < 2) problems.push(`a test correlation needs at least 2 test TRs, got ${d.nTest}`);
  }
  if (alphas.length === 0 || alphas.some((a) => !(a > 0) || !Number.isFinite(a))) problems.push(`alphas must be positive finite numbers, got [${alphas.join(', ')}]`);
  if (problems.length === 0) {
    for (const [name, a] of [['xTrain', d.xTrain], ['xTest', d.xTest]] as const) {
      const bad = a.findIndex((v) => !Number.isFinite(v));
      if (bad >= 0) problems.push(`${name} has a non-finite value at row ${Math.floor(bad / d.features)}, column ${bad % d.features}`);
    }
  }
  if (problems.length > 0) throw badInput(`ridgeCV: ${problems.join('; ')}`, { problems });
}
