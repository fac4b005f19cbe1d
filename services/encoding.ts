import { createHash, randomUUID } from 'node:crypto';
import { DEFAULT_ALPHAS } from '../compute/encoding/cvFolds.js';
import { fitEncodingCells, type EncodingCellResult, type EncodingInputs, type EncodingParams } from '../compute/encoding/encodingCells.js';
import { DEFAULT_DELAYS } from '../compute/encoding/features.js';
import { notFound } from '../errors/CortexError.js';
import { insertRun, writeEncodingCells } from '../warehouse/brainScoresRepo.js';
import { datasetInfo, featureLayers, readWordFeatures, subjectData } from '../warehouse/fmriRepo.js';
import type { Warehouse, WriteTx } from '../warehouse/Warehouse.js';
import { CODE_VERSION } from './version.js';

export type { EncodingParams };

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

/** Reads what a job needs from the warehouse: the dataset's runs, the checkpoint's features, the subjects' responses. */
export async function loadEncodingInputs(wh: Warehouse, req: EncodingRequest): Promise<EncodingInputs> {
  const info = await datasetInfo(wh, req.datasetId);
  const layers = req.layers ?? (await featureLayers(wh, req.modelId, req.step, req.datasetId));
  if (layers.length === 0) throw notFound('features', `${req.modelId}@${req.step} on ${req.datasetId}`);
  const subjects = req.subjects ?? info.subjects;
  const unknown = subjects.filter((s) => !info.subjects.includes(s));
  if (unknown.length) throw notFound('subject', unknown.join(', '));
  const features = [];
  for (const layer of layers) {
    const f = await readWordFeatures(wh, req.modelId, req.step, layer, req.datasetId);
    if (!f) throw notFound('features', `${req.modelId}@${req.step} layer ${layer} on ${req.datasetId}`);
    features.push({ layer, dim: f.dim, matrix: f.matrix });
  }
  const subjectInputs = [];
  for (const id of subjects) {
    const d = await subjectData(wh, req.datasetId, id);
    subjectInputs.push({ id, nVoxels: d.nVoxels, roi: d.roi, responses: Object.fromEntries(d.responses) });
  }
  return {
    trSeconds: info.trSeconds,
    runs: info.runs.map((r) => ({ id: r.id, split: r.split, nTrs: r.nTrs, onsets: r.onsets })),
    layers: features,
    subjects: subjectInputs,
  };
}

/** Writes every cell of a job and its `runs` row in the caller's transaction: a failure writes nothing. */
export async function writeEncodingResults(
  tx: WriteTx,
  req: EncodingRequest,
  params: EncodingParams,
  result: { cells: readonly EncodingCellResult[]; device: string },
  started: Date,
): Promise<EncodingReport> {
  const hash = paramsHash(params);
  const runId = randomUUID();
  const layers = [...new Set(result.cells.map((c) => c.layer))];
  const subjects = [...new Set(result.cells.map((c) => c.subjectId))];
  await insertRun(tx, {
    runId, kind: 'encoding', paramsJson: JSON.stringify({ ...params, modelId: req.modelId, step: req.step, datasetId: req.datasetId, layers, subjects }),
    paramsHash: hash, codeVersion: CODE_VERSION, device: result.device, started, finished: new Date(),
  });
  await writeEncodingCells(tx, runId, result.cells.map((c) => ({
    cell: { modelId: req.modelId, step: req.step, layer: c.layer, datasetId: req.datasetId, subjectId: c.subjectId, paramsHash: hash },
    r: c.r, alpha: c.alpha, summaries: c.summaries,
  })));
  return {
    runId, paramsHash: hash, cells: result.cells.length, voxels: result.cells.reduce((s, c) => s + c.r.length, 0),
    device: result.device, seconds: (Date.now() - started.getTime()) / 1000,
  };
}

export function encodingParams(partial: Partial<EncodingParams> = {}): EncodingParams {
  return { ...DEFAULT_ENCODING_PARAMS, ...partial };
}

/**
 * Fits voxel-wise encoding models of one checkpoint's layers for a dataset's subjects, in this
 * thread, and writes every cell (voxel scores + ROI summaries) and one `runs` row at once.
 */
export async function computeEncoding(wh: Warehouse, req: EncodingRequest): Promise<EncodingReport> {
  const started = new Date();
  const params = encodingParams(req.params);
  const inputs = await loadEncodingInputs(wh, req);
  const result = await fitEncodingCells(inputs, params, req.onProgress);
  return wh.write((tx) => writeEncodingResults(tx, req, params, result, started));
}
