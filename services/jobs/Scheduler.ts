import { EventEmitter } from 'node:events';
import { availableParallelism } from 'node:os';
import type { EncodingCellResult } from '../../compute/encoding/encodingCells.js';
import type { InternalCellResult } from '../../compute/internal/internalCells.js';
import { isCortexError, notFound } from '../../errors/CortexError.js';
import { insertJobIfAbsent, jobsByIds, unfinishedJobs, updateJob, type JobRow } from '../../warehouse/jobsRepo.js';
import type { Warehouse } from '../../warehouse/Warehouse.js';
import { loadEncodingInputs, writeEncodingResults } from '../encoding.js';
import { loadInternalInputs, writeInternalResults } from '../internal.js';
import { cellKey, jobIdFor, type JobSpec } from './jobSpec.js';
import { runFitOnWorker, type FitHandle } from './runFit.js';

export interface SchedulerOptions {
  /** Concurrent jobs (default: one per two cores, at least 1; one per GPU where a GPU provider runs). */
  readonly workers?: number;
  /** Tries for transient failures (a crashed worker) before FAILED (default 3). */
  readonly maxAttempts?: number;
  /** First retry delay; doubles per attempt (default 500 ms). */
  readonly backoffMs?: number;
}

const TERMINAL = new Set(['SUCCEEDED', 'FAILED', 'CANCELLED']);

/**
 * The in-process job queue for lazily computed cells. Jobs live in the warehouse's `jobs` table
 * (so a restarted server resumes them); ids derive from the cell key, so asking for the same
 * cells again — from 100 concurrent queries or after a restart — never starts a second
 * computation. The numerics run on worker threads, results are written in one transaction.
 */
export class Scheduler {
  private readonly queue: { id: string; spec: JobSpec; priority: number; seq: number }[] = [];
  private readonly running = new Map<string, FitHandle<unknown>>();
  private readonly submitting = new Map<string, Promise<JobRow>>();
  private readonly events = new EventEmitter();
  private readonly slots: number;
  private seq = 0;
  private closed = false;
  /** Computations started (for tests and the dedup benchmark). */
  started = 0;

  constructor(
    private readonly wh: Warehouse,
    private readonly options: SchedulerOptions = {},
  ) {
    this.slots = options.workers ?? Math.max(1, Math.floor(availableParallelism() / 2));
    this.events.setMaxListeners(0);
  }

  /**
   * Queues the job computing `spec`'s cells unless it is queued or running already. A FAILED job
   * stays failed unless `retryFailed`; a finished job is queued again (its cells were asked for,
   * so they are missing again, e.g. after a dataset was re-imported).
   */
  submit(spec: JobSpec, options: { priority?: number; retryFailed?: boolean } = {}): Promise<JobRow> {
    const id = jobIdFor(spec);
    const pending = this.submitting.get(id);
    if (pending) return pending;
    const p = this.submitOnce(id, spec, options).finally(() => this.submitting.delete(id));
    this.submitting.set(id, p);
    return p;
  }

  private async submitOnce(id: string, spec: JobSpec, options: { priority?: number; retryFailed?: boolean }): Promise<JobRow> {
    const priority = options.priority ?? 0;
    await insertJobIfAbsent(this.wh, { jobId: id, cellKey: cellKey(spec), kind: spec.kind, priority, specJson: JSON.stringify(spec) });
    const [job] = await jobsByIds(this.wh, [id]);
    if (job!.status === 'FAILED' && !options.retryFailed) return job!;
    const inQueue = this.queue.find((q) => q.id === id);
    if (inQueue) {
      if (priority > inQueue.priority) {
        inQueue.priority = priority;
        await updateJob(this.wh, id, { priority });
      }
    } else if (!this.running.has(id)) {
      if (job!.status !== 'QUEUED') await updateJob(this.wh, id, { status: 'QUEUED', error: null, progress: 0, cellsDone: 0, ...(job!.status === 'FAILED' ? { attempts: 0 } : {}) });
      this.enqueue(id, spec, priority);
    }
    return (await jobsByIds(this.wh, [id]))[0]!;
  }

