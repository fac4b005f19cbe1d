import { listValue, type DuckDBValue } from '@duckdb/node-api';
import { taskGroup, taskPatterns } from './taskGroups.js';
import type { Warehouse, WriteTx } from './Warehouse.js';

export interface ScoreKey {
  readonly modelId: string;
  readonly step: number;
  /** A task name or a task group name. */
  readonly task: string;
  readonly metric: string;
}

export interface ScoreRow extends ScoreKey {
  readonly value: number;
  readonly stderr: number | null;
  /** How many stored tasks the value covers (1 for a plain task). */
  readonly nTasks: number;
}

export interface TrajectoryRow extends ScoreRow {
  readonly tokens: number | null;
  readonly fraction: number | null;
}

/**
 * `sel(name, task)`: which stored tasks each requested name covers. Groups and plain tasks
 * share it, so one join serves both (see taskGroups.ts). Patterns are matched against the
 * small `tasks` table, so task_scores itself is joined by equality.
 */
function selectorCte(names: readonly string[], params: DuckDBValue[]): string {
  const pairs = [...new Set(names)].flatMap((name) => taskPatterns(name).map((p) => [name, p] as const));
  params.push(listValue(pairs.map(([n]) => n)), listValue(pairs.map(([, p]) => p)));
  return `sel AS (
    SELECT DISTINCT p.name, t.task
    FROM (SELECT unnest(?::VARCHAR[]) AS name, unnest(?::VARCHAR[]) AS pattern) p
    JOIN tasks t ON t.task LIKE p.pattern ESCAPE '\\')`;
}

/** The value of a group mean, summed in task order so it is the same bits on every run and machine; a single task passes through unchanged. */
const CELL_AGGREGATES = `
  CASE WHEN count(*) = 1 THEN min(s.value) ELSE fsum(s.value ORDER BY s.task) / count(*) END AS value,
  CASE WHEN count(*) = 1 THEN min(s.stderr)
       WHEN count(s.stderr) = count(*) THEN sqrt(fsum(s.stderr * s.stderr ORDER BY s.task)) / count(*) END AS stderr,
  count(*)::INTEGER AS "nTasks"`;

/** Many (model, step, task, metric) cells in one statement: the Checkpoint.taskScore batch. */
export async function scoresByKeys(wh: Warehouse, keys: readonly ScoreKey[]): Promise<ScoreRow[]> {
  if (keys.length === 0) return [];
  const params: DuckDBValue[] = [];
  const sel = selectorCte(keys.map((k) => k.task), params);
  params.push(
    listValue(keys.map((k) => k.modelId)),
    listValue(keys.map((k) => k.step)),
    listValue(keys.map((k) => k.task)),
    listValue(keys.map((k) => k.metric)),
  );
  return wh.all<ScoreRow>(
    `WITH ${sel},
     k AS (SELECT DISTINCT unnest(?::VARCHAR[]) AS model_id, unnest(?::INTEGER[]) AS step,
                           unnest(?::VARCHAR[]) AS name, unnest(?::VARCHAR[]) AS metric)
     SELECT k.model_id AS "modelId", k.step, k.name AS task, k.metric, ${CELL_AGGREGATES}
     FROM k JOIN sel USING (name)
     JOIN task_scores s ON s.model_id = k.model_id AND s.step = k.step AND s.metric = k.metric
                       AND s.task = sel.task
     GROUP BY k.model_id, k.step, k.name, k.metric`,
    params,
  );
}

/**
 * Whole trajectories of one task (or group) and metric for many models, ordered by step. A
 * plain task reads its rows directly; only a group needs the aggregating join.
 */
