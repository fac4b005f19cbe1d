import { createHash, randomUUID } from 'node:crypto';
import { DEFAULT_ALPHAS } from '../compute/encoding/cvFolds.js';
import { DEFAULT_DELAYS, runFeatureMatrix, runZScore, type WordRun } from '../compute/encoding/features.js';
import { ridgeCV } from '../compute/encoding/ridgeCV.js';
import { roiSummaries } from '../compute/encoding/roiSummaries.js';
import { badInput, notFound } from '../errors/CortexError.js';
import { insertRun, writeEncodingCell, type EncodingCell } from '../warehouse/brainScoresRepo.js';
import { datasetInfo, featureLayers, readWordFeatures, subjectData, type DatasetRun } from '../warehouse/fmriRepo.js';
import type { Warehouse } from '../warehouse/Warehouse.js';
import { CODE_VERSION } from './version.js';

/** Everything that changes an encoding result; its hash distinguishes cells computed differently. */
export interface EncodingParams {
  readonly alphas: readonly number[];
  readonly folds: number;
  readonly delays: readonly number[];
  readonly downsample: 'mean' | 'lanczos';
  readonly cvMetric: 'mse' | 'r';
  readonly fdrQ: number;
}

export const DEFAULT_ENCODING_PARAMS: EncodingParams = {
  alphas: DEFAULT_ALPHAS,
  folds: 5,
  delays: DEFAULT_DELAYS,
  downsample: 'mean',
  cvMetric: 'mse',
  fdrQ: 0.05,
};

/** sha256 of the canonical JSON (keys sorted), first 16 hex digits. */
export function paramsHash(params: object): string {
  const canonical = JSON.stringify(params, (_, v) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b))) : v,
  );
  return createHash('sha256').update(canonical).digest('hex').slice(0, 16);
}

export const DEFAULT_ENCODING_HASH = paramsHash(DEFAULT_ENCODING_PARAMS);

export interface EncodingRequest {
  readonly modelId: string;
  readonly step: number;
  readonly datasetId: string;
  /** Default: every layer with stored features. */
  readonly layers?: readonly number[];
  /** Default: every subject of the dataset. */
  readonly subjects?: readonly string[];
  readonly params?: Partial<EncodingParams>;
  readonly onProgress?: (done: number, total: number) => void;
}

export interface EncodingReport {
  readonly runId: string;
  readonly paramsHash: string;
  readonly cells: number;
  readonly voxels: number;
  readonly device: string;
  readonly seconds: number;
}

/** Stacks per-run response matrices and z-scores each run's columns (Huth et al.'s convention). */
function stackResponses(runs: readonly DatasetRun[], matrices: ReadonlyMap<string, Float32Array[]>, nVoxels: number): Float32Array {
  const n = runs.reduce((s, r) => s + r.nTrs, 0);
  const y = new Float32Array(n * nVoxels);
  let offset = 0;
  for (const run of runs) {
    const presentations = matrices.get(run.id)!;
    // Repeated presentations of a test run are averaged before scoring.
    const mean = presentations.length === 1 ? presentations[0]! : presentations.reduce((acc, p) => acc.map((v, i) => v + p[i]! / presentations.length), new Float32Array(run.nTrs * nVoxels));
    y.set(mean, offset);
    offset += mean.length;
  }
  return runZScore(y, [n, nVoxels], runs.map((r) => r.nTrs));
}

/**
 * Fits voxel-wise encoding models of one checkpoint's layers for a dataset's subjects and
 * writes every cell (voxel scores + ROI summaries) and one `runs` row in a single transaction:
 * a failure anywhere writes nothing.
 */
