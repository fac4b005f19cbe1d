import { DuckDBInstance } from '@duckdb/node-api';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../server/app.js';
import { localAuth } from '../../server/auth.js';
import { exportParquet } from '../../warehouse/parquetExport.js';
import { Warehouse } from '../../warehouse/Warehouse.js';
import { startTestServer, TEST_LIMITS, type TestServer } from '../helpers/server.js';
import { addTinyBrain } from '../helpers/tinyBrain.js';
import { tempDir } from '../helpers/tmp.js';

/** Answers that must not change when the warehouse is served from its Parquet export. */
const QUERIES = [
  `{ compareModels(models: ["pythia-70m", "pythia-410m"], task: "mmlu", alignBy: TOKENS) { series { modelId points { x value stderr } } correlations { r n } } }`,
  `{ model(id: "tiny") { brainTrajectory(dataset: "synth", policy: NEVER) { step value layer } internalTrajectory(metric: "effectiveRank", layer: 1, dataset: "synth", policy: NEVER) { step value }
     checkpoints(first: 5) { totalCount nodes { step tokens fraction brainScore(dataset: "synth", roi: "AC", policy: NEVER) { value status nSignificant } layerProfile(dataset: "synth") { layer value } } } } }`,
  `{ voxelScores(model: "tiny", step: 100, layer: 1, dataset: "synth", subject: "S01", first: 7, roi: "AC", minR: 0.2) { totalCount pageInfo { endCursor } nodes { voxel roi r alpha } } }`,
  `{ datasets { id trSeconds subjects runs { id split nTrs nWords } } }`,
];

async function post(endpoint: string, query: string): Promise<unknown> {
  const res = await fetch(endpoint, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query }) });
  return res.json();
}

describe('Parquet export: Hive-partitioned files any engine reads, re-attached read-only by serve --parquet', () => {
  const tmp = tempDir();
  const dir = join(tmp.dir, 'export');
  let t: TestServer;
  let fromParquet: { wh: Warehouse; server: RunningServer };

  beforeAll(async () => {
    t = await startTestServer({ importRoots: [tmp.dir] });
    await addTinyBrain(t, tmp.dir);
    await exportParquet(t.wh, dir);
    const wh = await Warehouse.create({ path: dir, parquet: true, cacheEntries: 0 });
    fromParquet = { wh, server: await startServer(wh, { host: '127.0.0.1', port: 0, limits: TEST_LIMITS, auth: localAuth('admin', TEST_LIMITS.maxCost) }) };
  });
  afterAll(async () => {
    await fromParquet?.server.close();
    fromParquet?.wh.close();
    await t.close();
    tmp.cleanup();
  });

  it('writes the big tables as model=…/dataset=…/ partitions, with the cell key beside each voxel score', async () => {
    expect(readdirSync(join(dir, 'brain_scores'))).toEqual(['model=tiny']);
    expect(readdirSync(join(dir, 'brain_scores', 'model=tiny'))).toEqual(['dataset=synth']);
    expect(readdirSync(join(dir, 'task_scores')).length).toBe(7);
    const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
    expect(manifest.tables.find((x: { table: string }) => x.table === 'brain_scores')).toMatchObject({ path: 'brain_scores', partitions: ['model', 'dataset'], rows: 80 });
    expect(manifest.tables.find((x: { table: string }) => x.table === 'api_keys')).toMatchObject({ path: 'api_keys.parquet', rows: 0 });
    // Any engine: plain DuckDB with Hive partitioning, no cortexql code.
    const db = await DuckDBInstance.create(':memory:');
    const c = await db.connect();
    const rows = (await c.runAndReadAll(
      `SELECT model, dataset, layer, subject_id, count(*)::INTEGER AS n, count(alpha)::INTEGER AS alphas
       FROM read_parquet('${dir}/brain_scores/*/*/*.parquet', hive_partitioning = true) GROUP BY ALL ORDER BY ALL`,
    )).getRowObjectsJS();
    expect(rows).toEqual([
      { model: 'tiny', dataset: 'synth', layer: 0, subject_id: 'S01', n: 40, alphas: 40 },
      { model: 'tiny', dataset: 'synth', layer: 1, subject_id: 'S01', n: 40, alphas: 40 },
    ]);
    c.closeSync();
    db.closeSync();
  });

  it('serves every query with the same answers as the warehouse it was exported from, read-only', async () => {
    for (const q of QUERIES) {
      const [x, y] = [(await t.gql(q)).body, await post(fromParquet.server.endpoint, q)];
      expect((x as { errors?: unknown }).errors).toBeUndefined();
      expect(y).toEqual(x);
    }
    const write = (await post(fromParquet.server.endpoint, 'mutation { registerModel(input: { id: "x", tokensPerStep: 1 }) { id } }')) as { errors: { extensions: { code: string } }[] };
    expect(write.errors[0].extensions.code).toBe('WAREHOUSE_ERROR');
  });

  it('cortexql serve --parquet DIR starts on the export', async () => {
    const child = spawn(process.execPath, [join(process.cwd(), 'dist', 'cli', 'main.js'), 'serve', '--parquet', dir, '--port', '0', '--anonymous', 'reader'], {
      stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, CORTEXQL_LOG_LEVEL: 'warn' },
    });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          const m = /ready at (http:\/\/\S+\/) .*Parquet export/.exec(out);
          if (m) resolve(m[1]);
        });
        child.once('exit', (code) => reject(new Error(`serve --parquet exited with ${code}: ${out}`)));
      });
      expect(await post(`${url}graphql`, QUERIES[3])).toEqual((await t.gql(QUERIES[3])).body);
      expect(existsSync(join(dir, 'cortexql.duckdb'))).toBe(false);
    } finally {
      child.kill('SIGKILL');
    }
  });
});
