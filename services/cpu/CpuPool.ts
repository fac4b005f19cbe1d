import { availableParallelism } from 'node:os';
import { Piscina } from 'piscina';
import { CortexError } from '../../errors/CortexError.js';
import type { ErrorCode } from '../../errors/errorCodes.js';
import { workerScript } from '../workerScript.js';
import type { CpuOutcome, CpuResults, CpuTask } from './cpuWorker.js';

export interface CpuPoolOptions {
  /** Worker threads (default: cores − 1, 1 to 4). */
  readonly threads?: number;
  /** Tasks waiting for a thread before new ones are refused with SERVER_BUSY (default 256). */
  readonly maxQueue?: number;
}

/**
 * Why a request's work stopped: its deadline passed (DEADLINE_EXCEEDED) or its client went away
 * (REQUEST_CANCELLED). `signal.reason` is the error when the server aborted it with one.
 */
export function abortedError(signal: AbortSignal): CortexError {
  const reason = signal.reason as unknown;
  if (reason instanceof CortexError) return reason;
  if (reason instanceof Error && reason.name === 'TimeoutError') return new CortexError('DEADLINE_EXCEEDED', 'the request ran past its deadline and was stopped');
  return new CortexError('REQUEST_CANCELLED', 'the request was cancelled');
}

/**
 * A pool of worker threads (piscina) for CPU-heavy work requested through the API, so no request
 * holds the event loop. A task whose request is aborted (client gone, deadline passed) is
 * dropped from the queue, or its thread is terminated if it is running. The threads run at a
 * lower OS priority (nice +5 on Linux, set by each thread: cpuWorker.ts, threadPriority.ts), so
 * on a saturated machine the event loop — and with it /healthz and cheap queries — still gets
 * the CPU first.
 */
export class CpuPool {
  private readonly pool: Piscina<CpuTask, CpuOutcome>;

  constructor(options: CpuPoolOptions = {}) {
    const threads = options.threads ?? Math.min(4, Math.max(1, availableParallelism() - 1));
    this.pool = new Piscina({
      filename: workerScript(import.meta.url, 'cpuWorker.js'),
      minThreads: 0,
      maxThreads: threads,
      idleTimeout: 60_000,
      maxQueue: options.maxQueue ?? 256,
    });
  }

  async run<K extends CpuTask['kind']>(task: Extract<CpuTask, { kind: K }>, signal?: AbortSignal): Promise<CpuResults[K]> {
    if (signal?.aborted) throw abortedError(signal);
    let outcome: CpuOutcome;
    try {
      outcome = await this.pool.run(task, { signal: signal ?? null });
    } catch (error) {
      if (signal?.aborted) throw abortedError(signal);
      if (error instanceof Error && /queue is at limit/i.test(error.message)) {
        throw new CortexError('SERVER_BUSY', 'the compute pool is full; retry shortly');
      }
      throw error;
    }
    if (!outcome.ok) throw new CortexError((outcome.code ?? 'INTERNAL') as ErrorCode, outcome.message, outcome.details);
    return outcome.value as CpuResults[K];
  }

  /** Tasks running or queued. */
  get load(): number {
    return this.pool.queueSize + this.pool.threads.length - this.pool.idleThreads;
  }

  close(): Promise<void> {
    return this.pool.destroy();
  }
}

let shared: CpuPool | null = null;

/** The process's pool, created on first use (closeCpuPool at shutdown). */
export function cpuPool(): CpuPool {
  shared ??= new CpuPool();
  return shared;
}

export async function closeCpuPool(): Promise<void> {
  const pool = shared;
  shared = null;
  await pool?.close();
}
