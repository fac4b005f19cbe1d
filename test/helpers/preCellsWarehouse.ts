import { DuckDBInstance } from '@duckdb/node-api';
import { createRng } from '../../compute/random.js';
import { CELLS_VERSION } from '../../warehouse/migrateToCells.js';
import { MIGRATIONS } from '../../warehouse/migrations.js';

/** One old-layout cell: every voxel row carries its string keys. */
export interface OldCell {
  readonly model: string;
  readonly step: number;
  readonly layer: number;
  readonly subject: string;
  /** null: written before migration 4 added params hashes. */
  readonly paramsHash: string | null;
  readonly voxels: number;
}

export const OLD_ALPHAS = [0.1, 1, 10, 100, 1000, 10_000].map(Math.fround);

/**
 * A warehouse exactly as the version before the cells migration left it: every released
 * migration before CELLS_VERSION (their statements are kept, never edited) and brain scores in
 * the string-keyed layout those versions wrote —
 * voxel rows (some r and alpha NULL), per-ROI summaries, one summary-only cell.
 */
export async function buildPreCellsWarehouse(path: string, cells: readonly OldCell[], seed = 1): Promise<void> {
  const instance = await DuckDBInstance.create(path);
  const c = await instance.connect();
  try {
    await c.run('CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name VARCHAR, applied_at TIMESTAMP DEFAULT current_timestamp)');
    for (const m of MIGRATIONS.filter((m) => m.version < CELLS_VERSION)) {
      for (const sql of m.statements!) await c.run(sql);
      await c.run('INSERT INTO schema_migrations (version, name) VALUES (?, ?)', [m.version, m.name]);
    }
    const rng = createRng(seed);
    await c.run("INSERT INTO datasets (dataset_id, tr_seconds) VALUES ('ds', 2)");
    for (const [i, cell] of cells.entries()) {
      const run = `run-${i}`;
      const rows = Array.from({ length: cell.voxels }, (_, v) => {
        const r = v % 11 === 3 ? 'NULL' : String(Math.fround(rng() - 0.2));
        const alpha = v % 13 === 5 ? 'NULL' : String(OLD_ALPHAS[Math.floor(rng() * OLD_ALPHAS.length)]);
        return `('${cell.model}', ${cell.step}, ${cell.layer}, 'ds', '${cell.subject}', ${v}, ${r}, ${alpha}, '${run}', ${cell.paramsHash === null ? 'NULL' : `'${cell.paramsHash}'`})`;
      });
      for (let k = 0; k < rows.length; k += 1000) {
        await c.run(`INSERT INTO brain_scores (model_id, step, layer, dataset_id, subject_id, voxel, r, alpha, run_id, params_hash) VALUES ${rows.slice(k, k + 1000).join(', ')}`);
      }
      for (const roi of ['all', 'AC']) {
        await c.run(
          `INSERT INTO brain_score_summary (model_id, step, layer, dataset_id, subject_id, roi, mean_r, median_r, top_mean_r, n_voxels, n_significant, run_id, params_hash)
           VALUES (?, ?, ?, 'ds', ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
          [cell.model, cell.step, cell.layer, cell.subject, roi, rng(), rng(), rng(), cell.voxels, i, run, cell.paramsHash],
        );
      }
    }
    // A summary without voxel rows (written by hand, as the old phase tests did).
    await c.run(`INSERT INTO brain_score_summary VALUES ('only-summary', 5, 3, 'ds', 's1', 'all', 0.25, 0.25, 0.25, 100, 10, 'run-x', 'h')`);
    await c.run('CHECKPOINT');
  } finally {
    c.closeSync();
    instance.closeSync();
  }
}

/** Every voxel score as (natural key, voxel, r, alpha), in the old layout's terms, sorted. */
export const OLD_SCORES = `SELECT model_id, step, layer, dataset_id, subject_id, coalesce(params_hash, '') AS params_hash, run_id, voxel, r, alpha
  FROM brain_scores ORDER BY ALL`;
export const NEW_SCORES = `SELECT c.model_id, c.step, c.layer, c.dataset_id, c.subject_id, c.params_hash, c.run_id, b.voxel, b.r, c.alphas[b.alpha_index + 1] AS alpha
  FROM brain_scores b JOIN cells c USING (cell_id) ORDER BY ALL`;
export const OLD_SUMMARIES = `SELECT model_id, step, layer, dataset_id, subject_id, coalesce(params_hash, '') AS params_hash, roi, mean_r, median_r, top_mean_r, n_voxels, n_significant
  FROM brain_score_summary ORDER BY ALL`;
export const NEW_SUMMARIES = `SELECT c.model_id, c.step, c.layer, c.dataset_id, c.subject_id, c.params_hash, s.roi, s.mean_r, s.median_r, s.top_mean_r, s.n_voxels, s.n_significant
  FROM brain_score_summary s JOIN cells c USING (cell_id) ORDER BY ALL`;