  /** Re-queues jobs a previous process left QUEUED or RUNNING (a RUNNING one wrote nothing: writes are atomic). */
  async resume(): Promise<number> {
    const jobs = await unfinishedJobs(this.wh);
    for (const job of jobs) {
      if (job.status === 'RUNNING') await updateJob(this.wh, job.jobId, { status: 'QUEUED', progress: 0, cellsDone: 0 });
      this.enqueue(job.jobId, JSON.parse(job.specJson) as JobSpec, job.priority);
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

  /** Cancels a queued or running job; a finished job is left as it is. */
  async cancel(id: string): Promise<JobRow> {
    const job = await this.job(id);
    const i = this.queue.findIndex((q) => q.id === id);
    if (i >= 0) {
      this.queue.splice(i, 1);
      await this.finish(id, { status: 'CANCELLED', error: 'cancelled' });
    } else {
      this.running.get(id)?.cancel();
    }
    return TERMINAL.has(job.status) ? job : this.wait(id, 10_000);
  }

  /**
   * Stops taking work. Running jobs are interrupted and put back to QUEUED — a checkpoint: they
   * wrote nothing yet and resume when the server starts again.
   */
  async close(): Promise<void> {
    this.closed = true;
    this.queue.length = 0;
    const ids = [...this.running.keys()];
    for (const h of this.running.values()) h.cancel();
    await Promise.all(ids.map((id) => new Promise<void>((resolve) => this.events.once(id, () => resolve()))));
  }

  private enqueue(id: string, spec: JobSpec, priority: number): void {
    if (this.closed || this.queue.some((q) => q.id === id) || this.running.has(id)) return;
    this.queue.push({ id, spec, priority, seq: this.seq++ });
    this.queue.sort((a, b) => b.priority - a.priority || a.seq - b.seq);
    queueMicrotask(() => this.pump());
  }

  private pump(): void {
    while (!this.closed && this.running.size < this.slots && this.queue.length > 0) {
      const next = this.queue.shift()!;
      void this.run(next.id, next.spec);
    }
  }

  private async run(id: string, spec: JobSpec): Promise<void> {
    let handle: FitHandle<unknown> | null = null;
    const placeholder: FitHandle<unknown> = { result: Promise.resolve(), cancel: () => handle?.cancel() };
    this.running.set(id, placeholder);
    this.started++;
    const startedAt = new Date();
    try {
      const job = await this.job(id);
      await updateJob(this.wh, id, { status: 'RUNNING', started: true, attempts: job.attempts + 1, progress: 0 });
      let lastWrite = 0;
      const onProgress = (done: number, total: number) => {
        const now = Date.now();
        if (now - lastWrite < 1000 && done < total) return;
        lastWrite = now;
        void updateJob(this.wh, id, { progress: done / total, cellsDone: done, cellsTotal: total });
      };
      const req = { modelId: spec.modelId, step: spec.step, datasetId: spec.datasetId };
      if (spec.kind === 'encoding') {
        const inputs = await loadEncodingInputs(this.wh, req);
        handle = runFitOnWorker<{ cells: EncodingCellResult[]; device: string }>({ kind: 'encoding', inputs, params: spec.params }, onProgress);
        this.running.set(id, handle);
        const result = (await handle.result) as { cells: EncodingCellResult[]; device: string };
        const report = await writeEncodingResults(this.wh, req, spec.params, result, startedAt);
        await this.finish(id, { status: 'SUCCEEDED', progress: 1, cellsDone: report.cells, cellsTotal: report.cells, device: report.device, runId: report.runId });
      } else {
        const inputs = await loadInternalInputs(this.wh, req);
        handle = runFitOnWorker<{ cells: InternalCellResult[]; device: string }>({ kind: 'internal', inputs }, onProgress);
        this.running.set(id, handle);
        const result = (await handle.result) as { cells: InternalCellResult[]; device: string };
        const report = await writeInternalResults(this.wh, req, result, inputs.previousStep, startedAt);
        await this.finish(id, { status: 'SUCCEEDED', progress: 1, cellsDone: report.values, cellsTotal: report.values, device: report.device, runId: report.runId });
      }
    } catch (error) {
      await this.fail(id, spec, error);
    } finally {
      this.running.delete(id);
      this.pump();
    }
  }

  private async fail(id: string, spec: JobSpec, error: unknown): Promise<void> {
    const details = isCortexError(error) ? error.details : {};
    if (details.cancelled) {
      // Cancelled by a user, or interrupted by close(): the latter resumes on the next start.
      await this.finish(id, this.closed ? { status: 'QUEUED', progress: 0, cellsDone: 0 } : { status: 'CANCELLED', error: 'cancelled' });
      return;
    }
    const job = await this.job(id);
    const message = error instanceof Error ? error.message : String(error);
    if (details.transient && job.attempts < (this.options.maxAttempts ?? 3) && !this.closed) {
      await updateJob(this.wh, id, { status: 'QUEUED', error: message });
      const delay = (this.options.backoffMs ?? 500) * 2 ** (job.attempts - 1);
      setTimeout(() => this.enqueue(id, spec, job.priority), delay).unref();
      return;
    }
    await this.finish(id, { status: 'FAILED', error: message });
  }

  private async finish(id: string, patch: Parameters<typeof updateJob>[2]): Promise<void> {
    await updateJob(this.wh, id, { ...patch, finished: patch.status !== 'QUEUED' });
    this.events.emit(id);
  }
}
