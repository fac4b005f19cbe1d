import { listValue, type DuckDBValue } from '@duckdb/node-api';
import type { RoiSummary } from '../compute/encoding/roiSummaries.js';
import type { SortOrder } from './ordering.js';
import { CortexError } from '../errors/CortexError.js';
import { rampTo, type BulkColumn, type TypedColumn } from './bulk.js';
import { dictionaryEncode, NULL_CODE } from './dictionaryEncode.js';
import { CELL_STALE_REASON_SQL, outdatedFeaturesReason, staleCellReasons } from './runInputsRepo.js';
import type { Warehouse, WriteTx } from './Warehouse.js';

/** The identity of one computed encoding cell: per-voxel scores of one layer for one subject. */
export interface EncodingCell {
  readonly modelId: string;
  readonly step: number;
  readonly layer: number;
  readonly datasetId: string;
  readonly subjectId: string;
  readonly paramsHash: string;
}

export interface RunRecord {
  readonly runId: string;
  readonly kind: 'encoding' | 'internal';
  readonly paramsJson: string;
  readonly paramsHash: string;
  readonly codeVersion: string;
  readonly device: string;
  readonly started: Date;
  readonly finished: Date;
}

/** What is stored per ROI: the summary compute/encoding/roiSummaries.ts produces. */
export type SummaryRow = RoiSummary;

export async function insertRun(tx: WriteTx, run: RunRecord): Promise<void> {
  await tx.run(
    `INSERT INTO runs (run_id, kind, params_json, params_hash, code_version, device, started, finished, status)
     VALUES (?, ?, ?, ?, ?, ?, make_timestamp(?::BIGINT * 1000), make_timestamp(?::BIGINT * 1000), 'SUCCEEDED')`,
    [run.runId, run.kind, run.paramsJson, run.paramsHash, run.codeVersion, run.device, run.started.getTime(), run.finished.getTime()],
  );
}

export interface EncodingCellScores {
  readonly cell: EncodingCell;
  /** Test r per voxel, in voxel order (NaN: undefined). */
  readonly r: Float32Array;
  /** Chosen ridge penalty per voxel (NaN: none). */
  readonly alpha: Float32Array;
  readonly summaries: readonly SummaryRow[];
  /** Block-permutation p and BH q per voxel (NaN: undefined), for cells computed with `permutations`. */
  readonly significance?: { readonly p: Float32Array; readonly q: Float32Array } | null;
}

/** The natural key of a cell, as one string. */
const cellKey = (c: EncodingCell) => JSON.stringify([c.modelId, c.step, c.layer, c.datasetId, c.subjectId, c.paramsHash]);

/**
 * Writes encoding cells (voxel scores and ROI summaries) inside the caller's transaction, in a
 * handful of statements whatever their number. A cell stored before with the same key (same
 * params hash) is replaced: its rows are deleted by cell_id, and the new scores get a new
 * cell_id — ids are never reused, so the voxel table stays in (cell_id, voxel) order. Voxel rows
 * go through one DataChunk appender from typed arrays only. Returns the new cell ids.
 */
