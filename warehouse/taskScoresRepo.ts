import { listValue, type DuckDBValue } from '@duckdb/node-api';
import { modelsByIds, trainingFraction } from './modelsRepo.js';
import { escapeLike, memberPatterns, taskGroup } from './taskGroups.js';
import type { Warehouse, WriteTx } from './Warehouse.js';

export interface ScoreKey {
  readonly modelId: string;
  readonly step: number;
  /** A task name or a task group name. */
  readonly task: string;
  readonly metric: string;
}

/** Where a score's value comes from: a results file (a task, or a group the file aggregated), or a group mean formed at query time. */
export const ScoreSource = { FILE: 'FILE', COMPUTED: 'COMPUTED' } as const;
export type ScoreSource = (typeof ScoreSource)[keyof typeof ScoreSource];

export interface ScoreRow extends ScoreKey {
  /** null when undefined (the file held NaN/Infinity, or a member of a computed group has no value): `nullReason` says why. */
  readonly value: number | null;
  readonly stderr: number | null;
  /** Leaf tasks the value covers: 1 for a task, the file's leaf count for a file's group, the members present for a computed group. */
  readonly nTasks: number;
  readonly source: ScoreSource;
  readonly nullReason: string | null;
  /** A file's group: its subtasks as the file lists them; a computed group: the leaf tasks averaged; a task: null. */
  readonly groupSubtasks: string[] | null;
  /** sha256 of the results file a FILE score came from (its provenance: eval_sources); null for COMPUTED. */
  readonly sourceSha256: string | null;
}

export interface TrajectoryRow extends ScoreRow {
  readonly tokens: number | null;
  readonly fraction: number | null;
}

/**
 * `sel(name, task, is_self)`: which stored tasks each requested name reads. Every name reads a
 * stored row of its own name (a task, or a group score a file holds: is_self); a defined task
 * group also reads its leaf tasks (taskGroups.ts). Patterns are matched against the small `tasks`
 * table, so task_scores itself is joined by equality.
 */
function selectorCte(names: readonly string[], params: DuckDBValue[]): string {
  const rows = [...new Set(names)].flatMap((name) => [
    [name, escapeLike(name), true] as const,
    ...memberPatterns(name).map((p) => [name, p, false] as const),
  ]);
  params.push(listValue(rows.map(([n]) => n)), listValue(rows.map(([, p]) => p)), listValue(rows.map(([, , self]) => self)));
  return `sel AS (
    SELECT DISTINCT p.name, t.task, p.is_self
    FROM (SELECT unnest(?::VARCHAR[]) AS name, unnest(?::VARCHAR[]) AS pattern, unnest(?::BOOLEAN[]) AS is_self) p
    JOIN tasks t ON t.task LIKE p.pattern ESCAPE '\\')`;
}

/**
 * Per (model, step, name, metric) group of rows joined through `sel`: the stored row of the name
 * itself when there is one (FILE), else the mean of the leaf members (COMPUTED), summed in task
 * order so it is the same bits on every run and machine. A member without a value makes the mean
 * undefined (null, with the reason), never a mean of fewer tasks than `nTasks` says.
 */
const CELL_PARTS = `
  bool_or(sel.is_self) AS has_self,
  any_value(s.value) FILTER (WHERE sel.is_self) AS self_value,
  any_value(s.stderr) FILTER (WHERE sel.is_self) AS self_stderr,
  any_value(s.null_reason) FILTER (WHERE sel.is_self) AS self_reason,
  any_value(s.subtasks) FILTER (WHERE sel.is_self) AS self_subtasks,
  any_value(s.n_tasks) FILTER (WHERE sel.is_self) AS self_n,
  any_value(s.source_sha256) FILTER (WHERE sel.is_self) AS self_sha,
  count(*) FILTER (WHERE NOT sel.is_self) AS m_n,
  count(s.value) FILTER (WHERE NOT sel.is_self) AS m_valued,
  count(s.stderr) FILTER (WHERE NOT sel.is_self) AS m_with_stderr,
  fsum(s.value ORDER BY s.task) FILTER (WHERE NOT sel.is_self) AS m_sum,
  fsum(s.stderr * s.stderr ORDER BY s.task) FILTER (WHERE NOT sel.is_self) AS m_se2,
  list(s.task ORDER BY s.task) FILTER (WHERE NOT sel.is_self) AS m_tasks`;