export async function trajectories(
  wh: Warehouse,
  modelIds: readonly string[],
  task: string,
  metric: string,
  stepRange: { from?: number; to?: number } = {},
): Promise<TrajectoryRow[]> {
  const filter = [listValue([...modelIds]), metric, stepRange.from ?? -1, stepRange.to ?? 2_147_483_647];
  const axis = `c.tokens, CASE WHEN m.final_step > 0 THEN s.step / m.final_step END AS fraction`;
  const joins = `JOIN models m ON m.model_id = s.model_id
     LEFT JOIN checkpoints c ON c.model_id = s.model_id AND c.step = s.step
     WHERE list_contains(?, s.model_id) AND s.metric = ? AND s.step BETWEEN ? AND ?`;
  if (!taskGroup(task)) {
    return wh.all<TrajectoryRow>(
      `SELECT s.model_id AS "modelId", s.step, s.task, s.metric, s.value, s.stderr, 1 AS "nTasks", ${axis}
       FROM task_scores s ${joins} AND s.task = ?
       ORDER BY s.model_id, s.step`,
      [...filter, task],
    );
  }
  const params: DuckDBValue[] = [];
  const sel = selectorCte([task], params);
  return wh.all<TrajectoryRow>(
    `WITH ${sel}
     SELECT s.model_id AS "modelId", s.step, sel.name AS task, s.metric, ${CELL_AGGREGATES},
            any_value(c.tokens) AS tokens, any_value(CASE WHEN m.final_step > 0 THEN s.step / m.final_step END) AS fraction
     FROM task_scores s JOIN sel ON s.task = sel.task ${joins}
     GROUP BY s.model_id, s.step, sel.name, s.metric
     ORDER BY s.model_id, s.step`,
    [...params, ...filter],
  );
}

/** Dimensions a task-score aggregate can be grouped by; TASK groups by the requested task or group names. */
export const ScoreGroupBy = {
  MODEL: 'MODEL',
  FAMILY: 'FAMILY',
  TASK: 'TASK',
  STEP: 'STEP',
} as const;
export type ScoreGroupBy = (typeof ScoreGroupBy)[keyof typeof ScoreGroupBy];

export interface AggregateQuery {
  readonly metric: string;
  /** Task or group names; each is one row dimension value when grouping by TASK. */
  readonly tasks: readonly string[];
  readonly modelIds?: readonly string[];
  readonly stepFrom?: number;
  readonly stepTo?: number;
  readonly groupBy: readonly ScoreGroupBy[];
}

export interface AggregateRow {
  readonly modelId: string | null;
  readonly family: string | null;
  readonly task: string | null;
  readonly step: number | null;
  readonly count: number;
  readonly mean: number | null;
  readonly min: number | null;
  readonly max: number | null;
  readonly stddev: number | null;
}

const GROUP_COLUMNS: Record<ScoreGroupBy, { expr: string; alias: string }> = {
  MODEL: { expr: 'cell.model_id', alias: '"modelId"' },
  FAMILY: { expr: 'cell.family', alias: 'family' },
  TASK: { expr: 'cell.name', alias: 'task' },
  STEP: { expr: 'cell.step', alias: 'step' },
};

/**
 * Aggregates over checkpoint cells: first each (model, step, task-or-group) cell is formed
 * (groups are means over members), then cells are aggregated by the chosen dimensions.
 */
