import type { DuckDBValue } from '@duckdb/node-api';
import type { Warehouse } from './Warehouse.js';

/** One value of a signal at one checkpoint. */
export interface SignalPoint {
  readonly step: number;
  readonly value: number;
}

export interface BrainSignalQuery {
  readonly modelId: string;
  readonly dataset: string;
  /** ROI label of the summary rows; whole-brain summaries use 'all'. */
  readonly roi: string;
  /** A fixed layer, or null for the best layer at each checkpoint. */
  readonly layer: number | null;
  /** One subject, or null for the mean over subjects. */
  readonly subject: string | null;
  /** Which summary statistic: mean_r (default), median_r or top_mean_r. */
  readonly statistic: 'mean_r' | 'median_r' | 'top_mean_r';
}

/**
 * A brain-score trajectory from the per-ROI summaries: per checkpoint and layer the mean over
 * subjects of the chosen statistic, then the given layer or the best layer at each step.
 */
export async function brainSignal(wh: Warehouse, q: BrainSignalQuery): Promise<SignalPoint[]> {
  const params: DuckDBValue[] = [q.modelId, q.dataset, q.roi];
  let subject = '';
  if (q.subject !== null) { subject = 'AND subject_id = ?'; params.push(q.subject); }
  let layer = '';
  if (q.layer !== null) { layer = 'AND layer = ?'; params.push(q.layer); }
  return wh.all<SignalPoint>(
    `WITH per_layer AS (
       SELECT step, layer, avg(${q.statistic}) AS value
       FROM brain_score_summary
       WHERE model_id = ? AND dataset_id = ? AND roi = ? ${subject} ${layer}
       GROUP BY step, layer)
     SELECT step, max(value) AS value FROM per_layer WHERE value IS NOT NULL GROUP BY step ORDER BY step`,
    params,
  );
}

/** An internal-state metric trajectory at one layer (or the mean over layers when layer is null). */
export async function internalSignal(wh: Warehouse, modelId: string, metric: string, layer: number | null): Promise<SignalPoint[]> {
  const params: DuckDBValue[] = [modelId, metric];
  if (layer !== null) params.push(layer);
  return wh.all<SignalPoint>(
    `SELECT step, avg(value) AS value FROM internal_metrics
     WHERE model_id = ? AND metric = ? ${layer !== null ? 'AND layer = ?' : ''} AND value IS NOT NULL
     GROUP BY step ORDER BY step`,
    params,
  );
}
