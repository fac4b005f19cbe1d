import { pino } from 'pino';
import { cpus, loadavg } from 'node:os';
import type { EncodingCellResult } from '../compute/encoding/encodingCells.js';
import { createRng, randInt } from '../compute/random.js';
import { encodeCursor } from '../resolvers/pagination.js';
import { startServer } from '../server/app.js';
import { localAuth } from '../server/auth.js';
import { encodingParams, encodingParamsHash, writeEncodingResults } from '../services/encoding.js';
import { deleteCells } from '../warehouse/brainScoresRepo.js';
import { Warehouse } from '../warehouse/Warehouse.js';
import { percentile } from './stats.js';
import { DATASET, jobCell, modelId, SHAPE, stepOf, subjectId, syntheticSummaries } from './scaleShape.js';

interface Times {
  readonly p50: number;
  readonly p95: number;
  /** CPU milliseconds of this process (all threads) per call: steadier than wall time on a shared machine. */
  readonly cpu: number;
}

export interface ProbeResult {
  readonly runs: number;
  readonly machine: string;
  readonly openMs: number;
  readonly voxelFirst: Times;
  readonly voxelDeep: Times;
  readonly trajectory: Times;
  readonly trajectoryPoints: number;
  readonly layerProfile: Times;
  readonly replace: Times;
  readonly appendOnly: Times;
  readonly voxelAfterReplace: Times;
  readonly rssMb: number;
  readonly memoryLimit: string;
}

const VOXEL_PAGE = `query($m: ID!, $s: Int!, $l: Int!, $d: ID!, $subj: String!, $after: String, $roi: String, $minR: Float) {
  voxelScores(model: $m, step: $s, layer: $l, dataset: $d, subject: $subj, first: 100, after: $after, roi: $roi, minR: $minR) {
    totalCount pageInfo { hasNextPage endCursor } nodes { voxel roi r alpha } } }`;
const TRAJECTORY = `query($m: ID!, $d: ID!) { model(id: $m) { brainTrajectory(dataset: $d, roi: "all", policy: NEVER) { step value layer status } } }`;
const LAYER_PROFILE = `query($m: ID!, $d: ID!, $s: Int!) { model(id: $m) { checkpoints(first: 1, stepRange: { from: $s, to: $s }) { nodes { layerProfile(dataset: $d) { layer value } } } } }`;

/**
 * The serving side at one size, in its own process: opens the warehouse (timed), serves it
 * over HTTP with the read cache off, and times each query on distinct random cells; then
 * replaces cells through the write path and reads them again.
 */
export async function probe(path: string, runs: number, memoryLimit: string): Promise<ProbeResult> {
  const t0 = performance.now();
  const wh = await Warehouse.create({ path, cacheEntries: 0, memoryLimit });
  const openMs = performance.now() - t0;
  const [{ jobs }] = await wh.all<{ jobs: number }>('SELECT count(DISTINCT (model_id, step)) AS jobs FROM cells');
  const limits = { maxCost: 1e9, maxDepth: 12, maxPageSize: 500 };
  const server = await startServer(wh, { host: '127.0.0.1', port: 0, limits, auth: localAuth('reader', limits.maxCost), logger: pino({ level: 'silent' }) });
  const gql = async (query: string, variables: Record<string, unknown>) => {
    const res = await fetch(server.endpoint, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query, variables }) });
    const body = (await res.json()) as { data?: any; errors?: unknown[] };
    if (body.errors || res.status !== 200) throw new Error(`bench/scale: ${JSON.stringify(body.errors)}`);
    return body.data;
  };
  const rng = createRng(7);
  const randomCell = () => {
    const { model, checkpoint } = jobCell(randInt(rng, jobs));
    return { m: modelId(model), s: stepOf(checkpoint), l: randInt(rng, SHAPE.layers), d: DATASET, subj: subjectId(randInt(rng, SHAPE.subjects)) };
  };
  const time = async (fn: () => Promise<unknown>, n = runs): Promise<Times> => {
    for (let i = 0; i < Math.min(10, n); i++) await fn();
    const t: number[] = [];
    const cpu0 = process.cpuUsage();
    for (let i = 0; i < n; i++) {
      const s = performance.now();
      await fn();
      t.push(performance.now() - s);
    }
    const cpu = process.cpuUsage(cpu0);
    t.sort((a, b) => a - b);
    return { p50: percentile(t, 50), p95: percentile(t, 95), cpu: (cpu.user + cpu.system) / 1000 / n };
  };

  const voxelFirst = await time(async () => {
    const page = await gql(VOXEL_PAGE, { ...randomCell(), roi: `R${randInt(rng, SHAPE.rois)}`, minR: 0.1 });
    if (page.voxelScores.nodes.length === 0) throw new Error('bench/scale: an empty first page');
  });
  const voxelDeep = await time(async () => {
    const after = encodeCursor('voxel-ASC', Math.floor(SHAPE.voxels * 0.9) + randInt(rng, 1000));
    const page = await gql(VOXEL_PAGE, { ...randomCell(), after });
    if (page.voxelScores.nodes.length !== 100) throw new Error('bench/scale: a short deep page');
  });
  let trajectoryPoints = 0;
  const trajectory = await time(async () => {
    const data = await gql(TRAJECTORY, { m: modelId(randInt(rng, Math.min(jobs, SHAPE.models))), d: DATASET });
    trajectoryPoints = data.model.brainTrajectory.length;
  });
  const layerProfile = await time(async () => {
    const c = randomCell();
    const data = await gql(LAYER_PROFILE, { m: c.m, s: c.s, d: DATASET });
    if (data.model.checkpoints.nodes[0].layerProfile.length !== SHAPE.layers) throw new Error('bench/scale: a short layer profile');
  });

  // Replacing a cell (same parameters: delete its cell_id, append a new one) against appending
  // the same cell under other parameters (a new cell, nothing to delete): the difference is
  // what replacement costs on top of the append.
  const replaced: ReturnType<typeof randomCell>[] = [];
  const writeOne = async (c: ReturnType<typeof randomCell>, params: ReturnType<typeof encodingParams>) => {
    const r = Float32Array.from({ length: SHAPE.voxels }, () => rng() * 0.3);
    const cell: EncodingCellResult = { layer: c.l, subjectId: c.subj, r, alpha: new Float32Array(SHAPE.voxels).fill(10), summaries: syntheticSummaries(r) };
    await wh.write((tx) => writeEncodingResults(tx, { modelId: c.m, step: c.s, datasetId: DATASET }, params, { cells: [cell], device: 'synthetic' }, { previous: null, final: null, inputs: [] }, new Date()));
  };
  const writes = Math.min(20, runs);
  const replace = await time(async () => {
    const c = randomCell();
    replaced.push(c);
    await writeOne(c, encodingParams());
  }, writes);
  const otherParams = encodingParams({ folds: 50 });
  const appendOnly = await time(() => writeOne(randomCell(), otherParams), writes);
  await wh.write((tx) => deleteCells(tx, { paramsHash: encodingParamsHash(otherParams) }));
  const voxelAfterReplace = await time(async () => {
    await gql(VOXEL_PAGE, { ...replaced[randInt(rng, replaced.length)], roi: 'R1', minR: 0 });
  });

  await server.close();
  await wh.close();
  return {
    runs, machine: `${cpus().length} CPUs, load ${loadavg()[0].toFixed(1)}`, openMs, voxelFirst, voxelDeep, trajectory, trajectoryPoints, layerProfile,
    replace, appendOnly, voxelAfterReplace, rssMb: process.resourceUsage().maxRSS / 1024, memoryLimit,
  };
}
