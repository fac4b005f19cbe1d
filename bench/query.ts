/**
 * bench/query: compareModels over HTTP against the same rows from a direct DuckDB query, and
 * throughput with 32 concurrent clients. Run: npm run bench:query
 */
import 'reflect-metadata';
import { DuckDBInstance } from '@duckdb/node-api';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer } from '../server/app.js';
import { localAuth } from '../server/auth.js';
import { SHIPPED_DATA } from '../services/paths.js';
import { importEvalsFromPath } from '../services/importEvals.js';
import { Warehouse } from '../warehouse/Warehouse.js';
import { fmt, percentile, timeRuns } from './stats.js';

const MODELS = ['pythia-70m', 'pythia-70m-deduped', 'pythia-160m', 'pythia-160m-deduped', 'pythia-410m', 'pythia-410m-deduped', 'pythia-1b-deduped'];
const RUNS = 300;
const CLIENTS = 32;
const LOAD_SECONDS = 5;

const QUERY = `query($models: [ID!]!) { compareModels(models: $models, task: "lambada_openai", metric: "acc", alignBy: TOKENS) {
  series { modelId points { x step value stderr } best { step value } final { step value } }
  correlations { modelA modelB r n } } }`;

// The same rows, straight from DuckDB: each model's lambada_openai acc trajectory on the token axis.
const DIRECT_SQL = `SELECT s.model_id, s.step, c.tokens, s.value, s.stderr
  FROM task_scores s JOIN checkpoints c USING (model_id, step)
  WHERE list_contains(?, s.model_id) AND s.task = 'lambada_openai' AND s.metric = 'acc'
  ORDER BY s.model_id, s.step`;

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'cortexql-bench-'));
  const path = join(dir, 'bench.duckdb');
  const limits = { maxCost: 1e6, maxDepth: 12, maxPageSize: 500 };
  const auth = localAuth('reader', limits.maxCost);
  const wh = await Warehouse.create({ path });
  await importEvalsFromPath(wh, join(SHIPPED_DATA, 'pythia-evals'));
  const server = await startServer(wh, { host: '127.0.0.1', port: 0, limits, auth });
  // The same data behind a server whose warehouse has its read cache off: every request queries DuckDB.
  const uncachedWh = await Warehouse.create({ path: join(dir, 'uncached.duckdb'), cacheEntries: 0 });
  await importEvalsFromPath(uncachedWh, join(SHIPPED_DATA, 'pythia-evals'));
  const uncached = await startServer(uncachedWh, { host: '127.0.0.1', port: 0, limits, auth });

  const body = JSON.stringify({ query: QUERY, variables: { models: MODELS } });
  const postTo = (endpoint: string) => async () => {
    const res = await fetch(endpoint, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    const json = (await res.json()) as { errors?: unknown[]; data?: { compareModels: { series: { points: unknown[] }[] } } };
    if (json.errors || res.status !== 200) throw new Error(JSON.stringify(json.errors));
    return json.data!.compareModels.series.reduce((n, s) => n + s.points.length, 0);
  };
  const post = postTo(server.endpoint);
  const postUncached = postTo(uncached.endpoint);

  // Direct: a separate DuckDB connection in this process, rows materialised as JS objects.
  const instance = await DuckDBInstance.fromCache(path);
  const direct = await instance.connect();
  const { listValue } = await import('@duckdb/node-api');
  const directRows = async () => (await direct.runAndReadAll(DIRECT_SQL, [listValue(MODELS)])).getRowObjectsJS().length;

  const [apiPoints, sqlRows] = [await post(), await directRows()];
  if (apiPoints !== sqlRows) throw new Error(`API returned ${apiPoints} points, SQL ${sqlRows} rows`);

  const api = await timeRuns(post, RUNS);
  const apiUncached = await timeRuns(postUncached, RUNS);
  const sql = await timeRuns(directRows, RUNS);
  const ratio = percentile(api, 50) / percentile(sql, 50);
  const ratioUncached = percentile(apiUncached, 50) / percentile(sql, 50);

  let done = 0;
  let errors = 0;
  const deadline = performance.now() + LOAD_SECONDS * 1000;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      while (performance.now() < deadline) {
        try {
          await post();
          done++;
        } catch {
          errors++;
        }
      }
    }),
  );
  const elapsed = (performance.now() - t0) / 1000;

  console.log(`bench/query — compareModels(7 Pythia models, lambada_openai acc, alignBy: TOKENS): ${apiPoints} points`);
  console.log(`  API over HTTP (default, read cache on)  p50 ${fmt(percentile(api, 50))}  p95 ${fmt(percentile(api, 95))}  (${RUNS} sequential requests)`);
  console.log(`  API over HTTP (read cache off)         p50 ${fmt(percentile(apiUncached, 50))}  p95 ${fmt(percentile(apiUncached, 95))}`);
  console.log(`  direct DuckDB SQL (same rows)          p50 ${fmt(percentile(sql, 50))}  p95 ${fmt(percentile(sql, 95))}  (${RUNS} runs)`);
  console.log(`  ratio API / direct (p50): ${ratio.toFixed(2)}× with the cache, ${ratioUncached.toFixed(2)}× without  (goal ≤ 1.2×)`);
  console.log(`  ${CLIENTS} concurrent clients for ${LOAD_SECONDS} s: ${(done / elapsed).toFixed(0)} requests/s, ${errors} errors (goal: 0 errors)`);

  direct.closeSync();
  await server.close();
  await uncached.close();
  wh.close();
  uncachedWh.close();
  rmSync(dir, { recursive: true, force: true });
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