export async function writeEncodingCells(tx: WriteTx, runId: string, cells: readonly EncodingCellScores[]): Promise<number[]> {
  if (cells.length === 0) return [];
  const keys = new Set(cells.map((c) => cellKey(c.cell)));
  if (keys.size !== cells.length) throw new CortexError('INTERNAL', 'writeEncodingCells: the same cell twice in one write');
  const distinct = <T>(f: (c: EncodingCell) => T) => listValue([...new Set(cells.map((c) => f(c.cell)))] as DuckDBValue[]);
  const candidates = await tx.all<{ cell_id: number; model_id: string; step: number; layer: number; dataset_id: string; subject_id: string; params_hash: string }>(
    `SELECT cell_id, model_id, step, layer, dataset_id, subject_id, params_hash FROM cells
     WHERE list_contains(?::VARCHAR[], model_id) AND list_contains(?::INTEGER[], step) AND list_contains(?::VARCHAR[], dataset_id)
       AND list_contains(?::VARCHAR[], params_hash)`,
    [distinct((c) => c.modelId), distinct((c) => c.step), distinct((c) => c.datasetId), distinct((c) => c.paramsHash)],
  );
  const replaced = candidates
    .filter((c) => keys.has(cellKey({ modelId: c.model_id, step: c.step, layer: c.layer, datasetId: c.dataset_id, subjectId: c.subject_id, paramsHash: c.params_hash })))
    .map((c) => c.cell_id);
  await deleteCellsByIds(tx, replaced);
  const ids = (await tx.all<{ id: number }>("SELECT nextval('cell_ids')::INTEGER AS id FROM range(?)", [cells.length])).map((r) => r.id).sort((a, b) => a - b);
  const encoded = cells.map((c) => {
    if (c.alpha.length !== c.r.length) throw new CortexError('INTERNAL', `writeEncodingCells: ${c.r.length} r values, ${c.alpha.length} alphas`);
    return dictionaryEncode(c.alpha);
  });
  const row = '(?, ?, ?, ?, ?, ?, ?, ?, ?, ?::REAL[])';
  await tx.run(
    `INSERT INTO cells (cell_id, model_id, step, layer, dataset_id, subject_id, params_hash, run_id, n_voxels, alphas) VALUES ${cells.map(() => row).join(', ')}`,
    cells.flatMap(({ cell, r }, i) => [
      // A list's item type is inferred from its first value (10 → INTEGER), so the floats go as
      // text; each float32 prints as its exact double and casts back to the same REAL.
      ids[i], cell.modelId, cell.step, cell.layer, cell.datasetId, cell.subjectId, cell.paramsHash, runId, r.length, `[${encoded[i].dictionary.join(', ')}]`,
    ]),
  );
  await tx.append(
    'brain_scores',
    ...cells.map(({ r }, i): BulkColumn[] => [
      { type: 'INTEGER', constant: ids[i] },
      { type: 'INTEGER', values: rampTo(r.length) },
      { type: 'REAL', values: r },
      { type: 'USMALLINT', values: encoded[i].codes, nullValue: NULL_CODE },
    ]),
  );
  const tested = cells.flatMap((c, i) => (c.significance ? [{ id: ids[i], ...c.significance }] : []));
  if (tested.length > 0) {
    await tx.append(
      'voxel_significance',
      ...tested.map(({ id, p, q }): BulkColumn[] => [
        { type: 'INTEGER', constant: id },
        { type: 'INTEGER', values: rampTo(p.length) },
        { type: 'REAL', values: p },
        { type: 'REAL', values: q },
      ]),
    );
  }
  const summaries = cells.flatMap((c, i) => c.summaries.map((s) => ({ id: ids[i], s })));
  const num = (f: (s: SummaryRow) => number | null) => Float64Array.from(summaries, ({ s }) => f(s) ?? NaN);
  await tx.append('brain_score_summary', [
    { type: 'INTEGER', values: Int32Array.from(summaries, (x) => x.id) },
    { type: 'VARCHAR', values: summaries.map(({ s }) => s.roi) },
    { type: 'DOUBLE', values: num((s) => s.meanR) },
    { type: 'DOUBLE', values: num((s) => s.medianR) },
    { type: 'DOUBLE', values: num((s) => s.topMeanR) },
    { type: 'INTEGER', values: Int32Array.from(summaries, ({ s }) => s.nVoxels) },
    { type: 'INTEGER', values: Int32Array.from(summaries, ({ s }) => s.nSignificant) },
  ]);
  return ids;
}

/** One cell: see writeEncodingCells. */
export async function writeEncodingCell(
  tx: WriteTx,
  cell: EncodingCell,
  runId: string,
  r: Float32Array,
  alpha: Float32Array,
  summaries: readonly SummaryRow[],
): Promise<number> {
  const [id] = await writeEncodingCells(tx, runId, [{ cell, r, alpha, summaries }]);
  return id;
}

/** Which stored cells to remove (every given field must match). */
export interface CellFilter {
  readonly modelId?: string;
  readonly step?: number;
  readonly datasetId?: string;
  readonly paramsHash?: string;
}

