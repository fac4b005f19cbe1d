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
  return wh.all('SELECT step, layer, sha256 FROM word_features WHERE model_id = ? AND dataset_id = ? AND list_contains(?::INTEGER[], step) ORDER BY step, layer', [
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
 * Extracted features (alias `w` of word_features) whose checkpoint's ONNX file (`k`, checkpoints)
 * or model's tokenizer (`mo`, models) was replaced since: hashes recorded at extraction differ
 * from the registered ones. Unknown hashes (imported features, older extractions) never differ.
 */
const OUTDATED_FEATURES = `FROM word_features w JOIN checkpoints k ON k.model_id = w.model_id AND k.step = w.step JOIN models mo ON mo.model_id = w.model_id
  WHERE ((w.artifact_sha256 IS NOT NULL AND w.artifact_sha256 IS DISTINCT FROM k.artifact_sha256)
      OR (w.tokenizer_sha256 IS NOT NULL AND mo.tokenizer_sha256 IS NOT NULL AND w.tokenizer_sha256 <> mo.tokenizer_sha256))`;

/** Why the features of (model, step, layer, dataset) — SQL expressions — are out of date, or NULL. */
export function outdatedFeaturesReason(model: string, step: string, layer: string, dataset: string): string {
  return `(SELECT 'an input changed since it was computed: ' || CASE WHEN w.artifact_sha256 IS DISTINCT FROM k.artifact_sha256
       THEN 'the ONNX file of checkpoint ' || w.step || ' was replaced since its features were extracted'
       ELSE 'the tokenizer of model ' || w.model_id || ' was replaced since the features of step ' || w.step || ' were extracted' END
     ${OUTDATED_FEATURES} AND w.model_id = ${model} AND w.step = ${step} AND w.layer = ${layer} AND w.dataset_id = ${dataset})`;
}

/** Whether a checkpoint's features for a dataset were extracted from an ONNX file or tokenizer replaced since (extract them again). */
export async function featuresOutdated(wh: Warehouse, modelId: string, step: number, datasetId: string): Promise<boolean> {
  const [row] = await wh.all<{ n: number }>(`SELECT count(*)::INTEGER AS n ${OUTDATED_FEATURES} AND w.model_id = ? AND w.step = ? AND w.dataset_id = ?`, [modelId, step, datasetId], { cache: false });
  return (row?.n ?? 0) > 0;
}

/**
 * Why a brain-score cell (alias `c` of `cells`) is stale, or NULL: its layer's features or its
 * subject's fMRI data changed since its run read them, or are gone, or its features were
 * extracted from an ONNX file or tokenizer replaced since. Runs that recorded no inputs (older
 * warehouses, bundles without features) are judged by what they recorded only.
 */
export const CELL_STALE_REASON_SQL = `coalesce((SELECT 'an input changed since it was computed: ' || min(CASE WHEN i.role = 'fmri'
         THEN 'the fMRI data of subject ' || i.subject_id || ' was re-imported with other content, or removed'
         ELSE 'the features of step ' || i.step || ' layer ' || i.layer || ' were replaced or removed' END)
   FROM run_inputs i
   LEFT JOIN word_features w ON i.role = 'features' AND w.model_id = i.model_id AND w.step = i.step AND w.layer = i.layer AND w.dataset_id = i.dataset_id
   LEFT JOIN subjects s ON i.role = 'fmri' AND s.dataset_id = i.dataset_id AND s.subject_id = i.subject_id
   WHERE i.run_id = c.run_id AND (
     (i.role = 'features' AND i.layer = c.layer AND w.sha256 IS DISTINCT FROM i.sha256) OR
     (i.role = 'fmri' AND i.subject_id = c.subject_id AND s.content_sha256 IS DISTINCT FROM i.sha256))
   HAVING count(*) > 0),
  ${outdatedFeaturesReason('c.model_id', 'c.step', 'c.layer', 'c.dataset_id')})`;

/**
 * Why each stale brain-score cell is stale (CELL_STALE_REASON_SQL), by cell_id; cells absent are
 * fresh. Every read of a cell or of summaries judges staleness: a correlated subquery per cell row
 * cost a voxel page or a trajectory several ms, so all cells are judged together once per data
 * version (a data change is what makes a cell stale).
 */
export function staleCellReasons(wh: Warehouse): Promise<Map<number, string>> {
  return wh.derived('staleCellReasons', async () => {
    const rows = await wh.all<{ id: number; reason: string }>(
      `SELECT id, reason FROM (SELECT c.cell_id AS id, ${CELL_STALE_REASON_SQL} AS reason FROM cells c) WHERE reason IS NOT NULL`,
      [], { cache: false },
    );
    return new Map(rows.map((r) => [r.id, r.reason]));
  });
}

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

/** A `runs` row: what computed a set of cells, with which parameters and code. */
export interface RunRow {
  readonly runId: string;
  readonly kind: string;
  readonly paramsJson: string | null;
  readonly paramsHash: string | null;
  readonly codeVersion: string | null;
  readonly device: string | null;
  readonly started: Date | null;
  readonly finished: Date | null;
}

/** An input of a run as recorded, beside its hash now (a difference makes the run's cells STALE) and, for extracted features, what they came from. */
export interface RunInputRow extends RunInput {
  readonly currentSha256: string | null;
  readonly artifactSha256: string | null;
  readonly tokenizerSha256: string | null;
}

export async function runById(wh: Warehouse, runId: string): Promise<RunRow | null> {
  const [row] = await wh.all<RunRow>(
    `SELECT run_id AS "runId", kind, params_json AS "paramsJson", params_hash AS "paramsHash", code_version AS "codeVersion", device, started, finished
     FROM runs WHERE run_id = ?`, [runId],
  );
  return row ?? null;
}

export async function runInputRows(wh: Warehouse, runId: string): Promise<RunInputRow[]> {
  return wh.all<RunInputRow>(
    `SELECT i.role, i.model_id AS "modelId", i.step, i.layer, i.dataset_id AS "datasetId", i.subject_id AS "subjectId", i.sha256,
       CASE WHEN i.role = 'fmri' THEN s.content_sha256 ELSE w.sha256 END AS "currentSha256",
       w.artifact_sha256 AS "artifactSha256", w.tokenizer_sha256 AS "tokenizerSha256"
     FROM run_inputs i
     LEFT JOIN word_features w ON i.role <> 'fmri' AND w.model_id = i.model_id AND w.step = i.step AND w.layer = i.layer AND w.dataset_id = i.dataset_id
     LEFT JOIN subjects s ON i.role = 'fmri' AND s.dataset_id = i.dataset_id AND s.subject_id = i.subject_id
     WHERE i.run_id = ? ORDER BY i.role, i.step, i.layer, i.subject_id`,
    [runId],
  );
}
