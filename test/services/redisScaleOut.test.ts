import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { localAuth } from '../../server/auth.js';
import { PACKAGE_ROOT } from '../../services/paths.js';
import { encodingJob, internalJob, jobIdFor } from '../../services/jobs/jobSpec.js';
import { encodeMessage } from '../../services/jobs/jobWire.js';
import { JOB_QUEUE } from '../../services/jobs/RedisExecutor.js';
import { createApiKey } from '../../services/apiKeys.js';
import { importFeaturesNpy, importFmri } from '../../services/importFmri.js';
import { registerModel } from '../../services/registry.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { writeSyntheticFmri, type SyntheticFmri } from '../../bench/syntheticFmri.js';
import { describeWith, requirement } from '../helpers/requirements.js';
import { tempDir } from '../helpers/tmp.js';

const REDIS_SERVER = '/usr/bin/redis-server';
const CLI = join(PACKAGE_ROOT, 'dist', 'cli', 'main.js');
const READY = requirement(existsSync(REDIS_SERVER) && existsSync(CLI), `${REDIS_SERVER} (apt-get install redis-server) and the build (npm run build)`);
const VOXELS = 3000;
const STEPS = [100, 200, 300, 400, 500, 600];

const SCORE = (policy: string, step: number) =>
  `{ model(id: "tiny") { checkpoints(first: 1, stepRange: { from: ${step}, to: ${step} }) { nodes {
     brainScore(dataset: "synth", policy: ${policy}) { value status jobId layer } } } } }`;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

