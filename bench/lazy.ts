/**
 * bench/lazy — the issue-6 lazy-computation benchmark, on the synthetic fMRI dataset of the tests
 * (2 layers × 1 subject per job; size set so one job takes about 1–3 s):
 *
 *   npm run build && node dist/bench/lazy.js [--voxels 6000] [--dim 32] [--iterations 5]
 *
 * (a) serving a lazily computed cell — `brainScore(policy: WAIT)` over HTTP, the cell deleted
 *     before each iteration — against calling the compute functions directly on the same data
 *     (loadEncodingInputs + fitEncodingCells + writeEncodingResults); goal: ratio ≤ 1.05×.
 * (b) dedup: 100 concurrent identical queries → computations started (scheduler.started).
 * (c) p50 of an unrelated query (`models(first: 5)`) while a job runs vs idle (in-process
 *     scheduler: the fit runs on a worker thread, off the API's event loop).
 * Figures, no asserts.
 */
import 'reflect-metadata';
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fitEncodingCells } from '../compute/encoding/encodingCells.js';
import { startServer } from '../server/app.js';
import { localAuth } from '../server/auth.js';
import { createLogger } from '../server/observability.js';
import { encodingParams, loadEncodingInputs, writeEncodingResults } from '../services/encoding.js';
import { encodingJob, jobIdFor } from '../services/jobs/jobSpec.js';
import { Scheduler } from '../services/jobs/Scheduler.js';
import { writeSyntheticFmri } from './syntheticFmri.js';
import { importFeaturesNpy, importFmri } from '../services/importFmri.js';
import { registerModel } from '../services/registry.js';
import { deleteCells } from '../warehouse/brainScoresRepo.js';
import { Warehouse } from '../warehouse/Warehouse.js';
import { fmt, percentile } from './stats.js';
import { numberArg } from './args.js';

const VOXELS = numberArg('--voxels', 6000);
const DIM = numberArg('--dim', 32);
const ITERATIONS = numberArg('--iterations', 5);
const STEP = 100;
const CONCURRENT = 100;
const IDLE_SAMPLES = 300;
const BUSY_SAMPLES = 300;

const SCORE = (policy: string) => `{ model(id: "tiny") { checkpoints(first: 1, stepRange: { from: ${STEP}, to: ${STEP} }) { nodes {
  brainScore(dataset: "synth", policy: ${policy}, waitSeconds: 600) { value status jobId } } } } }`;
