import { listValue } from '@duckdb/node-api';
import type { EvalProvenance } from '../formats/lmEvalProvenance.js';
import type { Warehouse, WriteTx } from './Warehouse.js';

/** One imported results file: its content hash, name, identity and provenance (eval_sources). */
export interface EvalSourceRow extends EvalProvenance {
  /** sha256 of the file's bytes (of the JSON text as sent, for inline documents). */
  readonly sha256: string;
  /** The file's path relative to the import root (or the inline document's name), at its last import. */
  readonly file: string;
  readonly format: string;
  /** The model as the file names it, before mapping to an id. */
  readonly modelName: string | null;
  readonly revision: string | null;
}

const JSON_FIELDS = [
  ['taskVersions', 'task_versions'],
  ['nShot', 'n_shot'],
  ['filters', 'filters'],
  ['sampleCounts', 'sample_counts'],
  ['groupSubtasks', 'group_subtasks'],
] as const;

const TEXT_COLUMNS = [
  ['sha256', 'sha256'], ['file', 'file'], ['format', 'format'], ['modelName', 'model_name'], ['revision', 'revision'],
  ['harnessVersion', 'harness_version'], ['gitHash', 'git_hash'], ['evaluatedAt', 'evaluated_at'], ['backend', 'backend'],
  ['modelArgs', 'model_args'], ['dtype', 'dtype'], ['batchSize', 'batch_size'], ['transformersVersion', 'transformers_version'],
] as const;

/** Writes (or replaces, by sha256) provenance rows in the caller's transaction, through the appender (one statement, not one per file). */
export async function upsertEvalSources(tx: WriteTx, rows: readonly EvalSourceRow[]): Promise<void> {
  const columns = [...TEXT_COLUMNS.map(([, c]) => c), ...JSON_FIELDS.map(([, c]) => c)];
  await tx.run(`CREATE OR REPLACE TEMP TABLE import_sources (${columns.map((c) => `${c} VARCHAR`).join(', ')}, "limit" DOUBLE)`);
  await tx.append('import_sources', [
    ...TEXT_COLUMNS.map(([field]) => ({ type: 'VARCHAR' as const, values: rows.map((r) => r[field]) })),
    ...JSON_FIELDS.map(([field]) => ({ type: 'VARCHAR' as const, values: rows.map((r) => JSON.stringify(r[field])) })),
    { type: 'DOUBLE', values: Float64Array.from(rows, (r) => r.limit ?? NaN) },
  ]);
  await tx.run(`INSERT OR REPLACE INTO eval_sources (${columns.join(', ')}, "limit")
    SELECT ${columns.join(', ')}, "limit" FROM (SELECT *, row_number() OVER () AS rn FROM import_sources)
    QUALIFY row_number() OVER (PARTITION BY sha256 ORDER BY rn DESC) = 1`);
  await tx.run('DROP TABLE import_sources');
}

const COLUMNS = `sha256, file, format, model_name AS "modelName", revision, harness_version AS "harnessVersion", git_hash AS "gitHash",
  evaluated_at AS "evaluatedAt", backend, model_args AS "modelArgs", dtype, batch_size AS "batchSize", "limit",
  transformers_version AS "transformersVersion", ${JSON_FIELDS.map(([field, column]) => `${column} AS "${field}"`).join(', ')}`;

type StoredRow = Omit<EvalSourceRow, (typeof JSON_FIELDS)[number][0]> & Record<(typeof JSON_FIELDS)[number][0], string>;

function decode(row: StoredRow): EvalSourceRow {
  const out: Record<string, unknown> = { ...row };
  for (const [field] of JSON_FIELDS) out[field] = JSON.parse(row[field] ?? '{}');
  return out as unknown as EvalSourceRow;
}

/** Provenance rows by sha256 (the DataLoader batch of TaskScore.provenance). */
export async function evalSourcesBySha(wh: Warehouse, shas: readonly string[]): Promise<EvalSourceRow[]> {
  const rows = await wh.all<StoredRow>(`SELECT ${COLUMNS} FROM eval_sources WHERE list_contains(?, sha256)`, [listValue([...shas])]);
  return rows.map(decode);
}

/** The files whose scores a checkpoint holds, keyed "model\0step" (the DataLoader batch of Checkpoint.evalSources). */
export async function evalSourcesOfCheckpoints(
  wh: Warehouse,
  keys: readonly { modelId: string; step: number }[],
): Promise<(EvalSourceRow & { modelId: string; step: number })[]> {
  const rows = await wh.all<StoredRow & { modelId: string; step: number }>(
    `WITH k AS (SELECT DISTINCT unnest(?::VARCHAR[]) AS model_id, unnest(?::INTEGER[]) AS step),
     used AS (SELECT DISTINCT s.model_id, s.step, s.source_sha256 FROM task_scores s JOIN k USING (model_id, step) WHERE s.source_sha256 IS NOT NULL)
     SELECT used.model_id AS "modelId", used.step, ${COLUMNS}
     FROM used JOIN eval_sources e ON e.sha256 = used.source_sha256 ORDER BY used.model_id, used.step, e.file`,
    [listValue(keys.map((k) => k.modelId)), listValue(keys.map((k) => k.step))],
  );
  return rows.map((r) => ({ ...decode(r), modelId: r.modelId, step: r.step }));
}
