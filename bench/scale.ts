/**
 * bench/scale: a synthetic warehouse grown through the real write path (writeEncodingResults:
 * one transaction per job of layers × subjects cells) to 10^7, 10^8, 10^9 voxel rows, and at
 * each size, in a fresh serving process: open time, uncached GraphQL latencies over HTTP
 * (voxelScores first page with roi + minR, a page deep into a cell by cursor, brainTrajectory
 * of the best layer over all checkpoints, layerProfile), replacing a cell, peak RSS.
 *
 *   npm run bench:scale -- --sizes 1e7,1e8,1e9 [--dir bench/out/scale] [--runs 100] [--memory-limit 3GB] [--keep]
 *
 * The numbers are synthetic (r = planted layer/step curve + noise; penalties from a 10-value
 * grid; summaries from one pass per ROI): computing them is timed apart from writing them.
 */
import 'reflect-metadata';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { EncodingCellResult } from '../compute/encoding/encodingCells.js';
import { createRng } from '../compute/random.js';
import { encodingParams, writeEncodingResults } from '../services/encoding.js';
import { writeFmriDataset } from '../warehouse/fmriRepo.js';
import { registerCheckpoints, registerModel } from '../services/registry.js';
import { Warehouse } from '../warehouse/Warehouse.js';
import { probe, type ProbeResult } from './scaleProbe.js';
import { DATASET, jobCell, modelId, roiOf, ROWS_PER_JOB, SHAPE, stepOf, subjectId, syntheticSummaries } from './scaleShape.js';

const ALPHAS = Float32Array.from({ length: 10 }, (_, i) => 10 ** (i / 2 - 1));

interface BuildFigures {
  readonly rows: number;
  /** Seconds inside the write transactions (what the write path costs). */
  readonly writeSeconds: number;
  readonly writeCpuSeconds: number;
  /** Seconds generating the numbers (not the write path). */
  readonly computeSeconds: number;
  readonly checkpointSeconds: number;
  readonly fileBytes: number;
  readonly ingestRssMb: number;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      sizes: { type: 'string', default: '1e7,1e8' },
      dir: { type: 'string', default: 'bench/out/scale' },
      runs: { type: 'string', default: '100' },
      keep: { type: 'boolean', default: false },
      'memory-limit': { type: 'string', default: '3GB' },
      probe: { type: 'string' },
    },
  });
  if (values.probe) {
    // Child mode: the serving process measured at one size.
    console.log(JSON.stringify(await probe(values.probe, Number(values.runs), values['memory-limit'])));
    return;
  }
  const sizes = values.sizes.split(',').map(Number).sort((a, b) => a - b);
  if (sizes.some((s) => !Number.isFinite(s) || s < ROWS_PER_JOB)) throw new Error(`--sizes: voxel rows, each ≥ ${ROWS_PER_JOB} (one job)`);
  const dir = resolve(values.dir);
  mkdirSync(dir, { recursive: true });
  const path = join(dir, 'scale.duckdb');
  for (const f of [path, `${path}.wal`]) rmSync(f, { force: true });

  console.log(`bench/scale — ${SHAPE.models} models × checkpoints × ${SHAPE.layers} layers × ${SHAPE.subjects} subjects × ${SHAPE.voxels} voxels; ` +
    `one job (one transaction) = ${SHAPE.layers * SHAPE.subjects} cells = ${ROWS_PER_JOB.toLocaleString()} rows; warehouse ${path}`);
  const results: { build: BuildFigures; probe: ProbeResult }[] = [];
  const memoryLimit = values['memory-limit'];
  let wh = await Warehouse.create({ path, cacheEntries: 0, memoryLimit });
  await setUp(wh, Math.ceil(sizes.at(-1)! / ROWS_PER_JOB));
  let job = 0;
  let writeSeconds = 0;
  let writeCpu = 0;
  let computeSeconds = 0;
  for (const size of sizes) {
    const jobs = Math.ceil(size / ROWS_PER_JOB);
    const t0 = performance.now();
    for (; job < jobs; job++) {
      const c0 = performance.now();
      const cells = syntheticJob(job);
      computeSeconds += (performance.now() - c0) / 1000;
      const { model, checkpoint } = jobCell(job);
      const w0 = performance.now();
      const cpu0 = process.cpuUsage();
      await wh.write((tx) => writeEncodingResults(tx, { modelId: modelId(model), step: stepOf(checkpoint), datasetId: DATASET }, encodingParams(), { cells, device: 'synthetic' }, { previous: null, final: null, inputs: [] }, new Date()));
      const cpu = process.cpuUsage(cpu0);
      writeSeconds += (performance.now() - w0) / 1000;
      writeCpu += (cpu.user + cpu.system) / 1e6;
      const rows = (job + 1) * ROWS_PER_JOB;
      if ((job + 1) % 5 === 0 || job + 1 === jobs) {
        const s = (performance.now() - t0) / 1000;
        process.stderr.write(`  ${(rows / 1e6).toFixed(0)} M rows written (job ${job + 1}/${jobs}); write ${(rows / writeSeconds / 1e6).toFixed(2)} M rows/s, ${s.toFixed(0)} s this size\n`);
      }
    }
    const k0 = performance.now();
    await wh.checkpoint();
    const checkpointSeconds = (performance.now() - k0) / 1000;
    const rows = job * ROWS_PER_JOB;
    const fileBytes = statSync(path).size + (existsSync(`${path}.wal`) ? statSync(`${path}.wal`).size : 0);
    const build: BuildFigures = {
      rows, writeSeconds, writeCpuSeconds: writeCpu, computeSeconds, checkpointSeconds, fileBytes,
      ingestRssMb: process.resourceUsage().maxRSS / 1024,
    };
    await wh.close();
    process.stderr.write(`  probing ${rows.toLocaleString()} rows in a fresh serving process…\n`);
    results.push({ build, probe: await runProbe(path, Number(values.runs), memoryLimit) });
    printTable(results);
    wh = await Warehouse.create({ path, cacheEntries: 0, memoryLimit });
  }
  await wh.close();
  if (!values.keep) for (const f of [path, `${path}.wal`]) rmSync(f, { force: true });
}