const UNRELATED = '{ models(first: 5) { nodes { id } } }';

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'cortexql-bench-lazy-'));
  const wh = await Warehouse.create({ path: join(dir, 'bench.duckdb') });
  const scheduler = new Scheduler(wh, { workers: 1 });
  const limits = { maxCost: 1e6, maxDepth: 12, maxPageSize: 500 };
  const server = await startServer(wh, { host: '127.0.0.1', port: 0, limits, auth: localAuth('reader', limits.maxCost), scheduler, logger: createLogger('warn'), log: () => {} });
  try {
    const synth = writeSyntheticFmri(join(dir, 'synth'), { voxels: VOXELS, dim: DIM });
    await registerModel(wh, { modelId: 'tiny', tokensPerStep: 1000, finalStep: STEP });
    await importFmri(wh, synth.manifest);
    for (const [layer, path] of synth.featureFiles) await importFeaturesNpy(wh, { modelId: 'tiny', step: STEP, layer, datasetId: 'synth', path });
    console.log(`bench/lazy: synthetic fMRI, ${synth.nVoxels} voxels, ${DIM} features × 4 delays, 2 layers × 1 subject per job; ${availableParallelism()} CPUs`);

    const gql = async (query: string): Promise<any> => {
      const res = await fetch(server.endpoint, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query }) });
      const body = (await res.json()) as { data?: any; errors?: unknown[] };
      if (body.errors) throw new Error(JSON.stringify(body.errors));
      return body.data;
    };
    const deleteStepCells = () => wh.write((tx) => deleteCells(tx, { step: STEP }));
    const req = { modelId: 'tiny', step: STEP, datasetId: 'synth' };
    const direct = async () => {
      const started = new Date();
      const { provenance, ...inputs } = await loadEncodingInputs(wh, req);
      const result = await fitEncodingCells(inputs, encodingParams());
      await wh.write((tx) => writeEncodingResults(tx, req, encodingParams(), result, provenance, started));
    };
    const lazy = async () => {
      const score = (await gql(SCORE('WAIT'))).model.checkpoints.nodes[0].brainScore;
      if (score.status !== 'READY') throw new Error(`expected READY, got ${JSON.stringify(score)}`);
    };
    const time = async (fn: () => Promise<void>) => {
      await deleteStepCells();
      const t0 = performance.now();
      await fn();
      return performance.now() - t0;
    };

    // (a) Interleaved, after one untimed run of each, so drift (heat, caches) hits both alike.
    await time(direct);
    await time(lazy);
    const directMs: number[] = [];
    const lazyMs: number[] = [];
    for (let i = 0; i < ITERATIONS; i++) {
      directMs.push(await time(direct));
      lazyMs.push(await time(lazy));
    }
    const med = (xs: number[]) => percentile([...xs].sort((a, b) => a - b), 50);
    console.log('\n(a) one job (2 cells), median of', ITERATIONS);
    console.log(`  direct: loadEncodingInputs + fitEncodingCells + writeEncodingResults  ${fmt(med(directMs))}   [${directMs.map((x) => x.toFixed(0)).join(', ')}]`);
    console.log(`  lazy:   brainScore(policy: WAIT) over HTTP, fresh cell             ${fmt(med(lazyMs))}   [${lazyMs.map((x) => x.toFixed(0)).join(', ')}]`);
    console.log(`  ratio lazy / direct: ${(med(lazyMs) / med(directMs)).toFixed(3)}×  (goal ≤ 1.05×)`);

    // (b) Dedup.
    await deleteStepCells();
    const before = scheduler.started;
    const answers = await Promise.all(Array.from({ length: CONCURRENT }, () => gql(SCORE('IF_MISSING'))));
    const ids = new Set(answers.map((a) => a.model.checkpoints.nodes[0].brainScore.jobId));
    await scheduler.wait(jobIdFor(encodingJob('tiny', STEP, 'synth')), 600_000);
    console.log(`\n(b) ${CONCURRENT} concurrent identical queries → ${scheduler.started - before} computation(s) started, ${ids.size} distinct job id(s)`);

    // (c) An unrelated query, idle and while jobs run.
    const sample = async () => {
      const t0 = performance.now();
      await gql(UNRELATED);
      return performance.now() - t0;
    };
    for (let i = 0; i < 20; i++) await sample();
    const idle: number[] = [];
    for (let i = 0; i < IDLE_SAMPLES; i++) idle.push(await sample());
    const busy: number[] = [];
    let jobs = 0;
    while (busy.length < BUSY_SAMPLES) {
      await deleteStepCells();
      const id = (await gql(SCORE('IF_MISSING'))).model.checkpoints.nodes[0].brainScore.jobId as string;
      jobs++;
      // Sample only while the job is RUNNING (its fit is on the worker thread).
      for (;;) {
        const [job] = await wh.all<{ status: string }>('SELECT status FROM jobs WHERE job_id = ?', [id], { cache: false });
        if (job.status === 'RUNNING') break;
        await new Promise((r) => setTimeout(r, 2));
      }
      const waiting = scheduler.wait(id, 600_000);
      let running = true;
      void waiting.then(() => (running = false));
      while (running && busy.length < BUSY_SAMPLES) {
        const ms = await sample();
        if (running) busy.push(ms);
      }
      await waiting;
    }
    idle.sort((a, b) => a - b);
    busy.sort((a, b) => a - b);
    console.log(`\n(c) ${UNRELATED}`);
    console.log(`  idle:            p50 ${fmt(percentile(idle, 50))}  p95 ${fmt(percentile(idle, 95))}  (${idle.length} requests)`);
    console.log(`  during compute:  p50 ${fmt(percentile(busy, 50))}  p95 ${fmt(percentile(busy, 95))}  (${busy.length} requests over ${jobs} jobs)`);
    console.log(`  p50 ratio during / idle: ${(percentile(busy, 50) / percentile(idle, 50)).toFixed(2)}×`);
  } finally {
    await scheduler.close();
    await server.close();
    await wh.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
