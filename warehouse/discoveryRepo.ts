import { listValue, type DuckDBValue } from '@duckdb/node-api';
import type { Warehouse } from './Warehouse.js';

/**
 * What exists in the warehouse, for discovery fields (Dataset.rois, Model.layers, Model.tasks)
 * and for checking a request's arguments before anything is computed: a typo is answered with
 * the names there are, never with an empty result or a computation that cannot succeed. Small
 * reads, cached until the next committed write like every read.
 */

export interface RoiInfo {
  readonly name: string;
  /** Voxels carrying the label, summed over the dataset's subjects. */
  readonly nVoxels: number;
}

export interface DatasetRunSummary {
  readonly id: string;
  readonly split: 'train' | 'test';
  readonly nTrs: number;
  readonly nWords: number;
}

export interface DatasetCatalog {
  readonly id: string;
  readonly trSeconds: number;
  readonly subjects: readonly string[];
  /** Labels in voxel order of first use are not meaningful: sorted by name. */
  readonly rois: readonly RoiInfo[];
  readonly runs: readonly DatasetRunSummary[];
}

/**
 * A dataset's subjects, ROI labels (with their voxel counts), runs and TR; null when there is no
 * such dataset. Every brain-score request checks its arguments against this (four statements, the
 * ROI counts a GROUP BY over every voxel): the catalogues of all datasets (a handful) are derived
 * together once per data version, with or without the read cache.
 */
export async function datasetCatalog(wh: Warehouse, datasetId: string): Promise<DatasetCatalog | null> {
  return (await wh.derived('datasetCatalogs', () => selectDatasetCatalogs(wh))).get(datasetId) ?? null;
}

async function selectDatasetCatalogs(wh: Warehouse): Promise<Map<string, DatasetCatalog>> {
  const uncached = { cache: false } as const;
  const [datasets, subjects, rois, runs] = await Promise.all([
    wh.all<{ id: string; tr: number }>('SELECT dataset_id AS id, tr_seconds AS tr FROM datasets', [], uncached),
    wh.all<{ dataset: string; id: string }>('SELECT dataset_id AS dataset, subject_id AS id FROM subjects ORDER BY subject_id', [], uncached),
    wh.all<RoiInfo & { dataset: string }>(
      `SELECT dataset_id AS dataset, roi AS name, count(*)::INTEGER AS "nVoxels" FROM voxels WHERE roi IS NOT NULL GROUP BY dataset_id, roi ORDER BY roi`,
      [], uncached,
    ),
    wh.all<DatasetRunSummary & { dataset: string }>(
      `SELECT r.dataset_id AS dataset, r.run_id AS id, r.split, r.n_trs AS "nTrs",
              (SELECT count(*) FROM stimulus_words w WHERE w.dataset_id = r.dataset_id AND w.run_id = r.run_id)::INTEGER AS "nWords"
       FROM fmri_runs r ORDER BY r.ord`,
      [], uncached,
    ),
  ]);
  const of = <T extends { dataset: string }>(rows: readonly T[], id: string) => rows.filter((r) => r.dataset === id).map(({ dataset: _, ...rest }) => rest);
  return new Map(datasets.map((d) => [d.id, {
    id: d.id, trSeconds: d.tr, subjects: of(subjects, d.id).map((s) => s.id), rois: of(rois, d.id), runs: of(runs, d.id),
  }]));
}

/** Voxels per subject of a dataset (the whole brain, ROI "all"). */
export async function datasetVoxelCount(wh: Warehouse, datasetId: string): Promise<number> {
  const [row] = await wh.all<{ n: number | null }>('SELECT sum(n_voxels)::INTEGER AS n FROM subjects WHERE dataset_id = ?', [datasetId]);
  return row?.n ?? 0;
}

export async function datasetIds(wh: Warehouse): Promise<string[]> {
  return (await wh.all<{ id: string }>('SELECT dataset_id AS id FROM datasets ORDER BY 1')).map((r) => r.id);
}

export async function modelIds(wh: Warehouse): Promise<string[]> {
  return (await wh.all<{ id: string }>('SELECT model_id AS id FROM models ORDER BY 1')).map((r) => r.id);
}

/**
 * The steps of a model's checkpoints, in order. Every request naming a checkpoint checks it
 * against these: all models' steps are derived together once per data version.
 */
export async function checkpointSteps(wh: Warehouse, modelId: string): Promise<number[]> {
  const byModel = await wh.derived('checkpointSteps', async () => groupByModel(
    await wh.all<{ model: string; value: number }>('SELECT model_id AS model, step AS value FROM checkpoints ORDER BY model_id, step', [], { cache: false }),
  ));
  return [...(byModel.get(modelId) ?? [])];
}

