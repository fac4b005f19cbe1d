import { blobValue, listValue } from '@duckdb/node-api';
import { badInput, notFound } from '../errors/CortexError.js';
import { deleteCellsByIds } from './brainScoresRepo.js';
import type { ParsedFmriDataset, StimulusWord } from '../formats/fmriManifest.js';
import { refreshSubjectHashes, stimulusHash, subjectHashes, unfingerprintedCellIds } from './runInputsRepo.js';
import type { Warehouse, WriteTx } from './Warehouse.js';

/** float32 matrix ↔ BLOB (little-endian, row-major). */
export function float32Blob(a: Float32Array) {
  return blobValue(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
}

export function blobFloat32(bytes: Uint8Array): Float32Array {
  return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
}

export interface FmriImportReport {
  readonly dataset: string;
  readonly runs: number;
  readonly subjects: number;
  readonly voxels: number;
  readonly words: number;
  /** Brain-score summaries of an earlier import that no longer hold: of subjects removed, or whose data changed (now STALE). */
  readonly replacedScores: number;
}

// word_features are kept while the stimulus they were computed from is unchanged.
const DATASET_TABLES = ['stimulus_words', 'fmri_responses', 'fmri_runs', 'voxels', 'subjects'];

/**
 * Writes a validated dataset in the caller's transaction, with each subject's per-voxel noise
 * ceilings where its test runs were repeated. Re-importing a dataset id replaces its data whole;
 * what was computed from the old data is judged by content hash: features stay if the stimulus
 * is unchanged, brain scores of a subject whose data changed are served STALE until recomputed,
 * and those of a removed subject (or of a run that recorded no fingerprint) are removed.
 */
export async function writeFmriDataset(tx: WriteTx, d: ParsedFmriDataset, noiseCeilings: ReadonlyMap<string, Float32Array> = new Map()): Promise<FmriImportReport> {
  const id = d.dataset.id;
  const before = await subjectHashes(tx, id);
  const stimulusBefore = await stimulusHash(tx, id);
  for (const table of DATASET_TABLES) await tx.run(`DELETE FROM ${table} WHERE dataset_id = ?`, [id]);
  await tx.run('DELETE FROM datasets WHERE dataset_id = ?', [id]);
  await tx.run('INSERT INTO datasets (dataset_id, name, language, tr_seconds, description, source) VALUES (?, ?, ?, ?, ?, ?)', [
    id, d.dataset.name ?? id, d.dataset.language ?? null, d.dataset.trSeconds, d.dataset.description ?? null, d.dataset.source ?? null,
  ]);
  let words = 0;
  for (const [ord, run] of d.runs.entries()) {
    await tx.run('INSERT INTO fmri_runs VALUES (?, ?, ?, ?, ?)', [id, run.id, ord, run.split, run.nTrs]);
    await appendWords(tx, id, run.id, run.words);
    words += run.words.length;
  }
  let voxels = 0;
  for (const s of d.subjects) {
    await tx.run('INSERT INTO subjects (dataset_id, subject_id, n_voxels) VALUES (?, ?, ?)', [id, s.id, s.nVoxels]);
    await tx.append('voxels', [
      { type: 'VARCHAR', constant: id },
      { type: 'VARCHAR', constant: s.id },
      { type: 'INTEGER', values: Int32Array.from({ length: s.nVoxels }, (_, i) => i) },
      { type: 'VARCHAR', values: s.roi },
      { type: 'REAL', values: Float32Array.from({ length: s.nVoxels }, (_, i) => s.coords[i * 3]) },
      { type: 'REAL', values: Float32Array.from({ length: s.nVoxels }, (_, i) => s.coords[i * 3 + 1]) },
      { type: 'REAL', values: Float32Array.from({ length: s.nVoxels }, (_, i) => s.coords[i * 3 + 2]) },
      // per-voxel noise ceiling (NaN → NULL: none estimable)
      { type: 'REAL', values: noiseCeilings.get(s.id) ?? new Float32Array(s.nVoxels).fill(NaN) },
    ]);
    for (const r of s.responses) {
      const nTrs = r.matrix.length / s.nVoxels;
      await tx.run('INSERT INTO fmri_responses VALUES (?, ?, ?, ?, ?, ?, ?)', [id, s.id, r.runId, r.presentation, nTrs, s.nVoxels, float32Blob(r.matrix)]);
    }
    voxels += s.nVoxels;
  }
  await refreshSubjectHashes(tx, id);
  if ((await stimulusHash(tx, id)) !== stimulusBefore) await tx.run('DELETE FROM word_features WHERE dataset_id = ?', [id]);
  const after = await subjectHashes(tx, id);
  const gone = [...before.keys()].filter((s) => !after.has(s));
  const changed = [...before.keys()].filter((s) => after.has(s) && after.get(s) !== before.get(s));
  const [{ n: replacedScores }] = await tx.all<{ n: number }>(
    'SELECT count(*)::INTEGER AS n FROM brain_score_summary WHERE cell_id IN (SELECT cell_id FROM cells WHERE dataset_id = ? AND list_contains(?, subject_id))',
    [id, listValue([...gone, ...changed])],
  );
  await deleteCellsByIds(tx, [
    ...(await tx.all<{ id: number }>('SELECT cell_id AS id FROM cells WHERE dataset_id = ? AND list_contains(?, subject_id)', [id, listValue(gone)])).map((r) => r.id),
    ...(await unfingerprintedCellIds(tx, id, changed)),
  ]);
  return { dataset: id, runs: d.runs.length, subjects: d.subjects.length, voxels, words, replacedScores };
}

async function appendWords(tx: WriteTx, datasetId: string, runId: string, words: readonly StimulusWord[]): Promise<void> {
  await tx.append('stimulus_words', [
    { type: 'VARCHAR', constant: datasetId },
    { type: 'VARCHAR', constant: runId },
    { type: 'INTEGER', values: Int32Array.from(words, (_, i) => i) },
    { type: 'VARCHAR', values: words.map((w) => w.word) },
    { type: 'DOUBLE', values: Float64Array.from(words, (w) => w.onset) },
    { type: 'DOUBLE', values: Float64Array.from(words, (w) => w.offset) },
  ]);
}

export async function listDatasetIds(wh: Warehouse): Promise<string[]> {
  return (await wh.all<{ id: string }>('SELECT dataset_id AS id FROM datasets ORDER BY 1')).map((r) => r.id);
}

export interface DatasetRun {
  readonly id: string;
  readonly split: 'train' | 'test';
  readonly nTrs: number;
  readonly onsets: Float64Array;
  readonly words: readonly string[];
}

export interface DatasetInfo {
  readonly id: string;
  readonly trSeconds: number;
  readonly runs: readonly DatasetRun[];
  readonly subjects: readonly string[];
}

/** A dataset's runs in order, with their words, and its subjects. */
export async function datasetInfo(wh: Warehouse, datasetId: string): Promise<DatasetInfo> {
  const [dataset] = await wh.all<{ tr: number }>('SELECT tr_seconds AS tr FROM datasets WHERE dataset_id = ?', [datasetId]);
  if (!dataset) throw notFound('dataset', datasetId);
  const runs = await wh.all<{ id: string; split: 'train' | 'test'; nTrs: number }>(
    'SELECT run_id AS id, split, n_trs AS "nTrs" FROM fmri_runs WHERE dataset_id = ? ORDER BY ord',
    [datasetId],
  );
  const words = await wh.all<{ run: string; word: string; onset: number }>(
    'SELECT run_id AS run, word, onset FROM stimulus_words WHERE dataset_id = ? ORDER BY run_id, word_index',
    [datasetId],
  );
  const subjects = await wh.all<{ id: string }>('SELECT subject_id AS id FROM subjects WHERE dataset_id = ? ORDER BY 1', [datasetId]);
  return {
    id: datasetId,
    trSeconds: dataset.tr,
    runs: runs.map((r) => {
      const own = words.filter((w) => w.run === r.id);
      return { ...r, onsets: Float64Array.from(own, (w) => w.onset), words: own.map((w) => w.word) };
    }),
    subjects: subjects.map((s) => s.id),
  };
}

export interface SubjectData {
  readonly nVoxels: number;
  readonly roi: readonly string[];
  /** run id → presentations (each n_TR × n_voxels). */
  readonly responses: ReadonlyMap<string, Float32Array[]>;
}

export async function subjectData(wh: Warehouse, datasetId: string, subjectId: string): Promise<SubjectData> {
  const rows = await wh.all<{ run: string; presentation: number; nVoxels: number; data: Uint8Array }>(
    'SELECT run_id AS run, presentation, n_voxels AS "nVoxels", data FROM fmri_responses WHERE dataset_id = ? AND subject_id = ? ORDER BY run_id, presentation',
    [datasetId, subjectId],
    { cache: false },
  );
  if (rows.length === 0) throw notFound('subject', `${datasetId}/${subjectId}`);
  const roi = await wh.all<{ roi: string }>('SELECT roi FROM voxels WHERE dataset_id = ? AND subject_id = ? ORDER BY voxel', [datasetId, subjectId]);
  const responses = new Map<string, Float32Array[]>();
  for (const r of rows) (responses.get(r.run) ?? responses.set(r.run, []).get(r.run)!).push(blobFloat32(r.data));
  return { nVoxels: rows[0].nVoxels, roi: roi.map((r) => r.roi), responses };
}

export interface WordFeatures {
  readonly modelId: string;
  readonly step: number;
  readonly layer: number;
  readonly datasetId: string;
  /** nWords × dim, words of all runs in run order. */
  readonly matrix: Float32Array;
  readonly nWords: number;
  readonly dim: number;
  readonly source: string | null;
  /** Content hash of the stored matrix (SHA-256 of its float32 bytes); absent before it is stored. */
  readonly sha256?: string | null;
}

/** Stores per-word features of one (model, step, layer) for a dataset, replacing earlier ones. */
export async function writeWordFeatures(tx: WriteTx, f: WordFeatures): Promise<void> {
  await writeWordFeatureLayers(tx, f.modelId, f.step, f.datasetId, [f], f.source);
}

/** Stores several layers' features of one checkpoint in the caller's transaction, after checking their shapes. */
export async function writeWordFeatureLayers(
  tx: WriteTx,
  modelId: string,
  step: number,
  datasetId: string,
  layers: readonly { layer: number; nWords: number; dim: number; matrix: Float32Array }[],
  source: string | null,
  /** Extracted features: the hashes of the ONNX file and tokenizer they came from. */
  origin: { artifactSha256: string | null; tokenizerSha256: string | null } | null = null,
): Promise<void> {
  const [{ n }] = await tx.all<{ n: number }>('SELECT count(*) AS n FROM stimulus_words WHERE dataset_id = ?', [datasetId]);
  if (n === 0) throw notFound('dataset', datasetId);
  for (const f of layers) {
    if (f.nWords !== n) throw badInput(`features have ${f.nWords} rows but dataset '${datasetId}' has ${n} words`, { rows: f.nWords, words: n });
    if (f.matrix.length !== f.nWords * f.dim) throw badInput(`feature matrix has ${f.matrix.length} values, not ${f.nWords} × ${f.dim}`);
    if (f.matrix.some((v) => !Number.isFinite(v))) throw badInput(`layer ${f.layer}: feature matrix contains NaN or Inf values`);
  }
  for (const f of layers) {
    const blob = float32Blob(f.matrix);
    await tx.run(
      `INSERT OR REPLACE INTO word_features (model_id, step, layer, dataset_id, n_words, dim, data, source, sha256, artifact_sha256, tokenizer_sha256)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, sha256(?), ?, ?)`,
      [modelId, step, f.layer, datasetId, f.nWords, f.dim, blob, source, blob, origin?.artifactSha256 ?? null, origin?.tokenizerSha256 ?? null],
    );
  }
}

export async function readWordFeatures(wh: Warehouse, modelId: string, step: number, layer: number, datasetId: string): Promise<WordFeatures | null> {
  const [row] = await wh.all<{ nWords: number; dim: number; data: Uint8Array; source: string | null; sha256: string | null }>(
    'SELECT n_words AS "nWords", dim, data, source, sha256 FROM word_features WHERE model_id = ? AND step = ? AND layer = ? AND dataset_id = ?',
    [modelId, step, layer, datasetId],
    { cache: false },
  );
  return row ? { modelId, step, layer, datasetId, matrix: blobFloat32(row.data), nWords: row.nWords, dim: row.dim, source: row.source, sha256: row.sha256 } : null;
}

/** The latest step before `step` with features for the dataset, or null. */
export async function previousFeatureStep(wh: Warehouse, modelId: string, datasetId: string, step: number): Promise<number | null> {
  const [row] = await wh.all<{ step: number | null }>('SELECT max(step) AS step FROM word_features WHERE model_id = ? AND dataset_id = ? AND step < ?', [modelId, datasetId, step]);
  return row?.step ?? null;
}

export async function hasFeatures(wh: Warehouse, modelId: string, step: number, datasetId: string): Promise<boolean> {
  const [row] = await wh.all<{ n: number }>('SELECT count(*) AS n FROM word_features WHERE model_id = ? AND step = ? AND dataset_id = ?', [modelId, step, datasetId]);
  return (row?.n ?? 0) > 0;
}

/** Steps of a model with features for a dataset: the checkpoints whose cells can be computed. */
export async function featureSteps(wh: Warehouse, modelId: string, datasetId: string): Promise<number[]> {
  // Distinct and sorted here: DuckDB's DISTINCT and ORDER BY cost more to set up than this scan.
  const rows = await wh.all<{ step: number }>('SELECT step FROM word_features WHERE model_id = ? AND dataset_id = ?', [modelId, datasetId]);
  return [...new Set(rows.map((r) => r.step))].sort((a, b) => a - b);
}

export async function featureLayers(wh: Warehouse, modelId: string, step: number, datasetId: string): Promise<number[]> {
  const rows = await wh.all<{ layer: number }>('SELECT layer FROM word_features WHERE model_id = ? AND step = ? AND dataset_id = ? ORDER BY layer', [modelId, step, datasetId]);
  return rows.map((r) => r.layer);
}

