import { checkpointsOfModels } from '../../warehouse/modelsRepo.js';
import type { Warehouse } from '../../warehouse/Warehouse.js';

/**
 * The best layer's row at each step, in step order. Rows may hold several layers per step; a
 * step whose layers all lack a value keeps its first row (the cell exists, its value is null).
 */
export function bestLayerPerStep<T extends { readonly step: number; readonly value: number | null }>(rows: readonly T[]): T[] {
  const best = new Map<number, T>();
  for (const row of rows) {
    const current = best.get(row.step);
    if (!current || (row.value !== null && (current.value === null || row.value > current.value))) best.set(row.step, row);
  }
  return [...best.values()].sort((a, b) => a.step - b.step);
}

/**
 * The best layer's row at each step, stale when any layer's cell at the step is: which layer is
 * best cannot be known while one of them is out of date.
 */
export function bestFreshLayerPerStep<T extends { readonly step: number; readonly layer: number | null; readonly value: number | null; readonly staleReason: string | null }>(rows: readonly T[]): T[] {
  const stale = new Map<number, string>();
  const layers = new Map<number, Set<number | null>>();
  for (const r of rows) layers.set(r.step, (layers.get(r.step) ?? new Set()).add(r.layer));
  for (const r of rows) {
    if (r.staleReason === null || stale.has(r.step)) continue;
    stale.set(r.step, (layers.get(r.step)?.size ?? 0) > 1 ? `layer ${r.layer}: ${r.staleReason}` : r.staleReason);
  }
  return bestLayerPerStep(rows).map((r) => (stale.has(r.step) ? { ...r, staleReason: stale.get(r.step) ?? null } : r));
}

/** The mean over layers at each step (a metric asked for without a layer); steps whose layers all lack a value keep null. */
export function meanPerStep(rows: readonly { step: number; value: number | null }[]): { step: number; value: number | null; layer: null }[] {
  const acc = new Map<number, { sum: number; n: number }>();
  for (const { step, value } of rows) {
    const a = acc.get(step) ?? { sum: 0, n: 0 };
    acc.set(step, value === null ? a : { sum: a.sum + value, n: a.n + 1 });
  }
  return [...acc].sort(([a], [b]) => a - b).map(([step, a]) => ({ step, value: a.n ? a.sum / a.n : null, layer: null }));
}

/** Adds each checkpoint's tokens and fraction of training to points keyed by step. */
export async function onCheckpointAxis<T extends { readonly step: number }>(
  wh: Warehouse,
  modelId: string,
  points: readonly T[],
): Promise<(T & { tokens: number | null; fraction: number | null })[]> {
  const byStep = new Map((await checkpointsOfModels(wh, [modelId], { limit: 1_000_000 })).map((c) => [c.step, c]));
  return points.map((p) => ({ ...p, tokens: byStep.get(p.step)?.tokens ?? null, fraction: byStep.get(p.step)?.fraction ?? null }));
}
