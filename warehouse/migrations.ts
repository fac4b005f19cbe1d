import { SUBJECT_HASH_UPDATE } from './contentHashes.js';
import { migrateToCells, type MigrationOptions, type MigrationTarget, type MigrationTx } from './migrateToCells.js';

export type { MigrationOptions, MigrationProgress } from './migrateToCells.js';

export interface Migration {
  readonly version: number;
  readonly name: string;
  /** Run in one transaction that also records the version. */
  readonly statements?: readonly string[];
  /**
   * A migration too large for one transaction: runs in resumable steps of its own and calls
   * `record` inside its last transaction, so the version is recorded exactly when it is done.
   */
  readonly run?: (wh: MigrationTarget, record: (tx: MigrationTx) => Promise<void>, options: MigrationOptions) => Promise<void>;
}

/**
 * Versioned, append-only schema migrations. Never edit a released migration: add a new one.
 * Applied in order at open, each in its own transaction, and recorded in schema_migrations,
 * so opening a warehouse twice is a no-op.
 */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'core tables',
    statements: [
      `CREATE TABLE models (
         model_id VARCHAR PRIMARY KEY,
         family VARCHAR,
         params BIGINT,
         n_layers INTEGER,
         hidden_size INTEGER,
         tokens_per_step BIGINT,
         final_step INTEGER,
         languages VARCHAR[],
         source VARCHAR,
         description VARCHAR,
         registered_at TIMESTAMP DEFAULT current_timestamp)`,
      `CREATE TABLE checkpoints (
         model_id VARCHAR NOT NULL,
         step INTEGER NOT NULL,
         tokens BIGINT,
         artifact_uri VARCHAR,
         artifact_sha256 VARCHAR,
         artifact_bytes BIGINT,
         PRIMARY KEY (model_id, step))`,
      `CREATE TABLE task_scores (
         model_id VARCHAR NOT NULL,
         step INTEGER NOT NULL,
         task VARCHAR NOT NULL,
         metric VARCHAR NOT NULL,
         value DOUBLE NOT NULL,
         stderr DOUBLE,
         source VARCHAR,
         imported_at TIMESTAMP DEFAULT current_timestamp,
         PRIMARY KEY (model_id, step, task, metric))`,
      `CREATE TABLE datasets (
         dataset_id VARCHAR PRIMARY KEY,
         name VARCHAR,
         language VARCHAR,
         tr_seconds DOUBLE,
         description VARCHAR,
         source VARCHAR)`,
      `CREATE TABLE subjects (
         dataset_id VARCHAR NOT NULL,
         subject_id VARCHAR NOT NULL,
         n_voxels INTEGER,
         PRIMARY KEY (dataset_id, subject_id))`,
      `CREATE TABLE voxels (
         dataset_id VARCHAR NOT NULL,
         subject_id VARCHAR NOT NULL,
         voxel INTEGER NOT NULL,
         roi VARCHAR,
         x REAL, y REAL, z REAL,
         noise_ceiling REAL,
         PRIMARY KEY (dataset_id, subject_id, voxel))`,
      // The big table: no primary key (an ART index over 10^10 rows would dwarf the data);
      // rows are written in (model, step, layer, dataset, subject, voxel) order so DuckDB's
      // zone maps prune by those columns, and a cell is replaced by deleting its run first.
      `CREATE TABLE brain_scores (
         model_id VARCHAR NOT NULL,
         step INTEGER NOT NULL,
         layer SMALLINT NOT NULL,
         dataset_id VARCHAR NOT NULL,
         subject_id VARCHAR NOT NULL,
         voxel INTEGER NOT NULL,
         r REAL,
         alpha REAL,
         run_id VARCHAR NOT NULL)`,
      `CREATE TABLE brain_score_summary (
         model_id VARCHAR NOT NULL,
         step INTEGER NOT NULL,
         layer SMALLINT NOT NULL,
         dataset_id VARCHAR NOT NULL,
         subject_id VARCHAR NOT NULL,
         roi VARCHAR NOT NULL,
         mean_r DOUBLE,
         median_r DOUBLE,
         top_mean_r DOUBLE,
         n_voxels INTEGER,
         n_significant INTEGER,
         run_id VARCHAR NOT NULL)`,
      `CREATE TABLE internal_metrics (
         model_id VARCHAR NOT NULL,
         step INTEGER NOT NULL,
         layer SMALLINT NOT NULL,
         metric VARCHAR NOT NULL,
         value DOUBLE,
         run_id VARCHAR NOT NULL)`,
      `CREATE TABLE runs (
         run_id VARCHAR PRIMARY KEY,
         kind VARCHAR NOT NULL,
         params_json VARCHAR,
         params_hash VARCHAR,
         code_version VARCHAR,
         device VARCHAR,
         started TIMESTAMP,
         finished TIMESTAMP,
         status VARCHAR,
         error VARCHAR)`,
      `CREATE TABLE jobs (
         job_id VARCHAR PRIMARY KEY,
         cell_key VARCHAR NOT NULL,
         kind VARCHAR,
         status VARCHAR NOT NULL,
         priority INTEGER DEFAULT 0,
         progress DOUBLE DEFAULT 0,
         attempts INTEGER DEFAULT 0,
         error VARCHAR,
         created TIMESTAMP DEFAULT current_timestamp,
         updated TIMESTAMP DEFAULT current_timestamp,
         started TIMESTAMP,
         finished TIMESTAMP)`,
    ],
  },
  {
    version: 2,
    name: 'task name index',
    // The distinct task names (a few hundred at most): task groups expand against this small
    // table with LIKE, and then join task_scores by equality, which DuckDB hash-joins.
    statements: [
      'CREATE TABLE tasks (task VARCHAR PRIMARY KEY)',
      'INSERT INTO tasks SELECT DISTINCT task FROM task_scores',
    ],
  },
  {
    version: 3,
    name: 'fMRI runs, responses, stimulus words and word features',
    // Response and feature matrices are stored whole, as float32 row-major BLOBs: they are only
    // ever read whole (one run of one subject, one layer of one checkpoint), and a BLOB reads at
    // memory speed where 10^8 long-format rows would not.
    statements: [
      `CREATE TABLE fmri_runs (
         dataset_id VARCHAR NOT NULL,
         run_id VARCHAR NOT NULL,
         ord INTEGER NOT NULL,
         split VARCHAR NOT NULL CHECK (split IN ('train', 'test')),
         n_trs INTEGER NOT NULL,
         PRIMARY KEY (dataset_id, run_id))`,
      `CREATE TABLE fmri_responses (
         dataset_id VARCHAR NOT NULL,
         subject_id VARCHAR NOT NULL,
         run_id VARCHAR NOT NULL,
         presentation SMALLINT NOT NULL,
         n_trs INTEGER NOT NULL,
         n_voxels INTEGER NOT NULL,
         data BLOB NOT NULL,
         PRIMARY KEY (dataset_id, subject_id, run_id, presentation))`,
      `CREATE TABLE stimulus_words (
         dataset_id VARCHAR NOT NULL,
         run_id VARCHAR NOT NULL,
         word_index INTEGER NOT NULL,
         word VARCHAR NOT NULL,
         onset DOUBLE NOT NULL,
         "offset" DOUBLE NOT NULL,
         PRIMARY KEY (dataset_id, run_id, word_index))`,
      `CREATE TABLE word_features (
         model_id VARCHAR NOT NULL,
         step INTEGER NOT NULL,
         layer SMALLINT NOT NULL,
         dataset_id VARCHAR NOT NULL,
         n_words INTEGER NOT NULL,
         dim INTEGER NOT NULL,
         data BLOB NOT NULL,
         source VARCHAR,
         PRIMARY KEY (model_id, step, layer, dataset_id))`,
    ],
  },
  {
    version: 4,
    name: 'params hash on computed cells',
    // A computed cell is (…, params hash): recomputing with the same parameters replaces it,
    // other parameters keep their own rows. Carried on the cell tables so reads need no join.
    statements: [
      'ALTER TABLE brain_scores ADD COLUMN params_hash VARCHAR',
      'ALTER TABLE brain_score_summary ADD COLUMN params_hash VARCHAR',
      'ALTER TABLE internal_metrics ADD COLUMN params_hash VARCHAR',
    ],
  },
  {
    version: 5,
    name: 'API keys',
    statements: [
      `CREATE TABLE api_keys (
         key_id VARCHAR PRIMARY KEY,
         name VARCHAR NOT NULL,
         role VARCHAR NOT NULL CHECK (role IN ('reader', 'writer', 'admin')),
         secret_sha256 VARCHAR NOT NULL,
         created TIMESTAMP DEFAULT current_timestamp,
         revoked TIMESTAMP)`,
    ],
  },
  {
    version: 6,
    name: 'job specs and progress',
    statements: [
      'ALTER TABLE jobs ADD COLUMN spec_json VARCHAR',
      // No DEFAULT on added columns: DuckDB 1.5 fails to replay such an ALTER from the WAL.
      'ALTER TABLE jobs ADD COLUMN cells_done INTEGER',
      'ALTER TABLE jobs ADD COLUMN cells_total INTEGER',
      'ALTER TABLE jobs ADD COLUMN device VARCHAR',
      'ALTER TABLE jobs ADD COLUMN run_id VARCHAR',
    ],
  },
  {
    version: 7,
    name: 'tokenizer of a model',
    statements: ['ALTER TABLE models ADD COLUMN tokenizer_uri VARCHAR'],
  },
  {
    version: 8,
    name: 'layers manifest of a checkpoint',
    // JSON array: tensor name of layer 0, 1, … in the checkpoint's ONNX graph (null: found by surgery).
    statements: ['ALTER TABLE checkpoints ADD COLUMN layers_manifest VARCHAR'],
  },
  {
    version: 9,
    name: 'eval provenance, non-finite values, groups from files',
    // A NaN/Infinity metric is stored as NULL with the reason (never as a number); each score
    // names the sha256 of the file it came from, whose provenance is one eval_sources row; a
    // group score a file aggregated carries the file's subtasks and its leaf count.
    statements: [
      'ALTER TABLE task_scores ALTER COLUMN value DROP NOT NULL',
      'ALTER TABLE task_scores ADD COLUMN null_reason VARCHAR',
      'ALTER TABLE task_scores ADD COLUMN source_sha256 VARCHAR',
      'ALTER TABLE task_scores ADD COLUMN subtasks VARCHAR[]',
      'ALTER TABLE task_scores ADD COLUMN n_tasks INTEGER',
      `CREATE TABLE eval_sources (
         sha256 VARCHAR PRIMARY KEY,
         file VARCHAR NOT NULL,
         format VARCHAR NOT NULL,
         model_name VARCHAR,
         revision VARCHAR,
         harness_version VARCHAR,
         git_hash VARCHAR,
         evaluated_at VARCHAR,
         backend VARCHAR,
         model_args VARCHAR,
         dtype VARCHAR,
         batch_size VARCHAR,
         "limit" DOUBLE,
         transformers_version VARCHAR,
         task_versions VARCHAR,
         n_shot VARCHAR,
         filters VARCHAR,
         sample_counts VARCHAR,
         group_subtasks VARCHAR,
         imported_at TIMESTAMP DEFAULT current_timestamp)`,
    ],
  },
  {
    version: 10,
    name: 'integer-keyed cells and voxel scores',
    // Voxel rows keyed by five VARCHARs (model, dataset, subject, run, params hash) ingested at
    // ~0.2 M rows/s and took 7.7 bytes each; see migrateToCells.ts for the layout that replaces them.
    run: migrateToCells,
  },
  {
    version: 11,
    name: 'per-voxel block-permutation p and BH q values',
    // Only cells computed with `permutations` have rows here, so brain_scores keeps its four numbers per voxel.
    statements: [
      `CREATE TABLE voxel_significance (
         cell_id INTEGER NOT NULL,
         voxel INTEGER NOT NULL,
         p_value REAL,
         q_value REAL)`,
    ],
  },
  {
    version: 12,
    name: 'what an internal metric was computed against and how, and from which inputs',
    // reference_step: the checkpoint a linear CKA compared with (the previous one for linearCKA,
    // the final one for linearCKAToFinal), so a value never travels without its reference.
    // details_json: how an estimate was obtained (TwoNN: points used, duplicates collapsed, scale check).
    // word_features.sha256: the content hash of a feature matrix; run_inputs: the hashes a run
    // read, by role — a cell whose input's hash changed since is STALE, never READY.
    statements: [
      'ALTER TABLE internal_metrics ADD COLUMN reference_step INTEGER',
      'ALTER TABLE internal_metrics ADD COLUMN details_json VARCHAR',
      'ALTER TABLE word_features ADD COLUMN sha256 VARCHAR',
      'UPDATE word_features SET sha256 = sha256(data)',
      `CREATE TABLE run_inputs (
         run_id VARCHAR NOT NULL,
         role VARCHAR NOT NULL,
         model_id VARCHAR NOT NULL,
         step INTEGER NOT NULL,
         layer SMALLINT NOT NULL,
         dataset_id VARCHAR NOT NULL,
         sha256 VARCHAR)`,
    ],
  },
  {
    version: 13,
    name: 'content hashes of fMRI data, tokenizers and the files features were extracted from',
    // run_inputs gains the subject an `fmri` input names (such rows have no model, step or layer);
    // subjects.content_sha256 hashes what an encoding run reads of a subject (runInputsRepo.ts).
    statements: [
      'ALTER TABLE run_inputs ADD COLUMN subject_id VARCHAR',
      'ALTER TABLE run_inputs ALTER COLUMN model_id DROP NOT NULL',
      'ALTER TABLE run_inputs ALTER COLUMN step DROP NOT NULL',
      'ALTER TABLE run_inputs ALTER COLUMN layer DROP NOT NULL',
      'ALTER TABLE subjects ADD COLUMN content_sha256 VARCHAR',
      SUBJECT_HASH_UPDATE,
      // What extracted features came from: the checkpoint's ONNX file and the model's tokenizer
      // (their hashes when extracted; NULL for imported features and for extractions before this).
      'ALTER TABLE models ADD COLUMN tokenizer_sha256 VARCHAR',
      'ALTER TABLE word_features ADD COLUMN artifact_sha256 VARCHAR',
      'ALTER TABLE word_features ADD COLUMN tokenizer_sha256 VARCHAR',
    ],
  },
];

