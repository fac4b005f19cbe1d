import { EventEmitter } from 'node:events';
import { notFound } from '../../errors/CortexError.js';
import { insertJobIfAbsent, jobsByIds, unfinishedJobs, updateJob, type JobPatch, type JobRow } from '../../warehouse/jobsRepo.js';
import type { Warehouse } from '../../warehouse/Warehouse.js';
import { unscoped } from '../../warehouse/statementScope.js';
import { comparedSteps, jobCellsStored, loadJobInputs, writeJobResults, type FitResult, type JobInputs } from './jobIO.js';
import type { JobExecutor, JobHost, JobSetback, StartedJob } from './JobExecutor.js';
import { cellKey, jobIdFor, type JobSpec } from './jobSpec.js';
import { ThreadExecutor, type ThreadExecutorOptions } from './ThreadExecutor.js';
import type { RunProvenance } from '../../warehouse/runInputsRepo.js';

export interface SchedulerOptions extends ThreadExecutorOptions {
  /**
   * Where jobs run. Default: worker threads of this process (`workers`, `maxAttempts` and
   * `backoffMs` configure them); a `RedisExecutor` hands them to `cortexql worker` processes.
   */
  readonly executor?: JobExecutor;
}

const TERMINAL = new Set(['SUCCEEDED', 'FAILED', 'CANCELLED']);

export interface SubmitOptions {
  /** Higher runs first (interactive requests use 10). */
  readonly priority?: number;
  /** Queue a FAILED job again. */
  readonly retryFailed?: boolean;
  /** Queue a SUCCEEDED job again although its cells are stored: they are replaced (writers, through computeCells). */
  readonly recompute?: boolean;
}

/**
 * The job queue for lazily computed cells. Jobs live in the warehouse's `jobs` table (so a
 * restarted server resumes them), which is the source of truth for their status; ids derive from
 * the cell key, so asking for the same cells again — from 100 concurrent queries or after a
 * restart — never starts a second computation. An executor runs them (worker threads here, or
 * worker processes over Redis); whoever computes, this process alone writes the results, each
 * job's in one transaction (DuckDB has one writer).
 */
export class Scheduler implements JobHost {
  private readonly executor: JobExecutor;
  private readonly submitting = new Map<string, Promise<JobRow>>();
  /** Jobs whose results are being written: no other report about them is taken meanwhile. */
  private readonly completing = new Set<string>();
  private readonly events = new EventEmitter();
  /** Computations started (for tests and the dedup benchmark). */
  started = 0;

  constructor(
    private readonly wh: Warehouse,
    options: SchedulerOptions = {},
  ) {
    this.executor = options.executor ?? new ThreadExecutor(options);
    this.executor.start(this);
    this.events.setMaxListeners(0);
  }

  /** True when other processes compute the jobs (and claim them through the server's internal routes). */
  get remote(): boolean {
    return this.executor.remote;
  }

  /**
   * Queues the job computing `spec`'s cells unless it is queued or running already. A FAILED job
   * stays failed unless `retryFailed`. A SUCCEEDED job whose cells are stored is never queued
   * again — its cells are computed once — unless `recompute` (an explicit `computeCells`); one
   * whose cells are gone (e.g. its dataset was re-imported) is queued again.
   */
  submit(spec: JobSpec, options: SubmitOptions = {}): Promise<JobRow> {
    const id = jobIdFor(spec);
    const pending = this.submitting.get(id);
    if (pending) return pending;
    const p = this.submitOnce(id, spec, options).finally(() => this.submitting.delete(id));
    this.submitting.set(id, p);
    return p;
  }

  private async submitOnce(id: string, spec: JobSpec, options: SubmitOptions): Promise<JobRow> {
    const priority = options.priority ?? 0;
    await this.wh.write((tx) => insertJobIfAbsent(tx, { jobId: id, cellKey: cellKey(spec), kind: spec.kind, priority, specJson: JSON.stringify(spec) }), { dataChange: false });
    const job = await this.job(id);
    if (job.status === 'FAILED' && !options.retryFailed) return job;
    if (job.status === 'SUCCEEDED' && !options.recompute && (await jobCellsStored(this.wh, spec))) return job;
    const where = await this.executor.state(id);
    if (where === null) {
      // The table is updated first: once queued, the job may start at once.
      if (job.status !== 'QUEUED') await this.patch(id, { status: 'QUEUED', error: null, progress: 0, cellsDone: 0, ...(job.status === 'FAILED' ? { attempts: 0 } : {}) });
      // The job outlives the request that asked for it: its reads are not that request's (warehouse/statementScope.ts).
      await unscoped(() => this.executor.enqueue(id, spec, priority));
    } else if (where === 'queued' && priority > job.priority) {
      await this.patch(id, { priority });
      await unscoped(() => this.executor.enqueue(id, spec, priority));
    }
    return this.job(id);
  }

  /**
   * Re-queues jobs a previous process left QUEUED or RUNNING (a RUNNING one wrote nothing: writes
   * are atomic). The interrupted run is not an attempt: attempts count failures.
   */
  async resume(): Promise<number> {
    const jobs = await unfinishedJobs(this.wh);
    for (const job of jobs) {
      // With a remote executor a RUNNING job may really be running on a worker: it reports on.
      if ((await this.executor.state(job.jobId)) === 'running') continue;
      if (job.status === 'RUNNING') await this.patch(job.jobId, { status: 'QUEUED', progress: 0, cellsDone: 0 });
      await this.executor.enqueue(job.jobId, JSON.parse(job.specJson) as JobSpec, job.priority);
    }
    return jobs.length;
  }

