/**
 * Worker-thread entry: runs a job's numerics (encoding or internal metrics) off the API's
 * event loop. Receives plain typed-array inputs, posts progress, returns results with their
 * buffers transferred (not copied). One fit at a time; the thread is kept warm for the next
 * (services/jobs/runFit.ts). Imports compute/ only (and threadPriority.ts).
 */
import { parentPort } from 'node:worker_threads';
import { fitEncodingCells, type EncodingInputs, type EncodingParams } from '../../compute/encoding/encodingCells.js';
import { fitInternalCells, type InternalInputs } from '../../compute/internal/internalCells.js';
import { StoppedError } from '../../compute/stopSignal.js';
import { lowerThreadPriority } from '../cpu/threadPriority.js';

// Fits yield the CPU to the API's event loop on a saturated machine (threadPriority.ts).
lowerThreadPriority(5);

export type FitRequest =
  | { readonly kind: 'encoding'; readonly inputs: EncodingInputs; readonly params: EncodingParams }
  | { readonly kind: 'internal'; readonly inputs: InternalInputs };

export type FitMessage =
  | { readonly type: 'progress'; readonly done: number; readonly total: number }
  | { readonly type: 'result'; readonly result: unknown }
  | { readonly type: 'stopped' }
  | { readonly type: 'error'; readonly message: string; readonly code: string | null };

/** A fit and its stop flag: the parent sets stop[0] = 1 to ask the fit to unwind (runFit.ts). */
export interface FitTask {
  readonly req: FitRequest;
  readonly stop: SharedArrayBuffer;
}

parentPort?.on('message', async ({ req, stop }: FitTask) => {
  const progress = (done: number, total: number) => parentPort!.postMessage({ type: 'progress', done, total } satisfies FitMessage);
  const flag = new Int32Array(stop);
  const shouldStop = () => Atomics.load(flag, 0) !== 0;
  try {
    if (req.kind === 'encoding') {
      const result = await fitEncodingCells(req.inputs, req.params, progress, shouldStop);
      parentPort!.postMessage({ type: 'result', result } satisfies FitMessage, result.cells.flatMap((c) => [c.r.buffer, c.alpha.buffer]) as ArrayBuffer[]);
    } else {
      parentPort!.postMessage({ type: 'result', result: await fitInternalCells(req.inputs, progress, shouldStop) } satisfies FitMessage);
    }
  } catch (error) {
    if (error instanceof StoppedError) {
      parentPort!.postMessage({ type: 'stopped' } satisfies FitMessage);
      return;
    }
    const code = error && typeof error === 'object' && 'code' in error ? String(error.code) : null;
    parentPort!.postMessage({ type: 'error', message: (error as Error).message, code } satisfies FitMessage);
  }
});
