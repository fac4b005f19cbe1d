/**
 * All internal-state metrics of one (model, step, layer) on the stimulus tokens, in the form the
 * warehouse stores them: one value per metric, or null with the reason it is undefined.
 *
 *   const m = await internalMetrics(hidden, [tokens, width], { previous: { x: prevHidden, dims } });
 *   m.twoNN        // { value: 11.3, reason: null }
 *   m.linearCKA    // { value: 0.94, reason: null }, or { value: null, reason: 'no previous checkpoint' }
 *   m.linearCKAToFinal // the same against `final` (the model's last checkpoint)
 *
 * Mathematically undefined cases (too few distinct points, a constant representation) become
 * null with the rule they break; bad input (wrong shapes, NaN) still throws.
 */
import { isCortexError } from '../../errors/CortexError.js';
import { defaultGemmEngine } from '../linalg/gemm.js';
import type { GemmEngine } from '../linalg/gemm.js';
import type { EighBackend } from '../linalg/eigh.js';
import { rowsAnisotropy, rowsMeanNorm } from './anisotropy.js';
import { rowsLinearCKA } from './linearCKA.js';
import { rowsSpectrum } from './spectrum.js';
import { rowsTwoNN } from './twoNN.js';
import type { TwoNNOptions, TwoNNResult } from './twoNN.js';

export type InternalMetricName = 'twoNN' | 'effectiveRank' | 'participationRatio' | 'anisotropy' | 'meanNorm' | 'linearCKA' | 'linearCKAToFinal';

export interface MetricValue {
  readonly value: number | null;
  /** Why value is null; null when it is a number. */
  readonly reason: string | null;
  /** How the estimate was obtained, where that varies (TwoNN: points used, collapses, scale check). */
  readonly details?: TwoNNDetails;
}

/** What a TwoNN estimate was computed from (the result without the value itself). */
export type TwoNNDetails = Omit<TwoNNResult, 'dimension'>;

export type InternalMetrics = Readonly<Record<InternalMetricName, MetricValue>> & {
  readonly eighBackend: EighBackend | null;
};

export interface LayerMatrix {
  readonly x: Float32Array | Float64Array;
  readonly dims: readonly [number, number];
}

export interface InternalMetricsOptions {
  /** The same layer at the previous checkpoint, for linear CKA (`linearCKA`). */
  readonly previous?: LayerMatrix;
  /**
   * The same layer at the model's final checkpoint, a fixed reference (`linearCKAToFinal`): with
   * log-spaced checkpoints the gap to "the previous" one grows along training, which confounds a
   * curve of CKA to the previous checkpoint; a fixed reference does not.
   */
  readonly final?: LayerMatrix;
  readonly twoNN?: TwoNNOptions;
  readonly engine?: GemmEngine;
}

async function guarded(compute: () => Promise<number> | number): Promise<MetricValue> {
  try {
    return { value: await compute(), reason: null };
  } catch (e) {
    if (isCortexError(e) && e.code === 'DEGENERATE_INPUT') return { value: null, reason: e.message };
    throw e;
  }
}

export async function internalMetrics(
  x: Float32Array | Float64Array,
  dims: readonly [number, number],
  options: InternalMetricsOptions = {},
): Promise<InternalMetrics> {
  const engine = options.engine ?? (await defaultGemmEngine());
  // One decomposition serves both spectral metrics; both are undefined in the same case
  // (every singular value 0), so one guard covers them.
  let eighBackend: EighBackend | null = null;
  let participationRatio = 0;
  const effectiveRank = await guarded(async () => {
    const s = await rowsSpectrum(engine, x, dims);
    eighBackend = s.eighBackend;
    participationRatio = s.participationRatio;
    return s.effectiveRank;
  });
  const participation: MetricValue = effectiveRank.value === null ? effectiveRank : { value: participationRatio, reason: null };
  const cka = (reference: LayerMatrix | undefined, missing: string) =>
    reference === undefined ? { value: null, reason: missing } : guarded(() => rowsLinearCKA(engine, x, dims, reference.x, reference.dims));
  return {
    twoNN: await twoNNValue(engine, x, dims, options.twoNN),
    effectiveRank,
    participationRatio: participation,
    anisotropy: await guarded(() => rowsAnisotropy(x, dims).meanCosine),
    meanNorm: await guarded(() => rowsMeanNorm(x, dims)),
    linearCKA: await cka(options.previous, 'no previous checkpoint to compare with'),
    linearCKAToFinal: await cka(options.final, 'the final checkpoint has no states of this layer'),
    eighBackend,
  };
}

async function twoNNValue(engine: GemmEngine, x: Float32Array | Float64Array, dims: readonly [number, number], options?: TwoNNOptions): Promise<MetricValue> {
  let details: TwoNNDetails | undefined;
  const value = await guarded(async () => {
    const { dimension, ...rest } = await rowsTwoNN(engine, x, dims, options);
    details = rest;
    return dimension;
  });
  return details ? { ...value, details } : value;
}
