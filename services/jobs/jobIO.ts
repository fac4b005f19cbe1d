import type { EncodingCellResult } from '../../compute/encoding/encodingCells.js';
import type { InternalCellResult } from '../../compute/internal/internalCells.js';
import { isCortexError } from '../../errors/CortexError.js';
import { storedCellSteps } from '../../warehouse/discoveryRepo.js';
import { hasFeatures, previousFeatureStep } from '../../warehouse/fmriRepo.js';
import { featureHashes, featuresOutdated, type RunProvenance } from '../../warehouse/runInputsRepo.js';
import { finalCheckpointStep } from '../../warehouse/modelsRepo.js';
import type { Warehouse, WriteTx } from '../../warehouse/Warehouse.js';
import { encodingInputHashes, loadEncodingInputs, writeEncodingResults } from '../encoding.js';
import { extractFeatures, hasArtifact } from '../features.js';
import { loadInternalInputs, writeInternalResults } from '../internal.js';
import type { FitRequest } from './fitWorker.js';
import { jobParamsHash, type JobSpec } from './jobSpec.js';

/** What a fit returns: encoding cells for an encoding job, metric values for an internal job. */
export type FitResult =
  | { readonly cells: readonly EncodingCellResult[]; readonly device: string }
  | { readonly cells: readonly InternalCellResult[]; readonly device: string };

/** A job's inputs: the fit request (plain typed arrays), and what it read (content hashes; for internal jobs the checkpoints CKA compares with). */
export interface JobInputs {
  readonly request: FitRequest;
  readonly references: RunProvenance;
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
  // Missing, or extracted from an ONNX file or tokenizer replaced since: extracted (again).
  const extractIfMissing = async (step: number) => {
    const usable = (await hasFeatures(wh, spec.modelId, step, spec.datasetId)) && !(await featuresOutdated(wh, spec.modelId, step, spec.datasetId));
    if (!usable && (await hasArtifact(wh, spec.modelId, step))) {
      await extractFeatures(wh, { ...req, step });
    }
  };
  await extractIfMissing(spec.step);
  if (spec.kind === 'encoding') {
    const { provenance, ...inputs } = await loadEncodingInputs(wh, req);
    return { request: { kind: 'encoding', inputs, params: spec.params }, references: provenance };
  }
  // The final checkpoint is linearCKAToFinal's fixed reference: made available like the cell's own.
  const finalStep = await finalCheckpointStep(wh, spec.modelId);
  if (finalStep !== null && finalStep !== spec.step) await extractIfMissing(finalStep);
  const { references, ...inputs } = await loadInternalInputs(wh, req);
  return { request: { kind: 'internal', inputs }, references };
}

/**
 * What a job read (and the checkpoints an internal job's CKA compared with): as its inputs said,
 * or — for a result computed elsewhere, which does not say (`references` undefined) — looked up
 * again, as the worker's inputs were.
 */
export async function comparedSteps(wh: Warehouse, spec: JobSpec, references?: RunProvenance | null): Promise<RunProvenance> {
  if (references) return references;
  if (spec.kind === 'encoding') {
    // The hashes as they are now: the worker read the inputs moments ago (a replacement in between goes unseen).
    return { previous: null, final: null, inputs: await encodingInputHashes(wh, spec) };
  }
  const finalStep = await finalCheckpointStep(wh, spec.modelId);
  const previous = await previousFeatureStep(wh, spec.modelId, spec.datasetId, spec.step);
  const final = finalStep !== null && (await hasFeatures(wh, spec.modelId, finalStep, spec.datasetId)) ? finalStep : null;
  // The hashes as they are now: the worker read the inputs moments ago (a replacement in between goes unseen).
  const roles: [string, number | null][] = [['states', spec.step], ['previous', previous], ['final', final]];
  const inputs = [];
  for (const [role, step] of roles) {
    if (step === null) continue;
    for (const h of await featureHashes(wh, spec.modelId, spec.datasetId, [step])) inputs.push({ role, modelId: spec.modelId, datasetId: spec.datasetId, ...h });
  }
  return { previous, final, inputs };
}

/** Writes a job's cells and its `runs` row in the caller's transaction: a failure writes nothing. */
export async function writeJobResults(tx: WriteTx, spec: JobSpec, result: FitResult, started: Date, references: RunProvenance): Promise<JobReport> {
  const req = { modelId: spec.modelId, step: spec.step, datasetId: spec.datasetId };
  if (spec.kind === 'encoding') {
    const report = await writeEncodingResults(tx, req, spec.params, result as { cells: EncodingCellResult[]; device: string }, references, started);
    return { cells: report.cells, device: report.device, runId: report.runId };
  }
  const report = await writeInternalResults(tx, req, result as { cells: InternalCellResult[]; device: string }, references, started);
  return { cells: report.values, device: report.device, runId: report.runId };
}

/** Errors that trying again cannot fix: bad inputs, missing data, degenerate maths. */
export function isFinalError(error: unknown): boolean {
  return isCortexError(error) && ['BAD_USER_INPUT', 'NOT_FOUND', 'DEGENERATE_INPUT'].includes(error.code);
}

/** Whether the cells a job computes are stored (read fresh: a job seen to succeed must have its cells seen too). */
export async function jobCellsStored(wh: Warehouse, spec: JobSpec): Promise<boolean> {
  const steps = await storedCellSteps(wh, spec.kind, { modelId: spec.modelId, datasetId: spec.datasetId, paramsHash: jobParamsHash(spec), steps: [spec.step] }, { fresh: true });
  return steps.length > 0;
}