/** Removes cells with their voxel scores and summaries; returns how many cells. */
export async function deleteCells(tx: WriteTx, filter: CellFilter): Promise<number> {
  const where: string[] = ['TRUE'];
  const params: DuckDBValue[] = [];
  if (filter.modelId !== undefined) { where.push('model_id = ?'); params.push(filter.modelId); }
  if (filter.step !== undefined) { where.push('step = ?'); params.push(filter.step); }
  if (filter.datasetId !== undefined) { where.push('dataset_id = ?'); params.push(filter.datasetId); }
  if (filter.paramsHash !== undefined) { where.push('params_hash = ?'); params.push(filter.paramsHash); }
  const ids = (await tx.all<{ cell_id: number }>(`SELECT cell_id FROM cells WHERE ${where.join(' AND ')}`, params)).map((r) => r.cell_id);
  await deleteCellsByIds(tx, ids);
  return ids.length;
}

/**
 * Deletes cells by id. The ids are inlined as integer literals (never user text) so DuckDB
 * prunes brain_scores by its zone maps to the row groups holding them.
 */
export async function deleteCellsByIds(tx: WriteTx, ids: readonly number[]): Promise<void> {
  if (ids.length === 0) return;
  if (!ids.every(Number.isSafeInteger)) throw new CortexError('INTERNAL', 'deleteCellsByIds: a cell id is not an integer');
  for (let i = 0; i < ids.length; i += 1000) {
    const list = ids.slice(i, i + 1000).join(', ');
    for (const table of ['brain_scores', 'voxel_significance', 'brain_score_summary', 'cells']) await tx.run(`DELETE FROM ${table} WHERE cell_id IN (${list})`);
  }
}

/**
 * Which per-ROI summary of voxel r a brain score reads: a brain_score_summary column, or
 * `ceiled_mean_r` = mean_r / the ROI's mean noise ceiling (voxels.noise_ceiling, CC_max; a voxel
 * whose repeats share no signal counts 0), per subject, over the subjects that have ceilings.
 */
export const BrainStatistic = { MEAN_R: 'mean_r', MEDIAN_R: 'median_r', TOP_MEAN_R: 'top_mean_r', CEILED_MEAN_R: 'ceiled_mean_r' } as const;
export type BrainStatistic = (typeof BrainStatistic)[keyof typeof BrainStatistic];

export interface BrainQuery {
  readonly modelIds: readonly string[];
  readonly datasetId: string;
  readonly roi: string;
  readonly paramsHash: string;
  /** One subject, or null: the mean over the subjects that have the cell. */
  readonly subjectId: string | null;
  /** One layer, or null: every layer (callers pick the best). */
  readonly layer: number | null;
  /** Only these steps (null: all). */
  readonly steps?: readonly number[] | null;
  readonly statistic?: BrainStatistic;
}

export interface BrainRow {
  readonly modelId: string;
  readonly step: number;
  readonly layer: number;
  /** The statistic averaged over subjects. */
  readonly value: number | null;
  readonly nSubjects: number;
  readonly nVoxels: number;
  readonly nSignificant: number;
  /** CEILED_MEAN_R only: no subject has a noise ceiling for the ROI (the value is then null). */
  readonly ceilingMissing?: boolean;
  /** Why a subject's cell is stale (an input changed since it was computed), or null. */
  readonly staleReason: string | null;
}

/**
 * Summary rows per (model, step, layer), averaged over subjects: the source of every brain-score
 * field. Summaries are precomputed per cell and ROI, so a trajectory never reads voxel rows; the
 * average over subjects and the ordering happen here (a few thousand rows at most), since an
 * SQL GROUP BY and ORDER BY cost DuckDB more to set up than the whole scan. `fresh` reads past
 * the read cache (after a job was seen to finish).
 */
