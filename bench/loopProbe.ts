/**
 * Loaded into a benchmarked server process (`node --import dist/bench/loopProbe.js …`, see
 * serverChild.ts): measures how long the server's main thread goes without returning to the
 * event loop, the thing /healthz waits for. Two views, reset and read over the IPC channel:
 *
 * - `monitorEventLoopDelay` (perf_hooks), the standard wall-clock figure: max and p99 of the
 *   delay between timer turns. On a loaded machine it includes time the thread was runnable but
 *   not running (other processes held the cores).
 * - A 2 ms timer that pairs each turn's wall-clock gap with the main thread's own CPU time and
 *   run-queue wait in that gap (/proc/thread-self/schedstat: ns on a CPU, ns waiting for one).
 *   The CPU time of the longest gaps is the stall the server itself causes — load-independent up
 *   to cache effects — while the wait is what other processes added.
 *
 * Bench-only: the server's code is unchanged by it.
 */
import { readFileSync } from 'node:fs';
import { constants, monitorEventLoopDelay, PerformanceObserver, type PerformanceEntry } from 'node:perf_hooks';

export interface LoopReport {
  /** monitorEventLoopDelay, ms, the timer's resolution subtracted (0 = no delay). */
  readonly eldMaxMs: number;
  readonly eldP99Ms: number;
  readonly eldP50Ms: number;
  /** Loop turns sampled by the 2 ms timer. */
  readonly turns: number;
  /** The longest gaps between timer turns (beyond the 2 ms period), with the main thread's CPU and run-queue wait in each, ms. */
  readonly worst: readonly { wallMs: number; cpuMs: number; waitMs: number }[];
  /** The main thread's CPU time since the reset, ms. */
  readonly cpuTotalMs: number;
  /** Max and p99 over all gaps of the main thread's CPU time in the gap, ms. */
  readonly cpuMaxMs: number;
  readonly cpuP99Ms: number;
  /** Gaps whose CPU time exceeded 30 / 50 ms. */
  readonly cpuOver30: number;
  readonly cpuOver50: number;
  /** Garbage-collection pauses of the main thread (wall clock), ms: the longest, its kind, and how many exceeded 20 ms. */
  readonly gcMaxMs: number;
  readonly gcMaxKind: string;
  readonly gcOver20: number;
  /** Whether schedstat was readable (else the CPU columns are 0). */
  readonly schedstat: boolean;
}

const RESOLUTION_MS = 10;
const PERIOD_MS = 2;
const WORST = 8;

const eld = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
eld.enable();

/** [ns on a CPU, ns waiting on a run queue] of this (the main) thread, or null where unavailable. */
function schedstat(): [number, number] | null {
  try {
    const [run, wait] = readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ');
    return [Number(run), Number(wait)];
  } catch {
    return null;
  }
}

let cpuGaps: number[] = [];
let worst: { wallMs: number; cpuMs: number; waitMs: number }[] = [];
let last = performance.now();
let lastStat = schedstat();
const hasStat = lastStat !== null;

let gcMax = { ms: 0, kind: '' };
let gcOver20 = 0;
const GC_KINDS: Record<number, string> = {
  [constants.NODE_PERFORMANCE_GC_MINOR]: 'scavenge',
  [constants.NODE_PERFORMANCE_GC_MAJOR]: 'mark-compact',
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental marking',
  [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weak callbacks',
};
new PerformanceObserver((list) => {
  for (const entry of list.getEntries() as (PerformanceEntry & { detail?: { kind?: number } })[]) {
    if (entry.duration > 20) gcOver20++;
    if (entry.duration > gcMax.ms) gcMax = { ms: entry.duration, kind: GC_KINDS[entry.detail?.kind ?? -1] ?? 'other' };
  }
}).observe({ entryTypes: ['gc'] });

const timer = setInterval(() => {
  const now = performance.now();
  const stat = schedstat();
  const wallMs = now - last - PERIOD_MS;
  const cpuMs = stat && lastStat ? (stat[0] - lastStat[0]) / 1e6 : 0;
  const waitMs = stat && lastStat ? (stat[1] - lastStat[1]) / 1e6 : 0;
  last = now;
  lastStat = stat;
  cpuGaps.push(cpuMs);
  if (worst.length < WORST || wallMs > worst[worst.length - 1].wallMs) {
    worst.push({ wallMs, cpuMs, waitMs });
    worst.sort((a, b) => b.wallMs - a.wallMs);
    worst.length = Math.min(worst.length, WORST);
  }
}, PERIOD_MS);
timer.unref();

function quantile(values: number[], q: number): number {
  if (values.length === 0) return 0;
  const sorted = Float64Array.from(values).sort();
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

function report(): LoopReport {
  const delay = (ns: number) => Math.max(0, ns / 1e6 - RESOLUTION_MS);
  return {
    eldMaxMs: delay(eld.max),
    eldP99Ms: delay(eld.percentile(99)),
    eldP50Ms: delay(eld.percentile(50)),
    turns: cpuGaps.length,
    worst,
    cpuTotalMs: cpuGaps.reduce((t, v) => t + v, 0),
    cpuMaxMs: cpuGaps.reduce((m, v) => Math.max(m, v), 0),
    cpuP99Ms: quantile(cpuGaps, 0.99),
    cpuOver30: cpuGaps.filter((v) => v > 30).length,
    cpuOver50: cpuGaps.filter((v) => v > 50).length,
    gcMaxMs: gcMax.ms,
    gcMaxKind: gcMax.kind,
    gcOver20,
    schedstat: hasStat,
  };
}

if (process.send) {
  process.on('message', (message: unknown) => {
    if (message === 'loop:reset') {
      eld.reset();
      cpuGaps = [];
      worst = [];
      gcMax = { ms: 0, kind: '' };
      gcOver20 = 0;
      last = performance.now();
      lastStat = schedstat();
      process.send!({ kind: 'loop:reset' });
    } else if (message === 'loop:report') {
      process.send!({ kind: 'loop:report', report: report() });
    }
  });
  // The channel must not keep a server alive that was asked to stop.
  process.channel?.unref();
}
