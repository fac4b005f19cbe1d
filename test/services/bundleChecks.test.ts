import { createHash } from 'node:crypto';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CortexError } from '../../errors/CortexError.js';
import { exportBundle, importBundle, type BundleManifest } from '../../services/bundles.js';
import { computeEncoding } from '../../services/encoding.js';
import { importEvalsFromPath } from '../../services/importEvals.js';
import { Warehouse } from '../../warehouse/Warehouse.js';
import { warehouseFingerprint } from '../helpers/fingerprint.js';
import { PYTHIA_EVALS } from '../helpers/pythiaFiles.js';
import { addSyntheticStudy } from '../helpers/syntheticStudy.js';
import { tempDir } from '../helpers/tmp.js';

/** Bundles are validated row by row before anything merges: every problem named, nothing written. */
describe('bundle rows are checked before merging', () => {
  const tmp = tempDir('cortexql-bundle-checks-');
  let source: Warehouse;
  let target: Warehouse;
  let folder: string;
  beforeAll(async () => {
    source = await Warehouse.create({ path: join(tmp.dir, 'a.duckdb') });
    target = await Warehouse.create({ path: join(tmp.dir, 'b.duckdb') });
    await importEvalsFromPath(source, join(PYTHIA_EVALS, 'pythia-70m'));
    folder = (await exportBundle(source, { where: { models: ['pythia-70m'], datasets: [] }, exportDir: join(tmp.dir, 'export') })).folder;
  });
  afterAll(async () => {
    await source.close();
    await target.close();
    tmp.cleanup();
  });

  /** A copy of the bundle with table files rewritten by SQL over `src` (checksums updated, rows as given). */
  async function damaged(name: string, rewrite: Record<string, string>, rows: Record<string, number> = {}): Promise<string> {
    const dir = join(tmp.dir, name);
    cpSync(folder, dir, { recursive: true });
    const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as BundleManifest;
    for (const [file, select] of Object.entries(rewrite)) {
      const src = join(folder, file);
      await source.all(`COPY (WITH src AS (SELECT * FROM read_parquet('${src}')) ${select}) TO '${join(dir, file)}' (FORMAT parquet)`, [], { cache: false });
      const entry = manifest.files.find((f) => f.file === file)!;
      entry.sha256 = createHash('sha256').update(readFileSync(join(dir, file))).digest('hex');
    }
    for (const [file, n] of Object.entries(rows)) manifest.files.find((f) => f.file === file)!.rows = n;
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest));
    return dir;
  }

  const problems = async (dir: string) => {
    const before = await warehouseFingerprint(target);
    const e = (await importBundle(target, dir).then(() => null, (x: unknown) => x)) as CortexError<'IMPORT_FAILED'> | null;
    expect(await warehouseFingerprint(target)).toEqual(before);
    expect(e?.code).toBe('IMPORT_FAILED');
    return e!.details.problems;
  };

  it('refuses scores and checkpoints of a model that has no model row', async () => {
    const dir = await damaged('orphans', { 'models.parquet': 'SELECT * FROM src WHERE false' }, { 'models.parquet': 0 });
    expect(await problems(dir)).toEqual([
      { where: 'checkpoints.parquet: model_id', message: 'model_id "pythia-70m" has no row in models (neither in the bundle nor in this warehouse)' },
      { where: 'task_scores.parquet: model_id', message: 'model_id "pythia-70m" has no row in models (neither in the bundle nor in this warehouse)' },
    ]);
  });

  it('lists NaN values, negative steps, bad names and a wrong row count at once', async () => {
    // Every column as it is (whatever columns later migrations add), but for the damaged ones.
    const select = `SELECT * REPLACE (CASE WHEN row_number() OVER () <= 2 THEN -1 ELSE step END AS step, CASE WHEN row_number() OVER () = 3 THEN 'bad' || chr(10) || 'task' ELSE task END AS task,
      CASE WHEN row_number() OVER () = 4 THEN 'NaN'::DOUBLE ELSE value END AS value) FROM src`;
    const dir = await damaged('rows', { 'task_scores.parquet': select }, { 'checkpoints.parquet': 1 });
    expect(await problems(dir)).toEqual([
      { where: 'checkpoints.parquet', message: 'holds 27 rows, the manifest says 1' },
      { where: 'task_scores.parquet: step', message: '2 rows with a step outside 0…2147483647' },
      { where: 'task_scores.parquet: task', message: '"bad\\ntask" holds a control, format or invisible character (newline, NUL, bidirectional override, …)' },
      { where: 'task_scores.parquet: value', message: '1 row with NaN or an infinite value (an unknown value is NULL)' },
    ]);
  });

  it('refuses a Parquet file whose column types differ (a step written as text)', async () => {
    const dir = await damaged('types', { 'checkpoints.parquet': 'SELECT model_id, step::VARCHAR AS step, tokens, artifact_uri, artifact_sha256, artifact_bytes, layers_manifest FROM src' });
    const [p] = await problems(dir);
    expect(p).toEqual({ where: 'checkpoints.parquet', message: expect.stringMatching(/^columns \(model_id VARCHAR, step VARCHAR, .*\) do not match table checkpoints \(model_id VARCHAR, step INTEGER, /) });
  });

  it('merges the undamaged bundle', async () => {
    const r = await importBundle(target, folder);
    expect(r.tables.find((t) => t.table === 'task_scores')!.inserted).toBeGreaterThan(0);
  });
});