export async function brainRows(wh: Warehouse, q: BrainQuery, options: { fresh?: boolean } = {}): Promise<BrainRow[]> {
  const params: DuckDBValue[] = [listValue([...q.modelIds]), q.datasetId, q.paramsHash];
  const extra: string[] = [];
  if (q.subjectId != null) { extra.push('c.subject_id = ?'); params.push(q.subjectId); }
  if (q.layer != null) { extra.push('c.layer = ?'); params.push(q.layer); }
  if (q.steps) { extra.push('list_contains(?::INTEGER[], c.step)'); params.push(listValue([...q.steps])); }
  params.push(q.roi);
  const stat = q.statistic ?? 'mean_r';
  const ceiled = stat === 'ceiled_mean_r';
  const ceilings = ceiled ? await roiCeilings(wh, q.datasetId, q.roi) : null;
  const [rows, staleReasons] = await Promise.all([
    wh.all<{ id: number; m: string; step: number; layer: number; subject: string; v: number | null; nv: number | null; ns: number | null }>(
      `SELECT c.cell_id AS id, c.model_id AS m, c.step, c.layer, c.subject_id AS subject, s.${ceiled ? 'mean_r' : stat} AS v, s.n_voxels AS nv, s.n_significant AS ns
       FROM cells c JOIN brain_score_summary s ON s.cell_id = c.cell_id
       WHERE list_contains(?, c.model_id) AND c.dataset_id = ? AND c.params_hash = ? ${extra.map((e) => `AND ${e}`).join(' ')} AND s.roi = ?`,
      params,
      { cache: options.fresh !== true },
    ),
    staleCellReasons(wh),
  ]);
  // By model, step, layer, then subject (the order values are summed in, and the first stale
  // reason taken): numbers compared before strings, since a trajectory sorts thousands of rows.
  const text = (a: string, b: string) => (a === b ? 0 : a < b ? -1 : 1);
  const sorted = [...rows].sort((a, b) => text(a.m, b.m) || a.step - b.step || a.layer - b.layer || text(a.subject, b.subject));
  const out: BrainRow[] = [];
  for (let i = 0; i < sorted.length; ) {
    const first = sorted[i];
    let [sum, values, n, nVoxels, nSignificant, withCeiling] = [0, 0, 0, 0, 0, 0];
    let staleReason: string | null = null;
    for (; i < sorted.length && sorted[i].m === first.m && sorted[i].step === first.step && sorted[i].layer === first.layer; i++) {
      const row = sorted[i];
      n++;
      const ceiling = ceilings?.get(row.subject);
      if (ceiling) withCeiling++;
      const v = ceilings ? (row.v !== null && ceiling ? row.v / ceiling : null) : row.v;
      if (v !== null) { sum += v; values++; }
      nVoxels += row.nv ?? 0;
      nSignificant += row.ns ?? 0;
      staleReason ??= staleReasons.get(row.id) ?? null;
    }
    out.push({
      modelId: first.m, step: first.step, layer: first.layer, value: values ? sum / values : null, nSubjects: n, nVoxels, nSignificant, staleReason,
      ...(ceilings ? { ceilingMissing: withCeiling === 0 } : {}),
    });
  }
  return out;
}

/** Per subject, the ROI's mean CC_max (a voxel without a ceiling counts 0); subjects without any ceiling are absent. */
async function roiCeilings(wh: Warehouse, datasetId: string, roi: string): Promise<Map<string, number>> {
  const rows = await wh.all<{ subject: string; c: number }>(
    `SELECT subject_id AS subject, avg(coalesce(noise_ceiling, 0)) AS c FROM voxels
     WHERE dataset_id = ? AND (? = 'all' OR roi = ?) GROUP BY subject_id HAVING count(noise_ceiling) > 0 AND avg(coalesce(noise_ceiling, 0)) > 0`,
    [datasetId, roi, roi],
  );
  return new Map(rows.map((r) => [r.subject, r.c]));
}

export interface NoiseCeilingStats {
  /** Voxels of the selection, and those with a ceiling (repeats sharing signal). */
  readonly nVoxels: number;
  readonly nWithCeiling: number;
  /** Mean CC_max over the selection's voxels, a voxel without a ceiling counting 0 (null when none has one). */
  readonly mean: number | null;
  /** Median CC_max over the voxels that have one. */
  readonly median: number | null;
  /** Presentations of the least-repeated repeated test run (null when no test run was repeated). */
  readonly repeats: number | null;
}

