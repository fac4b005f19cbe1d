import { listValue, type DuckDBValue } from '@duckdb/node-api';
import type { RoiSummary } from '../compute/encoding/roiSummaries.js';
import type { SortOrder } from './ordering.js';
import type { Warehouse, WriteTx } from './Warehouse.js';

/** The identity of one computed encoding cell: per-voxel scores of one layer for one subject. */
export interface EncodingCell {
  readonly modelId: string;
  readonly step: number;
  readonly layer: number;
  readonly datasetId: string;
  readonly subjectId: string;
  readonly paramsHash: string;
}

export interface RunRecord {
  readonly runId: string;
  readonly kind: 'encoding' | 'internal';
  readonly paramsJson: string;
  readonly paramsHash: string;
  readonly codeVersion: string;
  readonly device: string;
  readonly started: Date;
  readonly finished: Date;
}

/** What is stored per ROI: the summary compute/encoding/roiSummaries.ts produces. */
export type SummaryRow = RoiSummary;

export async function insertRun(tx: WriteTx, run: RunRecord): Promise<void> {
  await tx.run(
    `INSERT INTO runs (run_id, kind, params_json, params_hash, code_version, device, started, finished, status)
     VALUES (?, ?, ?, ?, ?, ?, make_timestamp(?::BIGINT * 1000), make_timestamp(?::BIGINT * 1000), 'SUCCEEDED')`,
    [run.runId, run.kind, run.paramsJson, run.paramsHash, run.codeVersion, run.device, run.started.getTime(), run.finished.getTime()],
  );
}

/**
 * Replaces one cell's voxel scores and ROI summaries (same params hash) inside the caller's
 * transaction: voxel rows through the DataChunk appender, in voxel order.
 */
