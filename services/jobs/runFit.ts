import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { CortexError } from '../../errors/CortexError.js';
import { workerScript } from '../workerScript.js';
import type { FitMessage, FitRequest, FitTask } from './fitWorker.js';

export interface FitHandle<T> {
  readonly result: Promise<T>;
  /**
   * Asks the computation to stop; it unwinds at its next step (a voxel batch, a layer) and the
   * result rejects as cancelled. The thread is never terminated mid-fit: terminating a worker
   * inside a native call (LAPACK through koffi, onnxruntime) aborts the whole process.
   */
  cancel(): void;
}

/**
 * Warm worker threads kept between fits. A fresh thread pays for loading the compute modules and
 * setting up GEMM sessions and LAPACK on every job, which a direct call does once per process
 * (bench/lazy: a lazily served ~1 s job took 1.35× the direct call with a fresh thread per job).
 * Idle threads are unref'd, so they never keep a process alive.
 */
const idle: Worker[] = [];
const MAX_IDLE = Math.max(1, availableParallelism());

function spawnWorker(): Worker {
  const worker = new Worker(workerScript(import.meta.url, 'fitWorker.js'));
  // A thread that dies while idle (out of memory, say) must not be handed a fit.
  worker.once('exit', () => {
    const i = idle.indexOf(worker);
    if (i >= 0) idle.splice(i, 1);
  });
  return worker;
}

/** Runs one fit on a worker thread (a warm one when idle); inputs' buffers are copied to it, results moved back. */
export function runFitOnWorker<T>(req: FitRequest, onProgress: (done: number, total: number) => void): FitHandle<T> {
  const worker = idle.pop() ?? spawnWorker();
  worker.ref();
  const stop = new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT);
  let cancelled = false;
  let settled = false;
  const result = new Promise<T>((resolve, reject) => {
    const onMessage = (m: FitMessage) => {
      if (m.type === 'progress') return onProgress(m.done, m.total);
      settled = true;
      detach();
      // The thread finished its fit cleanly: keep it for the next one.
      if (idle.length < MAX_IDLE) {
        worker.unref();
        idle.push(worker);
      } else void worker.terminate();
      if (m.type === 'result') resolve(m.result as T);
      else if (m.type === 'stopped') reject(new CortexError('CANCELLED', 'cancelled'));
      else reject(new CortexError(m.code === 'BAD_USER_INPUT' || m.code === 'DEGENERATE_INPUT' ? m.code : 'INTERNAL', m.message));
    };
    const onError = (error: Error) => {
      settled = true;
      detach();
      void worker.terminate();
      reject(error);
    };
    const onExit = (code: number) => {
      detach();
      if (settled) return;
      settled = true;
      if (cancelled) reject(new CortexError('CANCELLED', 'cancelled'));
      else reject(new CortexError('UNAVAILABLE', `compute worker exited with code ${code}`));
    };
    const detach = () => {
      worker.off('message', onMessage);
      worker.off('error', onError);
      worker.off('exit', onExit);
    };
    worker.on('message', onMessage);
    worker.on('error', onError);
    worker.on('exit', onExit);
    worker.postMessage({ req, stop } satisfies FitTask);
  });
  return {
    result,
    cancel() {
      if (settled) return;
      cancelled = true;
      Atomics.store(new Int32Array(stop), 0, 1);
    },
  };
}