export async function applyMigrations(warehouse: MigrationTarget, options: MigrationOptions = {}): Promise<number[]> {
  await warehouse.write((tx) =>
    tx.run(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version INTEGER PRIMARY KEY, name VARCHAR, applied_at TIMESTAMP DEFAULT current_timestamp)`),
  );
  const done = new Set(
    (await warehouse.all<{ version: number }>('SELECT version FROM schema_migrations')).map((r) => r.version),
  );
  const applied: number[] = [];
  for (const migration of MIGRATIONS) {
    if (done.has(migration.version)) continue;
    const record = (tx: MigrationTx) => tx.run('INSERT INTO schema_migrations (version, name) VALUES (?, ?)', [migration.version, migration.name]);
    if (migration.run) await migration.run(warehouse, record, options);
    else {
      await warehouse.write(async (tx) => {
        for (const sql of migration.statements ?? []) await tx.run(sql);
        await record(tx);
      });
    }
    applied.push(migration.version);
  }
  // Fold schema changes into the database file at once, so no later open has to replay them
  // from the WAL (a crash right after migrating would otherwise leave that to recovery).
  if (applied.length > 0) await warehouse.checkpoint();
  return applied;
}

/** The newest version this build writes (a read-only open requires it). */
export function schemaVersion(): number {
  return Math.max(...MIGRATIONS.map((m) => m.version));
}
