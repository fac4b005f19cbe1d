/**
 * bench/query: compareModels over HTTP against the same rows from a direct DuckDB query, with
 * the read cache on and off, and throughput with 64 concurrent clients, cached and uncached.
 * Run: npm run bench:query [-- --runs 300 --clients 64 --seconds 5]
 *
 * The servers run as `cortexql serve` does, each in its own process (this one is the client,
 * and runs the direct query on its own copy of the file). The three sequential series are
 * interleaved (one request of each per round), so a busy machine slows them alike.
 */
import '../server/processDefaults.js';
import 'reflect-metadata';
import { DuckDBInstance, listValue } from '@duckdb/node-api';
import { pino } from 'pino';
import { spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startServer } from '../server/app.js';
import { localAuth } from '../server/auth.js';
import { SHIPPED_DATA } from '../services/paths.js';
import { importEvalsFromPath } from '../services/importEvals.js';
import { Warehouse } from '../warehouse/Warehouse.js';
import { fmt, percentile } from './stats.js';

const MODELS = ['pythia-70m', 'pythia-70m-deduped', 'pythia-160m', 'pythia-160m-deduped', 'pythia-410m', 'pythia-410m-deduped', 'pythia-1b-deduped'];

const QUERY = `query($models: [ID!]!) { compareModels(models: $models, task: "lambada_openai", metric: "acc", alignBy: TOKENS) {
  series { modelId points { x step value stderr } best { step value } final { step value } }
  correlations { modelA modelB r n } } }`;

// The same rows, straight from DuckDB: each model's lambada_openai acc trajectory on the token axis.
const DIRECT_SQL = `SELECT s.model_id, s.step, c.tokens, s.value, s.stderr
  FROM task_scores s JOIN checkpoints c USING (model_id, step)
  WHERE list_contains(?, s.model_id) AND s.task = 'lambada_openai' AND s.metric = 'acc'
  ORDER BY s.model_id, s.step`;

const LIMITS = { maxCost: 1e6, maxDepth: 12, maxPageSize: 500 };

/** Child mode: one server over `path`, as `cortexql serve` runs it; prints its endpoint. */
async function serveChild(path: string, cacheEntries: number): Promise<void> {
  const wh = await Warehouse.create({ path, cacheEntries });
  // The server's default log level (info): requests are not logged one by one there.
  const server = await startServer(wh, { host: '127.0.0.1', port: 0, limits: LIMITS, auth: localAuth('reader', LIMITS.maxCost), logger: pino({ level: 'info' }) });
  console.log(JSON.stringify({ endpoint: server.endpoint, readers: wh.readerCount }));
  // Each line on stdin asks for this process's CPU time so far (all threads, ms).
  process.stdin.on('data', () => {
    const cpu = process.cpuUsage();
    console.log(JSON.stringify({ cpuMs: (cpu.user + cpu.system) / 1000 }));
  });
  process.stdin.once('end', async () => {
    await server.close();
    await wh.close();
    process.exit(0);
  });
}

interface Child {
  readonly endpoint: string;
  readonly readers: number;
  /** The server process's CPU time so far (ms, all threads). */
  cpuMs(): Promise<number>;
  stop(): void;
}