/** Noise-ceiling statistics of a dataset's voxels, one ROI ("all" = every voxel) and optionally one subject. */
export async function noiseCeilingStats(wh: Warehouse, datasetId: string, roi: string, subjectId: string | null): Promise<NoiseCeilingStats> {
  const [row] = await wh.all<NoiseCeilingStats>(
    `SELECT count(*)::INTEGER AS "nVoxels", count(noise_ceiling)::INTEGER AS "nWithCeiling",
            CASE WHEN count(noise_ceiling) > 0 THEN avg(coalesce(noise_ceiling, 0)) END AS mean, median(noise_ceiling) AS median,
            (SELECT min(n)::INTEGER FROM (
               SELECT count(*) AS n FROM fmri_responses r JOIN fmri_runs u USING (dataset_id, run_id)
               WHERE r.dataset_id = ? AND u.split = 'test' AND (?::VARCHAR IS NULL OR r.subject_id = ?)
               GROUP BY r.subject_id, r.run_id HAVING count(*) >= 2)) AS repeats
     FROM voxels WHERE dataset_id = ? AND (? = 'all' OR roi = ?) AND (?::VARCHAR IS NULL OR subject_id = ?)`,
    [datasetId, subjectId, subjectId, datasetId, roi, roi, subjectId, subjectId],
  );
  return row;
}

/** A stored cell: its id and what reading its voxel rows needs. */
export interface StoredCell {
  readonly cellId: number;
  /** The penalty dictionary: alpha = alphas[alpha_index]. */
  readonly alphas: readonly number[];
  readonly nVoxels: number;
  /** Why the cell is stale (an input changed since it was computed), or null. */
  readonly staleReason: string | null;
  /** The run that computed it. */
  readonly runId: string;
}

/** The stored cell with this key, or null. */
export async function storedCell(wh: Warehouse, cell: EncodingCell): Promise<StoredCell | null> {
  const [[row], staleReasons] = await Promise.all([
    wh.all<Omit<StoredCell, 'staleReason'>>(
      `SELECT cell_id AS "cellId", alphas, n_voxels AS "nVoxels", run_id AS "runId" FROM cells
       WHERE model_id = ? AND step = ? AND layer = ? AND dataset_id = ? AND subject_id = ? AND params_hash = ?`,
      [cell.modelId, cell.step, cell.layer, cell.datasetId, cell.subjectId, cell.paramsHash],
    ),
    staleCellReasons(wh),
  ]);
  return row ? { ...row, staleReason: staleReasons.get(row.cellId) ?? null } : null;
}

export interface VoxelFilter {
  readonly roi: string | null;
  readonly minR: number | null;
}

export interface VoxelScoreRow {
  readonly voxel: number;
  readonly roi: string | null;
  readonly r: number | null;
  readonly alpha: number | null;
  /** The voxel's noise ceiling (CC_max), and r / it (Schoppe et al.'s CC_norm); null without one. */
  readonly noiseCeiling: number | null;
  readonly ceiledR: number | null;
  /** Block-permutation p and BH q of r (null unless the cell was computed with `permutations`). */
  readonly pValue: number | null;
  readonly qValue: number | null;
  /** Where the row stands in the page order (see VoxelPageRequest.after). */
  readonly position: number;
}

/** What a cell's voxel scores can be sorted by: voxel index, or test r (undefined r last). */
export const VoxelOrderField = { VOXEL: 'VOXEL', R: 'R' } as const;
export type VoxelOrderField = (typeof VoxelOrderField)[keyof typeof VoxelOrderField];

export interface VoxelPageRequest extends VoxelFilter {
  /** Rows after this position of the order: the voxel index in VOXEL order, the rank (1-based) in R order. */
  readonly after: number;
  readonly limit: number;
  readonly order?: SortOrder<VoxelOrderField>;
  /** Count the rows matching the filter on all pages (reads the whole cell). */
  readonly withTotal: boolean;
}

export interface VoxelPage {
  /** Up to `limit + 1` rows after `after`, in the page order (the extra one: more follow). */
  readonly rows: VoxelScoreRow[];
  /** Rows matching the filter on all pages (null when not asked for). */
  readonly total: number | null;
}

interface SubjectRois {
  readonly labels: readonly string[];
  /** Per voxel: its index in `labels`, or NULL_CODE (no ROI). */
  readonly codes: Uint16Array;
  /** Per voxel: its noise ceiling (NaN: none). */
  readonly ceilings: Float32Array;
}

