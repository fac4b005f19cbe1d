/**
 * Internal-state metrics for every layer of one checkpoint (pure numerics on typed arrays, so a
 * job can run it on a worker thread); linear CKA compares each layer with the same layer of the
 * previous checkpoint (`linearCKA`) and of the final checkpoint (`linearCKAToFinal`) when their
 * features are given.
 */
import { internalMetrics, type InternalMetricName, type LayerMatrix, type TwoNNDetails } from './internalMetrics.js';
import type { TwoNNOptions } from './twoNN.js';
import { stopIfAsked, type ShouldStop } from '../stopSignal.js';

export const INTERNAL_METRICS: readonly InternalMetricName[] = ['twoNN', 'effectiveRank', 'participationRatio', 'anisotropy', 'meanNorm', 'linearCKA', 'linearCKAToFinal'];

export interface LayerStates {
  readonly layer: number;
  readonly nWords: number;
  readonly dim: number;
  readonly matrix: Float32Array;
}

export interface InternalInputs {
  readonly layers: readonly LayerStates[];
  /** The previous checkpoint's states per layer, when it has them. */
  readonly previous: readonly LayerStates[];
  /** The final checkpoint's states per layer, when it has them (the fixed reference of `linearCKAToFinal`). */
  readonly final: readonly LayerStates[];
  /** How TwoNN is estimated (the service's parameters, part of the params hash). */
  readonly twoNN: TwoNNOptions;
}

export interface InternalCellResult {
  readonly layer: number;
  readonly metric: InternalMetricName;
  readonly value: number | null;
  /** How the value was obtained (TwoNN), or null. */
  readonly details: TwoNNDetails | null;
}

export async function fitInternalCells(
  inputs: InternalInputs,
  onProgress?: (done: number, total: number) => void,
  shouldStop?: ShouldStop,
): Promise<{ cells: InternalCellResult[]; device: string }> {
  const cells: InternalCellResult[] = [];
  let eigh = 'n/a';
  for (const [i, l] of inputs.layers.entries()) {
    stopIfAsked(shouldStop);
    const m = await internalMetrics(l.matrix, [l.nWords, l.dim], {
      previous: sameLayer(inputs.previous, l.layer),
      final: sameLayer(inputs.final, l.layer),
      twoNN: inputs.twoNN,
    });
    eigh = m.eighBackend ?? eigh;
    for (const metric of INTERNAL_METRICS) cells.push({ layer: l.layer, metric, value: m[metric].value, details: m[metric].details ?? null });
    onProgress?.(i + 1, inputs.layers.length);
  }
  return { cells, device: `eigh:${eigh}` };
}

function sameLayer(states: readonly LayerStates[], layer: number): LayerMatrix | undefined {
  const s = states.find((q) => q.layer === layer);
  return s && { x: s.matrix, dims: [s.nWords, s.dim] };
}
