import { listValue } from '@duckdb/node-api';
import { STIMULUS_HASH_SQL, SUBJECT_HASH_UPDATE } from './contentHashes.js';
import type { Warehouse, WriteTx } from './Warehouse.js';

/**
 * What a run read, with its content hash, by role:
 * - `states` (internal metrics) / `features` (encoding): a checkpoint's feature matrix of one layer;
 * - `previous` / `final`: the feature matrices a linear CKA compared with;
 * - `fmri` (encoding): one subject's fMRI data — responses, ROI labels, runs and stimulus.
 * A cell is STALE, never READY, once one of its inputs' current hash differs from the recorded one.
 */
export interface RunInput {
  readonly role: string;
  readonly modelId: string | null;
  readonly step: number | null;
  readonly layer: number | null;
  readonly datasetId: string;
  /** `fmri` only. */
  readonly subjectId?: string | null;
  readonly sha256: string | null;
}

/** What a run read (CKA metrics: the checkpoints compared with; null: none had the features). */
export interface RunProvenance {
  readonly previous: number | null;
  readonly final: number | null;
  readonly inputs: readonly RunInput[];
}

/** Records what a run read, in the caller's transaction. */
export async function writeRunInputs(tx: WriteTx, runId: string, inputs: readonly RunInput[]): Promise<void> {
  for (const i of inputs) {
    await tx.run('INSERT INTO run_inputs (run_id, role, model_id, step, layer, dataset_id, subject_id, sha256) VALUES (?, ?, ?, ?, ?, ?, ?, ?)', [
      runId, i.role, i.modelId, i.step, i.layer, i.datasetId, i.subjectId ?? null, i.sha256,
    ]);
  }
}

/** The current content hashes of features (for results computed elsewhere, whose inputs were read then). */
export async function featureHashes(wh: Warehouse, modelId: string, datasetId: string, steps: readonly number[]): Promise<{ step: number; layer: number; sha256: string | null }[]> {
  return wh.all('SELECT step, layer, sha256 FROM word_features WHERE model_id = ? AND dataset_id = ? AND list_contains(?, step) ORDER BY step, layer', [
    modelId, datasetId, listValue([...steps]),
  ], { cache: false });
}

/** The current content hashes of subjects' fMRI data. */
export async function subjectHashes(wh: Warehouse | WriteTx, datasetId: string): Promise<Map<string, string | null>> {
  const rows = await wh.all<{ subject: string; sha256: string | null }>(
    'SELECT subject_id AS subject, content_sha256 AS sha256 FROM subjects WHERE dataset_id = ?', [datasetId],
  );
  return new Map(rows.map((r) => [r.subject, r.sha256]));
}

/** Sets the content hashes of a dataset's subjects, in the caller's transaction. */
export async function refreshSubjectHashes(tx: WriteTx, datasetId: string): Promise<void> {
  await tx.run(`${SUBJECT_HASH_UPDATE} WHERE dataset_id = ?`, [datasetId]);
}

export async function stimulusHash(tx: WriteTx, datasetId: string): Promise<string | null> {
  const [row] = await tx.all<{ h: string | null }>(`SELECT ${STIMULUS_HASH_SQL} AS h`, [datasetId]);
  return row?.h ?? null;
}

/**
 * Why a brain-score cell (alias `c` of `cells`) is stale, or NULL: its layer's features or its
 * subject's fMRI data changed since its run read them, or are gone. Runs that recorded no inputs
 * (older warehouses, bundles) are never stale.
 */
export const CELL_STALE_REASON_SQL = `(SELECT 'an input changed since it was computed: ' || min(CASE WHEN i.role = 'fmri'
         THEN 'the fMRI data of subject ' || i.subject_id || ' was re-imported with other content, or removed'
         ELSE 'the features of step ' || i.step || ' layer ' || i.layer || ' were replaced or removed' END)
   FROM run_inputs i
   LEFT JOIN word_features w ON i.role = 'features' AND w.model_id = i.model_id AND w.step = i.step AND w.layer = i.layer AND w.dataset_id = i.dataset_id
   LEFT JOIN subjects s ON i.role = 'fmri' AND s.dataset_id = i.dataset_id AND s.subject_id = i.subject_id
   WHERE i.run_id = c.run_id AND (
     (i.role = 'features' AND i.layer = c.layer AND w.sha256 IS DISTINCT FROM i.sha256) OR
     (i.role = 'fmri' AND i.subject_id = c.subject_id AND s.content_sha256 IS DISTINCT FROM i.sha256))
   HAVING count(*) > 0)`;

/**
 * Cells of a dataset's subjects that cannot be judged (their run recorded no fMRI input for the
 * subject: computed before fingerprints, or imported from a bundle), for a re-import to remove.
 */
export async function unfingerprintedCellIds(tx: WriteTx, datasetId: string, subjects: readonly string[]): Promise<number[]> {
  if (subjects.length === 0) return [];
  const rows = await tx.all<{ id: number }>(
    `SELECT c.cell_id AS id FROM cells c WHERE c.dataset_id = ? AND list_contains(?, c.subject_id)
       AND NOT EXISTS (SELECT 1 FROM run_inputs i WHERE i.run_id = c.run_id AND i.role = 'fmri' AND i.subject_id = c.subject_id)`,
    [datasetId, listValue([...subjects])],
  );
  return rows.map((r) => r.id);
}
