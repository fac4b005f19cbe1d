import type { EncodingParams } from '../../compute/encoding/encodingCells.js';
import { badInput, notFoundAmong, type CortexError } from '../../errors/CortexError.js';
import { checkpointSteps, computableSteps } from '../../warehouse/discoveryRepo.js';
import { jobsByIds, type JobKind, type JobRow } from '../../warehouse/jobsRepo.js';
import type { Warehouse } from '../../warehouse/Warehouse.js';
import { jobCellsStored } from '../jobs/jobIO.js';
import { encodingJob, internalJob, jobIdFor, jobParamsHash, type JobSpec } from '../jobs/jobSpec.js';
import { staleCellSteps } from '../../warehouse/brainScoresRepo.js';
import type { Scheduler } from '../jobs/Scheduler.js';
import { requireDataset, requireModels } from '../requireKnown.js';
import type { CellStatus } from './cellStatus.js';
import type { ComputeAccess, ComputePrincipal } from './computeAccess.js';

export interface ComputeCellsRequest {
  readonly kind: JobKind;
  readonly models: readonly string[];
  readonly datasetId: string;
  /** null: every checkpoint whose cells can be computed (features, or an ONNX file). */
  readonly steps: readonly number[] | null;
  readonly params: Partial<EncodingParams>;
  readonly priority: number;
  /** Queue FAILED jobs again. */
  readonly retryFailed: boolean;
  /** Compute stored cells again (they are replaced). */
  readonly recompute: boolean;
  /** Compute stored cells again where they are STALE (an input changed since). */
  readonly stale: boolean;
}

/** A checkpoint for which nothing was queued, and why. */
export interface SkippedCells {
  readonly modelId: string;
  readonly step: number;
  /** READY (stored), FAILED (not retried), NEVER (nothing to compute from) or MISSING (not allowed, or over quota). */
  readonly status: CellStatus;
  readonly jobId: string | null;
  readonly reason: string;
}

export interface ComputeCellsReport {
  /** Jobs queued by this call, or found queued or running already. */
  readonly jobs: JobRow[];
  readonly skipped: SkippedCells[];
  /** What was done, or why nothing was queued, in one sentence. */
  readonly summary: string;
}

export interface ComputeCellsCaller {
  readonly who: ComputePrincipal;
  readonly access: ComputeAccess | null;
  readonly report: (error: CortexError) => void;
}

/**
 * Precomputes cells in bulk (the `computeCells` mutation): one job per (model, checkpoint).
 * Stored cells are not computed again unless `recompute`; failed jobs are not retried unless
 * `retryFailed`; checkpoints with nothing to compute from are reported, not queued. Arguments are
 * checked first: an unknown model, dataset or checkpoint queues nothing.
 */
export async function computeCells(wh: Warehouse, scheduler: Scheduler | null, caller: ComputeCellsCaller, req: ComputeCellsRequest): Promise<ComputeCellsReport> {
  if (!scheduler) throw badInput('this server computes nothing on demand (no scheduler)');
  if (req.models.length === 0) throw badInput('give at least one model', { argument: 'models' });
  await requireModels(wh, req.models);
  await requireDataset(wh, req.datasetId);
  const plan: { modelId: string; step: number }[] = [];
  for (const modelId of new Set(req.models)) {
    if (req.steps) {
      const known = await checkpointSteps(wh, modelId);
      const unknown = req.steps.filter((s) => !known.includes(s));
      if (unknown.length) throw notFoundAmong('checkpoint', unknown[0], known.map(String), { scope: `of model '${modelId}'`, extra: { unknown: unknown.slice(0, 50) } });
    }
    for (const step of req.steps ?? (await computableSteps(wh, modelId, req.datasetId))) plan.push({ modelId, step });
  }

  const staleOf = new Map<string, Promise<Set<number>>>();
  const staleSteps = (spec: JobSpec) => {
    if (!staleOf.has(spec.modelId)) staleOf.set(spec.modelId, staleCellSteps(wh, spec.kind, spec.modelId, spec.datasetId, jobParamsHash(spec)).then((steps) => new Set(steps)));
    return staleOf.get(spec.modelId) as Promise<Set<number>>;
  };
  const jobs: JobRow[] = [];
  const skipped: SkippedCells[] = [];
  let reported = false;
  for (const { modelId, step } of plan) {
    const spec = req.kind === 'encoding' ? encodingJob(modelId, step, req.datasetId, req.params) : internalJob(modelId, step, req.datasetId);
    const id = jobIdFor(spec);
    const [job] = await jobsByIds(wh, [id]);
    const live = job?.status === 'QUEUED' || job?.status === 'RUNNING';
    const skip = (status: CellStatus, reason: string) => skipped.push({ modelId, step, status, jobId: job?.jobId ?? null, reason });
    if (live) {
      jobs.push(job);
      continue;
    }
    const again = req.recompute || (req.stale && (await staleSteps(spec)).has(step));
    if (!again && (await jobCellsStored(wh, spec))) {
      skip('READY', 'stored already (recompute: true computes it again)');
      continue;
    }
    if (job?.status === 'FAILED' && !req.retryFailed) {
      skip('FAILED', `${job.error ?? 'failed'} (retryFailed: true tries again)`);
      continue;
    }
    if (!(await computableSteps(wh, modelId, req.datasetId)).includes(step)) {
      skip('NEVER', `no features of ${modelId}@${step} for dataset '${req.datasetId}' and no ONNX checkpoint to compute them from`);
      continue;
    }
    const decision = caller.access ? await caller.access.start(caller.who, id) : ({ kind: 'allowed' } as const);
    if (decision.kind !== 'allowed') {
      if (decision.kind === 'quota' && !reported) caller.report(decision.error);
      reported ||= decision.kind === 'quota';
      skip('MISSING', decision.reason);
      continue;
    }
    jobs.push(await scheduler.submit(spec, { priority: req.priority, retryFailed: req.retryFailed, recompute: again }));
  }
  return { jobs, skipped, summary: summarize(req, plan.length, jobs, skipped) };
}

function summarize(req: ComputeCellsRequest, planned: number, jobs: readonly JobRow[], skipped: readonly SkippedCells[]): string {
  const where = `${req.models.length === 1 ? `model '${req.models[0]}'` : `${req.models.length} models`} and dataset '${req.datasetId}'`;
  if (planned === 0) return `nothing queued: ${where} have no checkpoints with features or an ONNX file to compute from`;
  const counts = new Map<string, number>();
  for (const s of skipped) counts.set(s.status, (counts.get(s.status) ?? 0) + 1);
  const parts = [
    ...(jobs.length ? [`${jobs.length} job${jobs.length === 1 ? '' : 's'} queued or running`] : []),
    ...(counts.get('READY') ? [`${counts.get('READY')} checkpoint(s) READY already (recompute: true computes them again)`] : []),
    ...(counts.get('FAILED') ? [`${counts.get('FAILED')} FAILED and not retried (retryFailed: true)`] : []),
    ...(counts.get('NEVER') ? [`${counts.get('NEVER')} with nothing to compute from (NEVER)`] : []),
    ...(counts.get('MISSING') ? [`${counts.get('MISSING')} not started: ${skipped.find((s) => s.status === 'MISSING')!.reason}`] : []),
  ];
  return `${jobs.length ? '' : 'nothing queued: '}${parts.join('; ')} (${planned} checkpoint(s) of ${where})`;
}