/** A subject's voxel → ROI label map, derived once per data version (labels are few, voxels ~10^5). */
function subjectRois(wh: Warehouse, datasetId: string, subjectId: string): Promise<SubjectRois> {
  return wh.derived(`rois\u0000${datasetId}\u0000${subjectId}`, async () => {
    const rows = await wh.all<{ voxel: number; roi: string | null; ceiling: number | null }>(
      'SELECT voxel, roi, noise_ceiling AS ceiling FROM voxels WHERE dataset_id = ? AND subject_id = ?', [datasetId, subjectId], { cache: false },
    );
    const labels: string[] = [];
    const index = new Map<string, number>();
    const codes = new Uint16Array(rows.reduce((n, r) => Math.max(n, r.voxel + 1), 0)).fill(NULL_CODE);
    const ceilings = new Float32Array(codes.length).fill(NaN);
    for (const { voxel, ceiling } of rows) if (ceiling !== null) ceilings[voxel] = ceiling;
    for (const { voxel, roi } of rows) {
      if (roi === null) continue;
      let code = index.get(roi);
      if (code === undefined) index.set(roi, (code = labels.push(roi) - 1));
      codes[voxel] = code;
    }
    return { labels, codes, ceilings };
  });
}

/**
 * A page of a cell's voxel scores, filtered by ROI and minimum r, in voxel order (keyset on the
 * voxel index) or by r (ties by voxel; keyset on the rank: a cell's scores do not change unless
 * it is computed again), with the count over all pages when asked for. The cell's rows are one
 * zone-map-pruned cell_id range read as typed arrays (~10^5 rows, a millisecond or two); ROI,
 * filters and the r order apply here, so the request never joins voxel rows with the
 * string-keyed voxels table. In voxel order without a count only the rows after the cursor are read.
 */
export async function voxelScores(wh: Warehouse, cell: StoredCell, key: EncodingCell, page: VoxelPageRequest): Promise<VoxelPage> {
  const byR = page.order?.field === 'R';
  const descending = page.order?.direction === 'DESC';
  const tail = !byR && !descending && !page.withTotal;
  const [read, rois, tested] = await Promise.all([
    wh.readTyped(`SELECT voxel, r, alpha_index FROM brain_scores WHERE cell_id = ?${tail ? ' AND voxel > ?' : ''}`, tail ? [cell.cellId, page.after] : [cell.cellId]),
    subjectRois(wh, key.datasetId, key.subjectId),
    wh.all<{ voxel: number; p: number | null; q: number | null }>('SELECT voxel, p_value AS p, q_value AS q FROM voxel_significance WHERE cell_id = ?', [cell.cellId]),
  ]);
  const significance = new Map(tested.map((t) => [t.voxel, t]));
  const [voxel, r, alpha] = read.columns as [TypedColumn<Int32Array>, TypedColumn<Float32Array>, TypedColumn<Uint16Array>];
  const [vox, rv, av, an, codes] = [voxel.values, r.values, alpha.values, alpha.nulls, rois.codes];
  const roiCode = page.roi == null ? -1 : rois.labels.indexOf(page.roi);
  if (page.roi != null && roiCode < 0) return { rows: [], total: page.withTotal ? 0 : null };
  const minR = page.minR ?? -Infinity;
  const codeOf = (i: number) => (vox[i] < codes.length ? codes[vox[i]] : NULL_CODE);
  // The rows passing the filters, in voxel order (NaN (NULL) r never passes a minR filter).
  const byVoxel = voxelOrder(vox);
  const matched: number[] = [];
  for (let k = 0; k < vox.length; k++) {
    const i = byVoxel === null ? k : byVoxel[k];
    if (roiCode >= 0 && codeOf(i) !== roiCode) continue;
    if (page.minR != null && !(rv[i] >= minR)) continue;
    matched.push(i);
  }
  const row = (i: number, position: number): VoxelScoreRow => {
    const code = codeOf(i);
    const x = rv[i];
    const ceiling = vox[i] < rois.ceilings.length ? rois.ceilings[vox[i]] : NaN;
    const sig = significance.get(vox[i]);
    return {
      voxel: vox[i], roi: code === NULL_CODE ? null : rois.labels[code], r: x === x ? x : null, alpha: an?.[i] === 1 ? null : cell.alphas[av[i]] ?? null,
      noiseCeiling: ceiling === ceiling ? ceiling : null, ceiledR: x === x && ceiling === ceiling ? x / ceiling : null,
      pValue: sig?.p ?? null, qValue: sig?.q ?? null, position,
    };
  };
  const rows: VoxelScoreRow[] = [];
  if (byR) {
    // By r, NULL last whichever the direction, ties by voxel; the position is the 1-based rank.
    const sign = descending ? -1 : 1;
    matched.sort((a, b) => {
      const [x, y] = [rv[a], rv[b]];
      if (x !== x || y !== y) return x !== x && y !== y ? vox[a] - vox[b] : x !== x ? 1 : -1;
      return sign * (x - y) || vox[a] - vox[b];
    });
    for (let k = Math.max(0, page.after); k < matched.length && rows.length <= page.limit; k++) rows.push(row(matched[k], k + 1));
  } else if (descending) {
    for (let k = matched.length - 1; k >= 0 && rows.length <= page.limit; k--) if (vox[matched[k]] < page.after) rows.push(row(matched[k], vox[matched[k]]));
  } else {
    for (const i of matched) {
      if (rows.length > page.limit) break;
      if (vox[i] > page.after) rows.push(row(i, vox[i]));
    }
  }
  return { rows, total: page.withTotal ? matched.length : null };
}