/**
 * A model's layers: 0 (the embedding output) to n_layers when the model says how many blocks it
 * has, and every layer with features, brain scores or internal metrics. Every request naming a
 * layer checks it against these: all models' layers are derived together once per data version.
 */
export async function modelLayers(wh: Warehouse, modelId: string): Promise<number[]> {
  const byModel = await wh.derived('modelLayers', async () => groupByModel(
    await wh.all<{ model: string; value: number }>(
      `SELECT DISTINCT model, value FROM (
         SELECT model_id AS model, unnest(range(0, n_layers + 1))::INTEGER AS value FROM models WHERE n_layers IS NOT NULL
         UNION ALL SELECT DISTINCT model_id, layer FROM word_features
         UNION ALL SELECT DISTINCT model_id, layer FROM cells
         UNION ALL SELECT DISTINCT model_id, layer FROM internal_metrics)
       ORDER BY model, value`,
      [], { cache: false },
    ),
  ));
  return [...(byModel.get(modelId) ?? [])];
}

/** (model, value) rows in order → each model's values. */
function groupByModel(rows: readonly { model: string; value: number }[]): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const { model, value } of rows) {
    const values = out.get(model);
    if (values) values.push(value);
    else out.set(model, [value]);
  }
  return out;
}

export interface TaskMetrics {
  readonly name: string;
  readonly metrics: string[];
}

/**
 * Stored tasks (of some models, or of all) with their metrics, by name. The whole catalogue is
 * what every task-taking query checks its task against (a GROUP BY over all task scores, several
 * ms): it is derived once per data version, with or without the read cache.
 */
export async function taskMetrics(wh: Warehouse, modelIds?: readonly string[]): Promise<TaskMetrics[]> {
  if (!modelIds) return wh.derived('taskMetrics', () => selectTaskMetrics(wh));
  return selectTaskMetrics(wh, modelIds);
}

function selectTaskMetrics(wh: Warehouse, modelIds?: readonly string[]): Promise<TaskMetrics[]> {
  const params: DuckDBValue[] = modelIds ? [listValue([...modelIds])] : [];
  return wh.all<TaskMetrics>(
    `SELECT task AS name, list_sort(list_distinct(list(metric))) AS metrics FROM task_scores
     ${modelIds ? 'WHERE list_contains(?, model_id)' : ''} GROUP BY task ORDER BY task`,
    params,
  );
}

/** What a lazily computed cell is: brain scores (per dataset and parameters) or internal metrics (per parameters). */
export type StoredCellKind = 'encoding' | 'internal';

/**
 * The steps of a model with stored cells of one kind: brain-score summaries of (dataset, params
 * hash), or internal metrics of a params hash (which names the dataset). `fresh` reads past the
 * read cache — after a job was seen to succeed, its cells must be seen too.
 */
export async function storedCellSteps(
  wh: Warehouse,
  kind: StoredCellKind,
  cell: { modelId: string; datasetId: string; paramsHash: string; steps?: readonly number[] },
  options: { fresh?: boolean } = {},
): Promise<number[]> {
  const params: DuckDBValue[] = [cell.modelId, cell.paramsHash];
  const steps = cell.steps ? ' AND list_contains(?::INTEGER[], step)' : '';
  const sql =
    kind === 'encoding'
      ? `SELECT DISTINCT step FROM cells WHERE model_id = ? AND params_hash = ? AND dataset_id = ?${steps} ORDER BY step` // a cell's summaries commit with it
      : `SELECT DISTINCT step FROM internal_metrics WHERE model_id = ? AND params_hash = ?${steps} ORDER BY step`;
  if (kind === 'encoding') params.push(cell.datasetId);
  if (cell.steps) params.push(listValue([...cell.steps]));
  return (await wh.all<{ step: number }>(sql, params, { cache: options.fresh !== true })).map((r) => r.step);
}

/** The steps of a model whose cells can be computed for a dataset: word features stored, or an ONNX checkpoint (and tokenizer) to extract them from. */
export async function computableSteps(wh: Warehouse, modelId: string, datasetId: string): Promise<number[]> {
  const rows = await wh.all<{ step: number }>(
    `SELECT step FROM word_features WHERE model_id = ? AND dataset_id = ?
     UNION SELECT c.step FROM checkpoints c JOIN models m USING (model_id)
       WHERE c.model_id = ? AND c.artifact_uri IS NOT NULL AND m.tokenizer_uri IS NOT NULL
     ORDER BY step`,
    [modelId, datasetId, modelId],
  );
  return rows.map((r) => r.step);
}
