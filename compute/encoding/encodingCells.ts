/**
 * Encoding models for every (layer, subject) cell of one checkpoint: the pure numerics behind a
 * computation job, on plain typed arrays, so it can run on a worker thread away from the API's
 * event loop. Loading inputs and writing results belong to the caller.
 */
import { badInput } from '../../errors/CortexError.js';
import { runFeatureMatrix, zScoreBy, type ColumnScale, type WordRun, type ZScoreMode } from './features.js';
import { blockLengthFromAutocorrelation } from './blockLength.js';
import { runFolds } from './cvFolds.js';
import { ridgeCV } from './ridgeCV.js';
import type { CvMetric } from './ridgeCvScore.js';
import { roiSummaries, type RoiSummary } from './roiSummaries.js';
import type { ShouldStop } from '../stopSignal.js';

/** How CV folds are cut: contiguous blocks of training TRs, or groups of whole training runs (cvFolds.ts). */
export const FoldBy = { CONTIGUOUS: 'contiguous', RUN: 'run' } as const;
export type FoldBy = (typeof FoldBy)[keyof typeof FoldBy];

/**
 * The parameters of an encoding run, recorded in `runs.params_json` and hashed into the cells'
 * params hash. The optional conventions are absent at their defaults (services/encoding.ts drops
 * them), so adding them changed no stored hash; `permutations` is always recorded since it became
 * the default (its 0 hashed as absent); docs/encoding.md "Conventions" tabulates every choice.
 */
export interface EncodingParams {
  readonly alphas: readonly number[];
  /** CV folds: contiguous blocks of training TRs, or (foldBy 'run') groups of whole training runs. */
  readonly folds: number;
  readonly delays: readonly number[];
  readonly downsample: 'mean' | 'lanczos';
  /** What picks α per voxel: pooled held-out MSE, mean fold Pearson r, or mean fold R² (ridgeCvScore.ts). */
  readonly cvMetric: CvMetric;
  readonly fdrQ: number;
  /** Absent: 'contiguous' (scikit-learn KFold(shuffle=False) over the training TRs). */
  readonly foldBy?: FoldBy;
  /** Absent: 'run'. How the TR features are standardised (features.ts zScoreBy). */
  readonly featureZscore?: ZScoreMode;
  /** Absent: 'run'. How the responses are standardised (after repeats are averaged). */
  readonly responseZscore?: ZScoreMode;
  /** Absent: false. Fit an unpenalised intercept per voxel (ridgeEigenBasis.ts). */
  readonly intercept?: boolean;
  /**
   * Block permutations of the test predictions (blockPermutation.ts; services/encoding.ts
   * records 1000 by default): nSignificant counts voxels with BH q ≤ fdrQ of the permutation
   * p-values, and p and q are stored per voxel. 0 (or absent, as recorded before permutations
   * were the default): significance by the parametric t test, hashed as absent.
   */
  readonly permutations?: number;
  /**
   * TRs per permuted block, or 'auto': 3 × the lag where the test responses' mean autocorrelation
   * drops below 1/e, bounded (blockLength.ts); the length chosen per subject is in each cell's result.
   */
  readonly blockTrs?: number | 'auto';
}

/** The block-permutation test's seed: fixed, so a run's p-values are reproducible bit for bit. */
export const PERMUTATION_SEED = 0;

export const DEFAULT_BLOCK_TRS = 10;

export interface EncodingRun {
  readonly id: string;
  readonly split: 'train' | 'test';
  readonly nTrs: number;
  /** Word onsets in seconds from the run's first volume. */
  readonly onsets: Float64Array;
}

export interface EncodingInputs {
  readonly trSeconds: number;
  /** In presentation order; words of all runs are the rows of each layer's matrix, in this order. */
  readonly runs: readonly EncodingRun[];
  readonly layers: readonly { readonly layer: number; readonly dim: number; readonly matrix: Float32Array }[];
  readonly subjects: readonly {
    readonly id: string;
    readonly nVoxels: number;
    readonly roi: readonly string[];
    /** run id → presentations, each n_TR × n_voxels. */
    readonly responses: Readonly<Record<string, Float32Array[]>>;
  }[];
}

export interface EncodingCellResult {
  readonly layer: number;
  readonly subjectId: string;
  /** Test r per voxel; NaN where undefined (stored as NULL). */
  readonly r: Float32Array;
  readonly alpha: Float32Array;
  /** With `permutations`: block-permutation p and BH q per voxel (NaN where r is undefined); else null. */
  readonly pValue?: Float32Array | null;
  readonly qValue?: Float32Array | null;
  /** With permutations: the block length used (the one chosen when blockTrs is 'auto'). */
  readonly blockTrs?: number;
  readonly summaries: RoiSummary[];
}

