/**
 * Cooperative cancellation for long computations. A worker thread cannot be terminated safely
 * while it is inside a native call (koffi's LAPACK binding, onnxruntime): Node aborts the whole
 * process with a fatal napi error. So long loops ask `shouldStop` between steps and unwind with a
 * StoppedError, leaving the thread healthy for the next computation.
 */
export type ShouldStop = () => boolean;

export class StoppedError extends Error {
  constructor() {
    super('computation stopped on request');
    this.name = 'StoppedError';
  }
}

/** Throws StoppedError when the caller asked to stop; call it between steps of a long loop. */
export function stopIfAsked(shouldStop: ShouldStop | undefined): void {
  if (shouldStop?.()) throw new StoppedError();
}