/** Models, checkpoints, the dataset's subjects and voxels (with ROI labels): the real import paths. */
async function setUp(wh: Warehouse, jobs: number): Promise<void> {
  const checkpoints = Math.ceil(jobs / SHAPE.models);
  for (let m = 0; m < SHAPE.models; m++) {
    await registerModel(wh, { modelId: modelId(m), tokensPerStep: 2_097_152, finalStep: stepOf(checkpoints - 1), nLayers: SHAPE.layers });
    await registerCheckpoints(wh, modelId(m), Array.from({ length: checkpoints }, (_, c) => ({ step: stepOf(c) })));
  }
  const words = Array.from({ length: 20 }, (_, i) => ({ word: `w${i}`, onset: i, offset: i + 0.5 }));
  const roi = Array.from({ length: SHAPE.voxels }, (_, v) => roiOf(v));
  await wh.write((tx) => writeFmriDataset(tx, {
    dataset: { id: DATASET, trSeconds: 2 },
    runs: [{ id: 'train-1', split: 'train', nTrs: 4, words }, { id: 'test-1', split: 'test', nTrs: 4, words }],
    subjects: Array.from({ length: SHAPE.subjects }, (_, s) => ({
      id: subjectId(s), nVoxels: SHAPE.voxels, roi, coords: new Float32Array(SHAPE.voxels * 3),
      responses: ['train-1', 'test-1'].map((runId) => ({ runId, presentation: 0, matrix: new Float32Array(4 * SHAPE.voxels) })),
    })),
  } as Parameters<typeof writeFmriDataset>[1]));
}

/** One job's cells: r = a planted curve over layer and checkpoint plus noise; penalties from the grid. */
function syntheticJob(job: number): EncodingCellResult[] {
  const { model, checkpoint } = jobCell(job);
  const rng = createRng(job + 1);
  const cells: EncodingCellResult[] = [];
  for (let layer = 0; layer < SHAPE.layers; layer++) {
    const base = 0.05 + 0.1 * Math.exp(-(((layer - 20 + 2 * model) / 8) ** 2)) * (1 - Math.exp(-(checkpoint + 1) / 6));
    for (let s = 0; s < SHAPE.subjects; s++) {
      const r = new Float32Array(SHAPE.voxels);
      const alpha = new Float32Array(SHAPE.voxels);
      for (let v = 0; v < SHAPE.voxels; v++) {
        const u = rng();
        r[v] = v % 211 === 0 ? NaN : base * (1 + (v % SHAPE.rois) / 10) + 0.1 * (u + rng() - 1);
        alpha[v] = ALPHAS[Math.floor(u * 1e6) % ALPHAS.length];
      }
      cells.push({ layer, subjectId: subjectId(s), r, alpha, summaries: syntheticSummaries(r) });
    }
  }
  return cells;
}

