import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { addTinyBrain } from '../helpers/tinyBrain.js';
import { tempDir } from '../helpers/tmp.js';

/** Queries whose answers must be identical before export and after import elsewhere. */
const QUERIES = [
  `{ compareModels(models: ["pythia-70m", "pythia-410m"], task: "mmlu", alignBy: TOKENS) { series { modelId points { x value stderr } } correlations { r n } } }`,
  `{ taskScoreAggregate(where: { metric: "acc", tasks: ["piqa", "sciq"] }, groupBy: [MODEL, TASK]) { modelId task count mean min max } }`,
  `{ model(id: "tiny") { brainTrajectory(dataset: "synth") { step value layer } internalTrajectory(metric: "effectiveRank", layer: 1, dataset: "synth") { step value }
     checkpoints(first: 5) { nodes { step tokens brainScore(dataset: "synth", roi: "AC") { value status nSignificant } } } } }`,
  `{ voxelScores(model: "tiny", step: 100, layer: 1, dataset: "synth", subject: "S01", first: 50) { totalCount nodes { voxel roi r alpha } } }`,
  `{ datasets { id trSeconds subjects runs { id split nTrs nWords } } }`,
];

describe('sharing bundles: Parquet + manifest, round trip, idempotence, conflicts', () => {
  let a: TestServer;
  let b: TestServer;
  const tmp = tempDir();
  let tarFile: string;
  let exported: { id: string; files: { table: string; file: string; rows: number }[]; downloadPath: string; schemaVersion: number; runs: number };

  beforeAll(async () => {
    a = await startTestServer({ importRoots: [tmp.dir] });
    b = await startTestServer({ withPythia: false, importRoots: [tmp.dir] });
    await addTinyBrain(a, tmp.dir);
  });
  afterAll(async () => {
    await a.close();
    await b.close();
    tmp.cleanup();
  });

  it('exports a bundle whose manifest counts rows and whose .tar downloads over HTTP', async () => {
    const { body } = await a.gql(`mutation { exportBundle(lab: "Lab A") { id downloadPath schemaVersion runs files { table file rows sha256 } } }`);
    expect(body.errors).toBeUndefined();
    exported = body.data.exportBundle;
    const rows = Object.fromEntries(exported.files.map((f) => [f.table, f.rows]));
    expect(rows).toMatchObject({ models: 8, task_scores: 32508 + 0, brain_scores: 80, brain_score_summary: 6, internal_metrics: 14, runs: 2, voxels: 40 });
    expect(exported.runs).toBe(2);
    const res = await fetch(new URL(exported.downloadPath, a.server.url));
    expect(res.status).toBe(200);
    tarFile = join(tmp.dir, 'downloaded.tar');
    writeFileSync(tarFile, Buffer.from(await res.arrayBuffer()));
  });

  it('writes Parquet that DuckDB reads directly, and a manifest with checksums and provenance', async () => {
    const folder = join(tmp.dir, 'exports-copy');
    cpSync(join(a.wh.path, '..', 'exports', exported.id), folder, { recursive: true });
    const manifest = JSON.parse(readFileSync(join(folder, 'manifest.json'), 'utf8'));
    expect(manifest).toMatchObject({ format: 'cortexql-bundle/1', lab: 'Lab A', schemaVersion: exported.schemaVersion });
    expect(manifest.runs.map((r: { kind: string }) => r.kind).sort()).toEqual(['encoding', 'internal']);
    const [count] = await a.wh.all<{ n: number }>(`SELECT count(*) AS n FROM read_parquet('${join(folder, 'task_scores.parquet')}')`, [], { cache: false });
    expect(count.n).toBe(manifest.files.find((f: { table: string }) => f.table === 'task_scores').rows);
  });

  it('imports into a fresh warehouse with identical query results', async () => {
    const { body } = await b.gql(`mutation($p: String!) { importBundle(path: $p) { id lab tables { table inserted present } } }`, { p: tarFile });
    expect(body.errors).toBeUndefined();
    expect(body.data.importBundle).toMatchObject({ id: exported.id, lab: 'Lab A' });
    for (const q of QUERIES) {
      const [x, y] = [await a.gql(q), await b.gql(q)];
      expect(x.body.errors).toBeUndefined();
      expect(y.body).toEqual(x.body);
    }
  });

  it('is idempotent: importing again adds nothing', async () => {
    const { body } = await b.gql(`mutation($p: String!) { importBundle(path: $p) { tables { table inserted present } } }`, { p: tarFile });
    for (const t of body.data.importBundle.tables) expect(t.inserted).toBe(0);
    expect(body.data.importBundle.tables.find((t: { table: string }) => t.table === 'task_scores').present).toBe(32508);
  });

  it('reports conflicting cells and writes nothing', async () => {
    await b.wh.write((tx) => tx.run("UPDATE task_scores SET value = 0.5 WHERE model_id = 'pythia-70m' AND step = 1000 AND task = 'piqa' AND metric = 'acc'"));
    await b.wh.write((tx) => tx.run("DELETE FROM task_scores WHERE model_id = 'pythia-160m' AND step = 0"));
    const before = await b.wh.all('SELECT count(*) AS n FROM task_scores', [], { cache: false });
    const { body } = await b.gql(`mutation($p: String!) { importBundle(path: $p) { id } }`, { p: tarFile });
    expect(body.errors?.[0]).toMatchObject({
      extensions: { code: 'IMPORT_CONFLICT', conflicts: [{ table: 'task_scores', key: { model_id: 'pythia-70m', step: 1000, task: 'piqa', metric: 'acc' } }] },
    });
    expect(await b.wh.all('SELECT count(*) AS n FROM task_scores', [], { cache: false })).toEqual(before);
  });

  it('refuses a bundle whose file does not match its checksum', async () => {
    const folder = join(tmp.dir, 'tampered');
    cpSync(join(a.wh.path, '..', 'exports', exported.id), folder, { recursive: true });
    const file = join(folder, 'models.parquet');
    const bytes = readFileSync(file);
    bytes[Math.floor(bytes.length / 2)] ^= 0xff;
    writeFileSync(file, bytes);
    const { body } = await b.gql(`mutation($p: String!) { importBundle(path: $p) { id } }`, { p: folder });
    expect(body.errors?.[0].extensions).toMatchObject({
      code: 'IMPORT_FAILED',
      problems: [{ where: 'models.parquet', message: 'sha256 does not match the manifest (corrupt or altered file)' }],
    });
  });
});
