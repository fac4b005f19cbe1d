import type { FitResult, JobInputs } from './jobIO.js';
import type { JobSpec } from './jobSpec.js';
import type { RunProvenance } from '../../warehouse/runInputsRepo.js';

/** One attempt at a job, as it starts: what to compute and which attempt this is (1, 2, …). */
export interface StartedJob {
  readonly id: string;
  readonly spec: JobSpec;
  readonly attempt: number;
}

/**
 * How an attempt ended when it did not succeed. Plain data with a `kind` discriminant:
 * `failed` is final (FAILED), `retrying` goes back to QUEUED to be tried again after a backoff,
 * `cancelled` was asked for by a user, `interrupted` was stopped by a shutdown and resumes at the
 * next start.
 */
export type JobSetback =
  | { readonly kind: 'failed'; readonly error: string }
  | { readonly kind: 'retrying'; readonly error: string }
  | { readonly kind: 'cancelled' }
  | { readonly kind: 'interrupted' };

/**
 * The ledger executors report to: the Scheduler, whose `jobs` table is the source of truth for a
 * job's status. Every method ignores a job that is finished already, so a late or duplicate
 * report (a re-delivered job, a worker that lost its lock) changes nothing.
 */
export interface JobHost {
  /** Marks the job RUNNING with one more attempt; null when it is finished, cancelled or unknown. */
  begin(id: string): Promise<StartedJob | null>;
  /** Reads the job's inputs from the warehouse. */
  inputs(job: StartedJob): Promise<JobInputs>;
  /** Records progress; false when the job is no longer wanted (cancelled or finished). */
  progress(id: string, done: number, total: number, device?: string): Promise<boolean>;
  /** Writes every cell of the job in one transaction and marks it SUCCEEDED; false when refused. */
  complete(id: string, result: FitResult, references?: RunProvenance | null): Promise<boolean>;
  settle(id: string, setback: JobSetback): Promise<void>;
}

/** Where a queued job is, as its executor sees it. */
export type ExecutorState = 'queued' | 'running' | null;

/**
 * Where jobs run: worker threads of this process (`ThreadExecutor`), or `cortexql worker`
 * processes fed by a BullMQ queue on Redis (`RedisExecutor`). The Scheduler decides what to queue
 * and records every state in the warehouse; an executor only queues, runs and retries.
 */
export interface JobExecutor {
  /** True when jobs run in other processes, which claim them through the server's internal routes. */
  readonly remote: boolean;
  /** Called once by the Scheduler that owns this executor. */
  start(host: JobHost): void;
  state(id: string): Promise<ExecutorState>;
  /** Queues the job (ids are unique: a queued or running job is not queued twice); raises a queued job's priority. */
  enqueue(id: string, spec: JobSpec, priority: number): Promise<void>;
  /**
   * Stops a job: `removed` when it will write nothing and the caller marks it CANCELLED,
   * `stopping` when a running attempt was interrupted and settles itself.
   */
  cancel(id: string): Promise<'removed' | 'stopping'>;
  /** Stops taking work; jobs left unfinished resume when the server starts again. */
  close(): Promise<void>;
}
