import type { EncodingCellResult } from '../../compute/encoding/encodingCells.js';
import type { InternalCellResult } from '../../compute/internal/internalCells.js';
import { isCortexError } from '../../errors/CortexError.js';
import { hasFeatures, previousFeatureStep } from '../../warehouse/fmriRepo.js';
import type { Warehouse, WriteTx } from '../../warehouse/Warehouse.js';
import { loadEncodingInputs, writeEncodingResults } from '../encoding.js';
import { extractFeatures, hasArtifact } from '../features.js';
import { loadInternalInputs, writeInternalResults } from '../internal.js';
import type { FitRequest } from './fitWorker.js';
import type { JobSpec } from './jobSpec.js';

/** What a fit returns: encoding cells for an encoding job, metric values for an internal job. */
export type FitResult =
  | { readonly cells: readonly EncodingCellResult[]; readonly device: string }
  | { readonly cells: readonly InternalCellResult[]; readonly device: string };

/** A job's inputs: the fit request (plain typed arrays), and for internal jobs the checkpoint CKA compares with. */
export interface JobInputs {
  readonly request: FitRequest;
  readonly previousStep: number | null;
}

export interface JobReport {
  readonly cells: number;
  readonly device: string;
  readonly runId: string;
}

/**
 * Reads what a job computes from: the only warehouse reads of a job, done by the server. A
 * checkpoint without features but with a registered ONNX file gets them extracted first, so a
 * cell asked for through the API goes all the way from checkpoint to brain score.
 * (Extraction runs here, on the server's thread: onnxruntime releases it between batches, but a
 * long transcript on a large model would be better moved to the worker too.)
 */
export async function loadJobInputs(wh: Warehouse, spec: JobSpec): Promise<JobInputs> {
  const req = { modelId: spec.modelId, step: spec.step, datasetId: spec.datasetId };
  if (!(await hasFeatures(wh, spec.modelId, spec.step, spec.datasetId)) && (await hasArtifact(wh, spec.modelId, spec.step))) {
    await extractFeatures(wh, req);
  }
  if (spec.kind === 'encoding') return { request: { kind: 'encoding', inputs: await loadEncodingInputs(wh, req), params: spec.params }, previousStep: null };
  const { previousStep, ...inputs } = await loadInternalInputs(wh, req);
  return { request: { kind: 'internal', inputs }, previousStep };
}

/**
 * The checkpoint an internal job's CKA compared with: as its inputs said, or — for a result
 * computed elsewhere, which does not say (`previousStep` undefined) — looked up again, as the
 * worker's inputs were.
 */
export async function comparedStep(wh: Warehouse, spec: JobSpec, previousStep?: number | null): Promise<number | null> {
  if (spec.kind === 'encoding') return null;
  return previousStep === undefined ? previousFeatureStep(wh, spec.modelId, spec.datasetId, spec.step) : previousStep;
}

/** Writes a job's cells and its `runs` row in the caller's transaction: a failure writes nothing. */
export async function writeJobResults(tx: WriteTx, spec: JobSpec, result: FitResult, started: Date, previousStep: number | null): Promise<JobReport> {
  const req = { modelId: spec.modelId, step: spec.step, datasetId: spec.datasetId };
  if (spec.kind === 'encoding') {
    const report = await writeEncodingResults(tx, req, spec.params, result as { cells: EncodingCellResult[]; device: string }, started);
    return { cells: report.cells, device: report.device, runId: report.runId };
  }
  const report = await writeInternalResults(tx, req, result as { cells: InternalCellResult[]; device: string }, previousStep, started);
  return { cells: report.values, device: report.device, runId: report.runId };
}

/** Errors that trying again cannot fix: bad inputs, missing data, degenerate maths. */
export function isFinalError(error: unknown): boolean {
  return isCortexError(error) && ['BAD_USER_INPUT', 'NOT_FOUND', 'DEGENERATE_INPUT'].includes(error.code);
}