/** voxel_significance travels in bundles: exported, checked, imported with the cells it belongs to. */
describe('bundles carry block-permutation p and q values', () => {
  const tmp = tempDir('cortexql-bundle-significance-');
  let source: Warehouse;
  let target: Warehouse;
  let folder: string;
  let permHash: string;
  const significance = (wh: Warehouse) =>
    wh.all<{ model_id: string; layer: number; subject_id: string; params_hash: string; voxel: number; p: number | null; q: number | null }>(
      `SELECT c.model_id, c.layer, c.subject_id, c.params_hash, s.voxel, s.p_value AS p, s.q_value AS q
       FROM voxel_significance s JOIN cells c USING (cell_id) ORDER BY c.layer, c.subject_id, c.params_hash, s.voxel`, [], { cache: false });
  beforeAll(async () => {
    source = await Warehouse.create({ path: join(tmp.dir, 'a.duckdb') });
    target = await Warehouse.create({ path: join(tmp.dir, 'b.duckdb') });
    await addSyntheticStudy(source, tmp.dir, { steps: [100], voxels: 30, noise: 2 });
    await computeEncoding(source, { modelId: 'tiny', step: 100, datasetId: 'synth', layers: [1], params: { permutations: 0 } });
    permHash = (await computeEncoding(source, { modelId: 'tiny', step: 100, datasetId: 'synth', layers: [1], params: { permutations: 99 } })).paramsHash;
    folder = (await exportBundle(source, { where: { models: ['tiny'] }, exportDir: join(tmp.dir, 'export') })).folder;
  });
  afterAll(async () => {
    await source.close();
    await target.close();
    tmp.cleanup();
  });

  it('round-trips p and q of the permutation cells, none for the t-test cells, and re-imports as a no-op', async () => {
    const manifest = JSON.parse(readFileSync(join(folder, 'manifest.json'), 'utf8')) as BundleManifest;
    const stored = await significance(source);
    expect(stored.length).toBe(30);
    expect(new Set(stored.map((r) => r.params_hash))).toEqual(new Set([permHash]));
    expect(manifest.files.find((f) => f.table === 'voxel_significance')?.rows).toBe(30);
    const first = await importBundle(target, folder);
    expect(first.tables.find((t) => t.table === 'voxel_significance')).toEqual({ table: 'voxel_significance', inserted: 30, present: 0 });
    expect(await significance(target)).toEqual(stored);
    const again = await importBundle(target, folder);
    expect(again.tables.find((t) => t.table === 'voxel_significance')).toEqual({ table: 'voxel_significance', inserted: 0, present: 30 });
  });

  it('refuses p or q outside 0…1, and q without p, writing nothing', async () => {
    const dir = join(tmp.dir, 'bad-p');
    cpSync(folder, dir, { recursive: true });
    const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as BundleManifest;
    const file = 'voxel_significance.parquet';
    await source.all(
      `COPY (SELECT cell_id, voxel, CASE WHEN voxel = 1 THEN 1.5::REAL WHEN voxel = 2 THEN NULL ELSE p_value END AS p_value,
              CASE WHEN voxel = 3 THEN -0.1::REAL ELSE q_value END AS q_value
             FROM read_parquet('${join(folder, file)}')) TO '${join(dir, file)}' (FORMAT parquet)`, [], { cache: false });
    manifest.files.find((f) => f.file === file)!.sha256 = createHash('sha256').update(readFileSync(join(dir, file))).digest('hex');
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest));
    const fresh = await Warehouse.create({ path: join(tmp.dir, 'c.duckdb') });
    try {
      const before = await warehouseFingerprint(fresh);
      const e = (await importBundle(fresh, dir).then(() => null, (x: unknown) => x)) as CortexError<'IMPORT_FAILED'> | null;
      expect(e?.code).toBe('IMPORT_FAILED');
      expect(e!.details.problems).toEqual([
        { where: 'voxel_significance.parquet: p_value', message: '1 row with a p_value outside 0…1' },
        { where: 'voxel_significance.parquet: q_value', message: '1 row with a q_value outside 0…1' },
        { where: 'voxel_significance.parquet: q_value', message: '1 row with a q_value without a p_value or the reverse' },
      ]);
      expect(await warehouseFingerprint(fresh)).toEqual(before);
    } finally {
      await fresh.close();
    }
  });
});
