import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { CortexError } from '../../errors/CortexError.js';
import { PACKAGE_ROOT } from '../../server/paths.js';
import type { FitMessage, FitRequest } from './fitWorker.js';

/**
 * The compiled worker script. Under the test runner the sources are TypeScript, which a worker
 * thread cannot load, so it runs the build's copy (npm test builds first).
 */
function workerScript(): string {
  const here = fileURLToPath(import.meta.url);
  const sibling = here.replace(/runFit\.(ts|js)$/, 'fitWorker.js');
  if (here.endsWith('.js') && existsSync(sibling)) return sibling;
  const built = join(PACKAGE_ROOT, 'dist', 'services', 'jobs', 'fitWorker.js');
  if (!existsSync(built)) throw new CortexError('INTERNAL', `worker script ${built} is missing: run npm run build`);
  return built;
}

export interface FitHandle<T> {
  readonly result: Promise<T>;
  /** Stops the computation at once (the worker thread is terminated). */
  cancel(): void;
}

/** Runs one fit on a fresh worker thread; inputs' buffers are copied to it, results moved back. */
export function runFitOnWorker<T>(req: FitRequest, onProgress: (done: number, total: number) => void): FitHandle<T> {
  const worker = new Worker(workerScript());
  let cancelled = false;
  const result = new Promise<T>((resolve, reject) => {
    worker.on('message', (m: FitMessage) => {
      if (m.type === 'progress') onProgress(m.done, m.total);
      else if (m.type === 'result') resolve(m.result as T);
      else reject(new CortexError(m.code === 'BAD_USER_INPUT' || m.code === 'DEGENERATE_INPUT' ? m.code : 'INTERNAL', m.message));
    });
    worker.on('error', reject);
    worker.on('exit', (code) => {
      if (cancelled) reject(new CortexError('INTERNAL', 'cancelled', { cancelled: true }));
      else if (code !== 0) reject(new CortexError('INTERNAL', `compute worker exited with code ${code}`, { transient: true }));
    });
    worker.postMessage(req);
  }).finally(() => void worker.terminate());
  return {
    result,
    cancel() {
      cancelled = true;
      void worker.terminate();
    },
  };
}