const CELL_VALUES = `
  CASE WHEN has_self THEN self_value WHEN m_valued = m_n THEN m_sum / m_n END AS value,
  CASE WHEN has_self THEN self_stderr WHEN m_valued = m_n AND m_with_stderr = m_n THEN sqrt(m_se2) / m_n END AS stderr,
  (CASE WHEN has_self THEN coalesce(self_n, 1) ELSE m_n END)::INTEGER AS "nTasks",
  CASE WHEN has_self THEN 'FILE' ELSE 'COMPUTED' END AS source,
  CASE WHEN has_self THEN self_reason WHEN m_valued < m_n THEN (m_n - m_valued) || ' of its ' || m_n || ' member tasks have no value' END AS "nullReason",
  CASE WHEN has_self THEN self_subtasks ELSE m_tasks END AS "groupSubtasks",
  CASE WHEN has_self THEN self_sha END AS "sourceSha256"`;

/** The columns of a stored row read as a FILE score (plain tasks need no grouping). */
const STORED_VALUES = `s.value, s.stderr, coalesce(s.n_tasks, 1)::INTEGER AS "nTasks", 'FILE' AS source, s.null_reason AS "nullReason",
  s.subtasks AS "groupSubtasks", s.source_sha256 AS "sourceSha256"`;

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
                           unnest(?::VARCHAR[]) AS name, unnest(?::VARCHAR[]) AS metric),
     cell AS (
       SELECT k.model_id, k.step, k.name, k.metric, ${CELL_PARTS}
       FROM k JOIN sel USING (name)
       JOIN task_scores s ON s.model_id = k.model_id AND s.step = k.step AND s.metric = k.metric AND s.task = sel.task
       GROUP BY k.model_id, k.step, k.name, k.metric)
     SELECT model_id AS "modelId", step, name AS task, metric, ${CELL_VALUES} FROM cell`,
    params,
  );
}

/**
 * Whole trajectories of one task (or group) and metric for many models, ordered by step. A
 * plain task reads its rows directly; only a defined group needs the aggregating join.
 */
export async function trajectories(
  wh: Warehouse,
  modelIds: readonly string[],
  task: string,
  metric: string,
  stepRange: { from?: number; to?: number } = {},
): Promise<TrajectoryRow[]> {
  const filter = [listValue([...modelIds]), metric, stepRange.from ?? -1, stepRange.to ?? 2_147_483_647];
  const rowsOf = `LEFT JOIN checkpoints c ON c.model_id = s.model_id AND c.step = s.step
     WHERE list_contains(?, s.model_id) AND s.metric = ? AND s.step BETWEEN ? AND ?`;
  if (!taskGroup(task)) {
    // One task: a filtered scan joined with checkpoints for the tokens. The models' final steps
    // come from the derived catalogue and the order from a sort here: another join and an ORDER BY
    // cost DuckDB more to set up than this whole scan of a few hundred rows (compareModels' read).
    const [rows, models] = await Promise.all([
      wh.all<Omit<TrajectoryRow, 'fraction'>>(
        `SELECT s.model_id AS "modelId", s.step, s.task, s.metric, ${STORED_VALUES}, c.tokens
         FROM task_scores s ${rowsOf} AND s.task = ?`,
        [...filter, task],
      ),
      modelsByIds(wh, modelIds),
    ]);
    const finalStep = new Map(models.map((m) => [m.modelId, m.finalStep]));
    return rows
      .filter((r) => finalStep.has(r.modelId))
      .map((r) => ({ ...r, fraction: trainingFraction(r.step, finalStep.get(r.modelId) ?? null) }))
      .sort((a, b) => (a.modelId < b.modelId ? -1 : a.modelId > b.modelId ? 1 : a.step - b.step));
  }
  const params: DuckDBValue[] = [];
  const sel = selectorCte([task], params);
  return wh.all<TrajectoryRow>(
    `WITH ${sel},
     cell AS (
       SELECT s.model_id, s.step, sel.name, s.metric, ${CELL_PARTS},
              any_value(c.tokens) AS tokens, any_value(CASE WHEN m.final_step > 0 THEN s.step / m.final_step END) AS fraction
       FROM task_scores s JOIN sel ON s.task = sel.task JOIN models m ON m.model_id = s.model_id ${rowsOf}
       GROUP BY s.model_id, s.step, sel.name, s.metric)
     SELECT model_id AS "modelId", step, name AS task, metric, ${CELL_VALUES}, tokens, fraction
     FROM cell ORDER BY model_id, step`,
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
 * Aggregates over checkpoint cells: first each (model, step, task-or-group) cell is formed as
 * `scoresByKeys` forms it (a file's group score, else the mean over the leaf members), then the
 * cells with a value are aggregated by the chosen dimensions.
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
     parts AS (
       SELECT s.model_id, any_value(m.family) AS family, s.step, sel.name, ${CELL_PARTS}
       FROM task_scores s JOIN sel ON s.task = sel.task
       JOIN models m ON m.model_id = s.model_id
       WHERE ${where.join(' AND ')}
       GROUP BY s.model_id, s.step, sel.name),
     cell AS (SELECT model_id, family, step, name, ${CELL_VALUES} FROM parts)
     SELECT ${select}, count(*)::INTEGER AS count, fsum(value ORDER BY value) / count(*) AS mean, min(value) AS min, max(value) AS max,
            stddev_samp(value) AS stddev
     FROM cell WHERE value IS NOT NULL ${groupBy} ${orderBy}`,
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