export async function writeEncodingCell(
  tx: WriteTx,
  cell: EncodingCell,
  runId: string,
  r: Float32Array,
  alpha: Float32Array,
  summaries: readonly SummaryRow[],
): Promise<void> {
  const key = [cell.modelId, cell.step, cell.layer, cell.datasetId, cell.subjectId, cell.paramsHash];
  const where = 'model_id = ? AND step = ? AND layer = ? AND dataset_id = ? AND subject_id = ? AND params_hash = ?';
  await tx.run(`DELETE FROM brain_scores WHERE ${where}`, key);
  await tx.run(`DELETE FROM brain_score_summary WHERE ${where}`, key);
  const n = r.length;
  await tx.append('brain_scores', [
    { type: 'VARCHAR', constant: cell.modelId },
    { type: 'INTEGER', values: new Int32Array(n).fill(cell.step) },
    { type: 'SMALLINT', values: new Int16Array(n).fill(cell.layer) },
    { type: 'VARCHAR', constant: cell.datasetId },
    { type: 'VARCHAR', constant: cell.subjectId },
    { type: 'INTEGER', values: Int32Array.from({ length: n }, (_, i) => i) },
    { type: 'REAL', values: r },
    { type: 'REAL', values: alpha },
    { type: 'VARCHAR', constant: runId },
    { type: 'VARCHAR', constant: cell.paramsHash },
  ]);
  for (const s of summaries) {
    await tx.run(
      `INSERT INTO brain_score_summary (model_id, step, layer, dataset_id, subject_id, roi, mean_r, median_r, top_mean_r, n_voxels, n_significant, run_id, params_hash)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [cell.modelId, cell.step, cell.layer, cell.datasetId, cell.subjectId, s.roi, s.meanR, s.medianR, s.topMeanR, s.nVoxels, s.nSignificant, runId, cell.paramsHash],
    );
  }
}

/** Which per-ROI summary of voxel r a brain score reads (a brain_score_summary column). */
export const BrainStatistic = { MEAN_R: 'mean_r', MEDIAN_R: 'median_r', TOP_MEAN_R: 'top_mean_r' } as const;
export type BrainStatistic = (typeof BrainStatistic)[keyof typeof BrainStatistic];

export interface BrainQuery {
  readonly modelIds: readonly string[];
  readonly datasetId: string;
  readonly roi: string;
  readonly paramsHash: string;
  /** One subject, or null: the mean over the subjects that have the cell. */
  readonly subjectId: string | null;
  /** One layer, or null: every layer (callers pick the best). */
  readonly layer: number | null;
  /** Only these steps (null: all). */
  readonly steps?: readonly number[] | null;
  readonly statistic?: BrainStatistic;
}

export interface BrainRow {
  readonly modelId: string;
  readonly step: number;
  readonly layer: number;
  /** The statistic averaged over subjects. */
  readonly value: number | null;
  readonly nSubjects: number;
  readonly nVoxels: number;
  readonly nSignificant: number;
}

/**
 * Summary rows per (model, step, layer), averaged over subjects: the source of every brain-score
 * field. `fresh` reads past the read cache (after a job was seen to finish).
 */
export async function brainRows(wh: Warehouse, q: BrainQuery, options: { fresh?: boolean } = {}): Promise<BrainRow[]> {
  const params: DuckDBValue[] = [listValue([...q.modelIds]), q.datasetId, q.roi, q.paramsHash];
  const extra: string[] = [];
  if (q.subjectId != null) { extra.push('subject_id = ?'); params.push(q.subjectId); }
  if (q.layer != null) { extra.push('layer = ?'); params.push(q.layer); }
  if (q.steps) { extra.push('list_contains(?, step)'); params.push(listValue([...q.steps])); }
  const stat = q.statistic ?? 'mean_r';
  return wh.all<BrainRow>(
    `SELECT model_id AS "modelId", step, layer, avg(${stat}) AS value, count(*)::INTEGER AS "nSubjects",
            sum(n_voxels)::INTEGER AS "nVoxels", sum(n_significant)::INTEGER AS "nSignificant"
     FROM brain_score_summary
     WHERE list_contains(?, model_id) AND dataset_id = ? AND roi = ? AND params_hash = ? ${extra.map((e) => `AND ${e}`).join(' ')}
     GROUP BY model_id, step, layer ORDER BY model_id, step, layer`,
    params,
    { cache: options.fresh !== true },
  );
}

export interface VoxelScoreRow {
  readonly voxel: number;
  readonly roi: string | null;
  readonly r: number | null;
  readonly alpha: number | null;
  /** Rows matching the filter on all pages. */
  readonly total: number;
  /** Where the row stands in the page order (see VoxelPageRequest.after). */
  readonly position: number;
}

/** What a cell's voxel scores can be sorted by: voxel index, or test r (undefined r last). */
export const VoxelOrderField = { VOXEL: 'VOXEL', R: 'R' } as const;
export type VoxelOrderField = (typeof VoxelOrderField)[keyof typeof VoxelOrderField];

export interface VoxelPageRequest {
  /** Rows after this position of the order: the voxel index in VOXEL order, the rank (1-based) in R order. */
  readonly after: number;
  readonly limit: number;
  readonly roi: string | null;
  readonly minR: number | null;
  readonly order?: SortOrder<VoxelOrderField>;
}

/**
 * One page of voxel scores of a cell, optionally one ROI and a minimum r, in voxel order (keyset
 * on the voxel index) or by r (ties by voxel, keyset on the rank: a cell's scores do not change
 * unless it is computed again). Rows carry `position`, the value `after` continues from.
 */
export async function voxelScores(wh: Warehouse, cell: EncodingCell, page: VoxelPageRequest): Promise<VoxelScoreRow[]> {
  const params: DuckDBValue[] = [cell.modelId, cell.step, cell.layer, cell.datasetId, cell.subjectId, cell.paramsHash];
  let extra = '';
  if (page.roi != null) { extra += ' AND v.roi = ?'; params.push(page.roi); }
  if (page.minR != null) { extra += ' AND b.r >= ?'; params.push(page.minR); }
  params.push(page.after, page.limit + 1);
  const direction = page.order?.direction === 'DESC' ? 'DESC' : 'ASC';
  const byR = page.order?.field === 'R';
  const sort = byR ? `b.r ${direction} NULLS LAST, b.voxel` : `b.voxel ${direction}`;
  const position = byR ? 'row_number() OVER (ORDER BY ' + sort + ')' : 'b.voxel';
  const after = byR || direction === 'ASC' ? 'position > ?' : 'position < ?';
  return wh.all<VoxelScoreRow>(
    `SELECT * FROM (
       SELECT b.voxel, v.roi, b.r, b.alpha, count(*) OVER () AS total, ${position} AS position FROM brain_scores b
       LEFT JOIN voxels v ON v.dataset_id = b.dataset_id AND v.subject_id = b.subject_id AND v.voxel = b.voxel
       WHERE b.model_id = ? AND b.step = ? AND b.layer = ? AND b.dataset_id = ? AND b.subject_id = ? AND b.params_hash = ? ${extra})
     WHERE ${after} ORDER BY position ${byR ? '' : direction} LIMIT ?`,
    params,
  );
}

export interface InternalMetricRow {
  readonly modelId: string;
  readonly step: number;
  readonly layer: number;
  readonly metric: string;
  readonly value: number | null;
  /** The checkpoint the value compares with (linear CKA), else null. */
  readonly referenceStep: number | null;
  /** How the estimate was obtained (JSON), or null. */
  readonly detailsJson: string | null;
}

/** A stored internal value as read: with why it is stale, if an input or reference changed since. */
export interface StoredInternalRow extends InternalMetricRow {
  readonly staleReason: string | null;
}

/** Replaces the internal metrics of (model, step, layer, params hash) in the caller's transaction. */
export async function writeInternalMetrics(tx: WriteTx, rows: readonly InternalMetricRow[], runId: string, paramsHash: string): Promise<void> {
  for (const row of rows) {
    await tx.run('DELETE FROM internal_metrics WHERE model_id = ? AND step = ? AND layer = ? AND metric = ? AND params_hash = ?', [
      row.modelId, row.step, row.layer, row.metric, paramsHash,
    ]);
    await tx.run(
      'INSERT INTO internal_metrics (model_id, step, layer, metric, value, run_id, params_hash, reference_step, details_json) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
      [row.modelId, row.step, row.layer, row.metric, row.value, runId, paramsHash, row.referenceStep, row.detailsJson],
    );
  }
}

/**
 * Stored internal values of a metric on a dataset, each with the reason it is stale, if it is:
 * a feature matrix its run read (run_inputs) whose content hash changed or that is gone — the
 * checkpoint's own states for every metric, the reference's for CKA — or a CKA reference that is
 * no longer the one the metric names (a checkpoint with features inserted before this one; a
 * later final checkpoint). Runs that recorded no inputs (older warehouses, bundles) are never stale.
 */
export async function internalRows(
  wh: Warehouse,
  modelIds: readonly string[],
  metric: string,
  layer: number | null,
  paramsHash: string,
  datasetId: string,
  options: { fresh?: boolean } = {},
): Promise<StoredInternalRow[]> {
  const params: DuckDBValue[] = [datasetId, listValue([...modelIds]), metric, paramsHash];
  if (layer != null) params.push(layer);
  return wh.all<StoredInternalRow>(
    `SELECT model_id AS "modelId", step, layer, metric, value, reference_step AS "referenceStep", details_json AS "detailsJson",
       coalesce(
         (SELECT 'an input changed since it was computed: the features of step ' || min(i.step) || ' layer ' || min(i.layer) || ' were replaced or removed'
          FROM run_inputs i LEFT JOIN word_features w ON w.model_id = i.model_id AND w.step = i.step AND w.layer = i.layer AND w.dataset_id = i.dataset_id
          WHERE i.run_id = m.run_id AND w.sha256 IS DISTINCT FROM i.sha256
            AND (i.role = 'states' OR (i.role = 'previous' AND m.metric = 'linearCKA') OR (i.role = 'final' AND m.metric = 'linearCKAToFinal'))
          HAVING count(*) > 0),
         CASE WHEN m.metric = 'linearCKA' AND m.run_id IN (SELECT i.run_id FROM run_inputs i) THEN
           (SELECT 'its reference changed: the previous checkpoint with features is now step ' || coalesce(CAST(max(f.step) AS VARCHAR), 'none') ||
                   ' (it compared with ' || coalesce(CAST(m.reference_step AS VARCHAR), 'none') || ')'
            FROM word_features f WHERE f.model_id = m.model_id AND f.dataset_id = ?1 AND f.step < m.step
            HAVING max(f.step) IS DISTINCT FROM m.reference_step) END,
         CASE WHEN m.metric = 'linearCKAToFinal' AND m.reference_step IS NOT NULL THEN
           (SELECT 'its reference changed: the final checkpoint is now step ' || max(c.step) || ' (it compared with ' || m.reference_step || ')'
            FROM checkpoints c WHERE c.model_id = m.model_id HAVING max(c.step) <> m.reference_step) END
       ) AS "staleReason"
     FROM internal_metrics m
     WHERE list_contains(?2, model_id) AND metric = ?3 AND params_hash = ?4 ${layer != null ? 'AND layer = ?5' : ''}
     ORDER BY model_id, step, layer`,
    params,
    { cache: options.fresh !== true },
  );
}