/** Row indices in voxel order, or null when the scan returned them in order (it does: they were appended so). */
function voxelOrder(voxel: Int32Array): Uint32Array | null {
  for (let i = 1; i < voxel.length; i++) {
    if (voxel[i] < voxel[i - 1]) return Uint32Array.from(voxel.keys()).sort((a, b) => voxel[a] - voxel[b]);
  }
  return null;
}

export interface InternalMetricRow {
  readonly modelId: string;
  readonly step: number;
  readonly layer: number;
  readonly metric: string;
  readonly value: number | null;
  /** The checkpoint the value compares with (linear CKA), else null. */
  readonly referenceStep: number | null;
  /** How the estimate was obtained (JSON), or null. */
  readonly detailsJson: string | null;
}

/** A stored internal value as read: with why it is stale, if an input or reference changed since. */
export interface StoredInternalRow extends InternalMetricRow {
  readonly staleReason: string | null;
}

/** Replaces the internal metrics of (model, step, layer, params hash) in the caller's transaction. */
export async function writeInternalMetrics(tx: WriteTx, rows: readonly InternalMetricRow[], runId: string, paramsHash: string): Promise<void> {
  for (const row of rows) {
    await tx.run('DELETE FROM internal_metrics WHERE model_id = ? AND step = ? AND layer = ? AND metric = ? AND params_hash = ?', [
      row.modelId, row.step, row.layer, row.metric, paramsHash,
    ]);
    await tx.run(
      'INSERT INTO internal_metrics (model_id, step, layer, metric, value, run_id, params_hash, reference_step, details_json) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
      [row.modelId, row.step, row.layer, row.metric, row.value, runId, paramsHash, row.referenceStep, row.detailsJson],
    );
  }
}

/**
 * Why a stored internal value (alias `m` of internal_metrics) is stale, or NULL; `?1` is its
 * dataset. See internalRows.
 */
