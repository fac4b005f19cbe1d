import { readlinkSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';

/**
 * Lowers the OS priority of the CALLING thread by `increment` nice steps (Linux: the nice value
 * is per thread, and /proc/thread-self names the thread's id). Worker threads doing request
 * numerics call it so that on a saturated machine the event loop — /healthz, cheap queries —
 * gets the CPU first. piscina's own `niceIncrement` needs the optional @napi-rs/nice addon, which
 * is not installed, so it did nothing. Elsewhere (no /proc) this is a no-op; returns whether it
 * took effect.
 */
export function lowerThreadPriority(increment: number): boolean {
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    if (!Number.isInteger(tid) || tid <= 0) return false;
    setPriority(tid, Math.min(19, getPriority(tid) + increment));
    return true;
  } catch {
    return false;
  }
}
