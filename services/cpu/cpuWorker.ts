/**
 * Worker-thread entry of the API's compute pool (services/cpu/CpuPool.ts, piscina): the numerics
 * a request may ask for — phase detection with its bootstrap, comparisons on grids, noise ceilings
 * at fMRI import — run here,
 * off the event loop that answers every other request. Imports compute/ only (and threadPriority.ts). Errors come back
 * as data, so their code and details survive the thread boundary.
 */
import { detectPhases, type DetectPhasesInput, type PhaseDetection } from '../../compute/phases/detectPhases.js';
import { compareSeries, type Comparison, type GridSpec, type Series } from '../../compute/trajectories/compareSeries.js';
import { testRunCeiling, type RepeatedRun, type TestRunCeiling } from '../../compute/encoding/noiseCeiling.js';
import { lowerThreadPriority } from './threadPriority.js';

// Below the event loop's priority (CpuPool.ts): set once per thread, as piscina loads this module.
lowerThreadPriority(5);

export type CpuTask =
  | { readonly kind: 'detectPhases'; readonly input: DetectPhasesInput }
  | { readonly kind: 'compareSeries'; readonly series: readonly Series[]; readonly options: { grid?: GridSpec; higherIsBetter?: boolean } }
  | { readonly kind: 'testRunCeiling'; readonly runs: readonly RepeatedRun[]; readonly nVoxels: number };

export interface CpuResults {
  detectPhases: PhaseDetection;
  compareSeries: Comparison;
  testRunCeiling: TestRunCeiling;
}

export type CpuOutcome =
  | { readonly ok: true; readonly value: unknown }
  | { readonly ok: false; readonly code: string | null; readonly message: string; readonly details: Record<string, unknown> };

export default function runCpuTask(task: CpuTask): CpuOutcome {
  try {
    if (task.kind === 'detectPhases') return { ok: true, value: detectPhases(task.input) };
    if (task.kind === 'testRunCeiling') return { ok: true, value: testRunCeiling(task.runs, task.nVoxels) };
    return { ok: true, value: compareSeries(task.series, task.options) };
  } catch (error) {
    const e = error as { code?: unknown; message?: string; details?: Record<string, unknown> };
    return { ok: false, code: typeof e.code === 'string' ? e.code : null, message: e.message ?? String(error), details: { ...(e.details ?? {}) } };
  }
}
