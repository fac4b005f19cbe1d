import { listValue, type DuckDBValue } from '@duckdb/node-api';
import type { SortDirection, SortOrder } from './ordering.js';
import type { Warehouse, WriteTx } from './Warehouse.js';

export interface ModelRow {
  readonly modelId: string;
  readonly family: string | null;
  readonly params: number | null;
  readonly nLayers: number | null;
  readonly hiddenSize: number | null;
  readonly tokensPerStep: number | null;
  readonly finalStep: number | null;
  readonly languages: readonly string[];
  readonly source: string | null;
  readonly description: string | null;
}

/** step / the model's final step: how far through training a checkpoint is; null when the final step is unknown. */
export function trainingFraction(step: number, finalStep: number | null): number | null {
  return finalStep !== null && finalStep > 0 ? step / finalStep : null;
}

export interface CheckpointRow {
  readonly modelId: string;
  readonly step: number;
  readonly tokens: number | null;
  /** step / final step of the model; null when the final step is unknown. */
  readonly fraction: number | null;
  readonly artifactUri: string | null;
  readonly artifactSha256: string | null;
  readonly artifactBytes: number | null;
  /** The earliest other step with the same artifact sha256, if any. */
  readonly duplicateOf: number | null;
  /** The layer → tensor names registered with the artifact (layer 0 first), if any. */
  readonly layersManifest: readonly string[] | null;
}

export interface ModelFilter {
  readonly ids?: readonly string[];
  readonly family?: string;
  readonly idContains?: string;
  readonly minParams?: number;
  readonly maxParams?: number;
}

const MODEL_COLUMNS = `model_id AS "modelId", family, params, n_layers AS "nLayers", hidden_size AS "hiddenSize",
  tokens_per_step AS "tokensPerStep", final_step AS "finalStep", coalesce(languages, []) AS languages, source, description`;

function modelWhere(filter: ModelFilter, params: DuckDBValue[]): string {
  const clauses: string[] = [];
  if (filter.ids) { clauses.push('list_contains(?, model_id)'); params.push(listValue([...filter.ids])); }
  if (filter.family !== undefined) { clauses.push('family = ?'); params.push(filter.family); }
  if (filter.idContains !== undefined) { clauses.push('contains(lower(model_id), lower(?))'); params.push(filter.idContains); }
  if (filter.minParams !== undefined) { clauses.push('params >= ?'); params.push(filter.minParams); }
  if (filter.maxParams !== undefined) { clauses.push('params <= ?'); params.push(filter.maxParams); }
  return clauses.length ? `WHERE ${clauses.join(' AND ')}` : '';
}

/** What `models` can be sorted by: the id (the model's name) or its parameter count (unknown counts last). */
export const ModelOrderField = { ID: 'ID', PARAMS: 'PARAMS' } as const;
export type ModelOrderField = (typeof ModelOrderField)[keyof typeof ModelOrderField];

const MODEL_ORDER: Record<ModelOrderField, string> = { ID: 'model_id', PARAMS: 'params' };

/**
 * One page of models in the given order (ties by id), after the model `afterId`; fetches
 * `limit + 1` to tell if more follow. The cursor is a model id, placed by its row in the same
 * order, so a page boundary holds while models are added elsewhere in the list.
 */
export async function listModels(
  wh: Warehouse,
  filter: ModelFilter,
  afterId: string | null,
  limit: number,
  order: SortOrder<ModelOrderField> = { field: 'ID', direction: 'ASC' },
): Promise<{ rows: ModelRow[]; totalCount: number }> {
  const params: DuckDBValue[] = [];
  const where = modelWhere(filter, params);
  const direction = order.direction === 'DESC' ? 'DESC' : 'ASC';
  const sort = `${MODEL_ORDER[order.field]} ${direction} NULLS LAST, model_id ${direction}`;
  const rows = await wh.all<ModelRow & { totalCount: number }>(
    `WITH ranked AS (SELECT ${MODEL_COLUMNS}, row_number() OVER (ORDER BY ${sort}) AS rn, count(*) OVER () AS "totalCount" FROM models ${where})
     SELECT * EXCLUDE (rn) FROM ranked WHERE rn > coalesce((SELECT rn FROM ranked WHERE "modelId" = ?), 0) ORDER BY rn LIMIT ?`,
    [...params, afterId, limit + 1],
  );
  const totalCount = rows[0]?.totalCount ?? (await wh.all<{ n: number }>(`SELECT count(*) AS n FROM models ${where}`, params))[0].n;
  return { rows: rows.map(({ totalCount: _, ...m }) => m), totalCount };
}