export async function computeEncoding(wh: Warehouse, req: EncodingRequest): Promise<EncodingReport> {
  const started = new Date();
  const params: EncodingParams = { ...DEFAULT_ENCODING_PARAMS, ...req.params };
  const hash = paramsHash(params);
  const info = await datasetInfo(wh, req.datasetId);
  const layers = req.layers ?? (await featureLayers(wh, req.modelId, req.step, req.datasetId));
  if (layers.length === 0) throw notFound('features', `${req.modelId}@${req.step} on ${req.datasetId}`);
  const subjects = req.subjects ?? info.subjects;
  const unknown = subjects.filter((s) => !info.subjects.includes(s));
  if (unknown.length) throw notFound('subject', unknown.join(', '));
  const train = info.runs.filter((r) => r.split === 'train');
  const test = info.runs.filter((r) => r.split === 'test');

  const total = layers.length * subjects.length;
  const cells: { cell: EncodingCell; r: Float32Array; alpha: Float32Array; summaries: ReturnType<typeof roiSummaries> }[] = [];
  let device = '';
  for (const layer of layers) {
    const features = await readWordFeatures(wh, req.modelId, req.step, layer, req.datasetId);
    if (!features) throw notFound('features', `${req.modelId}@${req.step} layer ${layer} on ${req.datasetId}`);
    const wordRuns = splitWords(info.runs, features.matrix, features.dim);
    const design = (runs: readonly DatasetRun[]) =>
      runFeatureMatrix(runs.map((r) => wordRuns.get(r.id)!), features.dim, { trSeconds: info.trSeconds, delays: params.delays, downsample: params.downsample });
    const xTrain = design(train);
    const xTest = design(test);
    for (const subjectId of subjects) {
      const data = await subjectData(wh, req.datasetId, subjectId);
      const fit = await ridgeCV(
        {
          xTrain: xTrain.matrix,
          yTrain: stackResponses(train, data.responses, data.nVoxels),
          xTest: xTest.matrix,
          yTest: stackResponses(test, data.responses, data.nVoxels),
          nTrain: xTrain.dims[0],
          nTest: xTest.dims[0],
          features: xTrain.dims[1],
          voxels: data.nVoxels,
        },
        { alphas: params.alphas, folds: params.folds, cvMetric: params.cvMetric },
      );
      device = `gemm:${fit.provenance.gemmProvider} eigh:${fit.provenance.eighBackend}`;
      cells.push({
        cell: { modelId: req.modelId, step: req.step, layer, datasetId: req.datasetId, subjectId, paramsHash: hash },
        r: Float32Array.from(fit.r, (v) => v ?? NaN),
        alpha: Float32Array.from(fit.alpha),
        summaries: roiSummaries(fit.r, data.roi, { nTest: xTest.dims[0], q: params.fdrQ }),
      });
      req.onProgress?.(cells.length, total);
    }
  }

  const runId = randomUUID();
  await wh.write(async (tx) => {
    await insertRun(tx, {
      runId, kind: 'encoding', paramsJson: JSON.stringify({ ...params, modelId: req.modelId, step: req.step, datasetId: req.datasetId, layers, subjects }),
      paramsHash: hash, codeVersion: CODE_VERSION, device, started, finished: new Date(),
    });
    for (const c of cells) await writeEncodingCell(tx, c.cell, runId, c.r, c.alpha, c.summaries);
  });
  return { runId, paramsHash: hash, cells: cells.length, voxels: cells.reduce((s, c) => s + c.r.length, 0), device, seconds: (Date.now() - started.getTime()) / 1000 };
}

/** Cuts the dataset-wide word feature matrix (words of all runs, in run order) into runs. */
export function splitWords(runs: readonly DatasetRun[], matrix: Float32Array, dim: number): Map<string, WordRun> {
  const out = new Map<string, WordRun>();
  let word = 0;
  for (const run of runs) {
    const n = run.onsets.length;
    if ((word + n) * dim > matrix.length) throw badInput(`feature matrix has fewer rows than the dataset has words`);
    out.set(run.id, { words: matrix.subarray(word * dim, (word + n) * dim), onsets: run.onsets, nTr: run.nTrs });
    word += n;
  }
  return out;
}