export async function fitEncodingCells(
  inputs: EncodingInputs,
  params: EncodingParams,
  onProgress?: (done: number, total: number) => void,
  shouldStop?: ShouldStop,
): Promise<{ cells: EncodingCellResult[]; device: string }> {
  const train = inputs.runs.filter((r) => r.split === 'train');
  const test = inputs.runs.filter((r) => r.split === 'test');
  const total = inputs.layers.length * inputs.subjects.length;
  const cells: EncodingCellResult[] = [];
  let device = '';
  const foldBlocks = params.foldBy === 'run' ? runFolds(train.map((r) => r.nTrs), params.folds) : undefined;
  for (const { layer, dim, matrix } of inputs.layers) {
    const words = splitWords(inputs.runs, matrix, dim);
    const design = (runs: readonly EncodingRun[], scale?: ColumnScale) =>
      runFeatureMatrix(runs.map((r) => words.get(r.id)!), dim, {
        trSeconds: inputs.trSeconds, delays: params.delays, downsample: params.downsample, zscore: params.featureZscore ?? 'run', ...(scale ? { scale } : {}),
      });
    const xTrain = design(train);
    const xTest = design(test, xTrain.scale);
    for (const s of inputs.subjects) {
      const responseZscore = params.responseZscore ?? 'run';
      const yTrain = stackResponses(train, s.responses, s.nVoxels, responseZscore);
      const yTest = stackResponses(test, s.responses, s.nVoxels, responseZscore, yTrain.scale);
      const nTest = xTest.dims[0];
      const blockTrs = params.permutations ? permutationBlock(params.blockTrs, yTest.matrix, nTest, s.nVoxels, test) : undefined;
      const fit = await ridgeCV(
        {
          xTrain: xTrain.matrix,
          yTrain: yTrain.matrix,
          xTest: xTest.matrix,
          yTest: yTest.matrix,
          nTrain: xTrain.dims[0],
          nTest,
          features: xTrain.dims[1],
          voxels: s.nVoxels,
        },
        {
          alphas: params.alphas, folds: params.folds, cvMetric: params.cvMetric, shouldStop,
          ...(foldBlocks ? { foldBlocks } : {}),
          ...(params.intercept ? { intercept: true } : {}),
          ...(params.permutations && blockTrs ? { permutationTest: { permutations: params.permutations, blockLength: blockTrs, seed: PERMUTATION_SEED } } : {}),
        },
      );
      const q = fit.qValues ?? null;
      device = `gemm:${fit.provenance.gemmProvider} eigh:${fit.provenance.eighBackend}`;
      cells.push({
        layer,
        subjectId: s.id,
        r: Float32Array.from(fit.r, (v) => v ?? NaN),
        alpha: Float32Array.from(fit.alpha),
        pValue: fit.pValues ? Float32Array.from(fit.pValues, (v) => v ?? NaN) : null,
        qValue: q && Float32Array.from(q, (v) => v ?? NaN),
        ...(blockTrs ? { blockTrs } : {}),
        summaries: roiSummaries(fit.r, s.roi, {
          nTest: xTest.dims[0], q: params.fdrQ,
          ...(q ? { significant: Uint8Array.from(q, (v) => (v !== null && v <= params.fdrQ ? 1 : 0)) } : {}),
        }),
      });
      onProgress?.(cells.length, total);
    }
  }
  return { cells, device };
}

/** Cuts the dataset-wide word feature matrix (words of all runs, in run order) into runs. */
export function splitWords(runs: readonly EncodingRun[], matrix: Float32Array, dim: number): Map<string, WordRun> {
  const out = new Map<string, WordRun>();
  let word = 0;
  for (const run of runs) {
    const n = run.onsets.length;
    if ((word + n) * dim > matrix.length) throw badInput('feature matrix has fewer rows than the dataset has words');
    out.set(run.id, { words: matrix.subarray(word * dim, (word + n) * dim), onsets: run.onsets, nTr: run.nTrs });
    word += n;
  }
  return out;
}

/** The permuted block length: as given, or from the test responses' autocorrelation ('auto'). */
function permutationBlock(blockTrs: number | 'auto' | undefined, yTest: Float32Array, nTest: number, nVoxels: number, test: readonly EncodingRun[]): number {
  if (blockTrs === 'auto') return blockLengthFromAutocorrelation(yTest, [nTest, nVoxels], test.map((r) => r.nTrs)).blockTrs;
  return blockTrs ?? DEFAULT_BLOCK_TRS;
}

/**
 * Stacks per-run response matrices (repeats averaged) and standardises them by `mode` (default:
 * each run's columns, Huth et al.'s convention); with 'global', `fitted` is the training runs' scale.
 */
export function stackResponses(
  runs: readonly EncodingRun[],
  responses: Readonly<Record<string, Float32Array[]>>,
  nVoxels: number,
  mode: ZScoreMode = 'run',
  fitted?: ColumnScale,
): { matrix: Float32Array; scale?: ColumnScale } {
  const n = runs.reduce((s, r) => s + r.nTrs, 0);
  const y = new Float32Array(n * nVoxels);
  let offset = 0;
  for (const run of runs) {
    const presentations = responses[run.id];
    if (!presentations?.length) throw badInput(`no responses for run '${run.id}'`);
    const size = run.nTrs * nVoxels;
    for (const p of presentations) for (let i = 0; i < size; i++) y[offset + i] += p[i] / presentations.length;
    offset += size;
  }
  return zScoreBy(mode, y, [n, nVoxels], runs.map((r) => r.nTrs), fitted);
}
