import type { Warehouse, WriteTx } from './Warehouse.js';

/**
 * The SQL of sharing bundles: which rows of each table a bundle holds, how they are written to
 * and read from Parquet, how conflicts are found and how rows are merged.
 */
export interface BundleWhere {
  /** Model ids (null: all). */
  readonly models: readonly string[] | null;
  /** Dataset ids (null: all). */
  readonly datasets: readonly string[] | null;
  /** Include raw fMRI responses and stimulus words (default true). */
  readonly includeFmri: boolean;
  /** Include per-word feature matrices (default false: they can be large). */
  readonly includeFeatures: boolean;
}

interface TableSpec {
  readonly table: string;
  /** Columns identifying a row: merging skips rows whose key is present. */
  readonly key: readonly string[];
  /** Columns that must agree when the key is present, else it is a conflict. */
  readonly compare: readonly string[];
  readonly filter: (w: BundleWhere) => string;
  readonly when?: (w: BundleWhere) => boolean;
}

const literal = (s: string) => `'${s.replace(/'/g, "''")}'`;
const inList = (column: string, values: readonly string[] | null) => (values === null ? 'TRUE' : values.length === 0 ? 'FALSE' : `${column} IN (${values.map(literal).join(', ')})`);
const byModel = (w: BundleWhere) => inList('model_id', w.models);
const byDataset = (w: BundleWhere) => inList('dataset_id', w.datasets);
const byBoth = (w: BundleWhere) => `${byModel(w)} AND ${byDataset(w)}`;

/** Tables in the order they are merged (parents before children). */
export const BUNDLE_TABLES: readonly TableSpec[] = [
  { table: 'models', key: ['model_id'], compare: ['tokens_per_step', 'final_step'], filter: byModel },
  { table: 'checkpoints', key: ['model_id', 'step'], compare: ['tokens'], filter: byModel },
  { table: 'task_scores', key: ['model_id', 'step', 'task', 'metric'], compare: ['value', 'stderr'], filter: byModel },
  // The provenance of the results files the slice's scores came from (one row per file, by content hash).
  { table: 'eval_sources', key: ['sha256'], compare: ['format', 'model_args', 'harness_version'], filter: (w) => `sha256 IN (SELECT source_sha256 FROM task_scores WHERE ${byModel(w)})` },
  { table: 'datasets', key: ['dataset_id'], compare: ['tr_seconds'], filter: byDataset },
  { table: 'subjects', key: ['dataset_id', 'subject_id'], compare: ['n_voxels'], filter: byDataset },
  { table: 'voxels', key: ['dataset_id', 'subject_id', 'voxel'], compare: ['roi'], filter: byDataset },
  { table: 'fmri_runs', key: ['dataset_id', 'run_id'], compare: ['split', 'n_trs'], filter: byDataset, when: (w) => w.includeFmri },
  { table: 'stimulus_words', key: ['dataset_id', 'run_id', 'word_index'], compare: ['word', 'onset'], filter: byDataset, when: (w) => w.includeFmri },
  { table: 'fmri_responses', key: ['dataset_id', 'subject_id', 'run_id', 'presentation'], compare: ['data'], filter: byDataset, when: (w) => w.includeFmri },
  { table: 'word_features', key: ['model_id', 'step', 'layer', 'dataset_id'], compare: ['data'], filter: byBoth, when: (w) => w.includeFeatures },
  { table: 'runs', key: ['run_id'], compare: ['params_hash'], filter: (w) => `run_id IN (SELECT run_id FROM brain_score_summary WHERE ${byBoth(w)} UNION SELECT run_id FROM internal_metrics WHERE ${byModel(w)})` },
  { table: 'brain_score_summary', key: ['model_id', 'step', 'layer', 'dataset_id', 'subject_id', 'roi', 'params_hash'], compare: ['mean_r', 'n_voxels'], filter: byBoth },
  { table: 'brain_scores', key: ['model_id', 'step', 'layer', 'dataset_id', 'subject_id', 'voxel', 'params_hash'], compare: ['r', 'alpha'], filter: byBoth },
  { table: 'internal_metrics', key: ['model_id', 'step', 'layer', 'metric', 'params_hash'], compare: ['value'], filter: byModel },
];

export function bundleTables(w: BundleWhere): readonly TableSpec[] {
  return BUNDLE_TABLES.filter((t) => t.when?.(w) ?? true);
}

