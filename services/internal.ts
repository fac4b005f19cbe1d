import { randomUUID } from 'node:crypto';
import { fitInternalCells, type InternalCellResult, type InternalInputs } from '../compute/internal/internalCells.js';
import type { InternalMetricName } from '../compute/internal/internalMetrics.js';
import { METRIC_DEFINITIONS, type MetricDefinition } from '../compute/internal/metricDefinitions.js';
import { TWO_NN_DEFAULTS } from '../compute/internal/twoNN.js';
import { notFound } from '../errors/CortexError.js';
import { insertRun, writeInternalMetrics } from '../warehouse/brainScoresRepo.js';
import { featureLayers, previousFeatureStep, readWordFeatures } from '../warehouse/fmriRepo.js';
import { writeRunInputs, type RunInput, type RunProvenance } from '../warehouse/runInputsRepo.js';
import { finalCheckpointStep } from '../warehouse/modelsRepo.js';
import type { Warehouse, WriteTx } from '../warehouse/Warehouse.js';
import { paramsHash } from './encoding.js';
import { CODE_VERSION } from './version.js';

export { INTERNAL_METRICS } from '../compute/internal/internalCells.js';

/**
 * How internal metrics are computed, all of it in the params hash (with the dataset whose
 * stimulus words they are computed on): cells computed another way are other cells.
 */
export const INTERNAL_PARAMS = {
  kind: 'internal',
  twoNN: TWO_NN_DEFAULTS,
  /** linearCKA compares with the previous checkpoint with features, linearCKAToFinal with the model's last checkpoint. */
  ckaReferences: ['previous', 'final'],
} as const;

export const internalParamsHash = (datasetId: string) => paramsHash({ ...INTERNAL_PARAMS, datasetId });

/** A metric's definition with the parameters its stored values were computed with. */
export interface InternalMetricDescription extends MetricDefinition {
  /** The parameters hashed into the cells' params hash (JSON), with the dataset when one is given. */
  readonly params: string;
  /** The params hash of the metric's cells on that dataset; null without a dataset. */
  readonly paramsHash: string | null;
}

export function describeInternalMetric(metric: InternalMetricName, datasetId: string | null): InternalMetricDescription {
  const params = datasetId === null ? INTERNAL_PARAMS : { ...INTERNAL_PARAMS, datasetId };
  return { ...METRIC_DEFINITIONS[metric], params: JSON.stringify(params), paramsHash: datasetId === null ? null : internalParamsHash(datasetId) };
}

/** The metric a reference step belongs to. */
const REFERENCE_OF: Partial<Record<InternalMetricName, 'previous' | 'final'>> = { linearCKA: 'previous', linearCKAToFinal: 'final' };

export interface InternalRequest {
  readonly modelId: string;
  readonly step: number;
  readonly datasetId: string;
  readonly layers?: readonly number[];
  readonly onProgress?: (done: number, total: number) => void;
}

export interface InternalReport {
  readonly runId: string;
  readonly paramsHash: string;
  readonly device: string;
  readonly layers: number;
  readonly values: number;
  readonly nulls: number;
}

/** The checkpoint's per-layer states on the dataset's words, and the previous and final checkpoints' (for CKA). */
export async function loadInternalInputs(wh: Warehouse, req: InternalRequest): Promise<InternalInputs & { references: RunProvenance }> {
  const layers = req.layers ?? (await featureLayers(wh, req.modelId, req.step, req.datasetId));
  if (layers.length === 0) throw notFound('features', `${req.modelId}@${req.step} on ${req.datasetId}`);
  const previousStep = await previousFeatureStep(wh, req.modelId, req.datasetId, req.step);
  const finalStep = await finalCheckpointStep(wh, req.modelId);
  const inputs: RunInput[] = [];
  const load = async (step: number, role: string) => {
    const out = [];
    for (const layer of layers) {
      const f = await readWordFeatures(wh, req.modelId, step, layer, req.datasetId);
      if (f) {
        out.push({ layer, nWords: f.nWords, dim: f.dim, matrix: f.matrix });
        inputs.push({ role, modelId: req.modelId, step, layer, datasetId: req.datasetId, sha256: f.sha256 ?? null });
      } else if (step === req.step) throw notFound('features', `${req.modelId}@${step} layer ${layer} on ${req.datasetId}`);
    }
    return out;
  };
  const current = await load(req.step, 'states');
  const previous = previousStep === null ? [] : await load(previousStep, 'previous');
  const final = finalStep === null ? [] : await load(finalStep, 'final');
  return { layers: current, previous, final, twoNN: INTERNAL_PARAMS.twoNN, references: { previous: previousStep, final: final.length ? finalStep : null, inputs } };
}

/** Writes a job's metric values and its `runs` row in the caller's transaction. */
export async function writeInternalResults(
  tx: WriteTx,
  req: InternalRequest,
  result: { cells: readonly InternalCellResult[]; device: string },
  references: RunProvenance,
  started: Date,
): Promise<InternalReport> {
  const runId = randomUUID();
  const hash = internalParamsHash(req.datasetId);
  const layers = [...new Set(result.cells.map((c) => c.layer))];
  await insertRun(tx, {
    runId, kind: 'internal',
    paramsJson: JSON.stringify({ ...INTERNAL_PARAMS, modelId: req.modelId, step: req.step, datasetId: req.datasetId, layers, previousStep: references.previous, finalStep: references.final }),
    paramsHash: hash, codeVersion: CODE_VERSION, device: result.device, started, finished: new Date(),
  });
  const rows = result.cells.map((c) => {
    const reference = REFERENCE_OF[c.metric];
    return { modelId: req.modelId, step: req.step, ...c, referenceStep: reference ? references[reference] : null, detailsJson: c.details && JSON.stringify(c.details) };
  });
  await writeInternalMetrics(tx, rows, runId, hash);
  await writeRunInputs(tx, runId, references.inputs);
  return { runId, paramsHash: hash, device: result.device, layers: layers.length, values: result.cells.length, nulls: result.cells.filter((c) => c.value === null).length };
}

/** Internal-state metrics of one checkpoint's layers on a dataset's stimulus words, in this thread; one transaction. */
export async function computeInternal(wh: Warehouse, req: InternalRequest): Promise<InternalReport> {
  const started = new Date();
  const inputs = await loadInternalInputs(wh, req);
  const result = await fitInternalCells(inputs, req.onProgress);
  return wh.write((tx) => writeInternalResults(tx, req, result, inputs.references, started));
}
