import { CortexError } from '../errors/CortexError.js';
import { abortedError } from '../services/cpu/CpuPool.js';

/**
 * Admission control for expensive requests: at most `slots` of them execute at once, the rest
 * wait their turn (first come, first served) and a full queue is refused with SERVER_BUSY. Cheap
 * requests never wait here. Even sliced (yieldingLists.ts) and off-loaded (the compute pool),
 * expensive requests build large responses and garbage on the event loop; ten of them at once
 * on a small machine is what made /healthz wait, so they take turns instead.
 */
export class HeavyGate {
  private running = 0;
  private readonly queue: { resolve: () => void; reject: (e: unknown) => void }[] = [];

  constructor(
    readonly slots: number,
    private readonly maxQueue = 256,
  ) {}

  /** Waits for a slot; the returned function gives it back (call it exactly once). */
  async acquire(signal: AbortSignal): Promise<() => void> {
    if (signal.aborted) throw abortedError(signal);
    if (this.running < this.slots) {
      this.running++;
      return this.releaser();
    }
    if (this.queue.length >= this.maxQueue) throw new CortexError('SERVER_BUSY', 'too many expensive requests are waiting; retry shortly');
    await new Promise<void>((resolve, reject) => {
      const entry = {
        resolve: () => {
          signal.removeEventListener('abort', onAbort);
          resolve();
        },
        reject,
      };
      const onAbort = () => {
        const i = this.queue.indexOf(entry);
        if (i >= 0) this.queue.splice(i, 1);
        reject(abortedError(signal));
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.queue.push(entry);
    });
    return this.releaser(); // the slot was handed over by the releaser of the one before
  }

  get waiting(): number {
    return this.queue.length;
  }

  /** Expensive requests executing now. */
  get executing(): number {
    return this.running;
  }

  private releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.queue.shift();
      if (next) next.resolve();
      else this.running--;
    };
  }
}
