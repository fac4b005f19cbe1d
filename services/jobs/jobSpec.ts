import { createHash } from 'node:crypto';
import type { EncodingParams } from '../../compute/encoding/encodingCells.js';
import { encodingParams, encodingParamsHash } from '../encoding.js';
import { internalParamsHash } from '../internal.js';

/**
 * A job computes every cell of one kind for one checkpoint and dataset (all layers, all
 * subjects), so one feature load serves them all. Plain data with a `kind` discriminant.
 */
export type JobSpec =
  | { readonly kind: 'encoding'; readonly modelId: string; readonly step: number; readonly datasetId: string; readonly params: EncodingParams }
  | { readonly kind: 'internal'; readonly modelId: string; readonly step: number; readonly datasetId: string };

export function encodingJob(modelId: string, step: number, datasetId: string, params: Partial<EncodingParams> = {}): JobSpec {
  return { kind: 'encoding', modelId, step, datasetId, params: encodingParams(params) };
}

export function internalJob(modelId: string, step: number, datasetId: string): JobSpec {
  return { kind: 'internal', modelId, step, datasetId };
}

/** The cells a job produces, as one key: kind, model@step, dataset, params hash. */
export function cellKey(spec: JobSpec): string {
  return `${spec.kind}:${spec.modelId}@${spec.step}:${spec.datasetId}:${jobParamsHash(spec)}`;
}

/** The params hash of the cells a job writes. */
export function jobParamsHash(spec: JobSpec): string {
  return spec.kind === 'encoding' ? encodingParamsHash(spec.params) : internalParamsHash(spec.datasetId);
}

/** Job ids derive from the cell key, so the same cells asked for twice are one job (here or in Redis). */
export function jobIdFor(spec: JobSpec): string {
  return `job_${createHash('sha256').update(cellKey(spec)).digest('hex').slice(0, 20)}`;
}
