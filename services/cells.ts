import DataLoader from 'dataloader';
import { hasFeatures } from '../warehouse/fmriRepo.js';
import { hasArtifact } from './features.js';
import type { JobRow } from '../warehouse/jobsRepo.js';
import { jobsByIds } from '../warehouse/jobsRepo.js';
import type { Warehouse } from '../warehouse/Warehouse.js';
import { jobIdFor, type JobSpec } from './jobs/jobSpec.js';
import type { Scheduler } from './jobs/Scheduler.js';

/** What a cell-returning field does about a cell that is not stored. */
export const CellPolicy = {
  NEVER: 'NEVER',
  IF_MISSING: 'IF_MISSING',
  WAIT: 'WAIT',
} as const;
export type CellPolicy = (typeof CellPolicy)[keyof typeof CellPolicy];

/** Whether a cell has a value, and if not, why: missing is not failed is not zero. */
export const CellStatus = {
  READY: 'READY',
  MISSING: 'MISSING',
  PENDING: 'PENDING',
  FAILED: 'FAILED',
  NEVER: 'NEVER',
} as const;
export type CellStatus = (typeof CellStatus)[keyof typeof CellStatus];

export interface MissingCellState {
  readonly status: Exclude<CellStatus, 'READY'>;
  readonly jobId: string | null;
  readonly reason: string;
}

/**
 * Decides, per request, what happens to missing cells. A DataLoader keyed by job id collects the
 * request's missing cells, so all layers and subjects of one (model, step, dataset) become one
 * job; the scheduler's single-flight makes concurrent requests share it too.
 */
export class MissingCells {
  private readonly loader: DataLoader<JobSpec, MissingCellState, string>;

  constructor(
    private readonly wh: Warehouse,
    private readonly scheduler: Scheduler | null,
    private readonly policy: CellPolicy,
    private readonly waitMs: number,
  ) {
    this.loader = new DataLoader((specs) => Promise.all(specs.map((s) => this.resolve(s))), { cacheKeyFn: jobIdFor });
  }

  state(spec: JobSpec): Promise<MissingCellState> {
    return this.loader.load(spec);
  }

  private async resolve(spec: JobSpec): Promise<MissingCellState> {
    const id = jobIdFor(spec);
    const [existing] = await jobsByIds(this.wh, [id]);
    if (this.policy === 'NEVER') return fromJob(existing) ?? { status: 'MISSING', jobId: null, reason: 'not computed (policy NEVER starts no computation)' };
    if (existing?.status === 'FAILED') return fromJob(existing)!;
    const computable = (await hasFeatures(this.wh, spec.modelId, spec.step, spec.datasetId)) || (await hasArtifact(this.wh, spec.modelId, spec.step));
    if (!computable) {
      return { status: 'NEVER', jobId: null, reason: `no features of ${spec.modelId}@${spec.step} for dataset '${spec.datasetId}' and no ONNX checkpoint to compute them from` };
    }
    if (!this.scheduler) return { status: 'MISSING', jobId: null, reason: 'not computed, and this process computes nothing on demand' };
    let job = await this.scheduler.submit(spec, { priority: 10 });
    if (this.policy === 'WAIT') job = await this.scheduler.wait(id, this.waitMs);
    return fromJob(job)!;
  }
}

function fromJob(job: JobRow | undefined): MissingCellState | null {
  if (!job) return null;
  if (job.status === 'FAILED') return { status: 'FAILED', jobId: job.jobId, reason: job.error ?? 'failed' };
  if (job.status === 'QUEUED' || job.status === 'RUNNING') return { status: 'PENDING', jobId: job.jobId, reason: `computing (job ${job.status.toLowerCase()})` };
  // SUCCEEDED or CANCELLED but the cell is absent: it was removed since, or the job was stopped.
  return { status: 'MISSING', jobId: job.jobId, reason: job.status === 'CANCELLED' ? 'its computation was cancelled' : 'not computed' };
}
