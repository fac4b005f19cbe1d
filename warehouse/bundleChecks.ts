import type { Problem } from '../errors/CortexError.js';
import { idProblem, MAX_STEP, nameProblem, shown, TR_SECONDS } from '../formats/validation.js';
import type { StagedTable } from './bundleRepo.js';
import type { WriteTx } from './Warehouse.js';

/**
 * Row-by-row validation of a staged sharing bundle, before anything merges: the same rules as
 * every other door (formats/validation.ts) applied to each table's columns, the manifest's row
 * counts, the sizes of stored matrices, and references between tables (a score needs its model,
 * a voxel its subject, …, present in the bundle or already in the warehouse). Rules follow the
 * column names, so a table that gains or loses columns keeps being checked by what it has.
 */
const ID_COLUMNS = new Set(['model_id', 'dataset_id', 'subject_id', 'run_id']);
const NAME_COLUMNS = new Set(['task', 'metric', 'roi']);
/** Integer columns that count or index something: never negative; those listed in POSITIVE at least 1. */
const COUNT_COLUMNS = new Set(['layer', 'voxel', 'word_index', 'n_trs', 'n_voxels', 'n_words', 'dim', 'presentation', 'ord', 'n_significant', 'params', 'n_layers', 'hidden_size', 'tokens_per_step', 'final_step', 'tokens', 'artifact_bytes', 'n_tasks']);
const POSITIVE = new Set(['n_trs', 'n_voxels', 'n_words', 'dim', 'n_tasks']);
const NUMERIC = /^(DOUBLE|REAL|FLOAT)$/;
/** Problems listed per rule and column at most (the count says how many rows broke it). */
const SHOWN = 5;

/** (child columns) → (parent table, parent columns): checked against the bundle and the warehouse. */
const REFERENCES: readonly { table: string; columns: readonly string[]; parent: string; bundleOnly?: boolean }[] = [
  ...['checkpoints', 'task_scores', 'word_features', 'cells', 'internal_metrics'].map((table) => ({ table, columns: ['model_id'], parent: 'models' })),
  ...['subjects', 'fmri_runs', 'word_features'].map((table) => ({ table, columns: ['dataset_id'], parent: 'datasets' })),
  ...['voxels', 'fmri_responses', 'cells'].map((table) => ({ table, columns: ['dataset_id', 'subject_id'], parent: 'subjects' })),
  ...['stimulus_words', 'fmri_responses'].map((table) => ({ table, columns: ['dataset_id', 'run_id'], parent: 'fmri_runs' })),
  ...['cells', 'internal_metrics', 'run_inputs'].map((table) => ({ table, columns: ['run_id'], parent: 'runs' })),
  // cell ids are the exporter's: a score's cell must be in the bundle's cells.
  ...['brain_score_summary', 'brain_scores', 'voxel_significance'].map((table) => ({ table, columns: ['cell_id'], parent: 'cells', bundleOnly: true })),
];

/** Probability columns: within [0, 1] (NULL where the voxel's r is undefined). */
const PROBABILITIES = new Set(['p_value', 'q_value']);

/** Where a matrix BLOB's size is fixed by its shape columns (float32, row-major). */
const MATRICES: Readonly<Record<string, readonly [string, string]>> = { fmri_responses: ['n_trs', 'n_voxels'], word_features: ['n_words', 'dim'] };

interface Column {
  readonly name: string;
  readonly type: string;
  readonly nullable: boolean;
}

const q = (name: string) => `"${name.replaceAll('"', '""')}"`;

/**
 * Pushes a problem for every rule a staged table breaks (each named `file: column`), with the
 * number of rows that break it and the first few values. `rows`: the manifest's row count of
 * each staged file.
 */