/** Writes one table slice to a Parquet file; returns its row count. */
export async function exportTableSlice(wh: Warehouse, spec: TableSpec, w: BundleWhere, file: string): Promise<number> {
  const select = `SELECT * FROM ${spec.table} WHERE ${spec.filter(w)} ORDER BY ${spec.key.join(', ')}`;
  const [{ n }] = await wh.all<{ n: number }>(`SELECT count(*) AS n FROM (${select})`, [], { cache: false });
  await wh.all(`COPY (${select}) TO ${literal(file)} (FORMAT parquet, COMPRESSION zstd)`, [], { cache: false });
  return n;
}

/** Run provenance rows of a bundle, for its manifest. */
export async function runsOfSlice(wh: Warehouse, w: BundleWhere): Promise<Record<string, unknown>[]> {
  const runs = BUNDLE_TABLES.find((t) => t.table === 'runs')!;
  return wh.all(`SELECT * FROM runs WHERE ${runs.filter(w)} ORDER BY run_id`, [], { cache: false });
}

export interface StagedTable {
  readonly spec: TableSpec;
  readonly staged: string;
}

/**
 * Whether DuckDB can read `file` as Parquet: a problem to report, or null. Asked before the
 * merge's transaction, where a failed statement would abort the whole transaction.
 */
export async function probeParquet(wh: Warehouse, file: string): Promise<string | null> {
  try {
    await wh.all(`SELECT * FROM read_parquet(${literal(file)}) LIMIT 0`, [], { cache: false });
    return null;
  } catch {
    return 'not a readable Parquet file (corrupt, truncated or another format)';
  }
}

/** Loads a bundle file into a temporary table; reports columns whose names or types differ from the warehouse table's (nothing is cast silently). */
export async function stageParquet(tx: WriteTx, spec: TableSpec, file: string): Promise<{ staged: StagedTable; problem: string | null }> {
  const staged = `bundle_${spec.table}`;
  await tx.run(`CREATE OR REPLACE TEMP TABLE ${staged} AS SELECT * FROM read_parquet(${literal(file)})`);
  const columns = async (table: string) =>
    (await tx.all<{ c: string }>(`SELECT column_name || ' ' || data_type AS c FROM information_schema.columns WHERE table_name = ? AND table_schema = 'main' ORDER BY ordinal_position`, [table])).map((r) => r.c).join(', ');
  const [have, want] = [await columns(staged), await columns(spec.table)];
  return { staged: { spec, staged }, problem: have === want ? null : `columns (${have.slice(0, 500)}) do not match table ${spec.table} (${want})` };
}

export interface Conflict {
  readonly table: string;
  readonly key: Record<string, unknown>;
}

/** Rows whose key exists in the warehouse with different values (first `limit`). */
export async function findConflicts(tx: WriteTx, s: StagedTable, limit: number): Promise<Conflict[]> {
  const on = s.spec.key.map((k) => `b.${k} IS NOT DISTINCT FROM w.${k}`).join(' AND ');
  const differs = s.spec.compare.map((c) => `b.${c} IS DISTINCT FROM w.${c}`).join(' OR ');
  const rows = await tx.all<Record<string, unknown>>(
    `SELECT ${s.spec.key.map((k) => `b.${k}`).join(', ')} FROM ${s.staged} b JOIN ${s.spec.table} w ON ${on} WHERE ${differs} LIMIT ${limit}`,
  );
  return rows.map((key) => ({ table: s.spec.table, key }));
}

/** Inserts the staged rows whose key is not present yet; returns how many. */
export async function mergeStaged(tx: WriteTx, s: StagedTable): Promise<{ inserted: number; present: number }> {
  const on = s.spec.key.map((k) => `b.${k} IS NOT DISTINCT FROM w.${k}`).join(' AND ');
  const [{ total }] = await tx.all<{ total: number }>(`SELECT count(*) AS total FROM ${s.staged}`);
  const [{ n }] = await tx.all<{ n: number }>(
    `SELECT count(*) AS n FROM ${s.staged} b WHERE NOT EXISTS (SELECT 1 FROM ${s.spec.table} w WHERE ${on})`,
  );
  await tx.run(`INSERT INTO ${s.spec.table} SELECT b.* FROM ${s.staged} b WHERE NOT EXISTS (SELECT 1 FROM ${s.spec.table} w WHERE ${on})`);
  if (s.spec.table === 'task_scores') await tx.run('INSERT INTO tasks SELECT DISTINCT task FROM task_scores ON CONFLICT DO NOTHING');
  await tx.run(`DROP TABLE ${s.staged}`);
  return { inserted: n, present: total - n };
}
