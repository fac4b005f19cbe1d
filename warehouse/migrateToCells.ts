import type { SqlParams } from './sqlParams.js';

/** A migration's transaction (Warehouse's WriteTx has it). */
export interface MigrationTx {
  run(sql: string, params?: SqlParams): Promise<void>;
  all<T>(sql: string, params?: SqlParams): Promise<T[]>;
}

/**
 * What migrations need of the warehouse (Warehouse.ts, which runs them on open, has it; named
 * structurally so this folder's files import no cycle through Warehouse.ts).
 */
export interface MigrationTarget {
  write<T>(work: (tx: MigrationTx) => Promise<T>): Promise<T>;
  all<T>(sql: string, params?: SqlParams, options?: { cache?: boolean }): Promise<T[]>;
  checkpoint(): Promise<void>;
}

/** Reported inside each batch's transaction, before it commits (tests kill the process there). */
export interface MigrationProgress {
  readonly version: number;
  readonly cellsDone: number;
  readonly cellsTotal: number;
}

export interface MigrationOptions {
  /** Old voxel rows converted per transaction (default 20 M: about 2 s each). */
  readonly batchRows?: number;
  readonly onProgress?: (progress: MigrationProgress) => void | Promise<void>;
}

/**
 * The integer-keyed layout: a `cells` dimension table (one row per model × step × layer ×
 * dataset × subject × params hash, with its run) and voxel scores as (cell_id, voxel, r,
 * alpha_index). Every voxel row is four numbers, written from typed arrays at the appender's
 * speed; a cell's rows are one contiguous cell_id range, so zone maps find them, and replacing
 * a cell deletes one range. cell_ids come from a sequence and are never reused.
 *
 * Compression is fixed per column: DuckDB otherwise tries every method on every row group
 * (about a third of the append cost). r is stored uncompressed: ALPRD, which DuckDB would
 * pick, saves ~0.6 of 5 bytes per row on test correlations but costs ~12 ns per value to
 * decode on every scan and a fifth of the ingest rate.
 */
const NEW_TABLES = [
  `CREATE TABLE cells (
     cell_id INTEGER PRIMARY KEY,
     model_id VARCHAR NOT NULL,
     step INTEGER NOT NULL,
     layer SMALLINT NOT NULL,
     dataset_id VARCHAR NOT NULL,
     subject_id VARCHAR NOT NULL,
     params_hash VARCHAR NOT NULL,
     run_id VARCHAR NOT NULL,
     n_voxels INTEGER NOT NULL,
     -- The cell's distinct ridge penalties, ascending; brain_scores.alpha_index points into it
     -- (0-based), since a handful of grid values per cell bit-pack to ~4 bits per voxel.
     alphas REAL[] NOT NULL,
     UNIQUE (model_id, step, layer, dataset_id, subject_id, params_hash))`,
  `CREATE TABLE brain_scores_next (
     cell_id INTEGER NOT NULL USING COMPRESSION rle,
     voxel INTEGER NOT NULL USING COMPRESSION bitpacking,
     r REAL USING COMPRESSION uncompressed,
     alpha_index USMALLINT USING COMPRESSION bitpacking)`,
  `CREATE TABLE brain_score_summary_next (
     cell_id INTEGER NOT NULL,
     roi VARCHAR NOT NULL,
     mean_r DOUBLE,
     median_r DOUBLE,
     top_mean_r DOUBLE,
     n_voxels INTEGER,
     n_significant INTEGER)`,
];

/** The migration's version (9 belongs to the evals-real branch). */
export const CELLS_VERSION = 10;

const OLD_KEY = `b.model_id = p.model_id AND b.step = p.step AND b.layer = p.layer AND b.dataset_id = p.dataset_id
  AND b.subject_id = p.subject_id AND coalesce(b.params_hash, '') = p.params_hash`;

/**
 * Migration 10: converts the string-keyed brain_scores / brain_score_summary of versions 1–9 to
 * the cells layout, in place. Resumable and atomic as seen from the application:
 *   1. one transaction writes the plan (each old cell's new cell_id) and creates the new tables;
 *   2. one transaction per batch of cells (~batchRows voxel rows) copies them across;
 *   3. one transaction drops the old tables, renames the new ones and records version 10.
 * A process killed in step 2 leaves whole batches behind, and the next open continues with the
 * cells not yet copied; the old tables stay intact until step 3, and no code reads the new ones
 * before version 10 is recorded. (A warehouse's cells with a NULL params hash, from
 * before migration 4, gets the empty hash.)
 */