function startChild(path: string, cacheEntries: number): Promise<Child> {
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url), '--serve', path, '--cache-entries', String(cacheEntries)], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines: ((line: string) => void)[] = [];
  let buffered = '';
  child.stdout.on('data', (d: Buffer) => {
    buffered += d.toString();
    for (let i = buffered.indexOf('\n'); i >= 0; i = buffered.indexOf('\n')) {
      const line = buffered.slice(0, i);
      buffered = buffered.slice(i + 1);
      lines.shift()?.(line);
    }
  });
  const nextLine = () => new Promise<string>((resolve) => lines.push(resolve));
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`bench server exited with ${code}`)));
    void nextLine().then((line) => resolve({
      ...JSON.parse(line),
      cpuMs: async () => {
        const answer = nextLine();
        child.stdin.write('cpu\n');
        return JSON.parse(await answer).cpuMs;
      },
      stop: () => child.stdin.end(),
    }));
  });
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      runs: { type: 'string', default: '300' }, clients: { type: 'string', default: '64' }, seconds: { type: 'string', default: '5' },
      serve: { type: 'string' }, 'cache-entries': { type: 'string', default: '256' },
    },
  });
  if (values.serve) return serveChild(values.serve, Number(values['cache-entries']));
  const [runs, clients, seconds] = [Number(values.runs), Number(values.clients), Number(values.seconds)];
  const dir = mkdtempSync(join(tmpdir(), 'cortexql-bench-'));
  const built = await Warehouse.create({ path: join(dir, 'bench.duckdb') });
  await importEvalsFromPath(built, join(SHIPPED_DATA, 'pythia-evals'));
  await built.checkpoint();
  built.close();
  for (const copy of ['uncached.duckdb', 'direct.duckdb']) copyFileSync(join(dir, 'bench.duckdb'), join(dir, copy));
  const cached = await startChild(join(dir, 'bench.duckdb'), 256);
  // The same data behind a server whose warehouse has its read cache off: every request queries DuckDB.
  const uncached = await startChild(join(dir, 'uncached.duckdb'), 0);

  const body = JSON.stringify({ query: QUERY, variables: { models: MODELS } });
  const postTo = (endpoint: string, bodyOf: () => string = () => body) => async () => {
    const res = await fetch(endpoint, { method: 'POST', headers: { 'content-type': 'application/json' }, body: bodyOf() });
    const json = (await res.json()) as { errors?: unknown[]; data?: { compareModels: { series: { points: unknown[] }[] } } };
    if (json.errors || res.status !== 200) throw new Error(JSON.stringify(json.errors));
    return json.data!.compareModels.series.reduce((n, s) => n + s.points.length, 0);
  };
  const post = postTo(cached.endpoint);
  const postUncached = postTo(uncached.endpoint);

  // Direct: a separate DuckDB connection in this process, rows materialised as JS objects.
  const instance = await DuckDBInstance.create(join(dir, 'direct.duckdb'));
  const direct = await instance.connect();
  const directRows = async () => (await direct.runAndReadAll(DIRECT_SQL, [listValue(MODELS)])).getRowObjectsJS().length;

  const [apiPoints, sqlRows] = [await post(), await directRows()];
  if (apiPoints !== sqlRows) throw new Error(`API returned ${apiPoints} points, SQL ${sqlRows} rows`);

  const series = [post, postUncached, directRows];
  const times: number[][] = series.map(() => []);
  const warmup = Math.ceil(runs / 10);
  let directCpu = 0;
  let serverCpu: number[] = [];
  for (let i = 0; i < runs + warmup; i++) {
    if (i === warmup) serverCpu = [await cached.cpuMs(), await uncached.cpuMs()];
    for (const [k, fn] of series.entries()) {
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      await fn();
      if (i < warmup) continue;
      times[k].push(performance.now() - t0);
      if (fn === directRows) {
        const c = process.cpuUsage(c0);
        directCpu += (c.user + c.system) / 1000;
      }
    }
  }
  const cpuPer = [((await cached.cpuMs()) - serverCpu[0]) / runs, ((await uncached.cpuMs()) - serverCpu[1]) / runs, directCpu / runs];
  const [api, apiUncached, sql] = times.map((t) => t.sort((a, b) => a - b)) as [number[], number[], number[]];
  const ratio = percentile(api, 50) / percentile(sql, 50);
  const ratioUncached = percentile(apiUncached, 50) / percentile(sql, 50);

  const load = async (fn: () => Promise<unknown>) => {
    let done = 0;
    let errors = 0;
    const deadline = performance.now() + seconds * 1000;
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: clients }, async () => {
        while (performance.now() < deadline) {
          try {
            await fn();
            done++;
          } catch {
            errors++;
          }
        }
      }),
    );
    return { rate: done / ((performance.now() - t0) / 1000), errors };
  };
  const loadCached = await load(post);
  const loadUncached = await load(postUncached);
  // The same load with a different task per request: concurrent requests then rarely ask the
  // same thing, so they cannot share an execution in flight either.
  const tasks = (await direct.runAndReadAll("SELECT DISTINCT task FROM task_scores WHERE model_id = 'pythia-70m' AND metric = 'acc' ORDER BY 1")).getRows().map((r) => String(r[0]));
  let next = 0;
  const distinctBody = () => JSON.stringify({ query: QUERY.replace('"lambada_openai"', '$task').replace('query($models: [ID!]!)', 'query($models: [ID!]!, $task: String!)'), variables: { models: MODELS, task: tasks[next++ % tasks.length] } });
  const loadDistinct = await load(postTo(uncached.endpoint, distinctBody));

  console.log(`bench/query — compareModels(7 Pythia models, lambada_openai acc, alignBy: TOKENS): ${apiPoints} points; ${cpus().length} CPUs, load ${loadavg()[0].toFixed(1)}`);
  console.log(`  API over HTTP (read cache on)   p50 ${fmt(percentile(api, 50))}  p95 ${fmt(percentile(api, 95))}  server CPU ${fmt(cpuPer[0])}/request  (${runs} requests, interleaved with the two below)`);
  console.log(`  API over HTTP (read cache off)  p50 ${fmt(percentile(apiUncached, 50))}  p95 ${fmt(percentile(apiUncached, 95))}  server CPU ${fmt(cpuPer[1])}/request  (${uncached.readers} reader connections)`);
  console.log(`  direct DuckDB SQL (same rows)   p50 ${fmt(percentile(sql, 50))}  p95 ${fmt(percentile(sql, 95))}  CPU ${fmt(cpuPer[2])}/query`);
  console.log(`  ratio API / direct (p50): ${ratio.toFixed(2)}× with the cache, ${ratioUncached.toFixed(2)}× without  (goal ≤ 1.2×); in CPU: ${(cpuPer[0] / cpuPer[2]).toFixed(2)}× and ${(cpuPer[1] / cpuPer[2]).toFixed(2)}×`);
  console.log(`  ${clients} concurrent clients for ${seconds} s: ${loadCached.rate.toFixed(0)} requests/s cached, ${loadUncached.rate.toFixed(0)} uncached ` +
    `(${((100 * loadUncached.rate) / loadCached.rate).toFixed(0)}%, goal ≥ 60%; identical reads in flight share one execution); errors ${loadCached.errors} + ${loadUncached.errors} (goal 0)`);
  console.log(`  … uncached, a different task per request (${tasks.length} tasks): ${loadDistinct.rate.toFixed(0)} requests/s ` +
    `(${((100 * loadDistinct.rate) / loadCached.rate).toFixed(0)}% of cached), errors ${loadDistinct.errors}`);

  direct.closeSync();
  instance.closeSync();
  cached.stop();
  uncached.stop();
  await new Promise((r) => setTimeout(r, 500));
  rmSync(dir, { recursive: true, force: true });
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
