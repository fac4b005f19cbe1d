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
  /**
   * A table keyed by cell_id: a bundle's cell ids are its exporter's, so its rows find their
   * cell through the bundle's `cells` (by the cell's natural key), and `key` is within a cell.
   */
  readonly viaCell?: {
    /** The slice as written to Parquet (alias `c` is the cell). */
    readonly select: (w: BundleWhere) => string;
    /** The stored rows in the same columns (for conflicts). */
    readonly stored: string;
    /** Stored columns from the staged rows `b` of cells `c` (new cell ids). */
    readonly insert: string;
  };
}

/** A cell's identity; cell ids are local to each warehouse. */
const CELL_KEY = ['model_id', 'step', 'layer', 'dataset_id', 'subject_id', 'params_hash'];
const byCell = (w: BundleWhere) => `${inList('c.model_id', w.models)} AND ${inList('c.dataset_id', w.datasets)}`;

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
  { table: 'runs', key: ['run_id'], compare: ['params_hash'], filter: (w) => `run_id IN (SELECT run_id FROM cells WHERE ${byBoth(w)} UNION SELECT run_id FROM internal_metrics WHERE ${byModel(w)})` },
  {
    // What each run read, by content hash, so cells are judged STALE in the receiving warehouse too.
    // Feature hashes travel only with the features (without them, every cell would read as stale
    // there); a subject's hash travels with its subjects row.
    table: 'run_inputs', key: ['run_id', 'role', 'model_id', 'step', 'layer', 'dataset_id', 'subject_id'], compare: ['sha256'],
    filter: (w) => `run_id IN (SELECT run_id FROM cells WHERE ${byBoth(w)} UNION SELECT run_id FROM internal_metrics WHERE ${byModel(w)}) AND (role = 'fmri' OR ${w.includeFeatures})`,
  },
  { table: 'cells', key: CELL_KEY, compare: ['n_voxels'], filter: byBoth },
  {
    table: 'brain_score_summary', key: ['roi'], compare: ['mean_r', 'n_voxels'], filter: byCell,
    viaCell: {
      select: (w) => `SELECT s.* FROM brain_score_summary s JOIN cells c USING (cell_id) WHERE ${byCell(w)} ORDER BY s.cell_id, s.roi`,
      stored: 'SELECT * FROM brain_score_summary',
      insert: 'b.roi, b.mean_r, b.median_r, b.top_mean_r, b.n_voxels, b.n_significant',
    },
  },
  {
    // The penalty is written as its value (alpha), not its index in the cell's dictionary, so
    // the file reads like any table of voxel scores.
    table: 'brain_scores', key: ['voxel'], compare: ['r', 'alpha'], filter: byCell,
    viaCell: {
      select: (w) => `SELECT s.cell_id, s.voxel, s.r, c.alphas[s.alpha_index + 1] AS alpha FROM brain_scores s JOIN cells c USING (cell_id) WHERE ${byCell(w)} ORDER BY s.cell_id, s.voxel`,
      stored: 'SELECT s.cell_id, s.voxel, s.r, c.alphas[s.alpha_index + 1] AS alpha FROM brain_scores s JOIN cells c USING (cell_id)',
      insert: 'b.voxel, b.r, CASE WHEN b.alpha IS NULL THEN NULL ELSE list_position(c.alphas, b.alpha) - 1 END::USMALLINT',
    },
  },
  {
    // Block-permutation p and BH q per voxel (migration 11), only for cells computed with
    // permutations; a bundle without this file (older, or without such cells) imports as before.
    table: 'voxel_significance', key: ['voxel'], compare: ['p_value', 'q_value'], filter: byCell,
    viaCell: {
      select: (w) => `SELECT s.cell_id, s.voxel, s.p_value, s.q_value FROM voxel_significance s JOIN cells c USING (cell_id) WHERE ${byCell(w)} ORDER BY s.cell_id, s.voxel`,
      stored: 'SELECT cell_id, voxel, p_value, q_value FROM voxel_significance',
      insert: 'b.voxel, b.p_value, b.q_value',
    },
  },
  { table: 'internal_metrics', key: ['model_id', 'step', 'layer', 'metric', 'params_hash'], compare: ['value'], filter: byModel },
];

