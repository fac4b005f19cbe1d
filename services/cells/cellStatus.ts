import type { JobRow } from '../../warehouse/jobsRepo.js';

/**
 * The one home of cell statuses and policies: what a lazily computed cell (a brain score, an
 * internal metric) can be, and what a field does about one that is not stored. Statuses only
 * ever move forward for a client that polls: MISSING/PENDING → READY, or → FAILED; a cell with
 * a queued, running or finished job is never reported MISSING. A status added here (and given
 * its meaning) is in the API at once: schema/enums.ts registers this object.
 */
export const CellStatus = {
  READY: 'READY',
  PENDING: 'PENDING',
  MISSING: 'MISSING',
  FAILED: 'FAILED',
  NEVER: 'NEVER',
  STALE: 'STALE',
} as const;
export type CellStatus = (typeof CellStatus)[keyof typeof CellStatus];

export const CELL_STATUS_MEANINGS: Readonly<Record<CellStatus, string>> = {
  READY: 'Computed and stored: `value` holds it (null only when undefined for the data, see `reason`).',
  PENDING: 'Being computed: `jobId` names the queued or running job. Poll until READY or FAILED.',
  MISSING: 'Not computed, and no computation was started (policy NEVER, a client that may not start work, or a used-up quota): `reason` says which. Never 0.',
  FAILED: 'Its computation failed: `reason` holds the error, `jobId` the job. Not retried until `computeCells(retryFailed: true)`.',
  NEVER: 'Cannot be computed: the checkpoint has no features for the dataset and no ONNX file to extract them from.',
  STALE:
    'Was computed, but an input changed since (features replaced or re-extracted, fMRI data re-imported with other content, or for linear CKA a new reference checkpoint): ' +
    '`value` is null and `reason` says which input. Under IF_MISSING/WAIT it is recomputed like a missing cell (PENDING, then READY); ' +
    '`computeCells(stale: true)` recomputes every stale cell of a selection.'
};

/** What a cell-returning field does about a cell that is not stored. */
export const CellPolicy = {
  NEVER: 'NEVER',
  IF_MISSING: 'IF_MISSING',
  WAIT: 'WAIT',
} as const;
export type CellPolicy = (typeof CellPolicy)[keyof typeof CellPolicy];

export const CELL_POLICY_MEANINGS: Readonly<Record<CellPolicy, string>> = {
  NEVER: 'Stored cells only; nothing is computed.',
  IF_MISSING: 'Stored cells now; missing ones come back PENDING with a job id and their computation starts (if this client may start work).',
  WAIT: 'As IF_MISSING, then waits up to `waitSeconds` for the jobs and answers what they stored.',
};

/** How a request treats cells that are not stored. */
export interface LazyOptions {
  readonly policy: CellPolicy;
  /** With WAIT: how long to wait for jobs, in seconds (0–600). */
  readonly waitSeconds: number;
}

export const STORED_ONLY: LazyOptions = { policy: 'NEVER', waitSeconds: 0 };

/** Why a cell has no value (or, for READY, which job computed it). Plain data. */
export interface CellState {
  readonly status: CellStatus;
  readonly jobId: string | null;
  readonly reason: string | null;
}

/**
 * What a job says about the cells it computes, for a reader who did not find them stored:
 * PENDING while it is queued or running, FAILED with its error, MISSING once cancelled. A
 * SUCCEEDED job wrote its cells in the transaction that marked it so: null — read them again.
 */
export function jobCellState(job: JobRow): CellState | null {
  switch (job.status) {
    case 'QUEUED':
    case 'RUNNING':
      return { status: 'PENDING', jobId: job.jobId, reason: `computing (job ${job.status.toLowerCase()})` };
    case 'FAILED':
      return { status: 'FAILED', jobId: job.jobId, reason: job.error ?? 'failed' };
    case 'CANCELLED':
      return { status: 'MISSING', jobId: job.jobId, reason: 'its computation was cancelled' };
    case 'SUCCEEDED':
      return null;
  }
}