export async function migrateToCells(wh: MigrationTarget, record: (tx: MigrationTx) => Promise<void>, options: MigrationOptions = {}): Promise<void> {
  const batchRows = options.batchRows ?? 20_000_000;
  const [{ planned }] = await wh.all<{ planned: number }>(
    "SELECT count(*) AS planned FROM information_schema.tables WHERE table_name = 'migration_cells_plan'", [], { cache: false },
  );
  if (planned === 0) {
    await wh.write(async (tx) => {
      for (const sql of NEW_TABLES) await tx.run(sql);
      await tx.run(`CREATE TABLE migration_cells_plan AS
        WITH keys AS (
          SELECT model_id, step, layer, dataset_id, subject_id, coalesce(params_hash, '') AS params_hash, max(run_id) AS run_id, count(*) AS n
          FROM brain_scores GROUP BY ALL
          UNION ALL
          SELECT model_id, step, layer, dataset_id, subject_id, coalesce(params_hash, '') AS params_hash, max(run_id) AS run_id, 0 AS n
          FROM brain_score_summary GROUP BY ALL)
        SELECT row_number() OVER (ORDER BY model_id, step, layer, dataset_id, subject_id, params_hash)::INTEGER AS cell_id,
               model_id, step, layer, dataset_id, subject_id, params_hash, max(run_id) AS run_id, sum(n)::INTEGER AS n_voxels
        FROM keys GROUP BY model_id, step, layer, dataset_id, subject_id, params_hash`);
    });
  }
  const remaining = await wh.all<{ cell_id: number; model_id: string; step: number; n_voxels: number }>(
    `SELECT cell_id, model_id, step, n_voxels FROM migration_cells_plan
     WHERE cell_id NOT IN (SELECT cell_id FROM cells) ORDER BY cell_id`, [], { cache: false },
  );
  const [{ total }] = await wh.all<{ total: number }>('SELECT count(*) AS total FROM migration_cells_plan', [], { cache: false });
  let done = total - remaining.length;
  for (const batch of batches(remaining, batchRows)) {
    await wh.write(async (tx) => {
      await copyBatch(tx, batch);
      done += batch.cells;
      await options.onProgress?.({ version: CELLS_VERSION, cellsDone: done, cellsTotal: total });
    });
  }
  await wh.write(async (tx) => {
    const [{ next }] = await tx.all<{ next: number }>('SELECT coalesce(max(cell_id), 0) + 1 AS next FROM cells');
    await tx.run('DROP TABLE brain_scores');
    await tx.run('DROP TABLE brain_score_summary');
    await tx.run('DROP TABLE migration_cells_plan');
    await tx.run('ALTER TABLE brain_scores_next RENAME TO brain_scores');
    await tx.run('ALTER TABLE brain_score_summary_next RENAME TO brain_score_summary');
    await tx.run(`CREATE SEQUENCE cell_ids START ${Number(next)}`);
    await record(tx);
  });
}

interface Batch {
  readonly model: string;
  readonly firstStep: number;
  readonly lastStep: number;
  readonly firstCell: number;
  readonly lastCell: number;
  readonly cells: number;
}

/** Consecutive plan cells of one model, up to `rows` voxel rows (at least one cell). */
function batches(plan: readonly { cell_id: number; model_id: string; step: number; n_voxels: number }[], rows: number): Batch[] {
  const out: (Batch & { rows: number })[] = [];
  for (const p of plan) {
    const last = out[out.length - 1];
    if (last && last.model === p.model_id && last.rows + p.n_voxels <= rows && p.cell_id === last.lastCell + 1) {
      out[out.length - 1] = { ...last, lastStep: p.step, lastCell: p.cell_id, cells: last.cells + 1, rows: last.rows + p.n_voxels };
    } else {
      out.push({ model: p.model_id, firstStep: p.step, lastStep: p.step, firstCell: p.cell_id, lastCell: p.cell_id, cells: 1, rows: p.n_voxels });
    }
  }
  return out;
}

/** Copies one batch of cells: their cells rows (with the penalty dictionary), voxel rows in (cell_id, voxel) order, summaries. */
async function copyBatch(tx: MigrationTx, b: Batch): Promise<void> {
  // The model and step range let zone maps skip the rest of the old table.
  const old = 'b.model_id = ? AND b.step BETWEEN ? AND ? AND p.cell_id BETWEEN ? AND ?';
  const params = [b.model, b.firstStep, b.lastStep, b.firstCell, b.lastCell];
  await tx.run(
    `INSERT INTO cells
     SELECT p.cell_id, p.model_id, p.step, p.layer, p.dataset_id, p.subject_id, p.params_hash, p.run_id, p.n_voxels,
            coalesce(a.alphas, []::REAL[])
     FROM migration_cells_plan p LEFT JOIN (
       SELECT p.cell_id, list_sort(list_distinct(list(b.alpha))) AS alphas
       FROM brain_scores b JOIN migration_cells_plan p ON ${OLD_KEY}
       WHERE ${old} GROUP BY p.cell_id) a USING (cell_id)
     WHERE p.cell_id BETWEEN ? AND ?`,
    [...params, b.firstCell, b.lastCell],
  );
  await tx.run(
    `INSERT INTO brain_scores_next
     SELECT p.cell_id, b.voxel, b.r, CASE WHEN b.alpha IS NULL THEN NULL ELSE list_position(c.alphas, b.alpha) - 1 END::USMALLINT
     FROM brain_scores b JOIN migration_cells_plan p ON ${OLD_KEY} JOIN cells c ON c.cell_id = p.cell_id
     WHERE ${old}
     ORDER BY p.cell_id, b.voxel`,
    params,
  );
  await tx.run(
    `INSERT INTO brain_score_summary_next
     SELECT p.cell_id, b.roi, b.mean_r, b.median_r, b.top_mean_r, b.n_voxels, b.n_significant
     FROM brain_score_summary b JOIN migration_cells_plan p ON ${OLD_KEY}
     WHERE p.cell_id BETWEEN ? AND ?
     ORDER BY p.cell_id, b.roi`,
    [b.firstCell, b.lastCell],
  );
}