export async function aggregateScores(wh: Warehouse, q: AggregateQuery): Promise<AggregateRow[]> {
  const params: DuckDBValue[] = [];
  const sel = selectorCte(q.tasks, params);
  const where: string[] = ['s.metric = ?'];
  params.push(q.metric);
  if (q.modelIds) { where.push('list_contains(?, s.model_id)'); params.push(listValue([...q.modelIds])); }
  if (q.stepFrom !== undefined) { where.push('s.step >= ?'); params.push(q.stepFrom); }
  if (q.stepTo !== undefined) { where.push('s.step <= ?'); params.push(q.stepTo); }
  const dims = q.groupBy.map((g) => GROUP_COLUMNS[g]);
  const select = (['MODEL', 'FAMILY', 'TASK', 'STEP'] as const)
    .map((g) => (q.groupBy.includes(g) ? `${GROUP_COLUMNS[g].expr} AS ${GROUP_COLUMNS[g].alias}` : `NULL AS ${GROUP_COLUMNS[g].alias}`))
    .join(', ');
  const groupBy = dims.length ? `GROUP BY ${dims.map((d) => d.expr).join(', ')}` : '';
  const orderBy = dims.length ? `ORDER BY ${dims.map((d) => d.expr).join(', ')}` : '';
  return wh.all<AggregateRow>(
    `WITH ${sel},
     cell AS (
       SELECT s.model_id, any_value(m.family) AS family, s.step, sel.name,
              CASE WHEN count(*) = 1 THEN min(s.value) ELSE fsum(s.value ORDER BY s.task) / count(*) END AS value
       FROM task_scores s JOIN sel ON s.task = sel.task
       JOIN models m ON m.model_id = s.model_id
       WHERE ${where.join(' AND ')}
       GROUP BY s.model_id, s.step, sel.name)
     SELECT ${select}, count(*)::INTEGER AS count, fsum(value ORDER BY value) / count(*) AS mean, min(value) AS min, max(value) AS max,
            stddev_samp(value) AS stddev
     FROM cell ${groupBy} ${orderBy}`,
    params,
  );
}

export interface TaskInfoRow {
  readonly task: string;
  readonly metrics: string[];
  readonly nModels: number;
  readonly nCheckpoints: number;
}

/** The stored tasks with their metrics and coverage. */
export async function listTasks(wh: Warehouse, modelIds?: readonly string[]): Promise<TaskInfoRow[]> {
  const params: DuckDBValue[] = [];
  const where = modelIds ? 'WHERE list_contains(?, model_id)' : '';
  if (modelIds) params.push(listValue([...modelIds]));
  return wh.all<TaskInfoRow>(
    `SELECT task, list_sort(list_distinct(list(metric))) AS metrics, count(DISTINCT model_id)::INTEGER AS "nModels",
            count(DISTINCT (model_id, step))::INTEGER AS "nCheckpoints"
     FROM task_scores ${where} GROUP BY task ORDER BY task`,
    params,
  );
}

/** One stored score: a task's metric at a checkpoint, with the file it came from. */
export interface StoredScore {
  readonly modelId: string;
  readonly step: number;
  readonly task: string;
  readonly metric: string;
  readonly value: number;
  readonly stderr: number | null;
  readonly source: string;
}

/**
 * Writes scores in the caller's transaction, replacing the (model, step, task, metric) cells they
 * cover, through the DataChunk appender. When `rows` holds one cell twice, the later row wins.
 * Returns the rows written.
 */
export async function replaceTaskScores(tx: WriteTx, rows: readonly StoredScore[]): Promise<number> {
  await tx.run(`CREATE OR REPLACE TEMP TABLE import_scores (
    model_id VARCHAR, step INTEGER, task VARCHAR, metric VARCHAR, value DOUBLE, stderr DOUBLE, source VARCHAR)`);
  await tx.append('import_scores', [
    { type: 'VARCHAR', values: rows.map((r) => r.modelId) },
    { type: 'INTEGER', values: Int32Array.from(rows, (r) => r.step) },
    { type: 'VARCHAR', values: rows.map((r) => r.task) },
    { type: 'VARCHAR', values: rows.map((r) => r.metric) },
    { type: 'DOUBLE', values: Float64Array.from(rows, (r) => r.value) },
    { type: 'DOUBLE', values: Float64Array.from(rows, (r) => r.stderr ?? NaN) },
    { type: 'VARCHAR', values: rows.map((r) => r.source) },
  ]);
  await tx.run(`INSERT OR REPLACE INTO task_scores (model_id, step, task, metric, value, stderr, source)
    SELECT model_id, step, task, metric, value, stderr, source
    FROM (SELECT *, row_number() OVER () AS rn FROM import_scores)
    QUALIFY row_number() OVER (PARTITION BY model_id, step, task, metric ORDER BY rn DESC) = 1`);
  await tx.run('INSERT INTO tasks SELECT DISTINCT task FROM import_scores ON CONFLICT DO NOTHING');
  await tx.run('DROP TABLE import_scores');
  return rows.length;
}
