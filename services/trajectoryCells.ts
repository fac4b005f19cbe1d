import { checkpointsOfModels } from '../warehouse/modelsRepo.js';
import { featureSteps } from '../warehouse/fmriRepo.js';
import { artifactSteps } from '../warehouse/modelsRepo.js';
import type { Warehouse } from '../warehouse/Warehouse.js';
import type { CellPolicy, CellStatus, MissingCells } from './cells.js';
import { DEFAULT_ENCODING_HASH } from './encoding.js';
import type { JobSpec } from './jobs/jobSpec.js';

/**
 * The best layer's row at each step, in step order. Rows may hold several layers per step; a
 * step whose layers all lack a value keeps its first row (the cell exists, its value is null).
 */
export function bestLayerPerStep<T extends { readonly step: number; readonly value: number | null }>(rows: readonly T[]): T[] {
  const best = new Map<number, T>();
  for (const row of rows) {
    const current = best.get(row.step);
    if (!current || (row.value !== null && (current.value === null || row.value > current.value))) best.set(row.step, row);
  }
  return [...best.values()].sort((a, b) => a.step - b.step);
}

/** Adds each checkpoint's tokens and fraction of training to points keyed by step. */
export async function onCheckpointAxis<T extends { readonly step: number }>(
  wh: Warehouse,
  modelId: string,
  points: readonly T[],
): Promise<(T & { tokens: number | null; fraction: number | null })[]> {
  const byStep = new Map((await checkpointsOfModels(wh, [modelId], { limit: 1_000_000 })).map((c) => [c.step, c]));
  return points.map((p) => ({ ...p, tokens: byStep.get(p.step)?.tokens ?? null, fraction: byStep.get(p.step)?.fraction ?? null }));
}

/** Only cells of the default encoding parameters are computed on demand; others are read as stored. */
export function lazyPolicy(policy: CellPolicy, paramsHash: string | null | undefined): CellPolicy {
  return paramsHash && paramsHash !== DEFAULT_ENCODING_HASH ? 'NEVER' : policy;
}

export interface StoredPoint {
  readonly step: number;
  readonly value: number | null;
  readonly layer: number | null;
}

export interface CellPoint extends StoredPoint {
  readonly status: CellStatus;
  readonly jobId: string | null;
}

/**
 * A trajectory that never hides the checkpoints it lacks: every checkpoint with a stored value
 * (READY) or a way to get one (features, or an ONNX file to make them), the missing ones as
 * `states` (the request's policy) makes them — PENDING with a job, MISSING, FAILED, NEVER. With
 * WAIT, the stored values are read again once the jobs have had their time.
 */
export async function trajectoryCells(
  wh: Warehouse,
  modelId: string,
  datasetId: string,
  read: () => Promise<StoredPoint[]>,
  specFor: (step: number) => JobSpec,
  states: MissingCells,
  policy: CellPolicy,
): Promise<CellPoint[]> {
  // Independent reads: they run at once on the reader connections.
  const [stored, features, artifacts] = await Promise.all([read(), featureSteps(wh, modelId, datasetId), artifactSteps(wh, modelId)]);
  const computable = new Set([...features, ...artifacts]);
  const missing = [...computable].filter((step) => !stored.some((p) => p.step === step));
  const pending = await Promise.all(missing.map(async (step) => ({ step, value: null, layer: null, ...(await states.state(specFor(step))) })));
  const fresh = policy === 'WAIT' && pending.length > 0 ? new Map((await read()).map((p) => [p.step, p])) : null;
  const points: CellPoint[] = [
    ...stored.map((p) => ({ ...p, status: 'READY' as const, jobId: null })),
    ...pending.map((p) => {
      const done = fresh?.get(p.step);
      return done ? { ...done, status: 'READY' as const, jobId: p.jobId } : { step: p.step, value: null, layer: null, status: p.status, jobId: p.jobId };
    }),
  ];
  return points.sort((a, b) => a.step - b.step);
}