  async job(id: string): Promise<JobRow> {
    const [job] = await jobsByIds(this.wh, [id]);
    if (!job) throw notFound('job', id);
    return job;
  }

  /** Resolves when the job finishes, or after `timeoutMs` with its state then. */
  async wait(id: string, timeoutMs: number): Promise<JobRow> {
    const job = await this.job(id);
    if (TERMINAL.has(job.status)) return job;
    await new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.events.off(id, done);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      this.events.on(id, done);
    });
    return this.job(id);
  }

  /** Cancels a queued or running job; a finished job (or one whose results are being written) is left as it is. */
  async cancel(id: string): Promise<JobRow> {
    const job = await this.job(id);
    if (TERMINAL.has(job.status)) return job;
    if (!this.completing.has(id) && (await this.executor.cancel(id)) === 'removed') {
      await this.finish(id, { status: 'CANCELLED', error: 'cancelled' });
    }
    return this.wait(id, 10_000);
  }

  /**
   * Stops taking work. In-process jobs are interrupted and put back to QUEUED — a checkpoint:
   * they wrote nothing yet and resume when the server starts again. Remote ones stay queued in Redis.
   */
  async close(): Promise<void> {
    await this.executor.close();
  }

  // JobHost: what executors — and remote workers, through server/jobRoutes.ts — report.

  async begin(id: string): Promise<StartedJob | null> {
    const [job] = await jobsByIds(this.wh, [id]);
    if (!job || TERMINAL.has(job.status) || this.completing.has(id)) return null;
    this.started++;
    // Attempts count failures (settle): a run stopped by a crash, a shutdown or a lost worker is not one.
    await this.patch(id, { status: 'RUNNING', started: true, progress: 0, cellsDone: 0 });
    return { id, spec: JSON.parse(job.specJson) as JobSpec, attempt: job.attempts + 1 };
  }

  inputs(job: StartedJob): Promise<JobInputs> {
    return loadJobInputs(this.wh, job.spec);
  }

  async progress(id: string, done: number, total: number, device?: string): Promise<boolean> {
    if (this.completing.has(id)) return true;
    const [job] = await jobsByIds(this.wh, [id]);
    if (!job || TERMINAL.has(job.status)) return false;
    // The check above and this write are not one transaction: the job may complete in between,
    // and a late progress report must not overwrite what its completion wrote (device, progress).
    await this.patch(id, {
      // QUEUED here: a restarted server re-queued a job that a remote worker was still running.
      ...(job.status === 'QUEUED' ? { status: 'RUNNING' as const } : {}),
      ...(total > 0 ? { progress: done / total, cellsDone: done, cellsTotal: total } : {}),
      ...(device ? { device } : {}),
    }, { unlessFinished: true });
    return true;
  }

  /** Writes the job's cells and marks it SUCCEEDED in one transaction: results and status commit together. */
  async complete(id: string, result: FitResult, references?: RunProvenance | null): Promise<boolean> {
    if (this.completing.has(id)) return false;
    this.completing.add(id);
    try {
      const [job] = await jobsByIds(this.wh, [id]);
      if (!job || TERMINAL.has(job.status)) return false;
      const started = job.started ? new Date(job.started) : new Date();
      const spec = JSON.parse(job.specJson) as JobSpec;
      const compared = await comparedSteps(this.wh, spec, references);
      await this.wh.write(async (tx) => {
        const report = await writeJobResults(tx, spec, result, started, compared);
        await updateJob(tx, id, { status: 'SUCCEEDED', progress: 1, cellsDone: report.cells, cellsTotal: report.cells, device: report.device, runId: report.runId, finished: true });
      });
      this.events.emit(id);
      return true;
    } finally {
      this.completing.delete(id);
    }
  }

  async settle(id: string, setback: JobSetback): Promise<void> {
    const [job] = await jobsByIds(this.wh, [id]);
    if (!job || TERMINAL.has(job.status) || this.completing.has(id)) return;
    switch (setback.kind) {
      case 'failed':
        return this.finish(id, { status: 'FAILED', error: setback.error, attempts: job.attempts + 1 });
      case 'retrying':
        return this.patch(id, { status: 'QUEUED', error: setback.error, attempts: job.attempts + 1 });
      case 'cancelled':
        return this.finish(id, { status: 'CANCELLED', error: 'cancelled' });
      case 'interrupted':
        // Stopped by a shutdown, not failed: no attempt is counted.
        return this.finish(id, { status: 'QUEUED', progress: 0, cellsDone: 0 });
    }
  }

  private async finish(id: string, patch: JobPatch): Promise<void> {
    await this.patch(id, { ...patch, finished: patch.status !== 'QUEUED' });
    this.events.emit(id);
  }

  /** Job bookkeeping: its own transaction, which leaves read caches valid (no cell data changes). */
  private patch(id: string, patch: JobPatch, options: { unlessFinished?: boolean } = {}): Promise<void> {
    return this.wh.write((tx) => updateJob(tx, id, patch, options), { dataChange: false });
  }
}
