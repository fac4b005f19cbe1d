import { randomUUID } from 'node:crypto';
import { internalMetrics, type InternalMetricName } from '../compute/internal/internalMetrics.js';
import { notFound } from '../errors/CortexError.js';
import { insertRun, writeInternalMetrics, type InternalMetricRow } from '../warehouse/brainScoresRepo.js';
import { featureLayers, readWordFeatures } from '../warehouse/fmriRepo.js';
import type { Warehouse } from '../warehouse/Warehouse.js';
import { paramsHash } from './encoding.js';
import { CODE_VERSION } from './version.js';

export const INTERNAL_METRICS: readonly InternalMetricName[] = ['twoNN', 'effectiveRank', 'participationRatio', 'anisotropy', 'meanNorm', 'linearCKA'];
/** Internal metrics are computed on a dataset's stimulus words; the hash records which. */
export const internalParamsHash = (datasetId: string) => paramsHash({ kind: 'internal', datasetId, twoNNDiscard: 0.1 });

export interface InternalReport {
  readonly runId: string;
  readonly paramsHash: string;
  readonly device: string;
  readonly layers: number;
  readonly values: number;
  readonly nulls: number;
}

/**
 * Internal-state metrics of one checkpoint's layers on the stimulus words of a dataset; linear CKA
 * compares with the same layer at the previous checkpoint that has features. One transaction.
 */
export async function computeInternal(
  wh: Warehouse,
  req: { modelId: string; step: number; datasetId: string; layers?: readonly number[]; onProgress?: (done: number, total: number) => void },
): Promise<InternalReport> {
  const started = new Date();
  const layers = req.layers ?? (await featureLayers(wh, req.modelId, req.step, req.datasetId));
  if (layers.length === 0) throw notFound('features', `${req.modelId}@${req.step} on ${req.datasetId}`);
  const [prev] = await wh.all<{ step: number }>(
    'SELECT max(step) AS step FROM word_features WHERE model_id = ? AND dataset_id = ? AND step < ? HAVING count(*) > 0',
    [req.modelId, req.datasetId, req.step],
  );
  const rows: InternalMetricRow[] = [];
  let eigh = '';
  for (const [i, layer] of layers.entries()) {
    const f = await readWordFeatures(wh, req.modelId, req.step, layer, req.datasetId);
    if (!f) throw notFound('features', `${req.modelId}@${req.step} layer ${layer} on ${req.datasetId}`);
    const p = prev ? await readWordFeatures(wh, req.modelId, prev.step, layer, req.datasetId) : null;
    const m = await internalMetrics(f.matrix, [f.nWords, f.dim], p ? { previous: { x: p.matrix, dims: [p.nWords, p.dim] } } : {});
    eigh = m.eighBackend ?? eigh;
    for (const metric of INTERNAL_METRICS) rows.push({ modelId: req.modelId, step: req.step, layer, metric, value: m[metric].value });
    req.onProgress?.(i + 1, layers.length);
  }
  const runId = randomUUID();
  const hash = internalParamsHash(req.datasetId);
  await wh.write(async (tx) => {
    await insertRun(tx, {
      runId, kind: 'internal', paramsJson: JSON.stringify({ ...req, onProgress: undefined, layers, previousStep: prev?.step ?? null }),
      paramsHash: hash, codeVersion: CODE_VERSION, device: `eigh:${eigh || 'n/a'}`, started, finished: new Date(),
    });
    await writeInternalMetrics(tx, rows, runId, hash);
  });
  return { runId, paramsHash: hash, device: `eigh:${eigh || 'n/a'}`, layers: layers.length, values: rows.length, nulls: rows.filter((r) => r.value === null).length };
}