/** Spawns a process and resolves once its stdout shows `ready`; its output is kept for failure messages. */
function start(command: string, args: string[], ready: RegExp): Promise<{ child: ChildProcess; output: () => string }> {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${command} did not start: ${output}`)), 15_000);
    const take = (chunk: Buffer) => {
      output += chunk.toString();
      if (ready.test(output)) {
        clearTimeout(timer);
        resolve({ child, output: () => output });
      }
    };
    child.stdout.on('data', take);
    child.stderr.on('data', take);
    child.once('exit', (code) => reject(new Error(`${command} exited with ${code}: ${output}`)));
  });
}

describeWith(READY, 'scale-out: jobs on BullMQ + Redis, computed by two `cortexql worker` processes', () => {
  const tmp = tempDir();
  let redis: ChildProcess;
  let redisUrl: string;
  let t: TestServer;
  let queue: Queue;
  let writerKey: string;
  let readerKey: string;
  let synth: SyntheticFmri;
  const workers = new Map<string, { child: ChildProcess; output: () => string }>();

  beforeAll(async () => {
    const port = await freePort();
    redis = (await start(REDIS_SERVER, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], /Ready to accept connections/)).child;
    redisUrl = `redis://127.0.0.1:${port}`;
    // Anonymous readers may ask for cells (and so start jobs); the internal job routes need a writer key.
    t = await startTestServer({ withPythia: false, scheduler: true, redisUrl, auth: localAuth('reader') });
    queue = new Queue(JOB_QUEUE, { connection: { host: '127.0.0.1', port } });
    writerKey = (await createApiKey(t.wh, 'workers', 'writer')).key;
    readerKey = (await createApiKey(t.wh, 'reader', 'reader')).key;

    synth = writeSyntheticFmri(join(tmp.dir, 'synth'), { voxels: VOXELS, dim: 24 });
    await registerModel(t.wh, { modelId: 'tiny', tokensPerStep: 1000, finalStep: 600 });
    await importFmri(t.wh, synth.manifest);
    for (const step of STEPS) {
      for (const [layer, path] of synth.featureFiles) await importFeaturesNpy(t.wh, { modelId: 'tiny', step, layer, datasetId: 'synth', path });
    }
    for (const name of ['worker-a', 'worker-b']) {
      const args = [CLI, 'worker', '--redis', redisUrl, '--server', t.server.url, '--key', writerKey, '--concurrency', '1', '--name', name, '--lock-seconds', '3'];
      workers.set(name, await start(process.execPath, args, /ready/));
    }
  });

  afterAll(async () => {
    for (const w of workers.values()) w.child.kill('SIGKILL');
    await queue?.close();
    await t?.close();
    redis?.kill('SIGTERM');
    tmp.cleanup();
  });

  const score = async (policy: string, step: number) => (await t.gql(SCORE(policy, step))).body.data.model.checkpoints.nodes[0].brainScore;
  const jobRow = async (id: string) => (await t.wh.all<{ status: string; device: string | null; attempts: number }>('SELECT status, device, attempts FROM jobs WHERE job_id = ?', [id], { cache: false }))[0];
  const logs = () => [...workers].map(([name, w]) => `--- ${name}\n${w.output()}`).join('\n');

  it('the internal job routes need a writer key', async () => {
    const hello = (key?: string) => fetch(`${t.server.url}internal/jobs`, { headers: key ? { authorization: `Bearer ${key}` } : {} });
    expect(await (await hello()).json()).toEqual({ errors: [{ message: 'an API key with the writer role is needed', extensions: { code: 'UNAUTHENTICATED' } }] });
    expect((await hello(readerKey)).status).toBe(403);
    expect(await (await hello(writerKey)).json()).toEqual({ remote: true });
  });

  it('duplicate submissions collapse to one BullMQ job, with the cell-key job id; a worker computes it and the cell is READY', async () => {
    const id = jobIdFor(encodingJob('tiny', 100, 'synth'));
    await queue.pause(); // hold the job in Redis while it is asked for again and again
    try {
      const answers = await Promise.all(Array.from({ length: 30 }, () => score('IF_MISSING', 100)));
      expect(new Set(answers.map((a) => a.jobId))).toEqual(new Set([id]));
      expect(answers.every((a) => a.status === 'PENDING')).toBe(true);
      await Promise.all([1, 2, 3].map(() => t.scheduler!.submit(encodingJob('tiny', 100, 'synth'), { priority: 20 })));
      const inRedis = await queue.getJobs(['waiting', 'paused', 'prioritized', 'delayed', 'active']);
      expect(inRedis.map((j) => j.id)).toEqual([id]);
    } finally {
      await queue.resume();
    }
    const done = await t.scheduler!.wait(id, 30_000);
    expect(done, logs()).toMatchObject({ status: 'SUCCEEDED', attempts: 0, device: expect.stringMatching(/ @worker-[ab]$/) });
    expect(t.scheduler!.started).toBe(1);
    expect(await score('NEVER', 100)).toMatchObject({ status: 'READY', layer: 1, jobId: null });
    expect((await score('NEVER', 100)).value).toBeGreaterThan(0.5);
    expect(await t.wh.all('SELECT count(*) AS n FROM brain_scores JOIN cells USING (cell_id) WHERE step = 100', [], { cache: false })).toEqual([{ n: 2 * VOXELS }]);
  });

  it('several queued jobs are shared by both workers; progress and device reach the jobs table', async () => {
    const jobs = await Promise.all([200, 300, 400, 500].map((step) => t.scheduler!.submit(encodingJob('tiny', step, 'synth'))));
    const done = await Promise.all(jobs.map((j) => t.scheduler!.wait(j.jobId, 30_000)));
    expect(done.map((j) => j.status), logs()).toEqual(['SUCCEEDED', 'SUCCEEDED', 'SUCCEEDED', 'SUCCEEDED']);
    expect(new Set(done.map((j) => / @(worker-[ab])$/.exec(j.device ?? '')?.[1])), JSON.stringify(done.map((j) => [j.jobId, j.device, j.attempts])) + logs()).toEqual(new Set(['worker-a', 'worker-b']));
    expect(done.every((j) => j.progress === 1 && j.cellsDone === 2 && j.cellsTotal === 2)).toBe(true);
    const q = await t.gql(`{ model(id: "tiny") { brainTrajectory(dataset: "synth", policy: NEVER) { step status } } }`);
    expect(q.body.data.model.brainTrajectory.map((p: { step: number; status: string }) => [p.step, p.status])).toEqual([
      [100, 'READY'], [200, 'READY'], [300, 'READY'], [400, 'READY'], [500, 'READY'], [600, 'MISSING'],
    ]);
  });

  it('a job cancelled while queued leaves Redis; internal metrics compute remotely too', async () => {
    await queue.pause();
    try {
      const job = await t.scheduler!.submit(internalJob('tiny', 100, 'synth'));
      expect((await t.scheduler!.cancel(job.jobId)).status).toBe('CANCELLED');
      await expect.poll(() => queue.getJob(job.jobId), { timeout: 10_000, interval: 100 }).toBeUndefined();
    } finally {
      await queue.resume();
    }
    const q = await t.gql(`{ model(id: "tiny") { internalTrajectory(metric: "linearCKA", layer: 1, dataset: "synth", policy: WAIT, waitSeconds: 30) { step status value } } }`);
    const points = q.body.data.model.internalTrajectory as { step: number; status: string; value: number | null }[];
    expect(points.map((p) => p.status), logs()).toEqual(STEPS.map(() => 'READY'));
    // CKA compares each checkpoint with the previous one (identical features here): the first has none.
    expect(points[0].value).toBeNull();
    expect(points[1].value).toBeCloseTo(1, 6);
  });

  it('a worker killed with SIGKILL mid-job: the job is re-delivered to the other, SUCCEEDED, no duplicate or partial rows', async () => {
    const job = await t.scheduler!.submit(encodingJob('tiny', 600, 'synth'));
    // Wait until a worker has claimed it (its progress report names it), then kill that worker.
    let victim: string | undefined;
    const deadline = Date.now() + 15_000;
    while (!victim && Date.now() < deadline) {
      const row = await jobRow(job.jobId);
      victim = row.status === 'RUNNING' ? /@(worker-[ab])$/.exec(row.device ?? '')?.[1] : undefined;
      if (!victim) await new Promise((r) => setTimeout(r, 20));
    }
    expect(victim, logs()).toBeDefined();
    workers.get(victim!)!.child.kill('SIGKILL');
    expect((await jobRow(job.jobId)).status).toBe('RUNNING');

    const done = await t.scheduler!.wait(job.jobId, 30_000);
    const survivor = victim === 'worker-a' ? 'worker-b' : 'worker-a';
    // A worker killed mid-job is a crash, not a failure of the job: attempts count failures only.
    expect(done, logs()).toMatchObject({ status: 'SUCCEEDED', attempts: 0, device: expect.stringMatching(new RegExp(` @${survivor}$`)) });
    expect(await t.wh.all('SELECT count(*) AS n FROM brain_scores JOIN cells USING (cell_id) WHERE step = 600', [], { cache: false })).toEqual([{ n: 2 * VOXELS }]);
    const summaries = await t.wh.all<{ n: number }>('SELECT count(*) AS n FROM brain_score_summary JOIN cells USING (cell_id) WHERE step = ? GROUP BY step', [500], { cache: false });
    expect(await t.wh.all('SELECT count(*) AS n FROM brain_score_summary JOIN cells USING (cell_id) WHERE step = 600', [], { cache: false })).toEqual(summaries);
    // One `runs` row per job: nothing was written twice, nothing half.
    expect(await t.wh.all("SELECT count(*) AS n FROM runs WHERE kind = 'encoding'", [], { cache: false })).toEqual([{ n: STEPS.length }]);
    expect(await score('NEVER', 600)).toMatchObject({ status: 'READY', layer: 1 });
  });

  it('a job whose inputs cannot be loaded is FAILED with the error, and leaves Redis', async () => {
    await registerModel(t.wh, { modelId: 'broken', tokensPerStep: 1000, finalStep: 100 });
    await importFeaturesNpy(t.wh, { modelId: 'broken', step: 100, layer: 1, datasetId: 'synth', path: synth.featureFiles.get(1)! });
    // Responses gone: the server cannot load the job's inputs, and fails it (as it would in-process).
    await t.wh.write((tx) => tx.run('DELETE FROM fmri_responses'));
    const q = `{ model(id: "broken") { checkpoints(first: 1) { nodes { brainScore(dataset: "synth", policy: WAIT, waitSeconds: 30) { status reason jobId } } } } }`;
    const failed = (await t.gql(q)).body.data.model.checkpoints.nodes[0].brainScore;
    expect(failed, logs()).toMatchObject({ status: 'FAILED', reason: "subject 'synth/S01' does not exist" });
    expect(await jobRow(failed.jobId)).toMatchObject({ status: 'FAILED', attempts: 1 });
    // The BullMQ job is removed right after the failure is recorded: poll briefly for it.
    await expect.poll(() => queue.getJob(failed.jobId), { timeout: 10_000, interval: 100 }).toBeUndefined();
  });

  it('results from a worker are checked before anything is written, every problem listed', async () => {
    const id = jobIdFor(encodingJob('tiny', 100, 'synth'));
    const body = encodeMessage({ worker: '', result: { device: 'x', cells: [{ layer: 1.5, subjectId: 'S01', r: new Float64Array(2), alpha: new Float32Array(1), summaries: [{}] }] } } as never);
    const res = await fetch(`${t.server.url}internal/jobs/${id}/results`, {
      method: 'POST', headers: { authorization: `Bearer ${writerKey}`, 'content-type': 'application/octet-stream' }, body,
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ errors: [{ message: 'results from a worker were refused: results are malformed: '
      + 'worker: must be a non-empty string; result.cells[0].layer: must be an integer; result.cells[0].r: must be a Float32Array; '
      + 'result.cells[0].summaries[0]: must be { roi, meanR, medianR, topMeanR, nVoxels, nSignificant }', extensions: { code: 'BAD_USER_INPUT' } }] });
    // The job had succeeded: a stray report changes nothing.
    expect(await jobRow(id)).toMatchObject({ status: 'SUCCEEDED' });
  });
});