/**
 * The stored models among `ids`. Every query naming models resolves them here, so the models
 * table (small: one row per model) is read once per data version into a map, with or without
 * the read cache, instead of one statement per request.
 */
export async function modelsByIds(wh: Warehouse, ids: readonly string[]): Promise<ModelRow[]> {
  const byId = await wh.derived('modelsById', async () => new Map((await wh.all<ModelRow>(`SELECT ${MODEL_COLUMNS} FROM models`, [], { cache: false })).map((m) => [m.modelId, m])));
  return [...new Set(ids)].flatMap((id) => byId.get(id) ?? []);
}

/** What checkpoints can be sorted by. */
export const CheckpointOrderField = { STEP: 'STEP' } as const;
export type CheckpointOrderField = (typeof CheckpointOrderField)[keyof typeof CheckpointOrderField];

export interface CheckpointPage {
  readonly stepFrom?: number;
  readonly stepTo?: number;
  /** The last step of the previous page (in `direction`). */
  readonly afterStep?: number;
  readonly limit: number;
  /** Step order (default ascending). */
  readonly direction?: SortDirection;
}

/**
 * Checkpoints of many models in one statement (the DataLoader batch): per model, steps in the
 * range after `afterStep` in step order (descending when asked), at most `limit + 1` of them,
 * plus each model's total in the range. The statement is a plain join; ranges, duplicates,
 * counts and pages are worked out here, as DuckDB's window and correlated-subquery operators
 * cost ~10 ms to set up on a table this small.
 */
export async function checkpointsOfModels(
  wh: Warehouse,
  modelIds: readonly string[],
  page: CheckpointPage,
): Promise<(CheckpointRow & { totalCount: number })[]> {
  const rows = await wh.all<{ m: string; step: number; tokens: number | null; final: number | null; uri: string | null; sha: string | null; bytes: number | null; lm: string | null }>(
    `SELECT c.model_id AS m, c.step, c.tokens, m.final_step AS final, c.artifact_uri AS uri, c.artifact_sha256 AS sha, c.artifact_bytes AS bytes, c.layers_manifest AS lm
     FROM checkpoints c JOIN models m USING (model_id) WHERE list_contains(?, c.model_id)`,
    [listValue([...modelIds])],
  );
  const descending = page.direction === 'DESC';
  const [from, to, after] = [page.stepFrom ?? -1, page.stepTo ?? 2_147_483_647, page.afterStep ?? (descending ? 2_147_483_647 : -1)];
  const byModel = new Map<string, typeof rows>();
  for (const r of rows) (byModel.get(r.m) ?? byModel.set(r.m, []).get(r.m)!).push(r);
  const out: (CheckpointRow & { totalCount: number })[] = [];
  for (const model of [...byModel.keys()].sort()) {
    const all = byModel.get(model)!.sort((x, y) => x.step - y.step);
    // The earliest other step with the same artifact, over all of the model's steps.
    const firstBySha = new Map<string, number[]>();
    for (const c of all) if (c.sha !== null) (firstBySha.get(c.sha) ?? firstBySha.set(c.sha, []).get(c.sha)!).push(c.step);
    const inRange = all.filter((c) => c.step >= from && c.step <= to);
    const next = descending ? inRange.filter((x) => x.step < after).reverse() : inRange.filter((x) => x.step > after);
    for (const c of next.slice(0, page.limit + 1)) {
      const duplicateOf = c.sha === null ? null : firstBySha.get(c.sha)!.find((step) => step !== c.step) ?? null;
      out.push({
        modelId: c.m, step: c.step, tokens: c.tokens, fraction: trainingFraction(c.step, c.final),
        artifactUri: c.uri, artifactSha256: c.sha, artifactBytes: c.bytes, duplicateOf,
        layersManifest: c.lm === null ? null : (JSON.parse(c.lm) as string[]), totalCount: inRange.length,
      });
    }
  }
  return out;
}

