import { listValue, type DuckDBValue } from '@duckdb/node-api';
import type { Warehouse } from './Warehouse.js';

/** A checkpoint by its key. */
export interface CheckpointRef {
  readonly modelId: string;
  readonly step: number;
}

/** Two checkpoints whose stored eval results are (partly) the same bits. */
export interface EvalDuplicateRow {
  readonly a: CheckpointRef;
  readonly b: CheckpointRef;
  /** (task, metric) cells both have. */
  readonly compared: number;
  /** Of those, cells with the same value and stderr (and the same null reason, for null values). */
  readonly identical: number;
}

/**
 * A checkpoint's eval fingerprint: md5 over every stored (task, metric, value, stderr) in task
 * order, doubles in DuckDB's shortest round-trip text, so equal fingerprints mean the same bits.
 * Only checkpoints with at least MIN_VALUES scores take part: one or two values (a random-level
 * 0.25) can agree by chance.
 */
const MIN_VALUES = 4;
const FINGERPRINTS = `fp AS (
  SELECT model_id, step, count(*) AS n,
         md5(string_agg(task || chr(31) || metric || chr(31) || coalesce(value::VARCHAR, 'null ' || coalesce(null_reason, '')) || chr(31) ||
                        coalesce(stderr::VARCHAR, ''), chr(30) ORDER BY task, metric)) AS h
  FROM task_scores GROUP BY model_id, step HAVING count(*) >= ${MIN_VALUES})`;

/**
 * For each given checkpoint whose evals equal another checkpoint's, that other checkpoint:
 * the earliest other step of the same model, else another model at the same step, else the
 * first other (model, step). One statement over the fingerprints of every checkpoint (cached by
 * the warehouse until the next write).
 */
export async function evalDuplicateOf(wh: Warehouse, keys: readonly CheckpointRef[]): Promise<(CheckpointRef & { duplicateOf: CheckpointRef })[]> {
  if (keys.length === 0) return [];
  const rows = await wh.all<{ modelId: string; step: number; dupModel: string; dupStep: number }>(
    `WITH ${FINGERPRINTS},
     k AS (SELECT DISTINCT unnest(?::VARCHAR[]) AS model_id, unnest(?::INTEGER[]) AS step)
     SELECT a.model_id AS "modelId", a.step,
            arg_min(b.model_id, (b.model_id <> a.model_id, b.step <> a.step, b.model_id, b.step)) AS "dupModel",
            arg_min(b.step, (b.model_id <> a.model_id, b.step <> a.step, b.model_id, b.step)) AS "dupStep"
     FROM fp a JOIN k USING (model_id, step)
     JOIN fp b ON b.h = a.h AND b.n = a.n AND (b.model_id <> a.model_id OR b.step <> a.step)
     GROUP BY a.model_id, a.step`,
    [listValue(keys.map((k) => k.modelId)), listValue(keys.map((k) => k.step))],
  );
  return rows.map((r) => ({ modelId: r.modelId, step: r.step, duplicateOf: { modelId: r.dupModel, step: r.dupStep } }));
}

/**
 * Pairs of checkpoints with identical evals, at least one of them of `modelIds`: every pair with
 * equal fingerprints (any models and steps), and — when `minShare` < 1 — pairs of different
 * models at the same step where at least `minShare` of the cells they share are identical (a
 * branch that served another model's weights for some tasks). At most `limit` pairs, the most
 * identical cells first.
 */
export async function evalDuplicatePairs(wh: Warehouse, modelIds: readonly string[], minShare: number, limit: number): Promise<EvalDuplicateRow[]> {
  const ids = listValue([...modelIds]);
  const params: DuckDBValue[] = [ids, ids];
  if (minShare < 1) params.push(ids, ids, minShare);
  params.push(limit);
  const partial = minShare < 1
    ? `UNION
       SELECT a.model_id AS am, a.step AS ast, b.model_id AS bm, b.step AS bst, count(*) AS compared,
              count(*) FILTER (WHERE a.value IS NOT DISTINCT FROM b.value AND a.stderr IS NOT DISTINCT FROM b.stderr
                               AND a.null_reason IS NOT DISTINCT FROM b.null_reason) AS identical
       FROM task_scores a JOIN task_scores b ON b.step = a.step AND b.task = a.task AND b.metric = a.metric AND b.model_id > a.model_id
       WHERE list_contains(?, a.model_id) OR list_contains(?, b.model_id)
       GROUP BY a.model_id, a.step, b.model_id, b.step
       HAVING count(*) >= ${MIN_VALUES} AND identical >= ? * count(*)`
    : '';
  const rows = await wh.all<{ am: string; ast: number; bm: string; bst: number; compared: number; identical: number }>(
    `WITH ${FINGERPRINTS},
     pairs AS (
       SELECT a.model_id AS am, a.step AS ast, b.model_id AS bm, b.step AS bst, a.n AS compared, a.n AS identical
       FROM fp a JOIN fp b ON b.h = a.h AND b.n = a.n AND (b.model_id > a.model_id OR (b.model_id = a.model_id AND b.step > a.step))
       WHERE list_contains(?, a.model_id) OR list_contains(?, b.model_id)
       ${partial})
     SELECT am, ast, bm, bst, compared::INTEGER AS compared, identical::INTEGER AS identical FROM pairs
     ORDER BY identical DESC, am, ast, bm, bst LIMIT ?`,
    params,
  );
  return rows.map((r) => ({ a: { modelId: r.am, step: r.ast }, b: { modelId: r.bm, step: r.bst }, compared: r.compared, identical: r.identical }));
}
