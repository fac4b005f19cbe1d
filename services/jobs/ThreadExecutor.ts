import { availableParallelism } from 'node:os';
import { CortexError, isCortexError } from '../../errors/CortexError.js';
import type { FitResult } from './jobIO.js';
import type { ExecutorState, JobExecutor, JobHost, JobSetback, StartedJob } from './JobExecutor.js';
import type { JobSpec } from './jobSpec.js';
import { runFitOnWorker, type FitHandle } from './runFit.js';

export interface ThreadExecutorOptions {
  /** Concurrent jobs (default: one per two cores, at least 1; one per GPU where a GPU provider runs). */
  readonly workers?: number;
  /** Tries for transient failures (a crashed worker) before FAILED (default 3). */
  readonly maxAttempts?: number;
  /** First retry delay; doubles per attempt (default 500 ms). */
  readonly backoffMs?: number;
}

interface Queued {
  readonly id: string;
  readonly spec: JobSpec;
  priority: number;
  readonly seq: number;
}

/** A running job: its fit, once started, and whether it was asked to stop. */
interface Running {
  stopped: boolean;
  handle: FitHandle<FitResult> | null;
  done: Promise<void>;
}

/**
 * Runs jobs in this process: a priority queue feeding a bounded pool of worker threads, so the
 * numerics never block the API's event loop. Transient failures (a crashed worker thread) are
 * retried with exponential backoff.
 */
export class ThreadExecutor implements JobExecutor {
  readonly remote = false;
  private host: JobHost | null = null;
  private readonly queue: Queued[] = [];
  private readonly running = new Map<string, Running>();
  private readonly retries = new Map<string, NodeJS.Timeout>();
  private readonly slots: number;
  private seq = 0;
  private closed = false;

  constructor(private readonly options: ThreadExecutorOptions = {}) {
    this.slots = options.workers ?? Math.max(1, Math.floor(availableParallelism() / 2));
  }

  start(host: JobHost): void {
    this.host = host;
  }

  async state(id: string): Promise<ExecutorState> {
    if (this.running.has(id)) return 'running';
    return this.queue.some((q) => q.id === id) || this.retries.has(id) ? 'queued' : null;
  }

  async enqueue(id: string, spec: JobSpec, priority: number): Promise<void> {
    if (this.closed || this.running.has(id)) return;
    const queued = this.queue.find((q) => q.id === id);
    if (queued) queued.priority = Math.max(queued.priority, priority);
    else {
      // Asked for again while waiting out a retry's backoff: run it now.
      clearTimeout(this.retries.get(id));
      this.retries.delete(id);
      this.queue.push({ id, spec, priority, seq: this.seq++ });
    }
    this.queue.sort((a, b) => b.priority - a.priority || a.seq - b.seq);
    queueMicrotask(() => this.pump());
  }

  async cancel(id: string): Promise<'removed' | 'stopping'> {
    const i = this.queue.findIndex((q) => q.id === id);
    if (i >= 0) this.queue.splice(i, 1);
    clearTimeout(this.retries.get(id));
    this.retries.delete(id);
    const run = this.running.get(id);
    if (!run) return 'removed';
    this.stop(run);
    return 'stopping';
  }

  /** Running jobs are interrupted (they wrote nothing yet) and go back to QUEUED, to resume at the next start. */
  async close(): Promise<void> {
    this.closed = true;
    this.queue.length = 0;
    for (const timer of this.retries.values()) clearTimeout(timer);
    this.retries.clear();
    const runs = [...this.running.values()];
    for (const run of runs) this.stop(run);
    await Promise.all(runs.map((r) => r.done));
  }

  private stop(run: Running): void {
    run.stopped = true;
    run.handle?.cancel();
  }

  private pump(): void {
    while (!this.closed && this.running.size < this.slots && this.queue.length > 0) {
      const next = this.queue.shift()!;
      const run: Running = { stopped: false, handle: null, done: Promise.resolve() };
      this.running.set(next.id, run);
      run.done = this.run(next, run);
    }
  }

  private async run(next: Queued, run: Running): Promise<void> {
    const host = this.host!;
    const { id } = next;
    let job: StartedJob | null = null;
    try {
      job = await host.begin(id);
      if (!job) return;
      const { request, references } = await host.inputs(job);
      // Stopped while its inputs loaded: the fit never starts.
      if (run.stopped) throw new CortexError('CANCELLED', 'cancelled');
      let lastWrite = 0;
      const handle = runFitOnWorker<FitResult>(request, (done, total) => {
        const now = Date.now();
        if (now - lastWrite < 1000 && done < total) return;
        lastWrite = now;
        host.progress(id, done, total).catch(() => {});
      });
      run.handle = handle;
      await host.complete(id, await handle.result, references);
    } catch (error) {
      const setback = this.setback(error, job);
      await host.settle(id, setback);
      if (setback.kind === 'retrying') this.retryLater(next, job!.attempt);
    } finally {
      this.running.delete(id);
      this.pump();
    }
  }

  private setback(error: unknown, job: StartedJob | null): JobSetback {
    // Cancelled by a user, or interrupted by close(): the latter resumes on the next start.
    if (isCortexError(error, 'CANCELLED')) return this.closed ? { kind: 'interrupted' } : { kind: 'cancelled' };
    const message = error instanceof Error ? error.message : String(error);
    if (isCortexError(error, 'UNAVAILABLE') && job && job.attempt < (this.options.maxAttempts ?? 3) && !this.closed) return { kind: 'retrying', error: message };
    return { kind: 'failed', error: message };
  }

  private retryLater(next: Queued, attempt: number): void {
    const delay = (this.options.backoffMs ?? 500) * 2 ** (attempt - 1);
    const timer = setTimeout(() => {
      this.retries.delete(next.id);
      void this.enqueue(next.id, next.spec, next.priority);
    }, delay);
    timer.unref();
    this.retries.set(next.id, timer);
  }
}