function runProbe(path: string, runs: number, memoryLimit: string): Promise<ProbeResult> {
  const script = fileURLToPath(import.meta.url);
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [script, '--probe', path, '--runs', String(runs), '--memory-limit', memoryLimit], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.once('exit', (code) => (code === 0 ? resolvePromise(JSON.parse(out.trim().split('\n').at(-1)!)) : reject(new Error(`probe exited with ${code}`))));
  });
}

function printTable(results: readonly { build: BuildFigures; probe: ProbeResult }[]): void {
  const ms = (x: number) => `${x.toFixed(1)} ms`;
  const pair = (p: { p50: number; p95: number; cpu: number }) => `${p.p50.toFixed(1)} / ${p.p95.toFixed(1)} (${p.cpu.toFixed(1)})`;
  const rows: [string, string, (r: { build: BuildFigures; probe: ProbeResult }) => string][] = [
    ['voxel rows', '', (r) => r.build.rows.toExponential(0)],
    ['ingest: write rows/s (wall)', '≥ 10 M', (r) => `${(r.build.rows / r.build.writeSeconds / 1e6).toFixed(2)} M`],
    ['ingest: write rows per CPU-s', '', (r) => `${(r.build.rows / r.build.writeCpuSeconds / 1e6).toFixed(2)} M`],
    ['ingest: generating the numbers', '', (r) => `${(r.build.rows / r.build.computeSeconds / 1e6).toFixed(1)} M rows/s`],
    ['checkpoint after build', '', (r) => `${r.build.checkpointSeconds.toFixed(1)} s`],
    ['file bytes / voxel row', '≤ 6', (r) => (r.build.fileBytes / r.build.rows).toFixed(2)],
    ['file size', '', (r) => `${(r.build.fileBytes / 2 ** 30).toFixed(2)} GiB`],
    ['open warehouse', '≤ 2 s', (r) => ms(r.probe.openMs)],
    ['voxelScores page 1 (roi+minR) p50/p95 (cpu)', 'p95 ≤ 20', (r) => pair(r.probe.voxelFirst)],
    ['voxelScores deep page (cursor) p50/p95 (cpu)', 'p95 ≤ 20', (r) => pair(r.probe.voxelDeep)],
    ['brainTrajectory (best layer) p50/p95 (cpu)', '≤ 20', (r) => pair(r.probe.trajectory)],
    ['  checkpoints per trajectory', '', (r) => String(r.probe.trajectoryPoints)],
    ['layerProfile p50/p95 (cpu)', '', (r) => pair(r.probe.layerProfile)],
    ['replace one cell p50 ms (append alone)', '≤ 50 + append', (r) => `${r.probe.replace.p50.toFixed(1)} (${r.probe.appendOnly.p50.toFixed(1)})`],
    ['voxel page, replaced cells p50/p95 (cpu)', '', (r) => pair(r.probe.voxelAfterReplace)],
    ['peak RSS serving process', '≤ 4 GB', (r) => `${(r.probe.rssMb / 1024).toFixed(2)} GB`],
    ['peak RSS ingest process', '', (r) => `${(r.build.ingestRssMb / 1024).toFixed(2)} GB`],
  ];
  const widths = [44, 15, ...results.map(() => 22)];
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join(' ');
  console.log('');
  console.log(line(['', 'goal (10^9)', ...results.map((r) => `${r.build.rows.toExponential(0)} rows`)]));
  for (const [label, goal, f] of rows.slice(1)) console.log(line([label, goal, ...results.map(f)]));
  console.log(`  Queries: GraphQL over HTTP, read cache off, a random cell per request, ${results[0].probe.runs} runs each; DuckDB memory limit ${results[0].probe.memoryLimit};`);
  console.log(`  "p50 / p95 (cpu)": wall ms, and the serving process's CPU ms per request (steadier on a busy machine). Machine: ${results.map((r) => r.probe.machine).join('; ')}.`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
