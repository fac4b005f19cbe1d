/**
 * Encoding models for every (layer, subject) cell of one checkpoint: the pure numerics behind a
 * computation job, on plain typed arrays, so it can run on a worker thread away from the API's
 * event loop. Loading inputs and writing results belong to the caller.
 */
import { badInput } from '../../errors/CortexError.js';
import { runFeatureMatrix, runZScore, type WordRun } from './features.js';
import { ridgeCV } from './ridgeCV.js';
import { roiSummaries, type RoiSummary } from './roiSummaries.js';
import type { ShouldStop } from '../stopSignal.js';

export interface EncodingParams {
  readonly alphas: readonly number[];
  readonly folds: number;
  readonly delays: readonly number[];
  readonly downsample: 'mean' | 'lanczos';
  readonly cvMetric: 'mse' | 'r';
  readonly fdrQ: number;
  /**
   * Block permutations of the test predictions (blockPermutation.ts); absent or 0: significance by
   * the parametric t test. Set: nSignificant counts voxels with BH q ≤ fdrQ of the permutation
   * p-values, and p and q are stored per voxel. Absent from the default parameters (and their hash).
   */
  readonly permutations?: number;
  /** TRs per permuted block [10 ≈ 20 s at TR 2 s, the span of BOLD autocorrelation; Huth et al. 2016]. */
  readonly blockTrs?: number;
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
  for (const { layer, dim, matrix } of inputs.layers) {
    const words = splitWords(inputs.runs, matrix, dim);
    const design = (runs: readonly EncodingRun[]) =>
      runFeatureMatrix(runs.map((r) => words.get(r.id)!), dim, { trSeconds: inputs.trSeconds, delays: params.delays, downsample: params.downsample });
    const xTrain = design(train);
    const xTest = design(test);
    for (const s of inputs.subjects) {
      const fit = await ridgeCV(
        {
          xTrain: xTrain.matrix,
          yTrain: stackResponses(train, s.responses, s.nVoxels),
          xTest: xTest.matrix,
          yTest: stackResponses(test, s.responses, s.nVoxels),
          nTrain: xTrain.dims[0],
          nTest: xTest.dims[0],
          features: xTrain.dims[1],
          voxels: s.nVoxels,
        },
        {
          alphas: params.alphas, folds: params.folds, cvMetric: params.cvMetric, shouldStop,
          ...(params.permutations ? { permutationTest: { permutations: params.permutations, blockLength: params.blockTrs ?? DEFAULT_BLOCK_TRS, seed: PERMUTATION_SEED } } : {}),
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

/** Stacks per-run response matrices (repeats averaged) and z-scores each run's columns (Huth et al.'s convention). */
export function stackResponses(runs: readonly EncodingRun[], responses: Readonly<Record<string, Float32Array[]>>, nVoxels: number): Float32Array {
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
  return runZScore(y, [n, nVoxels], runs.map((r) => r.nTrs));
}