export async function checkStagedRows(tx: WriteTx, staged: readonly (StagedTable & { file: string; rows: number })[], problems: Problem[]): Promise<void> {
  const stagedByTable = new Map(staged.map((s) => [s.spec.table, s.staged]));
  for (const s of staged) {
    const where = (column?: string) => (column ? `${s.file}: ${column}` : s.file);
    const [{ n }] = await tx.all<{ n: number }>(`SELECT count(*)::BIGINT AS n FROM ${s.staged}`);
    if (Number(n) !== s.rows) problems.push({ where: where(), message: `holds ${n} rows, the manifest says ${s.rows}` });
    // The staged file's columns (stageParquet matched them to what the table is exported as: a
    // cell-keyed table's differ from the stored ones), required where the warehouse table requires them.
    const columns = await tx.all<Column>(
      `SELECT f.column_name AS name, f.data_type AS type, coalesce(w.is_nullable, 'YES') = 'YES' AS nullable
       FROM information_schema.columns f
       LEFT JOIN information_schema.columns w ON w.table_name = ? AND w.table_schema = 'main' AND w.table_catalog = current_database() AND w.column_name = f.column_name
       WHERE f.table_name = ? AND f.table_schema = 'main' AND f.table_catalog = 'temp' ORDER BY f.ordinal_position`,
      [s.spec.table, s.staged],
    );
    for (const c of columns) {
      const col = q(c.name);
      const count = async (condition: string) => Number((await tx.all<{ n: number }>(`SELECT count(*)::BIGINT AS n FROM ${s.staged} WHERE ${condition}`))[0].n);
      const bad = async (condition: string, message: string) => {
        const k = await count(condition);
        if (k > 0) problems.push({ where: where(c.name), message: `${k} row${k === 1 ? '' : 's'} with ${message}` });
      };
      if (!c.nullable) await bad(`${col} IS NULL`, 'no value (the column is required)');
      if (ID_COLUMNS.has(c.name) || NAME_COLUMNS.has(c.name)) {
        const rule = ID_COLUMNS.has(c.name) ? idProblem : nameProblem;
        const values = await tx.all<{ v: string }>(`SELECT DISTINCT ${col} AS v FROM ${s.staged} WHERE ${col} IS NOT NULL`);
        const broken = values.map((r) => rule(r.v)).filter((p): p is string => p !== null);
        for (const p of broken.slice(0, SHOWN)) problems.push({ where: where(c.name), message: p });
        if (broken.length > SHOWN) problems.push({ where: where(c.name), message: `and ${broken.length - SHOWN} more values break the ${ID_COLUMNS.has(c.name) ? 'id' : 'name'} rule` });
      }
      if (c.name === 'step') await bad(`${col} < 0 OR ${col} > ${MAX_STEP}`, `a step outside 0…${MAX_STEP}`);
      else if (COUNT_COLUMNS.has(c.name)) {
        // A cell with per-ROI summaries only holds no voxel rows.
        const least = POSITIVE.has(c.name) && !(s.spec.table === 'cells' && c.name === 'n_voxels') ? 1 : 0;
        await bad(`${col} < ${least}`, `a value below ${least}`);
      }
      if (NUMERIC.test(c.type)) await bad(`isnan(${col}) OR isinf(${col})`, 'NaN or an infinite value (an unknown value is NULL)');
      if (c.name === 'stderr') await bad(`${col} < 0`, 'a negative stderr');
      if (PROBABILITIES.has(c.name)) await bad(`${col} < 0 OR ${col} > 1`, `a ${c.name} outside 0…1`);
      // q is p adjusted: both or neither (NULL where the voxel's r is undefined).
      if (c.name === 'q_value' && columns.some((v) => v.name === 'p_value')) await bad('(p_value IS NULL) <> (q_value IS NULL)', 'a q_value without a p_value or the reverse');
      if (c.name === 'tr_seconds') await bad(`${col} < ${TR_SECONDS.min} OR ${col} > ${TR_SECONDS.max}`, `tr_seconds outside ${TR_SECONDS.min}…${TR_SECONDS.max}`);
      // An eval score without a value says why (the file held NaN or ±Infinity).
      if (c.name === 'null_reason' && columns.some((v) => v.name === 'value')) await bad('value IS NULL AND null_reason IS NULL', 'no value and no reason for it');
      if (c.name === 'split') await bad(`${col} NOT IN ('train', 'test')`, "a split other than 'train' or 'test'");
    }
    const shape = MATRICES[s.spec.table];
    if (shape && columns.some((c) => c.name === 'data')) {
      const k = Number((await tx.all<{ n: number }>(`SELECT count(*)::BIGINT AS n FROM ${s.staged} WHERE octet_length(data) <> ${q(shape[0])}::BIGINT * ${q(shape[1])} * 4`))[0].n);
      if (k > 0) problems.push({ where: where('data'), message: `${k} matrices do not hold ${shape[0]} × ${shape[1]} float32 values` });
    }
  }
  for (const ref of REFERENCES) {
    const child = stagedByTable.get(ref.table);
    if (!child) continue;
    const have = new Set((await tx.all<{ c: string }>(`SELECT column_name AS c FROM information_schema.columns WHERE table_name = ? AND table_schema = 'main'`, [child])).map((r) => r.c));
    if (!ref.columns.every((c) => have.has(c))) continue;
    const match = (parent: string) => `EXISTS (SELECT 1 FROM ${parent} p WHERE ${ref.columns.map((c) => `p.${q(c)} = c.${q(c)}`).join(' AND ')})`;
    const parentStaged = stagedByTable.get(ref.parent);
    if (ref.bundleOnly && !parentStaged) continue; // reported by the caller: the bundle lacks the parent file
    const missing = await tx.all<Record<string, unknown>>(
      `SELECT DISTINCT ${ref.columns.map((c) => `c.${q(c)}`).join(', ')} FROM ${child} c
        WHERE ${ref.bundleOnly ? 'TRUE' : `NOT ${match(ref.parent)}`}${parentStaged ? ` AND NOT ${match(parentStaged)}` : ''} LIMIT ${SHOWN + 1}`,
    );
    const file = staged.find((s) => s.spec.table === ref.table)!.file;
    for (const row of missing.slice(0, SHOWN)) {
      problems.push({ where: `${file}: ${ref.columns.join(', ')}`, message: `${ref.columns.map((c) => `${c} ${shown(String(row[c]))}`).join(', ')} has no row in ${ref.parent} (${ref.bundleOnly ? 'in the bundle' : 'neither in the bundle nor in this warehouse'})` });
    }
    if (missing.length > SHOWN) problems.push({ where: `${file}: ${ref.columns.join(', ')}`, message: `and more rows without a row in ${ref.parent}` });
  }
}
