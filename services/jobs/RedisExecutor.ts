import { Queue, QueueEvents, type JobsOptions } from 'bullmq';
import { Redis } from 'ioredis';
import type { ExecutorState, JobExecutor, JobHost } from './JobExecutor.js';
import type { JobSpec } from './jobSpec.js';

/** The BullMQ queue the server fills and `cortexql worker` processes drain. */
export const JOB_QUEUE = 'cortexql-jobs';

export interface RedisExecutorOptions {
  /** Tries for transient failures (a worker error, the server unreachable) before FAILED (default 3). */
  readonly maxAttempts?: number;
  /** First retry delay; doubles per attempt (default 500 ms). */
  readonly backoffMs?: number;
  /** Queue name (default `cortexql-jobs`); workers must use the same. */
  readonly queueName?: string;
  /** Receives Redis connection errors (ioredis reconnects by itself). */
  readonly log?: (error: unknown) => void;
}

/** A BullMQ job's data: the spec, for people looking at the queue; workers fetch everything else from the server. */
export interface RedisJobData {
  readonly spec: JobSpec;
}

/**
 * A Redis connection for BullMQ. Blocking readers (workers, queue events) must retry commands
 * forever (`maxRetriesPerRequest: null`); the queue itself fails fast so a request never hangs
 * on a Redis that is down. Errors are reported once per distinct message, not on every retry.
 */
export function redisConnection(url: string, options: { blocking: boolean; log?: (error: unknown) => void }): Redis {
  const redis = new Redis(url, options.blocking ? { maxRetriesPerRequest: null } : {});
  let last = '';
  redis.on('error', (error: Error) => {
    if (error.message !== last) options.log?.(error);
    last = error.message;
  });
  redis.on('ready', () => (last = ''));
  return redis;
}

/** BullMQ runs priority 1 first (up to 2^21); ours run the highest number first, from 0. */
export function bullPriority(priority: number): number {
  return Math.min(2 ** 21, Math.max(1, 1000 - Math.round(priority)));
}

const QUEUED_STATES = new Set(['waiting', 'prioritized', 'delayed', 'waiting-children']);

/**
 * Jobs go to a BullMQ queue on Redis, with the cell-key-derived job id as BullMQ's job id, so the
 * same cells asked for twice are one BullMQ job too. `cortexql worker` processes pull them,
 * fetch their inputs from this server and send results back to it (server/jobRoutes.ts), which
 * writes them: DuckDB has one writer. BullMQ retries failures with backoff and re-delivers the
 * job of a worker that died (its lock expired); a final failure reaches the jobs table through
 * the worker's report or, when the worker could not report (it died too often), the queue's
 * `failed` event.
 */
export class RedisExecutor implements JobExecutor {
  readonly remote = true;

  private constructor(
    private readonly queue: Queue<RedisJobData>,
    private readonly events: QueueEvents,
    private readonly connections: readonly Redis[],
    private readonly options: RedisExecutorOptions,
  ) {}

  static async connect(url: string, options: RedisExecutorOptions = {}): Promise<RedisExecutor> {
    const log = options.log ?? ((e: unknown) => console.error('redis:', e instanceof Error ? e.message : e));
    const name = options.queueName ?? JOB_QUEUE;
    const client = redisConnection(url, { blocking: false, log });
    const reader = redisConnection(url, { blocking: true, log });
    const queue = new Queue<RedisJobData>(name, { connection: client });
    const events = new QueueEvents(name, { connection: reader });
    queue.on('error', log);
    events.on('error', log);
    try {
      await Promise.all([queue.waitUntilReady(), events.waitUntilReady()]);
    } catch (error) {
      await Promise.allSettled([events.close(), queue.close()]);
      client.disconnect();
      reader.disconnect();
      throw error;
    }
    return new RedisExecutor(queue, events, [client, reader], { ...options, log });
  }

  start(host: JobHost): void {
    this.events.on('failed', ({ jobId, failedReason }) => {
      void (async () => {
        // A job id queued again since (a retry asked for) is a new job: the old failure is not its.
        const state = await this.queue.getJobState(jobId);
        if (state === 'unknown' || state === 'failed') await host.settle(jobId, { kind: 'failed', error: failedReason });
      })().catch((e) => this.options.log?.(e));
    });
  }

  async state(id: string): Promise<ExecutorState> {
    const state = await this.queue.getJobState(id);
    return state === 'active' ? 'running' : QUEUED_STATES.has(state) ? 'queued' : null;
  }

  async enqueue(id: string, spec: JobSpec, priority: number): Promise<void> {
    const existing = await this.queue.getJob(id);
    if (existing) {
      const state = await existing.getState();
      if (state === 'completed' || state === 'failed') await existing.remove();
      else {
        if (QUEUED_STATES.has(state) && bullPriority(priority) < (existing.opts.priority ?? Infinity)) await existing.changePriority({ priority: bullPriority(priority) });
        return;
      }
    }
    const opts: JobsOptions = {
      jobId: id,
      priority: bullPriority(priority),
      attempts: this.options.maxAttempts ?? 3,
      backoff: { type: 'exponential', delay: this.options.backoffMs ?? 500 },
      // Finished jobs leave Redis, so their id is free when the cells are asked for again.
      removeOnComplete: true,
      removeOnFail: true,
    };
    await this.queue.add(spec.kind, { spec }, opts);
  }

  /**
   * A waiting job is removed. A running one cannot be taken from its worker: it is marked
   * CANCELLED all the same, and the server refuses its progress (so the worker stops) and results.
   */
  async cancel(id: string): Promise<'removed' | 'stopping'> {
    const job = await this.queue.getJob(id);
    if (job && !(await job.isActive())) await job.remove().catch(() => {});
    return 'removed';
  }

  /** Jobs stay in Redis; workers go on computing and report once a server listens again. */
  async close(): Promise<void> {
    await Promise.allSettled([this.events.close(), this.queue.close()]);
    await Promise.allSettled(this.connections.map((c) => c.quit()));
  }
}
