import { DuckDBInstance } from '@duckdb/node-api';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_ENCODING_HASH } from '../../services/encoding.js';
import { brainRows, storedCell, voxelScores, writeEncodingCell } from '../../warehouse/brainScoresRepo.js';
import { CELLS_VERSION } from '../../warehouse/migrateToCells.js';
import { MIGRATIONS } from '../../warehouse/migrations.js';
import { Warehouse } from '../../warehouse/Warehouse.js';
import { tempDir } from '../helpers/tmp.js';
import { buildPreCellsWarehouse, NEW_SCORES, NEW_SUMMARIES, OLD_SCORES, OLD_SUMMARIES, type OldCell } from '../helpers/preCellsWarehouse.js';

// 2 models × 3 steps × 2 layers × 2 subjects, one old cell without a params hash.
const CELLS: OldCell[] = ['m-a', 'm-b'].flatMap((model) =>
  [100, 200, 300].flatMap((step) =>
    [1, 2].flatMap((layer) => ['s1', 's2'].map((subject) => ({ model, step, layer, subject, paramsHash: DEFAULT_ENCODING_HASH, voxels: 300 + layer * 7 }))),
  ),
);
CELLS.push({ model: 'm-c', step: 1, layer: 0, subject: 's1', paramsHash: null, voxels: 50 });

async function rawRows(path: string, sql: string): Promise<Record<string, unknown>[]> {
  const instance = await DuckDBInstance.create(path);
  const c = await instance.connect();
  try {
    return (await c.runAndReadAll(sql)).getRowObjectsJS();
  } finally {
    c.closeSync();
    instance.closeSync();
  }
}

/** The schema version of the release before the cells migration. */
const PREVIOUS = Math.max(...MIGRATIONS.filter((m) => m.version < CELLS_VERSION).map((m) => m.version));