export async function upsertModel(tx: WriteTx, m: ModelRow): Promise<void> {
  await tx.run(
    `INSERT INTO models (model_id, family, params, n_layers, hidden_size, tokens_per_step, final_step, languages, source, description)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (model_id) DO UPDATE SET family = excluded.family, params = excluded.params,
       n_layers = excluded.n_layers, hidden_size = excluded.hidden_size, tokens_per_step = excluded.tokens_per_step,
       final_step = excluded.final_step, languages = excluded.languages, source = excluded.source,
       description = excluded.description`,
    [m.modelId, m.family, m.params, m.nLayers, m.hiddenSize, m.tokensPerStep, m.finalStep, listValue([...m.languages]), m.source, m.description],
  );
}

/** Registers a model only if it is new, so imports never overwrite registered metadata. */
export async function insertModelIfMissing(tx: WriteTx, m: ModelRow): Promise<void> {
  await tx.run(
    `INSERT INTO models (model_id, family, params, n_layers, hidden_size, tokens_per_step, final_step, languages, source, description)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
    [m.modelId, m.family, m.params, m.nLayers, m.hiddenSize, m.tokensPerStep, m.finalStep, listValue([...m.languages]), m.source, m.description],
  );
}

/**
 * Adds checkpoints (model, step) that do not exist yet, with tokens = step × tokens per step
 * when the model knows its tokens per step, and fills tokens in for existing ones that lack it.
 */
export async function ensureCheckpoints(tx: WriteTx, modelId: string, steps: readonly number[]): Promise<void> {
  await tx.run(
    `INSERT INTO checkpoints (model_id, step, tokens)
     SELECT ?, s.step, s.step * m.tokens_per_step
     FROM (SELECT unnest(?::INTEGER[]) AS step) s, models m WHERE m.model_id = ?
     ON CONFLICT (model_id, step) DO UPDATE SET tokens = coalesce(checkpoints.tokens, excluded.tokens)`,
    [modelId, listValue([...steps]), modelId],
  );
}

export interface CheckpointUpsert {
  readonly step: number;
  readonly tokens?: number | null;
  readonly artifactUri?: string | null;
  readonly artifactSha256?: string | null;
  readonly artifactBytes?: number | null;
  /** Layer → tensor names of the artifact's graph; only written together with an artifact. */
  readonly layersManifest?: readonly string[] | null;
}

export async function upsertCheckpoint(tx: WriteTx, modelId: string, c: CheckpointUpsert): Promise<void> {
  const manifest = c.layersManifest ? JSON.stringify(c.layersManifest) : null;
  await tx.run(
    `INSERT INTO checkpoints (model_id, step, tokens, artifact_uri, artifact_sha256, artifact_bytes, layers_manifest)
     SELECT ?, ?, coalesce(?, ? * m.tokens_per_step), ?, ?, ?, ? FROM models m WHERE m.model_id = ?
     ON CONFLICT (model_id, step) DO UPDATE SET tokens = excluded.tokens,
       artifact_uri = coalesce(excluded.artifact_uri, checkpoints.artifact_uri),
       artifact_sha256 = coalesce(excluded.artifact_sha256, checkpoints.artifact_sha256),
       artifact_bytes = coalesce(excluded.artifact_bytes, checkpoints.artifact_bytes),
       layers_manifest = CASE WHEN excluded.artifact_uri IS NULL THEN checkpoints.layers_manifest ELSE excluded.layers_manifest END`,
    [modelId, c.step, c.tokens ?? null, c.step, c.artifactUri ?? null, c.artifactSha256 ?? null, c.artifactBytes ?? null, manifest, modelId],
  );
}

/** Recomputes checkpoint tokens after a model's tokens per step changed. */
export async function refreshCheckpointTokens(tx: WriteTx, modelId: string): Promise<void> {
  await tx.run(
    `UPDATE checkpoints SET tokens = checkpoints.step * m.tokens_per_step
     FROM models m WHERE m.model_id = checkpoints.model_id AND m.model_id = ? AND m.tokens_per_step IS NOT NULL`,
    [modelId],
  );
}

/** The tokenizer.json registered for a model, if any. */
export async function modelTokenizer(wh: Warehouse, modelId: string): Promise<string | null> {
  const [row] = await wh.all<{ uri: string | null }>('SELECT tokenizer_uri AS uri FROM models WHERE model_id = ?', [modelId], { cache: false });
  return row?.uri ?? null;
}

export async function setTokenizerHashIfUnknown(tx: WriteTx, modelId: string, sha256: string): Promise<void> {
  await tx.run('UPDATE models SET tokenizer_sha256 = ? WHERE model_id = ? AND tokenizer_sha256 IS NULL', [sha256, modelId]);
}

export async function setTokenizer(tx: WriteTx, modelId: string, tokenizerUri: string, sha256: string | null): Promise<void> {
  await tx.run('UPDATE models SET tokenizer_uri = ?, tokenizer_sha256 = ? WHERE model_id = ?', [tokenizerUri, sha256, modelId]);
}

export interface ArtifactRow {
  readonly step: number;
  readonly artifactUri: string | null;
  readonly artifactSha256: string | null;
  readonly artifactBytes: number | null;
  /** The earliest other step whose artifact has the same sha256 (a broken branch serving other weights). */
  readonly duplicateOf: number | null;
  readonly tokenizerUri: string | null;
  /** Layer → tensor names registered with the artifact (null: found by graph surgery). */
  readonly layersManifest: readonly string[] | null;
}

/** Checkpoint artifacts of a model, each with the step whose content it duplicates, if any. */
export async function checkpointArtifacts(wh: Warehouse, modelId: string, steps?: readonly number[]): Promise<ArtifactRow[]> {
  const rows = await wh.all<Omit<ArtifactRow, 'layersManifest'> & { layersManifest: string | null }>(
    `SELECT c.step, c.artifact_uri AS "artifactUri", c.artifact_sha256 AS "artifactSha256", c.artifact_bytes AS "artifactBytes",
            (SELECT min(o.step) FROM checkpoints o WHERE o.model_id = c.model_id AND o.step <> c.step AND o.artifact_sha256 = c.artifact_sha256) AS "duplicateOf",
            m.tokenizer_uri AS "tokenizerUri", c.layers_manifest AS "layersManifest"
     FROM checkpoints c JOIN models m USING (model_id)
     WHERE c.model_id = ? ${steps ? 'AND list_contains(?::INTEGER[], c.step)' : ''} ORDER BY c.step`,
    steps ? [modelId, listValue([...steps])] : [modelId],
  );
  return rows.map((r) => ({ ...r, layersManifest: r.layersManifest === null ? null : (JSON.parse(r.layersManifest) as string[]) }));
}

/** Steps whose checkpoint has an ONNX file and whose model has a tokenizer: features can be made for them. */
export async function artifactSteps(wh: Warehouse, modelId: string): Promise<number[]> {
  const rows = await wh.all<{ step: number }>(
    `SELECT c.step FROM checkpoints c JOIN models m USING (model_id)
     WHERE c.model_id = ? AND c.artifact_uri IS NOT NULL AND m.tokenizer_uri IS NOT NULL`,
    [modelId],
  );
  return rows.map((r) => r.step).sort((a, b) => a - b);
}

/** The model's last registered checkpoint, or null when it has none. */
export async function finalCheckpointStep(wh: Warehouse, modelId: string): Promise<number | null> {
  const [row] = await wh.all<{ step: number | null }>('SELECT max(step) AS step FROM checkpoints WHERE model_id = ?', [modelId]);
  return row?.step ?? null;
}