export function bundleTables(w: BundleWhere): readonly TableSpec[] {
  return BUNDLE_TABLES.filter((t) => t.when?.(w) ?? true);
}

/** Writes one table slice to a Parquet file; returns its row count. */
export async function exportTableSlice(wh: Warehouse, spec: TableSpec, w: BundleWhere, file: string): Promise<number> {
  const select = spec.viaCell?.select(w) ?? `SELECT * FROM ${spec.table} WHERE ${spec.filter(w)} ORDER BY ${spec.key.join(', ')}`;
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
  let want: string;
  if (spec.viaCell) {
    // A cell-keyed table is written as its export query's columns, not the stored ones: compare with those.
    const shape = `bundle_shape_${spec.table}`;
    await tx.run(`CREATE OR REPLACE TEMP TABLE ${shape} AS SELECT * FROM (${spec.viaCell.select({ models: [], datasets: [], includeFmri: false, includeFeatures: false })}) LIMIT 0`);
    want = await columns(shape);
    await tx.run(`DROP TABLE ${shape}`);
  } else want = await columns(spec.table);
  const have = await columns(staged);
  return { staged: { spec, staged }, problem: have === want ? null : `columns (${have.slice(0, 500)}) do not match table ${spec.table} (${want})` };
}

export interface Conflict {
  readonly table: string;
  readonly key: Record<string, unknown>;
}

/**
 * Pairs the bundle's cells with this warehouse's by natural key; cells not stored here get
 * new cell ids. Run after staging `cells`, before the conflicts and merges of its children.
 */
export async function mapBundleCells(tx: WriteTx): Promise<void> {
  await tx.run(`CREATE OR REPLACE TEMP TABLE bundle_cell_map AS
    SELECT b.cell_id AS bundle_id, w.cell_id AS local_id, w.cell_id IS NULL AS is_new
    FROM bundle_cells b LEFT JOIN cells w ON ${CELL_KEY.map((k) => `b.${k} = w.${k}`).join(' AND ')}`);
  await tx.run("UPDATE bundle_cell_map SET local_id = nextval('cell_ids') WHERE is_new");
}

/** Rows whose key exists in the warehouse with different values (first `limit`). */
export async function findConflicts(tx: WriteTx, s: StagedTable, limit: number): Promise<Conflict[]> {
  const differs = s.spec.compare.map((c) => `b.${c} IS DISTINCT FROM w.${c}`).join(' OR ');
  const via = s.spec.viaCell;
  if (via) {
    const on = s.spec.key.map((k) => `b.${k} IS NOT DISTINCT FROM w.${k}`).join(' AND ');
    const rows = await tx.all<Record<string, unknown>>(
      `SELECT ${CELL_KEY.map((k) => `bc.${k}`).join(', ')}, ${s.spec.key.map((k) => `b.${k}`).join(', ')}
       FROM ${s.staged} b JOIN bundle_cell_map m ON m.bundle_id = b.cell_id AND NOT m.is_new
       JOIN bundle_cells bc ON bc.cell_id = b.cell_id
       JOIN (${via.stored} WHERE cell_id IN (SELECT local_id FROM bundle_cell_map WHERE NOT is_new)) w ON w.cell_id = m.local_id AND ${on}
       WHERE ${differs} LIMIT ${limit}`,
    );
    return rows.map((key) => ({ table: s.spec.table, key }));
  }
  const on = s.spec.key.map((k) => `b.${k} IS NOT DISTINCT FROM w.${k}`).join(' AND ');
  const rows = await tx.all<Record<string, unknown>>(
    `SELECT ${s.spec.key.map((k) => `b.${k}`).join(', ')} FROM ${s.staged} b JOIN ${s.spec.table} w ON ${on} WHERE ${differs} LIMIT ${limit}`,
  );
  return rows.map((key) => ({ table: s.spec.table, key }));
}