describe(`migration ${CELLS_VERSION}: string-keyed voxel scores → cells + integer-keyed fact table`, () => {
  const tmp = tempDir();
  afterAll(() => tmp.cleanup());

  it('converts a warehouse written by the previous version in place: every score, summary and run kept', async () => {
    const path = join(tmp.dir, 'previous.duckdb');
    await buildPreCellsWarehouse(path, CELLS);
    const [scores, summaries] = [await rawRows(path, OLD_SCORES), await rawRows(path, OLD_SUMMARIES)];
    expect(scores).toHaveLength(CELLS.reduce((n, c) => n + c.voxels, 0));

    const progress: number[] = [];
    const wh = await Warehouse.create({ path, migration: { batchRows: 1000, onProgress: (p) => void progress.push(p.cellsDone) } });
    try {
      expect(await wh.all('SELECT count(*)::INTEGER AS n FROM schema_migrations WHERE version = ?', [CELLS_VERSION], { cache: false })).toEqual([{ n: 1 }]);
      expect(progress.length).toBeGreaterThan(5); // batches of ≤ 1000 rows, never across models
      expect(progress.at(-1)).toBe(CELLS.length + 1);
      expect(await wh.all(NEW_SCORES, [], { cache: false })).toEqual(scores);
      expect(await wh.all(NEW_SUMMARIES, [], { cache: false })).toEqual(summaries);
      const tables = await wh.all<{ t: string }>("SELECT table_name AS t FROM information_schema.tables WHERE table_name LIKE '%next%' OR table_name LIKE 'migration%'", [], { cache: false });
      expect(tables).toEqual([]);
      // A cell's voxels are one contiguous cell_id, in voxel order; readers see them as before (a page reads one row more than it returns).
      const cell = { modelId: 'm-b', step: 200, layer: 2, datasetId: 'ds', subjectId: 's2', paramsHash: DEFAULT_ENCODING_HASH };
      const stored = (await storedCell(wh, cell))!;
      const { rows: page, total } = await voxelScores(wh, stored, cell, { after: 10, limit: 3, roi: null, minR: null, withTotal: true });
      const old = scores.filter((s) => s.model_id === 'm-b' && s.step === 200 && s.layer === 2 && s.subject_id === 's2' && (s.voxel as number) > 10).slice(0, 3);
      expect(page.slice(0, 3).map(({ voxel, r, alpha }) => ({ voxel, r, alpha }))).toEqual(old.map(({ voxel, r, alpha }) => ({ voxel, r, alpha })));
      expect(total).toBe(314);
      const filtered = await voxelScores(wh, stored, cell, { after: -1, limit: 3, roi: null, minR: -1, withTotal: true });
      expect(filtered.total).toBe(314 - 29); // r NULL at v ≡ 3 (mod 11)
      const rows = await brainRows(wh, { modelIds: ['only-summary'], datasetId: 'ds', roi: 'all', paramsHash: 'h', subjectId: null, layer: null });
      expect(rows).toEqual([{ modelId: 'only-summary', step: 5, layer: 3, value: 0.25, nSubjects: 1, nVoxels: 100, nSignificant: 10, staleReason: null }]);
      // New cells continue the sequence; replacing one gives it a new id and removes the old rows.
      const [{ max }] = await wh.all<{ max: number }>('SELECT max(cell_id) AS max FROM cells', [], { cache: false });
      const r = Float32Array.from({ length: 5 }, (_, i) => i / 10);
      const id = await wh.write((tx) => writeEncodingCell(tx, cell, 'run-new', r, new Float32Array(5).fill(1), []));
      expect(id).toBe(max + 1);
      expect(await wh.all('SELECT count(*) AS n FROM brain_scores JOIN cells USING (cell_id) WHERE run_id = ?', ['run-new'], { cache: false })).toEqual([{ n: 5 }]);
      expect(await wh.all('SELECT count(*) AS n FROM cells WHERE model_id = ? AND step = 200 AND layer = 2 AND subject_id = ?', ['m-b', 's2'], { cache: false })).toEqual([{ n: 1 }]);
    } finally {
      await wh.close();
    }
  });

  it('resumes after kill -9 in the middle of a batch: the old tables stay whole until the last step', async () => {
    const path = join(tmp.dir, 'killed.duckdb');
    await buildPreCellsWarehouse(path, CELLS);
    const [scores, summaries] = [await rawRows(path, OLD_SCORES), await rawRows(path, OLD_SUMMARIES)];
    // The child migrates in small batches and, inside the third batch's transaction, stops
    // there (the batch is written, not committed) until it is killed.
    const child = spawn(process.execPath, [
      '--input-type=module',
      '-e',
      `const { Warehouse } = await import(${JSON.stringify(join(process.cwd(), 'dist', 'warehouse', 'Warehouse.js'))});
       let batches = 0;
       globalThis.wh = await Warehouse.create({ path: ${JSON.stringify(path)}, migration: { batchRows: 1000, onProgress: async (p) => {
         if (++batches === 3) { console.log('in batch 3, ' + p.cellsDone + ' cells'); await new Promise(() => {}); }
       } } });
       console.log('finished');`,
    ], { stdio: ['ignore', 'pipe', 'inherit'] });
    const line = await new Promise<string>((resolve) => child.stdout.on('data', (d: Buffer) => resolve(d.toString())));
    expect(line).toMatch(/^in batch 3/);
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));

    // Two batches committed, the third rolled back; the old layout is untouched.
    const state = await rawRows(path, `SELECT (SELECT count(*) FROM cells) AS cells, (SELECT count(*) FROM brain_scores_next) AS moved,
      (SELECT max(version) FROM schema_migrations) AS version`);
    expect(Number(state[0].version)).toBe(PREVIOUS);
    expect(Number(state[0].cells)).toBeGreaterThan(0);
    expect(await rawRows(path, OLD_SCORES)).toEqual(scores);

    const wh = await Warehouse.create({ path });
    try {
      expect(await wh.all('SELECT count(*)::INTEGER AS n FROM schema_migrations WHERE version = ?', [CELLS_VERSION], { cache: false })).toEqual([{ n: 1 }]);
      expect(await wh.all(NEW_SCORES, [], { cache: false })).toEqual(scores);
      expect(await wh.all(NEW_SUMMARIES, [], { cache: false })).toEqual(summaries);
      expect(await wh.all('SELECT count(*) AS n, count(DISTINCT cell_id) AS ids FROM cells', [], { cache: false })).toEqual([{ n: CELLS.length + 1, ids: CELLS.length + 1 }]);
    } finally {
      await wh.close();
    }
  });
});
