import { listValue } from '@duckdb/node-api';
import type { Warehouse, WriteTx } from './Warehouse.js';

export const JobStatus = {
  QUEUED: 'QUEUED',
  RUNNING: 'RUNNING',
  SUCCEEDED: 'SUCCEEDED',
  FAILED: 'FAILED',
  CANCELLED: 'CANCELLED',
} as const;
export type JobStatus = (typeof JobStatus)[keyof typeof JobStatus];

/** What a job computes: brain scores of every layer and subject, or internal-state metrics of every layer. */
export const JobKind = {
  ENCODING: 'encoding',
  INTERNAL: 'internal',
} as const;
export type JobKind = (typeof JobKind)[keyof typeof JobKind];

export interface JobRow {
  readonly jobId: string;
  readonly cellKey: string;
  readonly kind: JobKind;
  readonly status: JobStatus;
  readonly priority: number;
  readonly progress: number;
  readonly attempts: number;
  readonly error: string | null;
  readonly specJson: string;
  readonly cellsDone: number;
  readonly cellsTotal: number;
  readonly device: string | null;
  readonly runId: string | null;
  readonly created: Date;
  readonly updated: Date;
  readonly started: Date | null;
  readonly finished: Date | null;
}

const COLUMNS = `job_id AS "jobId", cell_key AS "cellKey", kind, status, priority, progress, attempts, error, spec_json AS "specJson",
  cells_done AS "cellsDone", cells_total AS "cellsTotal", device, run_id AS "runId", created, updated, started, finished`;

/** Jobs are read fresh (never from the read cache): their state changes while a query waits. */
export async function jobsByIds(wh: Warehouse, ids: readonly string[]): Promise<JobRow[]> {
  return wh.all<JobRow>(`SELECT ${COLUMNS} FROM jobs WHERE list_contains(?, job_id)`, [listValue([...ids])], { cache: false });
}

/** A new job, or the existing one with the same id (ids derive from the cell key, so duplicates collapse). */
export async function insertJobIfAbsent(tx: WriteTx, job: { jobId: string; cellKey: string; kind: JobKind; priority: number; specJson: string }): Promise<void> {
  await tx.run(
    `INSERT INTO jobs (job_id, cell_key, kind, status, priority, spec_json, cells_done, cells_total)
     VALUES (?, ?, ?, 'QUEUED', ?, ?, 0, 0) ON CONFLICT DO NOTHING`,
    [job.jobId, job.cellKey, job.kind, job.priority, job.specJson],
  );
}

export interface JobPatch {
  readonly status?: JobStatus;
  readonly progress?: number;
  readonly cellsDone?: number;
  readonly cellsTotal?: number;
  readonly error?: string | null;
  readonly device?: string;
  readonly runId?: string;
  readonly priority?: number;
  readonly attempts?: number;
  readonly started?: boolean;
  readonly finished?: boolean;
}

const PATCH_COLUMNS: Record<string, string> = {
  status: 'status', progress: 'progress', cellsDone: 'cells_done', cellsTotal: 'cells_total', error: 'error',
  device: 'device', runId: 'run_id', priority: 'priority', attempts: 'attempts',
};

/** Updates a job; `unlessFinished` leaves a SUCCEEDED, FAILED or CANCELLED job as it is (a late progress report). */
export async function updateJob(tx: WriteTx, jobId: string, patch: JobPatch, options: { unlessFinished?: boolean } = {}): Promise<void> {
  const sets: string[] = ['updated = current_timestamp'];
  const params: (string | number | null)[] = [];
  for (const [key, column] of Object.entries(PATCH_COLUMNS)) {
    const value = patch[key as keyof JobPatch];
    if (value !== undefined) { sets.push(`${column} = ?`); params.push(value as string | number | null); }
  }
  if (patch.started) sets.push('started = current_timestamp');
  if (patch.finished) sets.push('finished = current_timestamp');
  const live = options.unlessFinished ? " AND status NOT IN ('SUCCEEDED', 'FAILED', 'CANCELLED')" : '';
  await tx.run(`UPDATE jobs SET ${sets.join(', ')} WHERE job_id = ?${live}`, [...params, jobId]);
}

/** A page of jobs, newest first, optionally of one status, after the job `afterId`. */
export async function listJobs(wh: Warehouse, status: JobStatus | null, afterId: string | null, limit: number): Promise<{ rows: JobRow[]; total: number }> {
  const where = status ? 'WHERE status = ?' : '';
  const params = status ? [status] : [];
  const rows = await wh.all<JobRow & { total: number }>(
    `SELECT * FROM (SELECT ${COLUMNS}, count(*) OVER () AS total, row_number() OVER (ORDER BY created DESC, job_id) AS rn FROM jobs ${where})
     WHERE rn > coalesce((SELECT rn FROM (SELECT job_id, row_number() OVER (ORDER BY created DESC, job_id) AS rn FROM jobs ${where}) WHERE job_id = ?), 0)
     ORDER BY rn LIMIT ?`,
    [...params, ...params, afterId, limit + 1],
    { cache: false },
  );
  return { rows, total: rows[0]?.total ?? 0 };
}

/** Jobs left QUEUED or RUNNING by a previous process, to resume. */
export async function unfinishedJobs(wh: Warehouse): Promise<JobRow[]> {
  return wh.all<JobRow>(`SELECT ${COLUMNS} FROM jobs WHERE status IN ('QUEUED', 'RUNNING') ORDER BY priority DESC, created`, [], { cache: false });
}

/** Jobs per status, for monitoring. */
export async function jobCounts(wh: Warehouse): Promise<{ status: string; n: number }[]> {
  return wh.all('SELECT status, count(*)::INTEGER AS n FROM jobs GROUP BY status ORDER BY status', [], { cache: false });
}