/** One stored score: a task's (or a file's group's) metric at a checkpoint, with the file it came from. */
export interface StoredScore {
  readonly modelId: string;
  readonly step: number;
  readonly task: string;
  readonly metric: string;
  /** null for a non-finite value in the file, with `nullReason`. */
  readonly value: number | null;
  readonly stderr: number | null;
  readonly nullReason: string | null;
  /** The file's name (relative to its import root). */
  readonly source: string;
  /** sha256 of the file (its eval_sources row). */
  readonly sourceSha256: string | null;
  /** A file's group: its direct subtasks, and how many leaf tasks it covers. */
  readonly subtasks: readonly string[] | null;
  readonly leafCount: number | null;
}

/**
 * Writes scores in the caller's transaction, replacing the (model, step, task, metric) cells they
 * cover, through the DataChunk appender. Callers pass each cell once (importEvals refuses two
 * different values for one cell). Returns the rows written.
 */
export async function replaceTaskScores(tx: WriteTx, rows: readonly StoredScore[]): Promise<number> {
  await tx.run(`CREATE OR REPLACE TEMP TABLE import_scores (
    model_id VARCHAR, step INTEGER, task VARCHAR, metric VARCHAR, value DOUBLE, stderr DOUBLE, null_reason VARCHAR,
    source VARCHAR, source_sha256 VARCHAR, subtasks_joined VARCHAR, n_tasks INTEGER)`);
  await tx.append('import_scores', [
    { type: 'VARCHAR', values: rows.map((r) => r.modelId) },
    { type: 'INTEGER', values: Int32Array.from(rows, (r) => r.step) },
    { type: 'VARCHAR', values: rows.map((r) => r.task) },
    { type: 'VARCHAR', values: rows.map((r) => r.metric) },
    { type: 'DOUBLE', values: Float64Array.from(rows, (r) => r.value ?? NaN) },
    { type: 'DOUBLE', values: Float64Array.from(rows, (r) => r.stderr ?? NaN) },
    { type: 'VARCHAR', values: rows.map((r) => r.nullReason) },
    { type: 'VARCHAR', values: rows.map((r) => r.source) },
    { type: 'VARCHAR', values: rows.map((r) => r.sourceSha256) },
    // A list through the appender: joined by the unit separator, which no task name holds (string_split is cheap, from_json is not).
    { type: 'VARCHAR', values: rows.map((r) => (r.subtasks ? r.subtasks.join('\u001f') : null)) },
    // 0 = none: a group covers at least one task.
    { type: 'INTEGER', values: Int32Array.from(rows, (r) => r.leafCount ?? 0) },
  ]);
  await tx.run(`INSERT OR REPLACE INTO task_scores (model_id, step, task, metric, value, stderr, source, null_reason, source_sha256, subtasks, n_tasks)
    SELECT model_id, step, task, metric, value, stderr, source, null_reason, source_sha256,
           CASE WHEN subtasks_joined = '' THEN []::VARCHAR[] ELSE string_split(subtasks_joined, chr(31)) END, nullif(n_tasks, 0)
    FROM (SELECT *, row_number() OVER () AS rn FROM import_scores)
    QUALIFY row_number() OVER (PARTITION BY model_id, step, task, metric ORDER BY rn DESC) = 1`);
  await tx.run('INSERT INTO tasks SELECT DISTINCT task FROM import_scores ON CONFLICT DO NOTHING');
  await tx.run('DROP TABLE import_scores');
  return rows.length;
}
