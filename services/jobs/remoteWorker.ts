import { hostname } from 'node:os';
import { UnrecoverableError, Worker, type Job } from 'bullmq';
import { isCortexError } from '../../errors/CortexError.js';
import { JobClient } from './JobClient.js';
import type { FitResult } from './jobIO.js';
import { JOB_QUEUE, redisConnection, type RedisJobData } from './RedisExecutor.js';
import { runFitOnWorker } from './runFit.js';

export interface RemoteWorkerOptions {
  readonly redisUrl: string;
  /** The cortexql server that owns the warehouse, e.g. http://10.0.0.5:4000/. */
  readonly serverUrl: string;
  /** A writer or admin API key. */
  readonly apiKey: string | null;
  /** Jobs computed at once, each on its own worker thread (default 1). */
  readonly concurrency?: number;
  /** Recorded with every job this worker computes (default host:pid). */
  readonly name?: string;
  /**
   * How long a job stays locked without a heartbeat (default 30 s): the job of a worker that
   * died is re-delivered to another after about this long (plus the same again at most, the
   * interval of BullMQ's stalled-job check).
   */
  readonly lockMs?: number;
  readonly queueName?: string;
  readonly log?: (line: string) => void;
}

export interface RemoteWorker {
  readonly name: string;
  /** Finishes the jobs in hand, then stops. */
  close(): Promise<void>;
}

/**
 * `cortexql worker`: pulls jobs from the BullMQ queue, fetches each job's inputs from the server,
 * computes on a worker thread (so BullMQ's lock heartbeat keeps beating during long fits), and
 * sends the results back; the server writes them in one transaction. A worker never touches the
 * warehouse, so a worker killed mid-job leaves nothing behind: its lock expires and BullMQ
 * re-delivers the job to another worker.
 */
export async function startRemoteWorker(options: RemoteWorkerOptions): Promise<RemoteWorker> {
  const name = options.name ?? `${hostname()}:${process.pid}`;
  const log = options.log ?? ((line: string) => console.log(line));
  const client = new JobClient(options.serverUrl, options.apiKey);
  await client.hello();
  const connection = redisConnection(options.redisUrl, { blocking: true, log: (e) => log(`redis: ${e instanceof Error ? e.message : String(e)}`) });
  const lockMs = options.lockMs ?? 30_000;
  const worker = new Worker<RedisJobData>(options.queueName ?? JOB_QUEUE, (job) => processJob(job, client, name, log), {
    connection,
    concurrency: options.concurrency ?? 1,
    lockDuration: lockMs,
    stalledInterval: lockMs,
    // A job whose workers keep dying (out of memory, say) fails after its third delivery.
    maxStalledCount: 2,
  });
  worker.on('error', (e) => log(`worker: ${e.message}`));
  try {
    await worker.waitUntilReady();
  } catch (error) {
    await worker.close(true).catch(() => {});
    connection.disconnect();
    throw error;
  }
  return {
    name,
    async close() {
      await worker.close();
      await connection.quit().catch(() => {});
    },
  };
}

async function processJob(job: Job<RedisJobData>, client: JobClient, name: string, log: (line: string) => void): Promise<void> {
  const id = job.id!;
  try {
    await computeJob(id, client, name, log);
  } catch (error) {
    if (error instanceof UnrecoverableError) throw error;
    const message = error instanceof Error ? error.message : String(error);
    const transient = isCortexError(error, 'UNAVAILABLE');
    const final = !transient || job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
    log(`job ${id}: failed${final ? '' : ', to be retried'}: ${message}`);
    await client.failure(id, { message, final }).catch(() => {});
    throw final ? new UnrecoverableError(message) : error;
  }
}

async function computeJob(id: string, client: JobClient, name: string, log: (line: string) => void): Promise<void> {
  const claim = await client.claim(id);
  if (claim.kind === 'gone') return log(`job ${id}: ${claim.reason}; skipped`);
  if (claim.kind === 'failed') throw new UnrecoverableError(claim.error);
  const { spec, request, attempt } = claim.message;
  const device = `@${name}`;
  log(`job ${id}: ${spec.kind} ${spec.modelId}@${spec.step} on ${spec.datasetId}, attempt ${attempt}`);
  if (!(await client.progress(id, { done: 0, total: 0, device }))) return log(`job ${id}: cancelled on the server`);

  let cancelled = false;
  let lastPost = 0;
  const handle = runFitOnWorker<FitResult>(request, (done, total) => {
    const now = Date.now();
    if (now - lastPost < 500 && done < total) return;
    lastPost = now;
    client.progress(id, { done, total, device }).then(
      (wanted) => {
        if (!wanted && !cancelled) {
          cancelled = true;
          handle.cancel();
        }
      },
      () => {}, // progress is best effort
    );
  });
  let result: FitResult;
  try {
    result = await handle.result;
  } catch (error) {
    if (cancelled) return log(`job ${id}: cancelled on the server; stopped`);
    throw error;
  }
  const written = await client.results(id, { worker: name, result: { ...result, device: `${result.device} ${device}` } });
  log(`job ${id}: ${written ? `${result.cells.length} cells written by the server` : 'results refused (the job was cancelled or finished meanwhile)'}`);
}