/** Inserts the staged rows whose key is not present yet; returns how many. */
export async function mergeStaged(tx: WriteTx, s: StagedTable): Promise<{ inserted: number; present: number }> {
  const [{ total }] = await tx.all<{ total: number }>(`SELECT count(*) AS total FROM ${s.staged}`);
  const n = s.spec.table === 'cells' ? await mergeCells(tx) : s.spec.viaCell ? await mergeViaCell(tx, s) : await mergeRows(tx, s);
  if (s.spec.table === 'task_scores') await tx.run('INSERT INTO tasks SELECT DISTINCT task FROM task_scores ON CONFLICT DO NOTHING');
  return { inserted: n, present: total - n };
}

/** Drops the staged tables of a bundle. */
export async function dropStaged(tx: WriteTx, staged: readonly StagedTable[]): Promise<void> {
  for (const s of staged) await tx.run(`DROP TABLE IF EXISTS ${s.staged}`);
  await tx.run('DROP TABLE IF EXISTS bundle_cell_map');
}

async function mergeRows(tx: WriteTx, s: StagedTable): Promise<number> {
  const on = s.spec.key.map((k) => `b.${k} IS NOT DISTINCT FROM w.${k}`).join(' AND ');
  const [{ n }] = await tx.all<{ n: number }>(
    `SELECT count(*) AS n FROM ${s.staged} b WHERE NOT EXISTS (SELECT 1 FROM ${s.spec.table} w WHERE ${on})`,
  );
  await tx.run(`INSERT INTO ${s.spec.table} SELECT b.* FROM ${s.staged} b WHERE NOT EXISTS (SELECT 1 FROM ${s.spec.table} w WHERE ${on})`);
  return n;
}

/** New cells, under their new ids, with the penalty dictionary of their voxel rows. */
async function mergeCells(tx: WriteTx): Promise<number> {
  const [{ n }] = await tx.all<{ n: number }>('SELECT count(*) AS n FROM bundle_cell_map WHERE is_new');
  const scores = (await tx.all<{ n: number }>("SELECT count(*) AS n FROM information_schema.tables WHERE table_name = 'bundle_brain_scores'"))[0].n > 0;
  const alphas = scores
    ? `(SELECT list_sort(list_distinct(list(alpha))) FROM bundle_brain_scores WHERE cell_id = b.cell_id)`
    : '[]::REAL[]';
  await tx.run(
    `INSERT INTO cells (cell_id, model_id, step, layer, dataset_id, subject_id, params_hash, run_id, n_voxels, alphas)
     SELECT m.local_id, b.model_id, b.step, b.layer, b.dataset_id, b.subject_id, b.params_hash, b.run_id, b.n_voxels, coalesce(${alphas}, []::REAL[])
     FROM bundle_cells b JOIN bundle_cell_map m ON m.bundle_id = b.cell_id WHERE m.is_new ORDER BY m.local_id`,
  );
  return n;
}

/** Rows of new cells only: a cell stored here already is complete (its rows were compared). */
async function mergeViaCell(tx: WriteTx, s: StagedTable): Promise<number> {
  const from = `FROM ${s.staged} b JOIN bundle_cell_map m ON m.bundle_id = b.cell_id JOIN cells c ON c.cell_id = m.local_id WHERE m.is_new`;
  const [{ n }] = await tx.all<{ n: number }>(`SELECT count(*) AS n ${from}`);
  await tx.run(`INSERT INTO ${s.spec.table} SELECT m.local_id, ${s.spec.viaCell!.insert} ${from} ORDER BY m.local_id, ${s.spec.key.map((k) => `b.${k}`).join(', ')}`);
  return n;
}