const INTERNAL_STALE_REASON_SQL = `coalesce(
  (SELECT 'an input changed since it was computed: the features of step ' || min(i.step) || ' layer ' || min(i.layer) || ' were replaced or removed'
   FROM run_inputs i LEFT JOIN word_features w ON w.model_id = i.model_id AND w.step = i.step AND w.layer = i.layer AND w.dataset_id = i.dataset_id
   WHERE i.run_id = m.run_id AND w.sha256 IS DISTINCT FROM i.sha256
     AND (i.role = 'states' OR (i.role = 'previous' AND m.metric = 'linearCKA') OR (i.role = 'final' AND m.metric = 'linearCKAToFinal'))
   HAVING count(*) > 0),
  CASE WHEN m.metric = 'linearCKA' AND m.run_id IN (SELECT i.run_id FROM run_inputs i) THEN
    (SELECT 'its reference changed: the previous checkpoint with features is now step ' || coalesce(CAST(max(f.step) AS VARCHAR), 'none') ||
            ' (it compared with ' || coalesce(CAST(m.reference_step AS VARCHAR), 'none') || ')'
     FROM word_features f WHERE f.model_id = m.model_id AND f.dataset_id = ?1 AND f.step < m.step
     HAVING max(f.step) IS DISTINCT FROM m.reference_step) END,
  CASE WHEN m.metric = 'linearCKAToFinal' AND m.reference_step IS NOT NULL THEN
    (SELECT 'its reference changed: the final checkpoint is now step ' || max(c.step) || ' (it compared with ' || m.reference_step || ')'
     FROM checkpoints c WHERE c.model_id = m.model_id HAVING max(c.step) <> m.reference_step) END,
  ${outdatedFeaturesReason('m.model_id', 'm.step', 'm.layer', '?1')}
)`;

/**
 * Stored internal values of a metric on a dataset, each with the reason it is stale, if it is:
 * a feature matrix its run read (run_inputs) whose content hash changed or that is gone — the
 * checkpoint's own states for every metric, the reference's for CKA — or a CKA reference that is
 * no longer the one the metric names (a checkpoint with features inserted before this one; a
 * later final checkpoint). Runs that recorded no inputs (older warehouses, bundles) are never stale.
 */
export async function internalRows(
  wh: Warehouse,
  modelIds: readonly string[],
  metric: string,
  layer: number | null,
  paramsHash: string,
  datasetId: string,
  options: { fresh?: boolean } = {},
): Promise<StoredInternalRow[]> {
  const params: DuckDBValue[] = [datasetId, listValue([...modelIds]), metric, paramsHash];
  if (layer != null) params.push(layer);
  return wh.all<StoredInternalRow>(
    `SELECT model_id AS "modelId", step, layer, metric, value, reference_step AS "referenceStep", details_json AS "detailsJson",
       ${INTERNAL_STALE_REASON_SQL} AS "staleReason"
     FROM internal_metrics m
     WHERE list_contains(?2, model_id) AND metric = ?3 AND params_hash = ?4 ${layer != null ? 'AND layer = ?5' : ''}
     ORDER BY model_id, step, layer`,
    params,
    { cache: options.fresh !== true },
  );
}

/** The steps of a model with stale internal values of a params hash (which names the dataset). */
export async function staleInternalSteps(wh: Warehouse, modelId: string, datasetId: string, paramsHash: string): Promise<number[]> {
  const rows = await wh.all<{ step: number }>(
    `SELECT DISTINCT step FROM (SELECT m.step, ${INTERNAL_STALE_REASON_SQL} AS reason FROM internal_metrics m WHERE m.model_id = ?2 AND m.params_hash = ?3)
     WHERE reason IS NOT NULL ORDER BY step`,
    [datasetId, modelId, paramsHash], { cache: false },
  );
  return rows.map((r) => r.step);
}

/** The steps of a model with stale brain-score cells of (dataset, params hash). */
export async function staleEncodingSteps(wh: Warehouse, modelId: string, datasetId: string, paramsHash: string): Promise<number[]> {
  const rows = await wh.all<{ step: number }>(
    `SELECT DISTINCT c.step FROM cells c WHERE c.model_id = ? AND c.dataset_id = ? AND c.params_hash = ? AND ${CELL_STALE_REASON_SQL} IS NOT NULL ORDER BY c.step`,
    [modelId, datasetId, paramsHash], { cache: false },
  );
  return rows.map((r) => r.step);
}

/** The steps of a model with stale cells of a kind: brain scores of (dataset, params hash), internal values of a params hash. */
export function staleCellSteps(wh: Warehouse, kind: 'encoding' | 'internal', modelId: string, datasetId: string, paramsHash: string): Promise<number[]> {
  return kind === 'encoding' ? staleEncodingSteps(wh, modelId, datasetId, paramsHash) : staleInternalSteps(wh, modelId, datasetId, paramsHash);
}
